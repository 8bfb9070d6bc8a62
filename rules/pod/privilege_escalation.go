package pod

import (
	"context"

	"github.com/eksguard/eksguard/pkg/finding"
	"github.com/eksguard/eksguard/pkg/ref"
	"github.com/eksguard/eksguard/pkg/rule"
	"github.com/eksguard/eksguard/pkg/target"
)

// PrivilegeEscalation flags containers that may gain more privileges than their parent
// (setuid binaries, file capabilities): allowPrivilegeEscalation is true unless set false.
func PrivilegeEscalation() rule.Rule {
	return &rule.Workload{
		M: rule.Meta{
			ID:    "pod/privilege-escalation",
			Title: "Privilege escalation allowed",
			Description: "Unless allowPrivilegeEscalation is false, a process in the container can gain privileges through setuid " +
				"binaries or file capabilities (no_new_privs is not set). It defaults to true.",
			Remediation: "Set it on every container:\n\n  securityContext:\n    allowPrivilegeEscalation: false",
			Severity:    finding.SeverityMedium,
			Category:    category,
			Tags:        []string{"cis", "pss-restricted"},
			References: []ref.Ref{ref.CIS("4.2.5"), ref.Guide(guidePods, "Do not allow privileged escalation"),
				ref.PodSecurity("restricted", "Privilege Escalation"), ref.Weakness(269)},
		},
		Fn: func(_ context.Context, m *rule.Meta, w *target.Workload) []finding.Finding {
			if isWindows(w) {
				return nil
			}
			var out []finding.Finding
			for _, c := range w.Containers() {
				ape := sc(c).AllowPrivilegeEscalation
				switch {
				case ape == nil:
					out = append(out, m.Failf(w, containerField(c, "allowPrivilegeEscalation"),
						"container %q does not set allowPrivilegeEscalation: false (it defaults to true)", c.Name))
				case *ape:
					out = append(out, m.Failf(w, containerField(c, "allowPrivilegeEscalation"),
						"container %q sets allowPrivilegeEscalation: true", c.Name))
				}
			}
			return out
		},
	}
}
