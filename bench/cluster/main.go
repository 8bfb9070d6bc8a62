// Command cluster benchmarks `eksguard scan cluster` against a real API server: it starts
// kube-apiserver and etcd (built by hack/setup/10-kube.sh), fills them step by step to
// half, full and double the target size (full: 10,000 Pods and 1,000 Deployments in 100
// namespaces, 2,000 RoleBindings, 500 NetworkPolicies), and at each size times the scan
// (as the scanner's least-privilege service account) with /usr/bin/time -v: wall time and
// peak resident memory. Run it through bench/cluster/run.sh.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/eksguard/eksguard/deploy"
	"github.com/eksguard/eksguard/internal/testbed"
)

// Per namespace at full size: 100 Pods, 10 Deployments, 20 RoleBindings, 5 NetworkPolicies.
const (
	podsPerNS     = 100
	deploysPerNS  = 10
	bindingsPerNS = 20
	policiesPerNS = 5
)

func main() {
	eksguard := flag.String("eksguard", "", "eksguard binary to time")
	runs := flag.Int("runs", 3, "timed runs per size (median wall time, highest peak RSS)")
	sizes := flag.String("sizes", "50,100,200", "cluster sizes in namespaces (100 = 10,000 Pods)")
	workers := flag.Int("workers", 16, "parallel creates while filling")
	flag.Parse()
	if *eksguard == "" {
		fail("-eksguard is required")
	}
	assets := os.Getenv("KUBEBUILDER_ASSETS")
	if assets == "" {
		fail("KUBEBUILDER_ASSETS is not set: source hack/setup/10-kube.sh")
	}
	var steps []int
	for _, s := range strings.Split(*sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n <= 0 {
			fail("bad -sizes: " + *sizes)
		}
		steps = append(steps, n)
	}
	sort.Ints(steps)

	fmt.Println("starting kube-apiserver and etcd ...")
	bed, err := testbed.New(assets)
	if err != nil {
		fail(err.Error())
	}
	defer bed.Stop()
	go func() { // an interrupted run stops the API server too
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
		<-sig
		bed.Stop()
		os.Exit(1)
	}()
	ctx := context.Background()
	cfg := rest.CopyConfig(bed.Admin)
	cfg.QPS, cfg.Burst = -1, 0 // no client-side limit while filling
	cfg.ContentType = "application/vnd.kubernetes.protobuf"
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		fail(err.Error())
	}
	scanner, err := bed.ServiceAccount(deploy.ScannerRBAC, deploy.ScannerNamespace, deploy.ScannerServiceAccount)
	if err != nil {
		fail(err.Error())
	}
	dir, err := os.MkdirTemp("", "eksguard-bench-cluster")
	if err != nil {
		fail(err.Error())
	}
	defer os.RemoveAll(dir)
	kc := kubeconfig(scanner, dir)

	fmt.Printf("%-8s %7s %8s %9s %8s %9s %14s %22s\n", "size", "pods", "deploys", "bindings", "netpols", "wall (s)", "peak RSS (MB)", "RSS, GOGC=100 (MB)")
	have := 0
	for _, n := range steps {
		start := time.Now()
		fill(ctx, cs, have, n, *workers)
		fmt.Fprintf(os.Stderr, "filled %d namespaces in %.1fs\n", n, time.Since(start).Seconds())
		have = n
		var walls []float64
		var peak int
		for i := 0; i < *runs; i++ {
			w, rss := timeScan(*eksguard, kc, dir, nil)
			walls = append(walls, w)
			peak = max(peak, rss)
		}
		// eksguard collects garbage lazily under a 256 MiB soft limit; Go's default
		// collector shows what the scan needs.
		_, needed := timeScan(*eksguard, kc, dir, []string{"GOGC=100"})
		sort.Float64s(walls)
		fmt.Printf("%-8s %7d %8d %9d %8d %9.2f %14.1f %22.1f\n", fmt.Sprintf("%dns", n), n*podsPerNS, n*deploysPerNS, n*bindingsPerNS, n*policiesPerNS, walls[len(walls)/2], float64(peak)/1024, float64(needed)/1024)
	}
}

