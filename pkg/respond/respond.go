// Package respond isolates suspect pods on a live cluster and undoes it: it captures
// evidence first (into a bundle with a hashed manifest), applies a deny-all NetworkPolicy
// that selects a quarantine label, relabels the pods so Services and their controllers let
// go of them, optionally cordons their nodes, and journals every change on the
// NetworkPolicy so that Release undoes exactly what was done, even after a failure half-way.
//
// The order is fixed so that a pod is never out of its workload and unisolated at once:
// evidence, then the policy (it selects nothing until the label is set), then one update
// per pod that sets the quarantine label and removes the selected labels together (the pod
// is isolated the moment it leaves its Services), then the cordon. Each change is written
// to the journal before it is made and marked after; Release reads the objects themselves
// to learn whether a change took effect.
package respond

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/util/retry"

	"github.com/eksguard/eksguard/pkg/netpol"
	"github.com/eksguard/eksguard/pkg/report"
)

// Request is one isolation.
type Request struct {
	Namespace, Pod string
	// Incident is the incident ID; empty: the pod's current incident if it is quarantined,
	// else a new one.
	Incident string
	// Quarantine labels the pod and applies the deny-all NetworkPolicy (what `respond
	// isolate` does); with Quarantine and Cordon false, Isolate only captures evidence.
	Quarantine bool
	Cordon     bool
	DryRun     bool
	// Evidence is the bundle path: a directory, or a file ending in .tar.gz or .tgz; empty:
	// eksguard-evidence-INCIDENT.tar.gz in the current directory.
	Evidence string
	// Actor is who acts, recorded in the journal and manifest; empty: the user the API
	// server authenticates.
	Actor string
	// Reason is free text recorded in the journal and manifest (the rule and alert).
	Reason string
}

// Step is one action, done or planned.
type Step struct {
	// Action is capture, policy, label, cordon or journal (isolation); uncordon, restore or
	// remove-policy (release).
	Action string `json:"action"`
	// Object is what it acts on: NS/POD, node/NAME, NS/networkpolicy/NAME, or the bundle.
	Object string `json:"object"`
	Detail string `json:"detail,omitempty"`
	// Error says why a step was not done (in Result.NotDone).
	Error string `json:"error,omitempty"`
}

// Result says what was done.
type Result struct {
	Incident string `json:"incident"`
	// Bundle is the evidence bundle and ManifestSHA256 its manifest's hash (empty when no
	// evidence was captured: a dry run, or every pod was already isolated).
	Bundle         string `json:"bundle,omitempty"`
	ManifestSHA256 string `json:"manifestSHA256,omitempty"`
	DryRun         bool   `json:"dryRun,omitempty"`
	// Steps were done, in order.
	Steps []Step `json:"steps"`
	// NotDone were planned and not done: a dry run's whole plan, or after a failure the
	// failed step (with its error) and everything after it.
	NotDone []Step `json:"notDone,omitempty"`
	// Warnings are limits of the isolation (no enforcing network plugin found, hostNetwork
	// pods, policies that still allow traffic) and items not captured.
	Warnings []string `json:"warnings,omitempty"`
}

// Options tune a Responder.
type Options struct {
	// Cluster names the cluster in manifests (the kubeconfig context).
	Cluster string
	// Workers is the number of pods handled at once (default 8).
	Workers int
	// Now is the clock (default time.Now).
	Now func() time.Time
	// AfterStep, when set, is called after each step of Isolate is done; an error stops
	// Isolate at once with no further change or journal write, as if the process died
	// there. Tests use it to interrupt isolation after each step.
	AfterStep func(Step) error
}

// Responder acts on one cluster.
type Responder struct {
	cs   kubernetes.Interface
	dyn  dynamic.Interface
	opts Options
}

// New builds a Responder on cfg.
func New(cfg *rest.Config, opts Options) (*Responder, error) {
	cfg = rest.CopyConfig(cfg)
	cfg.Wrap(func(rt http.RoundTripper) http.RoundTripper {
		return &retryTransport{rt: rt, backoff: transientBackoff}
	})
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("client for %s: %w", cfg.Host, err)
	}
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("client for %s: %w", cfg.Host, err)
	}
	if opts.Workers <= 0 {
		opts.Workers = 8
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Cluster == "" {
		opts.Cluster = cfg.Host
	}
	return &Responder{cs: cs, dyn: dyn, opts: opts}, nil
}

// MaxPodsPerNamespace bounds the pods of one incident in one namespace, so that the journal
// fits in its annotation (MaxJournalBytes) whatever the removed labels are.
const MaxPodsPerNamespace = 500

// errInterrupted marks an AfterStep interruption.
var errInterrupted = errors.New("interrupted")

// Isolate isolates one pod (req.Namespace, req.Pod). Evidence is always captured first.
func (r *Responder) Isolate(ctx context.Context, req Request) (*Result, error) {
	pod, err := r.Pod(ctx, req.Namespace, req.Pod)
	if err != nil {
		return nil, err
	}
	return r.IsolatePods(ctx, req, []corev1.Pod{*pod})
}

