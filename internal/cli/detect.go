package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"regexp"
	"runtime/debug"
	"slices"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/eksguard/eksguard/pkg/bounded"
	"github.com/eksguard/eksguard/pkg/detect"
	"github.com/eksguard/eksguard/pkg/detect/input"
	"github.com/eksguard/eksguard/pkg/detect/stream"
	"github.com/eksguard/eksguard/pkg/detect/syscalls"
	"github.com/eksguard/eksguard/pkg/detect/webhook"
	"github.com/eksguard/eksguard/pkg/finding"
	"github.com/eksguard/eksguard/pkg/ref"
	"github.com/eksguard/eksguard/pkg/report"
	"github.com/eksguard/eksguard/pkg/report/falcojson"
	"github.com/eksguard/eksguard/pkg/rule"
	"github.com/eksguard/eksguard/pkg/scan"
	"github.com/eksguard/eksguard/pkg/target"
	detectrules "github.com/eksguard/eksguard/rules/detect"
)

// ruleFiles loads the built-in detection rules (unless noBuiltin) and the given files.
func loadDetectRules(files []string, noBuiltin bool) (*detect.Ruleset, error) {
	l := detect.NewLoader(stream.Sources()...)
	if !noBuiltin {
		for _, f := range detectrules.Files() {
			l.Load(f.Name, f.Data)
		}
	}
	for _, f := range files {
		data, err := bounded.ReadFile(f, detect.MaxRuleFileBytes)
		if err != nil {
			return nil, usageErr("%v", err) // unreadable: an input error, not a rule error
		}
		l.Load(f, data)
	}
	return l.Compile()
}

var slugRE = regexp.MustCompile(`[^a-z0-9]+`)

// detectMetas gives every compiled rule a rule.Meta, so reporters describe alerts like
// any other finding. IDs are detect/<kebab-case rule name>.
func detectMetas(rs *detect.Ruleset) map[*detect.Rule]*rule.Meta {
	out := map[*detect.Rule]*rule.Meta{}
	used := map[string]int{}
	for _, r := range rs.Rules {
		slug := strings.Trim(slugRE.ReplaceAllString(strings.ToLower(r.Name), "-"), "-")
		if slug == "" {
			slug = "rule"
		}
		id := "detect/" + slug
		if n := used[id]; n > 0 {
			id = fmt.Sprintf("%s-%d", id, n+1)
		}
		used["detect/"+slug]++
		out[r] = &rule.Meta{
			ID:          id,
			Title:       r.Name,
			Description: r.Desc,
			Remediation: "Investigate the activity the alert describes. If it is expected, tune the rule in your own rule file " +
				"(append to its allow-lists, add an exception, or set enabled: false) rather than editing the original.",
			Severity:   severityOf(r.Priority),
			Category:   "detection",
			Target:     target.Kind("event"),
			Tags:       r.Tags,
			References: []ref.Ref{ref.Guide("detective-controls", "Auditing and logging")},
			Extra: map[string]string{
				falcojson.ExtraRule: r.Name, falcojson.ExtraPriority: r.Priority.String(), falcojson.ExtraSource: r.Source,
				"definedAt": fmt.Sprintf("%s:%d", r.File, r.Line),
			},
		}
	}
	return out
}

// severityOf maps Falco priorities onto the finding severities.
func severityOf(p detect.Priority) finding.Severity {
	switch {
	case p <= detect.PriorityCritical:
		return finding.SeverityCritical
	case p == detect.PriorityError:
		return finding.SeverityHigh
	case p == detect.PriorityWarning:
		return finding.SeverityMedium
	case p == detect.PriorityNotice:
		return finding.SeverityLow
	}
	return finding.SeverityInfo
}

