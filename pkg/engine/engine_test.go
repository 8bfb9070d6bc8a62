package engine

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/eksguard/eksguard/pkg/finding"
	"github.com/eksguard/eksguard/pkg/ref"
	"github.com/eksguard/eksguard/pkg/rule"
	"github.com/eksguard/eksguard/pkg/target"
)

type fakeRule struct {
	meta rule.Meta
	fn   func(t target.Target) ([]finding.Finding, error)
}

func (f *fakeRule) Meta() *rule.Meta { return &f.meta }
func (f *fakeRule) Check(_ context.Context, t target.Target) ([]finding.Finding, error) {
	return f.fn(t)
}

func newRule(id string, kind target.Kind, fn func(t target.Target) ([]finding.Finding, error)) rule.Rule {
	return &fakeRule{meta: rule.Meta{ID: id, Title: id, Description: "d", Remediation: "r\n\n  x: y",
		Severity: finding.SeverityHigh, Category: "c", Target: kind, References: []ref.Ref{ref.CIS("4.2.1")}}, fn: fn}
}

func obj(name string) *target.Object {
	return &target.Object{APIVersion: "v1", Kind: "ConfigMap", Meta: target.Meta{Name: name, Namespace: "a"}}
}

func TestCheckContainsPanicsAndErrors(t *testing.T) {
	panics := newRule("t/panics", target.KindObject, func(target.Target) ([]finding.Finding, error) { panic("boom") })
	errs := newRule("t/errors", target.KindObject, func(target.Target) ([]finding.Finding, error) { return nil, errors.New("bad input") })
	skips := newRule("t/skips", target.KindObject, func(target.Target) ([]finding.Finding, error) { return nil, rule.ErrNotApplicable })
	e := New([]rule.Rule{panics, errs, skips}, rule.DefaultSettings(), nil)
	got := e.Check(context.Background(), obj("x"))
	if len(got) != 2 {
		t.Fatalf("want 2 error findings, got %+v", got)
	}
	for _, f := range got {
		if f.Status != finding.StatusError || !f.Counts() {
			t.Errorf("a failing rule must give a counted error finding, got %+v", f)
		}
	}
}

func TestObjectRulesSeeWorkloads(t *testing.T) {
	seen := 0
	r := newRule("t/object", target.KindObject, func(target.Target) ([]finding.Finding, error) { seen++; return nil, nil })
	w := newRule("t/workload", target.KindWorkload, func(target.Target) ([]finding.Finding, error) { seen += 10; return nil, nil })
	e := New([]rule.Rule{r, w}, rule.DefaultSettings(), nil)
	e.Check(context.Background(), &target.Workload{Object: *obj("w")})
	e.Check(context.Background(), obj("o"))
	if seen != 12 {
		t.Errorf("object rules must see workloads too and workload rules only workloads: got %d, want 12", seen)
	}
}

type exemptAll struct{}

func (exemptAll) Exempt(*finding.Finding, target.Target) *finding.Suppression {
	return &finding.Suppression{Reason: "test", Source: "config"}
}

func TestExemptionsSkip(t *testing.T) {
	fail := newRule("t/fail", target.KindObject, func(tg target.Target) ([]finding.Finding, error) {
		return []finding.Finding{{RuleID: "t/fail", Status: finding.StatusFail, Subject: tg.Subject()}}, nil
	})
	got := New([]rule.Rule{fail}, rule.DefaultSettings(), exemptAll{}).Check(context.Background(), obj("x"))
	if len(got) != 1 || got[0].Status != finding.StatusSkip || got[0].Counts() {
		t.Fatalf("exempted finding must be skip and not counted: %+v", got)
	}
}

// TestRunKeepsInputOrder feeds more units than the window holds, finishing in scrambled
// order, and checks results come out in input order.
func TestRunKeepsInputOrder(t *testing.T) {
	fail := newRule("t/fail", target.KindObject, func(tg target.Target) ([]finding.Finding, error) {
		return []finding.Finding{{RuleID: "t/fail", Status: finding.StatusFail, Subject: tg.Subject()}}, nil
	})
	e := New([]rule.Rule{fail}, rule.DefaultSettings(), nil)
	const n = 500
	units := make(chan Unit)
	go func() {
		defer close(units)
		for i := 0; i < n; i++ {
			name := fmt.Sprintf("f%03d", i)
			units <- Unit{Name: name, Load: func(check func(target.Target)) Batch {
				for j := 0; j < (n-i)%7*1000; j++ { // uneven work
					_ = j * j
				}
				check(obj(name))
				return Batch{Stats: Stats{Files: 1}}
			}}
		}
	}()
	i := 0
	err := e.Run(context.Background(), units, func(r Result) error {
		if want := fmt.Sprintf("f%03d", i); r.Name != want || len(r.Findings) != 1 || r.Findings[0].Subject.Name != want {
			t.Fatalf("result %d is %s, want %s", i, r.Name, want)
		}
		i++
		return nil
	})
	if err != nil || i != n {
		t.Fatalf("err %v, %d results, want %d", err, i, n)
	}
}
