// Package snapshot is the indexed view of a whole cluster (or of a set of manifests) that
// cluster-wide rules read: RBAC roles and bindings with their subjects, service accounts,
// namespaces and their labels, pods with their labels, network policies, services,
// ingresses, the aws-auth ConfigMap and a few CRD kinds. Sources add objects one by one
// (concurrently); rules read the indexes once every object is in.
//
// A snapshot keeps what rules read, not raw documents: typed objects for the kinds above,
// and for workloads only the pod-level facts (labels, service account, host network,
// ports). The snapshot is itself the target of cluster-wide rules (target.KindCluster).
package snapshot

import (
	"cmp"
	"slices"
	"sync"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/eksguard/eksguard/pkg/finding"
	"github.com/eksguard/eksguard/pkg/target"
)

// Kind names used by Skip, Count and rules' input lists. Workload kinds count under their
// own kind and under KindWorkload.
const (
	KindWorkload            = "Workload" // any object with a pod spec
	KindPod                 = "Pod"
	KindServiceAccount      = "ServiceAccount"
	KindRole                = "Role"
	KindClusterRole         = "ClusterRole"
	KindRoleBinding         = "RoleBinding"
	KindClusterRoleBinding  = "ClusterRoleBinding"
	KindNetworkPolicy       = "NetworkPolicy"
	KindService             = "Service"
	KindIngress             = "Ingress"
	KindNamespace           = "Namespace"
	KindAWSAuth             = "aws-auth" // the kube-system/aws-auth ConfigMap
	KindSecurityGroupPolicy = "SecurityGroupPolicy"
	KindPeerAuthentication  = "PeerAuthentication"
)

// Item is one indexed object: its decoded form and its target (type, metadata, origin),
// which findings about it are built from.
type Item[T any] struct {
	target.Object
	Obj T
	// Namespace is the namespace the object lives in, "default" for a namespaced object
	// that names none (kubectl puts it in the context's namespace); "" for cluster-scoped.
	Namespace string
}

// Pod is a pod or the pod template of a workload: the facts cluster-wide rules read.
type Pod struct {
	target.Object // the Pod or workload object (Deployment, CronJob, ...)
	Namespace     string
	// Labels are the pod's labels (the template's for a workload).
	Labels map[string]string
	// ServiceAccount is the effective service account name, "default" when unset.
	ServiceAccount string
	// ServiceAccountSet is false when the pod names no service account.
	ServiceAccountSet bool
	// AutomountToken is the pod spec's automountServiceAccountToken (nil when unset).
	AutomountToken *bool
	HostNetwork    bool
	// Controlled is set when the object has a controller owner (a Pod of a ReplicaSet, a
	// ReplicaSet of a Deployment, a Job of a CronJob); Meta.Controller names it.
	Controlled bool
	// Ports are the container ports of every container (for named ports).
	Ports []corev1.ContainerPort
	// SpecPath and PodMetaPath locate the pod spec and metadata in the object.
	SpecPath    string
	PodMetaPath string
}

// Spath is a path below the pod spec, for findings.
func (p *Pod) Spath(rel string) string { return target.Field(p.SpecPath, rel) }

// Snapshot is the indexed set of objects. Add and Skip are safe for concurrent use; the
// read methods are meant to be called once adding is done.
type Snapshot struct {
	// Name names the cluster or input in findings about the whole snapshot.
	Name string

	mu      sync.Mutex
	sorted  bool
	counts  map[string]int
	skipped map[string]string

	namespaces          []*Item[*corev1.Namespace]
	pods                []*Pod
	serviceAccounts     []*Item[*corev1.ServiceAccount]
	roles               []*Item[*rbacv1.Role]
	clusterRoles        []*Item[*rbacv1.ClusterRole]
	roleBindings        []*Item[*rbacv1.RoleBinding]
	clusterRoleBindings []*Item[*rbacv1.ClusterRoleBinding]
	networkPolicies     []*Item[*networkingv1.NetworkPolicy]
	services            []*Item[*corev1.Service]
	ingresses           []*Item[*networkingv1.Ingress]
	awsAuth             []*Item[*corev1.ConfigMap]
	custom              map[string][]*Item[*unstructured.Unstructured]

	// indexes, built on first read
	nsByName      map[string]*Item[*corev1.Namespace]
	podsByNS      map[string][]*Pod
	saByKey       map[nsName]*Item[*corev1.ServiceAccount]
	roleByKey     map[nsName]*Item[*rbacv1.Role]
	crByName      map[string]*Item[*rbacv1.ClusterRole]
	rbByNS        map[string][]*Item[*rbacv1.RoleBinding]
	npByNS        map[string][]*Item[*networkingv1.NetworkPolicy]
	svcByNS       map[string][]*Item[*corev1.Service]
	ingByNS       map[string][]*Item[*networkingv1.Ingress]
	bySubject     map[finding.Subject]*target.Object
	workloadKeys  map[nsName]bool // namespace and Kind/name of every workload
	bindingsTo    map[RoleRef][]Binding
	bindings      []Binding
	aggMemo       map[string][]Source
	namespaceList []string

	intern interner
}

