package snapshot

import (
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/eksguard/eksguard/pkg/target"
)

// Custom resource kinds the snapshot indexes, by API group and kind.
var customKinds = map[[2]string]string{
	{"vpcresources.k8s.aws", "SecurityGroupPolicy"}: KindSecurityGroupPolicy,
	{"security.istio.io", "PeerAuthentication"}:     KindPeerAuthentication,
}

// AWSAuthNamespace and AWSAuthName locate the ConfigMap that maps IAM identities to
// Kubernetes users and groups on EKS.
const (
	AWSAuthNamespace = "kube-system"
	AWSAuthName      = "aws-auth"
)

// Indexed reports whether the snapshot indexes objects of apiVersion/kind named name in
// namespace ns: sources decode only those in full. Workload kinds are not listed here
// (sources hand them over as workload targets).
func Indexed(apiVersion, kind, ns, name string) bool {
	group, _, ok := cutGroup(apiVersion)
	if !ok {
		group = ""
	}
	switch kind {
	case "ServiceAccount", "Namespace", "Service":
		return group == ""
	case "ConfigMap":
		return group == "" && ns == AWSAuthNamespace && name == AWSAuthName
	case "Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding":
		return group == rbacv1.GroupName
	case "NetworkPolicy", "Ingress":
		return group == networkingv1.GroupName
	}
	_, ok = customKinds[[2]string{group, kind}]
	return ok
}

func cutGroup(apiVersion string) (group, version string, ok bool) {
	for i := 0; i < len(apiVersion); i++ {
		if apiVersion[i] == '/' {
			return apiVersion[:i], apiVersion[i+1:], true
		}
	}
	return "", apiVersion, false
}

// AddTarget adds what a source's target carries: the pod facts of a workload, or the
// decoded object (target.Object.Typed) of an indexed kind. Other targets are ignored.
func (s *Snapshot) AddTarget(t target.Target) {
	switch o := t.(type) {
	case *target.Workload:
		s.addWorkload(o)
	case *target.Object:
		if o.Typed != nil {
			s.add(o.Typed, *o)
		}
	}
}

// Add indexes a typed object (k8s.io/api types, or *unstructured.Unstructured for the CRD
// kinds SecurityGroupPolicy and PeerAuthentication) read from origin. Kinds the snapshot
// does not index are ignored.
func (s *Snapshot) Add(obj runtime.Object, origin target.Origin) {
	if w, ok := target.WorkloadOf(obj, origin); ok {
		s.addWorkload(w)
		return
	}
	apiVersion, kind := typeOf(obj)
	if kind == "" {
		return
	}
	m, ok := obj.(metav1.Object)
	if !ok {
		return
	}
	s.add(obj, target.Object{
		APIVersion: apiVersion, Kind: kind,
		Meta:   target.Meta{Name: m.GetName(), Namespace: m.GetNamespace(), Labels: m.GetLabels(), Annotations: m.GetAnnotations()},
		Origin: origin,
	})
}

// typeOf names the API version and kind of a typed object: typed objects read from the
// API often carry no TypeMeta.
func typeOf(obj runtime.Object) (apiVersion, kind string) {
	switch o := obj.(type) {
	case *corev1.ServiceAccount:
		return "v1", "ServiceAccount"
	case *corev1.Namespace:
		return "v1", "Namespace"
	case *corev1.Service:
		return "v1", "Service"
	case *corev1.ConfigMap:
		return "v1", "ConfigMap"
	case *rbacv1.Role:
		return "rbac.authorization.k8s.io/v1", "Role"
	case *rbacv1.ClusterRole:
		return "rbac.authorization.k8s.io/v1", "ClusterRole"
	case *rbacv1.RoleBinding:
		return "rbac.authorization.k8s.io/v1", "RoleBinding"
	case *rbacv1.ClusterRoleBinding:
		return "rbac.authorization.k8s.io/v1", "ClusterRoleBinding"
	case *networkingv1.NetworkPolicy:
		return "networking.k8s.io/v1", "NetworkPolicy"
	case *networkingv1.Ingress:
		return "networking.k8s.io/v1", "Ingress"
	case *unstructured.Unstructured:
		return o.GetAPIVersion(), o.GetKind()
	}
	return "", ""
}

