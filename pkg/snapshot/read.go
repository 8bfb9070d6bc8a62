package snapshot

import (
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// The read methods return the snapshot's own slices and maps in a stable order (by file,
// document, kind, namespace, name): rules must not change them.

// Namespaces returns the Namespace objects.
func (s *Snapshot) Namespaces() []*Item[*corev1.Namespace] { s.ready(); return s.namespaces }

// Namespace returns the Namespace object named name, nil when the input holds none.
func (s *Snapshot) Namespace(name string) *Item[*corev1.Namespace] {
	s.ready()
	return s.nsByName[name]
}

// NamespaceNames lists every namespace the snapshot knows of: declared by a Namespace
// object or holding an object, sorted.
func (s *Snapshot) NamespaceNames() []string { s.ready(); return s.namespaceList }

// NamespaceLabels returns the labels of the Namespace object name, nil when not in the input.
func (s *Snapshot) NamespaceLabels(name string) map[string]string {
	if n := s.Namespace(name); n != nil {
		return n.Meta.Labels
	}
	return nil
}

// Pods returns every pod and workload pod template.
func (s *Snapshot) Pods() []*Pod { s.ready(); return s.pods }

// Represented reports whether a pod or workload is represented by its controller: it has
// one and the snapshot holds it (a live cluster's Pods of a Deployment's ReplicaSet are
// represented by the ReplicaSet, which is by the Deployment). Rules that judge the pod
// spec report the top-level workload only.
func (s *Snapshot) Represented(p *Pod) bool {
	s.ready()
	return p.Meta.Controller != "" && s.workloadKeys[nsName{p.Namespace, p.Meta.Controller}]
}

// PodsIn returns the pods and pod templates of namespace ns.
func (s *Snapshot) PodsIn(ns string) []*Pod { s.ready(); return s.podsByNS[ns] }

// ServiceAccounts returns the ServiceAccount objects.
func (s *Snapshot) ServiceAccounts() []*Item[*corev1.ServiceAccount] {
	s.ready()
	return s.serviceAccounts
}

// ServiceAccount returns the ServiceAccount ns/name, nil when the input holds none.
func (s *Snapshot) ServiceAccount(ns, name string) *Item[*corev1.ServiceAccount] {
	s.ready()
	return s.saByKey[nsName{ns, name}]
}

// Roles returns the Role objects.
func (s *Snapshot) Roles() []*Item[*rbacv1.Role] { s.ready(); return s.roles }

// Role returns the Role ns/name, nil when the input holds none.
func (s *Snapshot) Role(ns, name string) *Item[*rbacv1.Role] {
	s.ready()
	return s.roleByKey[nsName{ns, name}]
}

// ClusterRoles returns the ClusterRole objects.
func (s *Snapshot) ClusterRoles() []*Item[*rbacv1.ClusterRole] { s.ready(); return s.clusterRoles }

// ClusterRole returns the ClusterRole name, nil when the input holds none.
func (s *Snapshot) ClusterRole(name string) *Item[*rbacv1.ClusterRole] {
	s.ready()
	return s.crByName[name]
}

// RoleBindings returns the RoleBinding objects.
func (s *Snapshot) RoleBindings() []*Item[*rbacv1.RoleBinding] { s.ready(); return s.roleBindings }

// RoleBindingsIn returns the RoleBindings of namespace ns.
func (s *Snapshot) RoleBindingsIn(ns string) []*Item[*rbacv1.RoleBinding] {
	s.ready()
	return s.rbByNS[ns]
}

// ClusterRoleBindings returns the ClusterRoleBinding objects.
func (s *Snapshot) ClusterRoleBindings() []*Item[*rbacv1.ClusterRoleBinding] {
	s.ready()
	return s.clusterRoleBindings
}

// NetworkPolicies returns every NetworkPolicy.
func (s *Snapshot) NetworkPolicies() []*Item[*networkingv1.NetworkPolicy] {
	s.ready()
	return s.networkPolicies
}

// NetworkPoliciesIn returns the NetworkPolicies of namespace ns.
func (s *Snapshot) NetworkPoliciesIn(ns string) []*Item[*networkingv1.NetworkPolicy] {
	s.ready()
	return s.npByNS[ns]
}

// Services returns every Service.
func (s *Snapshot) Services() []*Item[*corev1.Service] { s.ready(); return s.services }

// ServicesIn returns the Services of namespace ns.
func (s *Snapshot) ServicesIn(ns string) []*Item[*corev1.Service] { s.ready(); return s.svcByNS[ns] }

// Ingresses returns every Ingress.
func (s *Snapshot) Ingresses() []*Item[*networkingv1.Ingress] { s.ready(); return s.ingresses }

// IngressesIn returns the Ingresses of namespace ns.
func (s *Snapshot) IngressesIn(ns string) []*Item[*networkingv1.Ingress] {
	s.ready()
	return s.ingByNS[ns]
}

// AWSAuth returns the kube-system/aws-auth ConfigMaps (one in a cluster; a manifest set
// may hold several versions).
func (s *Snapshot) AWSAuth() []*Item[*corev1.ConfigMap] { s.ready(); return s.awsAuth }

// SecurityGroupPolicies returns the vpcresources.k8s.aws SecurityGroupPolicy objects.
func (s *Snapshot) SecurityGroupPolicies() []*Item[*unstructured.Unstructured] {
	s.ready()
	return s.custom[KindSecurityGroupPolicy]
}

// PeerAuthentications returns the security.istio.io PeerAuthentication objects.
func (s *Snapshot) PeerAuthentications() []*Item[*unstructured.Unstructured] {
	s.ready()
	return s.custom[KindPeerAuthentication]
}
