package rbac

import (
	"context"
	"fmt"

	rbacv1 "k8s.io/api/rbac/v1"

	"github.com/eksguard/eksguard/pkg/finding"
	"github.com/eksguard/eksguard/pkg/rule"
	"github.com/eksguard/eksguard/pkg/snapshot"
)

// ClusterAdmin flags bindings of the cluster-admin ClusterRole (CIS EKS 4.1.1).
func ClusterAdmin() rule.Rule {
	return &rule.Cluster{
		M: rule.Meta{
			ID:    "rbac/cluster-admin-binding",
			Title: "cluster-admin bound to a user, group or service account",
			Description: "The cluster-admin ClusterRole grants every verb on every resource. A binding of it to anything " +
				"but the system:masters and system:nodes groups (which Kubernetes and EKS bind themselves) gives that subject " +
				"full control of the cluster. Grant narrower roles instead.",
			Remediation: "Delete the binding and grant a role with only the permissions the subject needs:\n\n" +
				"  kubectl delete clusterrolebinding NAME\n  kubectl create rolebinding NAME --role=ROLE --serviceaccount=NS:SA -n NS",
			Severity:   finding.SeverityHigh,
			Category:   "RBAC",
			Tags:       []string{"cis", "rbac"},
			References: refs("4.1.1", "Employ least privileged access when creating RoleBindings and ClusterRoleBindings"),
		},
		Inputs: []string{snapshot.KindRoleBinding, snapshot.KindClusterRoleBinding},
		Fn: func(_ context.Context, m *rule.Meta, s *snapshot.Snapshot) []finding.Finding {
			var out []finding.Finding
			for _, b := range s.Bindings() {
				if b.RoleRef.Kind != "ClusterRole" || b.RoleRef.Name != "cluster-admin" {
					continue
				}
				for i, sub := range b.Subjects {
					if sub.Kind == rbacv1.GroupKind && (sub.Name == "system:masters" || sub.Name == "system:nodes") {
						continue
					}
					scope := "cluster-wide"
					if b.Namespace != "" {
						scope = "in namespace " + b.Namespace
					}
					msg := fmt.Sprintf("%s is granted cluster-admin %s by %s %s", snapshot.SubjectString(sub), scope, b.Object.Kind, b.Object.Meta.Name)
					c := []string{snapshot.SubjectString(sub), b.Object.Kind + "/" + nsPrefix(b.Object.Meta.Namespace) + b.Object.Meta.Name, b.RoleRef.String(), "all verbs on all resources"}
					out = append(out, m.FailChain(b.Object, fmt.Sprintf("subjects[%d]", i), c, msg))
				}
			}
			return out
		},
	}
}
