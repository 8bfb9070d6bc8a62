package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/signal"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/eksguard/eksguard/pkg/finding"
	"github.com/eksguard/eksguard/pkg/report"
	"github.com/eksguard/eksguard/pkg/vuln/db"
)

func dbDirOf(flag string) (string, error) {
	if flag != "" {
		return flag, nil
	}
	return db.DefaultDir()
}

func newDB() *cobra.Command {
	var dir string
	c := &cobra.Command{
		Use:   "db",
		Short: "Manage the local vulnerability database (OSV records)",
		Long: `eksguard matches packages against a local database of OSV records (https://osv.dev), kept
by default in the user cache directory (eksguard/db; --db DIR to choose another). Fill it with
'db update' (downloads OSV's per-ecosystem archives) or 'db import' (files, directories or zip
archives you have, e.g. on an air-gapped site).`,
	}
	c.PersistentFlags().StringVar(&dir, "db", "", "vulnerability database directory (default: the user cache directory's eksguard/db)")
	c.AddCommand(newDBImport(&dir), newDBUpdate(&dir), newDBStatus(&dir), newDBMatch())
	return c
}

func newDBImport(dir *string) *cobra.Command {
	return &cobra.Command{
		Use:   "import PATH...",
		Short: "Add OSV records from JSON files, directories or zip archives (OSV's <Ecosystem>/all.zip)",
		Long: `Adds every OSV record found in the paths (a .json file, a directory searched recursively for
.json and .zip files, or a zip archive) to the database, in one transaction: an unreadable
input leaves the database as it was. A record with the id of one already stored replaces it.
Invalid records are skipped, counted and listed. A database written by another eksguard
version is rebuilt.`,
		Example: "  eksguard db import ~/osv/Go/all.zip ~/osv/Debian/all.zip\n  eksguard db import ./vulndb/data/osv",
		Args:    cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			d, err := dbDirOf(*dir)
			if err != nil {
				return usageErr("%v", err)
			}
			start := time.Now()
			w, err := db.Append(d)
			if err != nil {
				return &exitError{code: ExitUsage, err: err}
			}
			stderr := cmd.ErrOrStderr()
			for _, n := range w.Notes {
				fmt.Fprintln(stderr, "eksguard:", n)
			}
			if err := w.ImportPaths(args); err != nil {
				w.Abort()
				return &exitError{code: ExitUsage, err: fmt.Errorf("%w (nothing imported; the database was not changed)", err)}
			}
			if err := w.Commit(); err != nil {
				return &exitError{code: ExitUsage, err: err}
			}
			for _, e := range w.Errors {
				fmt.Fprintln(stderr, "eksguard: skipped invalid record:", e)
			}
			if w.Invalid > len(w.Errors) {
				fmt.Fprintf(stderr, "eksguard: ... and %d more invalid records\n", w.Invalid-len(w.Errors))
			}
			info := w.Info()
			fmt.Fprintf(cmd.OutOrStdout(), "imported %d records (%d invalid skipped) in %.1fs; %s now holds %d records\n",
				w.Added, w.Invalid, time.Since(start).Seconds(), d, info.Records)
			return nil
		},
	}
}

func newDBUpdate(dir *string) *cobra.Command {
	var base string
	var ecos []string
	c := &cobra.Command{
		Use:   "update",
		Short: "Download OSV's archives for the ecosystems of container images and rebuild the database",
		Long: `Downloads <base-url>/<Ecosystem>/all.zip for each ecosystem (default: ` + strings.Join(db.DefaultEcosystems, ", ") + `),
with a progress bar on stderr. Interrupted downloads resume (HTTP Range); unchanged archives are
not downloaded again (ETag); sizes and, where the server publishes them, MD5 checksums are
checked. The new database is built beside the old one and replaces it in one rename: a failed
or interrupted update leaves the old database usable. Ecosystems the server does not publish
(OSV has no Amazon Linux archive) are skipped with a note. Records added with 'db import' are
not kept by an update: import them again afterwards.`,
		Example: "  eksguard db update\n  eksguard db update --base-url https://mirror.example.com/osv --ecosystems Debian,Go",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			d, err := dbDirOf(*dir)
			if err != nil {
				return usageErr("%v", err)
			}
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
			defer stop()
			start := time.Now()
			res, err := db.Update(ctx, d, db.UpdateOptions{BaseURL: base, Ecosystems: ecos, Progress: cmd.ErrOrStderr()})
			if err != nil {
				return &exitError{code: ExitUsage, err: err}
			}
			stderr := cmd.ErrOrStderr()
			for _, s := range res.Skipped {
				fmt.Fprintln(stderr, "eksguard: skipped", s)
			}
			for _, e := range res.Errors {
				fmt.Fprintln(stderr, "eksguard: skipped invalid record:", e)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "updated %s: %d records from %d archives (%d unchanged, %d invalid records skipped) in %.1fs\n",
				d, res.Info.Records, len(res.Info.Sources), len(res.Reused), res.Invalid, time.Since(start).Seconds())
			return nil
		},
	}
	c.Flags().StringVar(&base, "base-url", db.DefaultBaseURL, "where the <Ecosystem>/all.zip archives are (OSV's bucket or a mirror)")
	c.Flags().StringSliceVar(&ecos, "ecosystems", nil, "ecosystems to download (default "+strings.Join(db.DefaultEcosystems, ",")+")")
	return c
}

