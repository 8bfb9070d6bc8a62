package respond

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"

	ir "github.com/eksguard/eksguard/pkg/respond"
)

// Live carries requests out through the incident-response commands (pkg/respond): the same
// evidence bundle, quarantine, cordon and journal as `eksguard respond isolate`, so
// `eksguard respond release INCIDENT` undoes a runtime response like a manual one.
type Live struct {
	Responder *ir.Responder
}

// Isolate implements Responder. A plan's evidence setting names the directory that receives
// one bundle per incident (eksguard-evidence-INCIDENT.tar.gz); empty, the bundles go to the
// working directory.
func (l Live) Isolate(ctx context.Context, req Request) (*Outcome, error) {
	r := ir.Request{Namespace: req.Namespace, Pod: req.Pod, Incident: req.Incident,
		Quarantine: req.Quarantine, Cordon: req.Cordon, DryRun: req.DryRun,
		Actor: req.Actor, Reason: req.Reason}
	if req.Evidence != "" {
		r.Evidence = filepath.Join(req.Evidence, "eksguard-evidence-"+req.Incident+".tar.gz")
	}
	res, err := l.Responder.Isolate(ctx, r)
	if res == nil {
		return nil, err
	}
	return &Outcome{Summary: summarize(res)}, err
}

// summarize says in one line what a response did (or, dry, would do).
func summarize(res *ir.Result) string {
	var b strings.Builder
	fmt.Fprintf(&b, "incident %s", res.Incident)
	steps, verb := res.Steps, "done"
	if res.DryRun {
		steps, verb = res.NotDone, "planned"
	}
	var acts []string
	for _, s := range steps {
		acts = append(acts, s.Action+" "+s.Object)
	}
	if len(acts) > 0 {
		fmt.Fprintf(&b, "; %s: %s", verb, strings.Join(acts, ", "))
	}
	if !res.DryRun {
		for _, s := range res.NotDone {
			fmt.Fprintf(&b, "; not done: %s %s", s.Action, s.Object)
			if s.Error != "" {
				fmt.Fprintf(&b, " (%s)", s.Error)
			}
		}
	}
	if res.Bundle != "" {
		fmt.Fprintf(&b, "; evidence %s (manifest sha256 %s)", res.Bundle, res.ManifestSHA256)
	}
	for _, w := range res.Warnings {
		fmt.Fprintf(&b, "; warning: %s", w)
	}
	return b.String()
}
