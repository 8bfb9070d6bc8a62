package pkgdb

import (
	"archive/zip"
	"bufio"
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
	"slices"
	"strings"

	"github.com/eksguard/eksguard/pkg/inventory"
)

// MaxManifestBytes bounds a package.json, lockfile or METADATA file.
const MaxManifestBytes = 8 << 20

func readCapped(r io.Reader, max int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > max {
		return nil, fmt.Errorf("over %d bytes", max)
	}
	return b, nil
}

// NPMPackage parses a package.json found under node_modules.
func NPMPackage(r io.Reader, p string) ([]inventory.Package, error) {
	b, err := readCapped(r, MaxManifestBytes)
	if err != nil {
		return nil, err
	}
	var pj struct {
		Name    string          `json:"name"`
		Version string          `json:"version"`
		License json.RawMessage `json:"license"`
	}
	if err := json.Unmarshal(b, &pj); err != nil {
		return nil, fmt.Errorf("package.json: %w", err)
	}
	if pj.Name == "" || pj.Version == "" {
		return nil, nil
	}
	pkg := npmPkg(pj.Name, pj.Version, p)
	var lic string
	if json.Unmarshal(pj.License, &lic) == nil && lic != "" {
		pkg.Licenses = []string{lic}
	}
	return []inventory.Package{pkg}, nil
}

func npmPkg(name, version, p string) inventory.Package {
	ns, n := "", name
	if strings.HasPrefix(name, "@") {
		ns, n, _ = strings.Cut(name, "/")
	}
	return inventory.Package{Type: inventory.TypeNPM, Name: name, Version: version, Path: p, PURL: PURL(inventory.TypeNPM, ns, n, version)}
}

// NPMLock parses a package-lock.json (lockfile versions 1, 2 and 3).
func NPMLock(r io.Reader, p string) ([]inventory.Package, error) {
	b, err := readCapped(r, MaxManifestBytes)
	if err != nil {
		return nil, err
	}
	var lock struct {
		Packages map[string]struct {
			Name    string `json:"name"`
			Version string `json:"version"`
			Link    bool   `json:"link"`
		} `json:"packages"`
		Dependencies map[string]json.RawMessage `json:"dependencies"`
	}
	if err := json.Unmarshal(b, &lock); err != nil {
		return nil, fmt.Errorf("package-lock.json: %w", err)
	}
	var out []inventory.Package
	if len(lock.Packages) > 0 {
		for k, v := range lock.Packages {
			i := strings.LastIndex(k, "node_modules/")
			if k == "" || i < 0 || v.Link || v.Version == "" {
				continue
			}
			name := v.Name
			if name == "" {
				name = k[i+len("node_modules/"):]
			}
			out = append(out, npmPkg(name, v.Version, p))
		}
	} else {
		// Lockfile v1: nested "dependencies" maps.
		var walk func(deps map[string]json.RawMessage, depth int)
		walk = func(deps map[string]json.RawMessage, depth int) {
			if depth > 64 {
				return
			}
			for name, raw := range deps {
				var d struct {
					Version      string                     `json:"version"`
					Dependencies map[string]json.RawMessage `json:"dependencies"`
				}
				if json.Unmarshal(raw, &d) != nil {
					continue
				}
				if d.Version != "" && !strings.Contains(d.Version, ":") {
					out = append(out, npmPkg(name, d.Version, p))
				}
				walk(d.Dependencies, depth+1)
			}
		}
		walk(lock.Dependencies, 0)
	}
	sortPkgs(out)
	return out, nil
}

func sortPkgs(ps []inventory.Package) {
	slices.SortStableFunc(ps, func(a, b inventory.Package) int {
		return cmp.Or(strings.Compare(a.Name, b.Name), strings.Compare(a.Version, b.Version))
	})
}

// PythonMetadata parses a dist-info METADATA or egg-info PKG-INFO file (RFC 822 headers).
func PythonMetadata(r io.Reader, p string) ([]inventory.Package, error) {
	var name, version, license string
	br := bufio.NewReaderSize(io.LimitReader(r, MaxManifestBytes), 64<<10)
	err := lines(br, func(l string) error {
		if l == "" {
			return io.EOF // headers end at the first blank line
		}
		k, v, ok := strings.Cut(l, ":")
		if !ok {
			return nil
		}
		v = strings.TrimSpace(v)
		switch strings.ToLower(k) {
		case "name":
			name = v
		case "version":
			version = v
		case "license":
			license = v
		}
		return nil
	})
	if err != nil && err != io.EOF {
		return nil, err
	}
	if name == "" || version == "" {
		return nil, nil
	}
	norm := strings.ToLower(strings.NewReplacer("_", "-", ".", "-").Replace(name))
	pkg := inventory.Package{Type: inventory.TypePyPI, Name: name, Version: version, Path: p, PURL: PURL(inventory.TypePyPI, "", norm, version)}
	if license != "" && license != "UNKNOWN" && len(license) < 200 {
		pkg.Licenses = []string{license}
	}
	return []inventory.Package{pkg}, nil
}

