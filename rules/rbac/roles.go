package rbac

import (
	"context"
	"fmt"
	"slices"
	"strings"

	rbacv1 "k8s.io/api/rbac/v1"

	"github.com/eksguard/eksguard/pkg/finding"
	"github.com/eksguard/eksguard/pkg/ref"
	"github.com/eksguard/eksguard/pkg/rule"
	"github.com/eksguard/eksguard/pkg/snapshot"
	"github.com/eksguard/eksguard/pkg/target"
)

// Wildcards flags Roles and ClusterRoles whose rules use "*" for verbs, resources or API
// groups (CIS EKS 4.1.3).
func Wildcards() rule.Rule {
	return &rule.Cluster{
		M: rule.Meta{
			ID:    "rbac/wildcard",
			Title: "Role uses a wildcard",
			Description: "\"*\" in a rule's verbs, resources or apiGroups grants everything that exists now and everything " +
				"added later (new resources, CRDs, subresources). Kubernetes' own default roles are not flagged.",
			Remediation: "List the verbs, resources and groups the subject needs:\n\n" +
				"  rules:\n    - apiGroups: [\"apps\"]\n      resources: [\"deployments\"]\n      verbs: [\"get\", \"list\", \"watch\"]",
			Severity:   finding.SeverityMedium,
			Category:   "RBAC",
			Tags:       []string{"cis", "rbac"},
			References: refs("4.1.3", "Employ least privileged access when creating RoleBindings and ClusterRoleBindings"),
		},
		Inputs: []string{snapshot.KindRole, snapshot.KindClusterRole},
		Fn: func(_ context.Context, m *rule.Meta, s *snapshot.Snapshot) []finding.Finding {
			var out []finding.Finding
			check := func(o *target.Object, rules []rbacv1.PolicyRule) {
				if snapshot.Bootstrap(o) {
					return
				}
				for i, r := range rules {
					p := target.Index("rules", i)
					for _, f := range []struct {
						name string
						list []string
					}{{"verbs", r.Verbs}, {"resources", r.Resources}, {"apiGroups", r.APIGroups}} {
						if j := slices.Index(f.list, "*"); j >= 0 {
							out = append(out, m.Failf(o, target.Index(target.Field(p, f.name), j),
								"%s %s grants \"*\" %s: %s", o.Kind, o.Meta.Name, f.name, ruleString(&r)))
							break
						}
					}
				}
			}
			for _, r := range s.Roles() {
				check(&r.Object, r.Obj.Rules)
			}
			for _, r := range s.ClusterRoles() {
				check(&r.Object, r.Obj.Rules)
			}
			return out
		},
	}
}

// DefaultServiceAccountBound flags bindings that grant a role to a namespace's default
// service account (CIS EKS 4.1.5).
func DefaultServiceAccountBound() rule.Rule {
	return &rule.Cluster{
		M: rule.Meta{
			ID:    "rbac/default-service-account-bound",
			Title: "Role granted to a default service account",
			Description: "Every pod that names no service account runs as its namespace's default one, so a role bound " +
				"to it reaches all of them. Bind roles to a dedicated service account of the application.",
			Remediation: "Bind the role to the application's own service account:\n\n" +
				"  subjects:\n    - kind: ServiceAccount\n      name: web\n      namespace: shop",
			Severity:   finding.SeverityMedium,
			Category:   "RBAC",
			Tags:       []string{"cis", "rbac"},
			References: refs("4.1.5", "Use dedicated service accounts for each application"),
		},
		Inputs: []string{snapshot.KindRoleBinding, snapshot.KindClusterRoleBinding},
		Fn: func(_ context.Context, m *rule.Meta, s *snapshot.Snapshot) []finding.Finding {
			var out []finding.Finding
			for _, b := range s.Bindings() {
				if snapshot.Bootstrap(b.Object) {
					continue
				}
				for i, sub := range b.Subjects {
					if sub.Kind != rbacv1.ServiceAccountKind || sub.Name != "default" {
						continue
					}
					c := []string{snapshot.SubjectString(sub), b.Object.Kind + "/" + nsPrefix(b.Object.Meta.Namespace) + b.Object.Meta.Name, b.RoleRef.String()}
					out = append(out, m.FailChain(b.Object, fmt.Sprintf("subjects[%d]", i), c,
						fmt.Sprintf("%s grants %s to the default service account of namespace %s", b.Object.Kind, b.RoleRef, sub.Namespace)))
				}
			}
			return out
		},
	}
}

