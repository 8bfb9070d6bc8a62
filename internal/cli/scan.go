package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/mattn/go-isatty"
	"github.com/spf13/cobra"

	"github.com/eksguard/eksguard/pkg/config"
	"github.com/eksguard/eksguard/pkg/engine"
	"github.com/eksguard/eksguard/pkg/finding"
	"github.com/eksguard/eksguard/pkg/report"
	"github.com/eksguard/eksguard/pkg/rule"
	"github.com/eksguard/eksguard/pkg/scan"
	"github.com/eksguard/eksguard/pkg/source/manifest"
	"github.com/eksguard/eksguard/pkg/target"
	"github.com/eksguard/eksguard/rules/all"
	"github.com/eksguard/eksguard/rules/pss"
)

// outputFlags are the flags every command that writes a report shares.
type outputFlags struct {
	format         string
	outputs        []string
	color          string
	showSuppressed bool
	formats        []string // the formats this command offers
}

// alertFormat writes detection alerts only: every other finding would be left out of it.
const alertFormat = "falco-json"

// register registers the output flags of a command that reports findings: every format but
// the alert-only one, and --show-exempted.
func (o *outputFlags) register(c *cobra.Command) {
	for _, n := range report.Names() {
		if n != alertFormat {
			o.formats = append(o.formats, n)
		}
	}
	o.registerFormats(c)
	c.Flags().BoolVar(&o.showSuppressed, "show-exempted", false, "list exempted findings in the table format")
}

// registerAll registers the output flags with every format, the alert-only one included,
// and --show-exempted only when findings can be exempted.
func (o *outputFlags) registerAll(c *cobra.Command, exempted bool) {
	o.formats = report.Names()
	o.registerFormats(c)
	if exempted {
		c.Flags().BoolVar(&o.showSuppressed, "show-exempted", false, "list exempted findings in the table format")
	}
}

func (o *outputFlags) registerFormats(c *cobra.Command) {
	c.Flags().StringVarP(&o.format, "format", "f", "table", "output format on stdout: "+strings.Join(o.formats, ", "))
	c.Flags().StringArrayVarP(&o.outputs, "output", "o", nil, "also write FORMAT=FILE (repeatable), e.g. -o sarif=eksguard.sarif")
	c.Flags().StringVar(&o.color, "color", "auto", "colour in the table format: auto (only on a terminal), always, never")
}

// lookup finds a format this command offers.
func (o *outputFlags) lookup(name string) (report.Format, error) {
	if name == alertFormat && !slices.Contains(o.formats, name) {
		return report.Format{}, fmt.Errorf("%s holds detection alerts only (eksguard detect); this command reports findings: use one of %s", name, strings.Join(o.formats, ", "))
	}
	return report.Lookup(name)
}

// failOnFlag registers --fail-on (default low); what names what is counted ("a finding").
func failOnFlag(c *cobra.Command, p *string, what string) {
	c.Flags().StringVar(p, "fail-on", "low", "exit 1 when "+what+" is at or above this severity: info, low, medium, high, critical, none")
}

// newHeader starts a report header: the inputs, the rules' metadata sorted by ID, settings.
func newHeader(inputs []string, metas []*rule.Meta, settings map[string]string) *report.Header {
	sort.Slice(metas, func(i, j int) bool { return metas[i].ID < metas[j].ID })
	return &report.Header{Tool: report.Tool, Version: report.Version, Started: time.Now().UTC(), Inputs: inputs, Rules: metas, Settings: settings}
}

// metasOf returns the rules' metadata.
func metasOf(rules []rule.Rule) []*rule.Meta {
	out := make([]*rule.Meta, 0, len(rules))
	for _, r := range rules {
		out = append(out, r.Meta())
	}
	return out
}

// outputs is the set of report writers of a run and the files they write to.
type outputs struct {
	report.Writer
	files []*os.File
}

// Close closes every output file and returns the first error.
func (o *outputs) Close() error {
	var first error
	for _, f := range o.files {
		if err := f.Close(); err != nil && first == nil {
			first = &exitError{code: ExitUsage, err: err}
		}
	}
	o.files = nil
	return first
}

