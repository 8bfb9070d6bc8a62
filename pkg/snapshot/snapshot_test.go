package snapshot_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/eksguard/eksguard/pkg/engine"
	"github.com/eksguard/eksguard/pkg/finding"
	"github.com/eksguard/eksguard/pkg/ref"
	"github.com/eksguard/eksguard/pkg/rule"
	"github.com/eksguard/eksguard/pkg/snapshot"
	"github.com/eksguard/eksguard/pkg/target"
)

func om(ns, name string, labels map[string]string) metav1.ObjectMeta {
	return metav1.ObjectMeta{Namespace: ns, Name: name, Labels: labels}
}

func TestIndexes(t *testing.T) {
	s := snapshot.New()
	f := false
	s.Add(&corev1.Namespace{ObjectMeta: om("", "shop", map[string]string{"team": "a"})}, target.Origin{File: "ns.yaml"})
	s.Add(&corev1.ServiceAccount{ObjectMeta: om("shop", "web", nil), AutomountServiceAccountToken: &f}, target.Origin{})
	s.Add(&corev1.Pod{ObjectMeta: om("", "loose", map[string]string{"app": "x"}), Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: 80}}}}}}, target.Origin{})
	s.Add(&corev1.Pod{ObjectMeta: om("shop", "web-1", map[string]string{"app": "web"}), Spec: corev1.PodSpec{ServiceAccountName: "web", HostNetwork: true}}, target.Origin{})
	s.Add(&corev1.ConfigMap{ObjectMeta: om("shop", "aws-auth", nil)}, target.Origin{}) // not the real one: ignored
	s.Add(&corev1.ConfigMap{ObjectMeta: om("kube-system", "aws-auth", nil)}, target.Origin{})
	u := &unstructured.Unstructured{}
	u.SetAPIVersion("vpcresources.k8s.aws/v1beta1")
	u.SetKind("SecurityGroupPolicy")
	u.SetNamespace("shop")
	u.SetName("sgp")
	s.Add(u, target.Origin{})
	other := &unstructured.Unstructured{}
	other.SetAPIVersion("example.com/v1")
	other.SetKind("Thing")
	s.Add(other, target.Origin{})                                            // not indexed
	s.Add(&corev1.Secret{ObjectMeta: om("shop", "s", nil)}, target.Origin{}) // not indexed

	if got := s.NamespaceNames(); strings.Join(got, ",") != "default,kube-system,shop" {
		t.Errorf("namespaces %v", got)
	}
	if s.NamespaceLabels("shop")["team"] != "a" || s.Namespace("nope") != nil {
		t.Error("namespace labels")
	}
	if p := s.PodsIn("default"); len(p) != 1 || p[0].ServiceAccount != "default" || p[0].ServiceAccountSet || len(p[0].Ports) != 1 {
		t.Errorf("pods in default: %+v", p)
	}
	if p := s.PodsIn("shop"); len(p) != 1 || !p[0].HostNetwork || p[0].ServiceAccount != "web" || p[0].Spath("hostNetwork") != "spec.hostNetwork" {
		t.Errorf("pods in shop: %+v", p)
	}
	if sa := s.ServiceAccount("shop", "web"); sa == nil || *sa.Obj.AutomountServiceAccountToken {
		t.Error("service account")
	}
	if len(s.AWSAuth()) != 1 || len(s.SecurityGroupPolicies()) != 1 || s.Count(snapshot.KindWorkload) != 2 || s.Count(snapshot.KindPod) != 2 {
		t.Errorf("aws-auth %d, SGP %d, workloads %d", len(s.AWSAuth()), len(s.SecurityGroupPolicies()), s.Count(snapshot.KindWorkload))
	}
	// Adding after reading re-indexes.
	s.Add(&corev1.ServiceAccount{ObjectMeta: om("billing", "api", nil)}, target.Origin{})
	if s.ServiceAccount("billing", "api") == nil || len(s.NamespaceNames()) != 4 {
		t.Error("re-index after add")
	}
}

func TestAggregationAndBindings(t *testing.T) {
	s := snapshot.New()
	sel := map[string]string{"agg": "true"}
	s.Add(&rbacv1.ClusterRole{ObjectMeta: om("", "top", nil), AggregationRule: &rbacv1.AggregationRule{ClusterRoleSelectors: []metav1.LabelSelector{{MatchLabels: sel}}}}, target.Origin{})
	s.Add(&rbacv1.ClusterRole{ObjectMeta: om("", "mid", sel), AggregationRule: &rbacv1.AggregationRule{ClusterRoleSelectors: []metav1.LabelSelector{{MatchLabels: map[string]string{"leaf": "true"}}}}}, target.Origin{})
	s.Add(&rbacv1.ClusterRole{ObjectMeta: om("", "leaf", map[string]string{"leaf": "true", "agg": "true"}), Rules: []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"secrets"}, Verbs: []string{"get"}}}}, target.Origin{})
	// A cycle: top selects loop, loop selects top.
	s.Add(&rbacv1.ClusterRole{ObjectMeta: om("", "loop", sel), AggregationRule: &rbacv1.AggregationRule{ClusterRoleSelectors: []metav1.LabelSelector{{MatchLabels: map[string]string{"none": "x"}}}}}, target.Origin{})
	s.Add(&rbacv1.RoleBinding{ObjectMeta: om("shop", "b", nil), RoleRef: rbacv1.RoleRef{Kind: "ClusterRole", Name: "top"}, Subjects: []rbacv1.Subject{{Kind: "User", Name: "u"}}}, target.Origin{})
	grants, found := s.RulesOf(snapshot.RoleRef{Kind: "ClusterRole", Name: "top"})
	// leaf is reached directly and through mid: its rules count once, as the aggregation
	// controller keeps each rule once.
	if !found || len(grants) != 1 {
		t.Fatalf("top: found %v, %d grants", found, len(grants))
	}
	for _, g := range grants {
		if g.Role.Meta.Name != "leaf" || g.Path != "rules[0]" || g.Via == "" {
			t.Errorf("grant %+v via %q", g.Role.Meta, g.Via)
		}
	}
	if _, found := s.RulesOf(snapshot.RoleRef{Kind: "Role", Namespace: "shop", Name: "nope"}); found {
		t.Error("missing role found")
	}
	if b := s.BindingsTo(snapshot.RoleRef{Kind: "ClusterRole", Name: "top"}); len(b) != 1 || b[0].Namespace != "shop" {
		t.Errorf("bindings to top: %+v", b)
	}
	r := rbacv1.PolicyRule{APIGroups: []string{""}, Resources: []string{"*/proxy"}, Verbs: []string{"*"}}
	if !snapshot.Allows(&r, "", "nodes/proxy", "get") || snapshot.Allows(&r, "", "nodes", "get") || snapshot.Allows(&r, "apps", "nodes/proxy", "get") {
		t.Error("Allows")
	}
}