// Pod reads one pod, checking the names first.
func (r *Responder) Pod(ctx context.Context, namespace, name string) (*corev1.Pod, error) {
	if err := validName("namespace", namespace, false); err != nil {
		return nil, err
	}
	if err := validName("pod", name, true); err != nil {
		return nil, err
	}
	pod, err := r.cs.CoreV1().Pods(namespace).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		if apierrors.IsNotFound(err) {
			return nil, fmt.Errorf("pod %s/%s not found", namespace, name)
		}
		return nil, fmt.Errorf("reading pod %s/%s: %w", namespace, name, err)
	}
	return pod, nil
}

// IsolatePods isolates several pods as one incident (req.Namespace and req.Pod are not
// used): one bundle, one quarantine NetworkPolicy and journal per namespace.
func (r *Responder) IsolatePods(ctx context.Context, req Request, pods []corev1.Pod) (*Result, error) {
	if req.Incident != "" {
		if err := ValidIncident(req.Incident); err != nil {
			return nil, err
		}
	}
	if len(pods) == 0 {
		return nil, errors.New("no pods to isolate")
	}
	pods = append([]corev1.Pod(nil), pods...)
	sort.Slice(pods, func(i, j int) bool { return podKey(&pods[i]) < podKey(&pods[j]) })
	pods = dedupe(pods)

	perNS := map[string]int{}
	for i := range pods {
		if perNS[pods[i].Namespace]++; perNS[pods[i].Namespace] > MaxPodsPerNamespace {
			return nil, fmt.Errorf("more than %d pods in namespace %s: the journal of one incident holds at most %d pods per namespace; isolate them in several incidents", MaxPodsPerNamespace, pods[i].Namespace, MaxPodsPerNamespace)
		}
	}
	incident := req.Incident
	for i := range pods {
		q := pods[i].Labels[QuarantineLabel]
		if q == "" {
			continue
		}
		if incident == "" {
			incident = q
		}
		if q != incident {
			return nil, fmt.Errorf("pod %s is already quarantined under incident %s (this request: %s); release it first or use that incident", podKey(&pods[i]), q, incident)
		}
	}
	if incident == "" {
		incident = NewIncident(r.opts.Now())
	}
	ru := &run{r: r, req: req, incident: incident, res: &Result{Incident: incident, DryRun: req.DryRun, Steps: []Step{}},
		owners: map[string]*unstructured.Unstructured{}, sas: map[string]*corev1.ServiceAccount{}, views: map[string]*nsView{}, journals: map[string]*Journal{}}
	if ru.req.Actor == "" {
		ru.req.Actor = r.whoAmI(ctx)
	}
	return ru.isolate(ctx, pods)
}

// run is one Isolate or Release call.
type run struct {
	r        *Responder
	req      Request
	incident string
	res      *Result

	mu       sync.Mutex
	owners   map[string]*unstructured.Unstructured
	sas      map[string]*corev1.ServiceAccount // read once per run, by NS/NAME (nil: not readable)
	views    map[string]*nsView
	journals map[string]*Journal // by namespace
	exists   map[string]bool     // namespaces whose quarantine policy exists
}

func podKey(p *corev1.Pod) string { return p.Namespace + "/" + p.Name }

func dedupe(pods []corev1.Pod) []corev1.Pod {
	out := pods[:0]
	for i := range pods {
		if len(out) > 0 && podKey(&out[len(out)-1]) == podKey(&pods[i]) {
			continue
		}
		out = append(out, pods[i])
	}
	return out
}

// plan is what isolation will do.
type plan struct {
	capture  []*corev1.Pod                // pods to capture and label
	policies []string                     // namespaces whose policy must be created
	removed  map[string]map[string]string // by pod key: labels to remove
	cordon   []cordonPlan
}

type cordonPlan struct {
	node, namespace string
}

