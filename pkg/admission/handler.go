package admission

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/valyala/fastjson"
	admissionv1 "k8s.io/api/admission/v1"
	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	sigsjson "sigs.k8s.io/json"

	"github.com/eksguard/eksguard/pkg/config"
	"github.com/eksguard/eksguard/pkg/engine"
	"github.com/eksguard/eksguard/pkg/finding"
	"github.com/eksguard/eksguard/pkg/rule"
	"github.com/eksguard/eksguard/pkg/target"
	"github.com/eksguard/eksguard/rules/pss"
)

// ReviewAPIVersion is the only AdmissionReview version the webhook speaks.
const ReviewAPIVersion = "admission.k8s.io/v1"

// maxInflight bounds the evaluations that may still run after their request's deadline
// answered: beyond it a request gets the timeout decision at once.
const maxInflight = 1024

// Limits on what a response carries, so a pod with thousands of failing containers gets a
// bounded answer.
const (
	maxListed       = 20   // failed findings listed in a message
	maxWarnings     = 20   // warnings returned
	maxWarningBytes = 256  // bytes per warning
	maxMessageBytes = 8192 // bytes of a deny message or audit annotation
)

// Handler answers AdmissionReviews. It is safe for concurrent use.
type Handler struct {
	cfg      *Config
	eng      *engine.Engine
	metrics  *Metrics
	inflight chan struct{}
	workers  *workers
	// fixes holds each rule's remediation on one line, for deny messages.
	fixes map[string]string
}

// SelectRules picks the rules the webhook runs from reg: the config's selection, kept to
// the rules that see one object at a time (workload and object rules), as scan runs them.
func SelectRules(cfg *Config, reg *rule.Registry) ([]rule.Rule, error) {
	rules, err := reg.Select(rule.Selector{Include: cfg.Rules.Include, Exclude: cfg.Rules.Exclude})
	if err != nil {
		return nil, err
	}
	return rule.OfKinds(rules, target.KindWorkload, target.KindObject), nil
}

// Settings are the rule settings of the config.
func Settings(cfg *Config) (rule.Settings, error) {
	s := rule.DefaultSettings()
	s.AllowedRegistries = cfg.AllowedRegistries
	if cfg.PSS.Level != "" {
		s.PSSLevel = cfg.PSS.Level
	}
	if cfg.PSS.Version != "" {
		s.PSSVersion = cfg.PSS.Version
	}
	if _, err := pss.ParseLevelVersion(s.PSSLevel, s.PSSVersion); err != nil {
		return s, err
	}
	return s, nil
}

// NewHandler builds a handler that runs rules under cfg and records into m (a new set of
// metrics when nil).
func NewHandler(cfg *Config, rules []rule.Rule, m *Metrics) (*Handler, error) {
	s, err := Settings(cfg)
	if err != nil {
		return nil, err
	}
	if m == nil {
		m = NewMetrics()
	}
	fixes := map[string]string{}
	for _, r := range rules {
		fixes[r.Meta().ID] = oneLine(r.Meta().Remediation)
	}
	return &Handler{
		fixes:    fixes,
		cfg:      cfg,
		eng:      engine.New(rules, s, exempter{&cfg.Config}),
		metrics:  m,
		inflight: make(chan struct{}, maxInflight),
		workers:  newWorkers(),
	}, nil
}

// Metrics returns the handler's metrics.
func (h *Handler) Metrics() *Metrics { return h.metrics }

// exempter applies the config's exemptions at the time of each request, so that an
// exemption expires while the server runs.
type exempter struct{ cfg *config.Config }

func (x exempter) Exempt(f *finding.Finding, t target.Target) *finding.Suppression {
	if len(x.cfg.Exemptions) == 0 && !x.cfg.AnnotationExemptions {
		return nil
	}
	return config.NewExempter(x.cfg, time.Now()).Exempt(f, t)
}

