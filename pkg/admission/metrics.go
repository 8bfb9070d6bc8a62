package admission

import (
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Metrics are the webhook's Prometheus metrics, written in the text exposition format.
type Metrics struct {
	mu        sync.Mutex
	latency   map[string]*histogram // by endpoint
	decisions map[[2]string]uint64  // {mode, decision}
	rules     map[[2]string]uint64  // {rule, mode}
	failures  map[string]uint64     // reason: invalid, timeout
	bad       map[int]uint64        // HTTP status of requests that were no AdmissionReview
	patches   map[string]uint64     // mutation outcome: patched, unchanged, skipped

	failedOpen atomic.Uint64
	deadline   atomic.Uint64
}

// Latency buckets in seconds, fine below 10 ms where the webhook should answer.
var buckets = []float64{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5}

type histogram struct {
	counts []uint64 // per bucket, not cumulative; last is +Inf
	sum    float64
	n      uint64
}

// NewMetrics returns empty metrics.
func NewMetrics() *Metrics {
	return &Metrics{
		latency: map[string]*histogram{}, decisions: map[[2]string]uint64{}, rules: map[[2]string]uint64{},
		failures: map[string]uint64{}, bad: map[int]uint64{}, patches: map[string]uint64{},
	}
}

// Observe records one request's latency.
func (m *Metrics) Observe(endpoint string, d time.Duration) {
	s := d.Seconds()
	i := sort.SearchFloat64s(buckets, s)
	m.mu.Lock()
	h := m.latency[endpoint]
	if h == nil {
		h = &histogram{counts: make([]uint64, len(buckets)+1)}
		m.latency[endpoint] = h
	}
	h.counts[i]++
	h.sum += s
	h.n++
	m.mu.Unlock()
}

// Decision counts one decision in a mode.
func (m *Metrics) Decision(mode Mode, decision string) {
	m.mu.Lock()
	m.decisions[[2]string{string(mode), decision}]++
	m.mu.Unlock()
}

// RuleFailed counts one failed rule in a mode.
func (m *Metrics) RuleFailed(id string, mode Mode) {
	m.mu.Lock()
	m.rules[[2]string{id, string(mode)}]++
	m.mu.Unlock()
}

// Failure counts a request that could not be evaluated.
func (m *Metrics) Failure(reason string) {
	m.mu.Lock()
	m.failures[reason]++
	m.mu.Unlock()
}

// BadRequest counts a body that was no AdmissionReview.
func (m *Metrics) BadRequest(status int) {
	m.mu.Lock()
	m.bad[status]++
	m.mu.Unlock()
}

// Patch counts one mutating decision.
func (m *Metrics) Patch(outcome string) {
	m.mu.Lock()
	m.patches[outcome]++
	m.mu.Unlock()
}

// FailedOpen counts a request admitted unchecked: a security control that failed open is
// an alert, never silent.
func (m *Metrics) FailedOpen() { m.failedOpen.Add(1) }

// DeadlineExceeded counts an evaluation that missed its deadline.
func (m *Metrics) DeadlineExceeded() { m.deadline.Add(1) }

// ServeHTTP writes the metrics.
func (m *Metrics) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	m.Write(w)
}

// Write writes the metrics in the Prometheus text format.
func (m *Metrics) Write(w io.Writer) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var b strings.Builder
	b.WriteString("# HELP eksguard_webhook_request_duration_seconds Time to answer one admission request.\n")
	b.WriteString("# TYPE eksguard_webhook_request_duration_seconds histogram\n")
	for _, ep := range slices.Sorted(maps.Keys(m.latency)) {
		h := m.latency[ep]
		var cum uint64
		for i, le := range buckets {
			cum += h.counts[i]
			fmt.Fprintf(&b, "eksguard_webhook_request_duration_seconds_bucket{endpoint=%q,le=%q} %d\n", ep, strconv.FormatFloat(le, 'g', -1, 64), cum)
		}
		cum += h.counts[len(buckets)]
		fmt.Fprintf(&b, "eksguard_webhook_request_duration_seconds_bucket{endpoint=%q,le=\"+Inf\"} %d\n", ep, cum)
		fmt.Fprintf(&b, "eksguard_webhook_request_duration_seconds_sum{endpoint=%q} %s\n", ep, strconv.FormatFloat(h.sum, 'g', -1, 64))
		fmt.Fprintf(&b, "eksguard_webhook_request_duration_seconds_count{endpoint=%q} %d\n", ep, h.n)
	}
	b.WriteString("# HELP eksguard_webhook_decisions_total Admission decisions by namespace mode and outcome.\n")
	b.WriteString("# TYPE eksguard_webhook_decisions_total counter\n")
	for _, k := range sortedPairs(m.decisions) {
		fmt.Fprintf(&b, "eksguard_webhook_decisions_total{mode=%q,decision=%q} %d\n", k[0], k[1], m.decisions[k])
	}
	b.WriteString("# HELP eksguard_webhook_rule_failures_total Failed rules in admission requests by rule and mode.\n")
	b.WriteString("# TYPE eksguard_webhook_rule_failures_total counter\n")
	for _, k := range sortedPairs(m.rules) {
		fmt.Fprintf(&b, "eksguard_webhook_rule_failures_total{rule=%q,mode=%q} %d\n", k[0], k[1], m.rules[k])
	}
	b.WriteString("# HELP eksguard_webhook_evaluation_failures_total Requests that could not be evaluated (invalid object, deadline).\n")
	b.WriteString("# TYPE eksguard_webhook_evaluation_failures_total counter\n")
	for _, k := range slices.Sorted(maps.Keys(m.failures)) {
		fmt.Fprintf(&b, "eksguard_webhook_evaluation_failures_total{reason=%q} %d\n", k, m.failures[k])
	}
	b.WriteString("# HELP eksguard_webhook_bad_requests_total Bodies that were no AdmissionReview, by HTTP status answered.\n")
	b.WriteString("# TYPE eksguard_webhook_bad_requests_total counter\n")
	codes := make([]int, 0, len(m.bad))
	for c := range m.bad {
		codes = append(codes, c)
	}
	sort.Ints(codes)
	for _, c := range codes {
		fmt.Fprintf(&b, "eksguard_webhook_bad_requests_total{code=\"%d\"} %d\n", c, m.bad[c])
	}
	b.WriteString("# HELP eksguard_webhook_mutations_total Mutating decisions by outcome.\n")
	b.WriteString("# TYPE eksguard_webhook_mutations_total counter\n")
	for _, k := range slices.Sorted(maps.Keys(m.patches)) {
		fmt.Fprintf(&b, "eksguard_webhook_mutations_total{outcome=%q} %d\n", k, m.patches[k])
	}
	b.WriteString("# HELP eksguard_webhook_failed_open_total Requests admitted without a complete evaluation (fail open, or not enforced).\n")
	b.WriteString("# TYPE eksguard_webhook_failed_open_total counter\n")
	fmt.Fprintf(&b, "eksguard_webhook_failed_open_total %d\n", m.failedOpen.Load())
	b.WriteString("# HELP eksguard_webhook_deadline_exceeded_total Evaluations that missed the per-request deadline.\n")
	b.WriteString("# TYPE eksguard_webhook_deadline_exceeded_total counter\n")
	fmt.Fprintf(&b, "eksguard_webhook_deadline_exceeded_total %d\n", m.deadline.Load())
	io.WriteString(w, b.String())
}

func sortedPairs(m map[[2]string]uint64) [][2]string {
	out := make([][2]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i][0] != out[j][0] {
			return out[i][0] < out[j][0]
		}
		return out[i][1] < out[j][1]
	})
	return out
}
