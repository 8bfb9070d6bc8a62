package admission_test

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/eksguard/eksguard/internal/testbed"
	"github.com/eksguard/eksguard/pkg/admission"
	"github.com/eksguard/eksguard/pkg/engine"
	"github.com/eksguard/eksguard/pkg/finding"
	"github.com/eksguard/eksguard/pkg/rule"
	"github.com/eksguard/eksguard/pkg/target"
	"github.com/eksguard/eksguard/rules/all"
)

func TestMain(m *testing.M) {
	// The audit mode's annotations are checked in the API server's own audit log.
	dir, err := os.MkdirTemp("", "eksguard-audit")
	if err != nil {
		fmt.Println(err)
		os.Exit(1)
	}
	testbed.EnableAudit(dir)
	code := testbed.Run(m)
	os.RemoveAll(dir)
	os.Exit(code)
}

// auditAnnotations waits for the audit event of creating pod namespace/name that the API
// server wrote at the ResponseComplete stage, and returns its annotations.
func auditAnnotations(t *testing.T, bed *testbed.Env, namespace, name string) map[string]string {
	t.Helper()
	var found map[string]string
	_ = wait.PollUntilContextTimeout(context.Background(), 100*time.Millisecond, 15*time.Second, true, func(context.Context) (bool, error) {
		b, err := os.ReadFile(bed.AuditLog)
		if err != nil {
			return false, nil
		}
		for _, line := range strings.Split(string(b), "\n") {
			var ev struct {
				Verb      string `json:"verb"`
				Stage     string `json:"stage"`
				ObjectRef struct {
					Resource, Namespace, Name string
				} `json:"objectRef"`
				Annotations map[string]string `json:"annotations"`
			}
			if json.Unmarshal([]byte(line), &ev) != nil {
				continue
			}
			if ev.Verb == "create" && ev.Stage == "ResponseComplete" && ev.ObjectRef.Resource == "pods" &&
				ev.ObjectRef.Namespace == namespace && ev.ObjectRef.Name == name {
				found = ev.Annotations
				return true, nil
			}
		}
		return false, nil
	})
	if found == nil {
		t.Fatalf("no audit event for creating pod %s/%s in %s", namespace, name, bed.AuditLog)
	}
	return found
}

// testRules are the rules the API server tests run: a compliant pod is easy to write for
// them, and they cover pod and container fields.
var testRules = []string{"pod/privileged", "pod/host-network", "pod/host-pid", "pod/host-path", "pod/privilege-escalation"}

// webhook is an eksguard webhook served on loopback for the API server to call.
type webhook struct {
	url string
	ca  []byte
	srv *admission.Server
}

func startWebhook(t *testing.T, cfg *admission.Config, rules []rule.Rule) *webhook {
	t.Helper()
	ca, err := admission.NewCA("eksguard-test-ca", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := ca.IssueTLS([]string{"127.0.0.1"}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	h, err := admission.NewHandler(cfg, rules, nil)
	if err != nil {
		t.Fatal(err)
	}
	srv := &admission.Server{Handler: h, Addr: "127.0.0.1:0", Certificate: cert}
	if err := srv.Listen(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("webhook server: %v", err)
		}
	})
	return &webhook{url: "https://" + srv.Addr, ca: ca.CertPEM, srv: srv}
}

