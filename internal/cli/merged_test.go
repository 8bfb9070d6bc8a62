package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/eksguard/eksguard/internal/awsfixture"
	"github.com/eksguard/eksguard/internal/testbed"
	"github.com/eksguard/eksguard/pkg/compliance"
	awssrc "github.com/eksguard/eksguard/pkg/source/aws"
	"github.com/eksguard/eksguard/pkg/target"
)

// snapshots saves the good and bad AWS fixture accounts, and a good one whose CloudTrail
// call was denied.
func snapshots(t *testing.T) (good, bad, denied string) {
	t.Helper()
	dir := t.TempDir()
	good, bad, denied = filepath.Join(dir, "good"), filepath.Join(dir, "bad"), filepath.Join(dir, "denied")
	d := awsfixture.Good()
	d.PutError("cloudtrail/DescribeTrails.json", &target.APIError{Code: "AccessDeniedException", Message: "not authorized", Action: "cloudtrail:DescribeTrails"})
	for dir, s := range map[string]awssrc.Store{good: awsfixture.Good(), bad: awsfixture.Bad(), denied: d} {
		if err := s.Save(dir); err != nil {
			t.Fatal(err)
		}
	}
	return good, bad, denied
}

func view(t *testing.T, out string) map[string]compliance.Control {
	t.Helper()
	d := decode(t, out)
	if len(d.Summary.Compliance) != 1 {
		t.Fatalf("%d compliance views", len(d.Summary.Compliance))
	}
	c := controls(t, d.Summary.Compliance[0])
	if len(c) != 50 {
		t.Errorf("view has %d controls, want every control of CIS EKS v1.8.0 (50)", len(c))
	}
	return c
}

type want map[string]compliance.Status

func check(t *testing.T, name string, c map[string]compliance.Control, w want) {
	t.Helper()
	for id, st := range w {
		if c[id].Status != st {
			t.Errorf("%s: %s is %s (%s), want %s", name, id, c[id].Status, c[id].Reason, st)
		}
	}
}

// scan node --compliance: section 3 from fixture host trees (pass, fail, unknown), every
// other section not evaluated, naming the scan that would evaluate it.
func TestScanNodeCompliance(t *testing.T) {
	good, bad, empty := hostTree(t, "base: al2023"), hostTree(t, "base: al2-misconfigured"), t.TempDir()
	code, out, errb := run(t, "", "scan", "node", "--host-root", good, "-f", "json", "--compliance", "cis-eks-1.8")
	if code != ExitClean {
		t.Fatalf("exit %d\n%s", code, errb)
	}
	c := view(t, out)
	check(t, "al2023", c, want{"3.1.1": compliance.Pass, "3.2.9": compliance.Pass, "2.1.1": compliance.NotEvaluated, "4.1.1": compliance.NotEvaluated,
		"5.1.1": compliance.NotEvaluated, "4.3.1": compliance.Manual, "5.5.1": compliance.Manual})
	if r := c["2.1.1"].Reason; !strings.Contains(r, "run eksguard scan aws") {
		t.Errorf("2.1.1 reason %q", r)
	}
	if r := c["4.1.1"].Reason; !strings.Contains(r, "eksguard scan cluster") {
		t.Errorf("4.1.1 reason %q", r)
	}
	_, out, _ = run(t, "", "scan", "node", "--host-root", bad, "-f", "json", "--compliance", "cis-eks-1.8")
	c = view(t, out)
	for _, id := range []string{"3.1.1", "3.1.2", "3.1.3", "3.1.4", "3.2.1", "3.2.2", "3.2.3", "3.2.4", "3.2.5", "3.2.6", "3.2.7", "3.2.8", "3.2.9"} {
		if c[id].Status != compliance.Fail || c[id].Failures == 0 {
			t.Errorf("misconfigured node: %s %+v", id, c[id])
		}
	}
	_, out, _ = run(t, "", "scan", "node", "--host-root", empty, "-f", "json", "--compliance", "cis-eks-1.8")
	c = view(t, out)
	check(t, "empty host", c, want{"3.1.3": compliance.Unknown, "3.2.1": compliance.Unknown})
	if r := c["3.1.3"].Reason; !strings.Contains(r, "node/kubelet-config-permissions could not evaluate") {
		t.Errorf("unknown reason %q", r)
	}
	code, table, _ := run(t, "", "scan", "node", "--host-root", bad, "--compliance", "cis-eks-1.8")
	if code != ExitFindings || !strings.Contains(table, "3.2.4") || !strings.Contains(table, "5.4.4") {
		t.Errorf("table: exit %d\n%s", code, table)
	}
}