// open opens every requested output; the caller closes it.
func (o *outputFlags) open(stdout io.Writer) (*outputs, error) {
	var ws report.Multi
	var files []*os.File
	fail := func(err error) (*outputs, error) {
		for _, f := range files {
			f.Close()
		}
		return nil, err
	}
	f, err := o.lookup(o.format)
	if err != nil {
		return fail(usageErr("--format: %v", err))
	}
	color := o.color == "always"
	if o.color == "auto" {
		if fd, ok := stdout.(interface{ Fd() uintptr }); ok {
			color = isatty.IsTerminal(fd.Fd()) && os.Getenv("NO_COLOR") == ""
		}
	} else if o.color != "always" && o.color != "never" {
		return fail(usageErr("--color %q: want auto, always or never", o.color))
	}
	ws = append(ws, f.New(stdout, report.Options{Color: color, ShowSuppressed: o.showSuppressed}))
	for _, spec := range o.outputs {
		name, file, ok := strings.Cut(spec, "=")
		if !ok || file == "" {
			return fail(usageErr("--output %q: want FORMAT=FILE", spec))
		}
		of, err := o.lookup(name)
		if err != nil {
			return fail(usageErr("--output: %v", err))
		}
		fh, err := os.Create(file)
		if err != nil {
			return fail(usageErr("--output: %v", err))
		}
		files = append(files, fh)
		ws = append(ws, of.New(fh, report.Options{ShowSuppressed: o.showSuppressed}))
	}
	return &outputs{Writer: ws, files: files}, nil
}

// ruleFlags are the flags that choose rules, settings, exemptions and the failure
// threshold, shared by every command that scans.
type ruleFlags struct {
	failOn     string
	pssLevel   string
	pssVersion string
	cfgFile    string
	include    []string
	exclude    []string
}

func (f *ruleFlags) register(c *cobra.Command) {
	failOnFlag(c, &f.failOn, "a finding")
	c.Flags().StringVar(&f.pssLevel, "pss-level", "baseline", "Pod Security Standards level: privileged (off), baseline, restricted")
	c.Flags().StringVar(&f.pssVersion, "pss-version", "latest", "Pod Security Standards version: latest or v1.N")
	c.Flags().StringVar(&f.cfgFile, "config", config.DefaultFile, "config file (exemptions, allowed registries, rule selection)")
	c.Flags().StringSliceVar(&f.include, "rules", nil, "run only these rules: IDs, areas (pod) or tags (tag:cis)")
	c.Flags().StringSliceVar(&f.exclude, "skip-rules", nil, "leave out these rules: IDs, areas or tags")
}

// resolved is what ruleFlags resolve to: the config, the selected rules and their settings.
type resolved struct {
	cfg       *config.Config
	settings  rule.Settings
	threshold finding.Severity
	rules     []rule.Rule
	exempter  *config.Exempter
}

// resolve loads the config file and combines it with the flags (flags win). Only rules
// that check one of kinds are kept: a command never lists rules for inputs it cannot read
// as evaluated (and so passed).
func (f *ruleFlags) resolve(cmd *cobra.Command, kinds ...target.Kind) (*resolved, error) {
	explicit := cmd.Flags().Changed("config")
	cfg, err := config.Load(f.cfgFile, explicit)
	if err != nil {
		return nil, usageErr("%v", err)
	}
	settings := rule.DefaultSettings()
	settings.AllowedRegistries = cfg.AllowedRegistries
	pick := func(flag, fromFlag, fromCfg string) string {
		if cmd.Flags().Changed(flag) || fromCfg == "" {
			return fromFlag
		}
		return fromCfg
	}
	settings.PSSLevel = pick("pss-level", f.pssLevel, cfg.PSS.Level)
	settings.PSSVersion = pick("pss-version", f.pssVersion, cfg.PSS.Version)
	if _, err := pss.ParseLevelVersion(settings.PSSLevel, settings.PSSVersion); err != nil {
		return nil, usageErr("%v", err)
	}
	threshold, err := finding.ParseSeverity(pick("fail-on", f.failOn, cfg.FailOn))
	if err != nil {
		return nil, usageErr("--fail-on: %v", err)
	}
	sel := rule.Selector{Include: append(cfg.Rules.Include, f.include...), Exclude: append(cfg.Rules.Exclude, f.exclude...)}
	rules, err := all.Registry().Select(sel)
	if err != nil {
		return nil, usageErr("%v", err)
	}
	rules = rule.OfKinds(rules, kinds...)
	return &resolved{cfg: cfg, settings: settings, threshold: threshold, rules: rules, exempter: config.NewExempter(cfg, time.Now())}, nil
}

