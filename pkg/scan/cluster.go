package scan

import (
	"context"
	"time"

	"github.com/eksguard/eksguard/pkg/compliance"
	"github.com/eksguard/eksguard/pkg/engine"
	"github.com/eksguard/eksguard/pkg/finding"
	"github.com/eksguard/eksguard/pkg/report"
	"github.com/eksguard/eksguard/pkg/snapshot"
	"github.com/eksguard/eksguard/pkg/source/cluster"
	"github.com/eksguard/eksguard/pkg/target"
)

// Cluster is a scan of a live cluster: workload rules run on each page of workloads as
// it is read (streamed), every object goes into a snapshot, and the cluster-wide rules run
// on the snapshot once everything is read.
type Cluster struct {
	Source *cluster.Source
	// Name names the cluster in the report (the kubeconfig context, or the server URL).
	Name   string
	Engine *engine.Engine
	Header *report.Header
	// Expired exemptions to report.
	Expired []report.ExpiredExemption
	FailOn  finding.Severity
	// Compliance, when set, adds the benchmark's view of the run to the report.
	Compliance *compliance.Benchmark
	// PagesInFlight bounds the pages read but not yet checked (memory); 0 means 4.
	PagesInFlight int
}

// Run scans and writes the report. Kinds that could not be read, wholly or in part, are
// input errors of the report (the run exits 2): a partial read is never shown as
// complete. It returns an error when the API server cannot be reached at all.
func (c *Cluster) Run(ctx context.Context, w report.Writer) (*report.Summary, error) {
	start := time.Now()
	// An unreachable server is an error before any report is begun.
	if err := c.Source.Connect(ctx); err != nil {
		return nil, err
	}
	if err := w.Begin(c.Header); err != nil {
		return nil, err
	}
	sum := &report.Summary{Expired: c.Expired, FailOn: c.FailOn.String()}
	snap := snapshot.New()
	snap.Name = c.Name
	if c.Compliance != nil {
		w = WithCompliance(w, c.Compliance, c.Engine.Rules(), snap)
	}

	inFlight := c.PagesInFlight
	if inFlight <= 0 {
		inFlight = 4
	}
	sem := make(chan struct{}, inFlight)
	units := make(chan engine.Unit)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		res     *cluster.Result
		readErr error
	)
	go func() {
		defer close(units)
		res, readErr = c.Source.Read(ctx, func(page []cluster.Item) {
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				return
			}
			u := c.unit(page, snap, sem)
			select {
			case units <- u:
			case <-ctx.Done():
				<-sem
			}
		})
	}()
	err := c.Engine.Run(ctx, units, func(r engine.Result) error {
		sum.Stats.Stats.Add(r.Stats)
		r.Name = "" // live objects have no file
		return emitGroups(r, w, sum, c.FailOn)
	})
	if err != nil {
		cancel()
		for range units { // let the reader finish
		}
		return nil, err
	}
	if readErr != nil {
		return nil, readErr
	}
	sum.Errors = append(sum.Errors, RecordSkips(snap, res, c.Name)...)
	sum.Errors = append(sum.Errors, res.Errors...)
	if err := CheckSnapshot(ctx, c.Engine, snap, w, sum, c.FailOn); err != nil {
		return nil, err
	}
	if err := End(w, sum, start); err != nil {
		return nil, err
	}
	return sum, nil
}

// unit adds a page to the snapshot and checks its top-level workloads. The page is
// released as soon as it is checked.
func (c *Cluster) unit(page []cluster.Item, snap *snapshot.Snapshot, sem chan struct{}) engine.Unit {
	return engine.Unit{Load: func(check func(target.Target)) engine.Batch {
		defer func() { <-sem }()
		st := engine.Stats{Objects: len(page)}
		for i := range page {
			it := &page[i]
			w, ok := target.WorkloadOf(it.Object, target.Origin{})
			if !ok {
				snap.Add(it.Object, target.Origin{})
				continue
			}
			snap.AddTarget(w)
			if it.Owner != nil {
				continue // reported through its top-level owner
			}
			st.Workloads++
			check(w)
		}
		page = nil
		return engine.Batch{Stats: st}
	}}
}
