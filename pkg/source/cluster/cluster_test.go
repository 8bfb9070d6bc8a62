package cluster_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/rest"

	"github.com/eksguard/eksguard/internal/testbed"
	"github.com/eksguard/eksguard/pkg/source/cluster"
)

func TestMain(m *testing.M) { os.Exit(testbed.Run(m)) }

// fixtures are created once per package run, in their own namespace.
const ns = "src-test"

var fixtureOnce sync.Once

func fixtures(t *testing.T) *testbed.Env {
	t.Helper()
	bed := testbed.Start(t)
	fixtureOnce.Do(func() {
		bed.InstallCRDs(t)
		bed.Apply(t, `
apiVersion: v1
kind: Namespace
metadata: {name: src-test, labels: {pod-security.kubernetes.io/enforce: baseline}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: src-test}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: nginx:1.27}]}
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: nightly, namespace: src-test}
spec:
  schedule: "0 0 * * *"
  jobTemplate:
    spec:
      template:
        spec: {restartPolicy: Never, containers: [{name: job, image: busybox:1.36}]}
---
apiVersion: v1
kind: Pod
metadata: {name: loose, namespace: src-test, labels: {app: loose}}
spec: {containers: [{name: c, image: busybox:1.36}]}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: app, namespace: src-test}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: reader, namespace: src-test}
rules: [{apiGroups: [""], resources: [pods], verbs: [get]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: reader, namespace: src-test}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: reader}
subjects: [{kind: ServiceAccount, name: app, namespace: src-test}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny, namespace: src-test}
spec: {podSelector: {}, policyTypes: [Ingress, Egress]}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: src-test}
spec: {selector: {app: web}, ports: [{port: 80}]}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web, namespace: src-test}
spec: {defaultBackend: {service: {name: web, port: {number: 80}}}}
---
apiVersion: v1
kind: Secret
metadata: {name: not-for-scanner, namespace: src-test}
stringData: {password: hunter2}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: other, namespace: kube-system}
data: {k: v}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: aws-auth, namespace: kube-system}
data:
  mapRoles: |
    - rolearn: arn:aws:iam::111122223333:role/admin
      username: admin
      groups: [system:masters]
---
apiVersion: vpcresources.k8s.aws/v1beta1
kind: SecurityGroupPolicy
metadata: {name: web, namespace: src-test}
spec:
  podSelector: {matchLabels: {app: web}}
  securityGroups: {groupIds: [sg-0123456789abcdef0]}
---
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: default, namespace: src-test}
spec: {mtls: {mode: STRICT}}
`)
		// envtest runs no controllers: make the objects a Deployment and a CronJob would
		// make, owned by them, so ownership is real.
		ctx := context.Background()
		dep, err := bed.Client.AppsV1().Deployments(ns).Get(ctx, "web", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		cj, err := bed.Client.BatchV1().CronJobs(ns).Get(ctx, "nightly", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		owner := func(kind, apiVersion, name string, uid any) string {
			return fmt.Sprintf("ownerReferences: [{apiVersion: %s, kind: %s, name: %s, uid: %s, controller: true}]", apiVersion, kind, name, uid)
		}
		bed.Apply(t, `
apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: web-1, namespace: src-test, `+owner("Deployment", "apps/v1", "web", dep.UID)+`}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: nginx:1.27}]}
---
apiVersion: batch/v1
kind: Job
metadata: {name: nightly-1, namespace: src-test, `+owner("CronJob", "batch/v1", "nightly", cj.UID)+`}
spec:
  template:
    spec: {restartPolicy: Never, containers: [{name: job, image: busybox:1.36}]}
`)
		rs, err := bed.Client.AppsV1().ReplicaSets(ns).Get(ctx, "web-1", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		bed.Apply(t, `
apiVersion: v1
kind: Pod
metadata: {name: web-1-abcde, namespace: src-test, labels: {app: web}, `+owner("ReplicaSet", "apps/v1", "web-1", rs.UID)+`}
spec: {containers: [{name: web, image: nginx:1.27}]}
`)
	})
	return bed
}

// fastRetry keeps fault tests short.
func fastOptions() cluster.Options {
	o := cluster.DefaultOptions()
	o.Retry = cluster.Backoff{Initial: 10 * time.Millisecond, Max: 50 * time.Millisecond, Attempts: 4, MaxRetryAfter: 2 * time.Second}
	return o
}

// collected is what a read handed on, by kind.
type collected struct {
	mu    sync.Mutex
	items map[string][]cluster.Item
}

func (c *collected) handle(page []cluster.Item) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.items == nil {
		c.items = map[string][]cluster.Item{}
	}
	for _, it := range page {
		c.items[it.Kind] = append(c.items[it.Kind], it)
	}
}

// names lists the namespace/name of the objects of kind in namespace ns (all when ns is "").
func (c *collected) names(kind, ns string) []string {
	var out []string
	for _, it := range c.items[kind] {
		m := it.Object.(metav1.Object)
		if ns == "" || m.GetNamespace() == ns {
			out = append(out, m.GetName())
		}
	}
	sort.Strings(out)
	return out
}

func read(t *testing.T, cfg *rest.Config, opts cluster.Options) (*collected, *cluster.Result, error) {
	t.Helper()
	src, err := cluster.New(cfg, opts)
	if err != nil {
		t.Fatal(err)
	}
	var c collected
	res, err := src.Read(context.Background(), c.handle)
	return &c, res, err
}

func TestReadEveryKindAsScanner(t *testing.T) {
	bed := fixtures(t)
	opts := fastOptions()
	opts.PageSize = 2 // many pages
	c, res, err := read(t, bed.ScannerConfig(t), opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Skipped) != 0 {
		t.Fatalf("the scanner's ClusterRole should read every kind, skipped: %+v", res.Skipped)
	}
	if res.Version == "" {
		t.Error("server version not read")
	}
	want := map[string][]string{
		"Deployment":          {"web"},
		"ReplicaSet":          {"web-1"},
		"Pod":                 {"loose", "web-1-abcde"},
		"CronJob":             {"nightly"},
		"Job":                 {"nightly-1"},
		"ServiceAccount":      {"app"}, // no controller makes "default" here
		"Role":                {"reader"},
		"RoleBinding":         {"reader"},
		"NetworkPolicy":       {"deny"},
		"Service":             {"web"},
		"Ingress":             {"web"},
		"SecurityGroupPolicy": {"web"},
		"PeerAuthentication":  {"default"},
	}
	for kind, names := range want {
		if got := c.names(kind, ns); strings.Join(got, ",") != strings.Join(names, ",") {
			t.Errorf("%s in %s: got %v, want %v", kind, ns, got, names)
		}
	}
	if got := c.names("aws-auth", ""); strings.Join(got, ",") != "aws-auth" {
		t.Errorf("aws-auth: got %v", got)
	}
	if len(c.items["Secret"]) != 0 || len(c.items["ConfigMap"]) != 0 {
		t.Error("read Secrets or ConfigMaps other than aws-auth")
	}
	if got := c.names("Namespace", ""); !contains(got, ns) || !contains(got, "kube-system") {
		t.Errorf("namespaces: %v", got)
	}
	if got := c.names("ClusterRole", ""); !contains(got, "cluster-admin") || !contains(got, "eksguard-scanner") {
		t.Errorf("cluster roles: %v", got)
	}
	// Owners: the ReplicaSet's Deployment, the Pod's ReplicaSet, the Job's CronJob.
	owned := map[string]string{}
	for kind, items := range c.items {
		for _, it := range items {
			m := it.Object.(metav1.Object)
			if m.GetNamespace() == ns && it.Owner != nil {
				owned[kind+"/"+m.GetName()] = it.Owner.Kind + "/" + it.Owner.Name
			}
		}
	}
	wantOwned := map[string]string{"ReplicaSet/web-1": "Deployment/web", "Pod/web-1-abcde": "ReplicaSet/web-1", "Job/nightly-1": "CronJob/nightly"}
	if fmt.Sprint(owned) != fmt.Sprint(wantOwned) {
		t.Errorf("owners: got %v, want %v", owned, wantOwned)
	}
	for _, it := range c.items["Pod"] {
		if len(it.Object.(metav1.Object).GetManagedFields()) != 0 {
			t.Error("managed fields kept")
		}
	}
	if _, ok := c.items["SecurityGroupPolicy"][0].Object.(*unstructured.Unstructured); !ok {
		t.Errorf("custom kinds are unstructured, got %T", c.items["SecurityGroupPolicy"][0].Object)
	}
	if p, ok := c.items["Pod"][0].Object.(*corev1.Pod); !ok || p.Spec.Containers == nil {
		t.Errorf("pods are typed and whole, got %T", c.items["Pod"][0].Object)
	}
	if res.Counts["Pod"] != len(c.items["Pod"]) {
		t.Errorf("count %d, handed on %d", res.Counts["Pod"], len(c.items["Pod"]))
	}
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

func TestForbiddenKindsAreSkippedWithTheReason(t *testing.T) {
	bed := fixtures(t)
	cfg := bed.ServiceAccountConfig(t, `
apiVersion: v1
kind: Namespace
metadata: {name: src-test-rbac}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: pods-only, namespace: src-test-rbac}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: pods-only}
rules: [{apiGroups: [""], resources: [pods], verbs: [list]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: pods-only}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: pods-only}
subjects: [{kind: ServiceAccount, name: pods-only, namespace: src-test-rbac}]
`, "src-test-rbac", "pods-only")
	c, res, err := read(t, cfg, fastOptions())
	if err != nil {
		t.Fatal(err)
	}
	if len(c.names("Pod", ns)) != 2 {
		t.Errorf("pods: %v", c.names("Pod", ns))
	}
	skipped := map[string]cluster.Skip{}
	for _, s := range res.Skipped {
		skipped[s.Kind] = s
	}
	for _, kind := range []string{"Deployment", "ServiceAccount", "ClusterRole", "RoleBinding", "NetworkPolicy", "Namespace", "aws-auth", "SecurityGroupPolicy", "PeerAuthentication"} {
		s, ok := skipped[kind]
		if !ok {
			t.Errorf("%s not reported as skipped", kind)
			continue
		}
		if !s.Forbidden || !strings.Contains(s.Reason, "forbidden") || !strings.Contains(s.Reason, "pods-only") {
			t.Errorf("%s: reason %q, forbidden %v", kind, s.Reason, s.Forbidden)
		}
	}
	if _, ok := skipped["Pod"]; ok {
		t.Error("pods were readable")
	}
}

func TestEnormousLabelSetsAreNotScanned(t *testing.T) {
	bed := fixtures(t)
	var b strings.Builder
	b.WriteString("apiVersion: v1\nkind: Pod\nmetadata:\n  name: labelled\n  namespace: big-labels\n  labels:\n")
	for i := 0; i < 1500; i++ {
		fmt.Fprintf(&b, "    k%d: %s\n", i, strings.Repeat("v", 60))
	}
	b.WriteString("spec: {containers: [{name: c, image: busybox:1.36}]}\n")
	bed.Apply(t, "apiVersion: v1\nkind: Namespace\nmetadata: {name: big-labels}\n---\n"+b.String())
	c, res, err := read(t, bed.ScannerConfig(t), fastOptions())
	if err != nil {
		t.Fatal(err)
	}
	if got := c.names("Pod", "big-labels"); len(got) != 0 {
		t.Errorf("an object over the label limit was handed on: %v", got)
	}
	var found bool
	for _, e := range res.Errors {
		if e.Input == "Pod big-labels/labelled" && strings.Contains(e.Message, "1500 labels") {
			found = true
		}
	}
	if !found {
		t.Errorf("no input error for the pod over the label limit: %+v", res.Errors)
	}
}

// proxy is a fault-injecting reverse proxy in front of the real API server. fault sees
// every request with its 1-based number among requests of the same path and query
// "continue"-ness, and may answer it itself (returning true).
type proxy struct {
	*httptest.Server
	mu     sync.Mutex
	counts map[string]int
	fault  func(w http.ResponseWriter, r *http.Request, n int) bool
}

func newProxy(t *testing.T, cfg *rest.Config, fault func(w http.ResponseWriter, r *http.Request, n int) bool) (*proxy, *rest.Config) {
	t.Helper()
	target, err := url.Parse(cfg.Host)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := rest.TransportFor(cfg)
	if err != nil {
		t.Fatal(err)
	}
	rp := httputil.NewSingleHostReverseProxy(target)
	rp.Transport = tr
	p := &proxy{counts: map[string]int{}, fault: fault}
	p.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key := r.URL.Path
		if r.URL.Query().Get("continue") != "" {
			key += "?continue"
		}
		p.mu.Lock()
		p.counts[key]++
		n := p.counts[key]
		p.mu.Unlock()
		if p.fault != nil && p.fault(w, r, n) {
			return
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(p.Close)
	return p, &rest.Config{Host: p.URL, QPS: 1000, Burst: 1000, Timeout: 5 * time.Second}
}

func (p *proxy) count(key string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.counts[key]
}

const podsPath = "/api/v1/pods"

func status(w http.ResponseWriter, code int, reason string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	fmt.Fprintf(w, `{"kind":"Status","apiVersion":"v1","status":"Failure","message":"injected %d","reason":%q,"code":%d}`, code, reason, code)
}

func TestUnreachableServerIsAClearError(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	addr := srv.URL
	srv.Close() // nothing listens there any more
	_, _, err := read(t, &rest.Config{Host: addr, Timeout: time.Second}, fastOptions())
	if err == nil || !strings.Contains(err.Error(), "cannot reach the Kubernetes API server at "+addr) || !strings.Contains(err.Error(), "gave up after 4 attempts") {
		t.Fatalf("got %v", err)
	}
}

func TestTransientErrorsAreRetried(t *testing.T) {
	bed := fixtures(t)
	var retryAfterHonoured atomic.Bool
	var first time.Time
	p, cfg := newProxy(t, bed.ScannerConfig(t), func(w http.ResponseWriter, r *http.Request, n int) bool {
		switch {
		case r.URL.Path == podsPath && !r.URL.Query().Has("continue") && n == 1:
			// as the API server's max-in-flight filter answers: a header and plain text
			first = time.Now()
			w.Header().Set("Retry-After", "1")
			http.Error(w, "Too many requests, please try again later.", http.StatusTooManyRequests)
			return true
		case r.URL.Path == podsPath && n == 2:
			retryAfterHonoured.Store(time.Since(first) >= 900*time.Millisecond)
			status(w, http.StatusServiceUnavailable, "ServiceUnavailable")
			return true
		case r.URL.Path == podsPath && n == 3:
			// a connection dropped mid-response
			hj, _ := w.(http.Hijacker)
			conn, _, _ := hj.Hijack()
			conn.Write([]byte("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"kind\":"))
			conn.Close()
			return true
		case r.URL.Path == "/apis/rbac.authorization.k8s.io/v1/clusterroles" && n <= 2:
			status(w, http.StatusInternalServerError, "InternalError")
			return true
		}
		return false
	})
	c, res, err := read(t, cfg, fastOptions())
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Skipped) != 0 {
		t.Fatalf("skipped after transient errors: %+v", res.Skipped)
	}
	if got := c.names("Pod", ns); len(got) != 2 {
		t.Errorf("pods: %v", got)
	}
	if p.count(podsPath) != 4 {
		t.Errorf("pods list tried %d times, want 4", p.count(podsPath))
	}
	if !retryAfterHonoured.Load() {
		t.Error("Retry-After of the 429 was not honoured")
	}
	if !contains(c.names("ClusterRole", ""), "cluster-admin") {
		t.Error("cluster roles not read after 500s")
	}
}

func TestErrorMidListMarksTheKindIncomplete(t *testing.T) {
	bed := fixtures(t)
	_, cfg := newProxy(t, bed.ScannerConfig(t), func(w http.ResponseWriter, r *http.Request, n int) bool {
		if r.URL.Path == "/api/v1/serviceaccounts" && r.URL.Query().Has("continue") {
			status(w, http.StatusInternalServerError, "InternalError") // every time
			return true
		}
		return false
	})
	opts := fastOptions()
	opts.PageSize = 1
	c, res, err := read(t, cfg, opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Skipped) != 1 || res.Skipped[0].Kind != "ServiceAccount" || res.Skipped[0].Forbidden ||
		!strings.Contains(res.Skipped[0].Reason, "read failed") || !strings.Contains(res.Skipped[0].Reason, "gave up after 4 attempts") {
		t.Fatalf("skipped: %+v", res.Skipped)
	}
	if len(c.items["ServiceAccount"]) != 1 {
		t.Errorf("the first page should have been handed on, got %d", len(c.items["ServiceAccount"]))
	}
	if len(c.names("Pod", ns)) != 2 {
		t.Error("other kinds should still be read")
	}
}

func TestExpiredContinueRestartsWithoutDuplicates(t *testing.T) {
	bed := fixtures(t)
	p, cfg := newProxy(t, bed.ScannerConfig(t), func(w http.ResponseWriter, r *http.Request, n int) bool {
		if r.URL.Path == "/api/v1/namespaces" && r.URL.Query().Has("continue") && n == 2 {
			status(w, http.StatusGone, "Expired")
			return true
		}
		return false
	})
	opts := fastOptions()
	opts.PageSize = 1
	c, res, err := read(t, cfg, opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Skipped) != 0 {
		t.Fatalf("skipped: %+v", res.Skipped)
	}
	if p.count("/api/v1/namespaces") != 2 {
		t.Errorf("the list was not started again: %d first pages", p.count("/api/v1/namespaces"))
	}
	got := c.names("Namespace", "")
	all, err := bed.Client.CoreV1().Namespaces().List(context.Background(), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(all.Items) {
		t.Errorf("read %d namespaces (%v), the server has %d", len(got), got, len(all.Items))
	}
	for i := 1; i < len(got); i++ {
		if got[i] == got[i-1] {
			t.Errorf("%s handed on twice", got[i])
		}
	}
}

func TestSlowServerTimesOutAndRetries(t *testing.T) {
	bed := fixtures(t)
	_, cfg := newProxy(t, bed.ScannerConfig(t), func(w http.ResponseWriter, r *http.Request, n int) bool {
		if r.URL.Path == "/apis/networking.k8s.io/v1/networkpolicies" {
			if n == 1 {
				time.Sleep(1500 * time.Millisecond) // slower than the request time limit
			}
		}
		if r.URL.Path == "/apis/networking.k8s.io/v1/ingresses" {
			time.Sleep(1500 * time.Millisecond) // always
		}
		return false
	})
	cfg.Timeout = 500 * time.Millisecond
	opts := fastOptions()
	opts.Retry.Attempts = 2
	c, res, err := read(t, cfg, opts)
	if err != nil {
		t.Fatal(err)
	}
	if got := c.names("NetworkPolicy", ns); len(got) != 1 {
		t.Errorf("network policies after one slow answer: %v", got)
	}
	if len(res.Skipped) != 1 || res.Skipped[0].Kind != "Ingress" || !strings.Contains(res.Skipped[0].Reason, "read failed") {
		t.Errorf("skipped: %+v", res.Skipped)
	}
}

func TestLargePagesAreSplit(t *testing.T) {
	bed := fixtures(t)
	var b strings.Builder
	b.WriteString("apiVersion: v1\nkind: Namespace\nmetadata: {name: split-test}\n")
	for i := 0; i < 60; i++ {
		fmt.Fprintf(&b, "---\napiVersion: v1\nkind: ServiceAccount\nmetadata: {name: sa-%d, namespace: split-test, annotations: {note: %s}}\n", i, strings.Repeat("x", 4096))
	}
	bed.Apply(t, b.String())
	opts := fastOptions()
	opts.MaxResponseBytes = 200 << 10 // one object fits, the 60 service accounts (250 KB) do not
	var logs strings.Builder
	opts.Logger = slog.New(slog.NewTextHandler(&syncWriter{w: &logs}, nil))
	c, res, err := read(t, bed.ScannerConfig(t), opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Skipped) != 0 {
		t.Fatalf("skipped: %+v", res.Skipped)
	}
	if got := c.names("ServiceAccount", "split-test"); len(got) != 60 {
		t.Errorf("%d service accounts read after pages were split, want 60", len(got))
	}
	if !strings.Contains(logs.String(), "page too large") {
		t.Errorf("no page was split:\n%s", logs.String())
	}
}

type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

var _ runtime.Object = &corev1.Pod{}