func newDetect() *cobra.Command {
	var (
		out        outputFlags
		failOn     string
		ruleFiles  []string
		noBuiltin  bool
		source     string
		follow     bool
		listen     string
		tlsCert    string
		tlsKey     string
		tokenFile  string
		cluster    string
		maxRecord  int
		listenPath string
	)
	c := &cobra.Command{
		Use:   "detect [SOURCE...]",
		Short: "Run Falco-format detection rules over Kubernetes audit logs and CloudTrail",
		Long: `Detect evaluates detection rules in Falco's rule format over Kubernetes audit events and
CloudTrail records. eksguard's own rules are built in; add Falco rule files (for example
k8s_audit_rules.yaml, aws_cloudtrail_rules.yaml) with --rules-file.

A SOURCE is an audit log (JSON lines, one audit.k8s.io/v1 Event or EventList per line), a
CloudTrail file ({"Records":[...]}), either gzip-compressed or not, a directory of them, or
"-" for stdin. The kind of each input is detected from its first record unless --source is
given. --follow keeps reading a growing file; --listen serves the API server's audit webhook.

Exit status: 0 no alert at or above --fail-on, 1 alerts at or above it, 2 usage, rule or input errors.`,
		Example: "  eksguard detect /var/log/kubernetes/audit.log\n" +
			"  eksguard detect --rules-file k8s_audit_rules.yaml --rules-file aws_cloudtrail_rules.yaml audit/ cloudtrail/\n" +
			"  eksguard detect -f falco-json --follow audit.log\n" +
			"  eksguard detect --listen :9765 --tls-cert tls.crt --tls-key tls.key --token-file token",
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 && listen == "" {
				return usageErr("give a SOURCE (file, directory or -) or --listen ADDR")
			}
			switch source {
			case "", "auto":
				source = ""
			case "k8s_audit", "aws_cloudtrail":
			default:
				return usageErr("--source %q: want k8s_audit, aws_cloudtrail or auto", source)
			}
			if follow && (len(args) != 1 || args[0] == "-") {
				return usageErr("--follow takes exactly one file")
			}
			if maxRecord <= 0 {
				return usageErr("--max-record-bytes %d: want a positive number of bytes", maxRecord)
			}
			if (tlsCert == "") != (tlsKey == "") {
				return usageErr("--tls-cert and --tls-key go together")
			}
			// A detection stream keeps a live heap of about a megabyte however long it runs;
			// collect more often than the scan default so resident memory stays near it
			// (measured: 23 MB instead of 47 MB at the same CPU time), unless the user chose.
			if os.Getenv("GOGC") == "" {
				debug.SetGCPercent(200)
			}
			threshold, err := finding.ParseSeverity(failOn)
			if err != nil {
				return usageErr("--fail-on: %v", err)
			}
			rs, err := loadDetectRules(ruleFiles, noBuiltin)
			if err != nil {
				return usageErr("rules: %v", err)
			}
			for _, s := range rs.Skipped {
				fmt.Fprintf(cmd.ErrOrStderr(), "eksguard: rule %q (%s:%d) skipped: source %s is not one this command reads\n", s.Name, s.File, s.Line, s.Source)
			}
			metas := detectMetas(rs)
			w, err := out.open(cmd.OutOrStdout())
			if err != nil {
				return err
			}
			defer w.Close()
			inputs := args
			if listen != "" {
				inputs = append(inputs, "webhook "+listen)
			}
			var ruleMetas []*rule.Meta
			for _, r := range rs.Rules {
				ruleMetas = append(ruleMetas, metas[r])
			}
			h := newHeader(inputs, ruleMetas,
				map[string]string{"rules": fmt.Sprintf("%d enabled of %d loaded", rs.Enabled(), len(rs.Rules)), "source": orAuto(source)})
			if err := w.Begin(h); err != nil {
				return err
			}
			start := time.Now()
			sum := &report.Summary{FailOn: threshold.String()}
			runner := &stream.Runner{Rules: rs, Source: source, MaxRecord: maxRecord, ClusterName: cluster}
			// The report lists input errors at its end; falco-json has no summary, so there
			// they go to stderr as they happen (a live run may go on for days).
			listed := out.listsInputErrors()
			runner.Bad = func(e finding.InputError) {
				sum.Errors = append(sum.Errors, e)
				if !listed {
					printInputError(cmd.ErrOrStderr(), e)
				}
			}
			runner.Emit = func(a *stream.Alert) error {
				f := alertFinding(a, metas[a.Rule])
				sum.Stats.Count(&f)
				if f.Counts() && f.Severity >= threshold {
					sum.Failed = true
				}
				return w.Group(&report.Group{File: a.Input, Subject: a.Subject, Findings: []finding.Finding{f}})
			}
			// Live modes end on SIGINT/SIGTERM and still close the report; reading files
			// keeps the default behaviour (the signal stops the process at once).
			ctx := context.Background()
			if follow || listen != "" {
				var stop context.CancelFunc
				ctx, stop = signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
				defer stop()
			}
			runErr := runDetect(ctx, cmd, runner, args, follow, listen, listenPath, tlsCert, tlsKey, tokenFile)
			if runErr != nil {
				var ee *exitError
				if errors.As(runErr, &ee) {
					return runErr
				}
				return &exitError{code: ExitUsage, err: runErr}
			}
			sum.Stats.Files = runner.Stats.Inputs
			for _, n := range runner.Stats.Events {
				sum.Stats.Documents += n
			}
			sum.Stats.Objects = sum.Stats.Documents
			sum.Stats.Subject = report.SubjectEvent
			if !listed { // the format has no summary of its own
				fmt.Fprintf(cmd.ErrOrStderr(), "eksguard: %d events (%s), %d alerts, %d input errors\n",
					sum.Stats.Documents, perSource(runner.Stats.Events), runner.Stats.Alerts, len(sum.Errors))
			}
			if err := scan.End(w, sum, start); err != nil {
				return err
			}
			if err := w.Close(); err != nil {
				return err
			}
			if !listed && sum.Stats.InputErrors > 0 {
				return inputErrorsExit(sum.Stats.InputErrors, false)
			}
			return exitFor(sum)
		},
	}
	out.registerAll(c, false) // alerts are never exempted
	failOnFlag(c, &failOn, "an alert")
	c.Flags().StringArrayVar(&ruleFiles, "rules-file", nil, "also load this Falco rule file (repeatable; later files append to and override earlier ones)")
	// --rules selects rules by ID, area or tag in every scan command; here it was the rule
	// file flag, and is still read as --rules-file (in order) for command lines written before.
	c.Flags().SetNormalizeFunc(func(_ *pflag.FlagSet, name string) pflag.NormalizedName {
		if name == "rules" {
			name = "rules-file"
		}
		return pflag.NormalizedName(name)
	})
	c.Flags().BoolVar(&noBuiltin, "no-builtin-rules", false, "do not load eksguard's built-in detection rules")
	c.Flags().StringVar(&source, "source", "auto", "event source of every input: k8s_audit, aws_cloudtrail or auto (detected per input)")
	c.Flags().BoolVar(&follow, "follow", false, "keep reading the file as it grows (like tail -F), until interrupted")
	c.Flags().StringVar(&listen, "listen", "", "serve the Kubernetes audit webhook on ADDR (host:port) until interrupted")
	c.Flags().StringVar(&listenPath, "listen-path", "/k8s-audit", "URL path of the audit webhook")
	c.Flags().StringVar(&tlsCert, "tls-cert", "", "TLS certificate (PEM) for --listen")
	c.Flags().StringVar(&tlsKey, "tls-key", "", "TLS private key (PEM) for --listen")
	c.Flags().StringVar(&tokenFile, "token-file", "", "file holding the bearer token the webhook must present (--listen)")
	c.Flags().StringVar(&cluster, "cluster-name", "", "cluster name reported as ka.cluster.name")
	c.Flags().IntVar(&maxRecord, "max-record-bytes", input.DefaultMaxRecord, "skip (and report) any event larger than this")
	c.AddCommand(newDetectRules(), newDetectFields(), newDetectRuntime())
	return c
}

