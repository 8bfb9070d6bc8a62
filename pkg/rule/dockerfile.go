package rule

import (
	"context"

	"github.com/eksguard/eksguard/pkg/finding"
	"github.com/eksguard/eksguard/pkg/target"
)

// Dockerfile adapts a check over Dockerfiles into a Rule. Meta.Target is set to dockerfile.
type Dockerfile struct {
	M  Meta
	Fn func(ctx context.Context, m *Meta, d *target.Dockerfile) []finding.Finding
}

// Meta implements Rule.
func (r *Dockerfile) Meta() *Meta { r.M.Target = target.KindDockerfile; return &r.M }

// Check implements Rule.
func (r *Dockerfile) Check(ctx context.Context, t target.Target) ([]finding.Finding, error) {
	d, ok := t.(*target.Dockerfile)
	if !ok {
		return nil, ErrNotApplicable
	}
	return r.Fn(ctx, r.Meta(), d), nil
}
