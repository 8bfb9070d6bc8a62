package snapshot_test

import (
	"reflect"
	"testing"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"

	"github.com/eksguard/eksguard/pkg/snapshot"
	"github.com/eksguard/eksguard/pkg/target"
)

func same(a, b any) bool {
	return reflect.ValueOf(a).UnsafePointer() == reflect.ValueOf(b).UnsafePointer()
}

// Objects that repeat label sets and RBAC rule lists share one copy; what rules read is
// unchanged.
func TestInterning(t *testing.T) {
	s := snapshot.New()
	for _, name := range []string{"a", "b"} {
		s.Add(&corev1.Pod{ObjectMeta: om("shop", name, map[string]string{"app": "web", "tier": "front"})}, target.Origin{})
		s.Add(&rbacv1.ClusterRole{ObjectMeta: om("", "reader-"+name, map[string]string{"team": "x"}),
			Rules: []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"pods"}, Verbs: []string{"get", "list"}}}}, target.Origin{})
	}
	s.Add(&corev1.Pod{ObjectMeta: om("shop", "c", map[string]string{"app": "api"})}, target.Origin{})
	pods := s.Pods()
	if len(pods) != 3 {
		t.Fatalf("%d pods", len(pods))
	}
	if !same(pods[0].Labels, pods[1].Labels) || same(pods[0].Labels, pods[2].Labels) {
		t.Errorf("label sets: equal ones not shared or different ones shared")
	}
	if pods[2].Labels["app"] != "api" || pods[0].Labels["tier"] != "front" {
		t.Errorf("labels changed: %v %v", pods[0].Labels, pods[2].Labels)
	}
	crs := s.ClusterRoles()
	if !same(crs[0].Obj.Rules[0].Verbs, crs[1].Obj.Rules[0].Verbs) {
		t.Errorf("equal verb lists not shared")
	}
	if !same(crs[0].Meta.Labels, crs[0].Obj.Labels) {
		t.Errorf("the item's and the typed object's labels are two maps")
	}
	if g, _ := s.RulesOf(snapshot.RoleRef{Kind: "ClusterRole", Name: "reader-b"}); len(g) != 1 || !snapshot.Allows(g[0].Rule, "", "pods", "list") {
		t.Errorf("grants of reader-b: %+v", g)
	}
}
