package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/eksguard/eksguard/pkg/compliance"
	"github.com/eksguard/eksguard/pkg/config"
	"github.com/eksguard/eksguard/pkg/finding"
	rjson "github.com/eksguard/eksguard/pkg/report/json"
	"github.com/eksguard/eksguard/pkg/rule"
	"github.com/eksguard/eksguard/rules/all"
)

// newCompliance is "eksguard compliance BENCHMARK": one benchmark report over every input
// given, scanned now or replayed from saved JSON reports.
func newCompliance() *cobra.Command {
	var (
		out                                 outputFlags
		failOn, cfgFile                     string
		manifests, fromReports              []string
		liveCluster                         bool
		kubeconfig, kubeContext             string
		hostRoot, proc, nodeName            string
		awsCluster, region, awsSnap, awsEnd string
		awsObjects                          []string
	)
	c := &cobra.Command{
		Use:   "compliance BENCHMARK",
		Short: "One benchmark report over manifests, a cluster, a node and the AWS account, scanned or replayed",
		Long: `Compliance runs the scans of the inputs given, or reads their saved JSON reports, and prints
one report: every finding of every input, and the benchmark's view with every control and its
status (pass, fail, unknown, manual, or not evaluated naming the scan that would evaluate it).
A control that several inputs feed (CIS EKS 4.1.7: the aws-auth ConfigMap and the cluster's
authentication mode) fails if any input fails, is unknown if any is unknown and none fails,
and passes only when every input feeding it passed. Reports of several nodes merge the
same way: a control fails if it fails on any node.

Inputs (at least one; each may be given once, --manifests and --from-report repeat):
  --manifests PATH        eksguard scan PATH
  --cluster               eksguard scan cluster (--kubeconfig, --context)
  --host-root DIR         eksguard scan node --host-root DIR (--proc, --node-name)
  --aws-cluster NAME      eksguard scan aws --cluster NAME (--region)
  --aws-snapshot DIR      eksguard scan aws --snapshot DIR
  --from-report FILE      a saved "-f json" report of scan, scan cluster, scan node, scan aws

A saved report made with --compliance carries its own view; one made without it is judged
from its rule list and findings (a listed rule with no finding passed; rules that read given
kinds of Kubernetes objects, such as RBAC, are not evaluated: save reports with --compliance).
A file holding several reports one after the other (a DaemonSet log) gives the last one.

The merged report is JSON-replayable with "eksguard report convert".
Exit status: 0 nothing at or above --fail-on, 1 findings at or above it, 2 usage errors or
inputs that could not be read whole.`,
		Example: "  eksguard compliance cis-eks-1.8 --cluster --aws-cluster prod --region eu-west-1\n" +
			"  eksguard compliance cis-eks-1.8 --aws-snapshot prod-snapshot/ --from-report node-a.json --from-report node-b.json -f json",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			b, err := compliance.Lookup(args[0])
			if err != nil {
				return usageErr("%v", err)
			}
			threshold, err := finding.ParseSeverity(failOn)
			if err != nil {
				return usageErr("--fail-on: %v", err)
			}
			common := []string{"-f", "json", "--compliance", b.Name, "--fail-on", failOn}
			if cmd.Flags().Changed("config") {
				common = append(common, "--config", cfgFile)
			}
			var scans []struct {
				name string
				args []string
			}
			add := func(name string, args ...string) {
				scans = append(scans, struct {
					name string
					args []string
				}{name, append(args, common...)})
			}
			if len(manifests) > 0 {
				paths := make([]string, len(manifests))
				for i, p := range manifests {
					// A relative path could be taken for a subcommand (node, aws, cluster).
					if p != "-" && !filepath.IsAbs(p) && !strings.HasPrefix(p, ".") {
						p = "./" + p
					}
					paths[i] = p
				}
				add("manifests", append([]string{"scan"}, paths...)...)
			}
			if liveCluster {
				a := []string{"scan", "cluster"}
				if kubeconfig != "" {
					a = append(a, "--kubeconfig", kubeconfig)
				}
				if kubeContext != "" {
					a = append(a, "--context", kubeContext)
				}
				add("cluster", a...)
			} else if kubeconfig != "" || kubeContext != "" {
				return usageErr("--kubeconfig and --context need --cluster")
			}
			if hostRoot != "" {
				a := []string{"scan", "node", "--host-root", hostRoot}
				if proc != "" {
					a = append(a, "--proc", proc)
				}
				if nodeName != "" {
					a = append(a, "--node-name", nodeName)
				}
				add("node", a...)
			} else if proc != "" || nodeName != "" {
				return usageErr("--proc and --node-name need --host-root")
			}
			switch {
			case awsCluster != "" && awsSnap != "":
				return usageErr("--aws-cluster and --aws-snapshot exclude each other")
			case awsCluster != "" || awsSnap != "":
				a := []string{"scan", "aws"}
				if awsSnap != "" {
					a = append(a, "--snapshot", awsSnap)
				} else {
					a = append(a, "--cluster", awsCluster)
				}
				if region != "" {
					a = append(a, "--region", region)
				}
				if awsEnd != "" {
					a = append(a, "--endpoint-url", awsEnd)
				}
				for _, o := range awsObjects {
					a = append(a, "--objects", o)
				}
				add("aws", a...)
			case region != "" || len(awsObjects) > 0:
				return usageErr("--region and --aws-objects need --aws-cluster or --aws-snapshot")
			}
			if len(scans) == 0 && len(fromReports) == 0 {
				return usageErr("no input: give --manifests, --cluster, --host-root, --aws-cluster, --aws-snapshot or --from-report")
			}
			var docs []*rjson.Document
			var names []string
			for _, s := range scans {
				d, err := subScan(cmd, s.args)
				if err != nil {
					return usageErr("%s: %v", s.name, err)
				}
				docs, names = append(docs, d), append(names, s.name)
			}
			for _, file := range fromReports {
				d, err := readReport(file)
				if err != nil {
					return usageErr("--from-report %v", err)
				}
				docs, names = append(docs, d), append(names, filepath.Base(file))
			}
			views := make([]*compliance.Report, 0, len(docs))
			for _, d := range docs {
				views = append(views, viewOf(b, d))
			}
			merged := rjson.Merge(docs, names, threshold)
			view, err := compliance.Merge(b, views)
			if err != nil {
				return usageErr("%v", err)
			}
			merged.Summary.Compliance = []*compliance.Report{view}
			w, err := out.open(cmd.OutOrStdout())
			if err != nil {
				return err
			}
			defer w.Close()
			if err := rjson.Replay(merged, w); err != nil {
				return usageErr("%v", err)
			}
			if err := w.Close(); err != nil {
				return err
			}
			return exitFor(&merged.Summary)
		},
	}
	out.register(c)
	c.Flags().StringVar(&failOn, "fail-on", "low", "exit 1 when a finding is at or above this severity: info, low, medium, high, critical, none")
	c.Flags().StringVar(&cfgFile, "config", config.DefaultFile, "config file of the scans run (exemptions, rule selection)")
	c.Flags().StringArrayVar(&manifests, "manifests", nil, "scan these manifest files or directories (repeatable; - for stdin)")
	c.Flags().BoolVar(&liveCluster, "cluster", false, "scan the live cluster of the kubeconfig")
	c.Flags().StringVar(&kubeconfig, "kubeconfig", "", "kubeconfig of --cluster")
	c.Flags().StringVar(&kubeContext, "context", "", "kubeconfig context of --cluster")
	c.Flags().StringVar(&hostRoot, "host-root", "", "scan the worker node whose root filesystem is mounted here (/ on the node itself)")
	c.Flags().StringVar(&proc, "proc", "", "the node's /proc (default HOST-ROOT/proc)")
	c.Flags().StringVar(&nodeName, "node-name", "", "node name in findings")
	c.Flags().StringVar(&awsCluster, "aws-cluster", "", "scan the AWS account around this EKS cluster (live, read-only)")
	c.Flags().StringVar(&region, "region", "", "AWS region of --aws-cluster")
	c.Flags().StringVar(&awsSnap, "aws-snapshot", "", "scan a snapshot saved by eksguard aws snapshot")
	c.Flags().StringArrayVar(&awsObjects, "aws-objects", nil, "ServiceAccount manifests for the AWS identity checks (as scan aws --objects)")
	c.Flags().StringVar(&awsEnd, "aws-endpoint-url", "", "send every AWS call to this base URL")
	_ = c.Flags().MarkHidden("aws-endpoint-url")
	c.Flags().StringArrayVar(&fromReports, "from-report", nil, "merge a saved JSON report of scan, scan cluster, scan node or scan aws (repeatable)")
	return c
}