func fail(msg string) {
	fmt.Fprintln(os.Stderr, "bench/cluster:", msg)
	os.Exit(1)
}

func kubeconfig(cfg *rest.Config, dir string) string {
	kc := clientcmdapi.NewConfig()
	kc.Clusters["bench"] = &clientcmdapi.Cluster{Server: cfg.Host, CertificateAuthorityData: cfg.CAData}
	kc.AuthInfos["bench"] = &clientcmdapi.AuthInfo{Token: cfg.BearerToken}
	kc.Contexts["bench"] = &clientcmdapi.Context{Cluster: "bench", AuthInfo: "bench"}
	kc.CurrentContext = "bench"
	p := filepath.Join(dir, "kubeconfig")
	if err := clientcmd.WriteToFile(*kc, p); err != nil {
		fail(err.Error())
	}
	return p
}

var (
	wallRE = regexp.MustCompile(`Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)`)
	rssRE  = regexp.MustCompile(`Maximum resident set size \(kbytes\): (\d+)`)
)

// timeScan runs one scan under /usr/bin/time -v and returns its wall seconds and peak RSS
// in KiB. The scan's JSON report goes to a file, its exit status (1: findings) is expected.
func timeScan(eksguard, kc, dir string, env []string) (float64, int) {
	cmd := exec.Command("/usr/bin/time", "-v", eksguard, "scan", "cluster", "--kubeconfig", kc,
		"--qps", "100", "--burst", "200", "-f", "json")
	cmd.Dir = dir // no .eksguard.yaml there
	cmd.Env = append(os.Environ(), env...)
	out, err := os.Create(filepath.Join(dir, "report.json"))
	if err != nil {
		fail(err.Error())
	}
	defer out.Close()
	var stderr strings.Builder
	cmd.Stdout, cmd.Stderr = out, &stderr
	err = cmd.Run()
	if ee, ok := err.(*exec.ExitError); err != nil && (!ok || ee.ExitCode() != 1) {
		fail(fmt.Sprintf("scan: %v\n%s", err, stderr.String()))
	}
	m := wallRE.FindStringSubmatch(stderr.String())
	r := rssRE.FindStringSubmatch(stderr.String())
	if m == nil || r == nil {
		fail("no /usr/bin/time figures in:\n" + stderr.String())
	}
	h, _ := strconv.Atoi(m[1])
	mi, _ := strconv.Atoi(m[2])
	s, _ := strconv.ParseFloat(m[3], 64)
	rss, _ := strconv.Atoi(r[1])
	return float64(h*3600+mi*60) + s, rss
}

// fill creates namespaces from..to-1 with their objects, with parallel creates.
func fill(ctx context.Context, cs *kubernetes.Clientset, from, to, workers int) {
	jobs := make(chan func() error, 1024)
	var wg sync.WaitGroup
	var failed atomic.Value
	for i := 0; i < workers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				if err := j(); err != nil {
					failed.Store(err)
				}
			}
		}()
	}
	opts := metav1.CreateOptions{}
	for n := from; n < to; n++ {
		ns := fmt.Sprintf("bench-%03d", n)
		if _, err := cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns,
			Labels: map[string]string{"pod-security.kubernetes.io/enforce": "baseline", "team": fmt.Sprintf("t%d", n%7)}}}, opts); err != nil {
			fail(err.Error())
		}
		if _, err := cs.CoreV1().ServiceAccounts(ns).Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "app"}}, opts); err != nil {
			fail(err.Error())
		}
		for i := 0; i < podsPerNS; i++ {
			jobs <- func() error {
				_, err := cs.CoreV1().Pods(ns).Create(ctx, &corev1.Pod{ObjectMeta: podMeta(fmt.Sprintf("pod-%03d", i), i), Spec: podSpec(i)}, opts)
				return err
			}
		}
		for i := 0; i < deploysPerNS; i++ {
			jobs <- func() error {
				name := fmt.Sprintf("deploy-%02d", i)
				replicas := int32(3)
				_, err := cs.AppsV1().Deployments(ns).Create(ctx, &appsv1.Deployment{
					ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{"app": name}},
					Spec: appsv1.DeploymentSpec{
						Replicas: &replicas,
						Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": name}},
						Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": name, "tier": "web"}}, Spec: podSpec(i)},
					},
				}, opts)
				return err
			}
		}
		for i := 0; i < bindingsPerNS; i++ {
			jobs <- func() error {
				role := []string{"view", "edit", "admin"}[i%3]
				_, err := cs.RbacV1().RoleBindings(ns).Create(ctx, &rbacv1.RoleBinding{
					ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("binding-%02d", i)},
					RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: role},
					Subjects: []rbacv1.Subject{
						{Kind: "ServiceAccount", Name: "app", Namespace: ns},
						{Kind: "User", APIGroup: rbacv1.GroupName, Name: fmt.Sprintf("user-%d@example.com", i)},
					},
				}, opts)
				return err
			}
		}
		for i := 0; i < policiesPerNS; i++ {
			jobs <- func() error {
				_, err := cs.NetworkingV1().NetworkPolicies(ns).Create(ctx, netpol(i), opts)
				return err
			}
		}
	}
	close(jobs)
	wg.Wait()
	if err, ok := failed.Load().(error); ok {
		fail("filling: " + err.Error())
	}
}