func (ru *run) isolate(ctx context.Context, pods []corev1.Pod) (*Result, error) {
	r, res := ru.r, ru.res
	// Read what the plan depends on.
	namespaces := map[string]bool{}
	for i := range pods {
		namespaces[pods[i].Namespace] = true
	}
	ru.exists = map[string]bool{}
	for _, ns := range slices.Sorted(maps.Keys(namespaces)) {
		view, err := r.readNamespace(ctx, ns)
		if err != nil {
			return nil, err
		}
		ru.views[ns] = view
		if view.sgpNote != "" && !strings.Contains(view.sgpNote, "not served") {
			res.Warnings = append(res.Warnings, view.sgpNote)
		}
		if !ru.req.Quarantine && !ru.req.Cordon {
			continue
		}
		np, err := r.cs.NetworkingV1().NetworkPolicies(ns).Get(ctx, PolicyName(ru.incident), metav1.GetOptions{})
		switch {
		case apierrors.IsNotFound(err):
		case err != nil:
			return nil, fmt.Errorf("reading NetworkPolicy %s/%s: %w", ns, PolicyName(ru.incident), err)
		default:
			j, err := ParseJournal(np.Annotations[JournalAnnotation])
			if err != nil {
				return nil, fmt.Errorf("NetworkPolicy %s/%s exists but its journal is unreadable (%v): fix or delete it by hand", ns, np.Name, err)
			}
			if j.Incident != ru.incident || j.Namespace != ns {
				return nil, fmt.Errorf("NetworkPolicy %s/%s holds the journal of incident %s in %s, not %s", ns, np.Name, j.Incident, j.Namespace, ru.incident)
			}
			ru.journals[ns] = j
			ru.exists[ns] = true
		}
	}

	p := plan{removed: map[string]map[string]string{}}
	for i := range pods {
		pod := &pods[i]
		if pod.Labels[QuarantineLabel] == ru.incident && (ru.req.Quarantine || ru.req.Cordon) {
			continue // already isolated by this incident
		}
		p.capture = append(p.capture, pod)
		if ru.req.Quarantine {
			rm, err := ru.selectedLabels(ctx, pod)
			if err != nil {
				return nil, err
			}
			p.removed[podKey(pod)] = rm
		}
	}
	if ru.req.Quarantine || ru.req.Cordon {
		for _, ns := range slices.Sorted(maps.Keys(namespaces)) {
			if !ru.exists[ns] {
				p.policies = append(p.policies, ns)
			}
		}
	}
	if ru.req.Cordon {
		seen := map[string]bool{}
		for i := range pods {
			n := pods[i].Spec.NodeName
			if n == "" || seen[n] {
				continue
			}
			seen[n] = true
			node, err := r.cs.CoreV1().Nodes().Get(ctx, n, metav1.GetOptions{})
			if apierrors.IsNotFound(err) {
				res.Warnings = append(res.Warnings, fmt.Sprintf("node %s of pod %s does not exist: nothing to cordon", n, podKey(&pods[i])))
				continue
			}
			if err != nil {
				return nil, fmt.Errorf("reading node %s: %w", n, err)
			}
			if node.Annotations[CordonAnnotation] == ru.incident {
				continue // cordoned by this incident already
			}
			if node.Spec.Unschedulable {
				res.Warnings = append(res.Warnings, fmt.Sprintf("node %s is already cordoned (not by this incident): left as it is, and release will not uncordon it", n))
				continue
			}
			p.cordon = append(p.cordon, cordonPlan{node: n, namespace: pods[i].Namespace})
		}
		for i := range pods {
			if pods[i].Spec.NodeName == "" {
				res.Warnings = append(res.Warnings, fmt.Sprintf("pod %s is not scheduled to a node: nothing to cordon", podKey(&pods[i])))
			}
		}
	}
	if ru.req.Quarantine {
		ru.warnings(ctx, pods, p)
	}

	var steps []Step
	bundle := ""
	if len(p.capture) > 0 {
		var err error
		if bundle, err = ru.bundlePath(); err != nil {
			return nil, err
		}
		res.Bundle = bundle
		steps = append(steps, Step{Action: "capture", Object: bundle, Detail: plural(len(p.capture), "pod")})
	}
	for _, ns := range p.policies {
		steps = append(steps, Step{Action: "policy", Object: ns + "/networkpolicy/" + PolicyName(ru.incident), Detail: "deny all ingress and egress of pods labelled " + QuarantineLabel + "=" + ru.incident})
	}
	if ru.req.Quarantine {
		for _, pod := range p.capture {
			steps = append(steps, Step{Action: "label", Object: podKey(pod), Detail: labelDetail(ru.incident, p.removed[podKey(pod)])})
		}
	}
	for _, c := range p.cordon {
		steps = append(steps, Step{Action: "cordon", Object: "node/" + c.node, Detail: "mark unschedulable (no drain)"})
	}
	if len(steps) == 0 {
		res.Warnings = append(res.Warnings, "nothing to do: every pod is already isolated under incident "+ru.incident)
		return res, nil
	}
	if ru.req.DryRun {
		res.NotDone = steps
		return res, nil
	}
	return ru.execute(ctx, p, steps)
}

func labelDetail(incident string, removed map[string]string) string {
	d := "set " + QuarantineLabel + "=" + incident
	if len(removed) > 0 {
		d += "; remove " + strings.Join(slices.Sorted(maps.Keys(removed)), ", ")
	}
	return d
}

// errVanished is a pod that is gone (or replaced) before it could be labelled.
var errVanished = errors.New("vanished")

