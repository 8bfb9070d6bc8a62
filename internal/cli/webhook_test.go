package cli

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/wait"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/scheme"

	"github.com/eksguard/eksguard/internal/testbed"
	"github.com/eksguard/eksguard/pkg/admission"
)

// decodeDocs decodes a multi-document YAML text into typed objects.
func decodeDocs(t *testing.T, text string) []runtime.Object {
	t.Helper()
	dec := utilyaml.NewYAMLOrJSONDecoder(strings.NewReader(text), 4096)
	var out []runtime.Object
	for {
		var raw runtime.RawExtension
		if err := dec.Decode(&raw); err != nil {
			if errors.Is(err, io.EOF) {
				return out
			}
			t.Fatal(err)
		}
		if len(bytes.TrimSpace(raw.Raw)) == 0 || string(raw.Raw) == "null" {
			continue
		}
		obj, _, err := scheme.Codecs.UniversalDeserializer().Decode(raw.Raw, nil, nil)
		if err != nil {
			t.Fatalf("decoding %s: %v", raw.Raw, err)
		}
		out = append(out, obj)
	}
}

// create sends one object of the manifests to the API server. Webhook configurations are
// created with a server-side dry run: validated and defaulted in full, matchConditions
// compiled, but not installed (a webhook with no server behind it would deny the other
// tests' pods).
func create(ctx context.Context, cs kubernetes.Interface, obj runtime.Object) error {
	real := metav1.CreateOptions{}
	dry := metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}}
	var err error
	switch o := obj.(type) {
	case *corev1.Namespace:
		_, err = cs.CoreV1().Namespaces().Create(ctx, o, real)
	case *corev1.ServiceAccount:
		_, err = cs.CoreV1().ServiceAccounts(o.Namespace).Create(ctx, o, real)
	case *corev1.ConfigMap:
		_, err = cs.CoreV1().ConfigMaps(o.Namespace).Create(ctx, o, real)
	case *corev1.Secret:
		_, err = cs.CoreV1().Secrets(o.Namespace).Create(ctx, o, real)
	case *corev1.Service:
		_, err = cs.CoreV1().Services(o.Namespace).Create(ctx, o, real)
	case *appsv1.Deployment:
		_, err = cs.AppsV1().Deployments(o.Namespace).Create(ctx, o, real)
	case *networkingv1.NetworkPolicy:
		_, err = cs.NetworkingV1().NetworkPolicies(o.Namespace).Create(ctx, o, real)
	case *policyv1.PodDisruptionBudget:
		_, err = cs.PolicyV1().PodDisruptionBudgets(o.Namespace).Create(ctx, o, real)
	case *admissionregistrationv1.ValidatingWebhookConfiguration:
		_, err = cs.AdmissionregistrationV1().ValidatingWebhookConfigurations().Create(ctx, o, dry)
	case *admissionregistrationv1.MutatingWebhookConfiguration:
		_, err = cs.AdmissionregistrationV1().MutatingWebhookConfigurations().Create(ctx, o, dry)
	default:
		return errors.New("unexpected kind in the manifests")
	}
	return err
}

func TestWebhookManifestsApply(t *testing.T) {
	bed := testbed.Start(t)
	dir := t.TempDir()
	cfg := write(t, dir, "webhook.yaml", `
ownNamespace: wh-manifests
defaultMode: enforce
labelOverrides: stricter
excludedNamespaces: [monitoring]
mutate:
  allowPrivilegeEscalation: true
  dropAllCapabilities: true
`)
	caDir := filepath.Join(dir, "ca")
	code, out, stderr := run(t, "", "webhook", "manifests", "--config", cfg, "--ca-dir", caDir, "--image", "example.com/eksguard:test")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	objs := decodeDocs(t, out)
	kinds := map[string]int{}
	ctx := context.Background()
	for _, o := range objs {
		kind := o.GetObjectKind().GroupVersionKind().Kind
		kinds[kind]++
		if err := create(ctx, bed.Client, o); err != nil {
			t.Errorf("%s: the API server refused it: %v", kind, err)
		}
	}
	for _, k := range []string{"Namespace", "ServiceAccount", "ConfigMap", "Secret", "Deployment", "PodDisruptionBudget", "Service", "ValidatingWebhookConfiguration", "MutatingWebhookConfiguration"} {
		if kinds[k] != 1 {
			t.Errorf("%d %s in the manifests, want 1", kinds[k], k)
		}
	}
	if kinds["NetworkPolicy"] != 2 {
		t.Errorf("%d NetworkPolicies, want 2", kinds["NetworkPolicy"])
	}
	for _, o := range objs {
		switch x := o.(type) {
		case *appsv1.Deployment:
			if *x.Spec.Replicas != 3 || x.Spec.Template.Spec.Affinity.PodAntiAffinity == nil || x.Spec.Template.Spec.Containers[0].Resources.Limits.Memory().IsZero() {
				t.Errorf("Deployment lacks replicas, anti-affinity or limits")
			}
		case *admissionregistrationv1.ValidatingWebhookConfiguration:
			// Default route plus one per label value.
			if len(x.Webhooks) != 4 {
				t.Errorf("%d webhooks, want 4", len(x.Webhooks))
			}
			w := x.Webhooks[0]
			if *w.TimeoutSeconds != 3 || *w.FailurePolicy != admissionregistrationv1.Fail || len(w.MatchConditions) != 1 ||
				!strings.Contains(w.MatchConditions[0].Expression, "'kube-system'") || !strings.Contains(w.MatchConditions[0].Expression, "'wh-manifests'") ||
				!strings.Contains(w.MatchConditions[0].Expression, "'monitoring'") {
				t.Errorf("validating webhook: %+v", w)
			}
		}
	}
	// A second run with the same --ca-dir keeps the caBundle: the serving certificate
	// rotates alone.
	_, out2, _ := run(t, "", "webhook", "manifests", "--config", cfg, "--ca-dir", caDir)
	if caOf(t, out) != caOf(t, out2) || caOf(t, out) == "" {
		t.Error("the caBundle changed between runs with the same --ca-dir")
	}
	if _, err := os.Stat(filepath.Join(caDir, "ca.key")); err != nil {
		t.Error(err)
	}
}

