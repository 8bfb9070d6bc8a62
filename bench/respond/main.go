// Command respond benchmarks `eksguard respond isolate` against a real API server (built by
// hack/setup/10-kube.sh): isolating one pod with its evidence, and the 100 pods of a
// Deployment (its ReplicaSet) in one command with --cordon, each timed as a whole process
// and then released. Beside it runs the same work done the way the EKS guide's runbook does
// it by hand with kubectl (runbook-one.sh, runbook-many.sh): no packaged tool does it
// (../shared/docs/peers.md, gap 9). Both act as the responder's service account of
// deploy/responder-rbac.yaml. Run it through bench/respond/run.sh.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/eksguard/eksguard/deploy"
	"github.com/eksguard/eksguard/internal/testbed"
)

var labels = map[string]string{"app": "web", "pod-template-hash": "5d8f", "team": "payments"}

func main() {
	eksguard := flag.String("eksguard", "", "eksguard binary to time")
	scripts := flag.String("scripts", "", "directory of runbook-one.sh and runbook-many.sh")
	runs := flag.Int("runs", 5, "timed runs of each command (median quoted)")
	many := flag.Int("pods", 100, "pods of the Deployment isolated in one command")
	flag.Parse()
	if *eksguard == "" || *scripts == "" {
		fail("-eksguard and -scripts are required")
	}
	assets := os.Getenv("KUBEBUILDER_ASSETS")
	if assets == "" {
		fail("KUBEBUILDER_ASSETS is not set: source hack/setup/10-kube.sh")
	}
	fmt.Println("starting kube-apiserver and etcd ...")
	bed, err := testbed.New(assets)
	if err != nil {
		fail(err.Error())
	}
	defer bed.Stop()
	ctx := context.Background()
	cfg, err := bed.ServiceAccount(deploy.ResponderRBAC, deploy.ResponderNamespace, deploy.ResponderServiceAccount)
	if err != nil {
		fail(err.Error())
	}
	dir, err := os.MkdirTemp("", "bench-respond")
	if err != nil {
		fail(err.Error())
	}
	defer os.RemoveAll(dir)
	kc := kubeconfig(cfg, dir, "kubeconfig")
	// kubectl label, cordon and apply send patches: the runbook's identity has the
	// responder's rights plus patch on pods and nodes.
	rbac := strings.NewReplacer("eksguard-responder", "bench-runbook", "verbs: [get, list, update]", "verbs: [get, list, update, patch]",
		"verbs: [get, update]", "verbs: [get, update, patch]").Replace(string(deploy.ResponderRBAC))
	peerCfg, err := bed.ServiceAccount([]byte(rbac), deploy.ResponderNamespace, "bench-runbook")
	if err != nil {
		fail(err.Error())
	}
	peerKC := kubeconfig(peerCfg, dir, "kubeconfig-runbook")
	cs := bed.Client
	fill(ctx, cs, "one", 1, 1)
	fill(ctx, cs, "many", *many, 4)

	type row struct {
		name           string
		eksguard, peer []time.Duration
		target         time.Duration
	}
	rows := []*row{{name: "one pod, evidence included", target: 2 * time.Second}, {name: fmt.Sprintf("%d pods of a Deployment, --cordon", *many), target: 30 * time.Second}}
	for i := 0; i < *runs; i++ {
		for n, r := range rows {
			inc := fmt.Sprintf("bench-%d-%d", n, i)
			ev := filepath.Join(dir, inc+".tar.gz")
			var args []string
			if n == 0 {
				args = []string{"respond", "isolate", "web-000", "-n", "one", "--incident", inc, "--evidence", ev, "--kubeconfig", kc}
			} else {
				args = []string{"respond", "isolate", "-n", "many", "-l", "app=web", "--cordon", "--incident", inc, "--evidence", ev, "--kubeconfig", kc}
			}
			r.eksguard = append(r.eksguard, timed(*eksguard, args...))
			timed(*eksguard, "respond", "release", inc, "--kubeconfig", kc)
			check(ctx, cs, []string{"one", "many"}[n])

			out := filepath.Join(dir, "peer-"+inc)
			if n == 0 {
				r.peer = append(r.peer, timed("bash", filepath.Join(*scripts, "runbook-one.sh"), peerKC, "one", "web-000", inc, out))
			} else {
				r.peer = append(r.peer, timed("bash", filepath.Join(*scripts, "runbook-many.sh"), peerKC, "many", "app=web", inc, out))
			}
			reset(ctx, cs, []string{"one", "many"}[n])
		}
	}
	fmt.Printf("\n%d runs each, median wall time of the whole process (min-max):\n\n", *runs)
	fmt.Println("| scenario | eksguard | kubectl runbook | ratio | target |")
	fmt.Println("|---|---|---|---|---|")
	for _, r := range rows {
		e, p := median(r.eksguard), median(r.peer)
		fmt.Printf("| %s | %.2f s (%.2f-%.2f) | %.2f s (%.2f-%.2f) | %.2fx | < %.0f s |\n", r.name,
			e.Seconds(), minD(r.eksguard).Seconds(), maxD(r.eksguard).Seconds(),
			p.Seconds(), minD(r.peer).Seconds(), maxD(r.peer).Seconds(), e.Seconds()/p.Seconds(), r.target.Seconds())
	}
}

