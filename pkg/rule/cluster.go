package rule

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/eksguard/eksguard/pkg/finding"
	"github.com/eksguard/eksguard/pkg/snapshot"
	"github.com/eksguard/eksguard/pkg/target"
)

// Cluster adapts a check over a whole snapshot (every object of a cluster or manifest set)
// into a Rule. Meta.Target is set to cluster. Inputs lists the snapshot kinds the check
// reads (snapshot.KindRole, ...): when one of them could not be read the rule reports an
// error naming it instead of passing, and a compliance view calls the rule not evaluated
// when the input holds none of them.
//
// Also lists kinds the check reads when present (a pod's ServiceAccount) without being
// about them: they too make the rule report an error when they could not be read, but a
// compliance view does not call the rule evaluated because of them.
type Cluster struct {
	M      Meta
	Inputs []string
	Also   []string
	Fn     func(ctx context.Context, m *Meta, s *snapshot.Snapshot) []finding.Finding
}

// Meta implements Rule.
func (r *Cluster) Meta() *Meta {
	if r.M.Target != target.KindCluster { // set once, when the registry is built: rules run concurrently
		r.M.Target = target.KindCluster
	}
	return &r.M
}

// InputKinds implements Inputter.
func (r *Cluster) InputKinds() []string { return r.Inputs }

// Check implements Rule.
func (r *Cluster) Check(ctx context.Context, t target.Target) ([]finding.Finding, error) {
	s, ok := t.(*snapshot.Snapshot)
	if !ok {
		return nil, ErrNotApplicable
	}
	var missing []string
	for _, k := range append(append([]string(nil), r.Inputs...), r.Also...) {
		if reason, skipped := s.Skipped(k); skipped {
			missing = append(missing, k+" ("+reason+")")
		}
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		return nil, fmt.Errorf("input kinds could not be read: %s", strings.Join(missing, "; "))
	}
	return r.Fn(ctx, r.Meta(), s), nil
}

// Inputter is implemented by rules that read declared snapshot kinds.
type Inputter interface {
	InputKinds() []string
}

// FailChain builds a failing finding on an object of the snapshot, with the subject ->
// binding -> role -> rule chain (or any other chain of objects) as evidence.
func (m *Meta) FailChain(t target.Target, path string, chain []string, msg string) finding.Finding {
	f := m.Fail(t, path, msg)
	if len(chain) > 0 {
		f.Evidence = map[string]string{"chain": strings.Join(chain, " -> ")}
	}
	return f
}
