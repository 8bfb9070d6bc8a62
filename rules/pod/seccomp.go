package pod

import (
	"context"

	corev1 "k8s.io/api/core/v1"

	"github.com/eksguard/eksguard/pkg/finding"
	"github.com/eksguard/eksguard/pkg/ref"
	"github.com/eksguard/eksguard/pkg/rule"
	"github.com/eksguard/eksguard/pkg/target"
)

// Seccomp flags containers without a seccomp profile in effect (RuntimeDefault or
// Localhost), from the container's own setting or the pod's.
func Seccomp() rule.Rule {
	return &rule.Workload{
		M: rule.Meta{
			ID:    "pod/no-seccomp",
			Title: "No seccomp profile",
			Description: "Without a seccomp profile the container may call every system call, including the rarely used " +
				"ones most kernel exploits need. Kubernetes runs pods Unconfined unless a profile is set.",
			Remediation: "Use the runtime's default profile for the whole pod:\n\n  spec:\n    securityContext:\n      seccompProfile:\n        type: RuntimeDefault",
			Severity:    finding.SeverityMedium,
			Category:    category,
			Tags:        []string{"pss-restricted"},
			References: []ref.Ref{ref.Guide(guidePods, "Use seccomp"),
				ref.PodSecurity("restricted", "Seccomp"), ref.Weakness(693)},
		},
		Fn: func(_ context.Context, m *rule.Meta, w *target.Workload) []finding.Finding {
			if isWindows(w) {
				return nil
			}
			podProfile := podSC(w).SeccompProfile
			var out []finding.Finding
			for _, c := range w.Containers() {
				prof, path := sc(c).SeccompProfile, containerField(c, "seccompProfile")
				if prof == nil {
					prof, path = podProfile, podField(w, "seccompProfile")
				}
				switch {
				case prof == nil:
					out = append(out, m.Failf(w, podField(w, "seccompProfile"), "container %q has no seccomp profile (it runs Unconfined)", c.Name))
				case prof.Type != corev1.SeccompProfileTypeRuntimeDefault && prof.Type != corev1.SeccompProfileTypeLocalhost:
					out = append(out, m.Failf(w, target.Field(path, "type"), "container %q uses seccomp profile type %s", c.Name, prof.Type))
				}
			}
			return out
		},
	}
}
