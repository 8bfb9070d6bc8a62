package json

import (
	"sort"
	"time"

	"github.com/eksguard/eksguard/pkg/finding"
	"github.com/eksguard/eksguard/pkg/report"
)

// Merge combines saved reports of runs on different inputs into one document: their inputs,
// the union of their rules, their settings (each key prefixed with the name of the run it
// came from), their findings in order, and summed stats and errors. Failed is recomputed
// against failOn. Compliance views are left out: the caller merges them (compliance.Merge).
// names[i] names docs[i] in the settings.
func Merge(docs []*Document, names []string, failOn finding.Severity) *Document {
	out := &Document{Header: report.Header{Tool: report.Tool, Version: report.Version, Started: time.Now().UTC(), Settings: map[string]string{}}}
	seen := map[string]bool{}
	out.Summary.FailOn = failOn.String()
	for i, d := range docs {
		out.Inputs = append(out.Inputs, d.Inputs...)
		for _, m := range d.Rules {
			if !seen[m.ID] {
				seen[m.ID] = true
				out.Rules = append(out.Rules, m)
			}
		}
		for k, v := range d.Settings {
			out.Settings[names[i]+":"+k] = v
		}
		out.Findings = append(out.Findings, d.Findings...)
		s, o := &out.Summary, &d.Summary
		s.Stats.Stats.Add(o.Stats.Stats)
		s.Stats.InputErrors += o.Stats.InputErrors
		s.Stats.Findings += o.Stats.Findings
		s.Stats.Suppressed += o.Stats.Suppressed
		s.Stats.RuleErrors += o.Stats.RuleErrors
		for sev, n := range o.Stats.BySeverity {
			if s.Stats.BySeverity == nil {
				s.Stats.BySeverity = map[string]int{}
			}
			s.Stats.BySeverity[sev] += n
		}
		s.Errors = append(s.Errors, o.Errors...)
		s.Expired = append(s.Expired, o.Expired...)
		s.Duration += o.Duration
	}
	sort.Slice(out.Rules, func(i, j int) bool { return out.Rules[i].ID < out.Rules[j].ID })
	for i := range out.Findings {
		if f := &out.Findings[i]; f.Counts() && f.Severity >= failOn {
			out.Summary.Failed = true
		}
	}
	if out.Summary.Errors == nil {
		out.Summary.Errors = []finding.InputError{}
	}
	return out
}
