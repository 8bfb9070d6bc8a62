package sbom

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/eksguard/eksguard/pkg/inventory"
)

// schemaDir is the official CycloneDX schema directory shipped in the cyclonedx-go module.
func schemaDir(t *testing.T) string {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/CycloneDX/cyclonedx-go").Output()
	if err != nil {
		t.Fatalf("locating the cyclonedx-go module: %v", err)
	}
	return filepath.Join(strings.TrimSpace(string(out)), "schema")
}

func compile(t *testing.T) *jsonschema.Schema {
	dir := schemaDir(t)
	c := jsonschema.NewCompiler()
	// The 1.6 schema refers to its SPDX and JSF companions by relative name.
	for url, file := range map[string]string{
		"http://cyclonedx.org/schema/bom-1.6.schema.json":  "bom-1.6.schema.json",
		"http://cyclonedx.org/schema/spdx.schema.json":     "spdx.schema.json",
		"http://cyclonedx.org/schema/jsf-0.82.schema.json": "jsf-0.82.schemax.json",
	} {
		data, err := os.ReadFile(filepath.Join(dir, file))
		if err != nil {
			t.Fatal(err)
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		if err := c.AddResource(url, doc); err != nil {
			t.Fatal(err)
		}
	}
	c.AssertFormat()
	s, err := c.Compile("http://cyclonedx.org/schema/bom-1.6.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestCycloneDXValidates(t *testing.T) {
	inv := &inventory.Inventory{
		OS: &inventory.OS{ID: "debian", VersionID: "12", PrettyName: "Debian GNU/Linux 12 (bookworm)"},
		Packages: []inventory.Package{
			{Type: inventory.TypeDeb, Name: "libc6", Version: "2.36-9+deb12u10", Arch: "amd64", Source: &inventory.Source{Name: "glibc"},
				Path: "/var/lib/dpkg/status", Layer: "sha256:aa", PURL: "pkg:deb/debian/libc6@2.36-9%2Bdeb12u10?arch=amd64&distro=debian-12"},
			{Type: inventory.TypeGolang, Name: "golang.org/x/net", Version: "v0.20.0", Path: "/app", Layer: "sha256:bb", PURL: "pkg:golang/golang.org/x/net@v0.20.0"},
			{Type: inventory.TypeGolang, Name: "golang.org/x/net", Version: "v0.20.0", Path: "/app2", Layer: "sha256:bb", PURL: "pkg:golang/golang.org/x/net@v0.20.0"},
			{Type: inventory.TypeAPK, Name: "musl", Version: "1.2.5-r0", Path: "/lib/apk/db/installed", Licenses: []string{"MIT"}},
			{Type: inventory.TypeRPM, Name: "nodejs", Version: "1:18.20.2-1.module+el8.10.0+21318+5ea5b1f6", Arch: "x86_64",
				Path: "/var/lib/rpm/Packages", Vendor: "Red Hat, Inc.", ModularityLabel: "nodejs:18:8100020240325085225:a75119d5",
				PURL: "pkg:rpm/rhel/nodejs@18.20.2-1.module%2Bel8.10.0%2B21318%2B5ea5b1f6?arch=x86_64&epoch=1&distro=rhel-8.10"},
		},
	}
	var buf bytes.Buffer
	if err := WriteCycloneDX(&buf, Image{Name: "oci:x", Digest: "sha256:cc", Platform: "linux/amd64", Inventory: inv}); err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if err := compile(t).Validate(doc); err != nil {
		t.Fatalf("SBOM does not validate against CycloneDX 1.6: %v\n%s", err, buf.String())
	}
	var parsed struct {
		SpecVersion string `json:"specVersion"`
		Components  []struct {
			BOMRef   string `json:"bom-ref"`
			Supplier *struct {
				Name string `json:"name"`
			} `json:"supplier"`
		} `json:"components"`
	}
	json.Unmarshal(buf.Bytes(), &parsed)
	if !strings.Contains(buf.String(), `"eksguard:rpm:modularitylabel"`) {
		t.Error("no modularity label property")
	}
	suppliers := 0
	for _, c := range parsed.Components {
		if c.Supplier != nil && c.Supplier.Name == "Red Hat, Inc." {
			suppliers++
		}
	}
	if suppliers != 1 {
		t.Errorf("%d components with the rpm vendor as supplier", suppliers)
	}
	if parsed.SpecVersion != "1.6" || len(parsed.Components) != 6 {
		t.Fatalf("spec %s, %d components", parsed.SpecVersion, len(parsed.Components))
	}
}

// TestBrokenSBOMFails proves the schema check can fail.
func TestBrokenSBOMFails(t *testing.T) {
	doc, _ := jsonschema.UnmarshalJSON(strings.NewReader(`{"bomFormat":"CycloneDX","specVersion":"1.6","components":[{"type":"nonsense","name":"x"}]}`))
	if err := compile(t).Validate(doc); err == nil {
		t.Fatal("invalid SBOM validated")
	}
}
