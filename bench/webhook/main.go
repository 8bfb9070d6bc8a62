// Command bench-webhook load-tests "eksguard webhook serve" on loopback: it starts the
// server with a fresh CA and certificate, then sends realistic Pod AdmissionReviews over
// TLS at rising fixed rates (open loop: a request's latency counts from the moment it was
// due, so a server that falls behind shows it) and prints, per rate, p50/p99/p99.9
// latency, errors, the server's CPU use and peak RSS, and the machine's load average.
//
//	go run ./bench/webhook -eksguard ./eksguard -rates 100,500,1000,2000 -step 20s
package main

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	admissionv1 "k8s.io/api/admission/v1"
	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	k8sruntime "k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/eksguard/eksguard/pkg/admission"
)

func main() {
	bin := flag.String("eksguard", "eksguard", "eksguard binary")
	rates := flag.String("rates", "100,500,1000,2000", "requests per second, one step each, in order")
	step := flag.Duration("step", 20*time.Second, "duration of each step")
	workers := flag.Int("workers", 512, "concurrent requests at most")
	http1 := flag.Bool("http1", false, "HTTP/1.1 with a pool of connections instead of HTTP/2")
	genCPUs := flag.String("generator-cpus", "", "pin the generator to these CPUs (taskset list, e.g. 1) and run it with as many Ps; the server keeps every CPU")
	flag.Parse()
	if *genCPUs != "" {
		n, err := pin(*genCPUs)
		if err != nil {
			fmt.Fprintln(os.Stderr, "bench-webhook: -generator-cpus:", err)
			os.Exit(2)
		}
		runtime.GOMAXPROCS(n)
	}
	if err := run(*bin, *rates, *step, *workers, *http1); err != nil {
		fmt.Fprintln(os.Stderr, "bench-webhook:", err)
		os.Exit(1)
	}
}

