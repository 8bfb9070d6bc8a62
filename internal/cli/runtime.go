package cli

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/eksguard/eksguard/pkg/bounded"
	"github.com/eksguard/eksguard/pkg/detect"
	"github.com/eksguard/eksguard/pkg/detect/stream"
	"github.com/eksguard/eksguard/pkg/detect/syscalls"
	"github.com/eksguard/eksguard/pkg/finding"
	"github.com/eksguard/eksguard/pkg/ref"
	"github.com/eksguard/eksguard/pkg/report"
	"github.com/eksguard/eksguard/pkg/report/falcojson"
	irespond "github.com/eksguard/eksguard/pkg/respond"
	"github.com/eksguard/eksguard/pkg/rule"
	"github.com/eksguard/eksguard/pkg/runtime/container"
	"github.com/eksguard/eksguard/pkg/runtime/monitor"
	"github.com/eksguard/eksguard/pkg/runtime/proc"
	"github.com/eksguard/eksguard/pkg/runtime/respond"
	"github.com/eksguard/eksguard/pkg/runtime/sensor"
	"github.com/eksguard/eksguard/pkg/scan"
	"github.com/eksguard/eksguard/pkg/target"
)

// appendRuntimeOutput is added to every syscall rule's output, as Falco's append_output
// adds container fields, so each alert names the container, pod and process.
const appendRuntimeOutput = "container_id=%container.id container_name=%container.name k8s_ns=%k8s.ns.name k8s_pod=%k8s.pod.name"

// loadRuntimeRules loads syscall rule files; rules whose fields the syscall source lacks
// are listed as inactive, not errors.
func loadRuntimeRules(files []string) (*detect.Ruleset, error) {
	l := detect.NewLoader(syscalls.Source())
	l.InactiveOnUnknownField = true
	l.AppendOutput = map[string]string{syscalls.SourceName: appendRuntimeOutput}
	for _, f := range files {
		data, err := bounded.ReadFile(f, detect.MaxRuleFileBytes)
		if err != nil {
			return nil, usageErr("%v", err)
		}
		l.Load(f, data)
	}
	return l.Compile()
}

// neededSyscalls names the syscalls the active rules can match, from the evt.type values
// their conditions require; nil (all of them) when an active rule requires none.
func neededSyscalls(rs *detect.Ruleset) []string {
	keys, all := rs.IndexKeys(syscalls.SourceName)
	if all {
		return nil
	}
	return append([]string{}, keys...)
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// runtimeMetrics are the counters served on --metrics.
type runtimeMetrics struct {
	records, events, alerts, decodeErrors, truncated, procs atomic.Uint64
	lostRing                                                atomic.Uint64
	responses, responseErrors                               atomic.Uint64
}

func (m *runtimeMetrics) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; version=0.0.4")
	for _, c := range []struct {
		name, help string
		v          uint64
	}{
		{"eksguard_runtime_records_total", "Records read from the ring buffer.", m.records.Load()},
		{"eksguard_runtime_events_total", "Events evaluated against the rules.", m.events.Load()},
		{"eksguard_runtime_alerts_total", "Alerts raised.", m.alerts.Load()},
		{"eksguard_runtime_decode_errors_total", "Records dropped in user space because they could not be decoded.", m.decodeErrors.Load()},
		{"eksguard_runtime_truncated_total", "Events whose path or command line was cut at the kernel buffer.", m.truncated.Load()},
		{"eksguard_runtime_lost_ringbuf_total", "Events lost in the kernel because the ring buffer was full.", m.lostRing.Load()},
		{"eksguard_runtime_processes", "Processes in the process table.", m.procs.Load()},
		{"eksguard_runtime_responses_total", "Response actions taken or planned.", m.responses.Load()},
		{"eksguard_runtime_response_errors_total", "Response actions that failed.", m.responseErrors.Load()},
	} {
		typ := "counter"
		if c.name == "eksguard_runtime_processes" {
			typ = "gauge"
		}
		fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s %s\n%s %d\n", c.name, c.help, c.name, typ, c.name, c.v)
	}
}

