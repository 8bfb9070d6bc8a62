package cli

import (
	"fmt"
	"io"

	"github.com/eksguard/eksguard/pkg/finding"
	"github.com/eksguard/eksguard/pkg/report"
)

// Input errors are reported once. Every report format with a summary (table, json, sarif,
// junit) lists them there, and the command's exit message only counts them and points to
// the report. A run whose stdout carries no summary (falco-json alerts, a CycloneDX SBOM)
// writes each one to stderr instead, with printInputError, and its exit message says so.

// printInputError writes one input error to stderr, made safe for a terminal.
func printInputError(stderr io.Writer, e finding.InputError) {
	fmt.Fprintln(stderr, "eksguard:", report.Sanitize(e.Error()))
}

// inputErrorsExit is the exit error of a run with n input errors (none: nil); listed says
// whether the report on stdout lists them, as opposed to stderr above.
func inputErrorsExit(n int, listed bool) error {
	if n == 0 {
		return nil
	}
	where := "listed in the report"
	if !listed {
		where = "listed above"
	}
	return &exitError{code: ExitUsage, err: fmt.Errorf("%d inputs could not be read (%s)", n, where)}
}

// listsInputErrors reports whether the format on stdout lists input errors.
func (o *outputFlags) listsInputErrors() bool { return o.format != alertFormat }