// execute carries out the steps of a plan. On an error the failed step and the rest go to
// NotDone, the journal records what happened, and the error is returned.
func (ru *run) execute(ctx context.Context, p plan, steps []Step) (*Result, error) {
	res := ru.res
	pending := append([]Step(nil), steps...) // planned, not done yet, in order
	var bnd *bundle
	var cap *capturer
	take := func(action, object string) (Step, bool) {
		for i, s := range pending {
			if s.Action == action && s.Object == object {
				pending = append(pending[:i:i], pending[i+1:]...)
				return s, true
			}
		}
		return Step{}, false
	}
	done := func(s Step) error {
		if planned, ok := take(s.Action, s.Object); ok && s.Detail == "" {
			s.Detail = planned.Detail
		}
		res.Steps = append(res.Steps, s)
		if ru.r.opts.AfterStep != nil {
			if err := ru.r.opts.AfterStep(s); err != nil {
				return fmt.Errorf("%w after %s %s: %v", errInterrupted, s.Action, s.Object, err)
			}
		}
		return nil
	}
	// fail stops: failed (when known) first, then the rest of the plan, go to NotDone.
	fail := func(failed *Step, err error) (*Result, error) {
		if errors.Is(err, errInterrupted) {
			if bnd != nil {
				bnd.abort()
			}
			res.NotDone = append(res.NotDone, pending...)
			return res, err
		}
		if failed != nil {
			if s, ok := take(failed.Action, failed.Object); ok {
				s.Error = err.Error()
				res.NotDone = append(res.NotDone, s)
			}
		}
		res.NotDone = append(res.NotDone, pending...)
		pending = nil
		// Record the truth: the journal's final states, and the bundle sealed with it.
		if ferr := ru.finish(ctx, bnd, cap); ferr != nil {
			err = errors.Join(err, ferr)
		}
		return res, err
	}

	// 1. Evidence.
	if len(p.capture) > 0 {
		step := &Step{Action: "capture", Object: res.Bundle}
		var err error
		if bnd, err = createBundle(res.Bundle, ru.r.opts.Now()); err != nil {
			return fail(step, err)
		}
		cap = &capturer{r: ru.r, run: ru, b: bnd, nodes: map[string]bool{}}
		err = ru.each(ctx, p.capture, func(ctx context.Context, pod *corev1.Pod) error {
			return cap.pod(ctx, pod, ru.views[pod.Namespace])
		})
		if err != nil {
			return fail(step, err)
		}
		res.Warnings = append(res.Warnings, cap.notes...)
		if err := done(*step); err != nil {
			return fail(nil, err)
		}
	}
	if !ru.req.Quarantine && !ru.req.Cordon {
		return res, ru.finish(ctx, bnd, cap)
	}

	// 2. The journal's intents, then the policy (created with its journal).
	now := ru.r.opts.Now().UTC()
	for _, ns := range slices.Sorted(maps.Keys(ru.views)) {
		j := ru.journals[ns]
		if j == nil {
			j = &Journal{Format: JournalFormat, Incident: ru.incident, Namespace: ns, Actor: ru.req.Actor, Reason: ru.req.Reason, Version: report.Version, Created: now, Entries: []Entry{}}
			ru.journals[ns] = j
		}
		if res.Bundle != "" {
			j.Bundle, j.BundleSHA256 = res.Bundle, ""
		}
		if !ru.exists[ns] {
			j.Entries = append(j.Entries, Entry{Kind: EntryPolicy, State: StateDone, Object: "networkpolicy/" + PolicyName(ru.incident), Time: now})
		}
	}
	if ru.req.Quarantine {
		for _, pod := range p.capture {
			j := ru.journals[pod.Namespace]
			j.Entries = append(j.Entries, Entry{Kind: EntryLabels, State: StateIntent, Object: "pod/" + pod.Name, UID: string(pod.UID), Node: pod.Spec.NodeName, Removed: p.removed[podKey(pod)], Time: now})
		}
	}
	for _, c := range p.cordon {
		j := ru.journals[c.namespace]
		j.Entries = append(j.Entries, Entry{Kind: EntryCordon, State: StateIntent, Object: "node/" + c.node, Time: now})
	}
	for _, ns := range slices.Sorted(maps.Keys(ru.views)) {
		if !ru.exists[ns] {
			step := &Step{Action: "policy", Object: ns + "/networkpolicy/" + PolicyName(ru.incident)}
			if err := ru.createPolicy(ctx, ns); err != nil {
				delete(ru.journals, ns) // nothing was written: no journal in the cluster
				return fail(step, err)
			}
			ru.exists[ns] = true
			if err := done(*step); err != nil {
				return fail(nil, err)
			}
		} else if err := ru.writeJournal(ctx, ns); err != nil {
			return fail(nil, fmt.Errorf("writing the journal's intents on %s/networkpolicy/%s: %w", ns, PolicyName(ru.incident), err))
		}
	}

	// 3. Labels, several pods at once; reported in plan order.
	if ru.req.Quarantine && len(p.capture) > 0 {
		var mu sync.Mutex
		labelled := map[string]string{}
		vanished := map[string]error{}
		var failed *Step
		err := ru.each(ctx, p.capture, func(ctx context.Context, pod *corev1.Pod) error {
			detail, err := ru.label(ctx, pod)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case errors.Is(err, errVanished):
				ru.mark(pod.Namespace, EntryLabels, "pod/"+pod.Name, StateFailed, err.Error(), nil)
				vanished[podKey(pod)] = err
			case err != nil:
				ru.mark(pod.Namespace, EntryLabels, "pod/"+pod.Name, StateFailed, err.Error(), nil)
				if failed == nil {
					failed = &Step{Action: "label", Object: podKey(pod)}
				}
				return fmt.Errorf("labelling pod %s: %w", podKey(pod), err)
			default:
				labelled[podKey(pod)] = detail
			}
			return nil
		})
		for _, pod := range p.capture {
			k := podKey(pod)
			if d, ok := labelled[k]; ok {
				if err := done(Step{Action: "label", Object: k, Detail: d}); err != nil {
					return fail(nil, err)
				}
			} else if verr, ok := vanished[k]; ok {
				if s, ok := take("label", k); ok {
					s.Error = verr.Error()
					res.NotDone = append(res.NotDone, s)
				}
				ru.warn(verr.Error() + ": it is not isolated (its evidence up to then is in the bundle)")
			}
		}
		if err != nil {
			return fail(failed, err)
		}
	}

	// 4. Cordon.
	for _, c := range p.cordon {
		step := &Step{Action: "cordon", Object: "node/" + c.node}
		if err := ru.cordon(ctx, c); err != nil {
			ru.mark(c.namespace, EntryCordon, "node/"+c.node, StateFailed, err.Error(), nil)
			return fail(step, fmt.Errorf("cordoning node %s: %w", c.node, err))
		}
		if err := done(*step); err != nil {
			return fail(nil, err)
		}
	}

	// 5. The journal's final states, into the bundle and onto the policies.
	if err := ru.finish(ctx, bnd, cap); err != nil {
		return res, err
	}
	return res, nil
}

