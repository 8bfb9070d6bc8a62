// Package pkgdb parses the package databases and release files found in images: os-release,
// dpkg status (and distroless status.d), the apk installed database, /etc/passwd. Every
// parser reads untrusted input: lines and records are bounded, malformed records are
// skipped, and each parser has a fuzz target.
package pkgdb

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"

	"github.com/eksguard/eksguard/pkg/inventory"
)

// MaxLine bounds one line of a database file.
const MaxLine = 1 << 20

// MaxRecords bounds the records of one database file.
const MaxRecords = 200_000

var errLine = errors.New("line longer than 1 MiB")

// lines calls fn for each line of r (without the newline), bounding line length.
func lines(r io.Reader, fn func(line string) error) error {
	br := bufio.NewReaderSize(r, 64<<10)
	var long []byte
	for {
		frag, err := br.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			long = append(long, frag...)
			if len(long) > MaxLine {
				return errLine
			}
			continue
		}
		line := frag
		if long != nil {
			long = append(long, frag...)
			line, long = long, nil
			if len(line) > MaxLine {
				return errLine
			}
		}
		if len(line) > 0 {
			s := strings.TrimSuffix(string(line), "\n")
			s = strings.TrimSuffix(s, "\r")
			if ferr := fn(s); ferr != nil {
				return ferr
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// OSRelease parses /etc/os-release (shell-style KEY=value lines, values optionally quoted).
func OSRelease(r io.Reader) (*inventory.OS, error) {
	os := &inventory.OS{}
	err := lines(r, func(l string) error {
		l = strings.TrimSpace(l)
		if l == "" || l[0] == '#' {
			return nil
		}
		k, v, ok := strings.Cut(l, "=")
		if !ok {
			return nil
		}
		v = unquote(strings.TrimSpace(v))
		switch k {
		case "ID":
			os.ID = v
		case "VERSION_ID":
			os.VersionID = v
		case "VERSION_CODENAME":
			os.VersionCodename = v
		case "PRETTY_NAME":
			os.PrettyName = v
		case "ID_LIKE":
			os.IDLike = strings.Fields(v)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if os.ID == "" {
		return nil, errors.New("os-release has no ID")
	}
	return os, nil
}

func unquote(v string) string {
	if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') && v[len(v)-1] == v[0] {
		v = v[1 : len(v)-1]
		if v != "" && strings.Contains(v, `\`) {
			v = strings.NewReplacer(`\"`, `"`, `\\`, `\`, `\$`, `$`, "\\`", "`").Replace(v)
		}
	}
	return v
}

// PURL builds a package URL: pkg:type/namespace/name@version?qualifiers.
func PURL(typ, namespace, name, version string, qualifiers ...string) string {
	var b strings.Builder
	b.WriteString("pkg:")
	b.WriteString(typ)
	b.WriteByte('/')
	if namespace != "" {
		for _, seg := range strings.Split(namespace, "/") {
			b.WriteString(escape(seg))
			b.WriteByte('/')
		}
	}
	if typ == inventory.TypeGolang {
		// Go module paths keep their slashes as namespace segments.
		segs := strings.Split(name, "/")
		for i, s := range segs {
			if i > 0 {
				b.WriteByte('/')
			}
			b.WriteString(escape(s))
		}
	} else {
		b.WriteString(escape(name))
	}
	if version != "" {
		b.WriteByte('@')
		b.WriteString(escape(version))
	}
	sep := byte('?')
	for i := 0; i+1 < len(qualifiers); i += 2 {
		if qualifiers[i+1] == "" {
			continue
		}
		b.WriteByte(sep)
		sep = '&'
		b.WriteString(qualifiers[i])
		b.WriteByte('=')
		b.WriteString(escape(qualifiers[i+1]))
	}
	return b.String()
}

func escape(s string) string {
	return strings.NewReplacer(":", "%3A", "@", "%40", "+", "%2B").Replace(url.PathEscape(s))
}

// distro is the purl distro qualifier: id-version_id.
func distro(os *inventory.OS) string {
	if os == nil {
		return ""
	}
	if os.VersionID == "" {
		return os.ID
	}
	return os.ID + "-" + os.VersionID
}

// FinishPURLs fills PURLs once the OS is known.
func FinishPURLs(pkgs []inventory.Package, os *inventory.OS) {
	ns := ""
	if os != nil {
		ns = os.ID
	}
	for i := range pkgs {
		p := &pkgs[i]
		switch p.Type {
		case inventory.TypeDeb:
			if ns == "" {
				ns = "debian"
			}
			src := ""
			if p.Source != nil {
				src = p.Source.Name
				if p.Source.Version != "" {
					src += "@" + p.Source.Version
				}
			}
			p.PURL = PURL(p.Type, ns, p.Name, p.Version, "arch", p.Arch, "distro", distro(os), "upstream", src)
		case inventory.TypeAPK:
			n := ns
			if n == "" {
				n = "alpine"
			}
			p.PURL = PURL(p.Type, n, p.Name, p.Version, "arch", p.Arch, "distro", distro(os))
		case inventory.TypeRPM:
			// The purl spec's rpm form: the version is version-release, the epoch a
			// qualifier, and upstream the source rpm.
			epoch, ver, ok := strings.Cut(p.Version, ":")
			if !ok {
				epoch, ver = "", p.Version
			}
			upstream := ""
			if p.Source != nil {
				upstream = p.Source.Name + "-" + p.Source.Version + ".src.rpm"
			}
			rns := ns
			if rns == "" {
				rns = rpmVendorNamespace(p.Vendor)
			}
			p.PURL = PURL(p.Type, rns, p.Name, ver, "arch", p.Arch, "epoch", epoch, "distro", distro(os), "upstream", upstream)
		}
	}
}

// rpmVendorNamespace names an rpm's purl namespace from its vendor when the image has no
// os-release: the distribution ID the vendor ships, or "" for a vendor not known here.
func rpmVendorNamespace(vendor string) string {
	v := strings.ToLower(vendor)
	for _, m := range []struct{ word, ns string }{
		{"red hat", "rhel"}, {"amazon", "amzn"}, {"fedora", "fedora"}, {"centos", "centos"},
		{"rocky", "rocky"}, {"almalinux", "almalinux"}, {"opensuse", "opensuse"}, {"suse", "sles"},
		{"oracle", "ol"},
	} {
		if strings.Contains(v, m.word) {
			return m.ns
		}
	}
	return ""
}

// recordErr names the record a problem was found in.
func recordErr(n int, format string, args ...any) error {
	return fmt.Errorf("record %d: %s", n, fmt.Sprintf(format, args...))
}
