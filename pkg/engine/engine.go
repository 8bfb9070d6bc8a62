// Package engine runs selected rules over targets, contains rule panics, applies
// exemptions and streams findings in input order.
package engine

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"

	"github.com/eksguard/eksguard/pkg/finding"
	"github.com/eksguard/eksguard/pkg/rule"
	"github.com/eksguard/eksguard/pkg/target"
)

// Exempter decides whether a finding is exempted. The config package implements it.
type Exempter interface {
	Exempt(f *finding.Finding, t target.Target) *finding.Suppression
}

// Resolver is implemented by targets that hold many objects (a cluster snapshot): it
// returns the object a finding is about, so that exemptions by label or annotation see it.
type Resolver interface {
	TargetFor(f *finding.Finding) target.Target
}

// Engine runs a fixed set of rules.
type Engine struct {
	rules    []rule.Rule
	byKind   map[target.Kind][]rule.Rule
	settings rule.Settings
	exempt   Exempter
}

// New builds an engine over the selected rules.
func New(rules []rule.Rule, settings rule.Settings, exempt Exempter) *Engine {
	e := &Engine{rules: rules, byKind: map[target.Kind][]rule.Rule{}, settings: settings, exempt: exempt}
	for _, r := range rules {
		k := r.Meta().Target
		e.byKind[k] = append(e.byKind[k], r)
	}
	return e
}

// Rules returns the rules the engine runs.
func (e *Engine) Rules() []rule.Rule { return e.rules }

// rulesFor returns the rules that see t: those of its own kind, and object rules for every
// target that is an object.
func (e *Engine) rulesFor(t target.Target) []rule.Rule {
	own := e.byKind[t.TargetKind()]
	if t.TargetKind() == target.KindObject {
		return own
	}
	if _, ok := t.(target.Objecter); ok {
		return append(append([]rule.Rule(nil), e.byKind[target.KindObject]...), own...)
	}
	return own
}

// Check runs every applicable rule on one target and returns its findings, exemptions
// applied. A rule that panics or errors yields an error finding, never a pass.
func (e *Engine) Check(ctx context.Context, t target.Target) []finding.Finding {
	ctx = rule.WithSettings(ctx, e.settings)
	var out []finding.Finding
	for _, r := range e.rulesFor(t) {
		fs, err := runRule(ctx, r, t)
		switch {
		case errors.Is(err, rule.ErrNotApplicable):
			continue
		case err != nil:
			m := r.Meta()
			out = append(out, finding.Finding{
				RuleID: m.ID, Status: finding.StatusError, Severity: m.Severity,
				Subject: t.Subject(), Location: t.Locate(""),
				Message: "rule could not evaluate this object: " + err.Error(),
			})
			continue
		}
		out = append(out, fs...)
	}
	sup, _ := t.(target.Suppressor)
	if e.exempt != nil || sup != nil {
		res, _ := t.(Resolver)
		for i := range out {
			var s *finding.Suppression
			if e.exempt != nil {
				ft := t
				if res != nil {
					if x := res.TargetFor(&out[i]); x != nil {
						ft = x
					}
				}
				s = e.exempt.Exempt(&out[i], ft)
			}
			if s == nil && sup != nil {
				s = sup.Suppress(&out[i])
			}
			if s != nil {
				out[i].Suppressed = s
				out[i].Status = finding.StatusSkip
			}
		}
	}
	return out
}

func runRule(ctx context.Context, r rule.Rule, t target.Target) (fs []finding.Finding, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("internal error (panic: %v) at %s", p, panicSite(debug.Stack()))
		}
	}()
	return r.Check(ctx, t)
}

func panicSite(stack []byte) string {
	lines := strings.Split(string(stack), "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, "panic(") && i+3 < len(lines) {
			return strings.TrimSpace(lines[i+3])
		}
	}
	return "unknown"
}

// Unit is one piece of input work (a file): Load runs in parallel with other units. It
// hands each target to check as soon as it is read, so that only one target's data is
// alive at a time, and returns what else it found.
type Unit struct {
	Name string
	Load func(check func(target.Target)) Batch
}

// Batch is what a unit loaded besides its targets.
type Batch struct {
	Errors []finding.InputError
	Stats  Stats
}

// Stats count the input a run read.
type Stats struct {
	Files         int `json:"files"`
	Documents     int `json:"documents"`
	Objects       int `json:"objects"`
	Workloads     int `json:"workloads"`
	NotKubernetes int `json:"skippedFiles"` // files holding no Kubernetes object
	Dockerfiles   int `json:"dockerfiles,omitempty"`
}

// Add sums two stats.
func (s *Stats) Add(o Stats) {
	s.Files += o.Files
	s.Documents += o.Documents
	s.Objects += o.Objects
	s.Workloads += o.Workloads
	s.NotKubernetes += o.NotKubernetes
	s.Dockerfiles += o.Dockerfiles
}

// Result is one unit's outcome.
type Result struct {
	Name     string
	Findings []finding.Finding
	Errors   []finding.InputError
	Stats    Stats
}

// Run loads and checks units on all cores and calls emit with each unit's result in the
// order the units arrive, holding at most a small window of results in memory so that
// memory stays flat however many units there are. A fixed set of workers does the work,
// so that goroutine stacks grow once, not once per file.
func (e *Engine) Run(ctx context.Context, units <-chan Unit, emit func(Result) error) error {
	workers := runtime.GOMAXPROCS(0)
	window := workers * 64
	type slot struct {
		unit Unit
		done chan struct{}
		res  Result
	}
	slots := make(chan *slot, window) // in input order, for emit
	jobs := make(chan *slot, window)  // in any order, for the workers
	var wg sync.WaitGroup
	for i := 0; i < workers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for s := range jobs {
				var fs []finding.Finding
				b := s.unit.Load(func(t target.Target) { fs = append(fs, e.Check(ctx, t)...) })
				s.res = Result{Name: s.unit.Name, Findings: fs, Errors: b.Errors, Stats: b.Stats}
				close(s.done)
			}
		}()
	}
	go func() {
		defer close(slots)
		defer close(jobs)
		for u := range units {
			s := &slot{unit: u, done: make(chan struct{})}
			select {
			case slots <- s: // blocks when the window is full
			case <-ctx.Done():
				return
			}
			jobs <- s
		}
	}()
	var err error
	for s := range slots {
		<-s.done
		if err == nil {
			err = emit(s.res)
		}
	}
	wg.Wait()
	if err == nil {
		err = ctx.Err()
	}
	return err
}
