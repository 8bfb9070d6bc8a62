package table

import (
	"fmt"
	"strings"

	"github.com/eksguard/eksguard/pkg/compliance"
	"github.com/eksguard/eksguard/pkg/finding"
	"github.com/eksguard/eksguard/pkg/report"
)

var statusColor = map[compliance.Status]string{
	compliance.Fail:         sevColor[finding.SeverityHigh],
	compliance.Unknown:      sevColor[finding.SeverityMedium],
	compliance.Pass:         dim,
	compliance.Manual:       dim,
	compliance.NotEvaluated: dim,
}

// compliance renders the benchmark views of the run: one line per control.
func (t *writer) compliance(reps []*compliance.Report) {
	for _, r := range reps {
		if r == nil {
			continue
		}
		tot := r.Totals
		t.w.WriteByte('\n')
		fmt.Fprintf(t.w, "%s: %d pass, %d fail, %d manual, %d not evaluated, %d unknown\n",
			t.paint(bold, report.Sanitize(r.Title)+" ("+report.Sanitize(r.Benchmark)+")"), tot.Pass, tot.Fail, tot.Manual, tot.NotEvaluated, tot.Unknown)
		for _, s := range r.Sections {
			fmt.Fprintf(t.w, "  %s %s\n", report.Sanitize(s.ID), report.Sanitize(s.Title))
			for _, c := range s.Controls {
				st := strings.ToUpper(string(c.Status))
				fmt.Fprintf(t.w, "    %s %-7s %s\n", t.paint(statusColor[c.Status], fmt.Sprintf("%-13s", st)), report.Sanitize(c.ID), report.Sanitize(c.Title))
				var notes []string
				if c.Failures > 0 {
					notes = append(notes, fmt.Sprintf("%d findings", c.Failures))
				}
				if c.Exempted > 0 {
					notes = append(notes, fmt.Sprintf("%d exempted", c.Exempted))
				}
				if len(c.Rules) > 0 {
					notes = append(notes, "rules: "+strings.Join(c.Rules, ", "))
				}
				if c.Reason != "" {
					notes = append(notes, c.Reason)
				}
				if len(notes) > 0 {
					fmt.Fprintf(t.w, "                          %s\n", t.paint(dim, report.Sanitize(strings.Join(notes, "; "))))
				}
			}
		}
	}
}
