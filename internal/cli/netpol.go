package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/eksguard/eksguard/pkg/netpol"
	"github.com/eksguard/eksguard/pkg/scan"
	"github.com/eksguard/eksguard/pkg/source/manifest"
)

func newNetpol() *cobra.Command {
	var format string
	c := &cobra.Command{
		Use:   "netpol [PATH|-]...",
		Short: "Show who can reach whom under the NetworkPolicies of manifests",
		Long: `Netpol evaluates the NetworkPolicies of the input with Kubernetes semantics and prints
who can reach whom: pods grouped by namespace and labels, the ports and protocols each group
may open to each other group, and the address blocks (ipBlock) each group may reach or be
reached from. See docs/netpol.md for the semantics and the grouping.

Exit status: 0 done, 2 for usage or input errors (including policies that do not compile).`,
		Example: "  eksguard netpol deploy/\n  helm template ./chart | eksguard netpol - --format json",
		RunE: func(cmd *cobra.Command, args []string) error {
			if format != "table" && format != "json" {
				return usageErr("--format %q: want table or json", format)
			}
			if len(args) == 0 {
				args = []string{"."}
			}
			snap, inErrs := scan.LoadSnapshot(args, cmd.InOrStdin(), manifest.Options{Limits: manifest.DefaultLimits(), FullMetadata: true})
			set, pods, errs := netpol.FromSnapshot(snap)
			v := netpol.BuildView(set, pods, errs)
			for _, e := range inErrs {
				v.Errors = append(v.Errors, e.Input+": "+e.Message)
			}
			var err error
			if format == "json" {
				err = netpol.WriteJSON(cmd.OutOrStdout(), v)
			} else {
				err = netpol.WriteTable(cmd.OutOrStdout(), v)
			}
			if err != nil {
				return err
			}
			if len(v.Errors) > 0 {
				return &exitError{code: ExitUsage, err: fmt.Errorf("%d inputs or policies could not be read (listed in the output)", len(v.Errors))}
			}
			return nil
		},
	}
	c.Flags().StringVarP(&format, "format", "f", "table", "output format: table or json")
	return c
}
