// Package scan wires a source, the engine and the reporters into one run.
package scan

import (
	"context"
	"io"
	"strings"
	"time"

	"github.com/eksguard/eksguard/pkg/compliance"
	"github.com/eksguard/eksguard/pkg/engine"
	"github.com/eksguard/eksguard/pkg/finding"
	"github.com/eksguard/eksguard/pkg/report"
	"github.com/eksguard/eksguard/pkg/snapshot"
	"github.com/eksguard/eksguard/pkg/source/dockerfile"
	"github.com/eksguard/eksguard/pkg/source/manifest"
	"github.com/eksguard/eksguard/pkg/target"
)

// Manifests is a scan of manifest files and directories.
type Manifests struct {
	Paths   []string
	Stdin   io.Reader
	Options manifest.Options
	// Select picks the kinds of files read in directories; zero means manifests and
	// Dockerfiles.
	Select manifest.Select
	// Dockerfiles are files read as Dockerfiles whatever their names (--dockerfile).
	Dockerfiles      []string
	DockerfileLimits dockerfile.Limits
	Engine           *engine.Engine
	Header           *report.Header
	// Expired exemptions to report.
	Expired []report.ExpiredExemption
	FailOn  finding.Severity
	// Compliance, when set, adds the benchmark's view of the run to the report.
	Compliance *compliance.Benchmark
}

// Run scans and writes the report; it returns the summary.
func (m *Manifests) Run(ctx context.Context, w report.Writer) (*report.Summary, error) {
	start := time.Now()
	if err := w.Begin(m.Header); err != nil {
		return nil, err
	}
	sum := &report.Summary{Expired: m.Expired, FailOn: m.FailOn.String()}
	snap := snapshot.New()
	snap.Name = strings.Join(m.Paths, ", ")
	if m.Compliance != nil {
		w = WithCompliance(w, m.Compliance, m.Engine.Rules(), snap)
	}
	// Without cluster-wide rules there is no snapshot to build: the kinds it indexes take
	// the fast path like any other object.
	cluster := false
	for _, r := range m.Engine.Rules() {
		cluster = cluster || r.Meta().Target == target.KindCluster
	}
	if !cluster {
		m.Options.SkipIndexed = true
	}
	units := make(chan engine.Unit)
	var walkErrs []finding.InputError
	go func() {
		defer close(units)
		sel := m.Select
		if sel == 0 {
			sel = manifest.Manifests | manifest.Dockerfiles
		}
		send := func(in manifest.Input) {
			select {
			case units <- m.unit(in, snap):
			case <-ctx.Done():
			}
		}
		if len(m.Paths) > 0 {
			walkErrs = manifest.WalkSelect(m.Paths, sel, send)
		}
		if len(m.Dockerfiles) > 0 {
			walkErrs = append(walkErrs, manifest.WalkSelect(m.Dockerfiles, manifest.Dockerfiles, send)...)
		}
	}()
	err := m.Engine.Run(ctx, units, func(r engine.Result) error {
		sum.Stats.Stats.Add(r.Stats)
		sum.Errors = append(sum.Errors, r.Errors...)
		return emitGroups(r, w, sum, m.FailOn)
	})
	if err != nil {
		return nil, err
	}
	// Cluster-wide rules run once every file is read.
	if err := CheckSnapshot(ctx, m.Engine, snap, w, sum, m.FailOn); err != nil {
		return nil, err
	}
	sum.Errors = append(sum.Errors, walkErrs...)
	if err := End(w, sum, start); err != nil {
		return nil, err
	}
	return sum, nil
}

func (m *Manifests) unit(in manifest.Input, snap *snapshot.Snapshot) engine.Unit {
	if in.Dockerfile {
		return m.dockerfileUnit(in)
	}
	return engine.Unit{Name: in.Name, Load: func(check func(target.Target)) engine.Batch {
		data, err := manifest.Read(in, m.Stdin, m.Options.Limits.MaxFileBytes)
		if err != nil {
			return engine.Batch{Errors: []finding.InputError{{Input: in.Name, Message: err.Error()}}, Stats: engine.Stats{Files: 1}}
		}
		res := manifest.LoadEach(in.Name, data, m.Options, func(t target.Target) {
			if !m.Options.SkipIndexed {
				collect(snap, t)
			}
			check(t)
		})
		st := engine.Stats{Files: 1, Documents: res.Documents, Objects: res.Objects, Workloads: res.Workloads}
		if res.NotKubernetes {
			st.NotKubernetes = 1
		}
		return engine.Batch{Errors: res.Errors, Stats: st}
	}}
}

// Collect adds what a target of the manifest source holds for cluster-wide rules to the
// snapshot, with a compact locator so that the snapshot keeps no parsed documents.
func Collect(snap *snapshot.Snapshot, t target.Target) { collect(snap, t) }

func collect(snap *snapshot.Snapshot, t target.Target) {
	switch o := t.(type) {
	case *target.Workload:
		// Cluster-wide rules point at the pod spec's own fields and the pod's labels.
		depth := max(len(target.SplitPath(o.SpecPath))+1, len(target.SplitPath(o.PodMetaPath))+2)
		c := *o
		c.Origin = manifest.CompactOrigin(c.Origin, depth)
		snap.AddTarget(&c)
	case *target.Object:
		if o.Typed != nil {
			c := *o
			c.Origin = manifest.CompactOrigin(c.Origin, objectDepth)
			snap.AddTarget(&c)
		}
	}
}

// objectDepth is how deep field positions of indexed objects are kept: deep enough for
// rules[i].verbs[j] and spec.ingress[i].from[j].podSelector.
const objectDepth = 7

// emitGroups splits a file's findings into consecutive groups by subject.
func emitGroups(r engine.Result, w report.Writer, sum *report.Summary, failOn finding.Severity) error {
	var g *report.Group
	for i := range r.Findings {
		f := &r.Findings[i]
		sum.Stats.Count(f)
		if f.Counts() && f.Severity >= failOn {
			sum.Failed = true
		}
		if g == nil || g.Subject != f.Subject {
			if g != nil {
				if err := w.Group(g); err != nil {
					return err
				}
			}
			g = &report.Group{File: r.Name, Subject: f.Subject}
		}
		g.Findings = append(g.Findings, *f)
	}
	if g != nil {
		return w.Group(g)
	}
	return nil
}

// dockerfileUnit reads one Dockerfile.
func (m *Manifests) dockerfileUnit(in manifest.Input) engine.Unit {
	lim := m.DockerfileLimits
	if lim.MaxFileBytes == 0 {
		lim = dockerfile.DefaultLimits()
	}
	return engine.Unit{Name: in.Name, Load: func(check func(target.Target)) engine.Batch {
		st := engine.Stats{Files: 1}
		data, err := manifest.Read(in, m.Stdin, lim.MaxFileBytes)
		if err != nil {
			return engine.Batch{Errors: []finding.InputError{{Input: in.Name, Message: err.Error()}}, Stats: st}
		}
		res := dockerfile.Parse(in.Name, data, lim)
		if res.Target != nil {
			st.Dockerfiles = 1
			if in.Name != "-" {
				res.Target.Context = dockerfile.ContextLoader(in.Name)
			}
			check(res.Target)
		}
		return engine.Batch{Errors: res.Errors, Stats: st}
	}}
}
