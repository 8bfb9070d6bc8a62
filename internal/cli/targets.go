package cli

import (
	"context"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/eksguard/eksguard/pkg/compliance"
	"github.com/eksguard/eksguard/pkg/config"
	"github.com/eksguard/eksguard/pkg/engine"
	"github.com/eksguard/eksguard/pkg/finding"
	"github.com/eksguard/eksguard/pkg/report"
	"github.com/eksguard/eksguard/pkg/rule"
	"github.com/eksguard/eksguard/pkg/scan"
	"github.com/eksguard/eksguard/pkg/target"
	"github.com/eksguard/eksguard/rules/all"
)

// targetFlags are the flags of the scans of non-manifest targets (node, aws).
type targetFlags struct {
	out     outputFlags
	failOn  string
	cfgFile string
	include []string
	exclude []string
	comp    complianceFlag
}

func (f *targetFlags) register(c *cobra.Command) {
	f.out.register(c)
	failOnFlag(c, &f.failOn, "a finding")
	c.Flags().StringVar(&f.cfgFile, "config", config.DefaultFile, "config file (exemptions, rule selection)")
	c.Flags().StringSliceVar(&f.include, "rules", nil, "run only these rules: IDs, areas or tags (tag:cis)")
	c.Flags().StringSliceVar(&f.exclude, "skip-rules", nil, "leave out these rules: IDs, areas or tags")
	f.comp.register(c)
}

// prepared is a selected rule set and its run settings.
type prepared struct {
	rules    []rule.Rule
	exempter *config.Exempter
	failOn   finding.Severity
	// bench is the --compliance view to add, nil for none.
	bench *compliance.Benchmark
}

// prepare reads the config and selects the rules of the given target kind.
func (f *targetFlags) prepare(cmd *cobra.Command, kind target.Kind) (*prepared, error) {
	bench, err := f.comp.benchmark()
	if err != nil {
		return nil, err
	}
	cfg, err := config.Load(f.cfgFile, cmd.Flags().Changed("config"))
	if err != nil {
		return nil, usageErr("%v", err)
	}
	fo := f.failOn
	if !cmd.Flags().Changed("fail-on") && cfg.FailOn != "" {
		fo = cfg.FailOn
	}
	threshold, err := finding.ParseSeverity(fo)
	if err != nil {
		return nil, usageErr("--fail-on: %v", err)
	}
	// Select among this kind's rules only, so that --rules names what the scan can run.
	reg, err := rule.NewRegistry(rule.OfKinds(all.Registry().All(), kind)...)
	if err != nil {
		return nil, err
	}
	sel := rule.Selector{Include: f.include, Exclude: append(cfg.Rules.Exclude, f.exclude...)}
	rules, err := reg.Select(sel)
	if err != nil {
		return nil, usageErr("%v", err)
	}
	return &prepared{rules: rules, exempter: config.NewExempter(cfg, time.Now()), failOn: threshold, bench: bench}, nil
}

// run scans the targets and writes every requested output.
func (f *targetFlags) run(stdout io.Writer, p *prepared, input string, targets []target.Target, errs []finding.InputError, settings map[string]string) error {
	w, err := f.out.open(stdout)
	if err != nil {
		return err
	}
	defer w.Close()
	h := newHeader([]string{input}, metasOf(p.rules), settings)
	s := &scan.Targets{
		Input: input, Targets: targets, Errors: errs,
		Engine: engine.New(p.rules, rule.DefaultSettings(), p.exempter),
		Header: h, FailOn: p.failOn,
	}
	var rw report.Writer = w
	if p.bench != nil {
		// Node and AWS rules read their whole target: a rule that ran evaluated it.
		rw = scan.WithCompliance(w, p.bench, p.rules, nil)
	}
	sum, err := s.Run(context.Background(), rw)
	return finish(sum, err, w)
}
