// Package match finds the OSV records that affect the packages of an inventory, with each
// ecosystem's own version order, and turns them into findings.
package match

import (
	"errors"
	"fmt"
	"sort"

	"github.com/eksguard/eksguard/pkg/inventory"
	"github.com/eksguard/eksguard/pkg/vuln/db"
	"github.com/eksguard/eksguard/pkg/vuln/osv"
	"github.com/eksguard/eksguard/pkg/vuln/version"
)

// Store is what matching reads: the database, or anything shaped like it.
type Store interface {
	Lookup(base, name string) ([]db.Entry, error)
	Get(id string) (*osv.Vulnerability, error)
}

// Match is one record affecting one installed package.
type Match struct {
	Package   *inventory.Package
	Ecosystem string // the record's ecosystem, e.g. "Debian:12"
	Name      string // the name looked up (the source package for dpkg and apk)
	Version   string // the version compared
	Vuln      *osv.Vulnerability
	Affected  *osv.Affected
	// Fixed is the first fixed version above the installed one, "" when none is published.
	Fixed string
	Score Score
}

// Problem is a package or record that could not be matched, and why.
type Problem struct {
	Package *inventory.Package `json:"-"`
	Record  string             `json:"record,omitempty"`
	Message string             `json:"message"`
}

// Result is everything one matching run found.
type Result struct {
	Matches []Match
	// Packages counts the inventory; Looked those with an ecosystem to look in.
	Packages, Looked int
	// Unparseable lists installed versions that do not parse in their ecosystem: reported,
	// never guessed.
	Unparseable []Problem
	// Unsupported lists packages with no OSV ecosystem (type or OS unknown to OSV).
	Unsupported []Problem
	// InvalidRanges lists record ranges whose versions do not parse (the range is skipped).
	InvalidRanges []Problem
	// GitRanges counts GIT ranges skipped: they name commits, not package versions.
	GitRanges int
}

// Run matches every package of inv against store.
func Run(store Store, inv *inventory.Inventory) (*Result, error) {
	res := &Result{Packages: len(inv.Packages)}
	cache := map[string]*osv.Vulnerability{}
	badRange := map[string]bool{}
	for i := range inv.Packages {
		p := &inv.Packages[i]
		t, err := TargetFor(p, inv.OS)
		if err != nil {
			res.Unsupported = append(res.Unsupported, Problem{Package: p, Message: fmt.Sprintf("%s %s: %v", p.Name, p.Version, err)})
			continue
		}
		res.Looked++
		entries, err := store.Lookup(t.Base, t.Name)
		if err != nil {
			return nil, err
		}
		var installed *version.Version
		for _, e := range entries {
			if !t.Accept(e.Ecosystem) {
				continue
			}
			if installed == nil {
				v, err := version.Parse(e.Ecosystem, t.Version)
				if err != nil {
					res.Unparseable = append(res.Unparseable, Problem{Package: p, Message: fmt.Sprintf("%s (%s): %v", p.Name, t.Label, err)})
					break
				}
				installed = &v
			}
			for _, id := range e.IDs {
				v := cache[id]
				if v == nil {
					if v, err = store.Get(id); err != nil {
						return nil, err
					}
					cache[id] = v
				}
				if v.Withdrawn != nil {
					continue
				}
				for ai := range v.Affected {
					a := &v.Affected[ai]
					if a.Package.Ecosystem != e.Ecosystem || db.NormalizeName(t.Base, a.Package.Name) != db.NormalizeName(t.Base, t.Name) {
						continue
					}
					hit, fixed, git, problems := affects(a, e.Ecosystem, *installed)
					res.GitRanges += git
					for _, msg := range problems {
						if key := id + msg; !badRange[key] {
							badRange[key] = true
							res.InvalidRanges = append(res.InvalidRanges, Problem{Record: id, Message: msg})
						}
					}
					if hit {
						res.Matches = append(res.Matches, Match{
							Package: p, Ecosystem: e.Ecosystem, Name: t.Name, Version: t.Version,
							Vuln: v, Affected: a, Fixed: fixed, Score: SeverityOf(v, a),
						})
						break // one finding per record and package
					}
				}
			}
		}
	}
	sort.SliceStable(res.Matches, func(i, j int) bool {
		a, b := &res.Matches[i], &res.Matches[j]
		if a.Package != b.Package {
			return false // keep inventory order between packages
		}
		return a.Vuln.ID < b.Vuln.ID
	})
	return res, nil
}

// affects evaluates one affected entry for an installed version: its versions list, then
// its ranges (https://ossf.github.io/osv-schema/#evaluation). It returns whether the
// version is affected, the fixed version to upgrade to, the GIT ranges skipped and the
// problems with ranges that do not parse.
func affects(a *osv.Affected, eco string, v version.Version) (hit bool, fixed string, git int, problems []string) {
	for _, s := range a.Versions {
		if s == v.String() {
			hit = true
		}
	}
	for _, r := range a.Ranges {
		order := eco
		switch r.Type {
		case osv.RangeGit:
			git++
			continue
		case osv.RangeSemver:
			order = "SEMVER"
		}
		in, fix, err := inRange(r.Events, order, v)
		if err != nil {
			problems = append(problems, err.Error())
			continue
		}
		if in {
			if !hit || fixed == "" {
				fixed = fix
			}
			hit = true
		}
	}
	return hit, fixed, git, problems
}

type event struct {
	kind string
	zero bool // introduced "0": before every version
	v    version.Version
	raw  string
}

var kindRank = map[string]int{"introduced": 0, "fixed": 1, "last_affected": 1, "limit": 1}

// inRange applies the OSV evaluation algorithm to one range.
func inRange(events []osv.Event, order string, v version.Version) (bool, string, error) {
	evs := make([]event, 0, len(events))
	for _, e := range events {
		ev := event{kind: e.Kind(), raw: e.Value()}
		if ev.kind == "introduced" && ev.raw == "0" {
			ev.zero = true
		} else {
			pv, err := version.Parse(order, ev.raw)
			if err != nil {
				return false, "", fmt.Errorf("%s event: %w", ev.kind, err)
			}
			ev.v = pv
		}
		evs = append(evs, ev)
	}
	sort.SliceStable(evs, func(i, j int) bool {
		a, b := evs[i], evs[j]
		switch {
		case a.zero != b.zero:
			return a.zero
		case a.zero:
			return false
		}
		if c := a.v.Compare(b.v); c != 0 {
			return c < 0
		}
		return kindRank[a.kind] < kindRank[b.kind]
	})
	affected := false
	for _, e := range evs {
		switch e.kind {
		case "introduced":
			if e.zero || v.Compare(e.v) >= 0 {
				affected = true
			}
		case "fixed":
			if v.Compare(e.v) >= 0 {
				affected = false
			}
		case "last_affected":
			if v.Compare(e.v) > 0 {
				affected = false
			}
		}
	}
	for _, e := range evs {
		if e.kind == "limit" && v.Compare(e.v) >= 0 {
			affected = false
		}
	}
	if !affected {
		return false, "", nil
	}
	for _, e := range evs {
		if e.kind == "fixed" && v.Compare(e.v) < 0 {
			return true, e.raw, nil
		}
	}
	return true, "", nil
}

// ErrNoDB is returned by callers that need a database and have none.
var ErrNoDB = errors.New("no vulnerability database")