func perSource(m map[string]int) string {
	var parts []string
	for k, v := range m {
		parts = append(parts, fmt.Sprintf("%s %d", k, v))
	}
	sort.Strings(parts)
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

func orAuto(s string) string {
	if s == "" {
		return "auto"
	}
	return s
}

func alertFinding(a *stream.Alert, m *rule.Meta) finding.Finding {
	ev := a.Fields // the alert's own copy
	ev[falcojson.EvidenceTime] = a.Time.Format(time.RFC3339Nano)
	return finding.Finding{
		RuleID:   m.ID,
		Status:   finding.StatusFail,
		Severity: m.Severity,
		Subject:  a.Subject,
		Location: finding.Location{File: a.Input, Line: a.Line},
		Message:  a.Output,
		Evidence: ev,
	}
}

func runDetect(ctx context.Context, cmd *cobra.Command, r *stream.Runner, args []string, follow bool, listen, path, cert, key, tokenFile string) error {
	if listen != "" {
		token := ""
		if tokenFile != "" {
			b, err := bounded.ReadFile(tokenFile, 64<<10)
			if err != nil {
				return usageErr("--token-file: %v", err)
			}
			token = strings.TrimSpace(string(b))
			if token == "" {
				return usageErr("--token-file %s is empty", tokenFile)
			}
		}
		ln, err := net.Listen("tcp", listen)
		if err != nil {
			return usageErr("--listen: %v", err)
		}
		if cert == "" {
			fmt.Fprintln(cmd.ErrOrStderr(), "eksguard: warning: --listen without --tls-cert/--tls-key serves plain HTTP")
		}
		if token == "" {
			fmt.Fprintln(cmd.ErrOrStderr(), "eksguard: warning: --listen without --token-file accepts events from anyone who can connect")
		}
		queue := make(chan []byte, 1024)
		hd := &webhook.Handler{Token: token, Queue: queue}
		mux := http.NewServeMux()
		mux.Handle(path, hd)
		srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: time.Minute, IdleTimeout: 2 * time.Minute, MaxHeaderBytes: 64 << 10}
		fmt.Fprintf(cmd.ErrOrStderr(), "eksguard: audit webhook listening on %s%s\n", ln.Addr(), path)
		errc := make(chan error, 1)
		go func() {
			if cert != "" {
				errc <- srv.ServeTLS(ln, cert, key)
			} else {
				errc <- srv.Serve(ln)
			}
		}()
		if len(args) > 0 {
			readInputs(ctx, cmd, r, args, follow)
		}
		dropped := int64(0)
		report := func() {
			if d := hd.Dropped.Load(); d > dropped {
				r.Bad(finding.InputError{Input: "webhook", Message: fmt.Sprintf("queue full: %d POSTs dropped (answered 503)", d-dropped)})
				dropped = d
			}
		}
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for {
			select {
			case body := <-queue:
				err := r.Record("webhook", 0, "k8s_audit", body)
				hd.Release(len(body))
				if err != nil {
					return err
				}
			case <-tick.C:
				report()
			case <-ctx.Done():
				sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				defer cancel()
				err := srv.Shutdown(sctx)
				for len(queue) > 0 {
					body := <-queue
					r.Record("webhook", 0, "k8s_audit", body)
					hd.Release(len(body))
				}
				report()
				return err
			case err := <-errc:
				if errors.Is(err, http.ErrServerClosed) {
					return nil
				}
				return usageErr("--listen: %v", err)
			}
		}
	}
	readInputs(ctx, cmd, r, args, follow)
	return nil
}

