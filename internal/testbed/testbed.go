// Package testbed gives tests a real Kubernetes API: kube-apiserver and etcd (built by
// hack/setup/10-kube.sh) started through controller-runtime's envtest, once per test
// package, stopped when the package's tests end.
//
// Fixtures go in through the real API, so defaulting and validation apply. envtest runs no
// controllers and no scheduler: a Deployment creates no ReplicaSet or Pod, a Namespace is
// never finalised; create Pods directly where a test needs them.
//
// Use it from TestMain:
//
//	func TestMain(m *testing.M) { os.Exit(testbed.Run(m)) }
//
//	func TestX(t *testing.T) {
//		bed := testbed.Start(t) // skips (or fails in CI) when the binaries are not built
//		bed.Apply(t, "apiVersion: v1\nkind: Namespace\nmetadata: {name: x}\n")
//		cfg := bed.ScannerConfig(t) // as the scanner's service account (deploy/scanner-rbac.yaml)
//	}
package testbed

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/wait"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/eksguard/eksguard/deploy"
	"github.com/eksguard/eksguard/internal/testenv"
)

// Env is a running API server with clients for it.
type Env struct {
	env *envtest.Environment
	// Admin is a configuration with full rights (system:masters).
	Admin *rest.Config
	// Client is a typed client as Admin.
	Client kubernetes.Interface

	dyn    dynamic.Interface
	mapper *restmapper.DeferredDiscoveryRESTMapper

	mu         sync.Mutex
	scanner    *rest.Config
	crdsLoaded bool

	// AuditLog is the API server's audit log (JSON lines, Metadata level), when the
	// package asked for it with EnableAudit.
	AuditLog string
}

// auditDir, when set by EnableAudit, makes New start the API server with an audit log.
var auditDir string

// EnableAudit makes the package's API server write an audit log (Metadata level, every
// request, Env.AuditLog) into dir, for tests of audit annotations. Call it from TestMain
// before Run.
func EnableAudit(dir string) { auditDir = dir }

