package pkgdb

import (
	"io"
	"strconv"
	"strings"
)

// Passwd parses /etc/passwd (or /etc/group) into name -> numeric id; malformed lines are
// skipped.
func Passwd(r io.Reader) (map[string]int, error) {
	out := map[string]int{}
	err := lines(r, func(l string) error {
		if len(out) >= MaxRecords {
			return recordErr(len(out), "more than %d entries", MaxRecords)
		}
		f := strings.SplitN(l, ":", 4)
		if len(f) < 3 || f[0] == "" || strings.HasPrefix(f[0], "#") {
			return nil
		}
		id, err := strconv.Atoi(f[2])
		if err != nil || id < 0 {
			return nil
		}
		if _, dup := out[f[0]]; !dup {
			out[f[0]] = id
		}
		return nil
	})
	return out, err
}
