package scan

import (
	"cmp"
	"context"
	"slices"
	"time"

	"github.com/eksguard/eksguard/pkg/engine"
	"github.com/eksguard/eksguard/pkg/finding"
	"github.com/eksguard/eksguard/pkg/report"
	"github.com/eksguard/eksguard/pkg/snapshot"
)

// CheckSnapshot runs the engine's cluster-wide rules on a complete snapshot and writes
// their findings, grouped by the file and object each is about, in file order. It counts
// them in sum and sets sum.Failed when one reaches failOn.
func CheckSnapshot(ctx context.Context, e *engine.Engine, snap *snapshot.Snapshot, w report.Writer, sum *report.Summary, failOn finding.Severity) error {
	fs := e.Check(ctx, snap)
	if len(fs) == 0 {
		return nil
	}
	slices.SortStableFunc(fs, func(a, b finding.Finding) int {
		return cmp.Or(
			cmp.Compare(a.Location.File, b.Location.File),
			cmp.Compare(a.Location.Document, b.Location.Document),
			cmp.Compare(a.Subject.Kind, b.Subject.Kind),
			cmp.Compare(a.Subject.Namespace, b.Subject.Namespace),
			cmp.Compare(a.Subject.Name, b.Subject.Name),
			cmp.Compare(a.Location.Line, b.Location.Line),
			cmp.Compare(a.RuleID, b.RuleID),
		)
	})
	// One group per file and subject.
	for len(fs) > 0 {
		n := 1
		for n < len(fs) && fs[n].Location.File == fs[0].Location.File && fs[n].Subject == fs[0].Subject {
			n++
		}
		if err := emitGroups(engine.Result{Name: fs[0].Location.File, Findings: fs[:n]}, w, sum, failOn); err != nil {
			return err
		}
		fs = fs[n:]
	}
	return nil
}

// End completes a run's summary (its input errors counted, its duration measured from
// start) and writes it to w.
func End(w report.Writer, sum *report.Summary, start time.Time) error {
	sum.Stats.InputErrors = len(sum.Errors)
	sum.Duration = time.Since(start)
	return w.End(sum)
}
