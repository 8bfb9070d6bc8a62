package match

import (
	"fmt"
	"strings"

	"github.com/eksguard/eksguard/pkg/inventory"
)

// Target is where a package is looked up: the OSV base ecosystem, which release variants
// of it apply, and the name and version to compare.
type Target struct {
	Base    string            // OSV ecosystem without suffix: "Debian", "Go"
	Accept  func(string) bool // whether a record's full ecosystem ("Debian:12") applies
	Name    string
	Version string
	Label   string // the ecosystem as shown to users, e.g. "Debian:12"
}

func exact(s string) func(string) bool { return func(e string) bool { return e == s } }

// debianCodenames maps VERSION_CODENAME to the release number OSV uses, for os-release
// files without VERSION_ID (testing images).
var debianCodenames = map[string]string{"buster": "10", "bullseye": "11", "bookworm": "12", "trixie": "13", "forky": "14"}

func major(v string) string {
	m, _, _ := strings.Cut(v, ".")
	return m
}

// TargetFor maps an inventory package and the image's OS to the OSV ecosystem its
// advisories are published under (https://ossf.github.io/osv-schema/#affectedpackage-field).
// dpkg and apk packages are looked up by their source package, as Debian, Ubuntu and
// Alpine publish advisories per source package.
func TargetFor(p *inventory.Package, os *inventory.OS) (Target, error) {
	name, ver := p.Name, p.Version
	if p.Source != nil && p.Source.Name != "" && (p.Type == inventory.TypeDeb || p.Type == inventory.TypeAPK) {
		name = p.Source.Name
		if p.Source.Version != "" {
			ver = p.Source.Version
		}
	}
	t := Target{Name: name, Version: ver}
	osID := ""
	if os != nil {
		osID = os.ID
	}
	if osID == "" && (p.Type == inventory.TypeDeb || p.Type == inventory.TypeAPK || p.Type == inventory.TypeRPM) {
		return t, fmt.Errorf("the distribution is unknown (no os-release), so the %s package's advisories cannot be chosen", p.Type)
	}
	switch p.Type {
	case inventory.TypeDeb:
		switch osID {
		case "debian":
			rel := major(os.VersionID)
			if rel == "" {
				rel = debianCodenames[os.VersionCodename]
			}
			if rel == "" {
				return t, fmt.Errorf("Debian release unknown (os-release has no VERSION_ID or known VERSION_CODENAME)")
			}
			t.Base, t.Label = "Debian", "Debian:"+rel
		case "ubuntu":
			if os.VersionID == "" {
				return t, fmt.Errorf("Ubuntu release unknown (os-release has no VERSION_ID)")
			}
			t.Base, t.Label = "Ubuntu", "Ubuntu:"+os.VersionID
			// OSV names long-term-support releases Ubuntu:22.04:LTS.
			if y, m, ok := strings.Cut(os.VersionID, "."); ok && m == "04" && len(y) == 2 && (y[1]-'0')%2 == 0 {
				t.Label += ":LTS"
			}
		default:
			return t, fmt.Errorf("no OSV ecosystem for dpkg packages on %q", osID)
		}
	case inventory.TypeAPK:
		switch osID {
		case "alpine":
			parts := strings.SplitN(os.VersionID, ".", 3)
			if len(parts) < 2 {
				return t, fmt.Errorf("Alpine release unknown (VERSION_ID %q)", os.VersionID)
			}
			t.Base, t.Label = "Alpine", "Alpine:v"+parts[0]+"."+parts[1]
		case "wolfi":
			t.Base, t.Label = "Wolfi", "Wolfi"
		case "chainguard":
			t.Base, t.Label = "Chainguard", "Chainguard"
		default:
			return t, fmt.Errorf("no OSV ecosystem for apk packages on %q", osID)
		}
	case inventory.TypeRPM:
		rel := ""
		if os != nil {
			rel = major(os.VersionID)
		}
		switch osID {
		case "rhel":
			// Red Hat's OSV ecosystems name the product stream:
			// "Red Hat:enterprise_linux:9::baseos", "Red Hat:enterprise_linux:9::appstream".
			t.Base, t.Label = "Red Hat", "Red Hat:enterprise_linux:"+rel
			prefix := t.Label + "::"
			t.Accept = func(e string) bool { return strings.HasPrefix(e, prefix) }
			return t, nil
		case "rocky":
			t.Base, t.Label = "Rocky Linux", "Rocky Linux:"+rel
		case "almalinux":
			t.Base, t.Label = "AlmaLinux", "AlmaLinux:"+rel
		case "amzn":
			return t, fmt.Errorf("OSV publishes no Amazon Linux advisories (no \"Amazon Linux\" ecosystem); use Amazon Inspector or ALAS for Amazon Linux packages")
		default:
			return t, fmt.Errorf("no OSV ecosystem for rpm packages on %q", osID)
		}
	case inventory.TypeGolang:
		t.Base, t.Label = "Go", "Go"
		t.Version = goVersion(p.Name, p.Version)
	case inventory.TypeNPM:
		t.Base, t.Label = "npm", "npm"
	case inventory.TypePyPI:
		t.Base, t.Label = "PyPI", "PyPI"
	case inventory.TypeMaven:
		t.Base, t.Label = "Maven", "Maven"
	default:
		return t, fmt.Errorf("no OSV ecosystem for package type %q", p.Type)
	}
	if t.Accept == nil {
		t.Accept = exact(t.Label)
	}
	return t, nil
}

// goVersion turns a Go module version (v1.2.3) or Go toolchain version (1.22, go1.22rc1,
// 1.21.0-bigcorp) into the semver OSV's Go records use (1.2.3, 1.22.0, 1.22.0-rc.1).
func goVersion(name, v string) string {
	if name != inventory.GoStdlib {
		return strings.TrimPrefix(v, "v")
	}
	v = strings.TrimPrefix(v, "go")
	// Drop a vendor suffix after a space or "-X:" experiment tags.
	if i := strings.IndexAny(v, " "); i >= 0 {
		v = v[:i]
	}
	pre := ""
	for _, tag := range []string{"rc", "beta"} {
		if i := strings.Index(v, tag); i > 0 {
			pre = "-" + tag + "." + v[i+len(tag):]
			v = v[:i]
			break
		}
	}
	parts := strings.Split(v, ".")
	for len(parts) < 3 {
		parts = append(parts, "0")
	}
	return strings.Join(parts, ".") + pre
}
