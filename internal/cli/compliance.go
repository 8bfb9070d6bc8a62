package cli

import (
	"strings"

	"github.com/spf13/cobra"

	"github.com/eksguard/eksguard/pkg/compliance"
)

// complianceFlag is --compliance: the benchmark view a scan adds to its report.
type complianceFlag struct{ name string }

func (f *complianceFlag) register(c *cobra.Command) {
	c.Flags().StringVar(&f.name, "compliance", "", "add a benchmark view to the report, control by control: "+strings.Join(compliance.Names(), ", "))
}

// benchmark returns the chosen benchmark, nil when none was asked for.
func (f *complianceFlag) benchmark() (*compliance.Benchmark, error) {
	if f.name == "" {
		return nil, nil
	}
	b, err := compliance.Lookup(f.name)
	if err != nil {
		return nil, usageErr("--compliance: %v", err)
	}
	return b, nil
}
