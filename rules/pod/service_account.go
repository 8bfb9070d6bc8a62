package pod

import (
	"context"

	"github.com/eksguard/eksguard/pkg/finding"
	"github.com/eksguard/eksguard/pkg/ref"
	"github.com/eksguard/eksguard/pkg/rule"
	"github.com/eksguard/eksguard/pkg/snapshot"
	"github.com/eksguard/eksguard/pkg/target"
)

// DefaultServiceAccount flags pods that run as their namespace's default service account.
func DefaultServiceAccount() rule.Rule {
	return &rule.Workload{
		M: rule.Meta{
			ID:    "pod/default-service-account",
			Title: "Pod uses the default service account",
			Description: "Every pod in a namespace that does not name a service account shares the default one, so any " +
				"permission granted to it (RBAC or an IRSA role) reaches every such pod. Give each application its own.",
			Remediation: "Create a service account for the application and name it in the pod spec:\n\n  apiVersion: v1\n  kind: ServiceAccount\n  metadata:\n    name: web\n  automountServiceAccountToken: false\n  ---\n  spec:\n    serviceAccountName: web",
			Severity:    finding.SeverityLow,
			Category:    "Identity",
			Tags:        []string{"cis"},
			References:  []ref.Ref{ref.CIS("4.1.5"), ref.Guide(guideIAM, "Use dedicated service accounts for each application")},
		},
		Fn: func(_ context.Context, m *rule.Meta, w *target.Workload) []finding.Finding {
			name, path := w.Spec.ServiceAccountName, w.Spath("serviceAccountName")
			if name == "" {
				name, path = w.Spec.DeprecatedServiceAccount, w.Spath("serviceAccount")
			}
			switch name {
			case "":
				return []finding.Finding{m.Fail(w, w.Spath("serviceAccountName"), "pod names no service account, so it runs as \"default\"")}
			case "default":
				return []finding.Finding{m.Fail(w, path, "pod runs as the \"default\" service account")}
			}
			return nil
		},
	}
}

// TokenMounted flags pods that mount a service account token: the pod spec does not opt
// out, and neither does its ServiceAccount when the input holds it. It reads the whole
// input (a cluster-wide rule), since the ServiceAccount is another object.
func TokenMounted() rule.Rule {
	return &rule.Cluster{
		M: rule.Meta{
			ID:    "pod/service-account-token",
			Title: "Service account token mounted",
			Description: "Kubernetes mounts an API token into every pod unless automountServiceAccountToken is false on the " +
				"pod spec or, when the pod leaves it unset, on its ServiceAccount. A compromised container can use the token " +
				"against the API server. Mount it only where the application calls the API. The pod's ServiceAccount is looked " +
				"up in the same input (cluster or manifest set); when it is not there, only the pod spec is judged. A pod whose " +
				"controller is in the input is reported through it.",
			Remediation: "Opt out in the pod spec (or on its ServiceAccount):\n\n  spec:\n    automountServiceAccountToken: false",
			Severity:    finding.SeverityLow,
			Category:    "Identity",
			Tags:        []string{"cis"},
			References:  []ref.Ref{ref.CIS("4.1.6"), ref.Guide(guideIAM, "Disable auto-mounting of service account tokens")},
		},
		Inputs: []string{snapshot.KindWorkload},
		Also:   []string{snapshot.KindServiceAccount},
		Fn: func(_ context.Context, m *rule.Meta, s *snapshot.Snapshot) []finding.Finding {
			var out []finding.Finding
			for _, p := range s.Pods() {
				if s.Represented(p) {
					continue // reported through its controller
				}
				if a := p.AutomountToken; a != nil {
					if *a {
						out = append(out, m.Fail(p, p.Spath("automountServiceAccountToken"), "pod mounts a service account token (automountServiceAccountToken: true)"))
					}
					continue
				}
				sa := s.ServiceAccount(p.Namespace, p.ServiceAccount)
				if sa == nil {
					out = append(out, m.Fail(p, p.Spath("automountServiceAccountToken"), "pod mounts a service account token (automountServiceAccountToken is not false)"))
					continue
				}
				if a := sa.Obj.AutomountServiceAccountToken; a != nil && !*a {
					continue
				}
				out = append(out, m.Failf(p, p.Spath("automountServiceAccountToken"),
					"pod mounts a service account token: neither the pod nor its ServiceAccount %s/%s sets automountServiceAccountToken: false", sa.Namespace, sa.Meta.Name))
			}
			return out
		},
	}
}