// ServeValidate is the validating endpoint. label is the mode the namespace's
// eksguard.io/mode label asks for ("" when the request came through the webhook for
// unlabelled namespaces).
func (h *Handler) ServeValidate(w http.ResponseWriter, r *http.Request, label Mode) {
	start := time.Now()
	endpoint := "validate"
	body, status, err := h.readBody(w, r)
	var review *admissionv1.AdmissionReview
	var resp *admissionv1.AdmissionResponse
	if err == nil {
		review, resp, err = h.review(r.Context(), body, label)
		status = http.StatusBadRequest
	}
	if err != nil {
		h.metrics.BadRequest(status)
		http.Error(w, err.Error(), status)
		h.metrics.Observe(endpoint, time.Since(start))
		return
	}
	h.write(w, review.Request.UID, resp)
	h.metrics.Observe(endpoint, time.Since(start))
}

// review decodes a review body and decides it, both on a worker (their deep stacks stay
// there), within the config's deadline. A body that is no AdmissionReview is an error. At
// the deadline the answer is the timeout decision, once the review is decoded (decoding is
// bounded by the body's size limit), since the answer must carry the request's UID.
func (h *Handler) review(ctx context.Context, body []byte, label Mode) (*admissionv1.AdmissionReview, *admissionv1.AdmissionResponse, error) {
	ctx, cancel := context.WithTimeout(ctx, h.cfg.Timeout.Duration)
	defer cancel()
	type decoded struct {
		review *admissionv1.AdmissionReview
		err    error
	}
	type decision struct {
		resp   *admissionv1.AdmissionResponse
		record func()
	}
	select {
	case h.inflight <- struct{}{}:
	default:
		review, err := DecodeReview(body)
		if err != nil {
			return nil, nil, err
		}
		return review, h.notStarted(review.Request, label), nil
	}
	dec := make(chan decoded, 1)
	done := make(chan decision, 1)
	h.workers.do(func() {
		defer func() { <-h.inflight }()
		review, err := DecodeReview(body)
		dec <- decoded{review, err}
		if err != nil {
			return
		}
		resp, record := h.decide(ctx, review.Request, label)
		done <- decision{resp, record}
	})
	d := <-dec
	if d.err != nil {
		return nil, nil, d.err
	}
	select {
	case r := <-done:
		r.record()
		return d.review, r.resp, nil
	case <-ctx.Done():
		return d.review, h.timedOut(d.review.Request, label), nil
	}
}

// ServeMutate is the mutating endpoint.
func (h *Handler) ServeMutate(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	review, status, err := h.read(w, r)
	if err != nil {
		h.metrics.BadRequest(status)
		http.Error(w, err.Error(), status)
		h.metrics.Observe("mutate", time.Since(start))
		return
	}
	resp := h.Mutate(review.Request)
	h.write(w, review.Request.UID, resp)
	h.metrics.Observe("mutate", time.Since(start))
}

// read checks and decodes one AdmissionReview request body. An error comes with the HTTP
// status to answer: a body that is no AdmissionReview has no UID to answer to, so the API
// server applies the webhook's failurePolicy.
func (h *Handler) read(w http.ResponseWriter, r *http.Request) (*admissionv1.AdmissionReview, int, error) {
	body, status, err := h.readBody(w, r)
	if err != nil {
		return nil, status, err
	}
	review, err := DecodeReview(body)
	if err != nil {
		return nil, http.StatusBadRequest, err
	}
	return review, http.StatusOK, nil
}

// readBody checks a request and reads its body, within the size limit.
func (h *Handler) readBody(w http.ResponseWriter, r *http.Request) ([]byte, int, error) {
	if r.Method != http.MethodPost {
		return nil, http.StatusMethodNotAllowed, fmt.Errorf("method %s: the webhook takes POST", r.Method)
	}
	if ct := r.Header.Get("Content-Type"); ct != "" {
		if mt, _, err := mime.ParseMediaType(ct); err != nil || mt != "application/json" {
			return nil, http.StatusUnsupportedMediaType, fmt.Errorf("content type %q: the webhook takes application/json", ct)
		}
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, h.cfg.MaxBodyBytes))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, http.StatusRequestEntityTooLarge, fmt.Errorf("AdmissionReview body over the %d-byte limit", h.cfg.MaxBodyBytes)
		}
		return nil, http.StatusBadRequest, fmt.Errorf("reading the AdmissionReview body: %v", err)
	}
	return body, http.StatusOK, nil
}

