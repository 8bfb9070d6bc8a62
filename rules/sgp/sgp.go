// Package sgp holds the rules on security groups for pods: vpcresources.k8s.aws/v1beta1
// SecurityGroupPolicy objects, matched against pods as the VPC resource controller's
// webhook matches them.
package sgp

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/eksguard/eksguard/pkg/finding"
	"github.com/eksguard/eksguard/pkg/ref"
	"github.com/eksguard/eksguard/pkg/rule"
	"github.com/eksguard/eksguard/pkg/sgpolicy"
	"github.com/eksguard/eksguard/pkg/snapshot"
)

// Rules lists the security-groups-for-pods rules.
func Rules() []rule.Rule {
	return []rule.Rule{SelectsNothing(), SeveralPolicies(), HostNetwork()}
}

const category = "Network"

var (
	inputs   = []string{snapshot.KindSecurityGroupPolicy, snapshot.KindWorkload, snapshot.KindServiceAccount}
	userDocs = ref.Link("https://docs.aws.amazon.com/eks/latest/userguide/security-groups-for-pods.html", "Amazon EKS: Security groups for Pods")
	guideRef = ref.Guide("network-security", "Security groups")
)

// policy is a decoded SecurityGroupPolicy.
type policy struct {
	item *snapshot.Item[*unstructured.Unstructured]
	*sgpolicy.Policy
}

func decode(it *snapshot.Item[*unstructured.Unstructured]) *policy {
	return &policy{item: it, Policy: sgpolicy.Decode(it.Obj.Object)}
}

// match is whether a policy selects a pod: yes, no, or unknown when the pod's service
// account is not in the input and the policy selects by service account.
type match = sgpolicy.Match

const (
	no      = sgpolicy.No
	yes     = sgpolicy.Yes
	unknown = sgpolicy.Unknown
)

// matches follows the controller's webhook (pkg/sgpolicy) for a pod of the policy's
// namespace.
func (p *policy) matches(s *snapshot.Snapshot, pod *snapshot.Pod) match {
	if pod.Namespace != p.item.Namespace {
		return no
	}
	return p.Match(pod.Labels, func() (map[string]string, bool) {
		sa := s.ServiceAccount(pod.Namespace, pod.ServiceAccount)
		if sa == nil {
			return nil, false
		}
		return sa.Meta.Labels, true
	})
}

// selecting returns the policies of ps that definitely select pod, in order.
func selecting(s *snapshot.Snapshot, ps []*policy, pod *snapshot.Pod) []*policy {
	var out []*policy
	for _, p := range ps {
		if p.matches(s, pod) == yes {
			out = append(out, p)
		}
	}
	return out
}

func policies(s *snapshot.Snapshot) []*policy {
	items := s.SecurityGroupPolicies()
	out := make([]*policy, 0, len(items))
	for _, it := range items {
		out = append(out, decode(it))
	}
	return out
}

func name(p *policy) string { return p.item.Namespace + "/" + p.item.Meta.Name }

// SelectsNothing flags SecurityGroupPolicies the controller ignores or that select no pod.
func SelectsNothing() rule.Rule {
	return &rule.Cluster{
		M: rule.Meta{
			ID:    "sgp/selects-nothing",
			Title: "SecurityGroupPolicy that selects no pod",
			Description: "The VPC resource controller gives a pod the security groups of every SecurityGroupPolicy of its " +
				"namespace whose podSelector matches the pod's labels and whose serviceAccountSelector matches its service " +
				"account's labels (both when both are set). It ignores a policy with neither selector, with no group IDs or " +
				"with a selector it cannot parse, and a policy whose selectors match no pod protects nothing: the pods meant " +
				"to get its groups run with the node's security groups instead. Pods with hostNetwork do not count as " +
				"matches (sgp/host-network-pod). With manifests, a namespace that holds no pod in the input is not judged, " +
				"and a pod whose service account is not in the input counts as a possible match.",
			Remediation: "Fix the selectors so that they match the intended pods' labels (and service account labels), or delete the policy:\n\n" +
				"  apiVersion: vpcresources.k8s.aws/v1beta1\n  kind: SecurityGroupPolicy\n  metadata:\n    name: db-access\n    namespace: shop\n" +
				"  spec:\n    podSelector:\n      matchLabels: {app: api}\n    securityGroups:\n      groupIds: [sg-0123456789abcdef0]",
			Severity:   finding.SeverityMedium,
			Category:   category,
			Tags:       []string{"security-groups-for-pods"},
			References: []ref.Ref{guideRef, userDocs},
		},
		Inputs: inputs,
		Fn: func(_ context.Context, m *rule.Meta, s *snapshot.Snapshot) []finding.Finding {
			var out []finding.Finding
			for _, p := range policies(s) {
				if p.Invalid != "" {
					out = append(out, m.Failf(&p.item.Object, "spec", "SecurityGroupPolicy %s is ignored by the controller: %s", name(p), p.Invalid))
					continue
				}
				pods := s.PodsIn(p.item.Namespace)
				if len(pods) == 0 {
					continue
				}
				hostOnly := false
				matched := false
				for _, pod := range pods {
					switch p.matches(s, pod) {
					case yes:
						if pod.HostNetwork {
							hostOnly = true
						} else {
							matched = true
						}
					case unknown:
						matched = true
					}
				}
				if matched {
					continue
				}
				msg := fmt.Sprintf("SecurityGroupPolicy %s selects none of the %d pods of namespace %s: its groups %s apply to nothing",
					name(p), len(pods), p.item.Namespace, strings.Join(p.Spec.SecurityGroups.Groups, ", "))
				if hostOnly {
					msg += " (it matches only hostNetwork pods, which keep the node's groups)"
				}
				out = append(out, m.Fail(&p.item.Object, "spec", msg))
			}
			return out
		},
	}
}