// finish seals the bundle (with the journals in it) and writes the journals' final states
// and the bundle's hash onto the policies.
func (ru *run) finish(ctx context.Context, bnd *bundle, cap *capturer) error {
	var errs []error
	if bnd != nil {
		for _, ns := range slices.Sorted(maps.Keys(ru.journals)) {
			if err := cap.json("journal/"+ns+".json", ru.journals[ns]); err != nil {
				errs = append(errs, err)
			}
		}
		m := Manifest{Incident: ru.incident, Tool: report.Tool, Version: report.Version, Actor: ru.req.Actor, Reason: ru.req.Reason,
			Cluster: ru.r.opts.Cluster, Created: ru.r.opts.Now().UTC(), Notes: cap.notes}
		hash, err := bnd.close(m)
		if err != nil {
			errs = append(errs, err)
		} else {
			ru.res.ManifestSHA256 = hash
			for _, j := range ru.journals {
				j.BundleSHA256 = hash
			}
		}
	}
	for _, ns := range slices.Sorted(maps.Keys(ru.journals)) {
		if !ru.exists[ns] {
			continue
		}
		if err := ru.writeJournal(ctx, ns); err != nil {
			errs = append(errs, fmt.Errorf("writing the journal of %s: %w", ns, err))
			continue
		}
		ru.res.Steps = append(ru.res.Steps, Step{Action: "journal", Object: ns + "/networkpolicy/" + PolicyName(ru.incident), Detail: "final states recorded"})
	}
	return errors.Join(errs...)
}

// mark sets the state of the last entry of kind for object.
func (ru *run) mark(ns, kind, object, state, msg string, removed map[string]string) {
	ru.mu.Lock()
	defer ru.mu.Unlock()
	j := ru.journals[ns]
	if j == nil {
		return
	}
	if e := j.find(kind, object); e != nil {
		e.State, e.Error, e.Time = state, msg, ru.r.opts.Now().UTC()
		if removed != nil {
			e.Removed = removed
		}
	}
}

// each runs fn on every pod with Workers at a time, stopping at the first error (pods not
// started yet are not handled).
func (ru *run) each(ctx context.Context, pods []*corev1.Pod, fn func(context.Context, *corev1.Pod) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	sem := make(chan struct{}, ru.r.opts.Workers)
	for _, pod := range pods {
		mu.Lock()
		stop := len(errs) > 0
		mu.Unlock()
		if stop || ctx.Err() != nil {
			break
		}
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			if err := fn(ctx, pod); err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(errs) > 0 {
		return errs[0]
	}
	return ctx.Err()
}

func (ru *run) bundlePath() (string, error) {
	if ru.req.Evidence != "" {
		return ru.req.Evidence, nil
	}
	base := "eksguard-evidence-" + ru.incident
	for i := 1; i < 100; i++ {
		p := base + ".tar.gz"
		if i > 1 {
			p = fmt.Sprintf("%s-%d.tar.gz", base, i)
		}
		if _, err := os.Lstat(p); errors.Is(err, os.ErrNotExist) {
			abs, err := filepath.Abs(p)
			if err != nil {
				return p, nil
			}
			return abs, nil
		}
	}
	return "", fmt.Errorf("evidence: %s.tar.gz and 98 numbered siblings exist; give --evidence", base)
}

// quarantinePolicy is the deny-all policy of an incident in a namespace.
func quarantinePolicy(ns, incident string) *networkingv1.NetworkPolicy {
	return &networkingv1.NetworkPolicy{
		ObjectMeta: metav1.ObjectMeta{Name: PolicyName(incident), Namespace: ns,
			Labels: map[string]string{IncidentLabel: incident, "app.kubernetes.io/managed-by": report.Tool}},
		Spec: networkingv1.NetworkPolicySpec{
			PodSelector: metav1.LabelSelector{MatchLabels: map[string]string{QuarantineLabel: incident}},
			PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress, networkingv1.PolicyTypeEgress},
		},
	}
}