// A rule that reads a skipped kind reports an error naming it, never a pass.
func TestSkippedKindIsAnError(t *testing.T) {
	r := &rule.Cluster{
		M:      rule.Meta{ID: "test/x", Title: "x", Description: "x", Remediation: "x", Severity: finding.SeverityLow, Category: "x", References: []ref.Ref{ref.CIS("4.1.1")}},
		Inputs: []string{snapshot.KindRoleBinding},
		Fn:     func(context.Context, *rule.Meta, *snapshot.Snapshot) []finding.Finding { return nil },
	}
	s := snapshot.New()
	s.Skip(snapshot.KindRoleBinding, "forbidden: cannot list rolebindings")
	fs := engine.New([]rule.Rule{r}, rule.DefaultSettings(), nil).Check(context.Background(), s)
	if len(fs) != 1 || fs[0].Status != finding.StatusError || !strings.Contains(fs[0].Message, "forbidden") {
		t.Fatalf("got %+v", fs)
	}
}

// Managed fields and kubectl's last-applied copy are not kept; other annotations are.
func TestSlim(t *testing.T) {
	s := snapshot.New()
	ann := map[string]string{"kubectl.kubernetes.io/last-applied-configuration": "{...}", "eks.amazonaws.com/role-arn": "arn"}
	m := om("shop", "web", nil)
	m.Annotations = ann
	m.ManagedFields = []metav1.ManagedFieldsEntry{{Manager: "kubectl"}}
	s.Add(&corev1.ServiceAccount{ObjectMeta: m}, target.Origin{})
	sa := s.ServiceAccount("shop", "web")
	if sa.Obj.ManagedFields != nil || len(sa.Obj.Annotations) != 1 || len(sa.Meta.Annotations) != 1 || sa.Meta.Annotations["eks.amazonaws.com/role-arn"] != "arn" {
		t.Errorf("kept %+v / %+v", sa.Obj.ObjectMeta, sa.Meta.Annotations)
	}
}

// A kind a rule reads besides its own makes it an error too when skipped.
func TestSkippedAlsoKind(t *testing.T) {
	r := &rule.Cluster{
		M:      rule.Meta{ID: "test/y", Title: "y", Description: "y", Remediation: "y", Severity: finding.SeverityLow, Category: "y", References: []ref.Ref{ref.CIS("4.1.6")}},
		Inputs: []string{snapshot.KindWorkload},
		Also:   []string{snapshot.KindServiceAccount},
		Fn:     func(context.Context, *rule.Meta, *snapshot.Snapshot) []finding.Finding { return nil },
	}
	s := snapshot.New()
	s.Skip(snapshot.KindServiceAccount, "forbidden")
	fs := engine.New([]rule.Rule{r}, rule.DefaultSettings(), nil).Check(context.Background(), s)
	if len(fs) != 1 || fs[0].Status != finding.StatusError || !strings.Contains(fs[0].Message, "ServiceAccount (forbidden)") {
		t.Fatalf("got %+v", fs)
	}
	if got := r.InputKinds(); len(got) != 1 || got[0] != snapshot.KindWorkload {
		t.Errorf("input kinds %v", got)
	}
}

// Sources add concurrently; the order rules see does not depend on the order of adding.
func TestConcurrentAddIsOrdered(t *testing.T) {
	build := func(reverse bool) []string {
		s := snapshot.New()
		done := make(chan struct{})
		for w := 0; w < 4; w++ {
			go func(w int) {
				defer func() { done <- struct{}{} }()
				for i := 0; i < 50; i++ {
					n := w*50 + i
					if reverse {
						n = 199 - n
					}
					s.Add(&corev1.ServiceAccount{ObjectMeta: om("ns", fmt.Sprintf("sa-%03d", n), nil)}, target.Origin{File: fmt.Sprintf("f%03d.yaml", n)})
				}
			}(w)
		}
		for w := 0; w < 4; w++ {
			<-done
		}
		var out []string
		for _, sa := range s.ServiceAccounts() {
			out = append(out, sa.Meta.Name)
		}
		return out
	}
	a, b := build(false), build(true)
	if strings.Join(a, ",") != strings.Join(b, ",") || len(a) != 200 || a[0] != "sa-000" {
		t.Errorf("order differs: %v... vs %v...", a[:3], b[:3])
	}
}
