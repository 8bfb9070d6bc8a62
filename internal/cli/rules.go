package cli

import (
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/eksguard/eksguard/rules/all"
)

func newRules() *cobra.Command {
	var format string
	c := &cobra.Command{
		Use:   "rules",
		Short: "List the rules (table, json or markdown)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			reg := all.Registry()
			out := cmd.OutOrStdout()
			switch format {
			case "table":
				tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
				fmt.Fprintln(tw, "ID\tSEVERITY\tTARGET\tTITLE")
				for _, r := range reg.All() {
					m := r.Meta()
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", m.ID, m.Severity, m.Target, m.Title)
				}
				return tw.Flush()
			case "json":
				var metas []any
				for _, r := range reg.All() {
					metas = append(metas, r.Meta())
				}
				enc := json.NewEncoder(out)
				enc.SetIndent("", "  ")
				return enc.Encode(metas)
			case "markdown":
				_, err := fmt.Fprint(out, all.Markdown(reg))
				return err
			}
			return usageErr("--format %q: want table, json or markdown", format)
		},
	}
	c.Flags().StringVarP(&format, "format", "f", "table", "table, json or markdown (docs/rules.md)")
	explain := &cobra.Command{
		Use:   "explain ID",
		Short: "Show one rule: what it checks, why, how to fix it, references",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			r, ok := all.Registry().Get(args[0])
			if !ok {
				var near []string
				for _, x := range all.Registry().All() {
					if strings.Contains(x.Meta().ID, args[0]) {
						near = append(near, x.Meta().ID)
					}
				}
				msg := fmt.Sprintf("no rule %q", args[0])
				if len(near) > 0 {
					msg += "; did you mean " + strings.Join(near, ", ") + "?"
				}
				return usageErr("%s", msg)
			}
			_, err := fmt.Fprint(cmd.OutOrStdout(), all.Explain(r.Meta()))
			return err
		},
	}
	c.AddCommand(explain)
	return c
}
