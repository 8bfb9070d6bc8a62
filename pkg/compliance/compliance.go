// Package compliance turns the findings of a run into a benchmark view: every control of
// the benchmark's sections with a status derived from the rules that reference it. The
// model is per section, so that scans of other inputs (nodes, the AWS account) add
// sections of the same benchmark.
//
// A control's status:
//   - fail: a rule that references it has a failing finding no exemption matched;
//   - unknown: no failure, but a rule could not evaluate an object (or could not read a
//     kind it needs): the control cannot be called passed;
//   - not-evaluated: no rule for it ran, or the input held nothing its rules read;
//   - manual: the benchmark leaves it to an assessor, and no rule covers it;
//   - pass: its rules ran on input they read, and found nothing.
package compliance

import (
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/eksguard/eksguard/pkg/finding"
	"github.com/eksguard/eksguard/pkg/ref"
	"github.com/eksguard/eksguard/pkg/rule"
	"github.com/eksguard/eksguard/pkg/target"
)

// Status is a control's result.
type Status string

// Statuses.
const (
	Pass         Status = "pass"
	Fail         Status = "fail"
	Manual       Status = "manual"
	NotEvaluated Status = "not-evaluated"
	Unknown      Status = "unknown"
)

// Control is one control's result.
type Control struct {
	ID     string `json:"id"`
	Title  string `json:"title"`
	Status Status `json:"status"`
	// Reason explains a manual, unknown or not-evaluated status.
	Reason string `json:"reason,omitempty"`
	// Rules are the rules of the run that reference the control.
	Rules []string `json:"rules,omitempty"`
	// Failures counts failing findings; Exempted those an exemption matched.
	Failures int `json:"failures,omitempty"`
	Exempted int `json:"exempted,omitempty"`
}

// Section is one section of a benchmark.
type Section struct {
	ID       string    `json:"id"`
	Title    string    `json:"title"`
	Controls []Control `json:"controls"`
}

// Report is the benchmark view of one run.
type Report struct {
	// Benchmark is the name given to --compliance, e.g. cis-eks-1.8.
	Benchmark string     `json:"benchmark"`
	Title     string     `json:"title"`
	Sections  []Section  `json:"sections"`
	Totals    TotalCount `json:"totals"`
}

// TotalCount counts controls by status.
type TotalCount struct {
	Pass         int `json:"pass"`
	Fail         int `json:"fail"`
	Manual       int `json:"manual"`
	NotEvaluated int `json:"notEvaluated"`
	Unknown      int `json:"unknown"`
}

func (t *TotalCount) add(s Status) {
	switch s {
	case Pass:
		t.Pass++
	case Fail:
		t.Fail++
	case Manual:
		t.Manual++
	case NotEvaluated:
		t.NotEvaluated++
	case Unknown:
		t.Unknown++
	}
}

// ControlDef is a control of a benchmark.
type ControlDef struct {
	ID    string
	Title string
	// Manual is the reason an assessor must judge the control, when the benchmark says
	// so; eksguard rules that reference it still decide its status when they run.
	Manual string
}

// SectionDef is a section of a benchmark.
type SectionDef struct {
	ID, Title string
	Controls  []ControlDef
}

// Benchmark is a set of sections whose controls rules reference.
type Benchmark struct {
	Name  string // as given to --compliance
	Title string
	// Kind is the reference kind rules use for its controls.
	Kind     ref.Kind
	Sections []SectionDef
}

var benchmarks = map[string]*Benchmark{}

func register(b *Benchmark) { benchmarks[b.Name] = b }

// Lookup finds a benchmark by name.
func Lookup(name string) (*Benchmark, error) {
	b, ok := benchmarks[name]
	if !ok {
		return nil, fmt.Errorf("unknown compliance benchmark %q (have %s)", name, strings.Join(Names(), ", "))
	}
	return b, nil
}

