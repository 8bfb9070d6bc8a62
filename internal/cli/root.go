// Package cli holds the cobra commands: it turns flags into wiring and holds no logic.
package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/pprof"

	"github.com/spf13/cobra"

	"github.com/eksguard/eksguard/pkg/report"
	// Output formats register themselves.
	_ "github.com/eksguard/eksguard/pkg/report/falcojson"
	_ "github.com/eksguard/eksguard/pkg/report/json"
	_ "github.com/eksguard/eksguard/pkg/report/junit"
	_ "github.com/eksguard/eksguard/pkg/report/sarif"
	_ "github.com/eksguard/eksguard/pkg/report/table"
)

// Exit codes.
const (
	ExitClean    = 0 // nothing at or above --fail-on
	ExitFindings = 1 // findings at or above --fail-on
	ExitUsage    = 2 // usage or input errors
)

// exitError carries an exit code through cobra.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }

func usageErr(format string, args ...any) error {
	return &exitError{code: ExitUsage, err: fmt.Errorf(format, args...)}
}

// Main runs the CLI and returns the process exit code.
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if file := os.Getenv("EKSGUARD_CPUPROFILE"); file != "" { // for developers
		if f, err := os.Create(file); err == nil && pprof.StartCPUProfile(f) == nil {
			defer f.Close()
			defer pprof.StopCPUProfile()
		}
	}
	root := newRoot(stdin, stdout, stderr)
	root.SetArgs(args)
	err := root.Execute()
	if err == nil {
		return ExitClean
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil && ee.code != ExitFindings {
			fmt.Fprintln(stderr, "eksguard:", ee.err)
		}
		return ee.code
	}
	fmt.Fprintln(stderr, "eksguard:", err)
	return ExitUsage
}

func newRoot(stdin io.Reader, stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:   "eksguard",
		Short: "Amazon EKS security best practices as software",
		Long: `eksguard checks Kubernetes manifests, worker nodes and the AWS account around a cluster
against the Amazon EKS security best practices, the CIS Amazon EKS Benchmark v1.8.0 and the
Pod Security Standards, finds known vulnerabilities from an offline OSV database, and runs
Falco-format detection rules over Kubernetes audit logs and CloudTrail.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       report.Version,
	}
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return &exitError{code: ExitUsage, err: fmt.Errorf("%w (see %s --help)", err, c.CommandPath())}
	})
	scan := newScan()
	scan.AddCommand(newScanNode(), newScanAWS())
	root.AddCommand(scan, newRules(), newReport(), newDB(), newDetect(), newAWS(), newImage(), newNetpol())
	root.AddCommand(newCompliance())
	root.AddCommand(newRespond())
	root.AddCommand(newWebhook(), newPolicy())
	return root
}
