package cli

import (
	"encoding/json"
	"encoding/xml"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/eksguard/eksguard/internal/hosttree"
	"github.com/eksguard/eksguard/pkg/finding"
)

func hostTree(t *testing.T, spec string) string { return hosttree.BuildT(t, spec) }

// TestScanNode runs `scan node` end to end on fixture hosts, in every format.
func TestScanNode(t *testing.T) {
	good := hostTree(t, "base: al2023")
	code, out, errb := run(t, "", "scan", "node", "--host-root", good, "-f", "json")
	if code != ExitClean {
		t.Fatalf("healthy AL2023 node: exit %d\n%s\n%s", code, out, errb)
	}
	doc := decode(t, out)
	if len(doc.Rules) != 16 || len(doc.Findings) != 0 || doc.Settings["kubelet-source"] != "/proc/812/cmdline" {
		t.Errorf("rules %d findings %d settings %v", len(doc.Rules), len(doc.Findings), doc.Settings)
	}

	bad := hostTree(t, "base: al2-misconfigured")
	dir := t.TempDir()
	sarifFile, junitFile := filepath.Join(dir, "r.sarif"), filepath.Join(dir, "r.xml")
	code, out, _ = run(t, "", "scan", "node", "--host-root", bad, "-f", "json", "-o", "sarif="+sarifFile, "-o", "junit="+junitFile, "--node-name", "n1")
	if code != ExitFindings {
		t.Fatalf("misconfigured node: exit %d\n%s", code, out)
	}
	doc = decode(t, out)
	fails := map[string]bool{}
	for _, f := range doc.Findings {
		if f.Status == finding.StatusFail && f.Subject.Node == "n1" {
			fails[f.RuleID] = true
		}
	}
	if len(fails) != 16 {
		t.Errorf("want all 16 node rules to fail, got %d: %v", len(fails), fails)
	}
	var sarif struct {
		Runs []struct {
			Results []json.RawMessage `json:"results"`
		} `json:"runs"`
	}
	data, _ := os.ReadFile(sarifFile)
	if err := json.Unmarshal(data, &sarif); err != nil || len(sarif.Runs) != 1 || len(sarif.Runs[0].Results) != 16 {
		t.Errorf("SARIF: %v %s", err, data)
	}
	var junit struct {
		Suites []struct{} `xml:"testsuite"`
	}
	data, _ = os.ReadFile(junitFile)
	if err := xml.Unmarshal(data, &junit); err != nil || len(junit.Suites) == 0 {
		t.Errorf("JUnit: %v", err)
	}
	code, table, _ := run(t, "", "scan", "node", "--host-root", bad, "--rules", "node/kubelet-read-only-port")
	if code != ExitFindings || !strings.Contains(table, "the read-only port is 10255") || strings.Contains(table, "node/sshd") {
		t.Errorf("table with --rules: exit %d\n%s", code, table)
	}

	// Nothing found: every kubelet check is unknown (status error), never a pass.
	empty := t.TempDir()
	code, out, _ = run(t, "", "scan", "node", "--host-root", empty, "-f", "json")
	doc = decode(t, out)
	unknown := 0
	for _, f := range doc.Findings {
		if f.Status == finding.StatusError && strings.HasPrefix(f.Message, "unknown: ") {
			unknown++
		}
	}
	if code != ExitFindings || unknown != 16 {
		t.Errorf("empty host: exit %d, %d unknown findings\n%s", code, unknown, out)
	}

	code, _, errb = run(t, "", "scan", "node", "--host-root", filepath.Join(empty, "missing"))
	if code != ExitUsage || !strings.Contains(errb, "--host-root") {
		t.Errorf("missing host root: exit %d %s", code, errb)
	}
}