// DecodeReview decodes an AdmissionReview envelope: JSON with case-sensitive field names
// and no duplicate keys, admission.k8s.io/v1, with a request and a UID. Unknown fields are
// tolerated, so a newer API server is not locked out. The object inside stays raw.
//
// Only the fields the webhook reads are decoded (uid, kind, name, namespace, operation,
// subResource, object, oldObject); the others (userInfo, resource, options, ...) are
// validated as JSON and skipped. A body up to fastEnvelopeMax is read with a parser that
// builds no Go values by reflection (a third of the webhook's CPU went to decoding before);
// it builds a tree of the whole body, so a larger body, whose tree could take many times its
// size, is decoded into the envelope's fields by reflection instead. Either way the object
// is decoded strictly, into its type, by DecodeObject.
func DecodeReview(body []byte) (*admissionv1.AdmissionReview, error) {
	if len(body) > fastEnvelopeMax {
		return decodeReviewLarge(body)
	}
	if err := fastjson.ValidateBytes(body); err != nil {
		return nil, fmt.Errorf("AdmissionReview is not valid JSON: %v", err)
	}
	p := reviewParsers.Get()
	defer reviewParsers.Put(p)
	v, err := p.ParseBytes(body)
	if err != nil {
		return nil, fmt.Errorf("AdmissionReview is not valid JSON: %v", err)
	}
	top, err := envelopeObject(v, "AdmissionReview")
	if err != nil {
		return nil, err
	}
	apiVersion, err1 := envelopeString(top, "apiVersion")
	kind, err2 := envelopeString(top, "kind")
	if err := errors.Join(err1, err2); err != nil {
		return nil, err
	}
	if apiVersion != ReviewAPIVersion || kind != "AdmissionReview" {
		return nil, fmt.Errorf("unsupported review %q kind %q: the webhook speaks %s AdmissionReview (set admissionReviewVersions: [v1])",
			apiVersion, kind, ReviewAPIVersion)
	}
	rv := top.Get("request")
	if rv == nil || rv.Type() == fastjson.TypeNull {
		return nil, errors.New("AdmissionReview has no request")
	}
	r, err := envelopeObject(rv, "request")
	if err != nil {
		return nil, err
	}
	req := &admissionv1.AdmissionRequest{}
	var uid, op string
	var errs []error
	for _, f := range []struct {
		name string
		to   *string
	}{{"uid", &uid}, {"name", &req.Name}, {"namespace", &req.Namespace}, {"operation", &op}, {"subResource", &req.SubResource}} {
		var err error
		*f.to, err = envelopeString(r, f.name)
		errs = append(errs, err)
	}
	req.UID, req.Operation = types.UID(uid), admissionv1.Operation(op)
	if kv := r.Get("kind"); kv != nil && kv.Type() != fastjson.TypeNull {
		k, err := envelopeObject(kv, "request.kind")
		if err != nil {
			return nil, err
		}
		for _, f := range []struct {
			name string
			to   *string
		}{{"group", &req.Kind.Group}, {"version", &req.Kind.Version}, {"kind", &req.Kind.Kind}} {
			var err error
			*f.to, err = envelopeString(k, f.name)
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if req.UID == "" {
		return nil, errors.New("AdmissionReview request has no uid")
	}
	// The objects are copied out: the parser's values live until its next use.
	for _, o := range []struct {
		name string
		to   *runtime.RawExtension
	}{{"object", &req.Object}, {"oldObject", &req.OldObject}} {
		if ov := r.Get(o.name); ov != nil && ov.Type() != fastjson.TypeNull {
			o.to.Raw = ov.MarshalTo(make([]byte, 0, len(body)))
		}
	}
	return &admissionv1.AdmissionReview{TypeMeta: metav1.TypeMeta{APIVersion: apiVersion, Kind: kind}, Request: req}, nil
}

// fastEnvelopeMax is the largest body DecodeReview parses into a tree: Pod reviews are a
// few KiB; the tree of 64 KiB is a few MiB at worst (an array of one-digit numbers).
const fastEnvelopeMax = 64 << 10

var reviewParsers fastjson.ParserPool

// decodeReviewLarge is DecodeReview by reflection, for bodies over fastEnvelopeMax. The
// objects are slices of body, not copies.
func decodeReviewLarge(body []byte) (*admissionv1.AdmissionReview, error) {
	var env reviewEnvelope
	strict, err := sigsjson.UnmarshalStrict(body, &env, sigsjson.DisallowDuplicateFields)
	if err != nil {
		return nil, fmt.Errorf("AdmissionReview is not valid JSON: %v", err)
	}
	if len(strict) > 0 {
		return nil, fmt.Errorf("AdmissionReview: %v", strict[0])
	}
	if env.APIVersion != ReviewAPIVersion || env.Kind != "AdmissionReview" {
		return nil, fmt.Errorf("unsupported review %q kind %q: the webhook speaks %s AdmissionReview (set admissionReviewVersions: [v1])",
			env.APIVersion, env.Kind, ReviewAPIVersion)
	}
	r := env.Request
	if r == nil {
		return nil, errors.New("AdmissionReview has no request")
	}
	if r.UID == "" {
		return nil, errors.New("AdmissionReview request has no uid")
	}
	return &admissionv1.AdmissionReview{
		TypeMeta: metav1.TypeMeta{APIVersion: env.APIVersion, Kind: env.Kind},
		Request: &admissionv1.AdmissionRequest{
			UID: r.UID, Kind: r.Kind, Name: r.Name, Namespace: r.Namespace, Operation: r.Operation, SubResource: r.SubResource,
			Object: runtime.RawExtension{Raw: r.Object}, OldObject: runtime.RawExtension{Raw: r.OldObject},
		},
	}, nil
}

// reviewEnvelope is the part of an AdmissionReview the webhook reads, with the field names
// and types of admissionv1.AdmissionReview.
type reviewEnvelope struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Request    *struct {
		UID         types.UID               `json:"uid"`
		Kind        metav1.GroupVersionKind `json:"kind"`
		SubResource string                  `json:"subResource"`
		Name        string                  `json:"name"`
		Namespace   string                  `json:"namespace"`
		Operation   admissionv1.Operation   `json:"operation"`
		Object      rawJSON                 `json:"object"`
		OldObject   rawJSON                 `json:"oldObject"`
	} `json:"request"`
}

// rawJSON keeps a JSON value as the slice of the input it was read from; null is nil, as
// for runtime.RawExtension.
type rawJSON []byte

func (r *rawJSON) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*r = nil
		return nil
	}
	*r = b
	return nil
}

