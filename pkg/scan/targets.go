package scan

import (
	"context"
	"sort"
	"time"

	"github.com/eksguard/eksguard/pkg/engine"
	"github.com/eksguard/eksguard/pkg/finding"
	"github.com/eksguard/eksguard/pkg/report"
	"github.com/eksguard/eksguard/pkg/target"
)

// Targets is a scan of targets a source has already built (a node, an AWS account
// snapshot): every selected rule runs on each, and the report groups findings by subject.
type Targets struct {
	// Input names where the targets came from (the host root, the snapshot directory).
	Input   string
	Targets []target.Target
	// Errors are inputs the source could not read; they are reported and make the run exit 2.
	Errors []finding.InputError
	Engine *engine.Engine
	Header *report.Header
	FailOn finding.Severity
}

// Run checks the targets and writes the report; it returns the summary.
func (s *Targets) Run(ctx context.Context, w report.Writer) (*report.Summary, error) {
	start := time.Now()
	if err := w.Begin(s.Header); err != nil {
		return nil, err
	}
	sum := &report.Summary{FailOn: s.FailOn.String()}
	sum.Stats.Subject = subjectOf(s.Targets)
	units := make(chan engine.Unit, 1)
	units <- engine.Unit{Name: s.Input, Load: func(check func(target.Target)) engine.Batch {
		for _, t := range s.Targets {
			check(t)
		}
		return engine.Batch{Errors: s.Errors, Stats: engine.Stats{Files: 1, Objects: len(s.Targets)}}
	}}
	close(units)
	err := s.Engine.Run(ctx, units, func(r engine.Result) error {
		// One target holds many resources (an account's node groups, roles, repositories):
		// group each resource's findings together, in a stable order.
		sort.SliceStable(r.Findings, func(i, j int) bool {
			return r.Findings[i].Subject.String() < r.Findings[j].Subject.String()
		})
		sum.Stats.Stats.Add(r.Stats)
		sum.Errors = append(sum.Errors, r.Errors...)
		return emitGroups(r, w, sum, s.FailOn)
	})
	if err != nil {
		return nil, err
	}
	if err := End(w, sum, start); err != nil {
		return nil, err
	}
	return sum, nil
}

// subjectOf names the targets' kind for the summary's wording; "" for mixed or other kinds.
func subjectOf(ts []target.Target) string {
	subj := ""
	for i, t := range ts {
		k := ""
		switch t.TargetKind() {
		case target.KindNode:
			k = report.SubjectNode
		case target.KindAWS:
			k = report.SubjectAWS
		}
		if i > 0 && k != subj {
			return ""
		}
		subj = k
	}
	return subj
}
