// Package sbom writes an image's package inventory as a CycloneDX 1.6 SBOM.
package sbom

import (
	"fmt"
	"io"
	"sort"
	"strings"

	cdx "github.com/CycloneDX/cyclonedx-go"

	"github.com/eksguard/eksguard/pkg/inventory"
	"github.com/eksguard/eksguard/pkg/report"
)

// Image is what the SBOM describes.
type Image struct {
	Name      string
	Digest    string
	Platform  string
	Inventory *inventory.Inventory
}

// Property names eksguard adds to components.
const (
	PropLayer = "eksguard:layer"
	PropPath  = "eksguard:path"
)

// BOM builds the CycloneDX document.
func BOM(im Image) *cdx.BOM {
	bom := cdx.NewBOM()
	bom.SpecVersion = cdx.SpecVersion1_6
	root := cdx.Component{BOMRef: "image", Type: cdx.ComponentTypeContainer, Name: im.Name, Version: im.Digest}
	if im.Platform != "" {
		root.Properties = &[]cdx.Property{{Name: "eksguard:platform", Value: im.Platform}}
	}
	bom.Metadata = &cdx.Metadata{
		Tools:     &cdx.ToolsChoice{Components: &[]cdx.Component{{Type: cdx.ComponentTypeApplication, Name: report.Tool, Version: report.Version}}},
		Component: &root,
	}
	var comps []cdx.Component
	var deps []string
	if os := im.Inventory.OS; os != nil {
		c := cdx.Component{BOMRef: "os:" + os.ID + "@" + os.VersionID, Type: cdx.ComponentTypeOS, Name: os.ID, Version: os.VersionID, Description: os.PrettyName}
		comps = append(comps, c)
		deps = append(deps, c.BOMRef)
	}
	seen := map[string]int{}
	for _, p := range im.Inventory.Packages {
		ref := p.PURL
		if ref == "" {
			ref = p.Type + ":" + p.Name + "@" + p.Version
		}
		// The same package can be found at several paths (two Go binaries with one module).
		if n := seen[ref]; n > 0 {
			seen[ref]++
			ref = fmt.Sprintf("%s#%d", ref, n+1)
		} else {
			seen[ref] = 1
		}
		c := cdx.Component{BOMRef: ref, Type: cdx.ComponentTypeLibrary, Name: p.Name, Version: p.Version, PackageURL: p.PURL}
		if p.Type == inventory.TypeMaven {
			if g, a, ok := strings.Cut(p.Name, ":"); ok {
				c.Group, c.Name = g, a
			}
		}
		props := []cdx.Property{{Name: PropPath, Value: p.Path}}
		if p.Layer != "" {
			props = append(props, cdx.Property{Name: PropLayer, Value: p.Layer})
		}
		if p.Source != nil {
			props = append(props, cdx.Property{Name: "eksguard:source", Value: strings.TrimSpace(p.Source.Name + " " + p.Source.Version)})
		}
		if p.ModularityLabel != "" {
			props = append(props, cdx.Property{Name: "eksguard:rpm:modularitylabel", Value: p.ModularityLabel})
		}
		c.Properties = &props
		if p.Vendor != "" {
			c.Supplier = &cdx.OrganizationalEntity{Name: p.Vendor}
		}
		if len(p.Licenses) > 0 {
			var ls cdx.Licenses
			for _, l := range p.Licenses {
				ls = append(ls, cdx.LicenseChoice{License: &cdx.License{Name: l}})
			}
			c.Licenses = &ls
		}
		comps = append(comps, c)
		deps = append(deps, ref)
	}
	sort.SliceStable(comps, func(i, j int) bool { return comps[i].BOMRef < comps[j].BOMRef })
	sort.Strings(deps)
	bom.Components = &comps
	bom.Dependencies = &[]cdx.Dependency{{Ref: "image", Dependencies: &deps}}
	return bom
}

// WriteCycloneDX writes the SBOM as CycloneDX 1.6 JSON.
func WriteCycloneDX(w io.Writer, im Image) error {
	enc := cdx.NewBOMEncoder(w, cdx.BOMFileFormatJSON)
	enc.SetPretty(true)
	return enc.EncodeVersion(BOM(im), cdx.SpecVersion1_6)
}
