package pkgdb

import (
	"io"

	"github.com/eksguard/eksguard/pkg/inventory"
)

// APK parses the apk installed database (/lib/apk/db/installed): records of "X:value"
// lines separated by blank lines; P name, V version, A arch, o origin, L license.
func APK(r io.Reader, path string) ([]inventory.Package, error) {
	var out []inventory.Package
	var p inventory.Package
	records := 0
	flush := func() {
		if p.Name != "" && p.Version != "" {
			p.Type, p.Path = inventory.TypeAPK, path
			out = append(out, p)
		}
		p = inventory.Package{}
	}
	started := false
	err := lines(r, func(l string) error {
		if l == "" {
			flush()
			started = false
			return nil
		}
		if len(l) < 2 || l[1] != ':' {
			return nil
		}
		if !started {
			started = true
			records++
			if records > MaxRecords {
				return recordErr(records, "more than %d records", MaxRecords)
			}
		}
		v := l[2:]
		switch l[0] {
		case 'P':
			p.Name = v
		case 'V':
			p.Version = v
		case 'A':
			p.Arch = v
		case 'o':
			if v != "" {
				p.Source = &inventory.Source{Name: v}
			}
		case 'L':
			if v != "" {
				p.Licenses = []string{v}
			}
		}
		return nil
	})
	flush()
	for i := range out {
		if out[i].Source != nil && out[i].Source.Name == out[i].Name {
			out[i].Source = nil
		}
	}
	return out, err
}
