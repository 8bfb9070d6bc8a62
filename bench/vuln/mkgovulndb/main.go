// Command mkgovulndb writes the OSV records of a directory (golang.org/x/vulndb's data/osv)
// in the layout govulncheck reads with -db file://DIR (index/db.json, index/modules.json,
// index/vulns.json, ID/<id>.json), so that govulncheck and eksguard match against the same
// data in the benchmark.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/eksguard/eksguard/pkg/vuln/osv"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: mkgovulndb DATA_OSV_DIR OUT_DIR")
		os.Exit(2)
	}
	if err := run(os.Args[1], os.Args[2]); err != nil {
		fmt.Fprintln(os.Stderr, "mkgovulndb:", err)
		os.Exit(1)
	}
}

type modVuln struct {
	ID       string    `json:"id"`
	Modified time.Time `json:"modified"`
	Fixed    string    `json:"fixed,omitempty"`
}

type module struct {
	Path  string    `json:"path"`
	Vulns []modVuln `json:"vulns"`
}

type vulnEntry struct {
	ID       string    `json:"id"`
	Modified time.Time `json:"modified"`
	Aliases  []string  `json:"aliases,omitempty"`
}

func run(in, out string) error {
	files, err := filepath.Glob(filepath.Join(in, "*.json"))
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Join(out, "index"), 0o755); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Join(out, "ID"), 0o755); err != nil {
		return err
	}
	// The module's records carry the zero time as modified; the published database has
	// real times. Any fixed time serves the client.
	stamp := time.Date(2026, 11, 5, 0, 0, 0, 0, time.UTC)
	mods := map[string]*module{}
	var vulns []vulnEntry
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		v, err := osv.Decode(data)
		if err != nil {
			return fmt.Errorf("%s: %w", f, err)
		}
		var raw map[string]any
		if err := json.Unmarshal(data, &raw); err != nil {
			return err
		}
		raw["modified"] = stamp
		b, err := json.Marshal(raw)
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(out, "ID", v.ID+".json"), b, 0o644); err != nil {
			return err
		}
		vulns = append(vulns, vulnEntry{ID: v.ID, Modified: stamp, Aliases: v.Aliases})
		for _, a := range v.Affected {
			m := mods[a.Package.Name]
			if m == nil {
				m = &module{Path: a.Package.Name}
				mods[a.Package.Name] = m
			}
			fixed := ""
			for _, r := range a.Ranges {
				for _, e := range r.Events {
					if e.Fixed != "" {
						fixed = e.Fixed
					}
				}
			}
			m.Vulns = append(m.Vulns, modVuln{ID: v.ID, Modified: stamp, Fixed: fixed})
		}
	}
	var ms []*module
	for _, m := range mods {
		ms = append(ms, m)
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].Path < ms[j].Path })
	sort.Slice(vulns, func(i, j int) bool { return vulns[i].ID < vulns[j].ID })
	write := func(name string, v any) error {
		b, err := json.Marshal(v)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(out, "index", name), b, 0o644)
	}
	if err := write("db.json", map[string]any{"modified": stamp}); err != nil {
		return err
	}
	if err := write("modules.json", ms); err != nil {
		return err
	}
	return write("vulns.json", vulns)
}
