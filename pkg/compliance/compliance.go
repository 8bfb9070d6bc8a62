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
//
// A control that several inputs feed (CIS EKS 4.1.7: the aws-auth ConfigMap and the
// cluster's authentication mode) fails if any input fails, is unknown if any is unknown and
// none fails, and passes only when every input that feeds it passed; otherwise it is not
// evaluated, naming the input still to scan. Merge combines the views of runs on different
// inputs (a node scan from a DaemonSet, an AWS snapshot, a cluster scan) the same way.
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
	// Inputs are the results of each input that feeds the control (a worker node, the
	// Kubernetes objects, the AWS account), which a merged report combines.
	Inputs []InputResult `json:"inputs,omitempty"`
}

// InputResult is what one input says of a control.
type InputResult struct {
	Input  Input  `json:"input"`
	Status Status `json:"status"`
	Reason string `json:"reason,omitempty"`
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
	// Inputs are the inputs whose rules evaluate the control; none: only an assessor can.
	Inputs []Input
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
	// scanned are the inputs the run read: those of its rules' target kinds.
	scanned map[Input]bool
}

type ruleStats struct {
	fails, exempted, errors int
	firstError              string
}

// NewTracker prepares a report of benchmark b over the rules a run evaluates.
func NewTracker(b *Benchmark, rules []rule.Rule) *Tracker {
	t := &Tracker{b: b, rules: map[string][]rule.Rule{}, stats: map[string]*ruleStats{}, scanned: map[Input]bool{}}
	for _, r := range rules {
		if in := InputOf(r.Meta().Target); in != "" {
			t.scanned[in] = true
		}
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
			why := f.Message
			if rule.IsUnknown(f) {
				why = f.Evidence["unknown"]
			}
			s.firstError = f.Subject.String() + ": " + why
		}
		s.errors++
	case f.Counts():
		s.fails++
	}
}

// Unrecorded stands for what a saved report made without a compliance view read: it
// counts workloads and objects, not the kinds of objects, so rules that read given kinds
// (RBAC, network, identity) are not evaluated rather than passed.
type Unrecorded struct{ Workloads int }

// Count implements Inputs.
func (u Unrecorded) Count(kind string) int {
	if kind == "Workload" {
		return u.Workloads
	}
	return 0
}

// evaluated says whether a rule had anything to read, and if not, what was missing.
func evaluated(r rule.Rule, in Inputs, objects int) (bool, string) {
	if ir, ok := r.(rule.Inputter); ok && len(ir.InputKinds()) > 0 {
		if _, ok := in.(Unrecorded); ok {
			return false, "the saved report does not record the kinds it read (" + strings.Join(plural(ir.InputKinds()), ", ") + "): scan again with --compliance"
		}
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
	for _, input := range cd.Inputs {
		c.Inputs = append(c.Inputs, t.input(&c, cd.ID, input, in, objects))
	}
	sort.Strings(c.Rules)
	combine(&c, cd)
	return c
}

// input is the status one input gives a control in this run.
func (t *Tracker) input(c *Control, id string, input Input, in Inputs, objects int) InputResult {
	res := InputResult{Input: input}
	var rules []rule.Rule
	for _, r := range t.rules[id] {
		if InputOf(r.Meta().Target) == input {
			rules = append(rules, r)
		}
	}
	switch {
	case !t.scanned[input]:
		res.Status, res.Reason = NotEvaluated, input.Hint()
		return res
	case len(rules) == 0:
		res.Status, res.Reason = NotEvaluated, "no eksguard rule for this control ran"
		return res
	}
	var errs, missing []string
	fails, ran := 0, false
	for _, r := range rules {
		id := r.Meta().ID
		c.Rules = append(c.Rules, id)
		if s := t.stats[id]; s != nil {
			fails += s.fails
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
	switch {
	case fails > 0:
		res.Status = Fail
	case len(errs) > 0:
		res.Status, res.Reason = Unknown, strings.Join(errs, "; ")
	case !ran:
		res.Status, res.Reason = NotEvaluated, strings.Join(missing, "; ")
	default:
		res.Status = Pass
		if len(missing) > 0 {
			res.Reason = "partly evaluated: " + strings.Join(missing, "; ")
		}
	}
	return res
}

// combine sets a control's status and reason from its inputs' results: fail if any input
// fails, unknown if any is unknown and none fails, pass only if every input passed, not
// evaluated otherwise (naming what is still to scan); manual when no input feeds it.
func combine(c *Control, cd ControlDef) {
	if len(cd.Inputs) == 0 {
		c.Status, c.Reason, c.Inputs = Manual, cd.Manual, nil
		return
	}
	by := map[Status][]string{}
	for _, r := range c.Inputs {
		why := r.Reason
		if len(c.Inputs) > 1 && why != "" {
			why = string(r.Input) + ": " + why
		}
		by[r.Status] = append(by[r.Status], why)
	}
	join := func(s Status) string {
		var out []string
		for _, w := range by[s] {
			if w != "" {
				out = append(out, w)
			}
		}
		return strings.Join(out, "; ")
	}
	switch {
	case len(by[Fail]) > 0:
		c.Status, c.Reason = Fail, ""
	case len(by[Unknown]) > 0:
		c.Status, c.Reason = Unknown, join(Unknown)
	case len(by[NotEvaluated]) == 0:
		c.Status, c.Reason = Pass, join(Pass)
	default:
		c.Status, c.Reason = NotEvaluated, join(NotEvaluated)
		var passed []string
		for _, r := range c.Inputs {
			if r.Status == Pass {
				passed = append(passed, string(r.Input))
			}
		}
		if len(passed) > 0 {
			c.Reason = "passed on " + strings.Join(passed, ", ") + "; " + c.Reason
		}
	}
}