func podMeta(name string, i int) metav1.ObjectMeta {
	return metav1.ObjectMeta{Name: name, Labels: map[string]string{"app": fmt.Sprintf("app-%d", i%10), "tier": []string{"web", "api", "db"}[i%3], "release": "stable"},
		Annotations: map[string]string{"example.com/owner": "team@example.com"}}
}

// podSpec is a typical application pod: some are hardened, some are not, so the rules
// find things.
func podSpec(i int) corev1.PodSpec {
	hardened := i%2 == 0
	yes, no := true, false
	c := corev1.Container{
		Name:  "app",
		Image: fmt.Sprintf("registry.example.com/team/app-%d:1.%d.0", i%10, i%5),
		Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: 8080}},
		Env:   []corev1.EnvVar{{Name: "LOG_LEVEL", Value: "info"}, {Name: "PORT", Value: "8080"}},
		Resources: corev1.ResourceRequirements{
			Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m"), corev1.ResourceMemory: resource.MustParse("128Mi")},
			Limits:   corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("256Mi")},
		},
		ReadinessProbe: &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/healthz", Port: intstr.FromString("http")}}},
	}
	if hardened {
		c.SecurityContext = &corev1.SecurityContext{RunAsNonRoot: &yes, AllowPrivilegeEscalation: &no, ReadOnlyRootFilesystem: &yes,
			Capabilities: &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}}, SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault}}
	}
	sidecar := corev1.Container{Name: "proxy", Image: "registry.example.com/infra/proxy:2.1.0", Args: []string{"--upstream=127.0.0.1:8080"}}
	return corev1.PodSpec{ServiceAccountName: "app", AutomountServiceAccountToken: &no, Containers: []corev1.Container{c, sidecar}}
}

func netpol(i int) *networkingv1.NetworkPolicy {
	tcp := corev1.ProtocolTCP
	port := intstr.FromInt32(8080)
	np := &networkingv1.NetworkPolicy{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("policy-%d", i)}}
	switch i {
	case 0: // default deny
		np.Spec = networkingv1.NetworkPolicySpec{PodSelector: metav1.LabelSelector{}, PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress, networkingv1.PolicyTypeEgress}}
	default:
		np.Spec = networkingv1.NetworkPolicySpec{
			PodSelector: metav1.LabelSelector{MatchLabels: map[string]string{"tier": []string{"web", "api", "db"}[i%3]}},
			Ingress: []networkingv1.NetworkPolicyIngressRule{{
				From:  []networkingv1.NetworkPolicyPeer{{PodSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": fmt.Sprintf("app-%d", i)}}}, {NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"team": "t1"}}}},
				Ports: []networkingv1.NetworkPolicyPort{{Protocol: &tcp, Port: &port}},
			}},
			PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress},
		}
	}
	return np
}