// fill creates a namespace with a Deployment, its ReplicaSet owning pods (two containers
// each) spread over nodes, a Service and an allowing NetworkPolicy.
func fill(ctx context.Context, cs kubernetes.Interface, ns string, pods, nodes int) {
	opts := metav1.CreateOptions{}
	must(cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, opts))
	for n := 0; n < nodes; n++ {
		must(cs.CoreV1().Nodes().Create(ctx, &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("%s-node-%d", ns, n)}}, opts))
	}
	sel := &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}}
	tmpl := corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "web"}},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "web", Image: "nginx:1.27"}, {Name: "sidecar", Image: "busybox:1.36"}}}}
	dep, err := cs.AppsV1().Deployments(ns).Create(ctx, &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "web"}, Spec: appsv1.DeploymentSpec{Selector: sel, Template: tmpl}}, opts)
	must(dep, err)
	yes := true
	rsTmpl := tmpl.DeepCopy()
	rsTmpl.Labels = map[string]string{"app": "web", "pod-template-hash": "5d8f"}
	rs, err := cs.AppsV1().ReplicaSets(ns).Create(ctx, &appsv1.ReplicaSet{ObjectMeta: metav1.ObjectMeta{Name: "web-5d8f",
		OwnerReferences: []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "Deployment", Name: dep.Name, UID: dep.UID, Controller: &yes}}},
		Spec: appsv1.ReplicaSetSpec{Selector: &metav1.LabelSelector{MatchLabels: rsTmpl.Labels}, Template: *rsTmpl}}, opts)
	must(rs, err)
	must(cs.CoreV1().Services(ns).Create(ctx, &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "web"},
		Spec: corev1.ServiceSpec{Selector: map[string]string{"app": "web"}, Ports: []corev1.ServicePort{{Port: 80, TargetPort: intstr.FromInt32(8080)}}}}, opts))
	must(cs.NetworkingV1().NetworkPolicies(ns).Create(ctx, &networkingv1.NetworkPolicy{ObjectMeta: metav1.ObjectMeta{Name: "allow-web"},
		Spec: networkingv1.NetworkPolicySpec{PodSelector: *sel, Ingress: []networkingv1.NetworkPolicyIngressRule{{}}}}, opts))
	for i := 0; i < pods; i++ {
		lbls := map[string]string{}
		for k, v := range labels {
			lbls[k] = v
		}
		must(cs.CoreV1().Pods(ns).Create(ctx, &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("web-%03d", i), Labels: lbls,
			OwnerReferences: []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: rs.Name, UID: rs.UID, Controller: &yes}}},
			Spec: corev1.PodSpec{NodeName: fmt.Sprintf("%s-node-%d", ns, i%nodes), Containers: tmpl.Spec.Containers}}, opts))
	}
}

// check fails when release did not restore the fixture.
func check(ctx context.Context, cs kubernetes.Interface, ns string) {
	pods, err := cs.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{})
	must(pods, err)
	for _, p := range pods.Items {
		if len(p.Labels) != len(labels) || p.Labels["app"] != "web" || len(p.Annotations) != 0 {
			fail(fmt.Sprintf("release left pod %s/%s with %v %v", ns, p.Name, p.Labels, p.Annotations))
		}
	}
	nps, err := cs.NetworkingV1().NetworkPolicies(ns).List(ctx, metav1.ListOptions{})
	must(nps, err)
	if len(nps.Items) != 1 {
		fail(fmt.Sprintf("release left %d policies in %s", len(nps.Items), ns))
	}
}

// reset undoes the runbook: labels back, its policy gone, nodes uncordoned.
func reset(ctx context.Context, cs kubernetes.Interface, ns string) {
	pods, err := cs.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{})
	must(pods, err)
	for _, p := range pods.Items {
		p.Labels = map[string]string{}
		for k, v := range labels {
			p.Labels[k] = v
		}
		must(cs.CoreV1().Pods(ns).Update(ctx, &p, metav1.UpdateOptions{}))
	}
	nps, err := cs.NetworkingV1().NetworkPolicies(ns).List(ctx, metav1.ListOptions{})
	must(nps, err)
	for _, np := range nps.Items {
		if np.Name != "allow-web" {
			must(nil, cs.NetworkingV1().NetworkPolicies(ns).Delete(ctx, np.Name, metav1.DeleteOptions{}))
		}
	}
	nodes, err := cs.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
	must(nodes, err)
	for _, n := range nodes.Items {
		if n.Spec.Unschedulable {
			n.Spec.Unschedulable = false
			must(cs.CoreV1().Nodes().Update(ctx, &n, metav1.UpdateOptions{}))
		}
	}
}

func timed(name string, args ...string) time.Duration {
	cmd := exec.Command(name, args...)
	start := time.Now()
	out, err := cmd.CombinedOutput()
	d := time.Since(start)
	if err != nil {
		fail(fmt.Sprintf("%s %v: %v\n%s", name, args, err, out))
	}
	return d
}

func kubeconfig(cfg *rest.Config, dir, name string) string {
	kc := clientcmdapi.NewConfig()
	kc.Clusters["bed"] = &clientcmdapi.Cluster{Server: cfg.Host, CertificateAuthorityData: cfg.CAData}
	kc.AuthInfos["bed"] = &clientcmdapi.AuthInfo{Token: cfg.BearerToken}
	kc.Contexts["bed"] = &clientcmdapi.Context{Cluster: "bed", AuthInfo: "bed"}
	kc.CurrentContext = "bed"
	p := filepath.Join(dir, name)
	if err := clientcmd.WriteToFile(*kc, p); err != nil {
		fail(err.Error())
	}
	return p
}

func median(ds []time.Duration) time.Duration {
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2]
}

func minD(ds []time.Duration) time.Duration {
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[0]
}

func maxD(ds []time.Duration) time.Duration {
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)-1]
}

func must(_ any, err error) {
	if err != nil {
		fail(err.Error())
	}
}

func fail(msg string) {
	fmt.Fprintln(os.Stderr, "bench/respond:", msg)
	os.Exit(1)
}
