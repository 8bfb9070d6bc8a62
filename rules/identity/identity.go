// Package identity holds the cluster-wide identity rules: how pods, service accounts, IAM
// roles for service accounts (IRSA) and namespaces' Pod Security Admission labels relate.
package identity

import (
	"context"
	"sort"
	"strings"

	"github.com/eksguard/eksguard/pkg/finding"
	"github.com/eksguard/eksguard/pkg/ref"
	"github.com/eksguard/eksguard/pkg/rule"
	"github.com/eksguard/eksguard/pkg/snapshot"
	"github.com/eksguard/eksguard/pkg/target"
)

const guideIAM = "identity-and-access-management"

// IRSAAnnotation names the IAM role a service account's pods assume (IRSA).
const IRSAAnnotation = "eks.amazonaws.com/role-arn"

// Rules lists the identity rules.
func Rules() []rule.Rule {
	return []rule.Rule{SharedServiceAccount(), IRSARoleARN(), IRSAHostNetwork(), NamespacePSA()}
}

// appOf names the application a pod belongs to: its app.kubernetes.io/name, app or k8s-app
// label, else its workload. Pods and workloads whose controller is in the input and that
// carry none of the labels are left out: their controller stands for them.
func appOf(s *snapshot.Snapshot, p *snapshot.Pod) (string, bool) {
	for _, k := range []string{"app.kubernetes.io/name", "app", "k8s-app"} {
		if v := p.Labels[k]; v != "" {
			return k + "=" + v, true
		}
	}
	if s.Represented(p) {
		return "", false
	}
	return p.Kind + "/" + p.Meta.Name, true
}

// SharedServiceAccount flags service accounts that pods of different applications share.
func SharedServiceAccount() rule.Rule {
	return &rule.Cluster{
		M: rule.Meta{
			ID:    "identity/shared-service-account",
			Title: "Service account shared by several applications",
			Description: "Pods of different applications (app.kubernetes.io/name, app or k8s-app labels, or different " +
				"workloads without such labels) that run as one service account share every permission granted to it, RBAC " +
				"roles and IRSA IAM role alike: a compromise of one is a compromise of all. The default service account is " +
				"left to pod/default-service-account.",
			Remediation: "Give each application its own service account:\n\n" +
				"  apiVersion: v1\n  kind: ServiceAccount\n  metadata:\n    name: billing\n  ---\n  spec:\n    serviceAccountName: billing",
			Severity:   finding.SeverityMedium,
			Category:   "Identity",
			Tags:       []string{"identity"},
			References: []ref.Ref{ref.Guide(guideIAM, "Use dedicated service accounts for each application")},
		},
		Inputs: []string{snapshot.KindWorkload},
		Fn: func(_ context.Context, m *rule.Meta, s *snapshot.Snapshot) []finding.Finding {
			var out []finding.Finding
			for _, ns := range s.NamespaceNames() {
				bySA := map[string][]*snapshot.Pod{}
				var names []string
				for _, p := range s.PodsIn(ns) {
					if !p.ServiceAccountSet || p.ServiceAccount == "default" {
						continue
					}
					if bySA[p.ServiceAccount] == nil {
						names = append(names, p.ServiceAccount)
					}
					bySA[p.ServiceAccount] = append(bySA[p.ServiceAccount], p)
				}
				for _, sa := range names {
					apps := map[string]bool{}
					for _, p := range bySA[sa] {
						if a, ok := appOf(s, p); ok {
							apps[a] = true
						}
					}
					if len(apps) < 2 {
						continue
					}
					list := make([]string, 0, len(apps))
					for a := range apps {
						list = append(list, a)
					}
					sort.Strings(list)
					for _, p := range bySA[sa] {
						a, ok := appOf(s, p)
						if !ok {
							continue
						}
						out = append(out, m.Failf(p, p.Spath("serviceAccountName"),
							"service account %s/%s runs %d applications (%s); this one is %s", ns, sa, len(list), strings.Join(list, ", "), a))
					}
				}
			}
			return out
		},
	}
}

// IRSARoleARN flags IRSA annotations whose value is not a well-formed IAM role ARN.
func IRSARoleARN() rule.Rule {
	return &rule.Cluster{
		M: rule.Meta{
			ID:    "identity/irsa-role-arn",
			Title: "IRSA role ARN is malformed",
			Description: "The eks.amazonaws.com/role-arn annotation of a service account names the IAM role its pods " +
				"assume. A value that is not an IAM role ARN (known partition, iam service, no region, 12-digit account, " +
				"role/ with a valid path and name) makes every AWS call of those pods fail, or fall back to the node's role.",
			Remediation: "Set the full ARN of the role:\n\n" +
				"  metadata:\n    annotations:\n      eks.amazonaws.com/role-arn: arn:aws:iam::111122223333:role/billing",
			Severity:   finding.SeverityMedium,
			Category:   "Identity",
			Tags:       []string{"identity", "aws"},
			References: []ref.Ref{ref.Guide(guideIAM, "IAM Roles for Service Accounts (IRSA)"), ref.Link("https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html", "IAM identifiers")},
		},
		Inputs: []string{snapshot.KindServiceAccount},
		Fn: func(_ context.Context, m *rule.Meta, s *snapshot.Snapshot) []finding.Finding {
			var out []finding.Finding
			for _, sa := range s.ServiceAccounts() {
				v, ok := sa.Meta.Annotations[IRSAAnnotation]
				if !ok {
					continue
				}
				if _, err := ParseRoleARN(v); err != nil {
					out = append(out, m.Failf(&sa.Object, target.Key("metadata.annotations", IRSAAnnotation),
						"service account %s/%s: %s %q is not an IAM role ARN: %v", sa.Namespace, sa.Meta.Name, IRSAAnnotation, v, err))
				}
			}
			return out
		},
	}
}

