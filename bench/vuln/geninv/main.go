// Command geninv writes a large, realistic package inventory for the matching benchmark:
// the dpkg packages of a Debian 12 system, Go modules and standard libraries of many Go
// binaries (module paths taken from the Go vulnerability database, most at their newest
// fixed version, one in ten just before one of their fixes), and npm, PyPI and Maven packages, N packages in all.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/eksguard/eksguard/pkg/inventory"
	"github.com/eksguard/eksguard/pkg/vuln/osv"
)

func main() {
	n := flag.Int("n", 10000, "packages")
	debian := flag.String("debian", "", "inventory JSON of a Debian system (its packages come first)")
	vulndb := flag.String("vulndb", "", "directory of Go OSV records (module paths and fixed versions)")
	flag.Parse()
	if err := run(*n, *debian, *vulndb); err != nil {
		fmt.Fprintln(os.Stderr, "geninv:", err)
		os.Exit(1)
	}
}

func run(n int, debian, vulndb string) error {
	rng := rand.New(rand.NewSource(1))
	inv := &inventory.Inventory{}
	if debian != "" {
		data, err := os.ReadFile(debian)
		if err != nil {
			return err
		}
		if err := json.Unmarshal(data, inv); err != nil {
			return err
		}
	}
	// Go modules at versions around their fixes: below (affected), at (fixed) and above.
	type mv struct{ path, fixed string }
	var mods []mv
	files, _ := filepath.Glob(filepath.Join(vulndb, "*.json"))
	if len(files) == 0 {
		return fmt.Errorf("no OSV records in %q", vulndb)
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		v, err := osv.Decode(data)
		if err != nil {
			continue
		}
		for _, a := range v.Affected {
			for _, r := range a.Ranges {
				for _, e := range r.Events {
					if e.Fixed != "" && a.Package.Name != "stdlib" && a.Package.Name != "toolchain" {
						mods = append(mods, mv{a.Package.Name, e.Fixed})
					}
				}
			}
		}
	}
	sort.Slice(mods, func(i, j int) bool { return mods[i].path+mods[i].fixed < mods[j].path+mods[j].fixed })
	// The newest fixed version of each module (in semver order).
	newest := map[string]string{}
	for _, m := range mods {
		if cur, ok := newest[m.path]; !ok || semverLess(cur, m.fixed) {
			newest[m.path] = m.fixed
		}
	}
	// Modules are drawn uniformly by path (a module with many advisories is not more
	// likely to be a dependency), at the newest fix or just before one of its fixes.
	fixes := map[string][]string{}
	var paths []string
	for _, m := range mods {
		if fixes[m.path] == nil {
			paths = append(paths, m.path)
		}
		fixes[m.path] = append(fixes[m.path], m.fixed)
	}
	goVersions := []string{"1.24.4", "1.25.1", "1.26.8", "1.26.8", "1.26.8", "1.26.10"}
	binaries := 0
	for len(inv.Packages) < n*6/10 && len(mods) > 0 {
		bin := fmt.Sprintf("usr/local/bin/tool%d", binaries)
		inv.Packages = append(inv.Packages, inventory.Package{Type: inventory.TypeGolang, Name: inventory.GoStdlib, Version: goVersions[binaries%len(goVersions)], Path: bin})
		for i := 0; i < 40; i++ {
			path := paths[rng.Intn(len(paths))]
			m := mv{path, fixes[path][rng.Intn(len(fixes[path]))]}
			// Most dependencies are at the newest fix of their module; one in ten
			// predates one of its fixes (a pseudo-version of the fixed release's parent).
			ver := "v" + newest[m.path]
			if rng.Intn(10) == 0 {
				ver = "v" + m.fixed + "-0.20190101000000-abcdefabcdef"
			}
			inv.Packages = append(inv.Packages, inventory.Package{Type: inventory.TypeGolang, Name: m.path, Version: ver, Path: bin})
		}
		binaries++
	}
	for i := 0; len(inv.Packages) < n; i++ {
		switch i % 3 {
		case 0:
			inv.Packages = append(inv.Packages, inventory.Package{Type: inventory.TypeNPM, Name: fmt.Sprintf("pkg-%d", i), Version: fmt.Sprintf("%d.%d.%d", i%7, i%13, i%5), Path: "app/node_modules"})
		case 1:
			inv.Packages = append(inv.Packages, inventory.Package{Type: inventory.TypePyPI, Name: fmt.Sprintf("Py_Pkg.%d", i), Version: fmt.Sprintf("%d.%d", i%9, i%11), Path: "usr/lib/python3/dist-packages"})
		default:
			inv.Packages = append(inv.Packages, inventory.Package{Type: inventory.TypeMaven, Name: fmt.Sprintf("org.example:lib%d", i), Version: fmt.Sprintf("%d.%d.%d", i%4, i%10, i%3), Path: "app/lib"})
		}
	}
	inv.Packages = inv.Packages[:n]
	enc := json.NewEncoder(os.Stdout)
	return enc.Encode(inv)
}

// semverLess orders MAJOR.MINOR.PATCH[-PRE] loosely, enough to pick the newest fix.
func semverLess(a, b string) bool {
	pa, pb := strings.SplitN(a, "-", 2)[0], strings.SplitN(b, "-", 2)[0]
	xa, xb := strings.Split(pa, "."), strings.Split(pb, ".")
	for i := 0; i < 3 && i < len(xa) && i < len(xb); i++ {
		na, _ := strconv.Atoi(xa[i])
		nb, _ := strconv.Atoi(xb[i])
		if na != nb {
			return na < nb
		}
	}
	return a < b
}