// Java archive limits: nesting depth, entries and bytes read across one outer archive.
const (
	MaxJarDepth   = 3
	MaxJarEntries = 100_000
	MaxJarBytes   = 256 << 20
)

// JavaArchive lists the Maven artifacts in a jar, war or ear held in memory: from
// META-INF/maven/**/pom.properties, else from META-INF/MANIFEST.MF, and from nested
// archives to MaxJarDepth.
func JavaArchive(data []byte, p string) ([]inventory.Package, error) {
	budget := &jarBudget{entries: MaxJarEntries, bytes: MaxJarBytes}
	return javaArchive(data, p, 1, budget)
}

type jarBudget struct{ entries, bytes int64 }

var errJarBudget = errors.New("archive exceeds the entry or byte limit for nested archives")

func javaArchive(data []byte, p string, depth int, b *jarBudget) ([]inventory.Package, error) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", p, err)
	}
	var out []inventory.Package
	var manifest *zip.File
	read := func(f *zip.File, max int64) ([]byte, error) {
		if int64(f.UncompressedSize64) > max || int64(f.UncompressedSize64) > b.bytes {
			return nil, errJarBudget
		}
		rc, err := f.Open()
		if err != nil {
			return nil, err
		}
		defer rc.Close()
		data, err := readCapped(rc, min(max, b.bytes))
		b.bytes -= int64(len(data))
		return data, err
	}
	for _, f := range zr.File {
		b.entries--
		if b.entries < 0 {
			return out, errJarBudget
		}
		name := f.Name
		switch {
		case strings.HasPrefix(name, "META-INF/maven/") && strings.HasSuffix(name, "/pom.properties"):
			data, err := read(f, 1<<20)
			if err != nil {
				continue
			}
			if pkg, ok := pomProperties(data, p); ok {
				out = append(out, pkg)
			}
		case name == "META-INF/MANIFEST.MF":
			manifest = f
		case depth < MaxJarDepth && (strings.HasSuffix(name, ".jar") || strings.HasSuffix(name, ".war")):
			data, err := read(f, 64<<20)
			if err == errJarBudget {
				return out, err
			}
			if err != nil {
				continue
			}
			inner, err := javaArchive(data, p+"!/"+name, depth+1, b)
			out = append(out, inner...)
			if err == errJarBudget {
				return out, err
			}
		}
	}
	if len(out) == 0 && manifest != nil {
		if data, err := read(manifest, 1<<20); err == nil {
			if pkg, ok := manifestPackage(data, p); ok {
				out = append(out, pkg)
			}
		}
	}
	return out, nil
}

func pomProperties(data []byte, p string) (inventory.Package, bool) {
	kv := map[string]string{}
	for _, l := range strings.Split(string(data), "\n") {
		l = strings.TrimSpace(l)
		if l == "" || l[0] == '#' {
			continue
		}
		k, v, ok := strings.Cut(l, "=")
		if ok {
			kv[strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
	}
	g, a, v := kv["groupId"], kv["artifactId"], kv["version"]
	if g == "" || a == "" || v == "" {
		return inventory.Package{}, false
	}
	return inventory.Package{Type: inventory.TypeMaven, Name: g + ":" + a, Version: v, Path: p, PURL: PURL(inventory.TypeMaven, g, a, v)}, true
}

// manifestPackage names an artifact from MANIFEST.MF when no pom.properties says more:
// the file name gives the artifact, Implementation-Version or Bundle-Version the version.
func manifestPackage(data []byte, p string) (inventory.Package, bool) {
	kv := map[string]string{}
	for _, l := range strings.Split(string(data), "\n") {
		k, v, ok := strings.Cut(strings.TrimRight(l, "\r"), ":")
		if ok && !strings.HasPrefix(k, " ") {
			kv[k] = strings.TrimSpace(v)
		}
	}
	v := kv["Implementation-Version"]
	if v == "" {
		v = kv["Bundle-Version"]
	}
	g := kv["Implementation-Vendor-Id"]
	if g == "" {
		g = kv["Bundle-SymbolicName"]
		if i := strings.LastIndex(g, "."); i > 0 {
			g = g[:i]
		} else {
			g = ""
		}
	}
	a := strings.TrimSuffix(path.Base(p[strings.LastIndex(p, "!/")+1:]), path.Ext(p))
	if v != "" {
		a = strings.TrimSuffix(a, "-"+v)
	}
	if v == "" || a == "" || g == "" {
		return inventory.Package{}, false
	}
	return inventory.Package{Type: inventory.TypeMaven, Name: g + ":" + a, Version: v, Path: p, PURL: PURL(inventory.TypeMaven, g, a, v)}, true
}
