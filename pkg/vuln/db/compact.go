package db

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"sort"

	"github.com/eksguard/eksguard/pkg/vuln/osv"
)

// Record is what matching needs of one OSV record for one package in one ecosystem
// variant, decoded at import and stored in the index: matching reads it instead of the
// record's JSON, and decodes the whole record only when it matches.
type Record struct {
	ID        string
	Withdrawn bool
	// Affected are the record's affected entries naming this package and ecosystem, in
	// the record's order.
	Affected []Affected
}

// Affected is one affected entry, the parts that decide whether a version is affected.
type Affected struct {
	// Index is the entry's position in the record's affected list.
	Index    int
	Versions []string
	// Ranges keep their type and events (a GIT range's repository is left out: GIT
	// ranges name commits and are never evaluated).
	Ranges []osv.Range
	// Imports are a Go entry's platform limits (ecosystem_specific.imports[].goos and
	// goarch); empty when the entry has none.
	Imports []Platforms
}

// Platforms is one import's GOOS and GOARCH limits (empty: any).
type Platforms struct{ GOOS, GOARCH []string }

// Compact returns a record's compact form for every ecosystem variant and package it
// names, keyed by index key.
func Compact(v *osv.Vulnerability) map[string]*Record {
	out := map[string]*Record{}
	for i := range v.Affected {
		a := &v.Affected[i]
		if a.Package.Ecosystem == "" {
			continue
		}
		k := indexKey(a.Package.Ecosystem, a.Package.Name)
		r := out[k]
		if r == nil {
			r = &Record{ID: v.ID, Withdrawn: v.Withdrawn != nil}
			out[k] = r
		}
		ca := Affected{Index: i, Versions: a.Versions}
		for _, rg := range a.Ranges {
			ca.Ranges = append(ca.Ranges, osv.Range{Type: rg.Type, Events: rg.Events})
		}
		if a.Package.Ecosystem == "Go" && len(a.EcosystemSpecific) > 0 {
			ca.Imports = goImports(a.EcosystemSpecific)
		}
		r.Affected = append(r.Affected, ca)
	}
	return out
}

// goImports reads a Go entry's platform limits; an ecosystem_specific that does not
// decode limits nothing.
func goImports(raw json.RawMessage) []Platforms {
	var es struct {
		Imports []struct {
			GOOS   []string `json:"goos"`
			GOARCH []string `json:"goarch"`
		} `json:"imports"`
	}
	if json.Unmarshal(raw, &es) != nil {
		return nil
	}
	var out []Platforms
	for _, imp := range es.Imports {
		out = append(out, Platforms{GOOS: imp.GOOS, GOARCH: imp.GOARCH})
	}
	return out
}

// Compact encoding of an index value (one package in one ecosystem variant), all
// integers unsigned varints, strings length-prefixed:
//
//	format byte (compactFormat), record count, then per record:
//	  id, flags (bit 0: withdrawn), affected count, then per affected entry:
//	    index, versions count, versions,
//	    ranges count, per range: type byte (0 ECOSYSTEM, 1 SEMVER, 2 GIT), events count,
//	      per event: kind byte (0 introduced, 1 fixed, 2 last_affected, 3 limit), version,
//	    imports count, per import: GOOS count, GOOS values, GOARCH count, GOARCH values.
const compactFormat = 1

var rangeTypes = []string{osv.RangeEcosystem, osv.RangeSemver, osv.RangeGit}

// EncodeRecords writes records, sorted by id, in the compact encoding.
func EncodeRecords(recs []*Record) ([]byte, error) {
	sort.SliceStable(recs, func(i, j int) bool { return recs[i].ID < recs[j].ID })
	b := []byte{compactFormat}
	b = binary.AppendUvarint(b, uint64(len(recs)))
	str := func(s string) { b = binary.AppendUvarint(b, uint64(len(s))); b = append(b, s...) }
	strs := func(l []string) {
		b = binary.AppendUvarint(b, uint64(len(l)))
		for _, s := range l {
			str(s)
		}
	}
	for _, r := range recs {
		str(r.ID)
		var flags byte
		if r.Withdrawn {
			flags |= 1
		}
		b = append(b, flags)
		b = binary.AppendUvarint(b, uint64(len(r.Affected)))
		for _, a := range r.Affected {
			b = binary.AppendUvarint(b, uint64(a.Index))
			strs(a.Versions)
			b = binary.AppendUvarint(b, uint64(len(a.Ranges)))
			for _, rg := range a.Ranges {
				t := -1
				for i, name := range rangeTypes {
					if rg.Type == name {
						t = i
					}
				}
				if t < 0 {
					return nil, fmt.Errorf("%s: unknown range type %.40q", r.ID, rg.Type)
				}
				b = append(b, byte(t))
				b = binary.AppendUvarint(b, uint64(len(rg.Events)))
				for _, e := range rg.Events {
					k := -1
					switch e.Kind() {
					case "introduced":
						k = 0
					case "fixed":
						k = 1
					case "last_affected":
						k = 2
					case "limit":
						k = 3
					}
					if k < 0 {
						return nil, fmt.Errorf("%s: event without a version", r.ID)
					}
					b = append(b, byte(k))
					str(e.Value())
				}
			}
			b = binary.AppendUvarint(b, uint64(len(a.Imports)))
			for _, p := range a.Imports {
				strs(p.GOOS)
				strs(p.GOARCH)
			}
		}
	}
	return b, nil
}

