package network

import (
	"context"
	"fmt"

	"github.com/eksguard/eksguard/pkg/finding"
	"github.com/eksguard/eksguard/pkg/netpol"
	"github.com/eksguard/eksguard/pkg/ref"
	"github.com/eksguard/eksguard/pkg/rule"
	"github.com/eksguard/eksguard/pkg/snapshot"
	"github.com/eksguard/eksguard/pkg/target"
)

// AllowsAll flags policy rules that allow every peer, or every address of a family, on
// every port.
func AllowsAll() rule.Rule {
	return &rule.Cluster{
		M: rule.Meta{
			ID:    "network/policy-allows-all",
			Title: "NetworkPolicy rule that allows all traffic",
			Description: "A rule with an empty from (ingress) or to (egress) list matches every pod and every address; with " +
				"no ports, or ports that cover TCP, UDP and SCTP entirely, it allows everything in that direction to the pods " +
				"the policy selects, which undoes any default deny. An ipBlock of 0.0.0.0/0 or ::/0 without except matches " +
				"every address of the family, pod addresses included (network plugins match ipBlocks against pod IPs), and " +
				"on every port amounts to the same. Rules restricted to some ports, to selected pods or namespaces, or to " +
				"narrower blocks are not reported. Rules of a direction the policy does not isolate (not in policyTypes) " +
				"have no effect and are not reported either.",
			Remediation: "Name the peers and ports the pods need instead of allowing everything:\n\n" +
				"  ingress:\n  - from:\n    - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: frontend}}\n" +
				"      podSelector: {matchLabels: {app: web}}\n    ports: [{port: 8080}]",
			Severity:   finding.SeverityMedium,
			Category:   category,
			Tags:       []string{"network-policy"},
			References: []ref.Ref{guide("Incrementally add rules to selectively allow the flow of traffic between namespaces/pods"), policyDocs},
		},
		Inputs: []string{snapshot.KindNetworkPolicy},
		Fn: func(_ context.Context, m *rule.Meta, s *snapshot.Snapshot) []finding.Finding {
			var out []finding.Finding
			for _, it := range s.NetworkPolicies() {
				p, err := netpol.CompileItem(it)
				if err != nil {
					continue // network/invalid-policy reports it
				}
				for _, d := range []netpol.Direction{netpol.Ingress, netpol.Egress} {
					if !p.Isolates(d) {
						continue
					}
					list, peers := "spec.ingress", "from"
					if d == netpol.Egress {
						list, peers = "spec.egress", "to"
					}
					for _, r := range p.Rules(d) {
						path := target.Index(list, r.Index)
						if !r.AllPorts() {
							continue
						}
						if r.AnyPeer {
							out = append(out, m.Failf(&it.Object, path, "NetworkPolicy %s/%s: %s rule %d has no %s peers and no port restriction: it allows all %s traffic of the pods it selects",
								it.Namespace, it.Meta.Name, d, r.Index, peers, d))
							continue
						}
						for j, pe := range r.Peers {
							if pe.IPBlock != nil && pe.IPBlock.Everything() {
								out = append(out, m.Fail(&it.Object, target.Field(target.Index(target.Field(path, peers), j), "ipBlock"),
									fmt.Sprintf("NetworkPolicy %s/%s: %s rule %d allows %s on every port: every address of the family", it.Namespace, it.Meta.Name, d, r.Index, pe.IPBlock)))
							}
						}
					}
				}
			}
			return out
		},
	}
}

// InvalidPolicy flags NetworkPolicies the API server would reject: whoever relies on them
// has no isolation.
func InvalidPolicy() rule.Rule {
	return &rule.Cluster{
		M: rule.Meta{
			ID:    "network/invalid-policy",
			Title: "NetworkPolicy the API server rejects",
			Description: "A NetworkPolicy with an invalid selector, a peer with no selector or with ipBlock next to a selector, " +
				"an invalid CIDR, a port out of range, an endPort below its port or next to a named port, or an unknown " +
				"protocol or policy type fails API validation: applying it fails, and the pods it was meant to isolate stay " +
				"open. eksguard leaves such a policy out of every other network rule and of eksguard netpol.",
			Remediation: "Fix the field named in the finding, then check it with a server-side dry run:\n\n" +
				"  kubectl apply --dry-run=server -f policy.yaml",
			Severity:   finding.SeverityHigh,
			Category:   category,
			Tags:       []string{"network-policy"},
			References: []ref.Ref{policyDocs, ref.Link("https://kubernetes.io/docs/reference/kubernetes-api/policy-resources/network-policy-v1/", "NetworkPolicy v1 API reference")},
		},
		Inputs: []string{snapshot.KindNetworkPolicy},
		Fn: func(_ context.Context, m *rule.Meta, s *snapshot.Snapshot) []finding.Finding {
			var out []finding.Finding
			for _, it := range s.NetworkPolicies() {
				if _, err := netpol.CompileItem(it); err != nil {
					out = append(out, m.Fail(&it.Object, "spec", err.Error()))
				}
			}
			return out
		},
	}
}