func selectRules(t *testing.T, ids ...string) []rule.Rule {
	t.Helper()
	rs, err := all.Registry().Select(rule.Selector{Include: ids})
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

func parseConfig(t *testing.T, text string) *admission.Config {
	t.Helper()
	c, err := admission.ParseConfig("test", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// register installs the generated ValidatingWebhookConfiguration pointed at wh, limited to
// the namespaces given (so tests do not see each other's webhooks), and removes it when the
// test ends.
func register(t *testing.T, bed *testbed.Env, wh *webhook, name string, cfg *admission.Config, fp admissionregistrationv1.FailurePolicyType, timeout int32, namespaces ...string) {
	t.Helper()
	o := &admission.ManifestOptions{Name: name, URL: wh.url, CABundle: wh.ca, TLS: admission.TLSSelfSigned, Config: cfg, FailurePolicy: fp, TimeoutSeconds: timeout}
	vwc, err := o.ValidatingWebhookConfiguration()
	if err != nil {
		t.Fatal(err)
	}
	for i := range vwc.Webhooks {
		sel := vwc.Webhooks[i].NamespaceSelector
		sel.MatchExpressions = append(sel.MatchExpressions, metav1.LabelSelectorRequirement{Key: corev1.LabelMetadataName, Operator: metav1.LabelSelectorOpIn, Values: namespaces})
	}
	ctx := context.Background()
	api := bed.Client.AdmissionregistrationV1().ValidatingWebhookConfigurations()
	if _, err := api.Create(ctx, vwc, metav1.CreateOptions{}); err != nil {
		t.Fatalf("creating the ValidatingWebhookConfiguration (matchConditions included): %v", err)
	}
	t.Cleanup(func() { _ = api.Delete(context.Background(), name, metav1.DeleteOptions{}) })
}

func namespace(t *testing.T, bed *testbed.Env, name string, labels map[string]string) {
	t.Helper()
	_, err := bed.Client.CoreV1().Namespaces().Create(context.Background(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels}}, metav1.CreateOptions{})
	if err != nil && !strings.Contains(err.Error(), "already exists") {
		t.Fatal(err)
	}
}

// warnings collects the warnings the API server returns to a client.
type warnings struct {
	mu   sync.Mutex
	list []string
}

func (w *warnings) HandleWarningHeader(_ int, _ string, text string) {
	w.mu.Lock()
	w.list = append(w.list, text)
	w.mu.Unlock()
}

func (w *warnings) take() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := w.list
	w.list = nil
	return out
}

func clientWithWarnings(t *testing.T, bed *testbed.Env) (kubernetes.Interface, *warnings) {
	t.Helper()
	cfg := rest.CopyConfig(bed.Admin)
	w := &warnings{}
	cfg.WarningHandler = w
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return cs, w
}

func boolp(b bool) *bool { return &b }

func pod(name string, privileged bool) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{
			Name: "app", Image: "registry.example/app:1.0",
			SecurityContext: &corev1.SecurityContext{Privileged: boolp(privileged), AllowPrivilegeEscalation: boolp(privileged)},
		}}},
	}
}

// waitEffective waits until the API server calls the webhook for namespace ns: webhook
// configurations reach the admission chain through an informer, a moment after creation.
func waitEffective(t *testing.T, cs kubernetes.Interface, ns string, denied func(error) bool) {
	t.Helper()
	err := wait.PollUntilContextTimeout(context.Background(), 100*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
		_, err := cs.CoreV1().Pods(ns).Create(ctx, pod("probe", true), metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}})
		return denied(err), nil
	})
	if err != nil {
		t.Fatalf("the webhook never took effect in %s", ns)
	}
}

func isDeniedBy(substr string) func(error) bool {
	return func(err error) bool { return err != nil && strings.Contains(err.Error(), substr) }
}

// scanMessage is the message "eksguard scan" gives for rule id on p: the same engine over
// the same rules, as the manifest and cluster sources run it.
func scanMessage(t *testing.T, p *corev1.Pod, id string) string {
	t.Helper()
	wl, _ := target.WorkloadOf(p.DeepCopy(), target.Origin{})
	eng := engine.New(selectRules(t, id), rule.DefaultSettings(), nil)
	for _, f := range eng.Check(context.Background(), wl) {
		if f.RuleID == id && f.Status == finding.StatusFail {
			return f.Message
		}
	}
	t.Fatalf("scan finds no %s on the pod", id)
	return ""
}

