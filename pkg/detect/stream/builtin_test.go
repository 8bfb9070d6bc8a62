package stream

import (
	"reflect"
	"testing"
)

// builtinCase is one of eksguard's own rules with a firing event and a near miss.
type builtinCase struct {
	rule       string
	src        string
	fire, miss []byte
}

func builtinCases() []builtinCase {
	const k, c = "k8s_audit", "aws_cloudtrail"
	privileged := obj{"containers": ctrs(ctr("nginx:1.25", obj{"privileged": true}))}
	return []builtinCase{
		{"EKS Exec Or Attach Into Pod", k,
			kev(verb("create"), target("pods", "exec", "shop", "web-0"), code(101), uri("/api/v1/namespaces/shop/pods/web-0/exec?command=sh&container=web&stdin=true&tty=true")),
			kev(verb("get"), target("pods", "log", "shop", "web-0"), uri("/api/v1/namespaces/shop/pods/web-0/log"))},
		{"EKS Privileged Or Host Access Pod Created", k,
			createPod("shop", privileged),
			// The same privileged pod, made by the DaemonSet controller in kube-system
			// (aws-node, kube-proxy): the built-in exception.
			kev(verb("create"), target("pods", "", "kube-system", ""), code(201), user("system:serviceaccount:kube-system:daemon-set-controller"),
				reqObj(pod(privileged)), respName("aws-node-x7k2p"))},
		// The GuardDuty runtime agent (an EKS add-on) in its own namespace, made by the
		// DaemonSet controller on every new node; the same pod made by a person still alerts.
		{"EKS Privileged Or Host Access Pod Created", k,
			kev(verb("create"), target("pods", "", "amazon-guardduty", ""), code(201), user("kubernetes-admin", "system:masters"),
				reqObj(pod(privileged)), respName("aws-guardduty-agent-x7k2p")),
			kev(verb("create"), target("pods", "", "amazon-guardduty", ""), code(201), user("system:serviceaccount:kube-system:daemon-set-controller"),
				reqObj(pod(privileged)), respName("aws-guardduty-agent-x7k2p"))},
		{"EKS Privileged Or Host Access Pod Created", k,
			createPod("shop", obj{"containers": ctrs(ctr("nginx:1.25", nil)), "volumes": []any{obj{"name": "h", "hostPath": obj{"path": "/"}}}}),
			createPod("shop", obj{"containers": ctrs(ctr("nginx:1.25", nil)), "volumes": []any{obj{"name": "e", "emptyDir": obj{}}}})},
		{"EKS Privileged Or Host Access Pod Created", k,
			createPod("shop", obj{"hostNetwork": true, "containers": ctrs(ctr("nginx:1.25", nil))}),
			createPod("shop", obj{"hostNetwork": false, "containers": ctrs(ctr("nginx:1.25", obj{"privileged": false}))})},
		{"EKS Cluster-Admin Binding Created", k,
			kev(verb("create"), target("clusterrolebindings", "", "", "ops"), code(201), reqObj(obj{"roleRef": obj{"kind": "ClusterRole", "name": "cluster-admin"},
				"subjects": []any{obj{"kind": "ServiceAccount", "name": "ci", "namespace": "ci"}}})),
			kev(verb("create"), target("clusterrolebindings", "", "", "ops"), code(201), reqObj(obj{"roleRef": obj{"kind": "ClusterRole", "name": "view"},
				"subjects": []any{obj{"kind": "ServiceAccount", "name": "ci", "namespace": "ci"}}}))},
		{"EKS Wildcard Role Created", k,
			kev(verb("create"), target("roles", "", "shop", "all"), code(201), reqObj(obj{"rules": []any{obj{"apiGroups": []any{""}, "resources": []any{"*"}, "verbs": []any{"get"}}}})),
			kev(verb("create"), target("roles", "", "shop", "all"), code(201), user("system:kube-controller-manager"),
				reqObj(obj{"rules": []any{obj{"apiGroups": []any{""}, "resources": []any{"*"}, "verbs": []any{"get"}}}}))},
		{"EKS aws-auth ConfigMap Changed", k,
			kev(verb("patch"), target("configmaps", "", "kube-system", "aws-auth")),
			kev(verb("get"), target("configmaps", "", "kube-system", "aws-auth"))},
		// EKS's own control-plane users (here the KMS storage migrator, which rewrites every
		// ConfigMap when envelope encryption is turned on) do normal work.
		{"EKS aws-auth ConfigMap Changed", k,
			kev(verb("update"), target("configmaps", "", "kube-system", "aws-auth"), user("kubernetes-admin", "system:masters")),
			kev(verb("update"), target("configmaps", "", "kube-system", "aws-auth"), user("eks:kms-storage-migrator"))},
		{"EKS Secret Read By Unusual Principal", k,
			kev(verb("list"), target("secrets", "", "shop", ""), user("system:serviceaccount:shop:web")),
			kev(verb("get"), target("secrets", "", "shop", "db"), user("system:node:ip-10-0-1-23.ec2.internal", "system:nodes"))},
		{"EKS Anonymous Request Allowed", k,
			kev(user("system:anonymous", "system:unauthenticated"), verb("list"), target("namespaces", "", "", ""), uri("/api/v1/namespaces")),
			kev(user("system:anonymous", "system:unauthenticated"), verb("get"), target("", "", "", ""), uri("/version"))},
		// system:public-info-viewer also grants /version/, and clients add query strings.
		{"EKS Anonymous Request Allowed", k,
			kev(user("system:anonymous", "system:unauthenticated"), verb("get"), target("", "", "", ""), uri("/versions")),
			kev(user("system:anonymous", "system:unauthenticated"), verb("get"), target("", "", "", ""), uri("/version?timeout=32s"))},
		{"EKS Anonymous Request Allowed", k,
			kev(user("system:anonymous", "system:unauthenticated"), verb("get"), target("", "", "", ""), uri("/api")),
			kev(user("system:anonymous", "system:unauthenticated"), verb("get"), target("", "", "", ""), uri("/version/"))},
		{"EKS Service Account Token Created", k,
			kev(verb("create"), target("serviceaccounts", "token", "shop", "web"), code(201)),
			kev(verb("create"), target("serviceaccounts", "token", "shop", "web"), code(201), user("system:node:ip-10-0-1-23.ec2.internal", "system:nodes"))},
		{"EKS Service Account Token Created", k,
			kev(verb("create"), target("secrets", "", "shop", "web-token"), code(201), reqObj(obj{"type": "kubernetes.io/service-account-token"})),
			kev(verb("create"), target("secrets", "", "shop", "web-tls"), code(201), reqObj(obj{"type": "kubernetes.io/tls"}))},
		{"EKS Admission Webhook Configuration Changed", k,
			kev(verb("delete"), target("validatingwebhookconfigurations", "", "", "kyverno-policy"), code(200)),
			kev(verb("update"), target("validatingwebhookconfigurations", "", "", "vpc-resource-validating-webhook"), user("eks:vpc-resource-controller"))},
		{"EKS CloudTrail Trail Stopped Or Deleted", c,
			cev("DeleteTrail", src("cloudtrail.amazonaws.com"), params(obj{"name": "org-trail"})),
			cev("DeleteTrail", src("cloudtrail.amazonaws.com"), params(obj{"name": "org-trail"}), failed)},
		{"EKS Cluster Logging Disabled", c,
			cev("UpdateClusterConfig", src("eks.amazonaws.com"), params(obj{"name": "prod", "logging": obj{"clusterLogging": []any{
				obj{"types": []any{"api"}, "enabled": true}, obj{"types": []any{"audit", "authenticator"}, "enabled": false}}}})),
			cev("UpdateClusterConfig", src("eks.amazonaws.com"), params(obj{"name": "prod", "logging": obj{"clusterLogging": []any{
				obj{"types": []any{"api", "audit"}, "enabled": true}}}}))},
		// Entries after the second are judged too (up to five, one per log type).
		{"EKS Cluster Logging Disabled", c,
			cev("UpdateClusterConfig", src("eks.amazonaws.com"), params(obj{"name": "prod", "logging": obj{"clusterLogging": []any{
				obj{"types": []any{"api"}, "enabled": true}, obj{"types": []any{"audit"}, "enabled": true}, obj{"types": []any{"scheduler"}, "enabled": false}}}})),
			cev("UpdateClusterConfig", src("eks.amazonaws.com"), params(obj{"name": "prod", "logging": obj{"clusterLogging": []any{
				obj{"types": []any{"api"}, "enabled": true}, obj{"types": []any{"audit"}, "enabled": true}, obj{"types": []any{"scheduler"}, "enabled": true},
				obj{"types": []any{"authenticator"}, "enabled": true}, obj{"types": []any{"controllerManager"}, "enabled": true}}}}))},
		{"EKS Cluster Endpoint Made Public", c,
			cev("UpdateClusterConfig", src("eks.amazonaws.com"), params(obj{"name": "prod", "resourcesVpcConfig": obj{"endpointPublicAccess": true, "endpointPrivateAccess": true}})),
			cev("UpdateClusterConfig", src("eks.amazonaws.com"), params(obj{"name": "prod", "resourcesVpcConfig": obj{"endpointPublicAccess": false, "endpointPrivateAccess": true}}))},
		// Public access restricted to listed address blocks is CIS 5.4.1's remedy, not an exposure.
		{"EKS Cluster Endpoint Made Public", c,
			cev("UpdateClusterConfig", src("eks.amazonaws.com"), params(obj{"name": "prod", "resourcesVpcConfig": obj{"endpointPublicAccess": true, "publicAccessCidrs": []any{"203.0.113.0/24", "0.0.0.0/0"}}})),
			cev("UpdateClusterConfig", src("eks.amazonaws.com"), params(obj{"name": "prod", "resourcesVpcConfig": obj{"endpointPublicAccess": true, "publicAccessCidrs": []any{"203.0.113.0/24"}}}))},
		{"EKS Access Entry Changed", c,
			cev("AssociateAccessPolicy", src("eks.amazonaws.com"), params(obj{"name": "prod", "principalArn": "arn:aws:iam::111122223333:role/dev",
				"policyArn": "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"})),
			cev("ListAccessEntries", src("eks.amazonaws.com"), params(obj{"name": "prod"}))},
		{"EKS ECR Repository Or Policy Changed", c,
			cev("SetRepositoryPolicy", src("ecr.amazonaws.com"), params(obj{"repositoryName": "shop/web", "policyText": "{}"})),
			cev("PutImageTagMutability", src("ecr.amazonaws.com"), params(obj{"repositoryName": "shop/web", "imageTagMutability": "IMMUTABLE"}))},
		{"EKS ECR Repository Or Policy Changed", c,
			cev("PutImageTagMutability", src("ecr.amazonaws.com"), params(obj{"repositoryName": "shop/web", "imageTagMutability": "MUTABLE_WITH_EXCLUSION"})),
			cev("PutImageTagMutability", src("ecr.amazonaws.com"), params(obj{"repositoryName": "shop/web", "imageTagMutability": "IMMUTABLE_WITH_EXCLUSION"}))},
		{"EKS IAM Access Key Created", c,
			cev("CreateAccessKey", params(obj{"userName": "ci-bot"}), set("responseElements", obj{"accessKey": obj{"accessKeyId": "AKIAEXAMPLE", "userName": "ci-bot", "status": "Active"}})),
			cev("ListAccessKeys", params(obj{"userName": "ci-bot"}))},
		{"EKS Root Account Used", c,
			cev("CreateUser", identity("Root"), params(obj{"userName": "eve"})),
			cev("CreateUser", params(obj{"userName": "eve"}))},
		{"EKS Console Login Without MFA", c,
			cev("ConsoleLogin", consoleLogin("Success", "No")...),
			cev("ConsoleLogin", append(consoleLogin("Success", "No"), identity("AssumedRole"))...)},
		{"EKS Web Identity Role Assumed By Unexpected Service Account", c,
			cev("AssumeRoleWithWebIdentity", src("sts.amazonaws.com"), set("userIdentity", obj{"type": "WebIdentityUser", "principalId": "oidc:sub",
				"userName": "system:serviceaccount:shop:default", "identityProvider": "arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/ABC"}),
				params(obj{"roleArn": "arn:aws:iam::111122223333:role/s3-reader", "roleSessionName": "botocore"})),
			cev("AssumeRoleWithWebIdentity", src("sts.amazonaws.com"), set("userIdentity", obj{"type": "WebIdentityUser", "principalId": "oidc:sub",
				"userName": "system:serviceaccount:shop:web", "identityProvider": "arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/ABC"}),
				params(obj{"roleArn": "arn:aws:iam::111122223333:role/s3-reader", "roleSessionName": "botocore"}))},
	}
}

