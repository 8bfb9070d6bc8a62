package network

import (
	"context"
	"fmt"

	networkingv1 "k8s.io/api/networking/v1"

	"github.com/eksguard/eksguard/pkg/finding"
	"github.com/eksguard/eksguard/pkg/netpol"
	"github.com/eksguard/eksguard/pkg/ref"
	"github.com/eksguard/eksguard/pkg/rule"
	"github.com/eksguard/eksguard/pkg/snapshot"
)

// NoDefaultDenyIngress flags namespaces without a default deny for ingress.
func NoDefaultDenyIngress() rule.Rule { return noDefaultDeny(netpol.Ingress) }

// NoDefaultDenyEgress flags namespaces without a default deny for egress.
func NoDefaultDenyEgress() rule.Rule { return noDefaultDeny(netpol.Egress) }

func noDefaultDeny(d netpol.Direction) rule.Rule {
	dir := "Ingress"
	sev := finding.SeverityMedium
	if d == netpol.Egress {
		dir = "Egress"
		sev = finding.SeverityLow
	}
	return &rule.Cluster{
		M: rule.Meta{
			ID:    "network/no-default-deny-" + d.String(),
			Title: "Namespace without a default deny for " + d.String(),
			Description: "A default deny is a NetworkPolicy with an empty podSelector that isolates " + d.String() + ": it " +
				"selects every pod of the namespace, including pods created later, so that only what other policies " +
				"allow gets through. Without one, each new workload starts open until someone writes a policy for it. " +
				"A policy with an empty podSelector counts as a default deny when its own " + d.String() + " rules do not " +
				"allow every peer on every port (network/policy-allows-all reports those). The EKS Best Practices Guide " +
				"recommends a default deny in every namespace; no namespace is exempt.",
			Remediation: "Add a default deny for " + d.String() + " to the namespace and allow the needed traffic with further policies:\n\n" +
				"  apiVersion: networking.k8s.io/v1\n  kind: NetworkPolicy\n  metadata:\n    name: default-deny-" + d.String() + "\n" +
				"    namespace: NAMESPACE\n  spec:\n    podSelector: {}\n    policyTypes: [" + dir + "]",
			Severity:   sev,
			Category:   category,
			Tags:       []string{"network-policy"},
			References: []ref.Ref{guide("Create a default deny policy"), policyDocs},
		},
		Inputs: []string{snapshot.KindNetworkPolicy, snapshot.KindNamespace},
		Fn: func(_ context.Context, m *rule.Meta, s *snapshot.Snapshot) []finding.Finding {
			var out []finding.Finding
			for _, ns := range s.NamespaceNames() {
				if !hasDefaultDeny(s.NetworkPoliciesIn(ns), d) {
					out = append(out, failNamespace(m, s, ns, fmt.Sprintf("namespace %s has no default deny for %s: pods no other policy selects are open", ns, d)))
				}
			}
			return out
		},
	}
}

func hasDefaultDeny(items []*snapshot.Item[*networkingv1.NetworkPolicy], d netpol.Direction) bool {
	for _, it := range items {
		p, err := netpol.CompileItem(it)
		if err != nil || !p.SelectsAll() || !p.Isolates(d) {
			continue
		}
		open := false
		for _, r := range p.Rules(d) {
			if r.Everything() {
				open = true
			}
		}
		if !open {
			return true
		}
	}
	return false
}
