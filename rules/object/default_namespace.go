// Package object holds rules over any Kubernetes object, whatever its kind.
package object

import (
	"context"

	"github.com/eksguard/eksguard/pkg/finding"
	"github.com/eksguard/eksguard/pkg/ref"
	"github.com/eksguard/eksguard/pkg/rule"
	"github.com/eksguard/eksguard/pkg/target"
)

// DefaultNamespace flags objects placed in the default namespace (CIS 4.5.2). Objects
// that name no namespace are not flagged: they land wherever they are applied.
func DefaultNamespace() rule.Rule {
	return &rule.Object{
		M: rule.Meta{
			ID:    "object/default-namespace",
			Title: "Object in the default namespace",
			Description: "The default namespace is where everything lands by accident; it carries no Pod Security labels, " +
				"NetworkPolicies or RBAC boundaries of its own. Put applications in their own namespaces. Objects that " +
				"name no namespace are not flagged, since they go wherever they are applied.",
			Remediation: "Set an application namespace:\n\n  metadata:\n    name: web\n    namespace: shop",
			Severity:    finding.SeverityLow,
			Category:    "Isolation",
			Tags:        []string{"cis"},
			References:  []ref.Ref{ref.CIS("4.5.2"), ref.Guide("multitenancy#soft-multi-tenancy")},
		},
		Fn: func(_ context.Context, m *rule.Meta, t target.Target, o *target.Object) []finding.Finding {
			if o.Meta.Namespace != "default" {
				return nil
			}
			if o.Kind == "Service" && o.Meta.Name == "kubernetes" && o.APIVersion == "v1" {
				return nil // the API server's own service
			}
			return []finding.Finding{m.Failf(t, "metadata.namespace", "%s %q is in the default namespace", o.Kind, o.Meta.Name)}
		},
	}
}
