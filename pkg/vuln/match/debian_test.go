package match

import (
	"encoding/json"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/eksguard/eksguard/pkg/inventory"
	"github.com/eksguard/eksguard/pkg/vuln/db"
)

// The Debian test data: testdata/debian/osv holds Debian advisories in OSV form written
// from Debian's published facts (each bookworm fixed version is the version whose Debian
// changelog entry names the CVE); bookworm-current.json is the package list of a Debian 12
// system (package, version, source package and version from the dpkg database).

func debianDB(t *testing.T) *db.DB {
	t.Helper()
	dir := t.TempDir()
	w, err := db.Create(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.ImportPaths([]string{"testdata/debian/osv"}); err != nil {
		t.Fatal(err)
	}
	if err := w.Commit(); err != nil {
		t.Fatal(err)
	}
	d, err := db.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

func loadInventory(t *testing.T, path string) *inventory.Inventory {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var inv inventory.Inventory
	if err := json.Unmarshal(data, &inv); err != nil {
		t.Fatal(err)
	}
	return &inv
}

func sourceOf(p *inventory.Package) string {
	if p.Source != nil && p.Source.Name != "" {
		return p.Source.Name
	}
	return p.Name
}

// withVersions sets every binary package built from a source package to a version.
func withVersions(inv *inventory.Inventory, versions map[string]string) *inventory.Inventory {
	out := &inventory.Inventory{OS: inv.OS}
	for _, p := range inv.Packages {
		if v, ok := versions[sourceOf(&p)]; ok {
			p.Version = v
			if p.Source != nil {
				s := *p.Source
				s.Version = ""
				p.Source = &s
			}
		}
		out.Packages = append(out.Packages, p)
	}
	return out
}

func matched(res *Result) map[string][]string {
	got := map[string][]string{}
	for _, m := range res.Matches {
		got[m.Package.Name] = append(got[m.Package.Name], m.Vuln.ID)
	}
	for k := range got {
		sort.Strings(got[k])
	}
	return got
}

func TestDebianBookworm(t *testing.T) {
	d := debianDB(t)
	current := loadInventory(t, "testdata/debian/bookworm-current.json")
	binaries := map[string][]string{}
	for _, p := range current.Packages {
		binaries[sourceOf(&p)] = append(binaries[sourceOf(&p)], p.Name)
	}
	if len(binaries["glibc"]) < 2 || len(binaries["openssl"]) < 2 {
		t.Fatalf("the package list lacks glibc or openssl binaries: %v %v", binaries["glibc"], binaries["openssl"])
	}

	// The current bookworm versions carry every fix: no finding.
	res, err := Run(d, current)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Matches) != 0 || len(res.Unparseable) != 0 || len(res.Unsupported) != 0 {
		t.Fatalf("fixed versions matched: %+v unparseable %v unsupported %v", matched(res), res.Unparseable, res.Unsupported)
	}
	if res.Looked != len(current.Packages) {
		t.Fatalf("looked up %d of %d", res.Looked, len(current.Packages))
	}

	glibc := []string{"DEBIAN-CVE-2023-4911", "DEBIAN-CVE-2024-2961", "DEBIAN-CVE-2024-33599", "DEBIAN-CVE-2026-4438"}
	openssl := []string{"DEBIAN-CVE-2023-5363", "DEBIAN-CVE-2024-6119", "DEBIAN-CVE-2025-9230"}
	cases := []struct {
		name     string
		versions map[string]string
		want     map[string][]string // source package -> advisories on each of its binaries
	}{
		{"bookworm 12.0 release", map[string]string{"glibc": "2.36-9", "openssl": "3.0.9-1", "expat": "2.5.0-1", "curl": "7.88.1-10"},
			map[string][]string{"glibc": glibc, "openssl": openssl, "expat": {"DEBIAN-CVE-2024-45490"}, "curl": {"DEBIAN-CVE-2023-46218", "DEBIAN-CVE-2024-7264"}}},
		{"bookworm-security mid-2024", map[string]string{"glibc": "2.36-9+deb12u7", "openssl": "3.0.14-1~deb12u2", "curl": "7.88.1-10+deb12u6"},
			map[string][]string{"glibc": {"DEBIAN-CVE-2026-4438"}, "openssl": {"DEBIAN-CVE-2025-9230"}, "curl": {"DEBIAN-CVE-2024-7264"}}},
		{"one below each fix", map[string]string{"glibc": "2.36-9+deb12u13", "openssl": "3.0.17-1~deb12u2", "curl": "7.88.1-10+deb12u4", "expat": "2.5.0-1"},
			map[string][]string{"glibc": {"DEBIAN-CVE-2026-4438"}, "openssl": {"DEBIAN-CVE-2025-9230"}, "curl": {"DEBIAN-CVE-2023-46218", "DEBIAN-CVE-2024-7264"}, "expat": {"DEBIAN-CVE-2024-45490"}}},
		{"exactly the fixed versions", map[string]string{"glibc": "2.36-9+deb12u14", "openssl": "3.0.17-1~deb12u3", "curl": "7.88.1-10+deb12u7", "expat": "2.5.0-1+deb12u1"},
			map[string][]string{}},
		{"binNMU of a fixed version", map[string]string{"expat": "2.5.0-1+deb12u1+b1"}, map[string][]string{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res, err := Run(d, withVersions(current, c.versions))
			if err != nil {
				t.Fatal(err)
			}
			want := map[string][]string{}
			for src, ids := range c.want {
				for _, bin := range binaries[src] {
					want[bin] = ids
				}
			}
			got := matched(res)
			if len(got) != len(want) {
				t.Fatalf("matched %d packages, want %d:\n got %v\nwant %v", len(got), len(want), got, want)
			}
			for bin, ids := range want {
				if strings.Join(got[bin], " ") != strings.Join(ids, " ") {
					t.Errorf("%s: got %v, want %v", bin, got[bin], ids)
				}
			}
			for _, m := range res.Matches {
				if m.Fixed == "" || m.Ecosystem != "Debian:12" {
					t.Errorf("%s %s: fixed %q ecosystem %q", m.Package.Name, m.Vuln.ID, m.Fixed, m.Ecosystem)
				}
			}
		})
	}
}
