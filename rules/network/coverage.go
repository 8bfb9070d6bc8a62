package network

import (
	"context"
	"fmt"

	"github.com/eksguard/eksguard/pkg/finding"
	"github.com/eksguard/eksguard/pkg/netpol"
	"github.com/eksguard/eksguard/pkg/ref"
	"github.com/eksguard/eksguard/pkg/rule"
	"github.com/eksguard/eksguard/pkg/snapshot"
)

// NamespaceWithoutPolicy flags namespaces that hold no NetworkPolicy (CIS EKS 4.3.2).
func NamespaceWithoutPolicy() rule.Rule {
	return &rule.Cluster{
		M: rule.Meta{
			ID:    "network/namespace-without-policy",
			Title: "Namespace without any NetworkPolicy",
			Description: "A namespace with no NetworkPolicy leaves every pod in it open to every pod of the cluster and, " +
				"through load balancers and node ports, to the network: all traffic is allowed by default. CIS EKS 4.3.2 " +
				"asks for at least one NetworkPolicy in every namespace, and its audit lists every namespace, kube-system " +
				"and the other system namespaces included, so eksguard exempts none. Policies only take effect with a " +
				"network plugin that enforces them (on EKS, the VPC CNI with network policy enabled, or Calico or Cilium). " +
				"For manifests, the namespaces are those declared by Namespace objects or holding an object of the input.",
			Remediation: "Add a policy to the namespace, starting with a default deny, then allow what the workloads need:\n\n" +
				"  apiVersion: networking.k8s.io/v1\n  kind: NetworkPolicy\n  metadata:\n    name: default-deny\n    namespace: NAMESPACE\n" +
				"  spec:\n    podSelector: {}\n    policyTypes: [Ingress, Egress]",
			Severity:   finding.SeverityMedium,
			Category:   category,
			Tags:       []string{"cis", "network-policy"},
			References: []ref.Ref{ref.CIS("4.3.2"), guide("Create a default deny policy"), policyDocs},
		},
		Inputs: []string{snapshot.KindNetworkPolicy, snapshot.KindNamespace},
		Fn: func(_ context.Context, m *rule.Meta, s *snapshot.Snapshot) []finding.Finding {
			var out []finding.Finding
			for _, ns := range s.NamespaceNames() {
				if len(s.NetworkPoliciesIn(ns)) == 0 {
					out = append(out, failNamespace(m, s, ns, fmt.Sprintf("namespace %s has no NetworkPolicy: all traffic to and from its pods is allowed", ns)))
				}
			}
			return out
		},
	}
}

// PodWithoutIngressPolicy flags pods that no policy isolates for ingress.
func PodWithoutIngressPolicy() rule.Rule { return podWithoutPolicy(netpol.Ingress) }

// PodWithoutEgressPolicy flags pods that no policy isolates for egress.
func PodWithoutEgressPolicy() rule.Rule { return podWithoutPolicy(netpol.Egress) }

func podWithoutPolicy(d netpol.Direction) rule.Rule {
	m := rule.Meta{
		ID:    "network/pod-without-ingress-policy",
		Title: "Pod selected by no NetworkPolicy for ingress",
		Description: "A pod is isolated for ingress only when a NetworkPolicy of its namespace selects it and lists Ingress " +
			"in its policyTypes (the default when policyTypes is omitted). A pod no such policy selects accepts " +
			"connections from every pod of the cluster and every address that can reach it, on every port. Pods with " +
			"hostNetwork are left out: NetworkPolicy does not govern them (pod/host-network reports them). No namespace " +
			"is exempt: a pod in kube-system is as reachable as any other.",
		Remediation: "Select the pod with a policy that isolates ingress, for example a default deny for the namespace, and " +
			"allow the sources it needs:\n\n" +
			"  apiVersion: networking.k8s.io/v1\n  kind: NetworkPolicy\n  metadata:\n    name: web-ingress\n  spec:\n" +
			"    podSelector: {matchLabels: {app: web}}\n    policyTypes: [Ingress]\n    ingress:\n" +
			"    - from: [{podSelector: {matchLabels: {app: frontend}}}]\n      ports: [{port: 8080}]",
		Severity:   finding.SeverityMedium,
		Category:   category,
		Tags:       []string{"network-policy"},
		References: []ref.Ref{guide("Incrementally add rules to selectively allow the flow of traffic between namespaces/pods"), policyDocs},
	}
	if d == netpol.Egress {
		m.ID = "network/pod-without-egress-policy"
		m.Title = "Pod selected by no NetworkPolicy for egress"
		m.Description = "A pod is isolated for egress only when a NetworkPolicy of its namespace selects it and lists Egress " +
			"in its policyTypes (or, with policyTypes omitted, has egress rules). A pod no such policy selects may open " +
			"connections to every pod of the cluster and every address, which lets a compromised pod reach the instance " +
			"metadata service, the API server and the internet. Pods with hostNetwork are left out: NetworkPolicy does " +
			"not govern them (pod/host-network reports them). No namespace is exempt."
		m.Remediation = "Select the pod with a policy that isolates egress and allow the destinations it needs (DNS first):\n\n" +
			"  apiVersion: networking.k8s.io/v1\n  kind: NetworkPolicy\n  metadata:\n    name: web-egress\n  spec:\n" +
			"    podSelector: {matchLabels: {app: web}}\n    policyTypes: [Egress]\n    egress:\n" +
			"    - to: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: kube-system}}, podSelector: {matchLabels: {k8s-app: kube-dns}}}]\n" +
			"      ports: [{port: 53, protocol: UDP}, {port: 53, protocol: TCP}]"
		m.Severity = finding.SeverityLow
		m.References = []ref.Ref{guide("Create a rule to allow DNS queries"), policyDocs}
	}
	return &rule.Cluster{
		M:      m,
		Inputs: inputs,
		Fn: func(_ context.Context, m *rule.Meta, s *snapshot.Snapshot) []finding.Finding {
			set, pods, _ := netpol.FromSnapshot(s)
			sp := s.Pods()
			var out []finding.Finding
			for i, p := range pods {
				o := sp[i]
				if p.HostNetwork || o.Controlled || set.Isolated(p, d) {
					continue // a controlled Pod is reported through its controller's template
				}
				out = append(out, m.Failf(&o.Object, o.PodMetaPath, "%s %s in namespace %s is selected by no NetworkPolicy that isolates %s: all %s traffic is allowed",
					o.Kind, o.Meta.Name, p.Namespace, d, d))
			}
			return out
		},
	}
}