type nsName struct{ ns, name string }

// New returns an empty snapshot.
func New() *Snapshot {
	return &Snapshot{counts: map[string]int{}, skipped: map[string]string{}, custom: map[string][]*Item[*unstructured.Unstructured]{}}
}

// TargetKind implements target.Target: the snapshot is the target of cluster-wide rules.
func (s *Snapshot) TargetKind() target.Kind { return target.KindCluster }

// Subject implements target.Target: findings about the whole input name the cluster.
func (s *Snapshot) Subject() finding.Subject {
	name := s.Name
	if name == "" {
		name = "input"
	}
	return finding.Subject{Kind: "Cluster", Name: name}
}

// Locate implements target.Target. The snapshot as a whole has no position.
func (s *Snapshot) Locate(path string) finding.Location { return finding.Location{Path: path} }

// TargetFor returns the object a finding is about, so that exemptions by label or
// annotation apply to findings of cluster-wide rules; nil when unknown.
func (s *Snapshot) TargetFor(f *finding.Finding) target.Target {
	s.ready()
	if o := s.bySubject[f.Subject]; o != nil {
		return o
	}
	return nil
}

// Skip records that a kind could not be read (RBAC denied, API error): rules that read it
// report an error with the reason instead of passing.
func (s *Snapshot) Skip(kind, reason string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if prev, ok := s.skipped[kind]; ok && prev != "" {
		return
	}
	s.skipped[kind] = reason
}

// Skipped returns the reason a kind could not be read.
func (s *Snapshot) Skipped(kind string) (reason string, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	reason, ok = s.skipped[kind]
	return reason, ok
}

// SkippedKinds returns every skipped kind with its reason.
func (s *Snapshot) SkippedKinds() map[string]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]string, len(s.skipped))
	for k, v := range s.skipped {
		out[k] = v
	}
	return out
}

// Count returns how many objects of a kind the snapshot holds.
func (s *Snapshot) Count(kind string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.counts[kind]
}

// ready sorts the lists into a stable order (sources add concurrently) and builds the
// indexes, once.
func (s *Snapshot) ready() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.sorted {
		return
	}
	s.sorted = true
	sortItems(s.namespaces)
	slices.SortStableFunc(s.pods, func(a, b *Pod) int { return cmpObject(&a.Object, &b.Object) })
	sortItems(s.serviceAccounts)
	sortItems(s.roles)
	sortItems(s.clusterRoles)
	sortItems(s.roleBindings)
	sortItems(s.clusterRoleBindings)
	sortItems(s.networkPolicies)
	sortItems(s.services)
	sortItems(s.ingresses)
	sortItems(s.awsAuth)
	for _, l := range s.custom {
		sortItems(l)
	}
	s.index()
}

func sortItems[T any](l []*Item[T]) {
	slices.SortStableFunc(l, func(a, b *Item[T]) int { return cmpObject(&a.Object, &b.Object) })
}

func cmpObject(a, b *target.Object) int {
	return cmp.Or(
		cmp.Compare(a.Origin.File, b.Origin.File),
		cmp.Compare(a.Origin.Document, b.Origin.Document),
		cmp.Compare(a.Kind, b.Kind),
		cmp.Compare(a.Meta.Namespace, b.Meta.Namespace),
		cmp.Compare(a.Meta.Name, b.Meta.Name),
	)
}

