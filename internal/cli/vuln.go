package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/eksguard/eksguard/pkg/bounded"
	"github.com/eksguard/eksguard/pkg/finding"
	"github.com/eksguard/eksguard/pkg/inventory"
	"github.com/eksguard/eksguard/pkg/inventory/gobinary"
	"github.com/eksguard/eksguard/pkg/report"
	"github.com/eksguard/eksguard/pkg/rule"
	"github.com/eksguard/eksguard/pkg/vuln"
	"github.com/eksguard/eksguard/pkg/vuln/match"
	"github.com/eksguard/eksguard/pkg/vuln/vex"
)

// vulnFlags are the flags of every command that matches vulnerabilities.
type vulnFlags struct {
	out    outputFlags
	vulnDB vulnDBFlags
	failOn string
}

// vulnDBFlags choose the database and filter its findings; `scan image` shares them.
type vulnDBFlags struct {
	dbDir         string
	maxAge        time.Duration
	severity      []string
	ignoreUnfixed bool
	vexFile       string
}

func (v *vulnFlags) register(c *cobra.Command) {
	v.out.register(c)
	v.vulnDB.register(c)
	failOnFlag(c, &v.failOn, "a vulnerability (unknown severity counts as critical)")
}

func (v *vulnDBFlags) register(c *cobra.Command) {
	c.Flags().StringVar(&v.dbDir, "db", "", "vulnerability database directory (default: the user cache directory's eksguard/db)")
	c.Flags().DurationVar(&v.maxAge, "db-max-age", vuln.DefaultMaxAge, "warn when the database is older than this (0 never warns)")
	c.Flags().StringSliceVar(&v.severity, "severity", nil, "report only these vulnerability severities: unknown, low, medium, high, critical (default all)")
	c.Flags().BoolVar(&v.ignoreUnfixed, "ignore-unfixed", false, "leave out vulnerabilities with no fixed version published")
	c.Flags().StringVar(&v.vexFile, "vex", "", "OpenVEX JSON file: not_affected and fixed statements suppress findings, with their reason")
}

// options turns the flags into vuln.Options; errors are usage errors.
func (v *vulnDBFlags) options() (vuln.Options, error) {
	opts := vuln.Options{DBDir: v.dbDir, MaxAge: v.maxAge, IgnoreUnfixed: v.ignoreUnfixed}
	if v.maxAge == 0 {
		opts.MaxAge = -1
	}
	if len(v.severity) > 0 {
		opts.Severities = map[finding.Severity]bool{}
		for _, s := range v.severity {
			if strings.EqualFold(strings.TrimSpace(s), "unknown") {
				opts.Severities[finding.SeverityUnknown] = true
				continue
			}
			sev, err := finding.ParseSeverity(s)
			if err != nil || sev > finding.SeverityCritical {
				return opts, usageErr("--severity %q: want unknown, low, medium, high or critical", s)
			}
			opts.Severities[sev] = true
		}
	}
	if v.vexFile != "" {
		doc, err := vex.Load(v.vexFile)
		if err != nil {
			return opts, usageErr("--vex: %v", err)
		}
		opts.VEX = doc
	}
	return opts, nil
}

// input is one inventory to match and what it came from.
type vulnInput struct {
	name    string
	subject finding.Subject
	inv     *inventory.Inventory
	goos    string // for Go binaries: the GOOS they were built for
}

// run matches every input and writes one report.
func (v *vulnFlags) run(cmd *cobra.Command, subject string, inputs []vulnInput, inputErrs []finding.InputError, names []string) error {
	start := time.Now()
	// main raises GOGC for the short-lived garbage of manifest scans; matching keeps the
	// decoded records and findings live, so Go's default pacing keeps the peak near the
	// live heap (about a third less memory on 10,000 packages, the same time).
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(100)
	}
	opts, err := v.vulnDB.options()
	if err != nil {
		return err
	}
	threshold, err := finding.ParseSeverity(v.failOn)
	if err != nil {
		return usageErr("--fail-on: %v", err)
	}
	sc, err := vuln.Open(opts)
	if err != nil {
		return &exitError{code: ExitUsage, err: err}
	}
	defer sc.Close()
	stderr := cmd.ErrOrStderr()
	for _, w := range sc.Warnings {
		fmt.Fprintln(stderr, "eksguard: warning:", w)
	}
	w, err := v.out.open(cmd.OutOrStdout())
	if err != nil {
		return err
	}
	defer w.Close()
	info := sc.DB.Info()
	h := &report.Header{Tool: report.Tool, Version: report.Version, Started: start.UTC(), Inputs: names,
		Rules: []*rule.Meta{match.Meta},
		Settings: map[string]string{
			"vulnerability-db": fmt.Sprintf("%s (%d records, updated %s)", sc.DB.Path(), info.Records, info.Updated.Format(time.RFC3339)),
			"ignore-unfixed":   fmt.Sprint(v.vulnDB.ignoreUnfixed),
		}}
	if len(v.vulnDB.severity) > 0 {
		h.Settings["severity"] = strings.Join(v.vulnDB.severity, ",")
	}
	if err := w.Begin(h); err != nil {
		return err
	}
	sum := &report.Summary{FailOn: threshold.String(), Errors: inputErrs}
	sum.Stats.InputErrors = len(inputErrs)
	sum.Stats.Subject = subject
	for _, in := range inputs {
		plat := match.Platform{GOOS: "linux"}
		if in.goos != "" {
			plat.GOOS = in.goos
		}
		rep, err := sc.ScanPlatform(in.inv, in.subject, plat)
		if err != nil {
			return &exitError{code: ExitUsage, err: err}
		}
		for _, n := range rep.Notes {
			fmt.Fprintf(stderr, "eksguard: %s: %s\n", in.name, n)
		}
		for i := range rep.Findings {
			f := &rep.Findings[i]
			sum.Stats.Count(f)
			if f.Counts() && f.Status == finding.StatusFail && (f.Severity >= threshold || (f.Severity == finding.SeverityUnknown && threshold <= finding.SeverityCritical)) {
				sum.Failed = true
			}
		}
		sum.Stats.Files++
		sum.Stats.Objects += len(in.inv.Packages)
		if err := w.Group(&report.Group{Subject: in.subject, Findings: rep.Findings}); err != nil {
			return err
		}
	}
	sum.Duration = time.Since(start)
	if err := w.End(sum); err != nil {
		return err
	}
	return finish(sum, nil, w)
}