// envelopeObject is v as an object whose keys are all distinct.
func envelopeObject(v *fastjson.Value, where string) (*fastjson.Object, error) {
	o, err := v.Object()
	if err != nil {
		return nil, fmt.Errorf("AdmissionReview: %s is %s, want an object", where, v.Type())
	}
	var dup string
	seen := make(map[string]struct{}, o.Len())
	o.Visit(func(key []byte, _ *fastjson.Value) {
		if _, ok := seen[string(key)]; ok && dup == "" {
			dup = string(key)
		}
		seen[string(key)] = struct{}{}
	})
	if dup != "" {
		return nil, fmt.Errorf("AdmissionReview: duplicate field %q in %s", truncate(dup, 64), where)
	}
	return o, nil
}

// envelopeString is the string at key: "" when absent or null (as encoding/json leaves a
// string field), an error when of another type.
func envelopeString(o *fastjson.Object, key string) (string, error) {
	v := o.Get(key)
	if v == nil || v.Type() == fastjson.TypeNull {
		return "", nil
	}
	b, err := v.StringBytes()
	if err != nil {
		return "", fmt.Errorf("AdmissionReview: %s is %s, want a string", key, v.Type())
	}
	return string(b), nil
}

// DecodeObject decodes the object of a request into its typed workload: kind and version
// must be one the webhook checks. ok is false (with no error) for kinds that carry no pod
// spec. Duplicate keys are an error; unknown fields are tolerated.
func DecodeObject(kind metav1.GroupVersionKind, raw []byte) (obj runtime.Object, ok bool, err error) {
	apiVersion := kind.Version
	if kind.Group != "" {
		apiVersion = kind.Group + "/" + kind.Version
	}
	wk, known := target.LookupWorkloadKind(apiVersion, kind.Kind)
	if !known {
		return nil, false, nil
	}
	if kind.Version != "v1" {
		return nil, false, fmt.Errorf("%s %s: unsupported version (the webhook checks %s v1; register it with matchPolicy: Equivalent)", apiVersion, kind.Kind, kind.Kind)
	}
	if len(raw) == 0 {
		return nil, false, fmt.Errorf("%s %s: the request carries no object", apiVersion, kind.Kind)
	}
	obj = wk.New()
	strict, err := sigsjson.UnmarshalStrict(raw, obj, sigsjson.DisallowDuplicateFields)
	if err != nil {
		return nil, false, fmt.Errorf("%s %s: cannot decode the object: %v", apiVersion, kind.Kind, err)
	}
	if len(strict) > 0 {
		return nil, false, fmt.Errorf("%s %s: %v", apiVersion, kind.Kind, strict[0])
	}
	return obj, true, nil
}