// IRSAHostNetwork flags pods that run with hostNetwork as a service account with an IRSA role.
func IRSAHostNetwork() rule.Rule {
	return &rule.Cluster{
		M: rule.Meta{
			ID:    "identity/irsa-host-network",
			Title: "Pod with an IRSA role uses the host network",
			Description: "A pod on the host network reaches the node's instance metadata service whatever the hop limit, " +
				"so besides the IAM role of its service account (IRSA) it can take the node's instance role credentials. " +
				"Pods with a role of their own rarely need the host network. A pod whose controller is in the input is " +
				"reported through it.",
			Remediation: "Run the pod on the pod network:\n\n  spec:\n    hostNetwork: false",
			Severity:    finding.SeverityHigh,
			Category:    "Identity",
			Tags:        []string{"identity", "aws"},
			References:  []ref.Ref{ref.Guide(guideIAM, "Restrict access to the instance profile assigned to the worker node"), ref.CIS("4.2.4")},
		},
		Inputs: []string{snapshot.KindWorkload},
		Also:   []string{snapshot.KindServiceAccount},
		Fn: func(_ context.Context, m *rule.Meta, s *snapshot.Snapshot) []finding.Finding {
			var out []finding.Finding
			for _, p := range s.Pods() {
				if !p.HostNetwork || s.Represented(p) {
					continue
				}
				sa := s.ServiceAccount(p.Namespace, p.ServiceAccount)
				if sa == nil {
					continue
				}
				arn, ok := sa.Meta.Annotations[IRSAAnnotation]
				if !ok || strings.TrimSpace(arn) == "" {
					continue
				}
				out = append(out, m.Failf(p, p.Spath("hostNetwork"),
					"pod uses the host network and service account %s/%s, which assumes %s: it can also reach the node's instance role", p.Namespace, p.ServiceAccount, arn))
			}
			return out
		},
	}
}

// psaLevels are the Pod Security Admission levels.
var psaLevels = map[string]bool{"privileged": true, "baseline": true, "restricted": true}

// validPSAVersion reports a Pod Security Admission version label value: latest or v1.N.
func validPSAVersion(v string) bool {
	if v == "latest" {
		return true
	}
	rest, ok := strings.CutPrefix(v, "v1.")
	return ok && rest != "" && strings.Trim(rest, "0123456789") == "" && (rest == "0" || rest[0] != '0')
}

// NamespacePSA flags namespaces without a valid Pod Security Admission enforce label.
func NamespacePSA() rule.Rule {
	const label = "pod-security.kubernetes.io/enforce"
	return &rule.Cluster{
		M: rule.Meta{
			ID:    "identity/namespace-psa-enforce",
			Title: "Namespace without a Pod Security Admission enforce label",
			Description: "Pod Security Admission enforces a Pod Security Standards level on a namespace only when it carries " +
				"the pod-security.kubernetes.io/enforce label with a level (privileged, baseline, restricted); without it the " +
				"cluster default applies, which on EKS admits privileged pods. An invalid level or " +
				"pod-security.kubernetes.io/enforce-version (latest or v1.N) is flagged too.",
			Remediation: "Label the namespace with the level its pods need:\n\n" +
				"  kubectl label namespace NS pod-security.kubernetes.io/enforce=restricted",
			Severity:   finding.SeverityMedium,
			Category:   "Pod Security",
			Tags:       []string{"pss"},
			References: []ref.Ref{ref.Guide("pod-security", "Pod Security Standards (PSS) and Pod Security Admission (PSA)"), ref.CIS("4.2.1")},
		},
		Inputs: []string{snapshot.KindNamespace},
		Fn: func(_ context.Context, m *rule.Meta, s *snapshot.Snapshot) []finding.Finding {
			var out []finding.Finding
			for _, n := range s.Namespaces() {
				lv, ok := n.Meta.Labels[label]
				switch {
				case !ok:
					out = append(out, m.Failf(&n.Object, "metadata.labels", "namespace %s has no %s label: the cluster's default level applies", n.Meta.Name, label))
				case !psaLevels[lv]:
					out = append(out, m.Failf(&n.Object, target.Key("metadata.labels", label), "namespace %s: %s=%q is not a level (privileged, baseline, restricted)", n.Meta.Name, label, lv))
				default:
					if v, ok := n.Meta.Labels[label+"-version"]; ok && !validPSAVersion(v) {
						out = append(out, m.Failf(&n.Object, target.Key("metadata.labels", label+"-version"), "namespace %s: %s-version=%q is not latest or v1.N", n.Meta.Name, label, v))
					}
				}
			}
			return out
		},
	}
}