func newScanBinary() *cobra.Command {
	var v vulnFlags
	c := &cobra.Command{
		Use:   "binary PATH...",
		Short: "Find known vulnerabilities in Go binaries (files, or directories searched for them)",
		Long: `Reads each Go binary's build information (Go version and module versions) and matches it against
the local vulnerability database (see 'eksguard db'): the standard library from the Go version,
modules from the build information. Like govulncheck -mode binary without symbol tables: whether
the vulnerable symbols are reachable is not analysed, and each finding says so.

Exit status: 0 nothing at or above --fail-on, 1 vulnerabilities at or above it, 2 usage or input
errors (including no database: run 'eksguard db update' first).`,
		Example: "  eksguard scan binary ./myapp\n  eksguard scan binary /usr/local/bin --severity high,critical --ignore-unfixed",
		Args:    cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var inputs []vulnInput
			var errs []finding.InputError
			for _, arg := range args {
				st, err := os.Stat(arg)
				if err != nil {
					errs = append(errs, finding.InputError{Input: arg, Message: err.Error()})
					continue
				}
				if !st.IsDir() {
					b, err := gobinary.ReadBinaryFile(arg)
					if err != nil {
						errs = append(errs, finding.InputError{Input: arg, Message: err.Error()})
						continue
					}
					inputs = append(inputs, binaryInput(arg, b))
					continue
				}
				// A directory: every regular file that is a Go binary; others are not errors.
				before := len(inputs)
				werr := filepath.WalkDir(arg, func(p string, d fs.DirEntry, err error) error {
					if err != nil {
						errs = append(errs, finding.InputError{Input: p, Message: err.Error()})
						return nil
					}
					if !d.Type().IsRegular() {
						return nil
					}
					b, err := gobinary.ReadBinaryFile(p)
					if err != nil {
						if !errors.Is(err, gobinary.ErrNotGo) {
							errs = append(errs, finding.InputError{Input: p, Message: err.Error()})
						}
						return nil
					}
					inputs = append(inputs, binaryInput(p, b))
					return nil
				})
				if werr != nil {
					errs = append(errs, finding.InputError{Input: arg, Message: werr.Error()})
				}
				if len(inputs) == before { // say so rather than report an empty result
					fmt.Fprintf(cmd.ErrOrStderr(), "eksguard: %s: no Go binaries found\n", arg)
				}
			}
			return v.run(cmd, report.SubjectBinary, inputs, errs, args)
		},
	}
	v.register(c)
	return c
}

func binaryInput(path string, b *gobinary.Binary) vulnInput {
	return vulnInput{name: path, subject: finding.Subject{Image: path}, inv: &inventory.Inventory{Packages: b.Packages}, goos: b.GOOS}
}

// maxInventoryBytes bounds an inventory JSON file.
const maxInventoryBytes = 256 << 20

func readInventory(path string, stdin io.Reader) (*inventory.Inventory, error) {
	var r io.Reader = stdin
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r = f
	}
	data, err := bounded.ReadAll(r, maxInventoryBytes)
	if err != nil {
		return nil, fmt.Errorf("inventory: %w", err)
	}
	var inv inventory.Inventory
	if err := json.Unmarshal(data, &inv); err != nil {
		return nil, fmt.Errorf("not an inventory JSON document: %w", err)
	}
	for i, p := range inv.Packages {
		if p.Type == "" || p.Name == "" {
			return nil, fmt.Errorf("packages[%d]: type and name are required", i)
		}
	}
	return &inv, nil
}
