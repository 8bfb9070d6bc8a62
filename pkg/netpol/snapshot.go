package netpol

import (
	networkingv1 "k8s.io/api/networking/v1"

	"github.com/eksguard/eksguard/pkg/snapshot"
)

// FromSnapshot compiles a snapshot's network policies with its namespaces' labels and
// turns its pods and pod templates into Pods (Name is Kind/name of the object), in the
// order of s.Pods(). Policies that do not compile are returned as errors and left out.
func FromSnapshot(s *snapshot.Snapshot) (*Set, []*Pod, []error) { return FromSnapshotPods(s, nil) }

// FromSnapshotPods is FromSnapshot with only the pods keep accepts (all when keep is nil).
func FromSnapshotPods(s *snapshot.Snapshot, keep func(*snapshot.Pod) bool) (*Set, []*Pod, []error) {
	items := s.NetworkPolicies()
	nps := make([]*networkingv1.NetworkPolicy, 0, len(items))
	for _, it := range items {
		nps = append(nps, PolicyOf(it))
	}
	set, errs := NewSet(nps)
	for _, name := range s.NamespaceNames() {
		set.SetNamespace(name, s.NamespaceLabels(name))
	}
	sp := s.Pods()
	pods := make([]*Pod, 0, len(sp))
	for _, p := range sp {
		if keep != nil && !keep(p) {
			continue
		}
		pods = append(pods, &Pod{
			Namespace:   p.Namespace,
			Name:        p.Kind + "/" + p.Meta.Name,
			Labels:      p.Labels,
			Ports:       p.Ports,
			HostNetwork: p.HostNetwork,
		})
	}
	return set, pods, errs
}

// PolicyOf returns the policy of a snapshot item with the namespace it lives in: a
// manifest that names none lands in "default".
func PolicyOf(it *snapshot.Item[*networkingv1.NetworkPolicy]) *networkingv1.NetworkPolicy {
	np := it.Obj
	if np.Namespace != it.Namespace {
		c := *np
		c.Namespace = it.Namespace
		np = &c
	}
	return np
}

// CompileItem compiles the policy of a snapshot item.
func CompileItem(it *snapshot.Item[*networkingv1.NetworkPolicy]) (*Policy, error) {
	return Compile(PolicyOf(it))
}

// LivePods keeps the Pod objects of a snapshot read from a live cluster: what runs now.
// Workload templates (Deployments, ReplicaSets, ...) are left out, since their pods are
// read too and carry the labels the controllers add (pod-template-hash).
func LivePods(p *snapshot.Pod) bool { return p.Kind == "Pod" }
