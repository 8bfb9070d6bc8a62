package pod

import (
	"context"

	"github.com/eksguard/eksguard/pkg/finding"
	"github.com/eksguard/eksguard/pkg/ref"
	"github.com/eksguard/eksguard/pkg/rule"
	"github.com/eksguard/eksguard/pkg/target"
)

// SecretEnv flags secrets passed as environment variables.
func SecretEnv() rule.Rule {
	return &rule.Workload{
		M: rule.Meta{
			ID:    "pod/secret-env",
			Title: "Secret passed as an environment variable",
			Description: "Environment variables leak: they are inherited by child processes, printed by crash handlers and " +
				"debug endpoints, and visible in /proc. Mount secrets as files instead.",
			Remediation: "Mount the secret as a read-only volume and read it from the file:\n\n  volumes:\n  - name: db\n    secret:\n      secretName: db-credentials\n  containers:\n  - name: app\n    volumeMounts:\n    - name: db\n      mountPath: /var/run/secrets/db\n      readOnly: true",
			Severity:    finding.SeverityLow,
			Category:    "Secrets",
			Tags:        []string{"cis"},
			References:  []ref.Ref{ref.CIS("4.4.1"), ref.Guide("data-encryption-and-secrets-management", "Use volume mounts instead of environment variables"), ref.Weakness(526)},
		},
		Fn: func(_ context.Context, m *rule.Meta, w *target.Workload) []finding.Finding {
			var out []finding.Finding
			for _, c := range w.Containers() {
				for i, e := range c.Env {
					if e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil {
						p := target.Field(target.Field(target.Index(target.Field(c.Path, "env"), i), "valueFrom"), "secretKeyRef")
						out = append(out, m.Failf(w, p, "container %q reads secret %q into environment variable %s",
							c.Name, e.ValueFrom.SecretKeyRef.Name, e.Name))
					}
				}
				for i, e := range c.EnvFrom {
					if e.SecretRef != nil {
						p := target.Field(target.Index(target.Field(c.Path, "envFrom"), i), "secretRef")
						out = append(out, m.Failf(w, p, "container %q loads every key of secret %q into its environment", c.Name, e.SecretRef.Name))
					}
				}
			}
			return out
		},
	}
}