// namespaceOf is the namespace a namespaced object lives in.
func namespaceOf(ns string) string {
	if ns == "" {
		return "default"
	}
	return ns
}

// lastApplied is the annotation kubectl apply keeps a whole copy of the object in.
const lastApplied = "kubectl.kubernetes.io/last-applied-configuration"

// slim drops what no rule reads and live objects carry in bulk: managed fields and
// kubectl's copy of the last applied object.
func slim(obj runtime.Object, o *target.Object) {
	if m, ok := obj.(metav1.Object); ok {
		m.SetManagedFields(nil)
		if a, ok := withoutLastApplied(m.GetAnnotations()); ok {
			m.SetAnnotations(a)
		}
	}
	o.Meta.Annotations, _ = withoutLastApplied(o.Meta.Annotations)
	// A typed object decoded from the same text as its target's metadata holds equal label
	// and annotation maps: keep one of each. (Unstructured objects build theirs on demand.)
	if m, ok := obj.(metav1.Object); ok {
		if _, u := obj.(*unstructured.Unstructured); !u {
			o.Meta.Labels, o.Meta.Annotations = m.GetLabels(), m.GetAnnotations()
		}
	}
}

// withoutLastApplied returns a copy of annotations a without kubectl's last applied
// object, and true; or a itself, and false, when it holds none.
func withoutLastApplied(a map[string]string) (map[string]string, bool) {
	if _, ok := a[lastApplied]; !ok {
		return a, false
	}
	c := make(map[string]string, len(a)-1)
	for k, v := range a {
		if k != lastApplied {
			c[k] = v
		}
	}
	return c, true
}

func (s *Snapshot) add(obj runtime.Object, o target.Object) {
	slim(obj, &o)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sorted = false
	o.Typed = nil // the item holds the typed object once
	s.internObject(&o)
	if m, ok := obj.(metav1.Object); ok {
		if _, u := obj.(*unstructured.Unstructured); !u {
			m.SetLabels(o.Meta.Labels)
			m.SetAnnotations(o.Meta.Annotations)
		}
	}
	ns := s.intern.str(namespaceOf(o.Meta.Namespace))
	switch x := obj.(type) {
	case *corev1.ServiceAccount:
		s.serviceAccounts = append(s.serviceAccounts, &Item[*corev1.ServiceAccount]{Object: o, Obj: x, Namespace: ns})
		s.counts[KindServiceAccount]++
	case *corev1.Namespace:
		s.namespaces = append(s.namespaces, &Item[*corev1.Namespace]{Object: o, Obj: x})
		s.counts[KindNamespace]++
	case *corev1.Service:
		s.services = append(s.services, &Item[*corev1.Service]{Object: o, Obj: x, Namespace: ns})
		s.counts[KindService]++
	case *corev1.ConfigMap:
		if o.Meta.Namespace == AWSAuthNamespace && o.Meta.Name == AWSAuthName {
			s.awsAuth = append(s.awsAuth, &Item[*corev1.ConfigMap]{Object: o, Obj: x, Namespace: ns})
			s.counts[KindAWSAuth]++
		}
	case *rbacv1.Role:
		s.intern.rules(x.Rules)
		s.roles = append(s.roles, &Item[*rbacv1.Role]{Object: o, Obj: x, Namespace: ns})
		s.counts[KindRole]++
	case *rbacv1.ClusterRole:
		s.intern.rules(x.Rules)
		s.clusterRoles = append(s.clusterRoles, &Item[*rbacv1.ClusterRole]{Object: o, Obj: x})
		s.counts[KindClusterRole]++
	case *rbacv1.RoleBinding:
		s.intern.subjects(x.Subjects, &x.RoleRef)
		s.roleBindings = append(s.roleBindings, &Item[*rbacv1.RoleBinding]{Object: o, Obj: x, Namespace: ns})
		s.counts[KindRoleBinding]++
	case *rbacv1.ClusterRoleBinding:
		s.intern.subjects(x.Subjects, &x.RoleRef)
		s.clusterRoleBindings = append(s.clusterRoleBindings, &Item[*rbacv1.ClusterRoleBinding]{Object: o, Obj: x})
		s.counts[KindClusterRoleBinding]++
	case *networkingv1.NetworkPolicy:
		s.networkPolicies = append(s.networkPolicies, &Item[*networkingv1.NetworkPolicy]{Object: o, Obj: x, Namespace: ns})
		s.counts[KindNetworkPolicy]++
	case *networkingv1.Ingress:
		s.ingresses = append(s.ingresses, &Item[*networkingv1.Ingress]{Object: o, Obj: x, Namespace: ns})
		s.counts[KindIngress]++
	case *unstructured.Unstructured:
		group, _, _ := cutGroup(x.GetAPIVersion())
		kind, ok := customKinds[[2]string{group, x.GetKind()}]
		if !ok {
			return
		}
		s.custom[kind] = append(s.custom[kind], &Item[*unstructured.Unstructured]{Object: o, Obj: x, Namespace: ns})
		s.counts[kind]++
	}
}

