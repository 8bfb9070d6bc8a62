package rbac

import (
	"context"
	"fmt"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/eksguard/eksguard/pkg/engine"
	"github.com/eksguard/eksguard/pkg/rule"
	"github.com/eksguard/eksguard/pkg/snapshot"
	"github.com/eksguard/eksguard/pkg/target"
)

// A role with thousands of rules bound by many bindings yields one finding per subject and
// binding, not one per rule, and aggregation over many ClusterRoles resolves each once.
func TestManyRulesAndBindings(t *testing.T) {
	s := snapshot.New()
	var rules []rbacv1.PolicyRule
	for i := 0; i < 5000; i++ {
		rules = append(rules, rbacv1.PolicyRule{APIGroups: []string{""}, Resources: []string{"secrets", fmt.Sprintf("r%d", i)}, Verbs: []string{"get", "*"}})
	}
	s.Add(&rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: "big", Labels: map[string]string{"agg": "x"}}, Rules: rules}, target.Origin{})
	sel := []metav1.LabelSelector{{MatchLabels: map[string]string{"agg": "x"}}}
	for i := 0; i < 200; i++ {
		s.Add(&rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("agg-%d", i), Labels: map[string]string{"agg": "x"}}, AggregationRule: &rbacv1.AggregationRule{ClusterRoleSelectors: sel}}, target.Origin{})
	}
	for i := 0; i < 1000; i++ {
		s.Add(&rbacv1.ClusterRoleBinding{
			ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("b%d", i)},
			Subjects:   []rbacv1.Subject{{Kind: "User", Name: fmt.Sprintf("u%d", i)}},
			RoleRef:    rbacv1.RoleRef{Kind: "ClusterRole", Name: fmt.Sprintf("agg-%d", i%200)},
		}, target.Origin{})
	}
	e := engine.New([]rule.Rule{SecretsAccess(), CreatePods()}, rule.DefaultSettings(), nil)
	fs := e.Check(context.Background(), s)
	secrets := 0
	for _, f := range fs {
		if f.RuleID == "rbac/secrets-access" {
			secrets++
		}
	}
	if secrets != 1000 {
		t.Errorf("%d secrets findings, want 1000 (one per binding's subject)", secrets)
	}
}
