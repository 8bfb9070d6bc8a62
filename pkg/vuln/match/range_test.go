package match

import (
	"fmt"
	"math/rand"
	"testing"

	"github.com/eksguard/eksguard/pkg/vuln/osv"
	"github.com/eksguard/eksguard/pkg/vuln/version"
)

// linearInRange is the OSV evaluation algorithm as the schema states it, event by event:
// the reference the binary search of inRange is checked against.
func linearInRange(evs []event, v version.Version) (bool, string) {
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
		return false, ""
	}
	for _, e := range evs {
		if e.kind == "fixed" && v.Compare(e.v) < 0 {
			return true, e.raw
		}
	}
	return true, ""
}

// TestInRangeAgainstLinear evaluates random ranges (repeated versions, every event kind,
// introduced "0") at every version around their events both ways.
func TestInRangeAgainstLinear(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	ver := func() string { return fmt.Sprintf("1.%d.%d", rng.Intn(4), rng.Intn(3)) }
	kinds := []string{"introduced", "fixed", "last_affected", "limit"}
	var probes []version.Version
	for minor := 0; minor < 5; minor++ {
		for patch := 0; patch < 4; patch++ {
			v, _ := version.Parse("Go", fmt.Sprintf("1.%d.%d", minor, patch))
			probes = append(probes, v)
		}
	}
	c := newRangeCache()
	for n := 0; n < 3000; n++ {
		r := &osv.Range{Type: osv.RangeSemver}
		for k := 1 + rng.Intn(7); k > 0; k-- {
			var e osv.Event
			switch kind, val := kinds[rng.Intn(len(kinds))], ver(); kind {
			case "introduced":
				if rng.Intn(4) == 0 {
					val = "0"
				}
				e.Introduced = val
			case "fixed":
				e.Fixed = val
			case "last_affected":
				e.LastAffected = val
			case "limit":
				e.Limit = val
			}
			r.Events = append(r.Events, e)
		}
		evs, err := parseEvents(r.Events, "SEMVER", c.parse)
		if err != nil {
			t.Fatal(err)
		}
		p := c.get(r, "SEMVER")
		for _, v := range probes {
			in1, fix1 := linearInRange(evs, v)
			in2, fix2 := inRange(p, v)
			if in1 != in2 || fix1 != fix2 {
				t.Fatalf("events %+v at %s: linear %v %q, binary search %v %q", r.Events, v, in1, fix1, in2, fix2)
			}
		}
	}
}