// isQuarantinePolicy checks that a policy still is what createPolicy made: it selects the
// quarantine label and denies all ingress and egress.
func isQuarantinePolicy(np *networkingv1.NetworkPolicy, incident string) bool {
	sel := np.Spec.PodSelector
	return len(sel.MatchExpressions) == 0 && len(sel.MatchLabels) == 1 && sel.MatchLabels[QuarantineLabel] == incident &&
		len(np.Spec.Ingress) == 0 && len(np.Spec.Egress) == 0 && len(np.Spec.PolicyTypes) == 2 &&
		np.Spec.PolicyTypes[0] != np.Spec.PolicyTypes[1]
}

func (ru *run) createPolicy(ctx context.Context, ns string) error {
	np := quarantinePolicy(ns, ru.incident)
	text, err := ru.journals[ns].Encode()
	if err != nil {
		return err
	}
	np.Annotations = map[string]string{JournalAnnotation: text}
	created, err := ru.r.cs.NetworkingV1().NetworkPolicies(ns).Create(ctx, np, metav1.CreateOptions{})
	if apierrors.IsAlreadyExists(err) {
		// A create retried after a failure that had in fact gone through, or a run of the
		// same incident at the same time: it is ours only if it carries this journal.
		created, err = ru.r.cs.NetworkingV1().NetworkPolicies(ns).Get(ctx, np.Name, metav1.GetOptions{})
		if err == nil && created.Annotations[JournalAnnotation] != text {
			return fmt.Errorf("NetworkPolicy %s/%s appeared meanwhile with another journal (another run of incident %s?)", ns, np.Name, ru.incident)
		}
	}
	if err != nil {
		return fmt.Errorf("creating NetworkPolicy %s/%s: %w", ns, np.Name, err)
	}
	if !isQuarantinePolicy(created, ru.incident) {
		return fmt.Errorf("NetworkPolicy %s/%s as stored does not deny all traffic of the quarantine label (an admission webhook changed it?)", ns, np.Name)
	}
	return nil
}

// writeJournal stores the namespace's journal on its policy, retrying on conflict.
func (ru *run) writeJournal(ctx context.Context, ns string) error {
	ru.mu.Lock()
	text, err := ru.journals[ns].Encode()
	ru.mu.Unlock()
	if err != nil {
		return err
	}
	api := ru.r.cs.NetworkingV1().NetworkPolicies(ns)
	return retry.RetryOnConflict(retry.DefaultBackoff, func() error {
		np, err := api.Get(ctx, PolicyName(ru.incident), metav1.GetOptions{})
		if err != nil {
			return err
		}
		if np.Annotations[JournalAnnotation] == text {
			return nil
		}
		if np.Annotations == nil {
			np.Annotations = map[string]string{}
		}
		np.Annotations[JournalAnnotation] = text
		_, err = api.Update(ctx, np, metav1.UpdateOptions{})
		return err
	})
}

// label sets the quarantine label on a pod and removes the labels that select it, keeping
// the removed ones in an annotation; it retries on conflict, reading the pod again.
func (ru *run) label(ctx context.Context, planned *corev1.Pod) (string, error) {
	api := ru.r.cs.CoreV1().Pods(planned.Namespace)
	var detail string
	var removed map[string]string
	first := true
	err := retry.RetryOnConflict(retry.DefaultBackoff, func() error {
		// The first attempt updates the pod as planned (its resourceVersion makes a stale
		// copy a conflict); after a conflict the pod is read again.
		pod, err := planned.DeepCopy(), error(nil)
		if !first {
			pod, err = api.Get(ctx, planned.Name, metav1.GetOptions{})
		}
		first = false
		if apierrors.IsNotFound(err) || (err == nil && pod.UID != planned.UID) {
			return fmt.Errorf("pod %s %w before it was labelled", podKey(planned), errVanished)
		}
		if err != nil {
			return err
		}
		if q := pod.Labels[QuarantineLabel]; q == ru.incident {
			detail = "already labelled"
			return nil
		} else if q != "" {
			return fmt.Errorf("pod %s was quarantined under incident %s meanwhile", podKey(pod), q)
		}
		if removed, err = ru.selectedLabels(ctx, pod); err != nil {
			return err
		}
		keep, err := json.Marshal(removed)
		if err != nil {
			return err
		}
		for k := range removed {
			delete(pod.Labels, k)
		}
		if pod.Labels == nil {
			pod.Labels = map[string]string{}
		}
		pod.Labels[QuarantineLabel] = ru.incident
		if pod.Annotations == nil {
			pod.Annotations = map[string]string{}
		}
		pod.Annotations[OriginalLabelsAnnotation] = string(keep)
		updated, err := api.Update(ctx, pod, metav1.UpdateOptions{})
		if apierrors.IsNotFound(err) {
			return fmt.Errorf("pod %s %w before it was labelled", podKey(planned), errVanished)
		}
		if err != nil {
			return err
		}
		if updated.Labels[QuarantineLabel] != ru.incident {
			return fmt.Errorf("pod %s as stored lacks the quarantine label (an admission webhook removed it?)", podKey(pod))
		}
		for k := range removed {
			if _, ok := updated.Labels[k]; ok {
				return fmt.Errorf("pod %s as stored still has label %s (an admission webhook put it back?)", podKey(pod), k)
			}
		}
		detail = labelDetail(ru.incident, removed)
		return nil
	})
	if err != nil {
		return "", err
	}
	ru.mark(planned.Namespace, EntryLabels, "pod/"+planned.Name, StateDone, "", removed) // removed: nil when already labelled
	return detail, nil
}