// ErrCompact is returned for an index value that does not decode.
var ErrCompact = errors.New("damaged index entry")

// compactReader reads a copy of the value as one string: every string decoded shares
// its memory (one allocation per value rather than one per version).
type compactReader struct {
	b   string
	err error
}

func (r *compactReader) fail(what string) {
	if r.err == nil {
		r.err = fmt.Errorf("%w: %s", ErrCompact, what)
	}
}

func (r *compactReader) uvarint(what string) uint64 {
	if r.err != nil {
		return 0
	}
	var n uint64
	for i := 0; i < len(r.b) && i < binary.MaxVarintLen64; i++ {
		c := r.b[i]
		if i == binary.MaxVarintLen64-1 && c > 1 {
			break // overflows 64 bits
		}
		n |= uint64(c&0x7f) << (7 * i)
		if c < 0x80 {
			r.b = r.b[i+1:]
			return n
		}
	}
	r.fail(what)
	return 0
}

// count reads a count of items that each take at least one more byte, bounded by limit.
func (r *compactReader) count(what string, limit int) int {
	n := r.uvarint(what)
	if r.err == nil && (n > uint64(len(r.b)) || n > uint64(limit)) {
		r.fail(what + " count out of bounds")
		return 0
	}
	return int(n)
}

func (r *compactReader) byte(what string) byte {
	if r.err != nil {
		return 0
	}
	if len(r.b) == 0 {
		r.fail(what)
		return 0
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c
}

func (r *compactReader) str(what string) string {
	n := r.uvarint(what)
	if r.err != nil {
		return ""
	}
	if n > uint64(len(r.b)) || n > osv.MaxStringBytes {
		r.fail(what + " length out of bounds")
		return ""
	}
	s := r.b[:n]
	r.b = r.b[n:]
	return s
}

func (r *compactReader) strs(what string, limit int) []string {
	n := r.count(what, limit)
	if n == 0 {
		return nil
	}
	out := make([]string, 0, n)
	for i := 0; i < n && r.err == nil; i++ {
		out = append(out, r.str(what))
	}
	return out
}

// DecodeRecords reads an index value written by EncodeRecords. Damaged bytes give an
// error wrapping ErrCompact, never a panic, and allocation stays proportional to the
// input's length.
func DecodeRecords(data []byte) ([]Record, error) {
	r := &compactReader{b: string(data)}
	if f := r.byte("format"); r.err == nil && f != compactFormat {
		return nil, fmt.Errorf("%w: format %d, want %d", ErrCompact, f, compactFormat)
	}
	n := r.count("records", len(data))
	out := make([]Record, 0, n)
	for i := 0; i < n && r.err == nil; i++ {
		rec := Record{ID: r.str("id")}
		flags := r.byte("flags")
		rec.Withdrawn = flags&1 != 0
		na := r.count("affected", osv.MaxAffected)
		if na > 0 {
			rec.Affected = make([]Affected, 0, na)
		}
		for j := 0; j < na && r.err == nil; j++ {
			idx := r.uvarint("affected index")
			if idx >= osv.MaxAffected {
				r.fail("affected index out of bounds")
			}
			a := Affected{Index: int(idx), Versions: r.strs("versions", osv.MaxVersions)}
			nr := r.count("ranges", osv.MaxRanges)
			if nr > 0 {
				a.Ranges = make([]osv.Range, 0, nr)
			}
			for k := 0; k < nr && r.err == nil; k++ {
				t := r.byte("range type")
				if int(t) >= len(rangeTypes) {
					r.fail("range type")
					break
				}
				rg := osv.Range{Type: rangeTypes[t]}
				ne := r.count("events", osv.MaxEvents)
				if ne > 0 {
					rg.Events = make([]osv.Event, 0, ne)
				}
				for e := 0; e < ne && r.err == nil; e++ {
					kind := r.byte("event kind")
					v := r.str("event version")
					var ev osv.Event
					switch kind {
					case 0:
						ev.Introduced = v
					case 1:
						ev.Fixed = v
					case 2:
						ev.LastAffected = v
					case 3:
						ev.Limit = v
					default:
						r.fail("event kind")
					}
					if v == "" {
						r.fail("empty event version")
					}
					rg.Events = append(rg.Events, ev)
				}
				a.Ranges = append(a.Ranges, rg)
			}
			ni := r.count("imports", len(data))
			for k := 0; k < ni && r.err == nil; k++ {
				a.Imports = append(a.Imports, Platforms{GOOS: r.strs("goos", len(data)), GOARCH: r.strs("goarch", len(data))})
			}
			rec.Affected = append(rec.Affected, a)
		}
		out = append(out, rec)
	}
	if r.err == nil && len(r.b) != 0 {
		r.fail("trailing bytes")
	}
	if r.err != nil {
		return nil, r.err
	}
	return out, nil
}

// mergeRecords combines an index value's records with newer ones: a record id in both
// keeps the newer form.
func mergeRecords(old []Record, newer []*Record) []*Record {
	seen := map[string]bool{}
	out := make([]*Record, 0, len(old)+len(newer))
	for i := len(newer) - 1; i >= 0; i-- { // the last added form of an id wins
		if !seen[newer[i].ID] {
			seen[newer[i].ID] = true
			out = append(out, newer[i])
		}
	}
	for i := range old {
		if !seen[old[i].ID] {
			out = append(out, &old[i])
		}
	}
	return out
}