func TestAPIServerModes(t *testing.T) {
	bed := testbed.Start(t)
	cfg := parseConfig(t, `
defaultMode: enforce
namespaces:
  wh-warn: warn
  wh-audit: audit
labelOverrides: stricter
rules:
  include: [`+strings.Join(testRules, ", ")+`]
`)
	wh := startWebhook(t, cfg, selectRules(t, testRules...))
	nss := []string{"wh-enforce", "wh-warn", "wh-audit", "wh-label", "wh-badlabel"}
	for _, ns := range nss[:3] {
		namespace(t, bed, ns, nil)
	}
	// Config says warn for nothing here, default enforce; the label asks for audit, which
	// is less strict: "stricter" ignores it.
	namespace(t, bed, "wh-label", map[string]string{admission.ModeLabel: "audit"})
	// A label naming no mode must not skip the webhook.
	namespace(t, bed, "wh-badlabel", map[string]string{admission.ModeLabel: "off"})
	register(t, bed, wh, "eksguard-modes", cfg, admissionregistrationv1.Fail, 3, nss...)
	cs, warns := clientWithWarnings(t, bed)
	ctx := context.Background()
	waitEffective(t, cs, "wh-enforce", isDeniedBy("eksguard denied"))

	t.Run("enforce denies a privileged pod with the scan messages and fixes", func(t *testing.T) {
		p := pod("bad", true)
		_, err := cs.CoreV1().Pods("wh-enforce").Create(ctx, p, metav1.CreateOptions{})
		if err == nil {
			t.Fatal("privileged pod admitted in enforce mode")
		}
		msg := err.Error()
		for _, want := range []string{
			`admission webhook "validate.eksguard.io" denied the request: eksguard denied Pod wh-enforce/bad: 2 failed checks`,
			"[pod/privileged] " + scanMessage(t, p, "pod/privileged") + " (spec.containers[0].securityContext.privileged). Fix: Remove privileged, or set it to false",
			"[pod/privilege-escalation] " + scanMessage(t, p, "pod/privilege-escalation"),
		} {
			if !strings.Contains(msg, want) {
				t.Errorf("denial lacks %q:\n%s", want, msg)
			}
		}
	})
	t.Run("enforce admits a compliant pod", func(t *testing.T) {
		if _, err := cs.CoreV1().Pods("wh-enforce").Create(ctx, pod("good", false), metav1.CreateOptions{}); err != nil {
			t.Fatalf("compliant pod denied: %v", err)
		}
		if w := warns.take(); len(w) != 0 {
			t.Errorf("warnings on a compliant pod: %q", w)
		}
	})
	t.Run("enforce denies a Deployment with a bad template", func(t *testing.T) {
		d := deployment("bad-deploy", true)
		_, err := cs.AppsV1().Deployments("wh-enforce").Create(ctx, d, metav1.CreateOptions{})
		if err == nil || !strings.Contains(err.Error(), "eksguard denied Deployment wh-enforce/bad-deploy") ||
			!strings.Contains(err.Error(), "(spec.template.spec.containers[0].securityContext.privileged)") {
			t.Fatalf("bad Deployment: got %v", err)
		}
		if _, err := cs.AppsV1().Deployments("wh-enforce").Create(ctx, deployment("good-deploy", false), metav1.CreateOptions{}); err != nil {
			t.Fatalf("good Deployment denied: %v", err)
		}
	})
	t.Run("metadata-only updates of a pod admitted earlier are not judged again", func(t *testing.T) {
		got, err := cs.CoreV1().Pods("wh-enforce").Get(ctx, "good", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		got.Labels = map[string]string{"touched": "yes"}
		if _, err := cs.CoreV1().Pods("wh-enforce").Update(ctx, got, metav1.UpdateOptions{}); err != nil {
			t.Fatalf("label update denied: %v", err)
		}
	})
	t.Run("a privileged ephemeral container added to a running pod is denied", func(t *testing.T) {
		got, err := cs.CoreV1().Pods("wh-enforce").Get(ctx, "good", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		got.Spec.EphemeralContainers = []corev1.EphemeralContainer{{EphemeralContainerCommon: corev1.EphemeralContainerCommon{
			Name: "debug", Image: "busybox", SecurityContext: &corev1.SecurityContext{Privileged: boolp(true)},
		}}}
		_, err = cs.CoreV1().Pods("wh-enforce").UpdateEphemeralContainers(ctx, "good", got, metav1.UpdateOptions{})
		if err == nil || !strings.Contains(err.Error(), `[pod/privileged] container "debug" runs privileged (spec.ephemeralContainers[0].securityContext.privileged)`) {
			t.Fatalf("privileged ephemeral container: got %v", err)
		}
	})
	t.Run("warn admits with warnings the client sees", func(t *testing.T) {
		warns.take()
		if _, err := cs.CoreV1().Pods("wh-warn").Create(ctx, pod("bad", true), metav1.CreateOptions{}); err != nil {
			t.Fatalf("warn mode denied: %v", err)
		}
		w := strings.Join(warns.take(), "\n")
		if !strings.Contains(w, "eksguard [pod/privileged] container \"app\" runs privileged") {
			t.Errorf("warnings: %q", w)
		}
	})
	t.Run("audit admits without warnings", func(t *testing.T) {
		warns.take()
		if _, err := cs.CoreV1().Pods("wh-audit").Create(ctx, pod("bad", true), metav1.CreateOptions{}); err != nil {
			t.Fatalf("audit mode denied: %v", err)
		}
		if w := warns.take(); len(w) != 0 {
			t.Errorf("audit mode warned: %q", w)
		}
		ann := auditAnnotations(t, bed, "wh-audit", "bad")
		if ann["validate.eksguard.io/failed-rules"] != "pod/privileged,pod/privilege-escalation" || ann["validate.eksguard.io/mode"] != "audit" ||
			!strings.Contains(ann["validate.eksguard.io/findings"], `[pod/privileged] container "app" runs privileged`) {
			t.Errorf("audit annotations: %v", ann)
		}
	})
	t.Run("a label cannot weaken the mode under labelOverrides: stricter", func(t *testing.T) {
		_, err := cs.CoreV1().Pods("wh-label").Create(ctx, pod("bad", true), metav1.CreateOptions{})
		if err == nil || !strings.Contains(err.Error(), `admission webhook "audit.validate.eksguard.io" denied the request`) {
			t.Fatalf("want a denial through the audit label route, got %v", err)
		}
	})
	t.Run("a label naming no mode goes to the default route", func(t *testing.T) {
		_, err := cs.CoreV1().Pods("wh-badlabel").Create(ctx, pod("bad", true), metav1.CreateOptions{})
		if err == nil || !strings.Contains(err.Error(), `admission webhook "validate.eksguard.io" denied the request`) {
			t.Fatalf("want a denial through the default route, got %v", err)
		}
	})
	t.Run("metrics count decisions by mode and rule", func(t *testing.T) {
		var b strings.Builder
		wh.srv.Handler.Metrics().Write(&b)
		for _, want := range []string{
			`eksguard_webhook_decisions_total{mode="enforce",decision="denied"}`,
			`eksguard_webhook_decisions_total{mode="warn",decision="warned"} 1`,
			`eksguard_webhook_decisions_total{mode="audit",decision="audited"} 1`,
			`eksguard_webhook_rule_failures_total{rule="pod/privileged",mode="audit"} 1`,
			`eksguard_webhook_request_duration_seconds_count{endpoint="validate"}`,
		} {
			if !strings.Contains(b.String(), want) {
				t.Errorf("metrics lack %s:\n%s", want, b.String())
			}
		}
	})
}

func deployment(name string, privileged bool) *appsv1.Deployment {
	p := pod(name, privileged)
	replicas := int32(1)
	d := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: name}}
	d.Spec.Replicas = &replicas
	d.Spec.Selector = &metav1.LabelSelector{MatchLabels: map[string]string{"app": name}}
	d.Spec.Template.Labels = map[string]string{"app": name}
	d.Spec.Template.Spec = p.Spec
	return d
}