func (s *Snapshot) index() {
	s.nsByName = map[string]*Item[*corev1.Namespace]{}
	s.podsByNS = map[string][]*Pod{}
	s.saByKey = map[nsName]*Item[*corev1.ServiceAccount]{}
	s.roleByKey = map[nsName]*Item[*rbacv1.Role]{}
	s.crByName = map[string]*Item[*rbacv1.ClusterRole]{}
	s.rbByNS = map[string][]*Item[*rbacv1.RoleBinding]{}
	s.npByNS = map[string][]*Item[*networkingv1.NetworkPolicy]{}
	s.svcByNS = map[string][]*Item[*corev1.Service]{}
	s.ingByNS = map[string][]*Item[*networkingv1.Ingress]{}
	s.bySubject = map[finding.Subject]*target.Object{}
	s.bindingsTo = map[RoleRef][]Binding{}
	s.bindings = nil
	s.aggMemo = nil
	s.namespaceList = nil
	names := map[string]bool{}
	subj := func(o *target.Object) {
		if _, dup := s.bySubject[o.Subject()]; !dup {
			s.bySubject[o.Subject()] = o
		}
	}
	for _, n := range s.namespaces {
		if _, dup := s.nsByName[n.Meta.Name]; !dup {
			s.nsByName[n.Meta.Name] = n
		}
		names[n.Meta.Name] = true
		subj(&n.Object)
	}
	s.workloadKeys = map[nsName]bool{}
	for _, p := range s.pods {
		s.workloadKeys[nsName{p.Namespace, p.Kind + "/" + p.Meta.Name}] = true
	}
	for _, p := range s.pods {
		s.podsByNS[p.Namespace] = append(s.podsByNS[p.Namespace], p)
		names[p.Namespace] = true
		subj(&p.Object)
	}
	for _, x := range s.serviceAccounts {
		k := nsName{x.Namespace, x.Meta.Name}
		if _, dup := s.saByKey[k]; !dup {
			s.saByKey[k] = x
		}
		names[x.Namespace] = true
		subj(&x.Object)
	}
	for _, x := range s.roles {
		k := nsName{x.Namespace, x.Meta.Name}
		if _, dup := s.roleByKey[k]; !dup {
			s.roleByKey[k] = x
		}
		names[x.Namespace] = true
		subj(&x.Object)
	}
	for _, x := range s.clusterRoles {
		if _, dup := s.crByName[x.Meta.Name]; !dup {
			s.crByName[x.Meta.Name] = x
		}
		subj(&x.Object)
	}
	for _, x := range s.roleBindings {
		s.rbByNS[x.Namespace] = append(s.rbByNS[x.Namespace], x)
		names[x.Namespace] = true
		subj(&x.Object)
		b := Binding{Object: &x.Object, Namespace: x.Namespace, Subjects: x.Obj.Subjects, RoleRef: RoleRef{Kind: x.Obj.RoleRef.Kind, Name: x.Obj.RoleRef.Name}}
		if b.RoleRef.Kind == "Role" {
			b.RoleRef.Namespace = x.Namespace
		}
		s.bindingsTo[b.RoleRef] = append(s.bindingsTo[b.RoleRef], b)
		s.bindings = append(s.bindings, b)
	}
	for _, x := range s.clusterRoleBindings {
		subj(&x.Object)
		b := Binding{Object: &x.Object, Subjects: x.Obj.Subjects, RoleRef: RoleRef{Kind: x.Obj.RoleRef.Kind, Name: x.Obj.RoleRef.Name}}
		s.bindingsTo[b.RoleRef] = append(s.bindingsTo[b.RoleRef], b)
		s.bindings = append(s.bindings, b)
	}
	for _, x := range s.networkPolicies {
		s.npByNS[x.Namespace] = append(s.npByNS[x.Namespace], x)
		names[x.Namespace] = true
		subj(&x.Object)
	}
	for _, x := range s.services {
		s.svcByNS[x.Namespace] = append(s.svcByNS[x.Namespace], x)
		names[x.Namespace] = true
		subj(&x.Object)
	}
	for _, x := range s.ingresses {
		s.ingByNS[x.Namespace] = append(s.ingByNS[x.Namespace], x)
		names[x.Namespace] = true
		subj(&x.Object)
	}
	for _, x := range s.awsAuth {
		names[x.Namespace] = true
		subj(&x.Object)
	}
	for _, l := range s.custom {
		for _, x := range l {
			if x.Namespace != "" {
				names[x.Namespace] = true
			}
			subj(&x.Object)
		}
	}
	delete(names, "")
	for n := range names {
		s.namespaceList = append(s.namespaceList, n)
	}
	slices.Sort(s.namespaceList)
}