// DefaultServiceAccountAutomount flags default service accounts that let pods mount their
// token (CIS EKS 4.1.5).
func DefaultServiceAccountAutomount() rule.Rule {
	return &rule.Cluster{
		M: rule.Meta{
			ID:    "rbac/default-service-account-automount",
			Title: "Default service account mounts its token",
			Description: "CIS asks that each namespace's default service account set automountServiceAccountToken: false, " +
				"so that pods which name no service account get no API token.",
			Remediation: "Set the field on the default service account of every namespace:\n\n" +
				"  kubectl patch serviceaccount default -n NS -p '{\"automountServiceAccountToken\": false}'",
			Severity:   finding.SeverityLow,
			Category:   "RBAC",
			Tags:       []string{"cis", "rbac"},
			References: refs("4.1.5", "Disable auto-mounting of service account tokens"),
		},
		Inputs: []string{snapshot.KindServiceAccount},
		Fn: func(_ context.Context, m *rule.Meta, s *snapshot.Snapshot) []finding.Finding {
			var out []finding.Finding
			for _, sa := range s.ServiceAccounts() {
				if sa.Meta.Name != "default" {
					continue
				}
				if a := sa.Obj.AutomountServiceAccountToken; a != nil && !*a {
					continue
				}
				out = append(out, m.Failf(&sa.Object, "automountServiceAccountToken",
					"the default service account of namespace %s does not set automountServiceAccountToken: false", sa.Namespace))
			}
			return out
		},
	}
}

// MissingRole flags bindings to a role the input does not hold.
func MissingRole() rule.Rule {
	return &rule.Cluster{
		M: rule.Meta{
			ID:    "rbac/missing-role",
			Title: "Binding refers to a role that does not exist",
			Description: "A binding to a missing Role or ClusterRole grants nothing today, but whoever later creates a role " +
				"of that name gives its subjects its rules, and eksguard could not evaluate what it grants. Kubernetes' default " +
				"ClusterRoles (cluster-admin, admin, edit, view, system:...) and EKS's (eks:...) are assumed to exist.",
			Remediation: "Delete the binding, or create the role it names:\n\n  kubectl delete rolebinding NAME -n NS",
			Severity:    finding.SeverityLow,
			Category:    "RBAC",
			Tags:        []string{"rbac"},
			References:  []ref.Ref{ref.Link("https://kubernetes.io/docs/reference/access-authn-authz/rbac/#rolebinding-and-clusterrolebinding", "Kubernetes RBAC: RoleBinding and ClusterRoleBinding")},
		},
		Inputs: bindingInputs,
		Fn: func(_ context.Context, m *rule.Meta, s *snapshot.Snapshot) []finding.Finding {
			var out []finding.Finding
			for _, b := range s.Bindings() {
				if _, found := s.SourcesOf(b.RoleRef); found {
					continue
				}
				if b.RoleRef.Kind == "ClusterRole" && builtinClusterRole(b.RoleRef.Name) {
					continue
				}
				if b.RoleRef.Kind != "Role" && b.RoleRef.Kind != "ClusterRole" {
					out = append(out, m.Failf(b.Object, "roleRef.kind", "%s %s refers to a role of kind %q, which RBAC does not know", b.Object.Kind, b.Object.Meta.Name, b.RoleRef.Kind))
					continue
				}
				out = append(out, m.Failf(b.Object, "roleRef.name", "%s %s refers to %s, which is not in the input: what it grants was not evaluated",
					b.Object.Kind, b.Object.Meta.Name, b.RoleRef))
			}
			return out
		},
	}
}

func builtinClusterRole(name string) bool {
	switch name {
	case "cluster-admin", "admin", "edit", "view":
		return true
	}
	return strings.HasPrefix(name, "system:") || strings.HasPrefix(name, "eks:")
}

// AnonymousBinding flags bindings that grant a role to unauthenticated requests.
func AnonymousBinding() rule.Rule {
	return &rule.Cluster{
		M: rule.Meta{
			ID:    "rbac/anonymous-binding",
			Title: "Role granted to anonymous users",
			Description: "A binding to the user system:anonymous or the group system:unauthenticated grants its role to " +
				"every request that carries no credentials, from anywhere that reaches the API endpoint. Kubernetes' own " +
				"bindings (system:public-info-viewer) are not flagged.",
			Remediation: "Delete the binding, or name authenticated subjects:\n\n  kubectl delete clusterrolebinding NAME",
			Severity:    finding.SeverityCritical,
			Category:    "RBAC",
			Tags:        []string{"rbac"},
			References:  []ref.Ref{ref.Guide(guideIAM, "Review and revoke unnecessary anonymous access"), ref.Weakness(306)},
		},
		Inputs: []string{snapshot.KindRoleBinding, snapshot.KindClusterRoleBinding},
		Fn: func(_ context.Context, m *rule.Meta, s *snapshot.Snapshot) []finding.Finding {
			var out []finding.Finding
			for _, b := range s.Bindings() {
				if snapshot.Bootstrap(b.Object) {
					continue
				}
				for i, sub := range b.Subjects {
					anon := (sub.Kind == rbacv1.UserKind && sub.Name == "system:anonymous") || (sub.Kind == rbacv1.GroupKind && sub.Name == "system:unauthenticated")
					if !anon {
						continue
					}
					c := []string{snapshot.SubjectString(sub), b.Object.Kind + "/" + nsPrefix(b.Object.Meta.Namespace) + b.Object.Meta.Name, b.RoleRef.String()}
					out = append(out, m.FailChain(b.Object, fmt.Sprintf("subjects[%d]", i), c,
						fmt.Sprintf("%s grants %s to %s: any unauthenticated request", b.Object.Kind, b.RoleRef, snapshot.SubjectString(sub))))
				}
			}
			return out
		},
	}
}
