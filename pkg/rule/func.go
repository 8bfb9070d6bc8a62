package rule

import (
	"context"

	"github.com/eksguard/eksguard/pkg/finding"
	"github.com/eksguard/eksguard/pkg/target"
)

// Workload adapts a check over workloads into a Rule. Meta.Target is set to workload.
type Workload struct {
	M  Meta
	Fn func(ctx context.Context, m *Meta, w *target.Workload) []finding.Finding
}

// Meta implements Rule.
func (r *Workload) Meta() *Meta {
	if r.M.Target != target.KindWorkload { // set once, when the registry is built: rules run concurrently
		r.M.Target = target.KindWorkload
	}
	return &r.M
}

// Check implements Rule.
func (r *Workload) Check(ctx context.Context, t target.Target) ([]finding.Finding, error) {
	w, ok := t.(*target.Workload)
	if !ok {
		return nil, ErrNotApplicable
	}
	return r.Fn(ctx, r.Meta(), w), nil
}

// Object adapts a check over any Kubernetes object into a Rule. Meta.Target is set to object.
type Object struct {
	M  Meta
	Fn func(ctx context.Context, m *Meta, t target.Target, o *target.Object) []finding.Finding
}

// Meta implements Rule.
func (r *Object) Meta() *Meta {
	if r.M.Target != target.KindObject { // set once, when the registry is built: rules run concurrently
		r.M.Target = target.KindObject
	}
	return &r.M
}

// Check implements Rule.
func (r *Object) Check(ctx context.Context, t target.Target) ([]finding.Finding, error) {
	o, ok := t.(target.Objecter)
	if !ok {
		return nil, ErrNotApplicable
	}
	return r.Fn(ctx, r.Meta(), t, o.AsObject()), nil
}