// SeveralPolicies flags pods that more than one SecurityGroupPolicy selects.
func SeveralPolicies() rule.Rule {
	return &rule.Cluster{
		M: rule.Meta{
			ID:    "sgp/several-policies",
			Title: "Pod selected by several SecurityGroupPolicies",
			Description: "When several SecurityGroupPolicies select a pod, the VPC resource controller attaches the union of " +
				"their security groups to the pod's branch network interface. Policies written separately then combine " +
				"into wider access than each grants alone, and removing one group from one policy may not remove it from " +
				"the pod. Only definite matches count (pods whose service account is in the input when a policy selects by " +
				"service account); hostNetwork pods are left to sgp/host-network-pod.",
			Remediation: "Make the selectors disjoint so that one policy states each pod's groups:\n\n" +
				"  spec:\n    podSelector:\n      matchLabels: {app: api, tier: backend}",
			Severity:   finding.SeverityLow,
			Category:   category,
			Tags:       []string{"security-groups-for-pods"},
			References: []ref.Ref{guideRef, userDocs},
		},
		Inputs: inputs,
		Fn: func(_ context.Context, m *rule.Meta, s *snapshot.Snapshot) []finding.Finding {
			ps := policies(s)
			var out []finding.Finding
			for _, pod := range s.Pods() {
				if pod.HostNetwork || pod.Controlled {
					continue // a controlled Pod is reported through its controller's template
				}
				var names, groups []string
				for _, p := range selecting(s, ps, pod) {
					names = append(names, p.item.Meta.Name)
					for _, g := range p.Spec.SecurityGroups.Groups {
						if !slices.Contains(groups, g) {
							groups = append(groups, g)
						}
					}
				}
				if len(names) > 1 {
					out = append(out, m.Failf(&pod.Object, pod.PodMetaPath, "%s %s in namespace %s is selected by %d SecurityGroupPolicies (%s): it gets the union of their groups: %s",
						pod.Kind, pod.Meta.Name, pod.Namespace, len(names), strings.Join(names, ", "), strings.Join(groups, ", ")))
				}
			}
			return out
		},
	}
}

// HostNetwork flags hostNetwork pods that a SecurityGroupPolicy selects.
func HostNetwork() rule.Rule {
	return &rule.Cluster{
		M: rule.Meta{
			ID:    "sgp/host-network-pod",
			Title: "SecurityGroupPolicy selects a hostNetwork pod",
			Description: "Security groups for pods attach groups to a pod's own branch network interface. A pod with " +
				"hostNetwork has no interface of its own: it uses the node's network and the node's security groups, so a " +
				"SecurityGroupPolicy that selects it has no effect on it, and whoever wrote the policy believes the pod is " +
				"fenced when it is not.",
			Remediation: "Run the pod without hostNetwork so that its security groups apply, or restrict the node's security groups instead:\n\n" +
				"  spec:\n    hostNetwork: false",
			Severity:   finding.SeverityMedium,
			Category:   category,
			Tags:       []string{"security-groups-for-pods"},
			References: []ref.Ref{guideRef, userDocs},
		},
		Inputs: inputs,
		Fn: func(_ context.Context, m *rule.Meta, s *snapshot.Snapshot) []finding.Finding {
			ps := policies(s)
			var out []finding.Finding
			for _, pod := range s.Pods() {
				if !pod.HostNetwork || pod.Controlled {
					continue
				}
				var names []string
				for _, p := range selecting(s, ps, pod) {
					names = append(names, p.item.Meta.Name)
				}
				if len(names) > 0 {
					out = append(out, m.Failf(&pod.Object, pod.Spath("hostNetwork"), "%s %s in namespace %s runs with hostNetwork, so SecurityGroupPolicy %s does not apply to it: it has the node's security groups",
						pod.Kind, pod.Meta.Name, pod.Namespace, strings.Join(names, ", ")))
				}
			}
			return out
		},
	}
}
