package respond

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/eksguard/eksguard/deploy"
	"github.com/eksguard/eksguard/internal/testbed"
	"github.com/eksguard/eksguard/pkg/detect"
	"github.com/eksguard/eksguard/pkg/detect/stream"
	"github.com/eksguard/eksguard/pkg/finding"
	irespond "github.com/eksguard/eksguard/pkg/respond"
)

func TestMain(m *testing.M) { os.Exit(testbed.Run(m)) }

// TestLiveResponse: a runtime alert answered by a live plan, through the incident-response
// package as the responder's service account of deploy/responder-rbac.yaml, on a real API
// server: evidence first, the pod quarantined, its node cordoned, the bundle verifies, and
// `respond release` undoes it like a manual isolation.
func TestLiveResponse(t *testing.T) {
	bed := testbed.Start(t)
	bed.InstallCRDs(t)
	ctx := context.Background()
	cs := bed.Client
	const ns, node = "rt-live", "node-rt-live"
	if _, err := cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := cs.CoreV1().Nodes().Create(ctx, &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: node}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	labels := map[string]string{"app": "nginx", "tier": "front"}
	pod, err := cs.CoreV1().Pods(ns).Create(ctx, &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "nginx-1", Labels: labels},
		Spec: corev1.PodSpec{NodeName: node, Containers: []corev1.Container{{Name: "nginx", Image: "nginx:1.27"}}}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cs.CoreV1().Services(ns).Create(ctx, &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "nginx"},
		Spec: corev1.ServiceSpec{Selector: map[string]string{"app": "nginx"}, Ports: []corev1.ServicePort{{Port: 80}}}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}

	cfg := bed.ServiceAccountConfig(t, string(deploy.ResponderRBAC), deploy.ResponderNamespace, deploy.ResponderServiceAccount)
	r, err := irespond.New(cfg, irespond.Options{})
	if err != nil {
		t.Fatal(err)
	}
	evidence := t.TempDir()
	p, err := Parse("plan.yaml", []byte("dryRun: false\nevidence: "+evidence+"\nrules:\n- rule: Read sensitive file untrusted\n  actions: [capture, isolate, cordon]\n"))
	if err != nil {
		t.Fatal(err)
	}
	d := &Dispatcher{Plan: p, Responder: Live{Responder: r}, Actor: "eksguard detect runtime"}
	alert := &stream.Alert{Rule: &detect.Rule{Name: "Read sensitive file untrusted"}, Output: "Sensitive file opened for reading (file=/etc/shadow command=cat /etc/shadow)",
		Subject: finding.Subject{Kind: "Pod", Namespace: ns, Name: pod.Name}}
	res, req := d.Decide(alert)
	if req == nil {
		t.Fatalf("not answered: %+v", res)
	}
	d.Do(ctx, res, req)
	if res.Err != nil || res.Outcome == nil {
		t.Fatalf("response failed: %v", res.Err)
	}
	t.Log(res.String())
	for _, want := range []string{"incident " + req.Incident, "capture", "policy", "label", "cordon", "evidence "} {
		if !strings.Contains(res.Outcome.Summary, want) {
			t.Errorf("summary %q lacks %q", res.Outcome.Summary, want)
		}
	}

	got, err := cs.CoreV1().Pods(ns).Get(ctx, pod.Name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got.Labels[irespond.QuarantineLabel] != req.Incident || got.Labels["app"] != "" {
		t.Fatalf("pod labels after the response: %v", got.Labels)
	}
	pol, err := cs.NetworkingV1().NetworkPolicies(ns).Get(ctx, irespond.PolicyName(req.Incident), metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(pol.Annotations[irespond.JournalAnnotation], "runtime alert") {
		t.Errorf("the journal does not record the alert: %v", pol.Annotations)
	}
	if n, _ := cs.CoreV1().Nodes().Get(ctx, node, metav1.GetOptions{}); !n.Spec.Unschedulable {
		t.Error("node not cordoned")
	}
	bundle := filepath.Join(evidence, "eksguard-evidence-"+req.Incident+".tar.gz")
	v, err := irespond.Verify(bundle)
	if err != nil || !v.OK() {
		t.Fatalf("bundle %s: %v %+v", bundle, err, v)
	}

	// The same alert again within the window is not answered twice.
	if again, req2 := d.Decide(alert); req2 != nil || !strings.HasPrefix(again.Skipped, "deduplicated") {
		t.Fatalf("second alert: %+v", again)
	}

	// Released like a manual isolation: labels back, policy gone, node schedulable.
	if _, err := r.Release(ctx, ns, req.Incident, false); err != nil {
		t.Fatal(err)
	}
	got, err = cs.CoreV1().Pods(ns).Get(ctx, pod.Name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got.Labels["app"] != "nginx" || got.Labels["tier"] != "front" || got.Labels[irespond.QuarantineLabel] != "" {
		t.Fatalf("labels after release: %v", got.Labels)
	}
	if _, err := cs.NetworkingV1().NetworkPolicies(ns).Get(ctx, irespond.PolicyName(req.Incident), metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Fatalf("policy after release: %v", err)
	}
	if n, _ := cs.CoreV1().Nodes().Get(ctx, node, metav1.GetOptions{}); n.Spec.Unschedulable {
		t.Error("node still cordoned after release")
	}
}