func newDetectRuntime() *cobra.Command {
	var (
		out         outputFlags
		failOn      string
		ruleFiles   []string
		duration    time.Duration
		metricsAddr string
		respondFile string
		ringMiB     int
		procRoot    string
		cgroupRoot  string
		kube        kubeFlags
		kubeOn      bool
		nodeName    string
	)
	c := &cobra.Command{
		Use:   "runtime --rules FILE...",
		Short: "Run Falco's syscall rules over this node's processes with eksguard's eBPF sensor",
		Long: `Runtime loads eksguard's eBPF sensor (CO-RE: it needs a kernel with BTF, and root or
CAP_BPF, CAP_PERFMON and CAP_SYS_RESOURCE), builds the process table from /proc and evaluates
Falco syscall rules (falco_rules.yaml and the incubating and sandbox files load unchanged) on
every traced event: execve/execveat, open/openat/openat2/creat, mkdir, unlink, rename, link,
symlink, chmod, connect, accept, ptrace, setuid/setgid, memfd_create, init_module.

A rule that uses a field the sensor does not offer yet is listed as inactive at start
("N of M rules active"), never dropped silently. Events lost in the kernel (ring buffer full)
are counted, served on --metrics and raised as "eksguard sensor dropped events" alerts.
--respond maps rules to actions (isolate the pod, cordon the node, capture evidence) carried
out as "eksguard respond isolate" does, journaled the same way (release them with "eksguard
respond release INCIDENT"); dry-run unless the file says otherwise; live actions need
--kubernetes.

Runs until interrupted or --duration passes. Exit status: 0 no alert at or above --fail-on,
1 alerts at or above it, 2 usage, rule or sensor errors.`,
		Example: "  eksguard detect runtime --rules falco_rules.yaml -f falco-json\n" +
			"  eksguard detect runtime --rules falco_rules.yaml --rules falco-sandbox_rules.yaml --respond respond.yaml --kubernetes",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if len(ruleFiles) == 0 {
				return usageErr("give at least one syscall rule file with --rules")
			}
			if ringMiB < 1 || ringMiB&(ringMiB-1) != 0 || ringMiB > 1024 {
				return usageErr("--ring-buffer-mib %d: want a power of two from 1 to 1024", ringMiB)
			}
			threshold, err := finding.ParseSeverity(failOn)
			if err != nil {
				return usageErr("--fail-on: %v", err)
			}
			// A sensor runs for the life of the node: keep its heap near what it uses, rather
			// than letting the collector trail it (unless the user chose).
			if os.Getenv("GOMEMLIMIT") == "" {
				debug.SetMemoryLimit(48 << 20)
			}
			rs, err := loadRuntimeRules(ruleFiles)
			if err != nil {
				return usageErr("rules: %v", err)
			}
			stderr := cmd.ErrOrStderr()
			total := len(rs.Rules) + len(rs.Inactive)
			fmt.Fprintf(stderr, "eksguard: %d of %d rules active (%d enabled)\n", len(rs.Rules), total, rs.Enabled())
			for _, in := range rs.Inactive {
				fmt.Fprintf(stderr, "eksguard: rule %q (%s:%d) inactive: %s\n", in.Name, in.File, in.Line, in.Reason)
			}
			for _, s := range rs.Skipped {
				fmt.Fprintf(stderr, "eksguard: rule %q (%s:%d) skipped: source %s is not the syscall source\n", s.Name, s.File, s.Line, s.Source)
			}
			var disp *respond.Dispatcher
			if respondFile != "" {
				data, err := bounded.ReadFile(respondFile, 1<<20)
				if err != nil {
					return usageErr("--respond: %v", err)
				}
				plan, err := respond.Parse(respondFile, data)
				if err != nil {
					return usageErr("--respond: %v", err)
				}
				for _, name := range plan.RuleNames() {
					if !ruleKnown(rs, name) {
						fmt.Fprintf(stderr, "eksguard: warning: --respond names rule %q, which is not an active rule\n", name)
					}
				}
				if !plan.DryRun && !kubeOn {
					return usageErr("--respond %s: dryRun: false acts on pods through the API server: add --kubernetes", respondFile)
				}
				disp = &respond.Dispatcher{Plan: plan, Actor: "eksguard detect runtime", Responder: respond.Describe{}}
				mode := "dry-run"
				if !plan.DryRun {
					mode = "live"
				}
				fmt.Fprintf(stderr, "eksguard: response plan %s: %d rules, %s\n", respondFile, len(plan.Rules), mode)
			}
			table := &proc.Table{ProcRoot: procRoot, Cgroups: &container.Resolver{ProcRoot: procRoot, CgroupRoot: container.UnifiedRoot(cgroupRoot)}}
			if kubeOn {
				cfg, _, err := kube.config()
				if err != nil {
					return err
				}
				pods, err := proc.NewKubePods(cfg, nodeName)
				if err != nil {
					return usageErr("kubeconfig: %v", err)
				}
				table.Pods = pods
				if disp != nil {
					r, err := irespond.New(cfg, irespond.Options{})
					if err != nil {
						return usageErr("--respond: %v", err)
					}
					disp.Responder = respond.Live{Responder: r}
				}
			}
			if syscalls.Names.Len() > 0 {
				// fd.sip.name: the names the rules compare it with, resolved before the
				// sensor starts (2 s each at most)
				if failed := syscalls.Names.Refresh(context.Background(), 2*time.Second); len(failed) > 0 {
					fmt.Fprintf(stderr, "eksguard: fd.sip.name: %s did not resolve (retried every minute)\n", strings.Join(failed, ", "))
				}
			}
			s, err := sensor.Open(sensor.Options{RingBytes: uint32(ringMiB) << 20, Syscalls: neededSyscalls(rs)})
			if err != nil {
				return &exitError{code: ExitUsage, err: err}
			}
			defer s.Close()
			for _, n := range s.Notes {
				fmt.Fprintln(stderr, "eksguard: sensor:", n)
			}
			fmt.Fprintf(stderr, "eksguard: syscalls traced for the active rules (besides execs): %s\n", orNone(strings.Join(s.Traced, " ")))
			table.BootWallNs = s.WallNs(0)
			if err := table.Scan(); err != nil {
				return &exitError{code: ExitUsage, err: fmt.Errorf("reading %s: %w", procRoot, err)}
			}
			fmt.Fprintf(stderr, "eksguard: sensor attached; %d processes read from %s\n", table.Len(), procRoot)

			metas := detectMetas(rs)
			metas[monitor.DropRule] = dropMeta()
			w, err := out.open(cmd.OutOrStdout())
			if err != nil {
				return err
			}
			defer w.Close()
			var ruleMetas []*rule.Meta
			for _, r := range rs.Rules {
				ruleMetas = append(ruleMetas, metas[r])
			}
			ruleMetas = append(ruleMetas, metas[monitor.DropRule])
			h := newHeader([]string{"runtime sensor"}, ruleMetas, map[string]string{"rules": fmt.Sprintf("%d of %d active", len(rs.Rules), total)})
			if err := w.Begin(h); err != nil {
				return err
			}
			start := time.Now()
			sum := &report.Summary{FailOn: threshold.String()}
			var mu sync.Mutex // Emit is called from the reader and the loss ticker
			met := &runtimeMetrics{}
			type pending struct {
				res *respond.Result
				req *respond.Request
			}
			var responses chan pending // decided responses, carried out off the event path
			responderDone := make(chan struct{})
			if disp == nil {
				close(responderDone)
			} else {
				responses = make(chan pending, 64)
				go func() {
					defer close(responderDone)
					for p := range responses {
						if p.req != nil {
							disp.Do(context.WithoutCancel(cmd.Context()), p.res, p.req)
						}
						met.responses.Add(1)
						if p.res.Err != nil {
							met.responseErrors.Add(1)
						}
						fmt.Fprintln(stderr, "eksguard: respond:", p.res.String())
					}
				}()
			}
			host, _ := os.Hostname()
			emit := func(a *stream.Alert) error {
				mu.Lock()
				defer mu.Unlock()
				met.alerts.Add(1)
				f := alertFinding(a, metas[a.Rule])
				sum.Stats.Count(&f)
				if f.Counts() && f.Severity >= threshold {
					sum.Failed = true
				}
				if disp != nil {
					// Decided here, in order; carried out by the responder goroutine, so
					// that API calls never hold up the reading of events.
					if res, req := disp.Decide(a); res != nil {
						select {
						case responses <- pending{res, req}:
						default:
							met.responseErrors.Add(1)
							fmt.Fprintf(stderr, "eksguard: respond: rule %q on %s/%s: not answered: %d responses already waiting\n", res.Rule, res.Namespace, res.Pod, cap(responses))
						}
					}
				}
				return w.Group(&report.Group{File: "runtime", Subject: a.Subject, Findings: []finding.Finding{f}})
			}
			mon := &monitor.Monitor{Rules: rs, Table: table, WallNs: s.WallNs, Hostname: host, Emit: emit}

			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			if duration > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, duration)
				defer cancel()
			}
			if syscalls.Names.Len() > 0 {
				// fd.sip.name: resolved again every minute, off the event path
				go func() {
					t := time.NewTicker(time.Minute)
					defer t.Stop()
					for {
						select {
						case <-ctx.Done():
							return
						case <-t.C:
							syscalls.Names.Refresh(ctx, 2*time.Second)
						}
					}
				}()
			}
			if metricsAddr != "" {
				ln, err := net.Listen("tcp", metricsAddr)
				if err != nil {
					return usageErr("--metrics: %v", err)
				}
				mux := http.NewServeMux()
				mux.Handle("/metrics", met)
				srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
				go srv.Serve(ln)
				defer srv.Close()
				fmt.Fprintf(stderr, "eksguard: metrics on http://%s/metrics\n", ln.Addr())
			}
			var last sensor.Lost
			checkLost := func() {
				l, err := s.Lost()
				if err != nil {
					return
				}
				met.lostRing.Store(l.RingBuffer)
				if l.Total() > last.Total() {
					d := sensor.Lost{RingBuffer: l.RingBuffer - last.RingBuffer}
					last = l
					fmt.Fprintf(stderr, "eksguard: sensor lost %d events (ring buffer full)\n", d.Total())
					emit(monitor.DropAlert(d, time.Now(), host))
				}
			}
			tickDone := make(chan struct{})
			go func() {
				defer close(tickDone)
				t := time.NewTicker(time.Second)
				defer t.Stop()
				for {
					select {
					case <-ctx.Done():
						return
					case <-t.C:
						checkLost()
					}
				}
			}()
			readErr := s.Read(ctx, func(raw []byte) error {
				err := mon.Handle(raw)
				met.records.Store(mon.Stats.Records)
				met.events.Store(mon.Stats.Events)
				met.decodeErrors.Store(mon.Stats.DecodeErrors)
				met.truncated.Store(mon.Stats.Truncated)
				met.procs.Store(uint64(table.Len()))
				return err
			})
			<-tickDone
			checkLost()
			if responses != nil {
				mu.Lock()
				close(responses) // responses under way are finished before the summary
				mu.Unlock()
			}
			<-responderDone
			if readErr != nil {
				sum.Errors = append(sum.Errors, finding.InputError{Input: "runtime sensor", Message: readErr.Error()})
			}
			if mon.Stats.DecodeErrors > 0 {
				sum.Errors = append(sum.Errors, finding.InputError{Input: "runtime sensor",
					Message: fmt.Sprintf("%d records could not be decoded and were dropped", mon.Stats.DecodeErrors)})
			}
			sum.Stats.Documents = int(mon.Stats.Events)
			sum.Stats.Objects = sum.Stats.Documents
			fmt.Fprintf(stderr, "eksguard: %d records, %d events, %d alerts, lost %d (ring buffer), %d undecodable, %d truncated\n",
				mon.Stats.Records, mon.Stats.Events, mon.Stats.Alerts, last.Total(), mon.Stats.DecodeErrors, mon.Stats.Truncated)
			mu.Lock()
			defer mu.Unlock()
			if err := scan.End(w, sum, start); err != nil {
				return err
			}
			return finish(sum, nil, w)
		},
	}
	out.registerAll(c, false)
	failOnFlag(c, &failOn, "an alert")
	c.Flags().StringArrayVar(&ruleFiles, "rules", nil, "Falco syscall rule file (repeatable; later files append to and override earlier ones)")
	c.Flags().SetNormalizeFunc(func(_ *pflag.FlagSet, name string) pflag.NormalizedName {
		if name == "rules-file" {
			name = "rules"
		}
		return pflag.NormalizedName(name)
	})
	c.Flags().DurationVar(&duration, "duration", 0, "stop after this long (default: until interrupted)")
	c.Flags().StringVar(&metricsAddr, "metrics", "", "serve Prometheus metrics (events, losses, alerts) on ADDR at /metrics")
	c.Flags().StringVar(&respondFile, "respond", "", "response plan: rules mapped to actions (see docs/runtime.md); dry-run unless it says dryRun: false")
	c.Flags().IntVar(&ringMiB, "ring-buffer-mib", 8, "kernel ring buffer size in MiB (a power of two)")
	c.Flags().StringVar(&procRoot, "proc", "/proc", "the host's proc file system (in a pod: the host's /proc mounted read-only)")
	c.Flags().StringVar(&cgroupRoot, "cgroup-root", "/sys/fs/cgroup", "the host's cgroup file system (its cgroup v2 part is used)")
	c.Flags().BoolVar(&kubeOn, "kubernetes", false, "name pods and namespaces from the API server (kubeconfig, or the pod's service account)")
	c.Flags().StringVar(&nodeName, "node-name", os.Getenv("NODE_NAME"), "this node's name: list only its pods (whose node is the one --respond cordons)")
	kube.register(c)
	return c
}

func ruleKnown(rs *detect.Ruleset, name string) bool {
	for _, r := range rs.Rules {
		if r.Name == name {
			return true
		}
	}
	return name == monitor.DropRule.Name
}

// dropMeta describes the sensor's lost-events alert.
func dropMeta() *rule.Meta {
	r := monitor.DropRule
	return &rule.Meta{
		ID: "detect/eksguard-sensor-dropped-events", Title: r.Name, Description: r.Desc,
		Remediation: "Give the sensor a larger ring buffer (--ring-buffer-mib) or more CPU; find what floods the node with syscalls. Treat the gap as unmonitored time.",
		Severity:    severityOf(r.Priority), Category: "detection", Target: target.Kind("event"), Tags: r.Tags,
		References: []ref.Ref{ref.Guide("runtime-security", "Runtime security")},
		Extra:      map[string]string{falcojson.ExtraRule: r.Name, falcojson.ExtraPriority: r.Priority.String(), falcojson.ExtraSource: r.Source, "definedAt": "built-in"},
	}
}