// Names lists the benchmarks.
func Names() []string {
	var out []string
	for n := range benchmarks {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Inputs says what a run read, so that a rule that found nothing because there was
// nothing to read is not called passed.
type Inputs interface {
	// Count is how many objects of a snapshot kind the run read.
	Count(kind string) int
}

// Tracker observes the findings of a run (from any number of goroutines) and builds the
// benchmark report at the end.
type Tracker struct {
	b     *Benchmark
	rules map[string][]rule.Rule // control -> rules that reference it
	mu    sync.Mutex
	stats map[string]*ruleStats // rule -> what it found
}

type ruleStats struct {
	fails, exempted, errors int
	firstError              string
}

// NewTracker prepares a report of benchmark b over the rules a run evaluates.
func NewTracker(b *Benchmark, rules []rule.Rule) *Tracker {
	t := &Tracker{b: b, rules: map[string][]rule.Rule{}, stats: map[string]*ruleStats{}}
	for _, r := range rules {
		for _, rf := range r.Meta().References {
			if rf.Kind == b.Kind {
				t.rules[rf.ID] = append(t.rules[rf.ID], r)
			}
		}
	}
	return t
}

// Observe records one finding.
func (t *Tracker) Observe(f *finding.Finding) {
	if f.Status == finding.StatusPass {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	s := t.stats[f.RuleID]
	if s == nil {
		s = &ruleStats{}
		t.stats[f.RuleID] = s
	}
	switch {
	case f.Suppressed != nil:
		s.exempted++
	case f.Status == finding.StatusError:
		if s.errors == 0 {
			s.firstError = f.Subject.String() + ": " + f.Message
		}
		s.errors++
	case f.Counts():
		s.fails++
	}
}

// evaluated says whether a rule had anything to read, and if not, what was missing.
func evaluated(r rule.Rule, in Inputs, objects int) (bool, string) {
	if ir, ok := r.(rule.Inputter); ok && len(ir.InputKinds()) > 0 {
		for _, k := range ir.InputKinds() {
			if in != nil && in.Count(k) > 0 {
				return true, ""
			}
		}
		return false, "the input holds no " + strings.Join(plural(ir.InputKinds()), " or ")
	}
	switch r.Meta().Target {
	case target.KindWorkload:
		if in != nil && in.Count("Workload") > 0 {
			return true, ""
		}
		return false, "the input holds no workloads"
	case target.KindObject:
		if objects > 0 {
			return true, ""
		}
		return false, "the input holds no Kubernetes objects"
	}
	return true, ""
}

func plural(kinds []string) []string {
	out := make([]string, len(kinds))
	for i, k := range kinds {
		if k == "aws-auth" {
			out[i] = "aws-auth ConfigMap"
			continue
		}
		out[i] = k + "s"
	}
	return out
}

// Report builds the benchmark view. in tells what the run read (nil: nothing indexed);
// objects is the number of objects read.
func (t *Tracker) Report(in Inputs, objects int) *Report {
	t.mu.Lock()
	defer t.mu.Unlock()
	rep := &Report{Benchmark: t.b.Name, Title: t.b.Title}
	for _, sd := range t.b.Sections {
		sec := Section{ID: sd.ID, Title: sd.Title}
		for _, cd := range sd.Controls {
			c := t.control(cd, in, objects)
			rep.Totals.add(c.Status)
			sec.Controls = append(sec.Controls, c)
		}
		rep.Sections = append(rep.Sections, sec)
	}
	return rep
}

func (t *Tracker) control(cd ControlDef, in Inputs, objects int) Control {
	c := Control{ID: cd.ID, Title: cd.Title}
	rules := t.rules[cd.ID]
	if len(rules) == 0 {
		if cd.Manual != "" {
			c.Status, c.Reason = Manual, cd.Manual
		} else {
			c.Status, c.Reason = NotEvaluated, "no eksguard rule for this control ran"
		}
		return c
	}
	var errs []string
	var missing []string
	ran := false
	for _, r := range rules {
		id := r.Meta().ID
		c.Rules = append(c.Rules, id)
		if s := t.stats[id]; s != nil {
			c.Failures += s.fails
			c.Exempted += s.exempted
			if s.errors > 0 {
				errs = append(errs, fmt.Sprintf("%s could not evaluate %d object(s) (%s)", id, s.errors, s.firstError))
			}
		}
		if ok, why := evaluated(r, in, objects); ok {
			ran = true
		} else {
			missing = append(missing, id+": "+why)
		}
	}
	sort.Strings(c.Rules)
	switch {
	case c.Failures > 0:
		c.Status = Fail
	case len(errs) > 0:
		c.Status, c.Reason = Unknown, strings.Join(errs, "; ")
	case !ran:
		c.Status, c.Reason = NotEvaluated, strings.Join(missing, "; ")
	default:
		c.Status = Pass
		if len(missing) > 0 {
			c.Reason = "partly evaluated: " + strings.Join(missing, "; ")
		}
	}
	return c
}
