// Package cluster reads a live cluster through the Kubernetes API (client-go): every
// namespace's workloads, service accounts, RBAC objects, network policies, services,
// ingresses and namespaces, the kube-system/aws-auth ConfigMap, and the
// SecurityGroupPolicy and PeerAuthentication custom kinds when discovery serves them.
//
// Lists are read page by page and handed on page by page, so memory holds a few pages, not
// the cluster. Requests are rate limited on the client side; transient failures (429 with
// its Retry-After, 5xx, timeouts, dropped connections) are retried with exponential
// backoff; a list whose continue token expired (410) starts again without handing on an
// object twice. A kind that cannot be read (RBAC forbids it, or it failed mid-list after
// every retry) is reported as skipped with the reason: never as empty, never as passed.
package cluster

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sort"
	"sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"

	"github.com/eksguard/eksguard/pkg/finding"
)

// Options tune how the source reads.
type Options struct {
	// PageSize is the number of objects asked for per list request.
	PageSize int64
	// Retry is the backoff for transient failures.
	Retry Backoff
	// MaxResponseBytes bounds one response body; a page over it is asked for again in
	// smaller pages.
	MaxResponseBytes int64
	// Limits bound what one object may carry.
	Limits Limits
	// Logger receives retries and skipped kinds; nil discards them.
	Logger *slog.Logger
}

// Backoff is an exponential backoff: Initial, doubled after each failure up to Max, for at
// most Attempts tries in all. A Retry-After the server sends replaces the computed delay
// (capped at MaxRetryAfter).
type Backoff struct {
	Initial       time.Duration
	Max           time.Duration
	Attempts      int
	MaxRetryAfter time.Duration
}

// Limits bound the metadata of one object. Labels are kept whole because selectors read
// them; an object over a limit is not scanned and is reported as an input error.
type Limits struct {
	MaxLabels     int
	MaxLabelBytes int
}

// DefaultOptions are the options of `eksguard scan cluster`.
func DefaultOptions() Options {
	return Options{
		PageSize:         500,
		Retry:            Backoff{Initial: 250 * time.Millisecond, Max: 8 * time.Second, Attempts: 6, MaxRetryAfter: 60 * time.Second},
		MaxResponseBytes: 128 << 20,
		Limits:           Limits{MaxLabels: 1000, MaxLabelBytes: 64 << 10},
	}
}

// Item is one object read from the cluster.
type Item struct {
	// Kind is the object's kind (the list it came from).
	Kind string
	// Object is the typed object (k8s.io/api types); *unstructured.Unstructured for
	// custom kinds. Managed fields and the last-applied-configuration annotation are
	// dropped; nothing else is.
	Object runtime.Object
	// Owner is the object's controller when the source read that controller too (a Pod
	// of a ReplicaSet, a ReplicaSet of a Deployment, a Job of a CronJob, ...): workload
	// rules report the top-level owner, not every object it made.
	Owner *metav1.OwnerReference
}

// Skip is a kind that was not read, or not read whole.
type Skip struct {
	Kind   string
	Reason string
	// Forbidden is true when RBAC denied the read; otherwise the read failed (after every
	// retry) and the list is incomplete.
	Forbidden bool
}

// Result is what a read found besides the objects.
type Result struct {
	// Server is the API server's URL and Version its version.
	Server, Version string
	// Counts is the number of objects read per kind.
	Counts map[string]int
	// Skipped lists the kinds not read whole, by kind.
	Skipped []Skip
	// Errors are objects that could not be scanned (over a limit).
	Errors []finding.InputError
}

// Source reads one cluster.
type Source struct {
	cfg    *rest.Config
	cs     *kubernetes.Clientset
	dyn    *dynamic.DynamicClient
	opts   Options
	log    *slog.Logger
	server string

	connected bool
	version   string

	mu     sync.Mutex
	owners map[types.UID]struct{} // UIDs of every controller object read
	res    Result
}