func (ru *run) cordon(ctx context.Context, c cordonPlan) error {
	api := ru.r.cs.CoreV1().Nodes()
	err := retry.RetryOnConflict(retry.DefaultBackoff, func() error {
		node, err := api.Get(ctx, c.node, metav1.GetOptions{})
		if err != nil {
			return err
		}
		if node.Annotations[CordonAnnotation] == ru.incident && node.Spec.Unschedulable {
			return nil
		}
		if node.Spec.Unschedulable {
			return fmt.Errorf("node %s was cordoned by someone else meanwhile; left as it is", c.node)
		}
		node.Spec.Unschedulable = true
		if node.Annotations == nil {
			node.Annotations = map[string]string{}
		}
		node.Annotations[CordonAnnotation] = ru.incident
		updated, err := api.Update(ctx, node, metav1.UpdateOptions{})
		if err != nil {
			return err
		}
		if !updated.Spec.Unschedulable {
			return fmt.Errorf("node %s as stored is still schedulable", c.node)
		}
		return nil
	})
	if err != nil {
		return err
	}
	ru.mark(c.namespace, EntryCordon, "node/"+c.node, StateDone, "", nil)
	return nil
}

// ownerResources maps the controller kinds whose selectors hold pods.
var ownerResources = map[string]schema.GroupVersionResource{
	"apps/ReplicaSet":        {Group: "apps", Version: "v1", Resource: "replicasets"},
	"apps/Deployment":        {Group: "apps", Version: "v1", Resource: "deployments"},
	"apps/StatefulSet":       {Group: "apps", Version: "v1", Resource: "statefulsets"},
	"apps/DaemonSet":         {Group: "apps", Version: "v1", Resource: "daemonsets"},
	"batch/Job":              {Group: "batch", Version: "v1", Resource: "jobs"},
	"batch/CronJob":          {Group: "batch", Version: "v1", Resource: "cronjobs"},
	"/ReplicationController": {Version: "v1", Resource: "replicationcontrollers"},
}

// owner reads a controller object once per run.
func (ru *run) owner(ctx context.Context, ns string, ref metav1.OwnerReference) (*unstructured.Unstructured, error) {
	gv, err := schema.ParseGroupVersion(ref.APIVersion)
	if err != nil {
		return nil, err
	}
	res, ok := ownerResources[gv.Group+"/"+ref.Kind]
	if !ok {
		return nil, fmt.Errorf("kind %s of %s is not a controller eksguard reads", ref.Kind, ref.APIVersion)
	}
	key := ns + "/" + gv.Group + "/" + ref.Kind + "/" + ref.Name
	ru.mu.Lock()
	u, ok := ru.owners[key]
	ru.mu.Unlock()
	if ok {
		return u, nil
	}
	u, err = ru.r.dyn.Resource(res).Namespace(ns).Get(ctx, ref.Name, metav1.GetOptions{})
	if err != nil {
		return nil, err
	}
	if u.GetUID() != ref.UID {
		return nil, fmt.Errorf("%s %s/%s has another UID than the pod's owner reference (replaced)", ref.Kind, ns, ref.Name)
	}
	ru.mu.Lock()
	ru.owners[key] = u
	ru.mu.Unlock()
	return u, nil
}

// serviceAccount reads a service account once per run; a failure is returned each time.
func (ru *run) serviceAccount(ctx context.Context, ns, name string) (*corev1.ServiceAccount, error) {
	key := ns + "/" + name
	ru.mu.Lock()
	sa, ok := ru.sas[key]
	ru.mu.Unlock()
	if ok {
		return sa, nil
	}
	sa, err := ru.r.cs.CoreV1().ServiceAccounts(ns).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return nil, err
	}
	ru.mu.Lock()
	ru.sas[key] = sa
	ru.mu.Unlock()
	return sa, nil
}

