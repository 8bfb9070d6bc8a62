package stream

import (
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/eksguard/eksguard/pkg/detect"
)

// compatCase is one upstream rule: an event that fires it and a near miss, each with the
// exact set of rules expected to fire (nil: none). Extra is YAML appended after the
// upstream file, for rules that upstream ships switched off by a macro or enabled: false.
type compatCase struct {
	rule      string
	extra     string
	fire      []byte
	fireWant  []string
	miss      []byte
	missWant  []string
	extraNote string
}

func one(s string) []string { return []string{s} }

func k8sCases() []compatCase {
	const allowOnly = `
- macro: allowed_k8s_containers
  condition: (ka.req.pod.containers.image.repository in (my-repo/my-image))
  override: {condition: replace}
`
	nodes := `
- macro: allow_all_k8s_nodes
  condition: (k8s_audit_never_true)
  override: {condition: replace}
- list: allowed_k8s_nodes
  items: [node-good]
  append: true
`
	plain := pod(obj{"containers": ctrs(ctr("nginx:1.25", nil))})
	_ = plain
	role := func(res, rtype string, rules ...obj) []byte {
		rs := []any{}
		for _, r := range rules {
			rs = append(rs, r)
		}
		ns := ""
		if rtype == "roles" {
			ns = "default"
		}
		return kev(verb("create"), target(rtype, "", ns, res), code(201), reqObj(obj{"metadata": obj{"name": res}, "rules": rs}))
	}
	rule := func(verbs, resources []any) obj {
		return obj{"apiGroups": []any{""}, "verbs": verbs, "resources": resources}
	}
	binding := func(kind, roleName string, c int) []byte {
		ns := ""
		if kind == "rolebindings" {
			ns = "default"
		}
		return kev(verb("create"), target(kind, "", ns, "b1"), code(c), reqObj(obj{"metadata": obj{"name": "b1"},
			"roleRef":  obj{"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": roleName},
			"subjects": []any{obj{"kind": "User", "name": "bob", "apiGroup": "rbac.authorization.k8s.io"}}}))
	}
	simple := func(v, res, ns, name string, c int, mods ...func(obj)) []byte {
		return kev(append([]func(obj){verb(v), target(res, "", ns, name), code(c)}, mods...)...)
	}
	activity := func(name, res, ns string) []compatCase {
		created := "K8s " + name + " Created"
		deleted := "K8s " + name + " Deleted"
		return []compatCase{
			{rule: created, fire: simple("create", res, ns, "x1", 201), fireWant: one(created), miss: simple("create", res, ns, "x1", 409)},
			{rule: deleted, fire: simple("delete", res, ns, "x1", 200), fireWant: one(deleted), miss: simple("delete", res, ns, "x1", 404)},
		}
	}
	cases := []compatCase{
		{rule: "Disallowed K8s User", fire: kev(user("mallory", "system:authenticated")), fireWant: one("Disallowed K8s User"),
			miss: kev(user("eks:node-manager", "system:authenticated"))},
		{rule: "Create Disallowed Pod", extra: allowOnly, extraNote: "upstream allows every image by default",
			fire:     createPod("default", obj{"containers": ctrs(ctr("docker.io/evil/miner:1", nil))}),
			fireWant: one("Create Disallowed Pod"),
			miss:     createPod("default", obj{"containers": ctrs(ctr("my-repo/my-image:1.0", nil))})},
		{rule: "Create Privileged Pod",
			fire:     createPod("default", obj{"containers": ctrs(ctr("nginx:1.25", nil)), "initContainers": ctrs(ctr("busybox:1.36", obj{"privileged": true}))}),
			fireWant: one("Create Privileged Pod"),
			miss:     createPod("default", obj{"containers": ctrs(ctr("docker.io/calico/node:v3.27.0", obj{"privileged": true}))})},
		{rule: "Create Sensitive Mount Pod",
			fire: createPod("default", obj{"containers": ctrs(ctr("nginx:1.25", nil)),
				"volumes": []any{obj{"name": "sock", "hostPath": obj{"path": "/var/run/docker.sock"}}}}),
			fireWant: one("Create Sensitive Mount Pod"),
			miss: createPod("default", obj{"containers": ctrs(ctr("nginx:1.25", nil)),
				"volumes": []any{obj{"name": "data", "hostPath": obj{"path": "/var/run/docker"}}}})},
		{rule: "Create HostNetwork Pod",
			fire:     createPod("default", obj{"hostNetwork": true, "containers": ctrs(ctr("nginx:1.25", nil))}),
			fireWant: one("Create HostNetwork Pod"),
			miss:     createPod("default", obj{"hostNetwork": true, "containers": ctrs(ctr("registry.k8s.io/prometheus-to-sd:v0.11.0", nil))})},
		{rule: "Create HostPid Pod",
			fire:     createPod("default", obj{"hostPID": true, "containers": ctrs(ctr("nginx:1.25", nil))}),
			fireWant: one("Create HostPid Pod"),
			miss:     createPod("default", obj{"hostPID": false, "containers": ctrs(ctr("nginx:1.25", nil))})},
		{rule: "Create HostIPC Pod",
			fire:     createPod("default", obj{"hostIPC": true, "containers": ctrs(ctr("nginx:1.25", nil))}),
			fireWant: one("Create HostIPC Pod"),
			miss:     createPod("default", obj{"containers": ctrs(ctr("nginx:1.25", nil))})},
		{rule: "Create NodePort Service",
			fire:     simple("create", "services", "default", "web", 201, reqObj(obj{"spec": obj{"type": "NodePort", "ports": []any{obj{"port": 80, "nodePort": 30080}}}})),
			fireWant: []string{"Create NodePort Service", "K8s Service Created"},
			miss:     simple("create", "services", "default", "web", 201, reqObj(obj{"spec": obj{"type": "ClusterIP", "ports": []any{obj{"port": 80}}}})),
			missWant: one("K8s Service Created")},
		{rule: "Create/Modify Configmap With Private Credentials",
			fire:     simple("update", "configmaps", "default", "app", 200, reqObj(obj{"metadata": obj{"name": "app"}, "data": obj{"aws_access_key_id": "AKIAEXAMPLE"}})),
			fireWant: one("Create/Modify Configmap With Private Credentials"),
			miss:     simple("update", "configmaps", "default", "app", 200, reqObj(obj{"metadata": obj{"name": "app"}, "data": obj{"color": "blue"}}))},
		{rule: "Anonymous Request Allowed",
			fire:     kev(user("system:anonymous", "system:unauthenticated"), verb("list"), target("namespaces", "", "", ""), uri("/api/v1/namespaces")),
			fireWant: one("Anonymous Request Allowed"),
			miss:     kev(user("system:anonymous", "system:unauthenticated"), verb("get"), target("", "", "", ""), uri("/healthz?verbose"))},
		{rule: "Attach/Exec Pod",
			fire:     kev(stage("ResponseStarted"), verb("create"), target("pods", "exec", "default", "web"), code(101), uri("/api/v1/namespaces/default/pods/web/exec?command=sh&stdin=true")),
			fireWant: one("Attach/Exec Pod"),
			miss:     kev(stage("ResponseStarted"), verb("get"), target("pods", "log", "default", "web"), uri("/api/v1/namespaces/default/pods/web/log?follow=true"))},
		{rule: "port-forward",
			fire:     kev(stage("ResponseStarted"), verb("create"), target("pods", "portforward", "default", "web"), code(101)),
			fireWant: one("port-forward"),
			miss:     kev(verb("get"), target("pods", "proxy", "default", "web"))},
		{rule: "EphemeralContainers Created",
			fire:     kev(verb("patch"), target("pods", "ephemeralcontainers", "default", "web"), reqObj(obj{"ephemeralContainers": []any{obj{"name": "debugger", "image": "busybox"}}})),
			fireWant: one("EphemeralContainers Created"),
			miss:     kev(verb("patch"), target("pods", "status", "default", "web"))},
		{rule: "Create Disallowed Namespace",
			fire:     simple("create", "namespaces", "", "crypto", 201),
			fireWant: []string{"Create Disallowed Namespace", "K8s Namespace Created"},
			miss:     simple("create", "namespaces", "", "kube-public", 201),
			missWant: one("K8s Namespace Created")},
		{rule: "Pod Created in Kube Namespace",
			fire:     createPod("kube-system", obj{"containers": ctrs(ctr("docker.io/evil/miner:1", nil))}),
			fireWant: one("Pod Created in Kube Namespace"),
			miss:     createPod("kube-system", obj{"containers": ctrs(ctr("registry.k8s.io/kube-apiserver:v1.30.2", nil))})},
		{rule: "Service Account Created in Kube Namespace",
			fire:     simple("create", "serviceaccounts", "kube-system", "backdoor", 201),
			fireWant: []string{"K8s Serviceaccount Created", "Service Account Created in Kube Namespace"},
			miss:     simple("create", "serviceaccounts", "kube-system", "coredns", 201),
			missWant: one("K8s Serviceaccount Created")},
		{rule: "System ClusterRole Modified/Deleted",
			fire:     simple("update", "clusterroles", "", "system:node", 200),
			fireWant: one("System ClusterRole Modified/Deleted"),
			miss:     simple("update", "clusterroles", "", "system:coredns", 200)},
		{rule: "Attach to cluster-admin Role",
			fire:     binding("clusterrolebindings", "cluster-admin", 201),
			fireWant: []string{"Attach to cluster-admin Role", "K8s ClusterRoleBinding Created"},
			miss:     binding("clusterrolebindings", "view", 201),
			missWant: one("K8s ClusterRoleBinding Created")},
		{rule: "ClusterRole With Wildcard Created",
			fire:     role("r1", "clusterroles", rule([]any{"*"}, []any{"pods"})),
			fireWant: []string{"ClusterRole With Wildcard Created", "K8s ClusterRole Created"},
			miss:     role("r1", "clusterroles", rule([]any{"get"}, []any{"pods"})),
			missWant: one("K8s ClusterRole Created")},
		{rule: "ClusterRole With Write Privileges Created",
			fire:     role("r1", "clusterroles", rule([]any{"get"}, []any{"pods"}), rule([]any{"delete"}, []any{"configmaps"})),
			fireWant: []string{"ClusterRole With Write Privileges Created", "K8s ClusterRole Created"},
			miss:     role("r1", "clusterroles", rule([]any{"get", "list", "watch"}, []any{"pods"})),
			missWant: one("K8s ClusterRole Created")},
		{rule: "ClusterRole With Pod Exec Created",
			fire:     role("r1", "roles", rule([]any{"get"}, []any{"pods", "pods/exec"})),
			fireWant: []string{"ClusterRole With Pod Exec Created", "K8s Role Created"},
			miss:     role("r1", "roles", rule([]any{"get"}, []any{"pods", "pods/log"})),
			missWant: one("K8s Role Created")},
		{rule: "K8s Namespace Deleted",
			fire: simple("delete", "namespaces", "", "team-a", 200), fireWant: one("K8s Namespace Deleted"),
			miss: simple("delete", "namespaces", "", "team-a", 200, user("system:serviceaccount:kube-system:namespace-controller"))},
		{rule: "K8s Secret Created",
			fire: simple("create", "secrets", "default", "db", 201), fireWant: one("K8s Secret Created"),
			miss: simple("create", "secrets", "kube-system", "db", 201)},
		{rule: "K8s Secret Deleted",
			fire: simple("delete", "secrets", "default", "db", 200), fireWant: one("K8s Secret Deleted"),
			miss: simple("delete", "secrets", "default", "db", 200, user("system:serviceaccount:kube-system:generic-garbage-collector"))},
		{rule: "K8s Secret Get Successfully",
			fire: simple("get", "secrets", "default", "db", 200), fireWant: one("K8s Secret Get Successfully"),
			miss: simple("get", "configmaps", "default", "db", 200)},
		{rule: "K8s Secret Get Unsuccessfully Tried",
			fire: simple("get", "secrets", "default", "db", 403), fireWant: one("K8s Secret Get Unsuccessfully Tried"),
			miss: simple("list", "secrets", "default", "", 403)},
		{rule: "All K8s Audit Events", extraNote: "upstream switches it off with consider_all_events",
			extra: "- macro: consider_all_events\n  condition: (k8s_audit_always_true)\n  override: {condition: replace}\n",
			fire:  kev(), fireWant: one("All K8s Audit Events"),
			miss: kev(stage("RequestReceived"))},
		{rule: "Full K8s Administrative Access", extraNote: "upstream switches it off with allowed_full_admin_users",
			extra: "- macro: allowed_full_admin_users\n  condition: (k8s_audit_never_true)\n  override: {condition: replace}\n",
			fire:  kev(user("admin")), fireWant: one("Full K8s Administrative Access"),
			miss: kev(user("kubelet"))},
		{rule: "Ingress Object without TLS Certificate Created",
			fire:     simple("create", "ingresses", "default", "web", 201, reqObj(obj{"spec": obj{"rules": []any{obj{"host": "shop.example.com"}}}})),
			fireWant: one("Ingress Object without TLS Certificate Created"),
			miss:     simple("create", "ingresses", "default", "web", 201, reqObj(obj{"spec": obj{"tls": []any{obj{"hosts": []any{"shop.example.com"}, "secretName": "tls"}}}}))},
		{rule: "Untrusted Node Successfully Joined the Cluster", extra: nodes, extraNote: "upstream allows all nodes by default",
			fire:     simple("create", "nodes", "", "node-x", 201),
			fireWant: one("Untrusted Node Successfully Joined the Cluster"),
			miss:     simple("create", "nodes", "", "node-good", 201)},
		{rule: "Untrusted Node Unsuccessfully Tried to Join the Cluster", extra: nodes, extraNote: "upstream allows all nodes by default",
			fire:     simple("create", "nodes", "", "node-x", 403),
			fireWant: one("Untrusted Node Unsuccessfully Tried to Join the Cluster"),
			miss:     simple("create", "nodes", "", "node-good", 403)},
	}
	for _, a := range [][3]string{{"Deployment", "deployments", "default"}, {"Service", "services", "default"}, {"ConfigMap", "configmaps", "default"},
		{"Serviceaccount", "serviceaccounts", "default"}, {"ClusterRole", "clusterroles", ""}, {"Role", "roles", "default"}} {
		cases = append(cases, activity(a[0], a[1], a[2])...)
	}
	cases = append(cases,
		compatCase{rule: "K8s Namespace Created", fire: simple("create", "namespaces", "", "default", 201), fireWant: one("K8s Namespace Created"),
			miss: simple("create", "namespaces", "", "default", 409)},
		compatCase{rule: "K8s RoleBinding Created", fire: binding("rolebindings", "view", 201), fireWant: one("K8s RoleBinding Created"),
			miss: binding("rolebindings", "view", 403)},
		compatCase{rule: "K8s RoleBinding Deleted", fire: simple("delete", "rolebindings", "default", "b1", 200), fireWant: one("K8s RoleBinding Deleted"),
			miss: simple("delete", "rolebindings", "default", "b1", 404)},
		compatCase{rule: "K8s ClusterRoleBinding Created", fire: binding("clusterrolebindings", "view", 201), fireWant: one("K8s ClusterRoleBinding Created"),
			miss: binding("clusterrolebindings", "view", 422)},
		compatCase{rule: "K8s ClusterRoleBinding Deleted", fire: simple("delete", "clusterrolebindings", "", "b1", 200), fireWant: one("K8s ClusterRoleBinding Deleted"),
			miss: simple("delete", "clusterrolebindings", "", "b1", 404)},
	)
	return cases
}