// subScan runs one eksguard scan in this process with JSON output and reads its report.
// Findings (exit 1) and unreadable inputs listed in the report (exit 2) still give a report.
func subScan(cmd *cobra.Command, args []string) (*rjson.Document, error) {
	var buf bytes.Buffer
	root := newRoot(cmd.InOrStdin(), &buf, cmd.ErrOrStderr())
	root.SetArgs(args)
	if err := root.ExecuteContext(cmd.Context()); err != nil {
		var ee *exitError
		if !errors.As(err, &ee) || ee.code == ExitUsage && buf.Len() == 0 {
			return nil, err
		}
	}
	return rjson.Read(&buf)
}

// maxReport bounds a saved report read by --from-report.
const maxReport = 1 << 30

// readReport reads a saved JSON report. A file holding several reports one after the other
// (the log of the node DaemonSet, which scans again --every period) gives the last one.
func readReport(file string) (*rjson.Document, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxReport+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %v", file, err)
	}
	if len(data) > maxReport {
		return nil, fmt.Errorf("%s: larger than %d bytes", file, maxReport)
	}
	d, err := lastReport(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", file, err)
	}
	return d, nil
}

// lastReport decodes the last of the JSON reports in data.
func lastReport(data []byte) (*rjson.Document, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	var last json.RawMessage
	for n := 1; ; n++ {
		var v json.RawMessage
		if err := dec.Decode(&v); err == io.EOF {
			break
		} else if err != nil {
			return nil, fmt.Errorf("report %d: not an eksguard JSON report: %v", n, err)
		}
		last = v
	}
	if last == nil {
		return nil, errors.New("empty")
	}
	return rjson.Read(bytes.NewReader(last))
}

// viewOf is the benchmark view of one report: its own when it was made with --compliance,
// otherwise one judged from its rule list and findings (a rule it lists that has no finding
// passed, when the report says it read what the rule reads: a node, an AWS account,
// workloads; rules of RBAC and other object kinds are not evaluated, since such a report
// does not record which kinds it read; rules eksguard no longer has are left out).
func viewOf(b *compliance.Benchmark, d *rjson.Document) *compliance.Report {
	for _, v := range d.Summary.Compliance {
		if v != nil && v.Benchmark == b.Name {
			return v
		}
	}
	reg := all.Registry()
	var rules []rule.Rule
	for _, m := range d.Rules {
		if r, ok := reg.Get(m.ID); ok {
			rules = append(rules, r)
		}
	}
	t := compliance.NewTracker(b, rules)
	for i := range d.Findings {
		t.Observe(&d.Findings[i])
	}
	return t.Report(compliance.Unrecorded{Workloads: d.Summary.Stats.Workloads}, d.Summary.Stats.Objects)
}
