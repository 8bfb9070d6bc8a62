package stream

import (
	"strings"
	"testing"

	"github.com/eksguard/eksguard/pkg/finding"
)

// An input none of whose first records is an audit event or a CloudTrail record (a binary
// or an unrelated log) gives MaxUndetected errors, not one per line; an input whose source
// is found after a few unrelated lines is read.
func TestUndetectedInputStops(t *testing.T) {
	for _, c := range []struct {
		name   string
		in     string
		errors int
		events int
	}{
		{"garbage", strings.Repeat("not json\n", 1000), MaxUndetected, 0},
		{"late", strings.Repeat("{}\n", MaxUndetected-1) + `{"kind":"Event","apiVersion":"audit.k8s.io/v1","verb":"get"}` + "\n", MaxUndetected - 1, 1},
	} {
		var bad []finding.InputError
		r := &Runner{Rules: ruleset(t, true, nil), Bad: func(e finding.InputError) { bad = append(bad, e) }}
		r.Read(c.name, strings.NewReader(c.in))
		if len(bad) != c.errors || r.Stats.Events["k8s_audit"] != c.events {
			t.Errorf("%s: %d errors, %v events: %v", c.name, len(bad), r.Stats.Events, bad)
		}
		if c.name == "garbage" && !strings.Contains(bad[len(bad)-1].Message, "not read further") {
			t.Errorf("%s: last error %q", c.name, bad[len(bad)-1].Message)
		}
	}
}