func ctCases() []compatCase {
	ok := func(name string, mods ...func(obj)) []byte { return cev(name, mods...) }
	bad := func(name string, mods ...func(obj)) []byte { return cev(name, append(mods, failed)...) }
	simple := func(rule, name string, mods ...func(obj)) compatCase {
		return compatCase{rule: rule, fire: ok(name, mods...), fireWant: one(rule), miss: bad(name, mods...)}
	}
	pab := func(v bool) obj {
		return obj{"bucketName": "shop", "publicAccessBlock": "", "PublicAccessBlockConfiguration": obj{
			"RestrictPublicBuckets": v, "BlockPublicPolicy": true, "BlockPublicAcls": true, "IgnorePublicAcls": true}}
	}
	return []compatCase{
		{rule: "Console Login Through Assume Role",
			fire: ok("ConsoleLogin", append(consoleLogin("Success", "No"), identity("AssumedRole"))...), fireWant: one("Console Login Through Assume Role"),
			miss: ok("ConsoleLogin", append(consoleLogin("Failure", "No"), identity("AssumedRole"))...)},
		{rule: "Console Login Without MFA",
			fire: ok("ConsoleLogin", consoleLogin("Success", "No")...), fireWant: one("Console Login Without MFA"),
			miss: ok("ConsoleLogin", consoleLogin("Success", "Yes")...)},
		{rule: "Console Root Login Without MFA",
			fire: ok("ConsoleLogin", append(consoleLogin("Success", "No"), identity("Root"))...), fireWant: []string{"Console Login Without MFA", "Console Root Login Without MFA"},
			miss: ok("ConsoleLogin", append(consoleLogin("Success", "Yes"), identity("Root"))...)},
		{rule: "Deactivate MFA for Root User",
			fire: ok("DeactivateMFADevice", identity("Root"), params(obj{"userName": "AWS ROOT USER", "serialNumber": "arn:aws:iam::111122223333:mfa/root"})), fireWant: one("Deactivate MFA for Root User"),
			miss: ok("DeactivateMFADevice", params(obj{"userName": "alice", "serialNumber": "arn:aws:iam::111122223333:mfa/alice"}))},
		simple("Create AWS user", "CreateUser", params(obj{"userName": "eve"})),
		simple("Create Group", "CreateGroup", params(obj{"groupName": "ops"})),
		simple("Delete Group", "DeleteGroup", params(obj{"groupName": "ops"})),
		{rule: "ECS Service Created",
			fire: ok("CreateService", src("ecs.amazonaws.com"), params(obj{"cluster": "c", "serviceName": "s", "taskDefinition": "t:1"})), fireWant: one("ECS Service Created"),
			miss: ok("CreateService", src("servicediscovery.amazonaws.com"), params(obj{"name": "s"}))},
		{rule: "ECS Task Run or Started",
			fire: ok("RunTask", src("ecs.amazonaws.com"), params(obj{"cluster": "c", "taskDefinition": "t:1"})), fireWant: one("ECS Task Run or Started"),
			miss: ok("StopTask", src("ecs.amazonaws.com"), params(obj{"cluster": "c", "task": "t"}))},
		{rule: "Create Lambda Function",
			fire: ok("CreateFunction20150331", src("lambda.amazonaws.com"), params(obj{"functionName": "f"})), fireWant: one("Create Lambda Function"),
			miss: ok("GetFunction20150331v2", src("lambda.amazonaws.com"), params(obj{"functionName": "f"}))},
		simple("Update Lambda Function Code", "UpdateFunctionCode20150331v2", src("lambda.amazonaws.com"), params(obj{"functionName": "f"})),
		simple("Update Lambda Function Configuration", "UpdateFunctionConfiguration20150331v2", src("lambda.amazonaws.com"), params(obj{"functionName": "f"})),
		{rule: "Run Instances",
			fire: ok("RunInstances", src("ec2.amazonaws.com"), set("awsRegion", "us-east-0")), fireWant: one("Run Instances"),
			miss: bad("RunInstances", src("ec2.amazonaws.com"), set("awsRegion", "us-east-0"))},
		{rule: "Run Instances in Non-approved Region",
			fire:     ok("RunInstances", src("ec2.amazonaws.com"), set("responseElements", obj{"instancesSet": obj{"items": []any{obj{"instanceId": "i-0abc"}}}})),
			fireWant: []string{"Run Instances", "Run Instances in Non-approved Region"},
			miss:     ok("RunInstances", src("ec2.amazonaws.com"), set("awsRegion", "us-east-0")), missWant: one("Run Instances")},
		simple("Delete Bucket Encryption", "DeleteBucketEncryption", src("s3.amazonaws.com"), params(obj{"bucketName": "shop"})),
		{rule: "Delete Bucket Public Access Block",
			fire: ok("PutBucketPublicAccessBlock", src("s3.amazonaws.com"), params(pab(false))), fireWant: one("Delete Bucket Public Access Block"),
			miss: ok("PutBucketPublicAccessBlock", src("s3.amazonaws.com"), params(pab(true)))},
		{rule: "List Buckets", extraNote: "enabled: false upstream",
			extra: "- rule: List Buckets\n  enabled: true\n",
			fire:  ok("ListBuckets", src("s3.amazonaws.com"), params(obj{"Host": "s3.amazonaws.com"})), fireWant: one("List Buckets"),
			miss: ok("ListObjects", src("s3.amazonaws.com"), params(obj{"bucketName": "shop"}))},
		simple("Put Bucket ACL", "PutBucketAcl", src("s3.amazonaws.com"), params(obj{"bucketName": "shop"})),
		simple("Put Bucket Policy", "PutBucketPolicy", src("s3.amazonaws.com"), params(obj{"bucketName": "shop", "policy": "{}"})),
		simple("CloudTrail Trail Created", "CreateTrail", src("cloudtrail.amazonaws.com"), params(obj{"name": "t"})),
		simple("CloudTrail Logging Disabled", "StopLogging", src("cloudtrail.amazonaws.com"), params(obj{"name": "t"})),
		{rule: "All Cloudtrail Events", extraNote: "enabled: false upstream",
			extra: "- rule: All Cloudtrail Events\n  enabled: true\n",
			fire:  ok("DescribeInstances", src("ec2.amazonaws.com")), fireWant: one("All Cloudtrail Events"),
			miss: ok("CreateUser"), missWant: []string{"All Cloudtrail Events", "Create AWS user"}},
	}
}