func (s *Snapshot) addWorkload(w *target.Workload) {
	p := &Pod{
		Object:      w.Object,
		Namespace:   namespaceOf(w.Meta.Namespace),
		SpecPath:    w.SpecPath,
		PodMetaPath: w.PodMetaPath,
	}
	p.Object.Typed = nil
	p.Object.Duplicates = nil
	slim(nil, &p.Object)
	p.Controlled = w.Meta.Controller != ""
	if w.PodMeta != nil {
		p.Labels = w.PodMeta.Labels
		if w.Kind == "Pod" && target.ControllerOf(w.PodMeta.OwnerReferences) != "" {
			p.Controlled = true
		}
	}
	if sp := w.Spec; sp != nil {
		p.ServiceAccount = sp.ServiceAccountName
		if p.ServiceAccount == "" {
			p.ServiceAccount = sp.DeprecatedServiceAccount
		}
		p.ServiceAccountSet = p.ServiceAccount != ""
		if !p.ServiceAccountSet {
			p.ServiceAccount = "default"
		}
		p.AutomountToken = sp.AutomountServiceAccountToken
		p.HostNetwork = sp.HostNetwork
		for _, c := range w.Containers() {
			p.Ports = append(p.Ports, c.Ports...)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.internObject(&p.Object)
	p.Namespace = s.intern.str(p.Namespace)
	p.Labels = s.intern.labels(p.Labels)
	p.ServiceAccount = s.intern.str(p.ServiceAccount)
	for i := range p.Ports {
		p.Ports[i].Name = s.intern.str(p.Ports[i].Name)
		p.Ports[i].Protocol = corev1.Protocol(s.intern.str(string(p.Ports[i].Protocol)))
	}
	s.sorted = false
	s.pods = append(s.pods, p)
	s.counts[KindWorkload]++
	if w.Kind == "Pod" {
		s.counts[KindPod]++
	}
}

// internObject shares the object's names and label and annotation sets with the other
// objects of the snapshot that repeat them. The caller holds s.mu.
func (s *Snapshot) internObject(o *target.Object) {
	in := &s.intern
	o.APIVersion, o.Kind = in.str(o.APIVersion), in.str(o.Kind)
	o.Meta.Name, o.Meta.Namespace, o.Meta.Controller = in.str(o.Meta.Name), in.str(o.Meta.Namespace), in.str(o.Meta.Controller)
	o.Meta.Labels, o.Meta.Annotations = in.labels(o.Meta.Labels), in.labels(o.Meta.Annotations)
	o.Origin.Template = in.str(o.Origin.Template)
}
