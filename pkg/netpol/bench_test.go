package netpol

import (
	"fmt"
	"testing"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// synthetic builds ns namespaces, each with apps workloads of podsPerApp replicas and
// policies: a default deny, DNS egress, and per app an ingress rule from the previous app
// on its named port and egress to the namespace's pods.
func synthetic(ns, apps, podsPerApp int) (*Set, []*Pod) {
	var nps []*networkingv1.NetworkPolicy
	var pods []*Pod
	udp := corev1.ProtocolUDP
	for n := range ns {
		name := fmt.Sprintf("ns-%d", n)
		nps = append(nps, &networkingv1.NetworkPolicy{
			ObjectMeta: metav1.ObjectMeta{Name: "default-deny", Namespace: name},
			Spec:       networkingv1.NetworkPolicySpec{PolicyTypes: []networkingv1.PolicyType{"Ingress", "Egress"}},
		}, &networkingv1.NetworkPolicy{
			ObjectMeta: metav1.ObjectMeta{Name: "dns", Namespace: name},
			Spec: networkingv1.NetworkPolicySpec{
				PolicyTypes: []networkingv1.PolicyType{"Egress"},
				Egress: []networkingv1.NetworkPolicyEgressRule{{
					To:    []networkingv1.NetworkPolicyPeer{{NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{NameLabel: "kube-system"}}}},
					Ports: []networkingv1.NetworkPolicyPort{{Protocol: &udp, Port: &intstr.IntOrString{IntVal: 53}}},
				}},
			},
		})
		for a := range apps {
			app := fmt.Sprintf("app-%d", a)
			nps = append(nps, &networkingv1.NetworkPolicy{
				ObjectMeta: metav1.ObjectMeta{Name: app, Namespace: name},
				Spec: networkingv1.NetworkPolicySpec{
					PodSelector: metav1.LabelSelector{MatchLabels: map[string]string{"app": app}},
					Ingress: []networkingv1.NetworkPolicyIngressRule{{
						From:  []networkingv1.NetworkPolicyPeer{{PodSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": fmt.Sprintf("app-%d", (a+apps-1)%apps)}}}},
						Ports: []networkingv1.NetworkPolicyPort{{Port: &intstr.IntOrString{Type: intstr.String, StrVal: "http"}}},
					}},
					Egress: []networkingv1.NetworkPolicyEgressRule{{To: []networkingv1.NetworkPolicyPeer{{PodSelector: &metav1.LabelSelector{}}}}},
				},
			})
			for r := range podsPerApp {
				pods = append(pods, &Pod{Namespace: name, Name: fmt.Sprintf("Pod/%s-%d", app, r), Labels: map[string]string{"app": app, "tier": "web"},
					Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: 8080}}})
			}
		}
	}
	set, errs := NewSet(nps)
	if len(errs) > 0 {
		panic(errs[0])
	}
	return set, pods
}

// BenchmarkView: 50 namespaces x 10 apps x 20 replicas = 10,000 pods, 500 groups,
// 600 policies.
func BenchmarkView(b *testing.B) {
	set, pods := synthetic(50, 10, 20)
	b.ReportAllocs()
	for b.Loop() {
		v := BuildView(set, pods, nil)
		n := 0
		v.EachConnection(func(Connection) bool { n++; return true })
		if len(v.Groups) != 500 || n != 500 {
			b.Fatal(len(v.Groups), n)
		}
	}
}
