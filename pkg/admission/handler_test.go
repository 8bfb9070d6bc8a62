package admission_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	admissionv1 "k8s.io/api/admission/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/eksguard/eksguard/pkg/admission"
)

// review builds an AdmissionReview body for obj (raw JSON) of kind in namespace.
func review(group, version, kind, namespace string, op admissionv1.Operation, obj string) []byte {
	r := admissionv1.AdmissionReview{
		TypeMeta: metav1.TypeMeta{APIVersion: "admission.k8s.io/v1", Kind: "AdmissionReview"},
		Request: &admissionv1.AdmissionRequest{
			UID:       "0e1f2a3b-0000-4000-8000-000000000001",
			Kind:      metav1.GroupVersionKind{Group: group, Version: version, Kind: kind},
			Namespace: namespace, Name: "x", Operation: op,
		},
	}
	if obj != "" {
		r.Request.Object.Raw = []byte(obj)
	}
	b, _ := json.Marshal(r)
	return b
}

const privilegedPodJSON = `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"x"},"spec":{"containers":[{"name":"app","image":"a","securityContext":{"privileged":true}}]}}`

func newTestHandler(t testing.TB, cfgText string) *admission.Handler {
	t.Helper()
	c, err := admission.ParseConfig("test", []byte(cfgText))
	if err != nil {
		t.Fatal(err)
	}
	h, err := admission.NewHandler(c, selectRulesTB(t, testRules...), nil)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

type answer struct {
	status int
	body   string
	resp   *admissionv1.AdmissionResponse
}

func post(h *admission.Handler, body []byte, contentType string) answer {
	req := httptest.NewRequest(http.MethodPost, "/validate", bytes.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	rec := httptest.NewRecorder()
	h.ServeValidate(rec, req, "")
	a := answer{status: rec.Code, body: rec.Body.String()}
	if rec.Code == http.StatusOK {
		var out admissionv1.AdmissionReview
		if err := json.Unmarshal(rec.Body.Bytes(), &out); err == nil {
			a.resp = out.Response
		}
	}
	return a
}

func TestBadBodies(t *testing.T) {
	h := newTestHandler(t, "maxBodyBytes: 65536\n")
	ok := review("", "v1", "Pod", "default", admissionv1.Create, privilegedPodJSON)
	for _, tc := range []struct {
		name   string
		body   []byte
		ctype  string
		status int
		want   string
	}{
		{"oversized", append(ok[:len(ok):len(ok)], bytes.Repeat([]byte(" "), 70000)...), "application/json", 413, "over the 65536-byte limit"},
		{"not JSON", []byte("{\"apiVersion\":"), "application/json", 400, "not valid JSON"},
		{"YAML", []byte("apiVersion: admission.k8s.io/v1\n"), "application/json", 400, "not valid JSON"},
		{"duplicate keys", []byte(`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","kind":"AdmissionReview","request":{"uid":"u"}}`), "", 400, "duplicate field"},
		{"v1beta1", bytes.Replace(ok, []byte("admission.k8s.io/v1"), []byte("admission.k8s.io/v1beta1"), 1), "", 400, "the webhook speaks admission.k8s.io/v1"},
		{"no request", []byte(`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview"}`), "", 400, "no request"},
		{"no uid", []byte(`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{}}`), "", 400, "no uid"},
		{"text/plain", ok, "text/plain", 415, "application/json"},
		{"trailing data", append(ok[:len(ok):len(ok)], []byte("{}")...), "", 400, "not valid JSON"},
		{"nested 60,000 deep", []byte(`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u","object":` + strings.Repeat("[", 60000)), "", 400, "not valid JSON"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := post(h, tc.body, tc.ctype)
			if a.status != tc.status || !strings.Contains(a.body, tc.want) {
				t.Errorf("got %d %q, want %d with %q", a.status, a.body, tc.status, tc.want)
			}
		})
	}
	t.Run("GET", func(t *testing.T) {
		rec := httptest.NewRecorder()
		h.ServeValidate(rec, httptest.NewRequest(http.MethodGet, "/validate", nil), "")
		if rec.Code != 405 {
			t.Errorf("GET: %d", rec.Code)
		}
	})
}

// TestParseErrorsFailClosed: an object the webhook cannot read is denied in enforce mode,
// admitted with a warning in warn mode or when the config fails open.
func TestParseErrorsFailClosed(t *testing.T) {
	bad := []struct{ name, group, version, kind, obj string }{
		{"wrong type", "", "v1", "Pod", `{"spec":{"containers":"app"}}`},
		{"duplicate key in the object", "", "v1", "Pod", `{"spec":{"hostPID":false,"hostPID":true,"containers":[]}}`},
		{"unknown version of a workload kind", "apps", "v1beta1", "Deployment", `{"spec":{}}`},
		{"no object", "", "v1", "Pod", ``},
	}
	// An operation the API does not define.
	unknownOp := review("", "v1", "Pod", "shop", admissionv1.Operation("PATCH"), privilegedPodJSON)
	if a := post(newTestHandler(t, ""), unknownOp, ""); a.resp == nil || a.resp.Allowed || !strings.Contains(a.resp.Result.Message, `unknown operation "PATCH"`) {
		t.Errorf("unknown operation: %+v", a)
	}
	closed := newTestHandler(t, "")
	open := newTestHandler(t, "failOpen: true\n")
	warn := newTestHandler(t, "defaultMode: warn\n")
	for _, b := range bad {
		body := review(b.group, b.version, b.kind, "shop", admissionv1.Create, b.obj)
		if a := post(closed, body, ""); a.resp == nil || a.resp.Allowed || !strings.Contains(a.resp.Result.Message, "fails closed") {
			t.Errorf("%s, enforce: %+v", b.name, a)
		}
		for name, h := range map[string]*admission.Handler{"fail open": open, "warn": warn} {
			if a := post(h, body, ""); a.resp == nil || !a.resp.Allowed || len(a.resp.Warnings) != 1 || !strings.Contains(a.resp.Warnings[0], "admitted unchecked") {
				t.Errorf("%s, %s: %+v", b.name, name, a)
			}
		}
	}
}

func TestDecisions(t *testing.T) {
	h := newTestHandler(t, "namespaces: {audited: audit}\n")
	// An unknown kind holds no pod spec: admitted, not an error.
	if a := post(h, review("", "v1", "ConfigMap", "shop", admissionv1.Create, `{"data":{}}`), ""); a.resp == nil || !a.resp.Allowed {
		t.Errorf("ConfigMap: %+v", a)
	}
	// Excluded namespaces are never evaluated.
	if a := post(h, review("", "v1", "Pod", "kube-system", admissionv1.Create, privilegedPodJSON), ""); a.resp == nil || !a.resp.Allowed {
		t.Errorf("kube-system: %+v", a)
	}
	if a := post(h, review("", "v1", "Pod", "eksguard", admissionv1.Create, privilegedPodJSON), ""); a.resp == nil || !a.resp.Allowed {
		t.Errorf("own namespace: %+v", a)
	}
	// Deletes carry no object to judge.
	if a := post(h, review("", "v1", "Pod", "shop", admissionv1.Delete, ""), ""); a.resp == nil || !a.resp.Allowed {
		t.Errorf("delete: %+v", a)
	}
	// Audit: annotations name the failed rules.
	a := post(h, review("", "v1", "Pod", "audited", admissionv1.Create, privilegedPodJSON), "")
	if a.resp == nil || !a.resp.Allowed || a.resp.AuditAnnotations["failed-rules"] != "pod/privileged,pod/privilege-escalation" ||
		a.resp.AuditAnnotations["mode"] != "audit" || !strings.Contains(a.resp.AuditAnnotations["findings"], `[pod/privileged] container "app" runs privileged`) {
		t.Errorf("audit: %+v", a.resp)
	}
	if string(a.resp.UID) != "0e1f2a3b-0000-4000-8000-000000000001" {
		t.Errorf("uid %q not echoed", a.resp.UID)
	}
}

// TestHugeObject: a pod with thousands of failing containers gets a bounded answer.
func TestHugeObject(t *testing.T) {
	var cs []string
	for i := 0; i < 20000; i++ {
		cs = append(cs, fmt.Sprintf(`{"name":"c%d","image":"a","securityContext":{"privileged":true}}`, i))
	}
	obj := `{"spec":{"containers":[` + strings.Join(cs, ",") + `]}}`
	for _, mode := range []string{"enforce", "warn", "audit"} {
		h := newTestHandler(t, "defaultMode: "+mode+"\n")
		a := post(h, review("", "v1", "Pod", "shop", admissionv1.Create, obj), "")
		if a.resp == nil {
			t.Fatalf("%s: %d %s", mode, a.status, a.body)
		}
		if len(a.body) > 64<<10 {
			t.Errorf("%s: %d-byte answer", mode, len(a.body))
		}
		if mode == "enforce" && !strings.Contains(a.resp.Result.Message, "... and 39980 more") {
			t.Errorf("enforce message: %.300s", a.resp.Result.Message)
		}
		if len(a.resp.Warnings) > 20 {
			t.Errorf("%d warnings", len(a.resp.Warnings))
		}
	}
}

func TestModeFor(t *testing.T) {
	for _, tc := range []struct {
		cfg, ns string
		label   admission.Mode
		want    admission.Mode
	}{
		{"", "shop", "", admission.ModeEnforce},
		{"", "shop", admission.ModeAudit, admission.ModeEnforce}, // labels ignored by default
		{"defaultMode: audit\nlabelOverrides: stricter\n", "shop", admission.ModeWarn, admission.ModeWarn},
		{"labelOverrides: stricter\n", "shop", admission.ModeAudit, admission.ModeEnforce},
		{"labelOverrides: any\n", "shop", admission.ModeAudit, admission.ModeAudit},
		{"labelOverrides: any\n", "kube-system", admission.ModeEnforce, admission.ModeOff},
		{"ownNamespace: guard\n", "guard", "", admission.ModeOff},
		{"excludedNamespaces: [monitoring]\n", "monitoring", "", admission.ModeOff},
		{"namespaces: {legacy: warn}\n", "legacy", "", admission.ModeWarn},
	} {
		c, err := admission.ParseConfig("t", []byte(tc.cfg))
		if err != nil {
			t.Fatal(err)
		}
		if got := c.ModeFor(tc.ns, tc.label); got != tc.want {
			t.Errorf("%q ns %s label %q: %s, want %s", tc.cfg, tc.ns, tc.label, got, tc.want)
		}
	}
	for _, bad := range []string{"defaultMode: strict\n", "labelOverrides: some\n", "timeout: 40s\n", "unknownField: 1\n", "maxBodyBytes: 10\n", "failOn: sometimes\n"} {
		if _, err := admission.ParseConfig("t", []byte(bad)); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// TestPlainHTTPClient: a client that speaks HTTP without TLS gets a 400 from the TLS
// listener, and the server keeps serving.
func TestPlainHTTPClient(t *testing.T) {
	ca, err := admission.NewCA("t", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := ca.IssueTLS([]string{"127.0.0.1"}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	srv := &admission.Server{Handler: newTestHandler(t, ""), Addr: "127.0.0.1:0", Certificate: cert}
	if err := srv.Listen(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx) }()
	defer func() { cancel(); <-done }()
	resp, err := http.Post("http://"+srv.Addr+"/validate", "application/json", bytes.NewReader(review("", "v1", "Pod", "shop", admissionv1.Create, privilegedPodJSON)))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 400 || !strings.Contains(string(b), "HTTPS") {
		t.Errorf("plain HTTP: %d %s", resp.StatusCode, b)
	}
	// TLS still works, with health and metrics on the same port.
	pool := mustPool(t, ca.CertPEM)
	c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	for _, p := range []string{"/healthz", "/readyz", "/metrics"} {
		r, err := c.Get("https://" + srv.Addr + p)
		if err != nil {
			t.Fatal(err)
		}
		r.Body.Close()
		if r.StatusCode != 200 {
			t.Errorf("%s: %d", p, r.StatusCode)
		}
	}
}

func TestMutateDefaults(t *testing.T) {
	f, tr := false, true
	uid := int64(1000)
	root := int64(0)
	mc := admission.MutateConfig{AllowPrivilegeEscalation: true, DropAllCapabilities: true, SeccompRuntimeDefault: true, RunAsNonRoot: true, NonRootImages: []string{"registry.example/nonroot"}}
	p := &corev1.Pod{Spec: corev1.PodSpec{
		InitContainers: []corev1.Container{{Name: "init", Image: "registry.example/nonroot/init:1"}},
		Containers: []corev1.Container{
			{Name: "bare", Image: "busybox"},
			{Name: "user-set", Image: "busybox", SecurityContext: &corev1.SecurityContext{AllowPrivilegeEscalation: &tr, RunAsUser: &uid, Capabilities: &corev1.Capabilities{Drop: []corev1.Capability{"NET_RAW"}}}},
			{Name: "privileged", Image: "busybox", SecurityContext: &corev1.SecurityContext{Privileged: &tr}},
			{Name: "sysadmin", Image: "busybox", SecurityContext: &corev1.SecurityContext{Capabilities: &corev1.Capabilities{Add: []corev1.Capability{"SYS_ADMIN"}}}},
			{Name: "root", Image: "registry.example/nonroot/x", SecurityContext: &corev1.SecurityContext{RunAsUser: &root, AllowPrivilegeEscalation: &f}},
		},
	}}
	got, _ := json.Marshal(admission.Defaults(p, mc))
	want := `[{"op":"add","path":"/spec/securityContext","value":{"seccompProfile":{"type":"RuntimeDefault"}}},` +
		`{"op":"add","path":"/spec/initContainers/0/securityContext","value":{"allowPrivilegeEscalation":false,"capabilities":{"drop":["ALL"]},"runAsNonRoot":true}},` +
		`{"op":"add","path":"/spec/containers/0/securityContext","value":{"allowPrivilegeEscalation":false,"capabilities":{"drop":["ALL"]}}},` +
		`{"op":"add","path":"/spec/containers/1/securityContext/runAsNonRoot","value":true},` +
		`{"op":"add","path":"/spec/containers/3/securityContext/capabilities/drop","value":["ALL"]},` +
		`{"op":"add","path":"/spec/containers/4/securityContext/capabilities","value":{"drop":["ALL"]}}]`
	if string(got) != want {
		t.Errorf("patch:\n%s\nwant:\n%s", got, want)
	}
	// Windows pods get nothing; nothing opted in gives nothing.
	win := p.DeepCopy()
	win.Spec.OS = &corev1.PodOS{Name: corev1.Windows}
	if ops := admission.Defaults(win, mc); len(ops) != 0 {
		t.Errorf("windows: %v", ops)
	}
	if ops := admission.Defaults(p, admission.MutateConfig{}); len(ops) != 0 {
		t.Errorf("nothing opted in: %v", ops)
	}
}

func TestExemptionsApply(t *testing.T) {
	h := newTestHandler(t, `
exemptions:
- rule: pod
  namespace: shop
  name: x
  reason: node agent, reviewed
`)
	if a := post(h, review("", "v1", "Pod", "shop", admissionv1.Create, privilegedPodJSON), ""); a.resp == nil || !a.resp.Allowed {
		t.Errorf("exempted pod: %+v", a)
	}
	if a := post(h, review("", "v1", "Pod", "web", admissionv1.Create, privilegedPodJSON), ""); a.resp == nil || a.resp.Allowed {
		t.Errorf("pod in another namespace: %+v", a)
	}
}

// TestDocumentedConfig: the example of docs/admission.md is a valid config.
func TestDocumentedConfig(t *testing.T) {
	b, err := os.ReadFile("../../docs/admission.md")
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	start := strings.Index(text, "```yaml\ndefaultMode:")
	if start < 0 {
		t.Fatal("no config example in docs/admission.md")
	}
	text = text[start+len("```yaml\n"):]
	text = text[:strings.Index(text, "```")]
	c, err := admission.ParseConfig("docs/admission.md", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	if c.ModeFor("legacy", "") != admission.ModeWarn || !c.IsExcluded("monitoring") || !c.Mutate.Enabled() {
		t.Errorf("parsed: %+v", c)
	}
}
