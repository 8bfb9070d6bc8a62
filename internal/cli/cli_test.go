package cli

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"os"
	"path/filepath"
	"strings"
	"testing"

	rjson "github.com/eksguard/eksguard/pkg/report/json"
)

// run executes the CLI in-process.
func run(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = Main(args, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

func write(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

const privilegedPod = `apiVersion: v1
kind: Pod
metadata:
  name: p
  namespace: shop
  labels:
    app: p
spec:
  containers:
  - name: c
    image: nginx:1.27
    securityContext:
      privileged: true
`

func decode(t *testing.T, s string) *rjson.Document {
	t.Helper()
	d, err := rjson.Read(strings.NewReader(s))
	if err != nil {
		t.Fatalf("%v\n%s", err, s)
	}
	return d
}

func TestScanExamples(t *testing.T) {
	code, out, _ := run(t, "", "scan", "../../examples", "-f", "json")
	if code != ExitFindings {
		t.Fatalf("exit %d, want 1", code)
	}
	d := decode(t, out)
	seen := map[string]bool{}
	for _, f := range d.Findings {
		seen[f.RuleID] = true
		if f.Location.File == "" || f.Location.Line == 0 || f.Location.Path == "" {
			t.Errorf("finding without file, line and path: %+v", f)
		}
	}
	for _, id := range []string{"pod/privileged", "pod/host-pid", "pod/host-network", "pod/host-path", "pod/run-as-root",
		"pod/privilege-escalation", "pod/capabilities-drop-all", "pod/no-seccomp", "pod/writable-root-fs",
		"pod/default-service-account", "pod/service-account-token", "pod/secret-env", "object/default-namespace",
		"pod/image-tag", "pod/image-digest", "pod/resource-limits", "pss/privileged", "pss/host-namespaces"} {
		if !seen[id] {
			t.Errorf("examples/ should show %s firing", id)
		}
	}
	if d.Summary.Stats.NotKubernetes != 1 {
		t.Errorf("skipped files = %d, want 1 (values.yaml)", d.Summary.Stats.NotKubernetes)
	}
}

func TestScanHardenedIsClean(t *testing.T) {
	code, out, errs := run(t, "", "scan", "../../examples/shop/hardened.yaml", "--pss-level", "restricted")
	if code != ExitClean {
		t.Fatalf("exit %d, want 0\n%s%s", code, out, errs)
	}
}

func TestScanStdinAndExitCodes(t *testing.T) {
	if code, _, _ := run(t, privilegedPod, "scan", "-"); code != ExitFindings {
		t.Errorf("privileged pod: exit %d, want 1", code)
	}
	if code, _, _ := run(t, privilegedPod, "scan", "-", "--fail-on", "none"); code != ExitClean {
		t.Errorf("--fail-on none: exit %d, want 0", code)
	}
	code, out, _ := run(t, privilegedPod, "scan", "-", "--rules", "pod/image-digest", "--fail-on", "low", "-f", "json")
	if code != ExitClean {
		t.Errorf("info finding under --fail-on low: exit %d, want 0", code)
	}
	if d := decode(t, out); len(d.Findings) != 1 || d.Findings[0].Location.File != "-" {
		t.Errorf("want one finding on stdin, got %+v", d.Findings)
	}
	for _, args := range [][]string{
		{"scan", "-", "--format", "nope"},
		{"scan", "-", "--no-such-flag"},
		{"scan", "-", "--rules", "pod/no-such-rule"},
		{"scan", "-", "--pss-level", "strict"},
		{"scan", "-", "--pss-version", "2.0"},
		{"scan", "-", "--fail-on", "severe"},
		{"scan", "-", "-o", "json"},
		{"rules", "explain", "pod/nothing"},
	} {
		if code, _, _ := run(t, privilegedPod, args...); code != ExitUsage {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
}

func TestMalformedInputContinues(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "a-bad.yaml", "apiVersion: v1\nkind: Pod\nmetadata:\n  name: bad\nspec: [\n")
	write(t, dir, "b-good.yaml", privilegedPod)
	code, out, _ := run(t, "", "scan", dir, "-f", "json")
	if code != ExitUsage {
		t.Errorf("exit %d, want 2 for an input error", code)
	}
	d := decode(t, out)
	if len(d.Summary.Errors) != 1 || !strings.HasSuffix(d.Summary.Errors[0].Input, "a-bad.yaml") || d.Summary.Errors[0].Line != 5 {
		t.Errorf("want one error naming a-bad.yaml line 5, got %+v", d.Summary.Errors)
	}
	found := false
	for _, f := range d.Findings {
		found = found || f.RuleID == "pod/privileged"
	}
	if !found {
		t.Error("the good file was not scanned after the bad one")
	}
}

func TestOutputsAndConvert(t *testing.T) {
	dir := t.TempDir()
	jsonFile := filepath.Join(dir, "r.json")
	code, table, _ := run(t, privilegedPod, "scan", "-", "-o", "json="+jsonFile, "--color", "never")
	if code != ExitFindings || !strings.Contains(table, "pod/privileged") {
		t.Fatalf("exit %d, table:\n%s", code, table)
	}
	code, replayed, errs := run(t, "", "report", "convert", jsonFile, "-f", "table")
	if code != 0 {
		t.Fatalf("convert: exit %d: %s", code, errs)
	}
	if replayed != table {
		t.Errorf("replayed table differs from the original:\n--- original\n%s\n--- replayed\n%s", table, replayed)
	}
	code, asJSON, _ := run(t, "", "report", "convert", jsonFile, "-f", "json")
	if code != 0 {
		t.Fatal("convert to json failed")
	}
	orig, _ := os.ReadFile(jsonFile)
	a, b := decode(t, string(orig)), decode(t, asJSON)
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	if !bytes.Equal(ja, jb) {
		t.Error("json -> convert -> json is not the identity")
	}
	bad := write(t, dir, "bad.json", `{"tool":"other"}`)
	if code, _, _ := run(t, "", "report", "convert", bad); code != ExitUsage {
		t.Errorf("convert of a foreign file: exit %d, want 2", code)
	}
}

func TestExemptions(t *testing.T) {
	dir := t.TempDir()
	pod := write(t, dir, "pod.yaml", privilegedPod)
	cfg := write(t, dir, "cfg.yaml", `exemptions:
- rule: pod/privileged
  namespace: shop
  name: p
  reason: vendor agent, reviewed in SEC-123
- rule: pss
  selector: app=p
  reason: tracked in SEC-124
- rule: pod/image-digest
  reason: old waiver
  expires: 2020-01-31
`)
	code, out, _ := run(t, "", "scan", pod, "--config", cfg, "-f", "json", "--rules", "pod/privileged,pss/privileged,pod/image-digest")
	d := decode(t, out)
	status := map[string]string{}
	for _, f := range d.Findings {
		status[f.RuleID] = string(f.Status)
	}
	if status["pod/privileged"] != "skip" || status["pss/privileged"] != "skip" {
		t.Errorf("exempted findings not skipped: %v", status)
	}
	if status["pod/image-digest"] != "fail" {
		t.Errorf("expired exemption still applied: %v", status)
	}
	if len(d.Summary.Expired) != 1 || d.Summary.Expired[0].Rule != "pod/image-digest" {
		t.Errorf("expired exemption not reported: %+v", d.Summary.Expired)
	}
	if code != ExitClean { // only the info finding is left, below --fail-on low
		t.Errorf("exit %d, want 0", code)
	}

	// Annotation exemptions are off unless the config turns them on.
	annotated := strings.Replace(privilegedPod, "  labels:\n", "  annotations:\n    exempt.eksguard.io/pod.privileged: \"I said so\"\n  labels:\n", 1)
	write(t, dir, "pod.yaml", annotated)
	if code, _, _ := run(t, "", "scan", pod, "--rules", "pod/privileged", "--config", write(t, dir, "empty.yaml", "{}\n")); code != ExitFindings {
		t.Errorf("annotation exemption honoured while off: exit %d", code)
	}
	on := write(t, dir, "on.yaml", "annotationExemptions: true\n")
	if code, _, _ := run(t, "", "scan", pod, "--rules", "pod/privileged", "--config", on); code != ExitClean {
		t.Errorf("annotation exemption ignored while on: exit %d", code)
	}
	if code, _, _ := run(t, "", "scan", pod, "--config", write(t, dir, "typo.yaml", "exemption: []\n")); code != ExitUsage {
		t.Errorf("unknown config field: exit %d, want 2", code)
	}
	if code, _, _ := run(t, "", "scan", pod, "--config", write(t, dir, "noreason.yaml", "exemptions:\n- rule: pod/privileged\n")); code != ExitUsage {
		t.Errorf("exemption without reason: exit %d, want 2", code)
	}
}

func TestRulesCommands(t *testing.T) {
	code, out, _ := run(t, "", "rules")
	if code != 0 || !strings.Contains(out, "pod/privileged") {
		t.Fatalf("rules: exit %d\n%s", code, out)
	}
	code, out, _ = run(t, "", "rules", "explain", "pod/privileged")
	if code != 0 || !strings.Contains(out, "CIS EKS 1.8.0 4.2.1") || !strings.Contains(out, "privileged: false") {
		t.Fatalf("explain: exit %d\n%s", code, out)
	}
	code, out, _ = run(t, "", "rules", "-f", "json")
	var metas []map[string]any
	if code != 0 || json.Unmarshal([]byte(out), &metas) != nil || len(metas) < 30 {
		t.Fatalf("rules -f json: exit %d", code)
	}
}

func TestAllowedRegistries(t *testing.T) {
	dir := t.TempDir()
	pod := write(t, dir, "pod.yaml", privilegedPod)
	cfg := write(t, dir, "cfg.yaml", "allowedRegistries: [\"123456789012.dkr.ecr.us-east-1.amazonaws.com\"]\n")
	code, out, _ := run(t, "", "scan", pod, "--config", cfg, "--rules", "pod/image-registry", "-f", "json")
	d := decode(t, out)
	if code != ExitFindings || len(d.Findings) != 1 || !strings.Contains(d.Findings[0].Message, "docker.io") {
		t.Errorf("want one registry finding naming docker.io, exit %d: %+v", code, d.Findings)
	}
	code, out, _ = run(t, "", "scan", pod, "--rules", "pod/image-registry")
	if code != ExitClean || !strings.Contains(out, "Image registries: any") {
		t.Errorf("default must accept any registry and say so; exit %d:\n%s", code, out)
	}
}

// TestEveryFormatOnExamples runs each format end to end on the bundled example and checks
// that it parses.
func TestEveryFormatOnExamples(t *testing.T) {
	dir := t.TempDir()
	sarifFile, junitFile := filepath.Join(dir, "r.sarif"), filepath.Join(dir, "r.xml")
	code, table, _ := run(t, "", "scan", "../../examples", "-o", "sarif="+sarifFile, "-o", "junit="+junitFile)
	if code != ExitFindings || !strings.Contains(table, "DaemonSet/shop/log-agent") {
		t.Fatalf("exit %d:\n%s", code, table)
	}
	var sarif struct {
		Version string `json:"version"`
		Runs    []struct {
			Results []struct {
				RuleID string `json:"ruleId"`
			} `json:"results"`
		} `json:"runs"`
	}
	data, _ := os.ReadFile(sarifFile)
	if err := json.Unmarshal(data, &sarif); err != nil || sarif.Version != "2.1.0" || len(sarif.Runs) != 1 || len(sarif.Runs[0].Results) < 40 {
		t.Errorf("SARIF: %v, %+v", err, sarif.Version)
	}
	var junit struct {
		Suites []struct {
			Tests int `xml:"tests,attr"`
		} `xml:"testsuite"`
	}
	data, _ = os.ReadFile(junitFile)
	if err := xml.Unmarshal(data, &junit); err != nil || len(junit.Suites) < 3 {
		t.Errorf("JUnit: %v, %d suites", err, len(junit.Suites))
	}
}
