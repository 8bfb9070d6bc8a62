package stream

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"testing"

	"github.com/eksguard/eksguard/internal/testenv"
	"github.com/eksguard/eksguard/pkg/detect"
	"github.com/eksguard/eksguard/pkg/detect/cloudtrail"
	"github.com/eksguard/eksguard/pkg/detect/k8saudit"
	"github.com/eksguard/eksguard/pkg/finding"
	detectrules "github.com/eksguard/eksguard/rules/detect"
)

// upstreamDir finds ../shared/reference/falco-upstream-rules next to the repository root.
func upstreamDir(t testing.TB) string {
	t.Helper()
	return testenv.Reference(t, "falco-upstream-rules")
}

func upstream(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(upstreamDir(t), name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// ruleset compiles upstream files by name, then extra YAML documents.
func ruleset(t testing.TB, builtin bool, files []string, extra ...string) *detect.Ruleset {
	t.Helper()
	l := detect.NewLoader(Sources()...)
	if builtin {
		for _, f := range detectrules.Files() {
			l.Load(f.Name, f.Data)
		}
	}
	for _, f := range files {
		l.Load(f, upstream(t, f))
	}
	for i, x := range extra {
		l.Load("extra"+string(rune('0'+i))+".yaml", []byte(x))
	}
	rs, err := l.Compile()
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

// fired runs one record through the rules and returns the sorted names of the rules that
// fired; a record error fails the test.
func fired(t testing.TB, rs *detect.Ruleset, src string, rec []byte) []string {
	t.Helper()
	var names []string
	r := &Runner{Rules: rs, Emit: func(a *Alert) error {
		names = append(names, a.Rule.Name)
		return nil
	}, Bad: func(e finding.InputError) { t.Fatalf("record error: %v", e) }}
	if err := r.Record("test", 1, src, rec); err != nil {
		t.Fatal(err)
	}
	sort.Strings(names)
	// The rule index is only a speed-up: evaluating every rule gives the same alerts.
	var all []string
	check := func(ev detect.Event) {
		for _, rule := range rs.For(src) {
			if rule.Match(ev) {
				all = append(all, rule.Name)
			}
		}
	}
	switch src {
	case k8saudit.SourceName:
		var d k8saudit.Decoder
		d.Decode(rec, func(e *k8saudit.Event) error { check(e); return nil })
	case cloudtrail.SourceName:
		var d cloudtrail.Decoder
		d.Decode(rec, func(e *cloudtrail.Event) error { check(e); return nil })
	}
	sort.Strings(all)
	if !reflect.DeepEqual(all, names) {
		t.Errorf("indexed rules fired %q, all rules %q", names, all)
	}
	return names
}

type obj = map[string]any

// kev builds a Kubernetes audit event: a completed, allowed "get pods/default/web" by
// kubernetes-admin answered 200, changed by mods.
func kev(mods ...func(obj)) []byte {
	e := obj{
		"kind": "Event", "apiVersion": "audit.k8s.io/v1", "level": "RequestResponse",
		"auditID": "8d7a7c1e-0b0e-4b59-9d2f-3e0c9a1d2b11", "stage": "ResponseComplete",
		"requestURI": "/api/v1/namespaces/default/pods/web", "verb": "get",
		"user":      obj{"username": "kubernetes-admin", "groups": []any{"system:masters", "system:authenticated"}},
		"sourceIPs": []any{"192.0.2.10"}, "userAgent": "kubectl/v1.30.2 (linux/amd64)",
		"objectRef":                obj{"resource": "pods", "namespace": "default", "name": "web", "apiVersion": "v1"},
		"responseStatus":           obj{"metadata": obj{}, "code": 200},
		"requestReceivedTimestamp": "2026-11-26T10:00:00.000000Z", "stageTimestamp": "2026-11-26T10:00:00.010000Z",
		"annotations": obj{"authorization.k8s.io/decision": "allow", "authorization.k8s.io/reason": "RBAC: allowed by ClusterRoleBinding"},
	}
	for _, m := range mods {
		m(e)
	}
	b, err := json.Marshal(e)
	if err != nil {
		panic(err)
	}
	return b
}

func verb(v string) func(obj)  { return func(e obj) { e["verb"] = v } }
func stage(s string) func(obj) { return func(e obj) { e["stage"] = s } }
func user(u string, groups ...string) func(obj) {
	return func(e obj) {
		g := []any{}
		for _, x := range groups {
			g = append(g, x)
		}
		e["user"] = obj{"username": u, "groups": g}
	}
}
func code(c int) func(obj) {
	return func(e obj) { e["responseStatus"] = obj{"metadata": obj{}, "code": c} }
}
func uri(u string) func(obj) { return func(e obj) { e["requestURI"] = u } }

// target sets objectRef: resource[/subresource], namespace ("" for cluster scope), name.
func target(resource, sub, ns, name string) func(obj) {
	return func(e obj) {
		o := obj{"resource": resource, "name": name, "apiVersion": "v1"}
		if sub != "" {
			o["subresource"] = sub
		}
		if ns != "" {
			o["namespace"] = ns
		}
		e["objectRef"] = o
	}
}
func reqObj(o obj) func(obj) { return func(e obj) { e["requestObject"] = o } }
func respName(n string) func(obj) {
	return func(e obj) { e["responseObject"] = obj{"metadata": obj{"name": n}} }
}

// pod is a pod request object with containers given as image -> securityContext.
func pod(spec obj) obj {
	return obj{"kind": "Pod", "apiVersion": "v1", "metadata": obj{"name": "web"}, "spec": spec}
}
func ctr(image string, sc obj) obj {
	c := obj{"name": "c", "image": image}
	if sc != nil {
		c["securityContext"] = sc
	}
	return c
}
func ctrs(cs ...obj) []any {
	out := []any{}
	for _, c := range cs {
		out = append(out, c)
	}
	return out
}

// createPod: a completed create of a pod in ns with the given spec.
func createPod(ns string, spec obj) []byte {
	return kev(verb("create"), target("pods", "", ns, ""), code(201), uri("/api/v1/namespaces/"+ns+"/pods"), reqObj(pod(spec)), respName("web-7d4b9"))
}

// cev builds a CloudTrail record: a successful iam call by IAM user alice, changed by mods.
func cev(name string, mods ...func(obj)) []byte {
	e := obj{
		"eventVersion": "1.09",
		"userIdentity": obj{"type": "IAMUser", "principalId": "AIDAEXAMPLEPRINCIPAL", "arn": "arn:aws:iam::111122223333:user/alice",
			"accountId": "111122223333", "accessKeyId": "AKIAEXAMPLEKEYID0001", "userName": "alice"},
		"eventTime": "2026-11-26T10:00:00Z", "eventSource": "iam.amazonaws.com", "eventName": name,
		"awsRegion": "us-east-1", "sourceIPAddress": "198.51.100.7", "userAgent": "aws-cli/2.15.0",
		"requestParameters": obj{}, "responseElements": nil,
		"requestID": "0f0e0d0c-0b0a-0908-0706-050403020100", "eventID": "11112222-3333-4444-5555-666677778888",
		"readOnly": false, "eventType": "AwsApiCall", "managementEvent": true,
		"recipientAccountId": "111122223333", "eventCategory": "Management",
	}
	for _, m := range mods {
		m(e)
	}
	b, err := json.Marshal(e)
	if err != nil {
		panic(err)
	}
	return b
}

func set(k string, v any) func(obj) { return func(e obj) { e[k] = v } }
func src(s string) func(obj)        { return set("eventSource", s) }
func failed(e obj) {
	e["errorCode"] = "AccessDenied"
	e["errorMessage"] = "User is not authorized"
}
func params(p obj) func(obj) { return set("requestParameters", p) }
func identity(typ string) func(obj) {
	return func(e obj) {
		switch typ {
		case "Root":
			e["userIdentity"] = obj{"type": "Root", "principalId": "111122223333", "arn": "arn:aws:iam::111122223333:root", "accountId": "111122223333"}
		case "AssumedRole":
			e["userIdentity"] = obj{"type": "AssumedRole", "principalId": "AROAEXAMPLE:alice", "arn": "arn:aws:sts::111122223333:assumed-role/Admin/alice",
				"accountId": "111122223333", "sessionContext": obj{"sessionIssuer": obj{"type": "Role", "userName": "Admin", "arn": "arn:aws:iam::111122223333:role/Admin"}}}
		}
	}
}
func consoleLogin(result, mfa string) []func(obj) {
	return []func(obj){src("signin.amazonaws.com"), set("eventType", "AwsConsoleSignIn"),
		set("responseElements", obj{"ConsoleLogin": result}), set("additionalEventData", obj{"MFAUsed": mfa, "LoginTo": "https://console.aws.amazon.com/"})}
}
