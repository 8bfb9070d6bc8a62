// Package respond maps runtime alerts to incident-response actions: a plan file names, per
// rule, what to do (capture evidence, isolate the pod, cordon the node); the dispatcher turns
// each alert into one request to a responder, dry-run unless the plan says otherwise, and
// deduplicated and rate-limited per pod so a burst of alerts is one response.
package respond

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/eksguard/eksguard/pkg/detect/stream"
)

// Actions a plan may name.
const (
	ActionCapture = "capture" // capture evidence only
	ActionIsolate = "isolate" // quarantine the pod (network isolation), after capture
	ActionCordon  = "cordon"  // cordon the pod's node, after capture
)

// Request is one response, in the shape of the incident-response command's request.
type Request struct {
	Namespace, Pod, Incident   string
	Quarantine, Cordon, DryRun bool
	Evidence, Actor, Reason    string
}

// Outcome is what a responder reports of one request.
type Outcome struct {
	Summary string
}

// Responder carries a request out; evidence is captured first, always.
type Responder interface {
	Isolate(ctx context.Context, req Request) (*Outcome, error)
}

// Rule is one entry of a plan.
type Rule struct {
	Rule    string   `yaml:"rule"`
	Actions []string `yaml:"actions"`
}

// Plan is a parsed response plan file.
type Plan struct {
	// DryRun defaults to true: actions are planned and journaled, not carried out.
	DryRun bool
	// Window: an alert of the same rule on the same pod within it is deduplicated.
	Window time.Duration
	// PerMinute caps the responses of the whole sensor per minute.
	PerMinute int
	Rules     map[string][]string
	Evidence  string
}

type planFile struct {
	DryRun    *bool  `yaml:"dryRun"`
	Window    string `yaml:"dedupWindow"`
	PerMinute *int   `yaml:"maxResponsesPerMinute"`
	Evidence  string `yaml:"evidence"`
	Rules     []Rule `yaml:"rules"`
}

// Parse reads a plan file (YAML), strictly: unknown keys and actions are errors naming the
// file and line.
func Parse(name string, data []byte) (*Plan, error) {
	var pf planFile
	dec := yaml.NewDecoder(strings.NewReader(string(data)))
	dec.KnownFields(true)
	if err := dec.Decode(&pf); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%s: empty plan", name)
		}
		return nil, fmt.Errorf("%s: %v", name, err)
	}
	p := &Plan{DryRun: true, Window: 10 * time.Minute, PerMinute: 10, Rules: map[string][]string{}, Evidence: pf.Evidence}
	if pf.DryRun != nil {
		p.DryRun = *pf.DryRun
	}
	if pf.Window != "" {
		d, err := time.ParseDuration(pf.Window)
		if err != nil || d < 0 {
			return nil, fmt.Errorf("%s: dedupWindow %q: want a duration such as 10m", name, pf.Window)
		}
		p.Window = d
	}
	if pf.PerMinute != nil {
		if *pf.PerMinute < 1 {
			return nil, fmt.Errorf("%s: maxResponsesPerMinute must be at least 1", name)
		}
		p.PerMinute = *pf.PerMinute
	}
	if len(pf.Rules) == 0 {
		return nil, fmt.Errorf("%s: no rules", name)
	}
	for i, r := range pf.Rules {
		if r.Rule == "" {
			return nil, fmt.Errorf("%s: rules[%d]: rule name missing", name, i)
		}
		if len(r.Actions) == 0 {
			return nil, fmt.Errorf("%s: rule %q: no actions", name, r.Rule)
		}
		for _, a := range r.Actions {
			switch a {
			case ActionCapture, ActionIsolate, ActionCordon:
			default:
				return nil, fmt.Errorf("%s: rule %q: unknown action %q (want capture, isolate or cordon)", name, r.Rule, a)
			}
		}
		if _, dup := p.Rules[r.Rule]; dup {
			return nil, fmt.Errorf("%s: rule %q is listed twice", name, r.Rule)
		}
		p.Rules[r.Rule] = r.Actions
	}
	return p, nil
}

