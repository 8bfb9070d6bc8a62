package cli

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"

	"github.com/eksguard/eksguard/internal/testbed"
	"github.com/eksguard/eksguard/pkg/finding"
)

func TestMain(m *testing.M) { os.Exit(testbed.Run(m)) }

const privilegedSpec = `{containers: [{name: c, image: nginx:1.27, securityContext: {privileged: true}}]}`

// clusterFixtures makes a namespace with a privileged Deployment, the ReplicaSet and Pod a
// controller would make for it (owned by it), and a privileged standalone Pod.
func clusterFixtures(t *testing.T, bed *testbed.Env, ns string) {
	t.Helper()
	bed.Apply(t, fmt.Sprintf(`
apiVersion: v1
kind: Namespace
metadata: {name: %[1]s}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: %[1]s}
spec:
  selector: {matchLabels: {app: web}}
  template: {metadata: {labels: {app: web}}, spec: %[2]s}
---
apiVersion: v1
kind: Pod
metadata: {name: loose, namespace: %[1]s, labels: {app: loose}}
spec: %[2]s
`, ns, privilegedSpec))
	ctx := context.Background()
	dep, err := bed.Client.AppsV1().Deployments(ns).Get(ctx, "web", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	bed.Apply(t, fmt.Sprintf(`
apiVersion: apps/v1
kind: ReplicaSet
metadata:
  name: web-1
  namespace: %[1]s
  ownerReferences: [{apiVersion: apps/v1, kind: Deployment, name: web, uid: %[3]s, controller: true}]
spec:
  selector: {matchLabels: {app: web}}
  template: {metadata: {labels: {app: web}}, spec: %[2]s}
`, ns, privilegedSpec, dep.UID))
	rs, err := bed.Client.AppsV1().ReplicaSets(ns).Get(ctx, "web-1", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	bed.Apply(t, fmt.Sprintf(`
apiVersion: v1
kind: Pod
metadata:
  name: web-1-abcde
  namespace: %[1]s
  labels: {app: web}
  ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: web-1, uid: %[3]s, controller: true}]
spec: %[2]s
`, ns, privilegedSpec, rs.UID))
}

func TestScanClusterAsScanner(t *testing.T) {
	bed := testbed.Start(t)
	bed.InstallCRDs(t)
	clusterFixtures(t, bed, "cli-scan")
	kc := testbed.Kubeconfig(t, bed.ScannerConfig(t), t.TempDir())

	code, out, stderr := run(t, "", "scan", "cluster", "--kubeconfig", kc, "-f", "json")
	if code != ExitFindings {
		t.Fatalf("exit %d, want %d; stderr:\n%s", code, ExitFindings, stderr)
	}
	doc := decode(t, out)
	if len(doc.Summary.Errors) != 0 {
		t.Fatalf("input errors: %+v", doc.Summary.Errors)
	}
	privileged := map[string]bool{}
	for _, f := range doc.Findings {
		if f.Location.File != "" {
			t.Errorf("a live object's finding names a file: %+v", f)
		}
		if f.RuleID == "pod/privileged" && f.Status == finding.StatusFail && f.Subject.Namespace == "cli-scan" {
			privileged[f.Subject.Kind+"/"+f.Subject.Name] = true
			if f.Location.Path == "" {
				t.Errorf("no field path: %+v", f)
			}
		}
	}
	want := map[string]bool{"Deployment/web": true, "Pod/loose": true}
	if fmt.Sprint(privileged) != fmt.Sprint(want) {
		t.Errorf("pod/privileged failed on %v, want %v (owned objects are reported through their owner)", privileged, want)
	}
	if doc.Summary.Stats.Objects == 0 || doc.Summary.Stats.Workloads == 0 {
		t.Errorf("stats: %+v", doc.Summary.Stats)
	}
	if len(doc.Inputs) != 1 || doc.Inputs[0] != "bed" {
		t.Errorf("inputs %v, want the context name", doc.Inputs)
	}

	// The table names the objects, with no file.
	code, out, _ = run(t, "", "scan", "cluster", "--kubeconfig", kc, "--rules", "pod/privileged", "--color", "never")
	if code != ExitFindings || !strings.Contains(out, "Deployment cli-scan/web") && !strings.Contains(out, "cli-scan/web") {
		t.Errorf("exit %d, table:\n%s", code, out)
	}
}

func TestScanClusterForbiddenKindsAreListedAndExit2(t *testing.T) {
	bed := testbed.Start(t)
	clusterFixtures(t, bed, "cli-forbidden")
	cfg := bed.ServiceAccountConfig(t, `
apiVersion: v1
kind: ServiceAccount
metadata: {name: workloads-only, namespace: cli-forbidden}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: workloads-only}
rules:
- {apiGroups: [""], resources: [pods], verbs: [list]}
- {apiGroups: [apps], resources: [deployments, replicasets], verbs: [list]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: workloads-only}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: workloads-only}
subjects: [{kind: ServiceAccount, name: workloads-only, namespace: cli-forbidden}]
`, "cli-forbidden", "workloads-only")
	kc := testbed.Kubeconfig(t, cfg, t.TempDir())
	code, out, stderr := run(t, "", "scan", "cluster", "--kubeconfig", kc, "-f", "json")
	if code != ExitUsage {
		t.Fatalf("exit %d, want %d (incomplete); stderr:\n%s", code, ExitUsage, stderr)
	}
	doc := decode(t, out)
	skipped := map[string]string{}
	for _, e := range doc.Summary.Errors {
		kind, _, _ := strings.Cut(e.Input, " in ")
		skipped[kind] = e.Message
	}
	for _, kind := range []string{"ClusterRoleBinding", "NetworkPolicy", "Namespace", "ServiceAccount", "StatefulSet", "aws-auth"} {
		if !strings.Contains(skipped[kind], "forbidden") {
			t.Errorf("%s: %q", kind, skipped[kind])
		}
	}
	if _, ok := skipped["Pod"]; ok {
		t.Error("pods were readable")
	}
	// What could be read is still checked.
	var deployment bool
	for _, f := range doc.Findings {
		if f.RuleID == "pod/privileged" && f.Subject.Kind == "Deployment" && f.Subject.Namespace == "cli-forbidden" {
			deployment = true
		}
	}
	if !deployment {
		t.Error("the readable Deployment was not checked")
	}
	if !strings.Contains(stderr, "could not be read") {
		t.Errorf("stderr: %s", stderr)
	}
}

// TestScanClusterErrorMidList puts a fault-injecting proxy in front of the real API
// server: the second page of RoleBindings always fails. The report lists RoleBindings as
// incomplete, the rules that read them report errors instead of passing, and the run
// exits 2.
func TestScanClusterErrorMidList(t *testing.T) {
	bed := testbed.Start(t)
	clusterFixtures(t, bed, "cli-midlist")
	bed.Apply(t, `
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: a, namespace: cli-midlist}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
subjects: [{kind: User, apiGroup: rbac.authorization.k8s.io, name: alice}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: b, namespace: cli-midlist}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
subjects: [{kind: User, apiGroup: rbac.authorization.k8s.io, name: bob}]
`)
	scanner := bed.ScannerConfig(t)
	target, err := url.Parse(scanner.Host)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := rest.TransportFor(scanner)
	if err != nil {
		t.Fatal(err)
	}
	rp := httputil.NewSingleHostReverseProxy(target)
	rp.Transport = tr
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/apis/rbac.authorization.k8s.io/v1/rolebindings" && r.URL.Query().Has("continue") {
			http.Error(w, "etcd leader changed", http.StatusServiceUnavailable)
			return
		}
		rp.ServeHTTP(w, r)
	}))
	defer proxy.Close()
	kc := write(t, t.TempDir(), "kubeconfig", fmt.Sprintf(`apiVersion: v1
kind: Config
clusters: [{name: proxied, cluster: {server: %q}}]
contexts: [{name: proxied, context: {cluster: proxied}}]
current-context: proxied
`, proxy.URL))
	code, out, stderr := run(t, "", "scan", "cluster", "--kubeconfig", kc, "--page-size", "1", "-f", "json")
	if code != ExitUsage {
		t.Fatalf("exit %d, want %d; stderr:\n%s", code, ExitUsage, stderr)
	}
	doc := decode(t, out)
	var listed bool
	for _, e := range doc.Summary.Errors {
		if e.Input == "RoleBinding in proxied" && strings.Contains(e.Message, "incomplete") && strings.Contains(e.Message, "gave up after 6 attempts") {
			listed = true
		} else {
			t.Errorf("unexpected input error: %+v", e)
		}
	}
	if !listed {
		t.Errorf("RoleBindings not listed as incomplete: %+v", doc.Summary.Errors)
	}
	var ruleErrors int
	for _, f := range doc.Findings {
		if f.Status == finding.StatusError && strings.Contains(f.Message, "RoleBinding") {
			ruleErrors++
		}
	}
	if ruleErrors == 0 {
		t.Error("no rule that reads RoleBindings reported the gap")
	}
	if !strings.Contains(stderr, "retrying") {
		t.Errorf("retries not logged: %s", stderr)
	}
}