// Validate decides one request, on a worker, within the config's deadline.
func (h *Handler) Validate(ctx context.Context, req *admissionv1.AdmissionRequest, label Mode) *admissionv1.AdmissionResponse {
	ctx, cancel := context.WithTimeout(ctx, h.cfg.Timeout.Duration)
	defer cancel()
	select {
	case h.inflight <- struct{}{}:
	default:
		return h.notStarted(req, label)
	}
	type decision struct {
		resp   *admissionv1.AdmissionResponse
		record func()
	}
	done := make(chan decision, 1)
	h.workers.do(func() {
		defer func() { <-h.inflight }()
		resp, record := h.decide(ctx, req, label)
		done <- decision{resp, record}
	})
	select {
	case r := <-done:
		r.record()
		return r.resp
	case <-ctx.Done():
		return h.timedOut(req, label)
	}
}

// notStarted decides a request when maxInflight evaluations still run past their deadline.
func (h *Handler) notStarted(req *admissionv1.AdmissionRequest, label Mode) *admissionv1.AdmissionResponse {
	h.metrics.DeadlineExceeded()
	resp, record := h.failure(h.cfg.ModeFor(req.Namespace, label), "timeout",
		fmt.Sprintf("evaluation not started: %d evaluations still running past their deadline", maxInflight))
	record()
	return resp
}

// timedOut decides a request whose evaluation did not finish within the deadline. The
// evaluation goes on (rules cannot be stopped) and counts nothing when it ends; it holds
// its worker and a place in maxInflight until then.
func (h *Handler) timedOut(req *admissionv1.AdmissionRequest, label Mode) *admissionv1.AdmissionResponse {
	h.metrics.DeadlineExceeded()
	resp, record := h.failure(h.cfg.ModeFor(req.Namespace, label), "timeout",
		fmt.Sprintf("evaluation did not finish within %v", h.cfg.Timeout.Duration))
	record()
	return resp
}

