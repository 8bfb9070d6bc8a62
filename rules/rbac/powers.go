package rbac

import (
	"context"

	rbacv1 "k8s.io/api/rbac/v1"

	"github.com/eksguard/eksguard/pkg/finding"
	"github.com/eksguard/eksguard/pkg/ref"
	"github.com/eksguard/eksguard/pkg/rule"
	"github.com/eksguard/eksguard/pkg/snapshot"
)

// powerRule builds a rule that flags every subject a (non-bootstrap) binding grants one of
// the powers, with the binding chain.
func powerRule(m rule.Meta, what string, powers []power, ignoreNamed bool) rule.Rule {
	return &rule.Cluster{
		M:      m,
		Inputs: bindingInputs,
		Fn: func(_ context.Context, m *rule.Meta, s *snapshot.Snapshot) []finding.Finding {
			return hitFindings(m, grantsOf(s, powers, skipSystemSubject, ignoreNamed), what)
		},
	}
}

// skipSystemSubject leaves out the groups Kubernetes and EKS grant to themselves when a
// user's binding names them too (system:masters holds every power anyway).
func skipSystemSubject(sub rbacv1.Subject) bool {
	return sub.Kind == rbacv1.GroupKind && sub.Name == "system:masters"
}

func verbs(group, resource string, vs ...string) []power {
	out := make([]power, len(vs))
	for i, v := range vs {
		out[i] = power{group, resource, v}
	}
	return out
}

// SecretsAccess flags grants of get, list or watch on Secrets (CIS EKS 4.1.2).
func SecretsAccess() rule.Rule {
	return powerRule(rule.Meta{
		ID:    "rbac/secrets-access",
		Title: "Subject can read Secrets",
		Description: "get, list or watch on secrets lets a subject read every Secret in scope: service account tokens, " +
			"credentials, TLS keys. Rules restricted to named Secrets (resourceNames) are not flagged. The subject, binding, " +
			"role and rule that grant it are named in the finding.",
		Remediation: "Remove secrets from the role's rules, or restrict the rule to the Secrets the subject needs:\n\n" +
			"  rules:\n    - apiGroups: [\"\"]\n      resources: [\"secrets\"]\n      resourceNames: [\"app-config\"]\n      verbs: [\"get\"]",
		Severity:   finding.SeverityHigh,
		Category:   "RBAC",
		Tags:       []string{"cis", "rbac"},
		References: refs("4.1.2", "Employ least privileged access when creating RoleBindings and ClusterRoleBindings"),
	}, "reads Secrets", append(append(verbs("", "secrets", "get"), verbs("", "secrets", "list")...), verbs("", "secrets", "watch")...), true)
}

// workloadResources are the kinds whose creation starts pods.
var workloadResources = []power{
	{"", "pods", "create"}, {"", "replicationcontrollers", "create"}, {"", "podtemplates", "create"},
	{"apps", "deployments", "create"}, {"apps", "statefulsets", "create"}, {"apps", "daemonsets", "create"},
	{"apps", "replicasets", "create"}, {"batch", "jobs", "create"}, {"batch", "cronjobs", "create"},
}

// CreatePods flags grants of create on pods or on a workload kind (CIS EKS 4.1.4).
func CreatePods() rule.Rule {
	return powerRule(rule.Meta{
		ID:    "rbac/create-pods",
		Title: "Subject can create pods",
		Description: "Whoever can create a pod (directly, or through a Deployment, StatefulSet, DaemonSet, ReplicaSet, " +
			"Job, CronJob, ReplicationController or PodTemplate) can run it as any service account of the namespace and " +
			"read every Secret it may mount: a path to escalate privileges.",
		Remediation: "Grant create on workloads only to deployment pipelines, in their own namespaces:\n\n" +
			"  rules:\n    - apiGroups: [\"apps\"]\n      resources: [\"deployments\"]\n      verbs: [\"get\", \"list\", \"watch\"]",
		Severity:   finding.SeverityMedium,
		Category:   "RBAC",
		Tags:       []string{"cis", "rbac"},
		References: refs("4.1.4", "Employ least privileged access when creating RoleBindings and ClusterRoleBindings"),
	}, "starts pods", workloadResources, false)
}

// BindEscalateImpersonate flags grants of bind, escalate or impersonate (CIS EKS 4.1.8).
func BindEscalateImpersonate() rule.Rule {
	ps := []power{
		{"rbac.authorization.k8s.io", "roles", "bind"}, {"rbac.authorization.k8s.io", "clusterroles", "bind"},
		{"rbac.authorization.k8s.io", "roles", "escalate"}, {"rbac.authorization.k8s.io", "clusterroles", "escalate"},
		{"", "users", "impersonate"}, {"", "groups", "impersonate"}, {"", "serviceaccounts", "impersonate"},
		{"authentication.k8s.io", "userextras", "impersonate"}, {"authentication.k8s.io", "uids", "impersonate"},
	}
	return powerRule(rule.Meta{
		ID:    "rbac/bind-escalate-impersonate",
		Title: "Subject can bind, escalate or impersonate",
		Description: "bind and escalate on roles let a subject grant permissions it does not hold; impersonate on users, " +
			"groups or service accounts lets it act as them. Each bypasses RBAC's protection against privilege escalation.",
		Remediation: "Remove the verbs from the role; grant them only to cluster administrators:\n\n" +
			"  kubectl edit clusterrole NAME   # drop bind, escalate and impersonate",
		Severity:   finding.SeverityHigh,
		Category:   "RBAC",
		Tags:       []string{"cis", "rbac"},
		References: append(refs("4.1.8", "Employ least privileged access when creating RoleBindings and ClusterRoleBindings"), ref.Link("https://kubernetes.io/docs/concepts/security/rbac-good-practices/#escalate-verb", "Kubernetes RBAC good practices: escalate and bind")),
	}, "escalates privileges", ps, false)
}

