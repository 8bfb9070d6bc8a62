package compliance_test

import (
	"encoding/json"
	"testing"

	"github.com/eksguard/eksguard/pkg/compliance"
)

// FuzzMerge merges a view read from a saved report (untrusted: --from-report) with one of
// this run: no panic, and the result always has every control of the benchmark with one of
// the five statuses.
func FuzzMerge(f *testing.F) {
	f.Add([]byte(`{"benchmark":"cis-eks-1.8","sections":[{"id":"3","controls":[{"id":"3.2.1","status":"fail","failures":2,"inputs":[{"input":"node","status":"fail"}]}]}]}`))
	f.Add([]byte(`{"benchmark":"cis-eks-1.8","sections":[{"id":"4","controls":[{"id":"4.1.7","status":"bogus","inputs":[{"input":"mars","status":"x"},{"input":"aws","status":"unknown","reason":"denied"}]},{"id":"4.1.7","status":"pass"}]}]}`))
	f.Add([]byte(`{"benchmark":"cis-eks-1.8","sections":[{"controls":[{"id":"","rules":["a","a"],"failures":-5}]},null]}`))
	b, err := compliance.Lookup(compliance.CISEKS)
	if err != nil {
		f.Fatal(err)
	}
	mine := compliance.NewTracker(b, nil).Report(nil, 0)
	valid := map[compliance.Status]bool{compliance.Pass: true, compliance.Fail: true, compliance.Unknown: true, compliance.Manual: true, compliance.NotEvaluated: true}
	f.Fuzz(func(t *testing.T, data []byte) {
		var v compliance.Report
		if json.Unmarshal(data, &v) != nil || v.Benchmark != compliance.CISEKS {
			return
		}
		m, err := compliance.Merge(b, []*compliance.Report{mine, &v})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, s := range m.Sections {
			for _, c := range s.Controls {
				n++
				if !valid[c.Status] {
					t.Fatalf("%s: status %q", c.ID, c.Status)
				}
				// This run evaluated nothing: whatever the other view says, nothing it does
				// not state as a pass can pass.
				if c.Status == compliance.Pass {
					for _, in := range c.Inputs {
						if in.Status != compliance.Pass {
							t.Fatalf("%s passes with input %+v", c.ID, in)
						}
					}
				}
			}
		}
		if n != 50 {
			t.Fatalf("%d controls", n)
		}
	})
}