// decide decides a request: the metrics of the decision are recorded when the caller calls
// record, so an evaluation that ends after its deadline counts nothing.
func (h *Handler) decide(ctx context.Context, req *admissionv1.AdmissionRequest, label Mode) (*admissionv1.AdmissionResponse, func()) {
	mode := h.cfg.ModeFor(req.Namespace, label)
	if mode == ModeOff {
		return allow(), func() { h.metrics.Decision(ModeOff, "skipped") }
	}
	// Deletes and connects carry no new object; only pods' ephemeral containers
	// subresource changes a pod spec. An operation the API does not define is an invalid
	// request, decided as one.
	switch req.Operation {
	case admissionv1.Create, admissionv1.Update:
	case admissionv1.Delete, admissionv1.Connect:
		return allow(), func() { h.metrics.Decision(mode, "skipped") }
	default:
		return h.failure(mode, "invalid", fmt.Sprintf("unknown operation %q", truncate(string(req.Operation), 64)))
	}
	if req.SubResource != "" && req.SubResource != "ephemeralcontainers" {
		return allow(), func() { h.metrics.Decision(mode, "skipped") }
	}
	obj, ok, err := DecodeObject(req.Kind, req.Object.Raw)
	if err != nil {
		return h.failure(mode, "invalid", "could not read the object: "+err.Error())
	}
	if !ok {
		return allow(), func() { h.metrics.Decision(mode, "skipped") }
	}
	wl, _ := target.WorkloadOf(obj, target.Origin{})
	if wl.Meta.Namespace == "" {
		wl.Meta.Namespace = req.Namespace
	}
	if wl.Meta.Name == "" {
		wl.Meta.Name = req.Name
	}
	if wl.Meta.Name == "" {
		if m, ok := obj.(metav1.Object); ok && m.GetGenerateName() != "" {
			wl.Meta.Name = m.GetGenerateName() + "*"
		}
	}
	// An update that leaves the pod spec as it was (labels, status, finalizers, scale)
	// is not re-judged: objects admitted before a rule changed stay manageable.
	if req.Operation == admissionv1.Update && len(req.OldObject.Raw) > 0 {
		if old, ok, err := DecodeObject(req.Kind, req.OldObject.Raw); err == nil && ok {
			if ow, _ := target.WorkloadOf(old, target.Origin{}); ow != nil && apiequality.Semantic.DeepEqual(ow.Spec, wl.Spec) {
				return allow(), func() { h.metrics.Decision(mode, "unchanged") }
			}
		}
	}
	fs := h.eng.Check(ctx, wl)
	var failed []finding.Finding
	for _, f := range fs {
		if f.Counts() && f.Severity >= h.cfg.failOn {
			failed = append(failed, f)
		}
	}
	sort.SliceStable(failed, func(i, j int) bool { return failed[i].Severity > failed[j].Severity })
	record := func(decision string) func() {
		return func() {
			for _, f := range failed {
				h.metrics.RuleFailed(f.RuleID, mode)
			}
			h.metrics.Decision(mode, decision)
		}
	}
	if len(failed) == 0 {
		return allow(), record("allowed")
	}
	subject := wl.Kind + " " + wl.Meta.Namespace + "/" + wl.Meta.Name
	switch mode {
	case ModeEnforce:
		return deny(denyMessage(subject, failed, h.fixes)), record("denied")
	case ModeWarn:
		resp := allow()
		resp.Warnings = warnings(failed)
		return resp, record("warned")
	default:
		resp := allow()
		resp.AuditAnnotations = auditAnnotations(mode, failed)
		return resp, record("audited")
	}
}

// failure decides a request the webhook could not evaluate: denied in enforce mode unless
// the config fails open; admitted with a warning otherwise. Either way it is counted.
// The metrics are recorded when the caller calls record.
func (h *Handler) failure(mode Mode, reason, msg string) (resp *admissionv1.AdmissionResponse, record func()) {
	msg = "eksguard: " + msg
	if mode == ModeEnforce && !h.cfg.FailOpen {
		return deny(msg + " (denied: the webhook fails closed in enforce mode)"), func() {
			h.metrics.Failure(reason)
			h.metrics.Decision(mode, "denied")
		}
	}
	resp = allow()
	resp.Warnings = []string{truncate(msg+" (admitted unchecked)", maxWarningBytes)}
	resp.AuditAnnotations = map[string]string{"error": truncate(msg, maxMessageBytes), "mode": string(mode)}
	return resp, func() {
		h.metrics.Failure(reason)
		h.metrics.FailedOpen()
		h.metrics.Decision(mode, "allowed")
	}
}