func run(bin, rateList string, step time.Duration, workers int, http1 bool) error {
	dir, err := os.MkdirTemp("", "bench-webhook")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	ca, err := admission.NewCA("bench", time.Hour)
	if err != nil {
		return err
	}
	crt, key, err := ca.Issue([]string{"127.0.0.1"}, time.Hour)
	if err != nil {
		return err
	}
	for name, b := range map[string][]byte{"tls.crt": crt, "tls.key": key} {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			return err
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	addr := ln.Addr().String()
	ln.Close()
	// Every workload and object rule, enforce mode: the default install.
	cmd := exec.Command(bin, "webhook", "serve", "--addr", addr,
		"--tls-cert-file", filepath.Join(dir, "tls.crt"), "--tls-key-file", filepath.Join(dir, "tls.key"))
	if pinned {
		// The server gets every CPU back, whatever the generator was pinned to.
		cmd = exec.Command("taskset", append([]string{"-c", fmt.Sprintf("0-%d", numCPU()-1)}, cmd.Args...)...)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return err
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(ca.CertPEM)
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}, ForceAttemptHTTP2: true, MaxIdleConnsPerHost: workers, MaxConnsPerHost: 0}
	if http1 {
		tr.ForceAttemptHTTP2 = false
		tr.TLSNextProto = map[string]func(string, *tls.Conn) http.RoundTripper{}
	}
	client := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	base := "https://" + addr
	deadline := time.Now().Add(30 * time.Second)
	for {
		r, err := client.Get(base + "/readyz")
		if err == nil {
			r.Body.Close()
			if r.StatusCode == 200 {
				break
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the webhook never became ready: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	bodies := reviews(200)
	var avg int
	for _, b := range bodies {
		avg += len(b)
	}
	proto := "HTTP/2"
	if http1 {
		proto = "HTTP/1.1"
	}
	gen := fmt.Sprintf("generator GOMAXPROCS %d", runtime.GOMAXPROCS(0))
	if pinned {
		gen += " pinned to CPUs " + pinnedTo
	}
	fmt.Printf("eksguard webhook on %s over %s, %d distinct Pod AdmissionReviews (%d bytes on average), %d workers, GOMAXPROCS of the server: all %d cores, %s\n",
		addr, proto, len(bodies), avg/len(bodies), workers, numCPU(), gen)
	fmt.Println("| rate (req/s) | duration | sent | ok | errors | denied | mean | p50 | p99 | p99.9 | max | in-server p50 / p99 (bucket) | server CPU | CPU per request | generator CPU | server peak RSS | load average (1 min) |")
	fmt.Println("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
	// Warm-up: connections, page faults, the first GC cycles.
	_ = stepRun(client, base, bodies, 200, 3*time.Second, workers)
	for _, rs := range strings.Split(rateList, ",") {
		rate, err := strconv.Atoi(strings.TrimSpace(rs))
		if err != nil || rate <= 0 {
			return fmt.Errorf("rate %q", rs)
		}
		cpu0, gen0 := cpuSeconds(cmd.Process.Pid), cpuSeconds(os.Getpid())
		h0 := histogram(client, base)
		res := stepRun(client, base, bodies, rate, step, workers)
		cpuSec := cpuSeconds(cmd.Process.Pid) - cpu0
		genCPU := (cpuSeconds(os.Getpid()) - gen0) / step.Seconds() * 100
		h1 := histogram(client, base)
		fmt.Printf("| %d | %v | %d | %d | %d | %d | %s | %s | %s | %s | %s | ≤ %s / ≤ %s | %.0f%% | %.2f ms | %.0f%% | %s | %s |\n", rate, step, res.sent, res.ok, res.errors, res.denied.Load(),
			ms(res.mean()), ms(res.pct(0.50)), ms(res.pct(0.99)), ms(res.pct(0.999)), ms(res.pct(1)),
			bucketPct(h0, h1, 0.50), bucketPct(h0, h1, 0.99), cpuSec/step.Seconds()*100, cpuSec*1000/float64(max(1, res.ok)), genCPU, peakRSS(cmd.Process.Pid), loadavg())
		if res.firstErr != "" {
			fmt.Printf("first error at %d req/s: %s\n", rate, res.firstErr)
		}
	}
	return nil
}

type result struct {
	denied           atomic.Int64
	sent, ok, errors int64
	lat              []time.Duration
	firstErr         string
}

func (r *result) mean() time.Duration {
	var sum time.Duration
	for _, l := range r.lat {
		sum += l
	}
	return sum / time.Duration(max(1, len(r.lat)))
}

func (r *result) pct(p float64) time.Duration {
	if len(r.lat) == 0 {
		return 0
	}
	i := int(p*float64(len(r.lat))+0.5) - 1
	i = max(0, min(i, len(r.lat)-1))
	return r.lat[i]
}

// stepRun sends at rate for d, open loop: request i is due at start + i/rate and its
// latency counts from then; when every worker is busy the request waits, and that wait
// counts too.
func stepRun(client *http.Client, base string, bodies [][]byte, rate int, d time.Duration, workers int) *result {
	res := &result{}
	n := int(float64(rate) * d.Seconds())
	due := make(chan time.Time, n)
	var mu sync.Mutex
	var wg sync.WaitGroup
	var okN, errN atomic.Int64
	lats := make([]time.Duration, 0, n)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			rnd := rand.New(rand.NewSource(int64(w)))
			for at := range due {
				body := bodies[rnd.Intn(len(bodies))]
				denied, err := send(client, base, body)
				if denied {
					res.denied.Add(1)
				}
				l := time.Since(at)
				mu.Lock()
				lats = append(lats, l)
				if err != nil && res.firstErr == "" {
					res.firstErr = err.Error()
				}
				mu.Unlock()
				if err != nil {
					errN.Add(1)
				} else {
					okN.Add(1)
				}
			}
		}(w)
	}
	// Release every request that is due, then sleep a little: a sleep per request would cap
	// the rate at the timer's resolution, not at the server's speed.
	start := time.Now()
	interval := time.Second / time.Duration(rate)
	for i := 0; i < n; {
		target := min(n, int(time.Since(start)/interval)+1)
		for ; i < target; i++ {
			due <- start.Add(time.Duration(i) * interval)
		}
		time.Sleep(200 * time.Microsecond)
	}
	close(due)
	wg.Wait()
	sort.Slice(lats, func(i, j int) bool { return lats[i] < lats[j] })
	res.sent, res.ok, res.errors, res.lat = int64(n), okN.Load(), errN.Load(), lats
	return res
}

func send(client *http.Client, base string, body []byte) (denied bool, err error) {
	r, err := client.Post(base+"/validate", "application/json", bytes.NewReader(body))
	if err != nil {
		return false, err
	}
	defer r.Body.Close()
	b, err := io.ReadAll(r.Body)
	if err != nil {
		return false, err
	}
	if r.StatusCode != 200 {
		return false, fmt.Errorf("status %d: %s", r.StatusCode, b)
	}
	var out admissionv1.AdmissionReview
	if err := json.Unmarshal(b, &out); err != nil || out.Response == nil || out.Response.UID == "" {
		return false, fmt.Errorf("not an AdmissionReview answer: %.200s", b)
	}
	return !out.Response.Allowed, nil
}

// histogram reads the server's own latency histogram of /validate: cumulative counts by
// upper bound (seconds).
func histogram(client *http.Client, base string) map[float64]float64 {
	out := map[float64]float64{}
	r, err := client.Get(base + "/metrics")
	if err != nil {
		return out
	}
	defer r.Body.Close()
	b, _ := io.ReadAll(r.Body)
	const prefix = `eksguard_webhook_request_duration_seconds_bucket{endpoint="validate",le="`
	for _, l := range strings.Split(string(b), "\n") {
		if !strings.HasPrefix(l, prefix) {
			continue
		}
		rest := l[len(prefix):]
		q := strings.IndexByte(rest, '"')
		le, err := strconv.ParseFloat(rest[:q], 64)
		if rest[:q] == "+Inf" {
			le, err = 1e9, nil
		}
		n, err2 := strconv.ParseFloat(strings.TrimSpace(rest[q+2:]), 64)
		if err == nil && err2 == nil {
			out[le] = n
		}
	}
	return out
}

// bucketPct is the upper bound of the bucket holding quantile p of the requests between
// two histogram readings.
func bucketPct(h0, h1 map[float64]float64, p float64) string {
	var les []float64
	for le := range h1 {
		les = append(les, le)
	}
	sort.Float64s(les)
	if len(les) == 0 {
		return "?"
	}
	total := h1[les[len(les)-1]] - h0[les[len(les)-1]]
	for _, le := range les {
		if h1[le]-h0[le] >= p*total {
			if le >= 1e9 {
				return "+Inf"
			}
			return ms(time.Duration(le * float64(time.Second)))
		}
	}
	return "?"
}

// reviews makes n Pod AdmissionReviews shaped like what an API server sends for pods of
// Deployments: 1 to 3 containers, an init container in some, env, volumes, probes,
// resources, owner references and managed fields; a share are not hardened.
func reviews(n int) [][]byte {
	rnd := rand.New(rand.NewSource(1))
	out := make([][]byte, n)
	for i := range out {
		hardened := rnd.Intn(10) < 6
		p := pod(rnd, i, hardened)
		body, _ := json.Marshal(p)
		r := admissionv1.AdmissionReview{
			TypeMeta: metav1.TypeMeta{APIVersion: "admission.k8s.io/v1", Kind: "AdmissionReview"},
			Request: &admissionv1.AdmissionRequest{
				UID:             types.UID(fmt.Sprintf("00000000-0000-4000-8000-%012d", i)),
				Kind:            metav1.GroupVersionKind{Version: "v1", Kind: "Pod"},
				Resource:        metav1.GroupVersionResource{Version: "v1", Resource: "pods"},
				RequestKind:     &metav1.GroupVersionKind{Version: "v1", Kind: "Pod"},
				RequestResource: &metav1.GroupVersionResource{Version: "v1", Resource: "pods"},
				Name:            p.Name, Namespace: p.Namespace, Operation: admissionv1.Create,
				UserInfo: authenticationv1.UserInfo{Username: "system:serviceaccount:kube-system:replicaset-controller",
					UID: "6b1c9e4e-1d8f-4a5c-9d61-3c3e1f1b2a00", Groups: []string{"system:serviceaccounts", "system:serviceaccounts:kube-system", "system:authenticated"}},
				Object:  raw(body),
				Options: raw([]byte(`{"kind":"CreateOptions","apiVersion":"meta.k8s.io/v1"}`)),
			},
		}
		out[i], _ = json.Marshal(r)
	}
	return out
}

func pod(rnd *rand.Rand, i int, hardened bool) *corev1.Pod {
	app := []string{"web", "api", "worker", "cart", "search", "auth"}[rnd.Intn(6)]
	t, f := true, false
	uid := int64(10001)
	ctrl := true
	p := &corev1.Pod{
		TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: metav1.ObjectMeta{
			Name: fmt.Sprintf("%s-7d9c8b5f4-%05d", app, i), GenerateName: app + "-7d9c8b5f4-", Namespace: []string{"shop", "payments", "search"}[rnd.Intn(3)],
			Labels:      map[string]string{"app.kubernetes.io/name": app, "app.kubernetes.io/part-of": "shop", "pod-template-hash": "7d9c8b5f4"},
			Annotations: map[string]string{"prometheus.io/scrape": "true", "prometheus.io/port": "9090"},
			OwnerReferences: []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: app + "-7d9c8b5f4",
				UID: "2a8e0f43-5c1e-4d3b-9d3f-0e5b9a6c1d22", Controller: &ctrl, BlockOwnerDeletion: &ctrl}},
			ManagedFields: []metav1.ManagedFieldsEntry{{Manager: "kube-controller-manager", Operation: "Update", APIVersion: "v1", FieldsType: "FieldsV1",
				FieldsV1: &metav1.FieldsV1{Raw: []byte(`{"f:metadata":{"f:generateName":{},"f:labels":{".":{},"f:app.kubernetes.io/name":{}}},"f:spec":{"f:containers":{}}}`)}}},
		},
		Spec: corev1.PodSpec{
			ServiceAccountName:           app,
			AutomountServiceAccountToken: &f,
			Volumes: []corev1.Volume{
				{Name: "tmp", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}},
				{Name: "config", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: app + "-config"}}}},
			},
		},
	}
	if hardened {
		p.Spec.SecurityContext = &corev1.PodSecurityContext{RunAsNonRoot: &t, RunAsUser: &uid, SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault}}
	}
	nc := 1 + rnd.Intn(3)
	for c := 0; c < nc; c++ {
		ct := corev1.Container{
			Name:  fmt.Sprintf("%s-%d", app, c),
			Image: fmt.Sprintf("123456789012.dkr.ecr.us-east-1.amazonaws.com/shop/%s:1.%d.%d@sha256:9b2a5c3e1f0d4a7b8c6e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c", app, rnd.Intn(9), rnd.Intn(20)),
			Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: 8080}},
			Env: []corev1.EnvVar{{Name: "LOG_LEVEL", Value: "info"}, {Name: "PORT", Value: "8080"},
				{Name: "DB_PASSWORD", ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: app + "-db"}, Key: "password"}}}},
			Resources: corev1.ResourceRequirements{
				Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m"), corev1.ResourceMemory: resource.MustParse("128Mi")},
				Limits:   corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("500m"), corev1.ResourceMemory: resource.MustParse("256Mi")},
			},
			VolumeMounts:   []corev1.VolumeMount{{Name: "tmp", MountPath: "/tmp"}, {Name: "config", MountPath: "/etc/app", ReadOnly: true}},
			ReadinessProbe: &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/ready", Port: intOrStr(8080)}}},
		}
		if hardened {
			ct.SecurityContext = &corev1.SecurityContext{AllowPrivilegeEscalation: &f, ReadOnlyRootFilesystem: &t, Capabilities: &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}}}
		} else if rnd.Intn(4) == 0 {
			ct.SecurityContext = &corev1.SecurityContext{Privileged: &t}
		}
		p.Spec.Containers = append(p.Spec.Containers, ct)
	}
	if rnd.Intn(3) == 0 {
		init := p.Spec.Containers[0]
		init.Name = "migrate"
		init.Command = []string{"/app/migrate", "--up"}
		init.ReadinessProbe = nil
		p.Spec.InitContainers = []corev1.Container{init}
	}
	return p
}

