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
	review, status, err := h.read(w, r)
	if err != nil {
		h.metrics.BadRequest(status)
		http.Error(w, err.Error(), status)
		h.metrics.Observe(endpoint, time.Since(start))
		return
	}
	resp := h.Validate(r.Context(), review.Request, label)
	h.write(w, review.Request.UID, resp)
	h.metrics.Observe(endpoint, time.Since(start))
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
	review, err := DecodeReview(body)
	if err != nil {
		return nil, http.StatusBadRequest, err
	}
	return review, http.StatusOK, nil
}

// DecodeReview decodes an AdmissionReview envelope: JSON with case-sensitive field names
// and no duplicate keys, admission.k8s.io/v1, with a request and a UID. Unknown fields are
// tolerated, so a newer API server is not locked out. The object inside stays raw.
func DecodeReview(body []byte) (*admissionv1.AdmissionReview, error) {
	var review admissionv1.AdmissionReview
	strict, err := sigsjson.UnmarshalStrict(body, &review, sigsjson.DisallowDuplicateFields)
	if err != nil {
		return nil, fmt.Errorf("AdmissionReview is not valid JSON: %v", err)
	}
	if len(strict) > 0 {
		return nil, fmt.Errorf("AdmissionReview: %v", strict[0])
	}
	if review.APIVersion != ReviewAPIVersion || review.Kind != "AdmissionReview" {
		return nil, fmt.Errorf("unsupported review %q kind %q: the webhook speaks %s AdmissionReview (set admissionReviewVersions: [v1])",
			review.APIVersion, review.Kind, ReviewAPIVersion)
	}
	if review.Request == nil {
		return nil, errors.New("AdmissionReview has no request")
	}
	if review.Request.UID == "" {
		return nil, errors.New("AdmissionReview request has no uid")
	}
	return &review, nil
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

// Validate decides one request.
func (h *Handler) Validate(ctx context.Context, req *admissionv1.AdmissionRequest, label Mode) *admissionv1.AdmissionResponse {
	mode := h.cfg.ModeFor(req.Namespace, label)
	if mode == ModeOff {
		h.metrics.Decision(ModeOff, "skipped")
		return allow()
	}
	// Deletes and connects carry no new object; only pods' ephemeral containers
	// subresource changes a pod spec. An operation the API does not define is an invalid
	// request, decided as one.
	switch req.Operation {
	case admissionv1.Create, admissionv1.Update:
	case admissionv1.Delete, admissionv1.Connect:
		h.metrics.Decision(mode, "skipped")
		return allow()
	default:
		return h.failure(mode, "invalid", fmt.Sprintf("unknown operation %q", truncate(string(req.Operation), 64)))
	}
	if req.SubResource != "" && req.SubResource != "ephemeralcontainers" {
		h.metrics.Decision(mode, "skipped")
		return allow()
	}
	obj, ok, err := DecodeObject(req.Kind, req.Object.Raw)
	if err != nil {
		return h.failure(mode, "invalid", "could not read the object: "+err.Error())
	}
	if !ok {
		h.metrics.Decision(mode, "skipped")
		return allow()
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
				h.metrics.Decision(mode, "unchanged")
				return allow()
			}
		}
	}
	fs, err := h.check(ctx, wl)
	if err != nil {
		h.metrics.DeadlineExceeded()
		return h.failure(mode, "timeout", err.Error())
	}
	var failed []finding.Finding
	for _, f := range fs {
		if f.Counts() && f.Severity >= h.cfg.failOn {
			failed = append(failed, f)
		}
	}
	sort.SliceStable(failed, func(i, j int) bool { return failed[i].Severity > failed[j].Severity })
	for _, f := range failed {
		h.metrics.RuleFailed(f.RuleID, mode)
	}
	if len(failed) == 0 {
		h.metrics.Decision(mode, "allowed")
		return allow()
	}
	subject := wl.Kind + " " + wl.Meta.Namespace + "/" + wl.Meta.Name
	switch mode {
	case ModeEnforce:
		h.metrics.Decision(mode, "denied")
		return deny(denyMessage(subject, failed, h.fixes))
	case ModeWarn:
		h.metrics.Decision(mode, "warned")
		resp := allow()
		resp.Warnings = warnings(failed)
		return resp
	default:
		h.metrics.Decision(mode, "audited")
		resp := allow()
		resp.AuditAnnotations = auditAnnotations(mode, failed)
		return resp
	}
}

// check runs the rules on one workload within the config's deadline. A rule that does not
// finish in time leaves its goroutine behind (rules cannot be stopped), bounded by
// maxInflight.
func (h *Handler) check(ctx context.Context, wl *target.Workload) ([]finding.Finding, error) {
	ctx, cancel := context.WithTimeout(ctx, h.cfg.Timeout.Duration)
	defer cancel()
	select {
	case h.inflight <- struct{}{}:
	default:
		return nil, fmt.Errorf("evaluation not started: %d evaluations still running past their deadline", maxInflight)
	}
	done := make(chan []finding.Finding, 1)
	go func() {
		defer func() { <-h.inflight }()
		done <- h.eng.Check(ctx, wl)
	}()
	select {
	case fs := <-done:
		return fs, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("evaluation did not finish within %v", h.cfg.Timeout.Duration)
	}
}

// failure decides a request the webhook could not evaluate: denied in enforce mode unless
// the config fails open; admitted with a warning otherwise. Either way it is counted.
func (h *Handler) failure(mode Mode, reason, msg string) *admissionv1.AdmissionResponse {
	h.metrics.Failure(reason)
	msg = "eksguard: " + msg
	if mode == ModeEnforce && !h.cfg.FailOpen {
		h.metrics.Decision(mode, "denied")
		return deny(msg + " (denied: the webhook fails closed in enforce mode)")
	}
	h.metrics.FailedOpen()
	h.metrics.Decision(mode, "allowed")
	resp := allow()
	resp.Warnings = []string{truncate(msg+" (admitted unchecked)", maxWarningBytes)}
	resp.AuditAnnotations = map[string]string{"error": truncate(msg, maxMessageBytes), "mode": string(mode)}
	return resp
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
