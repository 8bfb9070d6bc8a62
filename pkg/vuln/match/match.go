// Package match finds the OSV records that affect the packages of an inventory, with each
// ecosystem's own version order, and turns them into findings.
package match

import (
	"errors"
	"fmt"
	"runtime"
	"sort"
	"sync"

	"github.com/eksguard/eksguard/pkg/inventory"
	"github.com/eksguard/eksguard/pkg/vuln/db"
	"github.com/eksguard/eksguard/pkg/vuln/osv"
	"github.com/eksguard/eksguard/pkg/vuln/version"
)

// Store is what matching reads: the database, or anything shaped like it. Lookup returns
// each entry's records in their compact form (db.Entry.Records, as db.Compact builds
// them); Get decodes a whole record, and is called only for records that match.
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

// Platform is the GOOS and GOARCH Go binaries were built for: Go advisories limited to
// other platforms (ecosystem_specific.imports[].goos/goarch) do not apply to them.
type Platform struct{ GOOS, GOARCH string }

// Run matches every package of inv against store. Go binaries are taken as built for
// linux (container images); RunPlatform says otherwise.
func Run(store Store, inv *inventory.Inventory) (*Result, error) {
	return RunPlatform(store, inv, Platform{GOOS: "linux"})
}

// RunPlatform is Run for Go binaries of a known platform; a Go package's Arch, when set,
// is its GOARCH.
func RunPlatform(store Store, inv *inventory.Inventory, platform Platform) (*Result, error) {
	res := &Result{Packages: len(inv.Packages)}
	ranges := newRangeCache()
	badRange := map[string]bool{}
	// Per scan, each package name is looked up once and each installed version parsed
	// once; matching reads the records' compact form from the index, and only the
	// records that match are read in full (in parallel), for their findings.
	lookups := map[string][]db.Entry{}
	type hit struct {
		p               *inventory.Package
		base, name, ver string
		recordHit
	}
	var hits []hit
	evals := map[string]evaluation{}
	want := map[string]bool{}
	for i := range inv.Packages {
		p := &inv.Packages[i]
		t, err := TargetFor(p, inv.OS)
		if err != nil {
			res.Unsupported = append(res.Unsupported, Problem{Package: p, Message: fmt.Sprintf("%s %s: %v", p.Name, p.Version, err)})
			continue
		}
		key := t.Base + "\x00" + db.NormalizeName(t.Base, t.Name)
		entries, ok := lookups[key]
		if !ok {
			if entries, err = store.Lookup(t.Base, t.Name); err != nil {
				return nil, err
			}
			lookups[key] = entries
		}
		res.Looked++
		plat := platform
		if p.Arch != "" {
			plat.GOARCH = p.Arch
		}
		// Packages of the same name, version, ecosystem and platform (the standard
		// library of many Go binaries, a module several binaries embed) are evaluated once.
		ek := t.Label + "\x00" + key + "\x00" + t.Version + "\x00" + plat.GOOS + "\x00" + plat.GOARCH
		ev, ok := evals[ek]
		if !ok {
			ev = evaluate(ranges, t, entries, plat, func(id, msg string) {
				if key := id + msg; !badRange[key] {
					badRange[key] = true
					res.InvalidRanges = append(res.InvalidRanges, Problem{Record: id, Message: msg})
				}
			})
			evals[ek] = ev
		}
		res.GitRanges += ev.git
		if ev.err != nil {
			res.Unparseable = append(res.Unparseable, Problem{Package: p, Message: fmt.Sprintf("%s (%s): %v", p.Name, t.Label, ev.err)})
		}
		for _, h := range ev.hits {
			hits = append(hits, hit{p: p, base: t.Base, name: t.Name, ver: t.Version, recordHit: h})
			want[h.id] = true
		}
	}
	cache, err := fetchAll(store, want)
	if err != nil {
		return nil, err
	}
	scores := map[*osv.Affected]Score{}
	res.Matches = make([]Match, 0, len(hits))
	for _, h := range hits {
		v := cache[h.id]
		if v == nil || h.affected >= len(v.Affected) {
			return nil, fmt.Errorf("record %s: the index does not match the record; run `eksguard db update` to rebuild the database", h.id)
		}
		a := &v.Affected[h.affected]
		if a.Package.Ecosystem != h.eco || db.NormalizeName(h.base, a.Package.Name) != db.NormalizeName(h.base, h.name) {
			return nil, fmt.Errorf("record %s: the index does not match the record; run `eksguard db update` to rebuild the database", h.id)
		}
		score, ok := scores[a]
		if !ok {
			score = SeverityOf(v, a)
			scores[a] = score
		}
		res.Matches = append(res.Matches, Match{
			Package: h.p, Ecosystem: h.eco, Name: h.name, Version: h.ver,
			Vuln: v, Affected: a, Fixed: h.fixed, Score: score,
		})
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

// recordHit is one record affecting a package version.
type recordHit struct {
	eco, id  string
	affected int // index in the record's affected list
	fixed    string
}

// evaluation is what one package version's lookup found: the records affecting it, the
// GIT ranges skipped, or why its version does not parse.
type evaluation struct {
	hits []recordHit
	git  int
	err  error
}

// evaluate matches one installed version against the entries looked up for its name.
// Ranges whose versions do not parse are handed to invalid.
func evaluate(ranges *rangeCache, t Target, entries []db.Entry, plat Platform, invalid func(id, msg string)) evaluation {
	var out evaluation
	var v *version.Version
	for _, e := range entries {
		if !t.Accept(e.Ecosystem) {
			continue
		}
		if v == nil {
			pv := ranges.parse(e.Ecosystem, t.Version)
			if pv.err != nil {
				out.err = pv.err
				return out
			}
			v = &pv.v
		}
		for ri := range e.Records {
			r := &e.Records[ri]
			if r.Withdrawn {
				continue
			}
			for ai := range r.Affected {
				a := &r.Affected[ai]
				if !platformMatches(e.Ecosystem, a, plat) {
					continue
				}
				in, fixed, git, problems := ranges.affects(a, e.Ecosystem, *v)
				out.git += git
				for _, msg := range problems {
					invalid(r.ID, msg)
				}
				if in {
					out.hits = append(out.hits, recordHit{eco: e.Ecosystem, id: r.ID, affected: a.Index, fixed: fixed})
					break // one finding per record and package
				}
			}
		}
	}
	return out
}

type parsedVersion struct {
	v   version.Version
	err error
}

// rangeCache holds each range's events parsed and sorted once per run: a record is read
// for many packages (every binary with the same module), its versions parsed once.
type rangeCache struct {
	ranges   map[*osv.Range]parsedRange
	versions map[*db.Affected][]version.Version
	parsed   map[string]parsedVersion // version order NUL version string
}

// parse parses a version once per run: the same strings recur across records (Go's
// release versions in every standard library advisory) and packages.
func (c *rangeCache) parse(ecosystem, s string) parsedVersion {
	order := version.Order(ecosystem)
	if order == "" {
		v, err := version.Parse(ecosystem, s)
		return parsedVersion{v, err}
	}
	k := order + "\x00" + s
	if p, ok := c.parsed[k]; ok {
		return p
	}
	v, err := version.Parse(ecosystem, s)
	p := parsedVersion{v, err}
	c.parsed[k] = p
	return p
}

func newRangeCache() *rangeCache {
	return &rangeCache{ranges: map[*osv.Range]parsedRange{}, versions: map[*db.Affected][]version.Version{}, parsed: map[string]parsedVersion{}}
}

// versionList parses an affected entry's versions list (entries that do not parse are
// left out: they can only match by their exact spelling).
func (c *rangeCache) versionList(a *db.Affected, eco string) []version.Version {
	if l, ok := c.versions[a]; ok {
		return l
	}
	var l []version.Version
	for _, s := range a.Versions {
		if p := c.parse(eco, s); p.err == nil {
			l = append(l, p.v)
		}
	}
	c.versions[a] = l
	return l
}

// parsedRange is a range's events parsed and sorted (see parseEvents): the introduced,
// fixed and last_affected events, and the lowest limit.
type parsedRange struct {
	main  []event
	limit *event
	err   error
}

func (c *rangeCache) get(r *osv.Range, order string) parsedRange {
	if p, ok := c.ranges[r]; ok {
		return p
	}
	evs, err := parseEvents(r.Events, order, c.parse)
	p := parsedRange{err: err}
	for i := range evs {
		switch e := &evs[i]; e.kind {
		case "limit":
			if p.limit == nil {
				p.limit = e // sorted: the first is the lowest
			}
		default:
			p.main = append(p.main, *e)
		}
	}
	c.ranges[r] = p
	return p
}

// affects evaluates one affected entry for an installed version: its versions list, then
// its ranges (https://ossf.github.io/osv-schema/#evaluation). It returns whether the
// version is affected, the fixed version to upgrade to, the GIT ranges skipped and the
// problems with ranges that do not parse.
func (c *rangeCache) affects(a *db.Affected, eco string, v version.Version) (hit bool, fixed string, git int, problems []string) {
	for _, s := range a.Versions {
		if s == v.String() {
			hit = true
		}
	}
	if !hit && len(a.Versions) > 0 {
		// The same version may be spelled differently (PEP 440 "1.0" and "1.0.0", Maven
		// "1" and "1.0"): compare in the ecosystem's order, list entries parsed once.
		for _, lv := range c.versionList(a, eco) {
			if lv.Compare(v) == 0 {
				hit = true
				break
			}
		}
	}
	for i := range a.Ranges {
		r := &a.Ranges[i]
		order := eco
		switch r.Type {
		case osv.RangeGit:
			git++
			continue
		case osv.RangeSemver:
			order = "SEMVER"
		}
		p := c.get(r, order)
		if p.err != nil {
			problems = append(problems, p.err.Error())
			continue
		}
		in, fix := inRange(p, v)
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

// parseEvents parses a range's versions and sorts its events: by version, introduced
// "0" first, and at equal versions introduced before the others.
func parseEvents(events []osv.Event, order string, parse func(ecosystem, s string) parsedVersion) ([]event, error) {
	evs := make([]event, 0, len(events))
	for _, e := range events {
		ev := event{kind: e.Kind(), raw: e.Value()}
		if ev.kind == "introduced" && ev.raw == "0" {
			ev.zero = true
		} else {
			pv := parse(order, ev.raw)
			if pv.err != nil {
				return nil, fmt.Errorf("%s event: %w", ev.kind, pv.err)
			}
			ev.v = pv.v
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
	return evs, nil
}

// inRange applies the OSV evaluation algorithm to one range
// (https://ossf.github.io/osv-schema/#evaluation). Walking the sorted events, each event
// that applies to v sets the state: introduced (v >= it) to affected, fixed (v >= it) and
// last_affected (v > it) to not affected. No event above v applies, so the walk stops at
// the first one, having compared v with each event once; the fixed version is the first
// fixed event from there (the lowest above v). A limit at or below v ends the range.
func inRange(p parsedRange, v version.Version) (bool, string) {
	affected, above := false, len(p.main)
	for i := range p.main {
		e := &p.main[i]
		if e.zero {
			affected = true
			continue
		}
		c := v.Compare(e.v)
		if c < 0 {
			above = i
			break
		}
		switch e.kind {
		case "introduced":
			affected = true
		case "fixed":
			affected = false
		case "last_affected":
			if c > 0 {
				affected = false
			}
		}
	}
	if !affected || (p.limit != nil && v.Compare(p.limit.v) >= 0) {
		return false, ""
	}
	for _, e := range p.main[above:] {
		if e.kind == "fixed" {
			return true, e.raw
		}
	}
	return true, ""
}

// ErrNoDB is returned by callers that need a database and have none.
var ErrNoDB = errors.New("no vulnerability database")

// platformMatches applies a Go advisory's platform limits: an affected entry whose
// ecosystem_specific.imports all name other GOOS or GOARCH values does not apply (as
// govulncheck decides for a binary). Entries without such limits, and packages of other
// ecosystems, always apply.
func platformMatches(eco string, a *db.Affected, p Platform) bool {
	if eco != "Go" || len(a.Imports) == 0 || p.GOOS == "" {
		return true
	}
	in := func(list []string, v string) bool {
		if len(list) == 0 || v == "" {
			return true
		}
		for _, x := range list {
			if x == v {
				return true
			}
		}
		return false
	}
	for _, imp := range a.Imports {
		if in(imp.GOOS, p.GOOS) && in(imp.GOARCH, p.GOARCH) {
			return true
		}
	}
	return false
}

// fetchAll reads and decodes the records that matched on as many workers as there are processors (at most
// four).
func fetchAll(store Store, ids map[string]bool) (map[string]*osv.Vulnerability, error) {
	out := make(map[string]*osv.Vulnerability, len(ids))
	workers := min(runtime.GOMAXPROCS(0), 4, max(len(ids), 1))
	work := make(chan string)
	var mu sync.Mutex
	var first error
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for id := range work {
				v, err := store.Get(id)
				mu.Lock()
				if err != nil && first == nil {
					first = err
				}
				out[id] = v
				mu.Unlock()
			}
		}()
	}
	for id := range ids {
		work <- id
	}
	close(work)
	wg.Wait()
	return out, first
}
