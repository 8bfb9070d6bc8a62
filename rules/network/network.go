// Package network holds the NetworkPolicy rules: coverage of namespaces and pods, default
// deny, policies that allow everything and policies the API server would reject. They run
// over the whole snapshot with the semantics of pkg/netpol.
package network

import (
	"github.com/eksguard/eksguard/pkg/finding"
	"github.com/eksguard/eksguard/pkg/ref"
	"github.com/eksguard/eksguard/pkg/rule"
	"github.com/eksguard/eksguard/pkg/snapshot"
	"github.com/eksguard/eksguard/pkg/target"
)

// Rules lists the network rules.
func Rules() []rule.Rule {
	return []rule.Rule{
		NamespaceWithoutPolicy(),
		PodWithoutIngressPolicy(),
		PodWithoutEgressPolicy(),
		NoDefaultDenyIngress(),
		NoDefaultDenyEgress(),
		AllowsAll(),
		InvalidPolicy(),
	}
}

const category = "Network"

// inputs are the snapshot kinds the NetworkPolicy rules read.
var inputs = []string{snapshot.KindNetworkPolicy, snapshot.KindNamespace, snapshot.KindWorkload}

func guide(section string) ref.Ref { return ref.Guide("network-security", section) }

var policyDocs = ref.Link("https://kubernetes.io/docs/concepts/services-networking/network-policies/", "Kubernetes: Network Policies")

// namespaceTarget returns an object to locate a finding about namespace ns: its Namespace
// object, or else the first object of the input that lives in it.
func namespaceTarget(s *snapshot.Snapshot, ns string) (target.Target, string) {
	if n := s.Namespace(ns); n != nil {
		return &n.Object, "metadata.name"
	}
	if ps := s.PodsIn(ns); len(ps) > 0 {
		return &ps[0].Object, "metadata.namespace"
	}
	if ps := s.NetworkPoliciesIn(ns); len(ps) > 0 {
		return &ps[0].Object, "metadata.namespace"
	}
	if ps := s.ServicesIn(ns); len(ps) > 0 {
		return &ps[0].Object, "metadata.namespace"
	}
	if ps := s.IngressesIn(ns); len(ps) > 0 {
		return &ps[0].Object, "metadata.namespace"
	}
	return s, ""
}

// failNamespace builds a finding about namespace ns.
func failNamespace(m *rule.Meta, s *snapshot.Snapshot, ns, msg string) finding.Finding {
	t, path := namespaceTarget(s, ns)
	f := m.Fail(t, path, msg)
	f.Subject = finding.Subject{APIVersion: "v1", Kind: "Namespace", Name: ns}
	return f
}