// TestAPIServerWebhookDown: with the webhook unreachable, failurePolicy Fail denies and
// Ignore admits, as docs/admission.md says.
func TestAPIServerWebhookDown(t *testing.T) {
	bed := testbed.Start(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	deadURL := "https://" + ln.Addr().String()
	ln.Close() // nothing listens there now
	ca, err := admission.NewCA("unused", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	dead := &webhook{url: deadURL, ca: ca.CertPEM}
	cfg := admission.DefaultConfig()
	namespace(t, bed, "wh-down-fail", nil)
	namespace(t, bed, "wh-down-ignore", nil)
	register(t, bed, dead, "eksguard-down-fail", cfg, admissionregistrationv1.Fail, 3, "wh-down-fail")
	register(t, bed, dead, "eksguard-down-ignore", cfg, admissionregistrationv1.Ignore, 3, "wh-down-ignore")
	ctx := context.Background()
	waitEffective(t, bed.Client, "wh-down-fail", isDeniedBy("failed calling webhook"))
	_, err = bed.Client.CoreV1().Pods("wh-down-fail").Create(ctx, pod("p", false), metav1.CreateOptions{})
	if err == nil || !strings.Contains(err.Error(), `failed calling webhook "validate.eksguard.io"`) {
		t.Errorf("failurePolicy Fail with the webhook down: got %v", err)
	}
	// Ignore: the pod is admitted unchecked, privileged or not.
	if _, err := bed.Client.CoreV1().Pods("wh-down-ignore").Create(ctx, pod("p", true), metav1.CreateOptions{}); err != nil {
		t.Errorf("failurePolicy Ignore with the webhook down: %v", err)
	}
}

// slowRule never finishes in time and ignores its context, like a rule stuck on a bug.
type slowRule struct{ m rule.Meta }

func (r *slowRule) Meta() *rule.Meta { return &r.m }
func (r *slowRule) Check(context.Context, target.Target) ([]finding.Finding, error) {
	time.Sleep(20 * time.Second)
	return nil, nil
}

// TestAPIServerDeadline: a slow rule makes the webhook answer at its own deadline (1s,
// below timeoutSeconds 3) with a defined decision: denied in enforce (fail closed), admitted
// with a warning when the config fails open.
func TestAPIServerDeadline(t *testing.T) {
	bed := testbed.Start(t)
	slow := &slowRule{m: rule.Meta{ID: "test/slow", Title: "slow", Severity: finding.SeverityHigh, Target: target.KindWorkload}}
	closed := parseConfig(t, "timeout: 1s\n")
	open := parseConfig(t, "timeout: 1s\nfailOpen: true\n")
	whClosed := startWebhook(t, closed, []rule.Rule{slow})
	whOpen := startWebhook(t, open, []rule.Rule{slow})
	namespace(t, bed, "wh-slow-closed", nil)
	namespace(t, bed, "wh-slow-open", nil)
	register(t, bed, whClosed, "eksguard-slow-closed", closed, admissionregistrationv1.Fail, 3, "wh-slow-closed")
	register(t, bed, whOpen, "eksguard-slow-open", open, admissionregistrationv1.Fail, 3, "wh-slow-open")
	cs, warns := clientWithWarnings(t, bed)
	ctx := context.Background()
	waitEffective(t, cs, "wh-slow-closed", isDeniedBy("did not finish"))

	// The denial carries the webhook's own message: had it not answered within
	// timeoutSeconds, the API server would have failed the call itself ("failed calling
	// webhook ... context deadline exceeded") and applied the failure policy instead. No
	// clock is read here.
	_, err := cs.CoreV1().Pods("wh-slow-closed").Create(ctx, pod("p", false), metav1.CreateOptions{})
	if err == nil || !strings.Contains(err.Error(), `admission webhook "validate.eksguard.io" denied the request: eksguard: evaluation did not finish within 1s (denied: the webhook fails closed in enforce mode)`) {
		t.Errorf("fail closed: got %v", err)
	}
	warns.take()
	if _, err := cs.CoreV1().Pods("wh-slow-open").Create(ctx, pod("p", false), metav1.CreateOptions{}); err != nil {
		t.Errorf("fail open: %v", err)
	}
	if w := strings.Join(warns.take(), "\n"); !strings.Contains(w, "admitted unchecked") {
		t.Errorf("fail open without a warning: %q", w)
	}
	var b strings.Builder
	whClosed.srv.Handler.Metrics().Write(&b)
	if !strings.Contains(b.String(), "eksguard_webhook_deadline_exceeded_total ") || strings.Contains(b.String(), "eksguard_webhook_deadline_exceeded_total 0") {
		t.Errorf("deadline not counted:\n%s", b.String())
	}
}

func selectRulesTB(t testing.TB, ids ...string) []rule.Rule {
	t.Helper()
	rs, err := all.Registry().Select(rule.Selector{Include: ids})
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

func mustPool(t *testing.T, pemCA []byte) *x509.CertPool {
	t.Helper()
	p := x509.NewCertPool()
	if !p.AppendCertsFromPEM(pemCA) {
		t.Fatal("bad CA PEM")
	}
	return p
}

// TestAPIServerMutate: the mutating webhook fills the opted-in defaults through a JSONPatch
// the API server applies, never changing what the pod set, and the validating webhook then
// admits the defaulted pod.
func TestAPIServerMutate(t *testing.T) {
	bed := testbed.Start(t)
	cfg := parseConfig(t, `
rules:
  include: [pod/privilege-escalation, pod/privileged]
mutate:
  allowPrivilegeEscalation: true
  dropAllCapabilities: true
  seccompRuntimeDefault: true
  runAsNonRoot: true
`)
	wh := startWebhook(t, cfg, selectRules(t, "pod/privilege-escalation", "pod/privileged"))
	namespace(t, bed, "wh-mutate", nil)
	o := &admission.ManifestOptions{Name: "eksguard-mutate", URL: wh.url, CABundle: wh.ca, TLS: admission.TLSSelfSigned, Config: cfg}
	mwc, err := o.MutatingWebhookConfiguration()
	if err != nil {
		t.Fatal(err)
	}
	mwc.Webhooks[0].NamespaceSelector.MatchExpressions = append(mwc.Webhooks[0].NamespaceSelector.MatchExpressions,
		metav1.LabelSelectorRequirement{Key: corev1.LabelMetadataName, Operator: metav1.LabelSelectorOpIn, Values: []string{"wh-mutate"}})
	ctx := context.Background()
	api := bed.Client.AdmissionregistrationV1().MutatingWebhookConfigurations()
	if _, err := api.Create(ctx, mwc, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = api.Delete(context.Background(), mwc.Name, metav1.DeleteOptions{}) })
	register(t, bed, wh, "eksguard-mutate-validate", cfg, admissionregistrationv1.Fail, 3, "wh-mutate")

	uid := int64(1000)
	p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "bare"}, Spec: corev1.PodSpec{Containers: []corev1.Container{
		{Name: "bare", Image: "busybox"},
		{Name: "set", Image: "busybox", SecurityContext: &corev1.SecurityContext{RunAsUser: &uid, AllowPrivilegeEscalation: boolp(false),
			Capabilities: &corev1.Capabilities{Drop: []corev1.Capability{"NET_RAW"}}}},
	}}}
	var got *corev1.Pod
	err = wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
		// Without the mutation the validating webhook denies the bare container.
		g, err := bed.Client.CoreV1().Pods("wh-mutate").Create(ctx, p, metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}})
		if err != nil {
			return false, nil
		}
		got = g
		return true, nil
	})
	if err != nil {
		t.Fatal("the mutated pod was never admitted")
	}
	s := got.Spec
	if s.SecurityContext == nil || s.SecurityContext.SeccompProfile == nil || s.SecurityContext.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
		t.Errorf("pod seccomp: %+v", s.SecurityContext)
	}
	bare := s.Containers[0].SecurityContext
	if bare == nil || bare.AllowPrivilegeEscalation == nil || *bare.AllowPrivilegeEscalation || bare.Capabilities == nil || len(bare.Capabilities.Drop) != 1 || bare.RunAsNonRoot != nil {
		t.Errorf("bare container: %+v", bare)
	}
	set := s.Containers[1].SecurityContext
	if len(set.Capabilities.Drop) != 1 || set.Capabilities.Drop[0] != "NET_RAW" || set.RunAsNonRoot == nil || !*set.RunAsNonRoot {
		t.Errorf("container with its own settings: %+v", set)
	}
}