// selectedLabels returns the pod's labels that its controller's selector, the Services
// selecting it, and the other NetworkPolicies selecting it use, with their values.
func (ru *run) selectedLabels(ctx context.Context, pod *corev1.Pod) (map[string]string, error) {
	keys := map[string]bool{}
	for _, ref := range pod.OwnerReferences {
		if ref.Controller == nil || !*ref.Controller {
			continue
		}
		u, err := ru.owner(ctx, pod.Namespace, ref)
		if err != nil {
			if apierrors.IsNotFound(err) {
				continue // the owner is gone: it selects nothing
			}
			if apierrors.IsForbidden(err) {
				return nil, fmt.Errorf("reading the controller of pod %s: %w", podKey(pod), err)
			}
			// An owner kind eksguard does not know: its selector is unknown, so the labels
			// Services and policies use are removed all the same and a warning says so.
			ru.warn(fmt.Sprintf("pod %s: the selector of its controller %s %s is unknown (%v); its labels may still match it", podKey(pod), ref.Kind, ref.Name, err))
			continue
		}
		if ml, ok, _ := unstructured.NestedStringMap(u.Object, "spec", "selector", "matchLabels"); ok {
			for k := range ml {
				keys[k] = true
			}
		}
		if exprs, ok, _ := unstructured.NestedSlice(u.Object, "spec", "selector", "matchExpressions"); ok {
			for _, e := range exprs {
				if m, ok := e.(map[string]any); ok {
					if k, ok := m["key"].(string); ok {
						keys[k] = true
					}
				}
			}
		}
		if u.GetKind() == "ReplicationController" {
			if sel, ok, _ := unstructured.NestedStringMap(u.Object, "spec", "selector"); ok {
				for k := range sel {
					keys[k] = true
				}
			}
		}
	}
	view := ru.views[pod.Namespace]
	if view != nil {
		for i := range view.services {
			if serviceSelects(&view.services[i], pod.Labels) {
				for k := range view.services[i].Spec.Selector {
					keys[k] = true
				}
			}
		}
		for i := range view.policies {
			np := &view.policies[i]
			if strings.HasPrefix(np.Name, PolicyPrefix) || !policySelects(np, pod, pod.Labels) {
				continue
			}
			for k := range np.Spec.PodSelector.MatchLabels {
				keys[k] = true
			}
			for _, e := range np.Spec.PodSelector.MatchExpressions {
				keys[e.Key] = true
			}
		}
	}
	out := map[string]string{}
	for k := range keys {
		if v, ok := pod.Labels[k]; ok && k != QuarantineLabel {
			out[k] = v
		}
	}
	return out, nil
}

func (ru *run) warn(msg string) {
	ru.mu.Lock()
	ru.res.Warnings = append(ru.res.Warnings, msg)
	ru.mu.Unlock()
}

// warnings reports where the quarantine policy cannot isolate: no enforcing network plugin
// found, hostNetwork pods, and other policies that would still select a pod after
// relabelling and allow it traffic (NetworkPolicies add up; a deny-all cannot override).
func (ru *run) warnings(ctx context.Context, pods []corev1.Pod, p plan) {
	if msg := ru.r.enforcement(ctx); msg != "" {
		ru.warn(msg)
	}
	for i := range pods {
		pod := &pods[i]
		if pod.Spec.HostNetwork {
			ru.warn(fmt.Sprintf("pod %s uses the host network: a NetworkPolicy cannot isolate it; isolate the node (security groups) instead", podKey(pod)))
			continue
		}
		after := map[string]string{}
		for k, v := range pod.Labels {
			after[k] = v
		}
		for k := range p.removed[podKey(pod)] {
			delete(after, k)
		}
		after[QuarantineLabel] = ru.incident
		view := ru.views[pod.Namespace]
		for j := range view.policies {
			np := &view.policies[j]
			if strings.HasPrefix(np.Name, PolicyPrefix) {
				continue
			}
			cp, err := netpol.Compile(np)
			if err != nil || !cp.Selects(&netpol.Pod{Namespace: pod.Namespace, Name: pod.Name, Labels: after}) {
				continue
			}
			for _, d := range []netpol.Direction{netpol.Ingress, netpol.Egress} {
				if cp.Isolates(d) && len(cp.Rules(d)) > 0 {
					ru.warn(fmt.Sprintf("pod %s: NetworkPolicy %s/%s still selects it after relabelling and allows some %s; policies add up, so that traffic stays allowed", podKey(pod), np.Namespace, np.Name, d))
				}
			}
		}
	}
}

// enforcement looks for a NetworkPolicy-enforcing network plugin among the DaemonSets and
// returns a warning when there is no sign of one (or it cannot look).
func (r *Responder) enforcement(ctx context.Context) string {
	dss, err := r.cs.AppsV1().DaemonSets("").List(ctx, metav1.ListOptions{})
	if err != nil {
		return "could not look for a NetworkPolicy-enforcing network plugin (listing DaemonSets: " + err.Error() + "): isolation may not be enforced"
	}
	for _, ds := range dss.Items {
		for _, c := range ds.Spec.Template.Spec.Containers {
			switch c.Name {
			case "calico-node", "cilium-agent", "antrea-agent", "kube-router", "weave", "kube-network-policies":
				return ""
			case "aws-eks-nodeagent", "aws-network-policy-agent":
				for _, a := range c.Args {
					if a == "--enable-network-policy=true" {
						return ""
					}
				}
			}
		}
	}
	return "no sign of a NetworkPolicy-enforcing network plugin (no DaemonSet of Calico, Cilium, Antrea, kube-router, Weave Net, or the VPC CNI node agent with --enable-network-policy=true): the quarantine policy may not be enforced"
}

// whoAmI asks the API server who the client is (SelfSubjectReview).
func (r *Responder) whoAmI(ctx context.Context) string {
	ssr, err := r.cs.AuthenticationV1().SelfSubjectReviews().Create(ctx, &authenticationv1.SelfSubjectReview{}, metav1.CreateOptions{})
	if err != nil || ssr.Status.UserInfo.Username == "" {
		return "unknown"
	}
	return ssr.Status.UserInfo.Username
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}