// New builds a source on cfg. Rate limits come from cfg.QPS and cfg.Burst. Built-in kinds
// are read as protobuf, custom kinds as JSON.
func New(cfg *rest.Config, opts Options) (*Source, error) {
	if opts.PageSize <= 0 {
		opts.PageSize = DefaultOptions().PageSize
	}
	if opts.Retry.Attempts <= 0 {
		opts.Retry = DefaultOptions().Retry
	}
	if opts.MaxResponseBytes <= 0 {
		opts.MaxResponseBytes = DefaultOptions().MaxResponseBytes
	}
	if opts.Limits.MaxLabels <= 0 || opts.Limits.MaxLabelBytes <= 0 {
		opts.Limits = DefaultOptions().Limits
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	c := rest.CopyConfig(cfg)
	c.ContentType = "application/vnd.kubernetes.protobuf"
	c.AcceptContentTypes = "application/vnd.kubernetes.protobuf,application/json"
	limit := opts.MaxResponseBytes
	c.Wrap(func(rt http.RoundTripper) http.RoundTripper { return &limitedTransport{rt: rt, limit: limit} })
	cs, err := kubernetes.NewForConfig(c)
	if err != nil {
		return nil, fmt.Errorf("client for %s: %w", cfg.Host, err)
	}
	dc := rest.CopyConfig(cfg)
	dc.Wrap(func(rt http.RoundTripper) http.RoundTripper { return &limitedTransport{rt: rt, limit: limit} })
	dyn, err := dynamic.NewForConfig(dc)
	if err != nil {
		return nil, fmt.Errorf("client for %s: %w", cfg.Host, err)
	}
	return &Source{cfg: cfg, cs: cs, dyn: dyn, opts: opts, log: log, server: cfg.Host, owners: map[types.UID]struct{}{}}, nil
}

// Read reads the cluster and calls handle with each page of objects, from several
// goroutines at once (one per kind being read). It returns an error only when the API
// server cannot be reached or ctx ends; kinds that cannot be read are in Result.Skipped.
func (s *Source) Read(ctx context.Context, handle func(page []Item)) (*Result, error) {
	if err := s.Connect(ctx); err != nil {
		return nil, err
	}
	s.res = Result{Server: s.server, Version: s.version, Counts: map[string]int{}}

	var wg sync.WaitGroup
	// Lane 1: workloads, stage by stage, so owners are known before what they own.
	wg.Add(1)
	go func() {
		defer wg.Done()
		for stage := 0; stage <= 2; stage++ {
			for _, k := range kinds {
				if k.workload && k.stage == stage && ctx.Err() == nil {
					s.listBuiltin(ctx, k, handle)
				}
			}
		}
	}()
	// Lane 2: everything else.
	wg.Add(1)
	go func() {
		defer wg.Done()
		for _, k := range kinds {
			if !k.workload && ctx.Err() == nil {
				s.listBuiltin(ctx, k, handle)
			}
		}
		if ctx.Err() == nil {
			s.readAWSAuth(ctx, handle)
		}
		if ctx.Err() == nil {
			s.readCustom(ctx, handle)
		}
	}()
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	sort.Slice(s.res.Skipped, func(i, j int) bool { return s.res.Skipped[i].Kind < s.res.Skipped[j].Kind })
	return &s.res, nil
}

// Connect checks that the API server answers (asking its version, with retries), so that a
// caller can tell an unreachable server before it starts a report. Read calls it when the
// caller has not.
func (s *Source) Connect(ctx context.Context) error {
	if s.connected {
		return nil
	}
	var ver string
	err := s.retry(ctx, "server version", func(ctx context.Context) error {
		v, err := s.cs.Discovery().RESTClient().Get().AbsPath("/version").MaxRetries(0).Do(ctx).Raw()
		ver = string(v)
		return err
	})
	if err != nil {
		return fmt.Errorf("cannot reach the Kubernetes API server at %s: %w", s.server, err)
	}
	s.version, s.connected = versionOf(ver), true
	return nil
}

func versionOf(raw string) string {
	var v struct {
		GitVersion string `json:"gitVersion"`
	}
	if err := jsonUnmarshal([]byte(raw), &v); err != nil {
		return ""
	}
	return v.GitVersion
}

func (s *Source) skip(kind string, err error) {
	sk := Skip{Kind: kind, Forbidden: apierrors.IsForbidden(err) || apierrors.IsUnauthorized(err)}
	if sk.Forbidden {
		sk.Reason = "forbidden: " + reasonOf(err)
	} else {
		sk.Reason = "read failed: " + err.Error()
	}
	s.log.Warn("kind not read", "kind", kind, "reason", sk.Reason)
	s.mu.Lock()
	s.res.Skipped = append(s.res.Skipped, sk)
	s.mu.Unlock()
}

func reasonOf(err error) string {
	var st apierrors.APIStatus
	if errors.As(err, &st) && st.Status().Message != "" {
		return st.Status().Message
	}
	return err.Error()
}

// listBuiltin reads every page of one built-in kind.
func (s *Source) listBuiltin(ctx context.Context, k kind, handle func([]Item)) {
	rc := k.client(s.cs)
	s.list(ctx, k.Kind, func(ctx context.Context, opts metav1.ListOptions) (runtime.Object, error) {
		list := k.newList()
		err := rc.Get().Resource(k.GVR.Resource).VersionedParams(&opts, scheme.ParameterCodec).MaxRetries(0).Do(ctx).Into(list)
		return list, err
	}, handle)
}

// list pages through one kind. A continue token that expired (410 Gone) starts the list
// again; objects already handed on are not handed on twice.
func (s *Source) list(ctx context.Context, kindName string, get func(context.Context, metav1.ListOptions) (runtime.Object, error), handle func([]Item)) {
	const maxRestarts = 3
	var (
		seen     map[types.UID]struct{} // objects handed on, kept only once a restart needs them
		uids     []types.UID
		restarts int
		cont     string
		limit    = s.opts.PageSize
		count    int
	)
	for {
		var list runtime.Object
		err := s.retry(ctx, kindName, func(ctx context.Context) error {
			var err error
			list, err = get(ctx, metav1.ListOptions{Limit: limit, Continue: cont})
			if errors.Is(err, errTooLarge) && limit > 1 {
				limit /= 2 // ask again for a smaller page
				s.log.Info("page too large, asking for smaller pages", "kind", kindName, "limit", limit)
				return errRetryNow
			}
			return err
		})
		if err != nil && cont != "" && (apierrors.IsResourceExpired(err) || apierrors.IsGone(err)) && restarts < maxRestarts {
			restarts++
			s.log.Info("continue token expired, reading the list again", "kind", kindName, "restart", restarts)
			if seen == nil {
				seen = make(map[types.UID]struct{}, len(uids))
			}
			for _, u := range uids {
				seen[u] = struct{}{}
			}
			uids = nil
			cont = ""
			continue
		}
		if err != nil {
			if apierrors.IsNotFound(err) && count == 0 {
				return // the kind is not served (an old server): nothing to read
			}
			s.skip(kindName, err)
			return
		}
		items := make([]Item, 0, 64)
		each := func(o runtime.Object) error {
			m, err := meta.Accessor(o)
			if err != nil {
				return err
			}
			uid := m.GetUID()
			if _, dup := seen[uid]; dup {
				return nil
			}
			uids = append(uids, uid)
			if it, ok := s.item(kindName, o, m); ok {
				items = append(items, it)
			}
			return nil
		}
		if err := meta.EachListItem(list, each); err != nil {
			s.skip(kindName, fmt.Errorf("reading the list: %w", err))
			return
		}
		count += len(items)
		if len(items) > 0 {
			handle(items)
		}
		lm, err := meta.ListAccessor(list)
		if err != nil {
			s.skip(kindName, err)
			return
		}
		s.mu.Lock()
		s.res.Counts[kindName] += len(items)
		s.mu.Unlock()
		cont = lm.GetContinue()
		if cont == "" {
			return
		}
	}
}

// item trims one object and checks it against the limits.
func (s *Source) item(kindName string, o runtime.Object, m metav1.Object) (Item, bool) {
	m.SetManagedFields(nil)
	if a := m.GetAnnotations(); a != nil {
		if _, ok := a[lastApplied]; ok {
			delete(a, lastApplied)
		}
	}
	if n, size := labelSize(m.GetLabels()); n > s.opts.Limits.MaxLabels || size > s.opts.Limits.MaxLabelBytes {
		s.mu.Lock()
		s.res.Errors = append(s.res.Errors, finding.InputError{
			Input:   objectName(kindName, m),
			Message: fmt.Sprintf("%d labels (%d bytes), over the limit of %d labels or %d bytes: not scanned", n, size, s.opts.Limits.MaxLabels, s.opts.Limits.MaxLabelBytes),
		})
		s.mu.Unlock()
		return Item{}, false
	}
	it := Item{Kind: kindName, Object: o}
	if _, isOwner := ownerSet[kindName]; isOwner {
		s.mu.Lock()
		s.owners[m.GetUID()] = struct{}{}
		s.mu.Unlock()
	}
	if ref := metav1.GetControllerOfNoCopy(m); ref != nil && ownerKinds[kindName][ref.Kind] {
		s.mu.Lock()
		_, known := s.owners[ref.UID]
		s.mu.Unlock()
		if known {
			it.Owner = ref
		}
	}
	return it, true
}

const lastApplied = "kubectl.kubernetes.io/last-applied-configuration"

var ownerSet = func() map[string]struct{} {
	m := map[string]struct{}{}
	for _, owners := range ownerKinds {
		for k := range owners {
			m[k] = struct{}{}
		}
	}
	return m
}()

func labelSize(l map[string]string) (n, size int) {
	for k, v := range l {
		size += len(k) + len(v)
	}
	return len(l), size
}

func objectName(kind string, m metav1.Object) string {
	if m.GetNamespace() != "" {
		return kind + " " + m.GetNamespace() + "/" + m.GetName()
	}
	return kind + " " + m.GetName()
}

// readAWSAuth reads the kube-system/aws-auth ConfigMap, the only ConfigMap read. Its
// absence is no error (clusters that use access entries, or not EKS).
func (s *Source) readAWSAuth(ctx context.Context, handle func([]Item)) {
	var cm runtime.Object
	err := s.retry(ctx, AWSAuthKind, func(ctx context.Context) error {
		var err error
		cm, err = s.cs.CoreV1().ConfigMaps(AWSAuthNamespace).Get(ctx, AWSAuthName, metav1.GetOptions{})
		return err
	})
	switch {
	case apierrors.IsNotFound(err):
		return
	case err != nil:
		s.skip(AWSAuthKind, err)
		return
	}
	m, _ := meta.Accessor(cm)
	if it, ok := s.item(AWSAuthKind, cm, m); ok {
		handle([]Item{it})
		s.mu.Lock()
		s.res.Counts[AWSAuthKind]++
		s.mu.Unlock()
	}
}

// readCustom reads the custom kinds that discovery shows.
func (s *Source) readCustom(ctx context.Context, handle func([]Item)) {
	for _, ck := range customKinds {
		version, err := s.served(ctx, ck)
		if err != nil {
			s.skip(ck.Kind, fmt.Errorf("discovery of %s: %w", ck.Group, err))
			continue
		}
		if version == "" {
			continue // the CRD is not installed
		}
		ri := s.dyn.Resource(schema.GroupVersionResource{Group: ck.Group, Version: version, Resource: ck.Resource})
		s.list(ctx, ck.Kind, func(ctx context.Context, opts metav1.ListOptions) (runtime.Object, error) {
			l, err := ri.List(ctx, opts)
			if err != nil {
				return nil, err
			}
			return l, nil
		}, handle)
	}
}

// served returns the preferred version in which discovery serves ck, "" when none.
func (s *Source) served(ctx context.Context, ck customKind) (string, error) {
	for _, v := range ck.Versions {
		var found bool
		err := s.retry(ctx, "discovery "+ck.Group+"/"+v, func(context.Context) error {
			rl, err := s.cs.Discovery().ServerResourcesForGroupVersion(ck.Group + "/" + v)
			if err != nil {
				return err
			}
			for _, r := range rl.APIResources {
				if r.Name == ck.Resource {
					found = true
				}
			}
			return nil
		})
		if apierrors.IsNotFound(err) {
			continue
		}
		if err != nil {
			return "", err
		}
		if found {
			return v, nil
		}
	}
	return "", nil
}

// unstructured lists satisfy meta.EachListItem through their Items.
var _ runtime.Object = &unstructured.UnstructuredList{}