func readInputs(ctx context.Context, cmd *cobra.Command, r *stream.Runner, args []string, follow bool) {
	if follow {
		rd, err := input.Follow(ctx, args[0], 250*time.Millisecond)
		if err != nil {
			r.Bad(finding.InputError{Input: args[0], Message: err.Error()})
			return
		}
		defer rd.Close()
		r.Read(args[0], rd)
		return
	}
	files, errs := input.Files(args)
	for _, err := range errs {
		r.Bad(finding.InputError{Input: pathOf(err), Message: err.Error()})
	}
	for _, f := range files {
		if ctx.Err() != nil {
			return
		}
		var rd io.Reader = cmd.InOrStdin()
		if f != "-" {
			fh, err := os.Open(f)
			if err != nil {
				r.Bad(finding.InputError{Input: f, Message: err.Error()})
				continue
			}
			r.Read(f, fh)
			fh.Close()
			continue
		}
		r.Read("-", rd)
	}
}

func pathOf(err error) string {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Path
	}
	return ""
}

func newDetectRules() *cobra.Command {
	c := &cobra.Command{Use: "rules", Short: "Work with detection rule files"}
	var noBuiltin bool
	lint := &cobra.Command{
		Use:   "lint FILE...",
		Short: "Check Falco rule files: syntax, fields, macros, lists, priorities, exceptions",
		Long: `Lint loads the files in order (on top of the built-in rules unless --no-builtin-rules) and
compiles every rule, enabled or not. Every error names the file and line. Rules for a source
eksguard does not read (e.g. syscall) are listed as skipped, not errors.

Exit status: 0 every rule compiles, 1 rule errors (listed), 2 usage errors or a file that
cannot be read.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			rs, err := loadDetectRules(args, noBuiltin)
			var ee *exitError
			if errors.As(err, &ee) {
				return err // a file that cannot be read: exit 2
			}
			if err != nil {
				fmt.Fprintln(cmd.ErrOrStderr(), err)
				return &exitError{code: ExitFindings}
			}
			out := cmd.OutOrStdout()
			for _, s := range rs.Skipped {
				fmt.Fprintf(out, "%s:%d: rule %q skipped: source %s is not loaded\n", s.File, s.Line, s.Name, s.Source)
			}
			fmt.Fprintf(out, "ok: %d rules compiled (%d enabled), %d skipped\n", len(rs.Rules), rs.Enabled(), len(rs.Skipped))
			return nil
		},
	}
	lint.Flags().BoolVar(&noBuiltin, "no-builtin-rules", false, "lint the files alone, without the built-in rules")
	c.AddCommand(lint)
	return c
}

func newDetectFields() *cobra.Command {
	var format string
	c := &cobra.Command{
		Use:   "fields [SOURCE]",
		Short: "List the fields rules can use, per event source",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if format != "text" && format != "markdown" {
				return usageErr("--format %q: want text or markdown", format)
			}
			if len(args) == 1 {
				var names []string
				for _, s := range fieldSources() {
					names = append(names, s.Name)
				}
				if !slices.Contains(names, args[0]) {
					return usageErr("unknown source %q: want %s", args[0], strings.Join(names, " or "))
				}
			}
			FieldTables(cmd.OutOrStdout(), format == "markdown", args)
			return nil
		},
	}
	c.Flags().StringVarP(&format, "format", "f", "text", "text or markdown")
	return c
}

// fieldSources are the sources whose fields `detect fields` lists: the audit sources and the
// runtime sensor's syscall source.
func fieldSources() []*detect.Source { return append(stream.Sources(), syscalls.Source()) }

// FieldTables writes the field tables of the sources (all when names is empty).
func FieldTables(w io.Writer, markdown bool, names []string) {
	for _, s := range fieldSources() {
		if len(names) > 0 && names[0] != s.Name {
			continue
		}
		if markdown {
			fmt.Fprintf(w, "### Source `%s`\n\n| Field | Type | Argument | Description |\n| --- | --- | --- | --- |\n", s.Name)
		} else {
			fmt.Fprintf(w, "%s\n", s.Name)
		}
		for _, f := range s.Fields {
			typ := f.Type.String()
			if f.List {
				typ += " (list)"
			}
			if markdown {
				fmt.Fprintf(w, "| `%s` | %s | %s | %s |\n", f.Name, typ, f.Arg, strings.ReplaceAll(f.Desc, "|", `\|`))
			} else {
				fmt.Fprintf(w, "  %-52s %-14s %s\n", f.Name, typ, f.Desc)
			}
		}
		fmt.Fprintln(w)
	}
}