func caOf(t *testing.T, text string) string {
	for _, o := range decodeDocs(t, text) {
		if v, ok := o.(*admissionregistrationv1.ValidatingWebhookConfiguration); ok {
			return string(v.Webhooks[0].ClientConfig.CABundle)
		}
	}
	return ""
}

func TestWebhookManifestsCertManager(t *testing.T) {
	code, out, stderr := run(t, "", "webhook", "manifests", "--tls", "cert-manager")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"kind: Certificate", "kind: Issuer", "cert-manager.io/inject-ca-from: eksguard/eksguard-webhook", "secretName: eksguard-webhook-tls"} {
		if !strings.Contains(out, want) {
			t.Errorf("cert-manager manifests lack %q", want)
		}
	}
	if strings.Contains(out, "kind: Secret") {
		t.Error("cert-manager manifests carry a Secret of their own")
	}
}

func TestWebhookBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"webhook", "manifests", "--failure-policy", "Sometimes"},
		{"webhook", "manifests", "--tls", "none"},
		{"webhook", "manifests", "--timeout-seconds", "2"}, // not above the 2s evaluation deadline
		{"webhook", "serve", "--addr", "127.0.0.1:0"},      // no certificate
		{"webhook", "serve", "--config", "/nonexistent/webhook.yaml"},
	} {
		code, _, stderr := run(t, "", args...)
		if code != ExitUsage || stderr == "" {
			t.Errorf("%v: exit %d, %q", args, code, stderr)
		}
	}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// TestWebhookServe runs "eksguard webhook serve" as the CLI does and talks to it over TLS:
// health, a denial with the scan's message, metrics; and the probes over plain HTTP.
func TestWebhookServe(t *testing.T) {
	dir := t.TempDir()
	ca, err := admission.NewCA("t", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	crt, key, err := ca.Issue([]string{"127.0.0.1"}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile := write(t, dir, "tls.crt", string(crt)), write(t, dir, "tls.key", string(key))
	cfg := write(t, dir, "webhook.yaml", "rules:\n  include: [pod/privileged]\n")
	addr, probeAddr := freeAddr(t), freeAddr(t)
	var out, errb bytes.Buffer
	root := newRoot(strings.NewReader(""), &out, &errb)
	root.SetArgs([]string{"webhook", "serve", "--config", cfg, "--addr", addr, "--probe-addr", probeAddr, "--tls-cert-file", certFile, "--tls-key-file", keyFile})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- root.ExecuteContext(ctx) }()
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(ca.CertPEM)
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	if err := wait.PollUntilContextTimeout(ctx, 50*time.Millisecond, 20*time.Second, true, func(context.Context) (bool, error) {
		r, err := client.Get("https://" + addr + "/readyz")
		if err != nil {
			return false, nil
		}
		r.Body.Close()
		return r.StatusCode == 200, nil
	}); err != nil {
		cancel()
		t.Fatalf("never ready: %s", errb.String())
	}
	body := `{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u1","kind":{"group":"","version":"v1","kind":"Pod"},` +
		`"namespace":"shop","operation":"CREATE","object":{"metadata":{"name":"p"},"spec":{"containers":[{"name":"app","image":"a","securityContext":{"privileged":true}}]}}}}`
	r, err := client.Post("https://"+addr+"/validate", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(r.Body)
	r.Body.Close()
	if !strings.Contains(string(b), `"allowed":false`) || !strings.Contains(string(b), `[pod/privileged] container \"app\" runs privileged`) || !strings.Contains(string(b), `"uid":"u1"`) {
		t.Errorf("answer: %s", b)
	}
	for _, u := range []string{"https://" + addr + "/metrics", "http://" + probeAddr + "/metrics", "http://" + probeAddr + "/healthz"} {
		r, err := client.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(r.Body)
		r.Body.Close()
		if r.StatusCode != 200 || (strings.HasSuffix(u, "/metrics") && !strings.Contains(string(b), `eksguard_webhook_rule_failures_total{rule="pod/privileged",mode="enforce"} 1`)) {
			t.Errorf("%s: %d %s", u, r.StatusCode, b)
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("serve: %v", err)
	}
	if !strings.Contains(errb.String(), "1 rules, default mode enforce") {
		t.Errorf("log: %s", errb.String())
	}
}
