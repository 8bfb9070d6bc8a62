package scan

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/eksguard/eksguard/pkg/finding"
	"github.com/eksguard/eksguard/pkg/snapshot"
	"github.com/eksguard/eksguard/pkg/source/cluster"
	"github.com/eksguard/eksguard/pkg/source/manifest"
	"github.com/eksguard/eksguard/pkg/target"
)

// LoadSnapshot reads manifest files, directories and stdin ("-") into a snapshot without
// running any rule, for views over the whole input (eksguard netpol). Unreadable inputs
// are returned as errors; the snapshot holds everything that could be read.
func LoadSnapshot(paths []string, stdin io.Reader, opts manifest.Options) (*snapshot.Snapshot, []finding.InputError) {
	snap := snapshot.New()
	snap.Name = strings.Join(paths, ", ")
	var errs []finding.InputError
	walkErrs := manifest.Walk(paths, func(in manifest.Input) {
		data, err := manifest.Read(in, stdin, opts.Limits.MaxFileBytes)
		if err != nil {
			errs = append(errs, finding.InputError{Input: in.Name, Message: err.Error()})
			return
		}
		res := manifest.LoadEach(in.Name, data, opts, func(t target.Target) { collect(snap, t) })
		errs = append(errs, res.Errors...)
	})
	return snap, append(errs, walkErrs...)
}

// LoadClusterSnapshot reads a live cluster into a snapshot without running any rule.
// Kinds that could not be read whole are recorded in the snapshot (rules over them report
// an error) and returned as input errors; err is set only when the API server cannot be
// reached.
func LoadClusterSnapshot(ctx context.Context, src *cluster.Source, name string) (*snapshot.Snapshot, []finding.InputError, error) {
	snap := snapshot.New()
	snap.Name = name
	res, err := src.Read(ctx, func(page []cluster.Item) {
		for i := range page {
			snap.Add(page[i].Object, target.Origin{})
		}
	})
	if err != nil {
		return nil, nil, err
	}
	return snap, append(RecordSkips(snap, res, name), res.Errors...), nil
}

// RecordSkips marks the kinds a cluster read could not read whole as skipped in the
// snapshot and returns them as input errors.
func RecordSkips(snap *snapshot.Snapshot, res *cluster.Result, name string) []finding.InputError {
	var errs []finding.InputError
	for _, sk := range res.Skipped {
		snap.Skip(sk.Kind, sk.Reason)
		if cluster.IsWorkloadKind(sk.Kind) {
			snap.Skip(snapshot.KindWorkload, sk.Kind+" "+sk.Reason)
		}
		errs = append(errs, finding.InputError{
			Input:   fmt.Sprintf("%s in %s", sk.Kind, name),
			Message: "not read whole, its checks are incomplete: " + sk.Reason,
		})
	}
	return errs
}