func TestScanClusterUnreachable(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	addr := srv.URL
	srv.Close()
	dir := t.TempDir()
	kc := write(t, dir, "kubeconfig", fmt.Sprintf(`apiVersion: v1
kind: Config
clusters: [{name: gone, cluster: {server: %q}}]
users: [{name: u, user: {token: x}}]
contexts: [{name: gone, context: {cluster: gone, user: u}}]
current-context: gone
`, addr))
	code, out, stderr := run(t, "", "scan", "cluster", "--kubeconfig", kc, "--request-timeout", "1s")
	if code != ExitUsage || !strings.Contains(stderr, "cannot reach the Kubernetes API server at "+addr) {
		t.Fatalf("exit %d, stderr:\n%s\nstdout:\n%s", code, stderr, out)
	}
	if out != "" {
		t.Errorf("a report was begun for a server that cannot be reached:\n%s", out)
	}
}

func TestScanClusterUsage(t *testing.T) {
	code, _, stderr := run(t, "", "scan", "cluster", "--kubeconfig", kubeconfigFile(t), "--context", "nope")
	if code != ExitUsage || !strings.Contains(stderr, "nope") {
		t.Errorf("exit %d, stderr %s", code, stderr)
	}
	code, _, stderr = run(t, "", "scan", "cluster", "extra")
	if code != ExitUsage || !strings.Contains(stderr, "unknown command") && !strings.Contains(stderr, "accepts 0 arg") {
		t.Errorf("exit %d, stderr %s", code, stderr)
	}
}

func kubeconfigFile(t *testing.T) string {
	return write(t, t.TempDir(), "kubeconfig", "apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: 'https://127.0.0.1:1'}}]\ncontexts: [{name: c, context: {cluster: c}}]\ncurrent-context: c\n")
}
