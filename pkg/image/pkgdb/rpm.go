package pkgdb

import (
	"strings"

	"github.com/eksguard/eksguard/pkg/image/pkgdb/rpmdb"
	"github.com/eksguard/eksguard/pkg/inventory"
)

// RPMPaths are where rpm keeps its package database: sqlite (rpm 4.16 and later), Berkeley
// DB (older Red Hat, Amazon Linux 2) and ndb (SUSE), in /var/lib/rpm or, on newer Fedora and
// SUSE, /usr/lib/sysimage/rpm (with /var/lib/rpm a symbolic link to it).
var RPMPaths = []string{
	"/var/lib/rpm/rpmdb.sqlite", "/var/lib/rpm/Packages", "/var/lib/rpm/Packages.db",
	"/usr/lib/sysimage/rpm/rpmdb.sqlite", "/usr/lib/sysimage/rpm/Packages", "/usr/lib/sysimage/rpm/Packages.db",
}

// RPM reads an rpm database of any of the three formats, held in memory.
func RPM(b []byte, path string) ([]inventory.Package, error) {
	hs, err := rpmdb.Read(b)
	if err != nil {
		return nil, err
	}
	out := make([]inventory.Package, 0, len(hs))
	for _, h := range hs {
		p := inventory.Package{Type: inventory.TypeRPM, Name: h.Name, Version: h.EVR(), Arch: h.Arch, Path: path,
			Vendor: h.Vendor, ModularityLabel: h.ModularityLabel}
		if h.License != "" {
			p.Licenses = []string{h.License}
		}
		if n, v, ok := SourceRPM(h.SourceRPM); ok && (n != h.Name || v != strings.TrimPrefix(h.EVR(), epochPrefix(h.EVR()))) {
			p.Source = &inventory.Source{Name: n, Version: v}
		}
		out = append(out, p)
	}
	return out, nil
}

func epochPrefix(evr string) string {
	if i := strings.IndexByte(evr, ':'); i >= 0 {
		return evr[:i+1]
	}
	return ""
}

// SourceRPM splits a source rpm file name, name-version-release.src.rpm, into the name and
// version-release.
func SourceRPM(file string) (name, version string, ok bool) {
	s, found := strings.CutSuffix(file, ".src.rpm")
	if !found {
		if s, found = strings.CutSuffix(file, ".nosrc.rpm"); !found {
			return "", "", false
		}
	}
	r := strings.LastIndexByte(s, '-')
	if r <= 0 {
		return "", "", false
	}
	v := strings.LastIndexByte(s[:r], '-')
	if v <= 0 {
		return "", "", false
	}
	return s[:v], s[v+1:], true
}
