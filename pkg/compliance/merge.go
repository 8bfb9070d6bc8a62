package compliance

import (
	"fmt"
	"sort"
	"strings"
)

// rank orders what one input says of a control when runs on several inputs of the same
// kind (two nodes, two saved cluster scans) disagree: a failure anywhere fails it.
var rank = map[Status]int{NotEvaluated: 0, Pass: 1, Unknown: 2, Fail: 3}

// Merge combines the views of benchmark b from several runs (on different inputs, or on
// several inputs of one kind, such as every node of a cluster) into one view with every
// control of b. Views of other benchmarks are an error.
func Merge(b *Benchmark, views []*Report) (*Report, error) {
	ctls := make([]map[string]*Control, len(views))
	for i, v := range views {
		if v.Benchmark != b.Name {
			return nil, fmt.Errorf("cannot merge a %s view into %s", v.Benchmark, b.Name)
		}
		ctls[i] = map[string]*Control{}
		for si := range v.Sections {
			for ci := range v.Sections[si].Controls {
				c := &v.Sections[si].Controls[ci]
				ctls[i][c.ID] = c
			}
		}
	}
	rep := &Report{Benchmark: b.Name, Title: b.Title}
	for _, sd := range b.Sections {
		sec := Section{ID: sd.ID, Title: sd.Title}
		for _, cd := range sd.Controls {
			c := Control{ID: cd.ID, Title: cd.Title}
			rules := map[string]bool{}
			results := map[Input][]InputResult{}
			for _, m := range ctls {
				o := m[cd.ID]
				if o == nil {
					continue
				}
				c.Failures += o.Failures
				c.Exempted += o.Exempted
				for _, r := range o.Rules {
					rules[r] = true
				}
				in := o.Inputs
				if len(in) == 0 && o.Status != Manual && len(cd.Inputs) == 1 {
					// A view written before controls carried their inputs.
					in = []InputResult{{Input: cd.Inputs[0], Status: o.Status, Reason: o.Reason}}
				}
				for _, r := range in {
					if _, ok := rank[r.Status]; !ok {
						// A saved report is untrusted: a status it should not hold decides nothing.
						r = InputResult{Input: r.Input, Status: Unknown, Reason: fmt.Sprintf("a merged report gives the invalid status %.40q", r.Status)}
					}
					results[r.Input] = append(results[r.Input], r)
				}
			}
			for r := range rules {
				c.Rules = append(c.Rules, r)
			}
			sort.Strings(c.Rules)
			for _, input := range cd.Inputs {
				c.Inputs = append(c.Inputs, mergeInput(input, results[input]))
			}
			combine(&c, cd)
			rep.Totals.add(c.Status)
			sec.Controls = append(sec.Controls, c)
		}
		rep.Sections = append(rep.Sections, sec)
	}
	return rep, nil
}

// mergeInput combines what several runs on one kind of input say of a control: the worst
// status, with the distinct reasons of the runs that gave it.
func mergeInput(input Input, rs []InputResult) InputResult {
	if len(rs) == 0 {
		return InputResult{Input: input, Status: NotEvaluated, Reason: input.Hint()}
	}
	best := rs[0].Status
	for _, r := range rs[1:] {
		if rank[r.Status] > rank[best] {
			best = r.Status
		}
	}
	var reasons []string
	seen := map[string]bool{}
	for _, r := range rs {
		if r.Status != best || r.Reason == "" || seen[r.Reason] {
			continue
		}
		// An input another run did scan is not "not scanned".
		if best == NotEvaluated && r.Reason == input.Hint() && len(rs) > 1 {
			continue
		}
		seen[r.Reason] = true
		reasons = append(reasons, r.Reason)
	}
	if best == NotEvaluated && len(reasons) == 0 {
		reasons = []string{input.Hint()}
	}
	return InputResult{Input: input, Status: best, Reason: strings.Join(reasons, "; ")}
}
