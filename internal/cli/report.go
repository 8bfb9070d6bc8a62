package cli

import (
	"os"

	"github.com/spf13/cobra"

	rjson "github.com/eksguard/eksguard/pkg/report/json"
)

func newReport() *cobra.Command {
	c := &cobra.Command{Use: "report", Short: "Work with saved reports"}
	var out outputFlags
	convert := &cobra.Command{
		Use:     "convert FILE",
		Short:   "Replay a saved JSON report into another format",
		Example: "  eksguard scan . -f json > report.json\n  eksguard report convert report.json -f sarif > report.sarif",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			f, err := os.Open(args[0])
			if err != nil {
				return usageErr("%v", err)
			}
			defer f.Close()
			doc, err := rjson.Read(f)
			if err != nil {
				return usageErr("%s: %v", args[0], err)
			}
			w, err := out.open(cmd.OutOrStdout())
			if err != nil {
				return err
			}
			defer w.Close()
			if err := rjson.Replay(doc, w); err != nil {
				return usageErr("%v", err)
			}
			return w.Close()
		},
	}
	out.registerAll(convert, true) // a saved detect report replays into falco-json too
	c.AddCommand(convert)
	return c
}