func raw(b []byte) k8sruntime.RawExtension { return k8sruntime.RawExtension{Raw: b} }

var (
	pinned   bool
	pinnedTo string
)

// pin pins the generator (every thread, present and future) to a CPU list with taskset and
// returns how many CPUs it names.
func pin(cpus string) (int, error) {
	out, err := exec.Command("taskset", "-a", "-p", "-c", cpus, strconv.Itoa(os.Getpid())).CombinedOutput()
	if err != nil {
		return 0, fmt.Errorf("taskset: %v: %s", err, out)
	}
	n := 0
	for _, part := range strings.Split(cpus, ",") {
		lo, hi, isRange := strings.Cut(part, "-")
		a, err1 := strconv.Atoi(lo)
		b := a
		var err2 error
		if isRange {
			b, err2 = strconv.Atoi(hi)
		}
		if err1 != nil || err2 != nil || b < a {
			return 0, fmt.Errorf("CPU list %q", cpus)
		}
		n += b - a + 1
	}
	pinned, pinnedTo = true, cpus
	return n, nil
}

func intOrStr(i int32) intstr.IntOrString { return intstr.FromInt32(i) }

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d.Microseconds())/1000) }

func numCPU() int {
	b, _ := os.ReadFile("/proc/cpuinfo")
	return max(1, strings.Count(string(b), "processor\t:"))
}

// cpuSeconds is the process's user and system CPU time (Linux /proc).
func cpuSeconds(pid int) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	utime, _ := strconv.ParseFloat(f[11], 64)
	stime, _ := strconv.ParseFloat(f[12], 64)
	return (utime + stime) / 100 // USER_HZ
}

// peakRSS is the process's high-water resident set (VmHWM).
func peakRSS(pid int) string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return "?"
	}
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "VmHWM:") {
			kb, _ := strconv.Atoi(strings.Fields(l)[1])
			return fmt.Sprintf("%d MB", kb/1024)
		}
	}
	return "?"
}

func loadavg() string {
	b, _ := os.ReadFile("/proc/loadavg")
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return "?"
	}
	return f[0]
}
