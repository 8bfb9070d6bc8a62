package pod

import (
	"context"

	"github.com/eksguard/eksguard/pkg/finding"
	"github.com/eksguard/eksguard/pkg/ref"
	"github.com/eksguard/eksguard/pkg/rule"
	"github.com/eksguard/eksguard/pkg/target"
)

// RunAsRoot flags containers that run, or may run, as root: runAsUser 0, or neither a
// non-zero runAsUser nor runAsNonRoot: true in effect (container settings override the pod's).
// Pods in a user namespace (hostUsers: false) and Windows pods are not checked.
func RunAsRoot() rule.Rule {
	return &rule.Workload{
		M: rule.Meta{
			ID:    "pod/run-as-root",
			Title: "Container may run as root",
			Description: "A container that runs as UID 0 is root on the node if it escapes. Without runAsNonRoot: true or a " +
				"non-zero runAsUser, the image decides, and most images run as root.",
			Remediation: "Run as a non-root user, at pod or container level:\n\n  securityContext:\n    runAsNonRoot: true\n    runAsUser: 10001",
			Severity:    finding.SeverityHigh,
			Category:    category,
			Tags:        []string{"pss-restricted"},
			References: []ref.Ref{ref.Guide(guidePods, "Run the application as a non-root user"),
				ref.PodSecurity("restricted", "Running as Non-root"), ref.Weakness(250)},
		},
		Fn: func(_ context.Context, m *rule.Meta, w *target.Workload) []finding.Finding {
			// In a user namespace (hostUsers: false) UID 0 of the container is an
			// unprivileged UID on the node; the Pod Security Standards allow it (v1.35+).
			if isWindows(w) || (w.Spec.HostUsers != nil && !*w.Spec.HostUsers) {
				return nil
			}
			psc := podSC(w)
			var out []finding.Finding
			for _, c := range w.Containers() {
				csc := sc(c)
				user, userPath := csc.RunAsUser, containerField(c, "runAsUser")
				if user == nil {
					user, userPath = psc.RunAsUser, podField(w, "runAsUser")
				}
				nonRoot, nonRootPath := csc.RunAsNonRoot, containerField(c, "runAsNonRoot")
				if nonRoot == nil {
					nonRoot, nonRootPath = psc.RunAsNonRoot, podField(w, "runAsNonRoot")
				}
				switch {
				case user != nil && *user == 0:
					out = append(out, m.Failf(w, userPath, "container %q runs as root (runAsUser: 0)", c.Name))
				case nonRoot != nil && !*nonRoot && user == nil:
					out = append(out, m.Failf(w, nonRootPath, "container %q sets runAsNonRoot: false and no runAsUser, so it may run as root", c.Name))
				case user == nil && (nonRoot == nil || !*nonRoot):
					out = append(out, m.Failf(w, containerField(c, "runAsNonRoot"),
						"container %q may run as root: neither runAsNonRoot: true nor a non-zero runAsUser is set", c.Name))
				}
			}
			return out
		},
	}
}
