package respond

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/eksguard/eksguard/pkg/detect"
	"github.com/eksguard/eksguard/pkg/detect/stream"
	"github.com/eksguard/eksguard/pkg/finding"
	irespond "github.com/eksguard/eksguard/pkg/respond"
)

// recorder is a responder that records the requests it gets.
type recorder struct{ reqs []Request }

func (r *recorder) Isolate(_ context.Context, req Request) (*Outcome, error) {
	r.reqs = append(r.reqs, req)
	return &Outcome{Summary: "recorded"}, nil
}

const plan = `
dedupWindow: 5m
maxResponsesPerMinute: 3
evidence: /var/lib/eksguard/evidence
rules:
  - rule: Terminal shell in container
    actions: [capture]
  - rule: Read sensitive file untrusted
    actions: [capture, isolate, cordon]
`

func alert(rule, ns, pod string) *stream.Alert {
	return &stream.Alert{Rule: &detect.Rule{Name: rule}, Output: "out", Subject: finding.Subject{Kind: "Pod", Namespace: ns, Name: pod}}
}

func TestDispatcher(t *testing.T) {
	p, err := Parse("plan.yaml", []byte(plan))
	if err != nil {
		t.Fatal(err)
	}
	if !p.DryRun || p.Window != 5*time.Minute || p.PerMinute != 3 {
		t.Fatalf("plan %+v", p)
	}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	rec := &recorder{}
	d := &Dispatcher{Plan: p, Responder: rec, Actor: "test", Now: func() time.Time { return now }}
	ctx := context.Background()
	if res := handle(ctx, d, alert("Other rule", "ns", "p")); res != nil {
		t.Fatalf("unplanned rule: %v", res)
	}
	res := handle(ctx, d, alert("Read sensitive file untrusted", "shop", "nginx-1"))
	if len(rec.reqs) != 1 || res[0].Err != nil {
		t.Fatalf("%v %+v", res, rec.reqs)
	}
	r := rec.reqs[0]
	if !r.DryRun || !r.Quarantine || !r.Cordon || r.Namespace != "shop" || r.Pod != "nginx-1" || r.Actor != "test" ||
		r.Evidence != "/var/lib/eksguard/evidence" || r.Incident != IncidentID("Read sensitive file untrusted", "shop", "nginx-1", now) ||
		!strings.HasPrefix(r.Incident, "rt-20260101-000000-") || irespond.ValidIncident(r.Incident) != nil {
		t.Fatalf("request %+v", r)
	}
	// The same rule on the same pod within the window is deduplicated; another pod is not.
	if res := handle(ctx, d, alert("Read sensitive file untrusted", "shop", "nginx-1")); !strings.HasPrefix(res[0].Skipped, "deduplicated") {
		t.Fatalf("%+v", res)
	}
	handle(ctx, d, alert("Terminal shell in container", "shop", "nginx-1"))
	if last := rec.reqs[len(rec.reqs)-1]; last.Quarantine || last.Cordon {
		t.Fatalf("capture only: %+v", last)
	}
	handle(ctx, d, alert("Terminal shell in container", "shop", "nginx-2"))
	// The fourth response within a minute is over the limit of 3.
	if res := handle(ctx, d, alert("Terminal shell in container", "shop", "nginx-3")); !strings.HasPrefix(res[0].Skipped, "rate limit") {
		t.Fatalf("%+v", res)
	}
	now = now.Add(6 * time.Minute)
	handle(ctx, d, alert("Read sensitive file untrusted", "shop", "nginx-1"))
	if len(rec.reqs) != 4 {
		t.Fatalf("%d requests, want 4", len(rec.reqs))
	}
	// No pod: nothing is done, and the result says why.
	host := &stream.Alert{Rule: &detect.Rule{Name: "Terminal shell in container"}, Subject: finding.Subject{Kind: "Process", Name: "bash[1]"}}
	if res := handle(ctx, d, host); res[0].Skipped == "" || len(rec.reqs) != 4 {
		t.Fatalf("%+v", res)
	}
}

func TestParseErrors(t *testing.T) {
	for in, want := range map[string]string{
		"":                                    "empty plan",
		"rules: []":                           "no rules",
		"rules: [{rule: a, actions: [nuke]}]": `unknown action "nuke"`,
		"rules: [{rule: a}]":                  "no actions",
		"dryrun: false\nrules: [{rule: a, actions: [capture]}]":                "field dryrun not found",
		"dedupWindow: soon\nrules: [{rule: a, actions: [capture]}]":            "dedupWindow",
		"rules: [{rule: a, actions: [capture]}, {rule: a, actions: [cordon]}]": "listed twice",
	} {
		if _, err := Parse("p.yaml", []byte(in)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Parse(%q) = %v, want %q", in, err, want)
		}
	}
}

func TestDescribeRefusesLive(t *testing.T) {
	if _, err := (Describe{}).Isolate(context.Background(), Request{DryRun: false}); err == nil {
		t.Fatal("live request accepted")
	}
}

// FuzzParse: any plan file parses or fails with an error, never a panic.
func FuzzParse(f *testing.F) {
	f.Add([]byte(plan))
	f.Add([]byte("dryRun: false\nrules: [{rule: x, actions: [isolate]}]"))
	f.Add([]byte("rules: {a: b}"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Parse("fuzz.yaml", data)
		if err == nil && (len(p.Rules) == 0 || p.PerMinute < 1) {
			t.Fatalf("accepted %+v", p)
		}
	})
}

// handle decides on one alert and carries the response out at once, as the sensor does on
// its responder goroutine; nil for a rule the plan does not name.
func handle(ctx context.Context, d *Dispatcher, a *stream.Alert) []Result {
	res, req := d.Decide(a)
	if res == nil {
		return nil
	}
	if req != nil {
		d.Do(ctx, res, req)
	}
	return []Result{*res}
}