// scan aws --compliance: sections 2 and 5 and 4.1.7 from snapshots (pass, fail, unknown on a
// denied call), 4.1.7 waiting for the Kubernetes side.
func TestScanAWSCompliance(t *testing.T) {
	good, bad, denied := snapshots(t)
	_, out, errb := run(t, "", "scan", "aws", "--snapshot", good, "-f", "json", "--compliance", "cis-eks-1.8")
	c := view(t, out)
	check(t, "good", c, want{"2.1.1": compliance.Pass, "2.1.2": compliance.Pass, "5.1.1": compliance.Pass, "5.3.1": compliance.Pass,
		"5.4.1": compliance.Pass, "5.4.3": compliance.Pass, "3.1.1": compliance.NotEvaluated, "4.1.7": compliance.NotEvaluated,
		"5.1.4": compliance.NotEvaluated, "5.4.4": compliance.Manual})
	if r := c["4.1.7"].Reason; !strings.HasPrefix(r, "passed on aws; kubernetes: ") {
		t.Errorf("4.1.7 reason %q\n%s", r, errb)
	}
	_, out, _ = run(t, "", "scan", "aws", "--snapshot", bad, "-f", "json", "--compliance", "cis-eks-1.8")
	check(t, "bad", view(t, out), want{"2.1.1": compliance.Fail, "2.1.2": compliance.Fail, "5.1.1": compliance.Fail, "5.3.1": compliance.Fail,
		"5.4.1": compliance.Fail, "4.1.7": compliance.Fail, "5.2.1": compliance.Fail})
	_, out, _ = run(t, "", "scan", "aws", "--snapshot", denied, "-f", "json", "--compliance", "cis-eks-1.8")
	c = view(t, out)
	check(t, "denied", c, want{"2.1.2": compliance.Unknown, "2.1.1": compliance.Pass})
	if r := c["2.1.2"].Reason; !strings.Contains(r, "permission denied for cloudtrail:DescribeTrails") {
		t.Errorf("2.1.2 reason %q", r)
	}
}

// compliance cis-eks-1.8 runs every input in one process and prints one report with every
// control; saved, it replays into every format.
func TestComplianceMerged(t *testing.T) {
	good, _, _ := snapshots(t)
	node := hostTree(t, "base: al2023")
	saved := filepath.Join(t.TempDir(), "merged.json")
	code, out, errb := run(t, "", "compliance", "cis-eks-1.8",
		"--manifests", "../../rules/rbac/testdata/aws-auth-system-masters/pass",
		"--manifests", "../../rules/pod/testdata/privileged/fail/daemonset-privileged.yaml",
		"--host-root", node, "--aws-snapshot", good, "-f", "json", "-o", "json="+saved)
	if code != ExitFindings {
		t.Fatalf("exit %d\n%s", code, errb)
	}
	d := decode(t, out)
	c := view(t, out)
	check(t, "merged", c, want{"4.1.7": compliance.Pass, "3.2.1": compliance.Pass, "2.1.1": compliance.Pass, "4.2.1": compliance.Fail,
		"5.4.4": compliance.Manual, "4.1.1": compliance.NotEvaluated})
	if len(d.Inputs) < 4 || d.Settings["node:host-root"] == "" || d.Settings["aws:cluster"] != awsfixture.Cluster {
		t.Errorf("inputs %v settings %v", d.Inputs, d.Settings)
	}
	for format, w := range map[string]string{
		"table": "4.1.7",
		"junit": `<testsuite name="compliance cis-eks-1.8"`,
		"sarif": `"compliance": [`,
		"json":  `"id":"5.5.1"`,
	} {
		_, got, errb := run(t, "", "report", "convert", saved, "-f", format)
		if !strings.Contains(got, w) {
			t.Errorf("%s lacks %q\n%s", format, w, errb)
		}
	}
	// The 4.1.7 combination across inputs: the aws-auth ConfigMap fails, the AWS side passes.
	_, out, _ = run(t, "", "compliance", "cis-eks-1.8", "--manifests", "../../rules/rbac/testdata/aws-auth-system-masters/fail/maproles.yaml",
		"--aws-snapshot", good, "-f", "json")
	check(t, "aws-auth fails", view(t, out), want{"4.1.7": compliance.Fail})

	// An input that cannot be read whole is listed and makes the run exit 2; the rest merges.
	broken := t.TempDir()
	write(t, broken, "bad.yaml", "kind: Pod\nmetadata: [\n")
	code, out, _ = run(t, "", "compliance", "cis-eks-1.8", "--manifests", broken, "--aws-snapshot", good, "-f", "json")
	if d := decode(t, out); code != ExitUsage || len(d.Summary.Errors) != 1 || !strings.Contains(d.Summary.Errors[0].Input, "bad.yaml") {
		t.Errorf("broken manifest: exit %d, errors %+v", code, d.Summary.Errors)
	}
	check(t, "broken manifest", view(t, out), want{"2.1.1": compliance.Pass})

	for _, bad := range [][]string{
		{"compliance", "cis-eks-1.8"},
		{"compliance", "cis-eks-9", "--host-root", node},
		{"compliance", "cis-eks-1.8", "--aws-cluster", "x", "--aws-snapshot", good},
		{"compliance", "cis-eks-1.8", "--context", "x"},
		{"compliance", "cis-eks-1.8", "--from-report", filepath.Join(t.TempDir(), "missing.json")},
		{"compliance", "cis-eks-1.8", "--aws-snapshot", filepath.Join(t.TempDir(), "missing")},
	} {
		if code, _, errb := run(t, "", bad...); code != ExitUsage || errb == "" {
			t.Errorf("%v: exit %d, %q", bad, code, errb)
		}
	}
}

