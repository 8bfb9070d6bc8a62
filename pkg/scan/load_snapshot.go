package scan

import (
	"io"
	"strings"

	"github.com/eksguard/eksguard/pkg/finding"
	"github.com/eksguard/eksguard/pkg/snapshot"
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