func newScan() *cobra.Command {
	c := newScanCmd(0)
	c.AddCommand(newScanDockerfile(), newScanImage(), newScanBinary(), newScanCluster())
	return c
}

// newScanCmd builds a scan command that reads the selected kinds of files in
// directories (0: manifests and Dockerfiles).
func newScanCmd(walk manifest.Select) *cobra.Command {
	var (
		dockerfiles []string
		out         outputFlags
		flags       ruleFlags
		comp        complianceFlag
	)
	c := &cobra.Command{
		Use:   "scan [PATH|-]...",
		Short: "Check Kubernetes manifests and Dockerfiles (files, directories, stdin) against the rules",
		Long: `Scan reads YAML and JSON Kubernetes objects from files and directories (or "-" for stdin):
multi-document YAML, List kinds, Helm-rendered and Kustomize-built output. Every kind with a
pod template is checked as a workload, init and ephemeral containers included. Dockerfiles
found in directories (Dockerfile, *.Dockerfile, Dockerfile.*, Containerfile) and those named
with --dockerfile are linted too; "eksguard scan dockerfile" lints only Dockerfiles.
"eksguard scan cluster" scans a live cluster instead.

Exit status: 0 nothing at or above --fail-on, 1 findings at or above it, 2 usage or input errors.`,
		Example: "  eksguard scan examples/\n  helm template ./chart | eksguard scan -\n  eksguard scan . --format sarif -o junit=eksguard.xml --fail-on high",
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 && len(dockerfiles) == 0 {
				args = []string{"."}
			}
			kinds := []target.Kind{target.KindObject, target.KindWorkload, target.KindDockerfile, target.KindCluster}
			if walk == manifest.Dockerfiles {
				kinds = []target.Kind{target.KindDockerfile}
			}
			r, err := flags.resolve(cmd, kinds...)
			if err != nil {
				return err
			}
			bench, err := comp.benchmark()
			if err != nil {
				return err
			}
			rules := r.rules
			w, err := out.open(cmd.OutOrStdout())
			if err != nil {
				return err
			}
			defer w.Close()
			opts := manifest.Options{Limits: manifest.DefaultLimits(), FullMetadata: r.cfg.NeedsLabels()}
			scanRun := &scan.Manifests{
				Paths:       args,
				Stdin:       cmd.InOrStdin(),
				Options:     opts,
				Select:      walk,
				Dockerfiles: dockerfiles,
				Engine:      engine.New(rules, r.settings, r.exempter),
				Header:      header(append(args[:len(args):len(args)], dockerfiles...), rules, r.settings),
				Expired:     r.exempter.Expired(),
				FailOn:      r.threshold,
				Compliance:  bench,
			}
			sum, err := scanRun.Run(context.Background(), w)
			return finish(sum, err, w)
		},
	}
	out.register(c)
	comp.register(c)
	flags.register(c)
	c.Flags().StringArrayVar(&dockerfiles, "dockerfile", nil, "also lint this file as a Dockerfile, whatever its name (repeatable)")
	return c
}

// finish ends a scan command: an error from the run is a usage error, the
// outputs are closed (a failed close is the command's error), and the
// summary decides the exit status.
func finish(sum *report.Summary, runErr error, w io.Closer) error {
	if runErr != nil {
		return &exitError{code: ExitUsage, err: runErr}
	}
	if err := w.Close(); err != nil {
		return err
	}
	return exitFor(sum)
}

// exitFor maps a summary to the exit status.
func exitFor(sum *report.Summary) error {
	switch {
	case sum.Stats.InputErrors > 0:
		return inputErrorsExit(sum.Stats.InputErrors, true)
	case sum.Failed:
		return &exitError{code: ExitFindings}
	}
	return nil
}

func header(inputs []string, rules []rule.Rule, s rule.Settings) *report.Header {
	regs := "any (no allow-list: set allowedRegistries in .eksguard.yaml)"
	if len(s.AllowedRegistries) > 0 {
		regs = strings.Join(s.AllowedRegistries, ", ")
	}
	return newHeader(inputs, metasOf(rules), map[string]string{"pss-level": s.PSSLevel, "pss-version": s.PSSVersion, "allowed-registries": regs})
}