const auditPolicy = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
rules:
- level: Metadata
`

var (
	running  bool // set by Run
	once     sync.Once
	shared   *Env
	startErr error
)

// Run runs the package's tests (m.Run) and stops the API server if a test started it. Call
// it from TestMain and pass its result to os.Exit.
func Run(m *testing.M) int {
	running = true
	code := m.Run()
	if shared != nil {
		if err := shared.Stop(); err != nil {
			fmt.Println("testbed: stopping the API server:", err)
			if code == 0 {
				code = 1
			}
		}
	}
	return code
}

// Start returns the package's API server, starting it on first use. It skips the test when
// KUBEBUILDER_ASSETS is unset during local development and fails it in CI.
func Start(t testing.TB) *Env {
	t.Helper()
	assets := testenv.Path(t, "KUBEBUILDER_ASSETS")
	if !running {
		t.Fatal("testbed: call testbed.Run from the package's TestMain, so the API server is stopped")
	}
	once.Do(func() { shared, startErr = New(assets) })
	if startErr != nil {
		t.Fatalf("testbed: %v", startErr)
	}
	return shared
}

// New starts kube-apiserver and etcd from the binaries in assets, for programs that are not
// tests (benchmarks); tests use Start. The caller stops them with Stop.
func New(assets string) (*Env, error) {
	env := &envtest.Environment{
		BinaryAssetsDirectory:    assets,
		ControlPlaneStartTimeout: 2 * time.Minute,
		ControlPlaneStopTimeout:  time.Minute,
	}
	var auditLog string
	if auditDir != "" {
		policy := filepath.Join(auditDir, "audit-policy.yaml")
		if err := os.WriteFile(policy, []byte(auditPolicy), 0o600); err != nil {
			return nil, err
		}
		auditLog = filepath.Join(auditDir, "audit.log")
		env.ControlPlane.GetAPIServer().Configure().
			Set("audit-policy-file", policy).Set("audit-log-path", auditLog).Set("audit-log-mode", "blocking")
	}
	cfg, err := env.Start()
	if err != nil {
		_ = env.Stop()
		return nil, fmt.Errorf("starting kube-apiserver and etcd from %s: %w", assets, err)
	}
	e := &Env{env: env, Admin: cfg, AuditLog: auditLog}
	if e.Client, err = kubernetes.NewForConfig(cfg); err != nil {
		return nil, err
	}
	if e.dyn, err = dynamic.NewForConfig(cfg); err != nil {
		return nil, err
	}
	dc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		return nil, err
	}
	e.mapper = restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(dc))
	return e, nil
}

// Stop stops the API server and etcd.
func (e *Env) Stop() error { return e.env.Stop() }

// Host is the API server's URL.
func (e *Env) Host() string { return e.Admin.Host }

// Apply creates every object of a multi-document YAML (or JSON) text through the API, in
// order, as admin. A namespaced object without a namespace goes to "default". Objects that
// already exist are left as they are. CustomResourceDefinitions are waited for until
// established, so later documents can use their kinds.
func (e *Env) Apply(t testing.TB, text string) {
	t.Helper()
	if err := e.Create(context.Background(), []byte(text)); err != nil {
		t.Fatalf("testbed: apply: %v", err)
	}
}

// Create is Apply for programs that are not tests.
func (e *Env) Create(ctx context.Context, text []byte) error {
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(text), 4096)
	for i := 1; ; i++ {
		var u unstructured.Unstructured
		if err := dec.Decode(&u.Object); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return fmt.Errorf("document %d: %w", i, err)
		}
		if len(u.Object) == 0 {
			continue
		}
		if err := e.create(ctx, &u); err != nil {
			return fmt.Errorf("document %d (%s %s): %w", i, u.GetKind(), u.GetName(), err)
		}
	}
}

func (e *Env) create(ctx context.Context, u *unstructured.Unstructured) error {
	gvk := u.GroupVersionKind()
	m, err := e.mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
	if err != nil {
		// A kind whose CRD was just installed: read discovery again.
		e.mapper.Reset()
		if m, err = e.mapper.RESTMapping(gvk.GroupKind(), gvk.Version); err != nil {
			return err
		}
	}
	var ri dynamic.ResourceInterface = e.dyn.Resource(m.Resource)
	if m.Scope.Name() == meta.RESTScopeNameNamespace {
		if u.GetNamespace() == "" {
			u.SetNamespace("default")
		}
		ri = e.dyn.Resource(m.Resource).Namespace(u.GetNamespace())
	}
	if _, err := ri.Create(ctx, u, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		return err
	}
	if gvk.Group == apiextensionsv1.GroupName && gvk.Kind == "CustomResourceDefinition" {
		if err := e.waitEstablished(ctx, u.GetName()); err != nil {
			return err
		}
		e.mapper.Reset()
	}
	return nil
}

var crdResource = schema.GroupVersionResource{Group: apiextensionsv1.GroupName, Version: "v1", Resource: "customresourcedefinitions"}

func (e *Env) waitEstablished(ctx context.Context, name string) error {
	return wait.PollUntilContextTimeout(ctx, 50*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
		u, err := e.dyn.Resource(crdResource).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		conds, _, _ := unstructured.NestedSlice(u.Object, "status", "conditions")
		for _, c := range conds {
			cm, _ := c.(map[string]any)
			if cm["type"] == "Established" && cm["status"] == "True" {
				return true, nil
			}
		}
		return false, nil
	})
}

//go:embed crds/*.yaml
var crds embed.FS

// InstallCRDs installs the CRDs of the kinds eksguard reads beyond the built-in ones
// (vpcresources.k8s.aws SecurityGroupPolicy, security.istio.io PeerAuthentication), once
// per package. They are written for the tests from the published schemas.
func (e *Env) InstallCRDs(t testing.TB) {
	t.Helper()
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.crdsLoaded {
		return
	}
	entries, err := crds.ReadDir("crds")
	if err != nil {
		t.Fatal(err)
	}
	for _, ent := range entries {
		b, err := crds.ReadFile("crds/" + ent.Name())
		if err != nil {
			t.Fatal(err)
		}
		if err := e.Create(context.Background(), b); err != nil {
			t.Fatalf("testbed: installing %s: %v", ent.Name(), err)
		}
	}
	e.crdsLoaded = true
}

// ScannerConfig returns a configuration that authenticates as the scanner's service account
// of deploy/scanner-rbac.yaml (applied on first use) with a token from the TokenRequest
// API, so a test scans with exactly the rights users grant the scanner, not as admin.
func (e *Env) ScannerConfig(t testing.TB) *rest.Config {
	t.Helper()
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.scanner == nil {
		cfg, err := e.ServiceAccount(deploy.ScannerRBAC, deploy.ScannerNamespace, deploy.ScannerServiceAccount)
		if err != nil {
			t.Fatalf("testbed: scanner service account: %v", err)
		}
		e.scanner = cfg
	}
	return rest.CopyConfig(e.scanner)
}

// ScannerClient is a typed client as the scanner's service account.
func (e *Env) ScannerClient(t testing.TB) kubernetes.Interface {
	t.Helper()
	cs, err := kubernetes.NewForConfig(e.ScannerConfig(t))
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

// ServiceAccountConfig applies rbac (a YAML text that defines the service account and its
// bindings) and returns a configuration authenticating as namespace/name.
func (e *Env) ServiceAccountConfig(t testing.TB, rbac, namespace, name string) *rest.Config {
	t.Helper()
	cfg, err := e.ServiceAccount([]byte(rbac), namespace, name)
	if err != nil {
		t.Fatalf("testbed: service account %s/%s: %v", namespace, name, err)
	}
	return cfg
}

// ServiceAccount creates the objects of rbac (a YAML text that defines the service account
// and its bindings) and returns a configuration authenticating as namespace/name with a
// token from the TokenRequest API.
func (e *Env) ServiceAccount(rbac []byte, namespace, name string) (*rest.Config, error) {
	ctx := context.Background()
	if err := e.Create(ctx, rbac); err != nil {
		return nil, err
	}
	if err := e.waitAuthorized(ctx, rbac, namespace, name); err != nil {
		return nil, err
	}
	expiry := int64(24 * 3600)
	tr, err := e.Client.CoreV1().ServiceAccounts(namespace).CreateToken(ctx, name,
		&authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{ExpirationSeconds: &expiry}}, metav1.CreateOptions{})
	if err != nil {
		return nil, fmt.Errorf("token request: %w", err)
	}
	cfg := rest.AnonymousClientConfig(e.Admin)
	cfg.BearerToken = tr.Status.Token
	cfg.QPS, cfg.Burst = e.Admin.QPS, e.Admin.Burst
	return cfg, nil
}

// Kubeconfig writes a kubeconfig file for cfg (host, CA, and bearer token or client
// certificate) into dir and returns its path, for tests that run the CLI.
func Kubeconfig(t testing.TB, cfg *rest.Config, dir string) string {
	t.Helper()
	kc := clientcmdapi.NewConfig()
	kc.Clusters["bed"] = &clientcmdapi.Cluster{Server: cfg.Host, CertificateAuthorityData: cfg.CAData}
	kc.AuthInfos["bed"] = &clientcmdapi.AuthInfo{Token: cfg.BearerToken, ClientCertificateData: cfg.CertData, ClientKeyData: cfg.KeyData}
	kc.Contexts["bed"] = &clientcmdapi.Context{Cluster: "bed", AuthInfo: "bed"}
	kc.CurrentContext = "bed"
	path := filepath.Join(dir, "kubeconfig")
	if err := clientcmd.WriteToFile(*kc, path); err != nil {
		t.Fatal(err)
	}
	return path
}