func allow() *admissionv1.AdmissionResponse { return &admissionv1.AdmissionResponse{Allowed: true} }

func deny(msg string) *admissionv1.AdmissionResponse {
	return &admissionv1.AdmissionResponse{Allowed: false, Result: &metav1.Status{
		Status: metav1.StatusFailure, Code: http.StatusForbidden, Reason: metav1.StatusReasonForbidden,
		Message: truncate(msg, maxMessageBytes),
	}}
}

// denyMessage lists each failed rule with what failed and its fix.
func denyMessage(subject string, failed []finding.Finding, fixes map[string]string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "eksguard denied %s: %d failed %s", subject, len(failed), plural(len(failed), "check", "checks"))
	given := map[string]bool{}
	for i, f := range failed {
		if i == maxListed {
			fmt.Fprintf(&b, "\n... and %d more", len(failed)-maxListed)
			break
		}
		fmt.Fprintf(&b, "\n- [%s] %s", f.RuleID, f.Message)
		if f.Location.Path != "" {
			fmt.Fprintf(&b, " (%s)", f.Location.Path)
		}
		if !given[f.RuleID] {
			given[f.RuleID] = true
			if fix := fixes[f.RuleID]; fix != "" {
				b.WriteString(". Fix: " + fix)
			}
		}
	}
	return b.String()
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// oneLine folds a multi-line remediation (text and a YAML snippet) onto one line.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

func warnings(failed []finding.Finding) []string {
	var out []string
	for i, f := range failed {
		if i == maxWarnings-1 && len(failed) > maxWarnings {
			out = append(out, fmt.Sprintf("eksguard: %d more failed checks", len(failed)-i))
			break
		}
		out = append(out, truncate(fmt.Sprintf("eksguard [%s] %s", f.RuleID, f.Message), maxWarningBytes))
	}
	return out
}

// auditAnnotations are added to the audit event; the API server prefixes each key with the
// webhook's name.
func auditAnnotations(mode Mode, failed []finding.Finding) map[string]string {
	ids := make([]string, 0, len(failed))
	seen := map[string]bool{}
	var msgs []string
	for _, f := range failed {
		if !seen[f.RuleID] {
			seen[f.RuleID] = true
			ids = append(ids, f.RuleID)
		}
		msgs = append(msgs, "["+f.RuleID+"] "+f.Message)
	}
	return map[string]string{
		"mode":         string(mode),
		"failed-rules": truncate(strings.Join(ids, ","), maxMessageBytes),
		"findings":     truncate(strings.Join(msgs, "; "), maxMessageBytes),
	}
}

// truncate cuts s to at most n bytes on a rune boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n - len("...")
	for cut > 0 && (s[cut]&0xC0) == 0x80 {
		cut--
	}
	return s[:cut] + "..."
}

// write answers a review.
func (h *Handler) write(w http.ResponseWriter, uid types.UID, resp *admissionv1.AdmissionResponse) {
	resp.UID = uid
	out := admissionv1.AdmissionReview{
		TypeMeta: metav1.TypeMeta{APIVersion: ReviewAPIVersion, Kind: "AdmissionReview"},
		Response: resp,
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(&out)
}

// podOf returns a request's Pod, for the mutating endpoint.
func podOf(req *admissionv1.AdmissionRequest) (*corev1.Pod, error) {
	obj, ok, err := DecodeObject(req.Kind, req.Object.Raw)
	if err != nil {
		return nil, err
	}
	p, isPod := obj.(*corev1.Pod)
	if !ok || !isPod {
		return nil, nil
	}
	return p, nil
}