func TestBuiltinRules(t *testing.T) {
	rs := ruleset(t, true, nil)
	covered := map[string]bool{}
	for _, c := range builtinCases() {
		covered[c.rule] = true
		t.Run(c.rule, func(t *testing.T) {
			if got := fired(t, rs, c.src, c.fire); !reflect.DeepEqual(got, []string{c.rule}) {
				t.Errorf("firing event: got %q, want only %q", got, c.rule)
			}
			if got := fired(t, rs, c.src, c.miss); len(got) != 0 {
				t.Errorf("near miss: got %q, want nothing", got)
			}
		})
	}
	for _, r := range rs.Rules {
		if !covered[r.Name] {
			t.Errorf("built-in rule %q has no firing event and near miss", r.Name)
		}
	}
}

// The IRSA allow-list, once enforced by the user's own file, alerts on unlisted subjects.
func TestBuiltinIRSAAllowList(t *testing.T) {
	user := `
- macro: eksguard_irsa_enforce_allowlist
  condition: (not eksguard_ct_never_true)
  override: {condition: replace}
- list: eksguard_irsa_allowed_subjects
  items: [system:serviceaccount:shop:web]
  override: {items: append}
`
	rs := ruleset(t, true, nil, user)
	ev := func(sub string) []byte {
		return cev("AssumeRoleWithWebIdentity", src("sts.amazonaws.com"), set("userIdentity", obj{"type": "WebIdentityUser", "userName": sub}))
	}
	const rule = "EKS Web Identity Role Assumed By Unexpected Service Account"
	if got := fired(t, rs, "aws_cloudtrail", ev("system:serviceaccount:shop:batch")); !reflect.DeepEqual(got, []string{rule}) {
		t.Errorf("unlisted subject: got %q", got)
	}
	if got := fired(t, rs, "aws_cloudtrail", ev("system:serviceaccount:shop:web")); len(got) != 0 {
		t.Errorf("listed subject: got %q", got)
	}
}