// CreatePersistentVolumes flags grants of create on PersistentVolumes (CIS EKS 4.1.9).
func CreatePersistentVolumes() rule.Rule {
	return powerRule(rule.Meta{
		ID:    "rbac/create-persistent-volumes",
		Title: "Subject can create PersistentVolumes",
		Description: "A PersistentVolume can be a hostPath volume: whoever creates one can mount any directory of a " +
			"node into a pod. Let users claim storage through PersistentVolumeClaims and storage classes instead.",
		Remediation: "Remove create on persistentvolumes from the role:\n\n" +
			"  rules:\n    - apiGroups: [\"\"]\n      resources: [\"persistentvolumeclaims\"]\n      verbs: [\"create\"]",
		Severity:   finding.SeverityMedium,
		Category:   "RBAC",
		Tags:       []string{"cis", "rbac"},
		References: refs("4.1.9", "Employ least privileged access when creating RoleBindings and ClusterRoleBindings"),
	}, "may mount node directories", verbs("", "persistentvolumes", "create"), false)
}

// NodesProxy flags grants on the nodes/proxy subresource (CIS EKS 4.1.10).
func NodesProxy() rule.Rule {
	return powerRule(rule.Meta{
		ID:    "rbac/nodes-proxy",
		Title: "Subject can use the nodes/proxy subresource",
		Description: "nodes/proxy gives access to the kubelet API of every node, which runs commands in any pod and " +
			"bypasses audit logging and admission control.",
		Remediation: "Remove nodes/proxy from the role; monitoring agents need nodes/metrics or nodes/stats only:\n\n" +
			"  rules:\n    - apiGroups: [\"\"]\n      resources: [\"nodes/metrics\", \"nodes/stats\"]\n      verbs: [\"get\"]",
		Severity:   finding.SeverityHigh,
		Category:   "RBAC",
		Tags:       []string{"cis", "rbac"},
		References: refs("4.1.10", "Employ least privileged access when creating RoleBindings and ClusterRoleBindings"),
	}, "reaches the kubelet API", verbs("", "nodes/proxy", "get", "create", "update", "patch", "delete"), false)
}

// WebhookConfigurations flags grants to change admission webhook configurations (CIS EKS 4.1.11).
func WebhookConfigurations() rule.Rule {
	var ps []power
	for _, r := range []string{"validatingwebhookconfigurations", "mutatingwebhookconfigurations"} {
		ps = append(ps, verbs("admissionregistration.k8s.io", r, "create", "update", "patch", "delete", "deletecollection")...)
	}
	return powerRule(rule.Meta{
		ID:    "rbac/webhook-configurations",
		Title: "Subject can change admission webhook configurations",
		Description: "Whoever can create, change or delete a validating or mutating webhook configuration can read or " +
			"rewrite every object sent to the API server, or switch off the admission policies that protect the cluster.",
		Remediation: "Remove write verbs on webhook configurations from the role:\n\n" +
			"  rules:\n    - apiGroups: [\"admissionregistration.k8s.io\"]\n      resources: [\"validatingwebhookconfigurations\"]\n      verbs: [\"get\", \"list\"]",
		Severity:   finding.SeverityHigh,
		Category:   "RBAC",
		Tags:       []string{"cis", "rbac"},
		References: refs("4.1.11", "Employ least privileged access when creating RoleBindings and ClusterRoleBindings"),
	}, "controls admission", ps, false)
}

// ServiceAccountTokenCreate flags grants of create on serviceaccounts/token (CIS EKS 4.1.12).
func ServiceAccountTokenCreate() rule.Rule {
	return powerRule(rule.Meta{
		ID:    "rbac/serviceaccount-token-create",
		Title: "Subject can create service account tokens",
		Description: "create on serviceaccounts/token issues tokens for service accounts (all of them, unless the " +
			"rule names some), letting the subject act with their permissions.",
		Remediation: "Remove create on serviceaccounts/token from the role:\n\n" +
			"  kubectl edit role NAME -n NS   # drop the serviceaccounts/token rule",
		Severity:   finding.SeverityHigh,
		Category:   "RBAC",
		Tags:       []string{"cis", "rbac"},
		References: refs("4.1.12", "Employ least privileged access when creating RoleBindings and ClusterRoleBindings"),
	}, "acts as service accounts", verbs("", "serviceaccounts/token", "create"), false)
}
