package scan

import (
	"github.com/eksguard/eksguard/pkg/compliance"
	"github.com/eksguard/eksguard/pkg/report"
	"github.com/eksguard/eksguard/pkg/rule"
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
	s.Compliance = append(s.Compliance, c.t.Report(c.in, s.Stats.Objects))
	return c.Writer.End(s)
}