// Saved reports of scans taken on different machines merge: two nodes (one misconfigured),
// an AWS snapshot scanned without --compliance, a manifest scan with it.
func TestComplianceFromReports(t *testing.T) {
	good, _, denied := snapshots(t)
	dir := t.TempDir()
	save := func(name string, args ...string) string {
		t.Helper()
		file := filepath.Join(dir, name)
		code, out, errb := run(t, "", args...)
		if code == ExitUsage {
			t.Fatalf("%v: %s", args, errb)
		}
		if err := os.WriteFile(file, []byte(out), 0o644); err != nil {
			t.Fatal(err)
		}
		return file
	}
	n1 := save("n1.json", "scan", "node", "--host-root", hostTree(t, "base: bottlerocket"), "--node-name", "n1", "-f", "json")
	n2 := save("n2.json", "scan", "node", "--host-root", hostTree(t, "base: al2-misconfigured"), "--node-name", "n2", "-f", "json", "--compliance", "cis-eks-1.8")
	aws := save("aws.json", "scan", "aws", "--snapshot", good, "-f", "json")
	awsDenied := save("aws-denied.json", "scan", "aws", "--snapshot", denied, "-f", "json")
	k8s := save("k8s.json", "scan", "../../rules/rbac/testdata/aws-auth-system-masters/pass", "-f", "json", "--compliance", "cis-eks-1.8")

	_, out, errb := run(t, "", "compliance", "cis-eks-1.8", "--from-report", n1, "--from-report", aws, "--from-report", k8s, "-f", "json")
	c := view(t, out)
	check(t, "one good node", c, want{"3.2.1": compliance.Pass, "2.1.2": compliance.Pass, "4.1.7": compliance.Pass, "4.2.1": compliance.NotEvaluated})
	if t.Failed() {
		t.Log(errb)
	}
	_, out, _ = run(t, "", "compliance", "cis-eks-1.8", "--from-report", n1, "--from-report", n2, "--from-report", awsDenied, "-f", "json")
	d := decode(t, out)
	c = view(t, out)
	check(t, "two nodes", c, want{"3.2.1": compliance.Fail, "2.1.2": compliance.Unknown, "4.1.7": compliance.NotEvaluated, "4.1.1": compliance.NotEvaluated})
	if c["3.2.1"].Failures != 1 || d.Settings["n1.json:host-root"] == "" || d.Settings["n2.json:host-root"] == "" {
		t.Errorf("3.2.1 %+v settings %v", c["3.2.1"], d.Settings)
	}
	nodes := map[string]bool{}
	for _, f := range d.Findings {
		nodes[f.Subject.Node] = true
	}
	if !nodes["n2"] {
		t.Errorf("findings of n2 missing: %v", nodes)
	}
	// A manifest report made without --compliance: workload rules count, rules of other
	// kinds are not evaluated (the report does not say which kinds it read).
	plain := save("plain.json", "scan", "../../rules/pod/testdata/privileged/fail/daemonset-privileged.yaml", "../../rules/rbac/testdata/cluster-admin-binding/pass", "-f", "json")
	_, out, _ = run(t, "", "compliance", "cis-eks-1.8", "--from-report", plain, "-f", "json")
	c = view(t, out)
	check(t, "plain manifests", c, want{"4.2.1": compliance.Fail, "4.2.3": compliance.Pass, "4.1.3": compliance.NotEvaluated})
	if r := c["4.1.3"].Reason; !strings.Contains(r, "scan again with --compliance") {
		t.Errorf("4.1.3 reason %q", r)
	}
	// A DaemonSet log holds one report per period: the last one counts.
	log := filepath.Join(dir, "daemonset.log")
	r1, _ := os.ReadFile(n1)
	r2, _ := os.ReadFile(n2)
	os.WriteFile(log, append(r1, r2...), 0o644)
	_, out, _ = run(t, "", "compliance", "cis-eks-1.8", "--from-report", log, "-f", "json")
	check(t, "daemonset log", view(t, out), want{"3.2.1": compliance.Fail})
	os.WriteFile(log, append(r1, r2[:len(r2)/2]...), 0o644)
	if code, _, errb := run(t, "", "compliance", "cis-eks-1.8", "--from-report", log); code != ExitUsage || !strings.Contains(errb, "daemonset.log: report 2") {
		t.Errorf("truncated log: exit %d %s", code, errb)
	}
	// A report and a live scan together.
	code, out, _ := run(t, "", "compliance", "cis-eks-1.8", "--from-report", n2, "--aws-snapshot", good, "-f", "json", "--fail-on", "none")
	if code != ExitClean {
		t.Errorf("--fail-on none: exit %d", code)
	}
	check(t, "report and live", view(t, out), want{"3.2.1": compliance.Fail, "2.1.1": compliance.Pass})
	// Not a report.
	junk := filepath.Join(dir, "junk.json")
	os.WriteFile(junk, []byte(`{"tool":"other"}`), 0o644)
	if code, _, errb := run(t, "", "compliance", "cis-eks-1.8", "--from-report", junk); code != ExitUsage || !strings.Contains(errb, "junk.json") {
		t.Errorf("junk report: exit %d %s", code, errb)
	}
}