func runCompat(t *testing.T, file, src string, cases []compatCase) {
	base := ruleset(t, false, []string{file})
	covered := map[string]bool{}
	for _, c := range cases {
		covered[c.rule] = true
		t.Run(c.rule, func(t *testing.T) {
			rs := base
			if c.extra != "" {
				rs = ruleset(t, false, []string{file}, c.extra)
				// Without the user file the rule stays silent on its firing event.
				if got := fired(t, base, src, c.fire); contains(got, c.rule) {
					t.Errorf("%s fired without the user override (%s)", c.rule, c.extraNote)
				}
			}
			if got := fired(t, rs, src, c.fire); !reflect.DeepEqual(got, c.fireWant) {
				t.Errorf("firing event: got %q, want %q", got, c.fireWant)
			}
			if got := fired(t, rs, src, c.miss); !reflect.DeepEqual(got, c.missWant) {
				t.Errorf("near miss: got %q, want %q", got, c.missWant)
			}
		})
	}
	for _, r := range base.Rules {
		if !covered[r.Name] {
			t.Errorf("upstream rule %q has no compatibility case", r.Name)
		}
	}
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

func TestUpstreamK8sAuditRules(t *testing.T) {
	runCompat(t, "k8s_audit_rules.yaml", "k8s_audit", k8sCases())
}

func TestUpstreamCloudTrailRules(t *testing.T) {
	runCompat(t, "aws_cloudtrail_rules.yaml", "aws_cloudtrail", ctCases())
}

var fieldRef = regexp.MustCompile(`(?:^|[\s(%!=,])((?:ka|jevt|json|ct|s3|ec2|ecr|evt)\.[A-Za-z0-9_.]*[A-Za-z0-9_])`)

// TestUpstreamFieldsImplemented checks every field the upstream files name, in conditions
// and outputs, enabled rules or not, against the field table of the file's source.
func TestUpstreamFieldsImplemented(t *testing.T) {
	for file, src := range map[string]*detect.Source{"k8s_audit_rules.yaml": Sources()[0], "aws_cloudtrail_rules.yaml": Sources()[1]} {
		var n int
		for _, line := range strings.Split(string(upstream(t, file)), "\n") {
			if strings.HasPrefix(strings.TrimSpace(line), "#") {
				continue
			}
			for _, m := range fieldRef.FindAllStringSubmatch(line, -1) {
				n++
				if src.Field(m[1]) == nil {
					t.Errorf("%s uses %s, which source %s lacks", file, m[1], src.Name)
				}
			}
		}
		if n < 20 {
			t.Errorf("%s: only %d field references found; the scan is broken", file, n)
		}
	}
}

// TestUpstreamFilesLoadUnchanged loads every upstream file together; syscall rules are
// skipped and counted, not errors.
func TestUpstreamFilesLoadUnchanged(t *testing.T) {
	rs := ruleset(t, true, []string{"k8s_audit_rules.yaml", "aws_cloudtrail_rules.yaml", "falco_rules.yaml"})
	if len(rs.Skipped) == 0 {
		t.Error("falco_rules.yaml syscall rules were not skipped")
	}
	for _, s := range rs.Skipped {
		if s.Source != "syscall" {
			t.Errorf("skipped %q of source %s", s.Name, s.Source)
		}
	}
	if rs.Enabled() < 80 {
		t.Errorf("only %d enabled rules", rs.Enabled())
	}
}
