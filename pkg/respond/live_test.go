package respond_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/eksguard/eksguard/deploy"
	"github.com/eksguard/eksguard/internal/testbed"
	"github.com/eksguard/eksguard/pkg/respond"
)

func TestMain(m *testing.M) { os.Exit(testbed.Run(m)) }

var (
	responderOnce sync.Mutex
	responderCfg  *rest.Config
)

// responderConfig authenticates as the responder's service account of
// deploy/responder-rbac.yaml: the tests act with exactly the rights users grant.
func responderConfig(t *testing.T, bed *testbed.Env) *rest.Config {
	t.Helper()
	responderOnce.Lock()
	defer responderOnce.Unlock()
	if responderCfg == nil {
		responderCfg = bed.ServiceAccountConfig(t, string(deploy.ResponderRBAC), deploy.ResponderNamespace, deploy.ResponderServiceAccount)
		responderCfg.QPS, responderCfg.Burst = 200, 400
	}
	return rest.CopyConfig(responderCfg)
}

func newResponder(t *testing.T, cfg *rest.Config, opts respond.Options) *respond.Responder {
	t.Helper()
	r, err := respond.New(cfg, opts)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// fixture is a namespace with a Deployment's ReplicaSet, its pods on one node, a Service,
// an allowing NetworkPolicy, a SecurityGroupPolicy and an IRSA service account.
type fixture struct {
	ns, node string
	rs       *appsv1.ReplicaSet
	pods     []string
}

var podLabels = map[string]string{"app": "web", "pod-template-hash": "5d8f", "team": "payments", "tier": "front"}

func setup(t *testing.T, bed *testbed.Env, pods int) *fixture {
	t.Helper()
	bed.InstallCRDs(t)
	ctx := context.Background()
	cs := bed.Client
	name := strings.ToLower(strings.NewReplacer("/", "-", "_", "-").Replace(t.Name()))
	if len(name) > 50 {
		name = name[len(name)-50:]
	}
	name = strings.Trim(name, "-")
	f := &fixture{ns: name, node: "node-" + name}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	_, err := cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: f.ns}}, metav1.CreateOptions{})
	must(err)
	_, err = cs.CoreV1().Nodes().Create(ctx, &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: f.node, Labels: map[string]string{"kubernetes.io/hostname": f.node},
		Annotations: map[string]string{"node.alpha.kubernetes.io/ttl": "0"}}}, metav1.CreateOptions{})
	must(err)
	_, err = cs.CoreV1().ServiceAccounts(f.ns).Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "web",
		Annotations: map[string]string{respond.IRSAAnnotation: "arn:aws:iam::111122223333:role/web"}, Labels: map[string]string{"sg": "web"}}}, metav1.CreateOptions{})
	must(err)
	sel := &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}}
	tmpl := corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "web"}},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "web", Image: "nginx:1.27"}}}}
	dep, err := cs.AppsV1().Deployments(f.ns).Create(ctx, &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "web"},
		Spec: appsv1.DeploymentSpec{Selector: sel, Template: tmpl}}, metav1.CreateOptions{})
	must(err)
	yes := true
	rsSel := &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web", "pod-template-hash": "5d8f"}}
	rsTmpl := tmpl.DeepCopy()
	rsTmpl.Labels = map[string]string{"app": "web", "pod-template-hash": "5d8f"}
	f.rs, err = cs.AppsV1().ReplicaSets(f.ns).Create(ctx, &appsv1.ReplicaSet{ObjectMeta: metav1.ObjectMeta{Name: "web-5d8f",
		OwnerReferences: []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "Deployment", Name: dep.Name, UID: dep.UID, Controller: &yes}}},
		Spec: appsv1.ReplicaSetSpec{Selector: rsSel, Template: *rsTmpl}}, metav1.CreateOptions{})
	must(err)
	_, err = cs.CoreV1().Services(f.ns).Create(ctx, &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "web"},
		Spec: corev1.ServiceSpec{Selector: map[string]string{"app": "web"}, Ports: []corev1.ServicePort{{Port: 80, TargetPort: intstr.FromInt32(8080)}}}}, metav1.CreateOptions{})
	must(err)
	_, err = cs.CoreV1().Services(f.ns).Create(ctx, &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "other"},
		Spec: corev1.ServiceSpec{Selector: map[string]string{"app": "other"}, Ports: []corev1.ServicePort{{Port: 80}}}}, metav1.CreateOptions{})
	must(err)
	// Allows ingress to tier=front: selecting by a label neither the Service nor the
	// controller uses, so only the policy check removes it.
	_, err = cs.NetworkingV1().NetworkPolicies(f.ns).Create(ctx, &networkingv1.NetworkPolicy{ObjectMeta: metav1.ObjectMeta{Name: "allow-front"},
		Spec: networkingv1.NetworkPolicySpec{PodSelector: metav1.LabelSelector{MatchLabels: map[string]string{"tier": "front"}},
			Ingress: []networkingv1.NetworkPolicyIngressRule{{}}}}, metav1.CreateOptions{})
	must(err)
	bed.Apply(t, fmt.Sprintf(`
apiVersion: vpcresources.k8s.aws/v1beta1
kind: SecurityGroupPolicy
metadata: {name: web-sg, namespace: %s}
spec: {serviceAccountSelector: {matchLabels: {sg: web}}, securityGroups: {groupIds: [sg-0123456789abcdef0]}}
`, f.ns))
	for i := range pods {
		p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("web-5d8f-%03d", i), Labels: copyMap(podLabels),
			Annotations:     map[string]string{"kubernetes.io/psp": "x", "note": "keep me"},
			OwnerReferences: []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: f.rs.Name, UID: f.rs.UID, Controller: &yes}}},
			Spec: corev1.PodSpec{NodeName: f.node, ServiceAccountName: "web", Containers: []corev1.Container{{Name: "web", Image: "nginx:1.27"}, {Name: "sidecar", Image: "busybox:1.36"}}}}
		created, err := cs.CoreV1().Pods(f.ns).Create(ctx, p, metav1.CreateOptions{})
		must(err)
		f.pods = append(f.pods, created.Name)
		if i == 0 {
			_, err = cs.CoreV1().Events(f.ns).Create(ctx, &corev1.Event{ObjectMeta: metav1.ObjectMeta{Name: created.Name + ".1"},
				InvolvedObject: corev1.ObjectReference{Kind: "Pod", Namespace: f.ns, Name: created.Name, UID: created.UID},
				Reason:         "Started", Message: "Started container web", Type: "Normal"}, metav1.CreateOptions{})
			must(err)
		}
	}
	return f
}