// compliance --cluster scans a real API server next to an AWS snapshot and a node: the
// aws-auth ConfigMap read from the cluster and the snapshot's authentication mode decide
// 4.1.7 together.
func TestComplianceLiveCluster(t *testing.T) {
	bed := testbed.Start(t)
	bed.InstallCRDs(t)
	clusterFixtures(t, bed, "cli-compliance")
	aa, err := os.ReadFile("../../rules/rbac/testdata/aws-auth-system-masters/pass/nodes-only.yaml")
	if err != nil {
		t.Fatal(err)
	}
	bed.Apply(t, string(aa))
	kc := testbed.Kubeconfig(t, bed.ScannerConfig(t), t.TempDir())
	good, _, _ := snapshots(t)
	code, out, errb := run(t, "", "compliance", "cis-eks-1.8", "--cluster", "--kubeconfig", kc, "--aws-snapshot", good,
		"--host-root", hostTree(t, "base: bottlerocket"), "-f", "json")
	if code != ExitFindings {
		t.Fatalf("exit %d\n%s", code, errb)
	}
	c := view(t, out)
	check(t, "live", c, want{"4.1.7": compliance.Pass, "4.2.1": compliance.Fail, "3.2.1": compliance.Pass, "2.1.1": compliance.Pass, "5.4.4": compliance.Manual})
	if d := decode(t, out); d.Settings["cluster:cluster"] == "" || len(d.Summary.Errors) != 0 {
		t.Errorf("settings %v errors %v", d.Settings, d.Summary.Errors)
	}
}

// FuzzLastReport reads untrusted --from-report files: an error or a report, never a panic,
// and a report's compliance views merge.
func FuzzLastReport(f *testing.F) {
	f.Add([]byte(`{"tool":"eksguard","rules":[{"id":"node/kubelet-anonymous-auth"}],"findings":[],"summary":{"stats":{}}}`))
	f.Add([]byte(`{"tool":"eksguard"} {"tool":"eksguard","findings":[{"ruleId":"x","status":"error","evidence":{"unknown":"why"}}],"summary":{"compliance":[{"benchmark":"cis-eks-1.8","sections":[{"controls":[{"id":"3.2.1","status":"zzz"}]}]}]}}`))
	f.Add([]byte(`{"tool":"eksguard","rules":[null]}`))
	f.Add([]byte(`[[[[[[[[[[[[[[[[[[[[`))
	b, err := compliance.Lookup(compliance.CISEKS)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := lastReport(data)
		if err != nil {
			return
		}
		v := viewOf(b, d)
		if _, err := compliance.Merge(b, []*compliance.Report{v}); err != nil && v.Benchmark == b.Name {
			t.Fatal(err)
		}
	})
}
