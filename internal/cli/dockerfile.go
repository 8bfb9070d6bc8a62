package cli

import (
	"os"
	"runtime/debug"

	"github.com/spf13/cobra"

	"github.com/eksguard/eksguard/pkg/source/manifest"
)

// newScanDockerfile is "eksguard scan dockerfile": the scan command reading only
// Dockerfiles.
func newScanDockerfile() *cobra.Command {
	c := newScanCmd(manifest.Dockerfiles)
	c.Use = "dockerfile [PATH|-]..."
	c.Short = "Lint Dockerfiles only (files, directories, stdin) against the dockerfile rules"
	c.Long = `Scan dockerfile reads only Dockerfiles: files named on the command line (or "-" for stdin)
whatever their names, and in directories the files named Dockerfile, *.Dockerfile, Dockerfile.*,
Containerfile, *.Containerfile and Containerfile.*. Instructions are parsed with BuildKit's
parser and RUN commands with a shell parser; findings carry file, line and stage.

Inline ignores: a comment "# eksguard ignore=RULE[,RULE] reason" on the line before an
instruction waives those rules for it; "# eksguard ignore-file=RULE[,RULE] reason" waives them
for the whole file. Exemptions in .eksguard.yaml match Dockerfiles with kind: Dockerfile and
name: a path pattern.

Exit status: 0 nothing at or above --fail-on, 1 findings at or above it, 2 usage or input errors.`
	c.Example = "  eksguard scan dockerfile .\n  eksguard scan dockerfile build/app.Dockerfile --format sarif\n  cat Dockerfile | eksguard scan dockerfile -"
	c.PreRun = func(*cobra.Command, []string) {
		// A Dockerfile is a few KiB and its model a few more: what a run keeps live is
		// mostly what the linked libraries allocate at start-up (about 5 MiB of AWS SDK
		// schemas), so a small soft limit keeps the process small for a little more
		// collection work (unless the user tuned the collector).
		if os.Getenv("GOGC") == "" && os.Getenv("GOMEMLIMIT") == "" {
			debug.SetMemoryLimit(dockerfileMemoryLimit)
		}
	}
	return c
}

// dockerfileMemoryLimit is the soft memory limit of "scan dockerfile".
const dockerfileMemoryLimit = 20 << 20