func copyMap(m map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range m {
		out[k] = v
	}
	return out
}

// state is what isolation changes and release must put back byte for byte.
type state struct {
	podLabels, podAnnotations   map[string]map[string]string
	nodeAnnotations             map[string]string
	nodeUnschedulable           bool
	policies                    []string
	podVersions                 map[string]string
	nodeVersion, policyVersions string
}

func snapshot(t *testing.T, cs kubernetes.Interface, f *fixture) state {
	t.Helper()
	ctx := context.Background()
	s := state{podLabels: map[string]map[string]string{}, podAnnotations: map[string]map[string]string{}, podVersions: map[string]string{}}
	for _, name := range f.pods {
		p, err := cs.CoreV1().Pods(f.ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		s.podLabels[name], s.podAnnotations[name], s.podVersions[name] = p.Labels, p.Annotations, p.ResourceVersion
	}
	n, err := cs.CoreV1().Nodes().Get(ctx, f.node, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	s.nodeAnnotations, s.nodeUnschedulable, s.nodeVersion = n.Annotations, n.Spec.Unschedulable, n.ResourceVersion
	nps, err := cs.NetworkingV1().NetworkPolicies(f.ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, np := range nps.Items {
		s.policies = append(s.policies, np.Name)
		s.policyVersions += np.Name + "@" + np.ResourceVersion + " "
	}
	return s
}

// sameAsOriginal compares labels, annotations, node state and the policies.
func sameAsOriginal(t *testing.T, got, want state) {
	t.Helper()
	if !reflect.DeepEqual(got.podLabels, want.podLabels) {
		t.Errorf("pod labels:\n got %v\nwant %v", got.podLabels, want.podLabels)
	}
	if !reflect.DeepEqual(got.podAnnotations, want.podAnnotations) {
		t.Errorf("pod annotations:\n got %v\nwant %v", got.podAnnotations, want.podAnnotations)
	}
	if !reflect.DeepEqual(got.nodeAnnotations, want.nodeAnnotations) || got.nodeUnschedulable != want.nodeUnschedulable {
		t.Errorf("node: got %v %v, want %v %v", got.nodeAnnotations, got.nodeUnschedulable, want.nodeAnnotations, want.nodeUnschedulable)
	}
	if !reflect.DeepEqual(got.policies, want.policies) {
		t.Errorf("policies: got %v, want %v", got.policies, want.policies)
	}
}

func TestIsolateVerifyRelease(t *testing.T) {
	bed := testbed.Start(t)
	f := setup(t, bed, 2)
	ctx := context.Background()
	orig := snapshot(t, bed.Client, f)
	r := newResponder(t, responderConfig(t, bed), respond.Options{})
	dir := filepath.Join(t.TempDir(), "evidence")
	res, err := r.Isolate(ctx, respond.Request{Namespace: f.ns, Pod: f.pods[0], Incident: "inc-1", Quarantine: true, Cordon: true,
		Evidence: dir, Reason: "test: shell in container"})
	if err != nil {
		t.Fatalf("isolate: %v\n%+v", err, res)
	}
	var actions []string
	for _, s := range res.Steps {
		actions = append(actions, s.Action)
	}
	if got := strings.Join(actions, ","); got != "capture,policy,label,cordon,journal" {
		t.Errorf("steps %s", got)
	}
	if len(res.NotDone) != 0 {
		t.Errorf("not done: %+v", res.NotDone)
	}
	// No enforcing plugin in the test bed: the warning says so.
	if !strings.Contains(strings.Join(res.Warnings, "\n"), "NetworkPolicy-enforcing") {
		t.Errorf("no enforcement warning: %v", res.Warnings)
	}

	// The pod: quarantine label, selected labels gone (app, pod-template-hash: the
	// Service and ReplicaSet; tier: the allowing policy), team kept.
	pod, err := bed.Client.CoreV1().Pods(f.ns).Get(ctx, f.pods[0], metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	wantLabels := map[string]string{respond.QuarantineLabel: "inc-1", "team": "payments"}
	if !reflect.DeepEqual(pod.Labels, wantLabels) {
		t.Errorf("labels %v, want %v", pod.Labels, wantLabels)
	}
	if pod.Annotations[respond.OriginalLabelsAnnotation] != `{"app":"web","pod-template-hash":"5d8f","tier":"front"}` {
		t.Errorf("annotation %q", pod.Annotations[respond.OriginalLabelsAnnotation])
	}
	// The other pod is untouched.
	if other := snapshot(t, bed.Client, f); !reflect.DeepEqual(other.podLabels[f.pods[1]], orig.podLabels[f.pods[1]]) {
		t.Errorf("other pod changed: %v", other.podLabels[f.pods[1]])
	}
	// The policy: deny-all, selecting the label, with the journal.
	np, err := bed.Client.NetworkingV1().NetworkPolicies(f.ns).Get(ctx, respond.PolicyName("inc-1"), metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if np.Spec.PodSelector.MatchLabels[respond.QuarantineLabel] != "inc-1" || len(np.Spec.Ingress)+len(np.Spec.Egress) != 0 || len(np.Spec.PolicyTypes) != 2 {
		t.Errorf("policy %+v", np.Spec)
	}
	j, err := respond.ParseJournal(np.Annotations[respond.JournalAnnotation])
	if err != nil {
		t.Fatal(err)
	}
	if j.Actor != "system:serviceaccount:eksguard:eksguard-responder" || j.Reason != "test: shell in container" || j.BundleSHA256 != res.ManifestSHA256 || len(j.Entries) != 3 {
		t.Errorf("journal %+v", j)
	}
	for _, e := range j.Entries {
		if e.State != respond.StateDone {
			t.Errorf("entry %+v not done", e)
		}
	}
	// The node: cordoned, annotated.
	node, err := bed.Client.CoreV1().Nodes().Get(ctx, f.node, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !node.Spec.Unschedulable || node.Annotations[respond.CordonAnnotation] != "inc-1" {
		t.Errorf("node %v %v", node.Spec.Unschedulable, node.Annotations)
	}

	// The bundle verifies and holds every item.
	v, err := respond.Verify(dir)
	if err != nil || !v.OK() {
		t.Fatalf("verify: %v %v", err, v)
	}
	if v.ManifestSHA256 != res.ManifestSHA256 {
		t.Errorf("manifest hash %s, result says %s", v.ManifestSHA256, res.ManifestSHA256)
	}
	p := "pods/" + f.ns + "/" + f.pods[0] + "/"
	have := map[string]bool{}
	for _, file := range v.Manifest.Files {
		have[file.Path] = true
	}
	for _, want := range []string{p + "pod.json", p + "owners/replicaset-web-5d8f.json", p + "owners/deployment-web.json", p + "events.json",
		p + "services.json", p + "networkpolicies.json", p + "securitygrouppolicies.json", p + "serviceaccount.json", p + "summary.json",
		"nodes/" + f.node + ".json", "journal/" + f.ns + ".json"} {
		if !have[want] {
			t.Errorf("bundle lacks %s (has %v)", want, v.Manifest.Files)
		}
	}
	summary, _ := os.ReadFile(filepath.Join(dir, p+"summary.json"))
	for _, want := range []string{`"iamRole": "arn:aws:iam::111122223333:role/web"`, `"web-sg"`, `"allow-front"`, `"ReplicaSet/web-5d8f"`, `"Deployment/web"`} {
		if !bytes.Contains(summary, []byte(want)) {
			t.Errorf("summary lacks %s:\n%s", want, summary)
		}
	}
	if services, _ := os.ReadFile(filepath.Join(dir, p+"services.json")); bytes.Contains(services, []byte(`"other"`)) {
		t.Error("a Service that does not select the pod was captured")
	}
	// envtest runs no kubelet: the logs are notes, not files, and the manifest says so.
	if !strings.Contains(strings.Join(v.Manifest.Notes, "\n"), "log of container web not captured") {
		t.Errorf("notes %v", v.Manifest.Notes)
	}
	if v.Manifest.Actor != j.Actor || v.Manifest.Incident != "inc-1" || v.Manifest.Version == "" || v.Manifest.Created.IsZero() {
		t.Errorf("manifest %+v", v.Manifest)
	}

	// Isolating again changes nothing.
	before := snapshot(t, bed.Client, f)
	res2, err := r.Isolate(ctx, respond.Request{Namespace: f.ns, Pod: f.pods[0], Quarantine: true, Cordon: true, Evidence: filepath.Join(t.TempDir(), "again")})
	if err != nil || len(res2.Steps) != 0 || res2.Incident != "inc-1" {
		t.Fatalf("second isolate: %v %+v", err, res2)
	}
	if after := snapshot(t, bed.Client, f); !reflect.DeepEqual(after, before) {
		t.Errorf("second isolate changed the cluster:\n%+v\n%+v", before, after)
	}

	// Release restores the original state byte for byte.
	rel, err := r.Release(ctx, f.ns, "inc-1", false)
	if err != nil {
		t.Fatalf("release: %v %+v", err, rel)
	}
	sameAsOriginal(t, snapshot(t, bed.Client, f), orig)
	// Releasing again changes nothing.
	before = snapshot(t, bed.Client, f)
	rel, err = r.Release(ctx, "", "inc-1", false)
	if err != nil || len(rel.Steps) != 0 || len(rel.Warnings) != 1 {
		t.Fatalf("second release: %v %+v", err, rel)
	}
	if after := snapshot(t, bed.Client, f); !reflect.DeepEqual(after, before) {
		t.Errorf("second release changed the cluster")
	}
}

func TestDryRunChangesNothing(t *testing.T) {
	bed := testbed.Start(t)
	f := setup(t, bed, 1)
	orig := snapshot(t, bed.Client, f)
	r := newResponder(t, responderConfig(t, bed), respond.Options{})
	dir := filepath.Join(t.TempDir(), "e.tar.gz")
	res, err := r.Isolate(context.Background(), respond.Request{Namespace: f.ns, Pod: f.pods[0], Quarantine: true, Cordon: true, DryRun: true, Evidence: dir})
	if err != nil || len(res.Steps) != 0 || len(res.NotDone) != 4 {
		t.Fatalf("%v %+v", err, res)
	}
	if got := snapshot(t, bed.Client, f); !reflect.DeepEqual(got, orig) {
		t.Error("dry run changed the cluster")
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("dry run wrote evidence: %v", err)
	}
}

// An interruption after each step (as if the process died: no further write) leaves a
// journal from which release restores the original state.
func TestInterruptAfterEachStepThenRelease(t *testing.T) {
	bed := testbed.Start(t)
	steps := []string{"capture", "policy", "label", "cordon"}
	for k, stop := range steps {
		t.Run(stop, func(t *testing.T) {
			f := setup(t, bed, 1)
			orig := snapshot(t, bed.Client, f)
			incident := fmt.Sprintf("inc-int-%d", k)
			r := newResponder(t, responderConfig(t, bed), respond.Options{AfterStep: func(s respond.Step) error {
				if s.Action == stop {
					return errors.New("killed")
				}
				return nil
			}})
			res, err := r.Isolate(context.Background(), respond.Request{Namespace: f.ns, Pod: f.pods[0], Incident: incident, Quarantine: true, Cordon: true,
				Evidence: filepath.Join(t.TempDir(), "e.tar.gz")})
			if err == nil || !strings.Contains(err.Error(), "killed") {
				t.Fatalf("not interrupted: %v", err)
			}
			if len(res.Steps) != k+1 || len(res.NotDone) != len(steps)-k-1 {
				t.Errorf("done %+v, not done %+v", res.Steps, res.NotDone)
			}
			r = newResponder(t, responderConfig(t, bed), respond.Options{})
			if _, err := r.Release(context.Background(), f.ns, incident, false); err != nil {
				t.Fatal(err)
			}
			sameAsOriginal(t, snapshot(t, bed.Client, f), orig)
		})
	}
}

// A responder that may not update nodes: --cordon fails after the pod is isolated; isolate
// stops with an error that says what was done and what was not, the journal records the
// failure, and release undoes the rest.
func TestRBACDeniedOnOneStep(t *testing.T) {
	bed := testbed.Start(t)
	f := setup(t, bed, 1)
	orig := snapshot(t, bed.Client, f)
	rbac := strings.NewReplacer("eksguard-responder", "eksguard-responder-nocordon",
		"    resources: [nodes]\n    verbs: [get, update]", "    resources: [nodes]\n    verbs: [get]").Replace(string(deploy.ResponderRBAC))
	if rbac == string(deploy.ResponderRBAC) || strings.Contains(rbac, "verbs: [get, update]\n  - apiGroups: [\"\"]\n    resources: [serviceaccounts") {
		t.Fatal("the RBAC edit did not apply")
	}
	cfg := bed.ServiceAccountConfig(t, rbac, deploy.ResponderNamespace, "eksguard-responder-nocordon")
	r := newResponder(t, cfg, respond.Options{})
	res, err := r.Isolate(context.Background(), respond.Request{Namespace: f.ns, Pod: f.pods[0], Incident: "inc-rbac", Quarantine: true, Cordon: true,
		Evidence: filepath.Join(t.TempDir(), "e.tar.gz")})
	if err == nil || !apierrors.IsForbidden(errors.Unwrap(errors.Unwrap(err))) && !strings.Contains(err.Error(), "forbidden") {
		t.Fatalf("want forbidden, got %v", err)
	}
	var done []string
	for _, s := range res.Steps {
		done = append(done, s.Action)
	}
	if strings.Join(done, ",") != "capture,policy,label,journal" || len(res.NotDone) != 1 || res.NotDone[0].Action != "cordon" || !strings.Contains(res.NotDone[0].Error, "forbidden") {
		t.Errorf("done %v, not done %+v", done, res.NotDone)
	}
	np, err := bed.Client.NetworkingV1().NetworkPolicies(f.ns).Get(context.Background(), respond.PolicyName("inc-rbac"), metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	j, err := respond.ParseJournal(np.Annotations[respond.JournalAnnotation])
	if err != nil {
		t.Fatal(err)
	}
	last := j.Entries[len(j.Entries)-1]
	if last.Kind != respond.EntryCordon || last.State != respond.StateFailed || !strings.Contains(last.Error, "forbidden") {
		t.Errorf("journal's cordon entry %+v", last)
	}
	if v, err := respond.Verify(res.Bundle); err != nil || !v.OK() {
		t.Errorf("bundle after a failure: %v %+v", err, v)
	}
	if _, err := newResponder(t, responderConfig(t, bed), respond.Options{}).Release(context.Background(), f.ns, "inc-rbac", false); err != nil {
		t.Fatal(err)
	}
	sameAsOriginal(t, snapshot(t, bed.Client, f), orig)
}

// A pod deleted mid-way is reported and journalled as not isolated; the rest goes on.
func TestPodVanishesMidway(t *testing.T) {
	bed := testbed.Start(t)
	f := setup(t, bed, 3)
	ctx := context.Background()
	r := newResponder(t, responderConfig(t, bed), respond.Options{AfterStep: func(s respond.Step) error {
		if s.Action == "policy" {
			zero := int64(0)
			return bed.Client.CoreV1().Pods(f.ns).Delete(ctx, f.pods[1], metav1.DeleteOptions{GracePeriodSeconds: &zero})
		}
		return nil
	}})
	found, err := r.Find(ctx, respond.Query{Namespace: f.ns, Label: "app=web"})
	if err != nil || len(found.Pods) != 3 {
		t.Fatalf("find: %v %+v", err, found)
	}
	res, err := r.IsolatePods(ctx, respond.Request{Incident: "inc-gone", Quarantine: true, Evidence: filepath.Join(t.TempDir(), "e")}, found.Pods)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.NotDone) != 1 || res.NotDone[0].Object != f.ns+"/"+f.pods[1] || !strings.Contains(res.NotDone[0].Error, "vanished") {
		t.Errorf("not done %+v", res.NotDone)
	}
	np, _ := bed.Client.NetworkingV1().NetworkPolicies(f.ns).Get(ctx, respond.PolicyName("inc-gone"), metav1.GetOptions{})
	j, err := respond.ParseJournal(np.Annotations[respond.JournalAnnotation])
	if err != nil {
		t.Fatal(err)
	}
	states := map[string]string{}
	for _, e := range j.Entries {
		states[e.Object] = e.State
	}
	if states["pod/"+f.pods[0]] != respond.StateDone || states["pod/"+f.pods[1]] != respond.StateFailed || states["pod/"+f.pods[2]] != respond.StateDone {
		t.Errorf("journal states %v", states)
	}
	if _, err := r.Release(ctx, f.ns, "inc-gone", false); err != nil {
		t.Fatal(err)
	}
}

// Every pod of a ReplicaSet in one call: one policy, one journal, one bundle.
func TestIsolateManyPods(t *testing.T) {
	bed := testbed.Start(t)
	f := setup(t, bed, 30)
	orig := snapshot(t, bed.Client, f)
	ctx := context.Background()
	r := newResponder(t, responderConfig(t, bed), respond.Options{})
	found, err := r.Find(ctx, respond.Query{Image: "docker.io/library/nginx:1.27"})
	if err != nil {
		t.Fatal(err)
	}
	var pods []corev1.Pod
	for _, p := range found.Pods {
		if p.Namespace == f.ns {
			pods = append(pods, p)
		}
	}
	if len(pods) != 30 {
		t.Fatalf("found %d pods", len(pods))
	}
	bundle := filepath.Join(t.TempDir(), "e.tgz")
	res, err := r.IsolatePods(ctx, respond.Request{Quarantine: true, Cordon: true, Evidence: bundle}, pods)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Steps) != 1+1+30+1+1 {
		t.Errorf("%d steps", len(res.Steps))
	}
	after := snapshot(t, bed.Client, f)
	for _, name := range f.pods {
		if after.podLabels[name][respond.QuarantineLabel] != res.Incident {
			t.Errorf("%s not labelled", name)
		}
	}
	if v, err := respond.Verify(bundle); err != nil || !v.OK() {
		t.Fatalf("%v %+v", err, v)
	}
	if _, err := r.Release(ctx, "", res.Incident, false); err != nil {
		t.Fatal(err)
	}
	sameAsOriginal(t, snapshot(t, bed.Client, f), orig)
}

func TestFind(t *testing.T) {
	bed := testbed.Start(t)
	f := setup(t, bed, 2)
	ctx := context.Background()
	r := newResponder(t, responderConfig(t, bed), respond.Options{})
	for _, tc := range []struct {
		q    respond.Query
		want int
	}{
		{respond.Query{Namespace: f.ns, Image: "nginx"}, 2},
		{respond.Query{Namespace: f.ns, Image: "nginx:1.27"}, 2},
		{respond.Query{Namespace: f.ns, Image: "index.docker.io/library/nginx:1.27"}, 2},
		{respond.Query{Namespace: f.ns, Image: "nginx:1.26"}, 0},
		{respond.Query{Namespace: f.ns, Image: "busybox"}, 2},
		{respond.Query{Namespace: f.ns, Image: "ngin"}, 0},
		{respond.Query{ServiceAccount: f.ns + "/web"}, 2},
		{respond.Query{ServiceAccount: f.ns + "/default"}, 0},
		{respond.Query{Namespace: f.ns, Label: "app=web,tier in (front)"}, 2},
		{respond.Query{Namespace: f.ns, Label: "app=api"}, 0},
		{respond.Query{Namespace: f.ns, Label: "app=web", Image: "nginx:1.26"}, 0},
	} {
		found, err := r.Find(ctx, tc.q)
		if err != nil {
			t.Errorf("%+v: %v", tc.q, err)
			continue
		}
		if len(found.Pods) != tc.want {
			t.Errorf("%+v: %d pods, want %d", tc.q, len(found.Pods), tc.want)
		}
		if tc.want > 0 && (len(found.Nodes) != 1 || found.Nodes[0] != f.node) {
			t.Errorf("%+v: nodes %v", tc.q, found.Nodes)
		}
	}
	for _, q := range []respond.Query{{}, {Label: "a=(b"}, {ServiceAccount: "nope"}, {ServiceAccount: "Bad_NS/x"}, {Image: "UPPER:case:bad"}} {
		if _, err := r.Find(ctx, q); err == nil {
			t.Errorf("%+v: no error", q)
		}
	}
}

func TestInvalidInput(t *testing.T) {
	bed := testbed.Start(t)
	r := newResponder(t, responderConfig(t, bed), respond.Options{})
	ctx := context.Background()
	for _, tc := range []struct {
		req  respond.Request
		want string
	}{
		{respond.Request{Namespace: "Bad_NS", Pod: "p"}, "namespace name"},
		{respond.Request{Namespace: "default", Pod: "../etc"}, "pod name"},
		{respond.Request{Namespace: "default", Pod: "absent"}, "pod default/absent not found"},
	} {
		if _, err := r.Isolate(ctx, tc.req); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v, want %q", tc.req, err, tc.want)
		}
	}
	if _, err := r.IsolatePods(ctx, respond.Request{Incident: "Not_Valid"}, []corev1.Pod{{}}); err == nil || !strings.Contains(err.Error(), "incident ID") {
		t.Errorf("invalid incident: %v", err)
	}
	if _, err := r.Release(ctx, "", strings.Repeat("a", 50), false); err == nil {
		t.Error("release accepted a long incident ID")
	}
}

// A tar.gz bundle whose file, manifest or hash is changed fails verify.
func TestTamperedBundleFailsVerify(t *testing.T) {
	bed := testbed.Start(t)
	f := setup(t, bed, 1)
	r := newResponder(t, responderConfig(t, bed), respond.Options{})
	bundle := filepath.Join(t.TempDir(), "e.tar.gz")
	res, err := r.Isolate(context.Background(), respond.Request{Namespace: f.ns, Pod: f.pods[0], Evidence: bundle})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Steps) != 1 || res.Steps[0].Action != "capture" {
		t.Errorf("capture only: %+v", res.Steps)
	}
	if v, err := respond.Verify(bundle); err != nil || !v.OK() {
		t.Fatalf("%v %+v", err, v)
	}
	data, err := os.ReadFile(bundle)
	if err != nil {
		t.Fatal(err)
	}
	for name, edit := range map[string]func(name string, body []byte) (string, []byte){
		"file changed": func(n string, b []byte) (string, []byte) {
			return n, bytes.Replace(b, []byte(f.pods[0]), []byte("x"+f.pods[0][1:]), 1)
		},
		"file renamed": func(n string, b []byte) (string, []byte) { return strings.Replace(n, "pod.json", "pod2.json", 1), b },
		"manifest changed": func(n string, b []byte) (string, []byte) {
			return n, bytes.Replace(b, []byte(`"incident": "`), []byte(`"incident": "x`), 1)
		},
		"hash changed": func(n string, b []byte) (string, []byte) { return n, bytes.Replace(b, []byte("0"), []byte("1"), 1) },
	} {
		target := map[string]string{"file changed": "pod.json", "file renamed": "pod.json", "manifest changed": respond.ManifestFile, "hash changed": respond.ManifestHashFile}[name]
		tampered := rewrite(t, data, func(n string, b []byte) (string, []byte) {
			if strings.HasSuffix(n, target) {
				return edit(n, b)
			}
			return n, b
		})
		v, err := respond.VerifyTarGz(bytes.NewReader(tampered))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if v.OK() {
			t.Errorf("%s: verified", name)
		}
	}
	// A truncated archive is an error, not a pass.
	if _, err := respond.VerifyTarGz(bytes.NewReader(data[:len(data)/2])); err == nil {
		t.Error("truncated archive: no error")
	}
}

// rewrite copies a .tar.gz, passing each entry through edit.
func rewrite(t *testing.T, data []byte, edit func(string, []byte) (string, []byte)) []byte {
	t.Helper()
	gz, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(gz)
	var out bytes.Buffer
	zw := gzip.NewWriter(&out)
	tw := tar.NewWriter(zw)
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(tr)
		hdr.Name, body = edit(hdr.Name, body)
		hdr.Size = int64(len(body))
		if err := tw.WriteHeader(hdr); err != nil {
			t.Fatal(err)
		}
		tw.Write(body)
	}
	tw.Close()
	zw.Close()
	return out.Bytes()
}

// Someone changes the pod between the plan and the relabel: the update conflicts, is
// retried on the pod read again, and what they added survives isolation and release.
func TestConflictingUpdateIsRetried(t *testing.T) {
	bed := testbed.Start(t)
	f := setup(t, bed, 1)
	ctx := context.Background()
	r := newResponder(t, responderConfig(t, bed), respond.Options{AfterStep: func(s respond.Step) error {
		if s.Action != "policy" {
			return nil
		}
		p, err := bed.Client.CoreV1().Pods(f.ns).Get(ctx, f.pods[0], metav1.GetOptions{})
		if err != nil {
			return err
		}
		p.Labels["added"] = "meanwhile"
		_, err = bed.Client.CoreV1().Pods(f.ns).Update(ctx, p, metav1.UpdateOptions{})
		return err
	}})
	res, err := r.Isolate(ctx, respond.Request{Namespace: f.ns, Pod: f.pods[0], Incident: "inc-conflict", Quarantine: true, Evidence: filepath.Join(t.TempDir(), "e")})
	if err != nil {
		t.Fatalf("%v %+v", err, res)
	}
	p, _ := bed.Client.CoreV1().Pods(f.ns).Get(ctx, f.pods[0], metav1.GetOptions{})
	if p.Labels["added"] != "meanwhile" || p.Labels[respond.QuarantineLabel] != "inc-conflict" || p.Labels["app"] != "" {
		t.Errorf("labels %v", p.Labels)
	}
	if _, err := r.Release(ctx, f.ns, "inc-conflict", false); err != nil {
		t.Fatal(err)
	}
	p, _ = bed.Client.CoreV1().Pods(f.ns).Get(ctx, f.pods[0], metav1.GetOptions{})
	want := copyMap(podLabels)
	want["added"] = "meanwhile"
	if !reflect.DeepEqual(p.Labels, want) {
		t.Errorf("after release %v, want %v", p.Labels, want)
	}
}

// The warnings: no enforcing plugin (gone once the VPC CNI's node agent enforces policies),
// a hostNetwork pod, and a policy that selects every pod and allows traffic.
func TestWarnings(t *testing.T) {
	bed := testbed.Start(t)
	f := setup(t, bed, 1)
	ctx := context.Background()
	r := newResponder(t, responderConfig(t, bed), respond.Options{})
	dry := func(pod string) string {
		t.Helper()
		res, err := r.Isolate(ctx, respond.Request{Namespace: f.ns, Pod: pod, Quarantine: true, DryRun: true})
		if err != nil {
			t.Fatal(err)
		}
		return strings.Join(res.Warnings, "\n")
	}
	if w := dry(f.pods[0]); !strings.Contains(w, "no sign of a NetworkPolicy-enforcing") {
		t.Errorf("warnings %s", w)
	}
	ds := &appsv1.DaemonSet{ObjectMeta: metav1.ObjectMeta{Name: "aws-node", Namespace: "kube-system"}, Spec: appsv1.DaemonSetSpec{
		Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"k8s-app": "aws-node"}},
		Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"k8s-app": "aws-node"}}, Spec: corev1.PodSpec{
			Containers: []corev1.Container{{Name: "aws-node", Image: "amazon-k8s-cni:v1.19.6"},
				{Name: "aws-eks-nodeagent", Image: "aws-network-policy-agent:v1.2.3", Args: []string{"--enable-network-policy=false"}}}}}}}
	if _, err := bed.Client.AppsV1().DaemonSets("kube-system").Create(ctx, ds, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	defer bed.Client.AppsV1().DaemonSets("kube-system").Delete(ctx, "aws-node", metav1.DeleteOptions{})
	if w := dry(f.pods[0]); !strings.Contains(w, "no sign of a NetworkPolicy-enforcing") {
		t.Errorf("the node agent with policies disabled counted as enforcing: %s", w)
	}
	ds, _ = bed.Client.AppsV1().DaemonSets("kube-system").Get(ctx, "aws-node", metav1.GetOptions{})
	ds.Spec.Template.Spec.Containers[1].Args = []string{"--enable-network-policy=true"}
	if _, err := bed.Client.AppsV1().DaemonSets("kube-system").Update(ctx, ds, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	if w := dry(f.pods[0]); strings.Contains(w, "NetworkPolicy-enforcing") {
		t.Errorf("enforcing node agent not seen: %s", w)
	}

	// A policy that selects every pod of the namespace and allows egress, and a hostNetwork pod.
	if _, err := bed.Client.NetworkingV1().NetworkPolicies(f.ns).Create(ctx, &networkingv1.NetworkPolicy{ObjectMeta: metav1.ObjectMeta{Name: "allow-dns"},
		Spec: networkingv1.NetworkPolicySpec{PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeEgress}, Egress: []networkingv1.NetworkPolicyEgressRule{{}}}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if w := dry(f.pods[0]); !strings.Contains(w, "NetworkPolicy "+f.ns+"/allow-dns still selects it after relabelling and allows some egress") || strings.Contains(w, "allow-front") {
		t.Errorf("warnings %s", w)
	}
	if _, err := bed.Client.CoreV1().Pods(f.ns).Create(ctx, &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "host"},
		Spec: corev1.PodSpec{HostNetwork: true, Containers: []corev1.Container{{Name: "c", Image: "busybox"}}}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if w := dry("host"); !strings.Contains(w, "uses the host network") {
		t.Errorf("warnings %s", w)
	}
}

// flaky fails every third request with a 503 before it reaches the server, and answers the
// first update of each pod with a 503 after the server applied it.
type flaky struct {
	rt      http.RoundTripper
	mu      sync.Mutex
	n       int
	updated map[string]bool
	failed  int
}

func (f *flaky) RoundTrip(req *http.Request) (*http.Response, error) {
	f.mu.Lock()
	f.n++
	early := f.n%3 == 0
	late := req.Method == http.MethodPut && strings.Contains(req.URL.Path, "/pods/") && !f.updated[req.URL.Path]
	if late {
		f.updated[req.URL.Path] = true
	}
	if early || late {
		f.failed++
	}
	f.mu.Unlock()
	unavailable := &http.Response{StatusCode: http.StatusServiceUnavailable, Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(strings.NewReader(`{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"ServiceUnavailable","code":503}`)), Request: req}
	if early {
		return unavailable, nil
	}
	resp, err := f.rt.RoundTrip(req)
	if err != nil || !late {
		return resp, err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return unavailable, nil
}

// Transient failures (503 before and after the server applied a write) are retried: the
// isolation and the release complete and the state is right.
func TestTransientFailuresAreRetried(t *testing.T) {
	bed := testbed.Start(t)
	f := setup(t, bed, 3)
	orig := snapshot(t, bed.Client, f)
	ctx := context.Background()
	cfg := responderConfig(t, bed)
	fl := &flaky{updated: map[string]bool{}}
	cfg.Wrap(func(rt http.RoundTripper) http.RoundTripper { fl.rt = rt; return fl })
	r := newResponder(t, cfg, respond.Options{})
	found, err := r.Find(ctx, respond.Query{Namespace: f.ns, Label: "app=web"})
	if err != nil {
		t.Fatal(err)
	}
	res, err := r.IsolatePods(ctx, respond.Request{Incident: "inc-flaky", Quarantine: true, Cordon: true, Evidence: filepath.Join(t.TempDir(), "e")}, found.Pods)
	if err != nil || len(res.NotDone) > 0 {
		t.Fatalf("%v %+v", err, res)
	}
	for _, name := range f.pods {
		p, _ := bed.Client.CoreV1().Pods(f.ns).Get(ctx, name, metav1.GetOptions{})
		if p.Labels[respond.QuarantineLabel] != "inc-flaky" || p.Labels["app"] != "" {
			t.Errorf("%s: %v", name, p.Labels)
		}
	}
	if v, err := respond.Verify(res.Bundle); err != nil || !v.OK() {
		t.Errorf("%v %+v", err, v)
	}
	if _, err := r.Release(ctx, f.ns, "inc-flaky", false); err != nil {
		t.Fatal(err)
	}
	sameAsOriginal(t, snapshot(t, bed.Client, f), orig)
	if fl.failed < 10 {
		t.Errorf("only %d failures injected", fl.failed)
	}
}