func newDBStatus(dir *string) *cobra.Command {
	var format string
	c := &cobra.Command{
		Use:   "status",
		Short: "Show the database: where it is, its sources, record counts and age",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			d, err := dbDirOf(*dir)
			if err != nil {
				return usageErr("%v", err)
			}
			h, err := db.Open(d)
			if err != nil {
				return &exitError{code: ExitUsage, err: err}
			}
			defer h.Close()
			info := h.Info()
			out := cmd.OutOrStdout()
			if format == "json" {
				enc := json.NewEncoder(out)
				enc.SetIndent("", "  ")
				return enc.Encode(struct {
					Path string `json:"path"`
					db.Info
					AgeSeconds int64 `json:"ageSeconds"`
				}{h.Path(), info, int64(info.Age(time.Now()).Seconds())})
			} else if format != "table" {
				return usageErr("--format %q: want table or json", format)
			}
			fmt.Fprintf(out, "database:  %s (schema %d)\n", h.Path(), info.Schema)
			fmt.Fprintf(out, "updated:   %s (%s ago)\n", info.Updated.Format(time.RFC3339), info.Age(time.Now()).Round(time.Second))
			fmt.Fprintf(out, "records:   %d\n", info.Records)
			var ecos []string
			for e := range info.ByEcosystem {
				ecos = append(ecos, e)
			}
			sort.Strings(ecos)
			tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "\nECOSYSTEM\tRECORDS")
			for _, e := range ecos {
				fmt.Fprintf(tw, "%s\t%d\n", e, info.ByEcosystem[e])
			}
			fmt.Fprintln(tw, "\nSOURCE\tKIND\tRECORDS\tINVALID\tFETCHED\tLOCATION")
			for _, s := range info.Sources {
				fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%s\t%s\n", s.Name, s.Kind, s.Records, s.Invalid, s.Time.Format(time.RFC3339), s.Location)
			}
			return tw.Flush()
		},
	}
	c.Flags().StringVarP(&format, "format", "f", "table", "table or json")
	return c
}

func newDBMatch() *cobra.Command {
	var v vulnFlags
	c := &cobra.Command{
		Use:   "match INVENTORY.json...",
		Short: "Match package inventories (eksguard's inventory JSON) against the database",
		Long: `Reads package inventories in eksguard's inventory JSON ({"os": {...}, "packages": [...]}, the
model image scanning produces; "-" for stdin) and reports the vulnerabilities of their packages.
dpkg and apk packages are matched by source package; versions are compared in each
ecosystem's own order; versions that do not parse are reported, not guessed.

Exit status: 0 nothing at or above --fail-on, 1 vulnerabilities at or above it, 2 usage or input
errors (including no database).`,
		Example: "  eksguard db match inventory.json --ignore-unfixed --severity high,critical",
		Args:    cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var inputs []vulnInput
			var errs []finding.InputError
			for _, a := range args {
				inv, err := readInventory(a, cmd.InOrStdin())
				if err != nil {
					errs = append(errs, finding.InputError{Input: a, Message: err.Error()})
					continue
				}
				sub := finding.Subject{Image: a}
				if inv.OS != nil && inv.OS.PrettyName != "" {
					sub.Image = a + " (" + inv.OS.PrettyName + ")"
				}
				inputs = append(inputs, vulnInput{name: a, subject: sub, inv: inv})
			}
			return v.run(cmd, report.SubjectInventory, inputs, errs, args)
		},
	}
	v.register(c)
	return c
}
