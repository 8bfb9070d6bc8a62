package scan

import (
	"github.com/eksguard/eksguard/pkg/compliance"
	"github.com/eksguard/eksguard/pkg/report"
	"github.com/eksguard/eksguard/pkg/rule"
	"github.com/eksguard/eksguard/pkg/snapshot"
)

// complianceWriter observes every finding written through it and, at the end, adds the
// benchmark's view of the run to the summary, so that every format renders it and a saved
// JSON report replays it.
type complianceWriter struct {
	report.Writer
	t  *compliance.Tracker
	in compliance.Inputs
}

// WithCompliance wraps w so that the summary carries benchmark b's view of the run: the
// status of every control, from the findings of rules (the rules the run evaluates) that
// reference it. in tells what the run read (a snapshot); nil means nothing was indexed.
func WithCompliance(w report.Writer, b *compliance.Benchmark, rules []rule.Rule, in compliance.Inputs) report.Writer {
	return &complianceWriter{Writer: w, t: compliance.NewTracker(b, rules), in: in}
}

func (c *complianceWriter) Group(g *report.Group) error {
	for i := range g.Findings {
		c.t.Observe(&g.Findings[i])
	}
	return c.Writer.Group(g)
}

func (c *complianceWriter) End(s *report.Summary) error {
	s.Compliance = append(s.Compliance, c.t.Report(withStats{c.in, s.Stats.Workloads}, s.Stats.Objects))
	return c.Writer.End(s)
}

// withStats counts workloads from the run's stats as well: a run without cluster-wide
// rules builds no snapshot, and its workload rules still ran.
type withStats struct {
	in        compliance.Inputs
	workloads int
}

func (w withStats) Count(kind string) int {
	n := 0
	if w.in != nil {
		n = w.in.Count(kind)
	}
	if kind == snapshot.KindWorkload {
		n = max(n, w.workloads)
	}
	return n
}
