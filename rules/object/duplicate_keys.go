package object

import (
	"context"

	"github.com/eksguard/eksguard/pkg/finding"
	"github.com/eksguard/eksguard/pkg/ref"
	"github.com/eksguard/eksguard/pkg/rule"
	"github.com/eksguard/eksguard/pkg/target"
)

// DuplicateKeys flags mapping keys written twice. Tools disagree on which value wins; the
// API server keeps the last, and so does eksguard when it evaluates the object.
func DuplicateKeys() rule.Rule {
	return &rule.Object{
		M: rule.Meta{
			ID:    "object/duplicate-key",
			Title: "Duplicate key in a manifest",
			Description: "A key written twice in one mapping is a parser differential: a reviewer, a linter and the API server " +
				"may each see a different value (the API server keeps the last). It hides settings from review.",
			Remediation: "Keep one occurrence of the key, with the value you mean:\n\n  securityContext:\n    privileged: false   # once",
			Severity:    finding.SeverityMedium,
			Category:    "Manifest hygiene",
			References:  []ref.Ref{ref.Link("https://kubernetes.io/docs/reference/using-api/api-concepts/#field-validation", "Kubernetes field validation"), ref.Weakness(436)},
		},
		Fn: func(_ context.Context, m *rule.Meta, t target.Target, o *target.Object) []finding.Finding {
			var out []finding.Finding
			for _, d := range o.Duplicates {
				f := m.Failf(t, d.Path, "key %s appears again (first on line %d); the last value is the one applied", d.Path, d.FirstLine)
				f.Location.Line = d.Line
				out = append(out, f)
			}
			return out
		},
	}
}
