package pod

import (
	"context"

	"github.com/eksguard/eksguard/pkg/finding"
	"github.com/eksguard/eksguard/pkg/ref"
	"github.com/eksguard/eksguard/pkg/rule"
	"github.com/eksguard/eksguard/pkg/target"
)

// Privileged flags containers that run privileged.
func Privileged() rule.Rule {
	return &rule.Workload{
		M: rule.Meta{
			ID:          "pod/privileged",
			Title:       "Container runs privileged",
			Description: "A privileged container has every capability and access to all host devices; escaping to the node is trivial.",
			Remediation: "Remove privileged, or set it to false:\n\n  securityContext:\n    privileged: false",
			Severity:    finding.SeverityCritical,
			Category:    category,
			Tags:        []string{"cis", "pss-baseline"},
			References: []ref.Ref{ref.CIS("4.2.1"), ref.Guide(guidePods, "Restrict the containers that can run as privileged"),
				ref.PodSecurity("baseline", "Privileged Containers"), ref.Weakness(250)},
		},
		Fn: func(_ context.Context, m *rule.Meta, w *target.Workload) []finding.Finding {
			var out []finding.Finding
			for _, c := range w.Containers() {
				if p := sc(c).Privileged; p != nil && *p {
					out = append(out, m.Failf(w, containerField(c, "privileged"), "container %q runs privileged", c.Name))
				}
			}
			return out
		},
	}
}
