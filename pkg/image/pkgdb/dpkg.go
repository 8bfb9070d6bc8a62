package pkgdb

import (
	"io"
	"strings"

	"github.com/eksguard/eksguard/pkg/inventory"
)

// Dpkg parses a dpkg status file, or one file of a distroless status.d directory (same
// format, usually one record and no Status field). Only installed packages are returned:
// a record whose Status says otherwise ("deinstall ok config-files") is left out.
func Dpkg(r io.Reader, path string) ([]inventory.Package, error) {
	var out []inventory.Package
	var cur map[string]string
	var last string
	records := 0
	flush := func() {
		if cur == nil {
			return
		}
		defer func() { cur = nil; last = "" }()
		name, ver := cur["Package"], cur["Version"]
		if name == "" || ver == "" {
			return
		}
		if st, ok := cur["Status"]; ok {
			f := strings.Fields(st)
			if len(f) != 3 || f[2] != "installed" {
				return
			}
		}
		p := inventory.Package{Type: inventory.TypeDeb, Name: name, Version: ver, Arch: cur["Architecture"], Path: path}
		if src := strings.TrimSpace(cur["Source"]); src != "" {
			s := &inventory.Source{Name: src}
			if n, v, ok := strings.Cut(src, " "); ok {
				s.Name = n
				v = strings.TrimSpace(v)
				if strings.HasPrefix(v, "(") && strings.HasSuffix(v, ")") {
					s.Version = strings.TrimSpace(v[1 : len(v)-1])
				}
			}
			if s.Name != name || s.Version != "" {
				p.Source = s
			}
		}
		out = append(out, p)
	}
	err := lines(r, func(l string) error {
		if strings.TrimSpace(l) == "" {
			flush()
			return nil
		}
		if l[0] == ' ' || l[0] == '\t' {
			return nil // continuation of a multi-line field (Description, Conffiles)
		}
		k, v, ok := strings.Cut(l, ":")
		if !ok {
			return nil
		}
		if cur == nil {
			records++
			if records > MaxRecords {
				return recordErr(records, "more than %d records", MaxRecords)
			}
			cur = map[string]string{}
		}
		switch k {
		case "Package", "Version", "Status", "Architecture", "Source":
			cur[k] = strings.TrimSpace(v)
		}
		last = k
		return nil
	})
	_ = last
	flush()
	return out, err
}