// RuleNames lists the plan's rules, sorted.
func (p *Plan) RuleNames() []string {
	out := make([]string, 0, len(p.Rules))
	for n := range p.Rules {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Result is what the dispatcher did with one alert.
type Result struct {
	Rule, Namespace, Pod string
	Actions              []string
	DryRun               bool
	Skipped              string // why nothing was done (deduplicated, rate limit, no pod)
	Outcome              *Outcome
	Err                  error
}

func (r Result) String() string {
	who := r.Namespace + "/" + r.Pod
	if r.Pod == "" {
		who = "(no pod)"
	}
	switch {
	case r.Skipped != "":
		return fmt.Sprintf("rule %q on %s: %s", r.Rule, who, r.Skipped)
	case r.Err != nil:
		return fmt.Sprintf("rule %q on %s: %s failed: %v", r.Rule, who, strings.Join(r.Actions, "+"), r.Err)
	}
	mode := "done"
	if r.DryRun {
		mode = "dry-run"
	}
	s := fmt.Sprintf("rule %q on %s: %s (%s)", r.Rule, who, strings.Join(r.Actions, "+"), mode)
	if r.Outcome != nil && r.Outcome.Summary != "" {
		s += ": " + r.Outcome.Summary
	}
	return s
}

// Dispatcher sends the responses of a plan to a responder. It is safe for concurrent use.
type Dispatcher struct {
	Plan      *Plan
	Responder Responder
	Actor     string
	// Now is the clock (tests); nil is time.Now.
	Now func() time.Time

	mu     sync.Mutex
	last   map[string]time.Time // rule + pod -> last response
	minute time.Time
	count  int
}

// Do carries out a request Decide returned, recording the outcome in res. It may take as
// long as the API server does: callers that read events keep it off their path.
func (d *Dispatcher) Do(ctx context.Context, res *Result, req *Request) {
	res.Outcome, res.Err = d.Responder.Isolate(ctx, *req)
}

// Decide applies the plan, deduplication and the rate limit to one alert, at once: it
// returns nil for a rule the plan does not name, a result with Skipped set and no request
// when the alert is not answered, or a result and the request to carry out with Do.
func (d *Dispatcher) Decide(a *stream.Alert) (*Result, *Request) {
	actions, ok := d.Plan.Rules[a.Rule.Name]
	if !ok {
		return nil, nil
	}
	now := time.Now()
	if d.Now != nil {
		now = d.Now()
	}
	res := Result{Rule: a.Rule.Name, Actions: actions, DryRun: d.Plan.DryRun}
	if a.Subject.Kind == "Pod" {
		res.Namespace, res.Pod = a.Subject.Namespace, a.Subject.Name
	}
	if res.Pod == "" {
		res.Skipped = "no pod is known for the alert (host process, or pods not named: use --kubernetes)"
		return &res, nil
	}
	d.mu.Lock()
	if d.last == nil {
		d.last = map[string]time.Time{}
	}
	key := a.Rule.Name + "\x00" + res.Namespace + "/" + res.Pod
	if t, ok := d.last[key]; ok && now.Sub(t) < d.Plan.Window {
		d.mu.Unlock()
		res.Skipped = fmt.Sprintf("deduplicated (responded %s ago)", now.Sub(t).Round(time.Second))
		return &res, nil
	}
	if now.Sub(d.minute) >= time.Minute {
		d.minute, d.count = now, 0
	}
	if d.count >= d.Plan.PerMinute {
		d.mu.Unlock()
		res.Skipped = fmt.Sprintf("rate limit: %d responses this minute", d.count)
		return &res, nil
	}
	d.count++
	d.last[key] = now
	d.mu.Unlock()

	req := Request{Namespace: res.Namespace, Pod: res.Pod, DryRun: d.Plan.DryRun, Actor: d.Actor, Evidence: d.Plan.Evidence,
		Reason:   fmt.Sprintf("runtime alert %q: %s", a.Rule.Name, a.Output),
		Incident: IncidentID(a.Rule.Name, res.Namespace, res.Pod, now)}
	for _, act := range actions {
		switch act {
		case ActionIsolate:
			req.Quarantine = true
		case ActionCordon:
			req.Cordon = true
		}
	}
	return &res, &req
}

// IncidentID names the incident of one runtime response: "rt-", the UTC time and six hex
// digits of a hash of the rule, pod and time, such as rt-20261126-050000-3f9a1c (a valid
// incident ID for the incident-response commands: a DNS label of at most 40 characters).
func IncidentID(rule, namespace, pod string, now time.Time) string {
	h := sha256.Sum256([]byte(rule + "\x00" + namespace + "/" + pod + "\x00" + now.UTC().Format(time.RFC3339Nano)))
	return "rt-" + now.UTC().Format("20060102-150405") + "-" + hex.EncodeToString(h[:3])
}

// Describe is the responder of a sensor that does not talk to the API server: it describes
// a dry-run request and refuses a live one (live responses need the API server).
type Describe struct{}

// Isolate implements Responder.
func (Describe) Isolate(_ context.Context, req Request) (*Outcome, error) {
	what := []string{"capture evidence"}
	if req.Quarantine {
		what = append(what, "isolate pod")
	}
	if req.Cordon {
		what = append(what, "cordon node")
	}
	if !req.DryRun {
		return nil, errors.New("a live response needs the API server (run with --kubernetes)")
	}
	return &Outcome{Summary: fmt.Sprintf("would %s for incident %s", strings.Join(what, ", "), req.Incident)}, nil
}
