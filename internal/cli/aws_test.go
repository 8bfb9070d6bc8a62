package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/eksguard/eksguard/internal/awsfixture"
	"github.com/eksguard/eksguard/pkg/finding"
)

// TestScanAWSSnapshot runs `scan aws --snapshot` end to end in every format.
func TestScanAWSSnapshot(t *testing.T) {
	dir := t.TempDir()
	good, bad := filepath.Join(dir, "good"), filepath.Join(dir, "bad")
	if err := awsfixture.Good().Save(good); err != nil {
		t.Fatal(err)
	}
	if err := awsfixture.Bad().Save(bad); err != nil {
		t.Fatal(err)
	}
	code, out, errb := run(t, "", "scan", "aws", "--snapshot", good, "-f", "json")
	if code != ExitClean {
		t.Fatalf("good account: exit %d\n%s\n%s", code, out, errb)
	}
	if doc := decode(t, out); len(doc.Rules) != 24 || doc.Settings["scan-date"] != "2026-11-20" {
		t.Errorf("rules %d settings %v", len(doc.Rules), doc.Settings)
	}
	sarifFile, junitFile := filepath.Join(dir, "r.sarif"), filepath.Join(dir, "r.xml")
	code, out, _ = run(t, "", "scan", "aws", "--snapshot", bad, "-f", "json", "-o", "sarif="+sarifFile, "-o", "junit="+junitFile)
	if code != ExitFindings {
		t.Fatalf("bad account: exit %d", code)
	}
	failed := map[string]bool{}
	for _, f := range decode(t, out).Findings {
		if f.Status == finding.StatusFail {
			failed[f.RuleID] = true
		}
	}
	if len(failed) != 23 { // all but aws/private-cluster-endpoints (the bad cluster is public)
		t.Errorf("%d rules failed: %v", len(failed), failed)
	}
	var sarif struct {
		Runs []struct {
			Results []json.RawMessage `json:"results"`
		} `json:"runs"`
	}
	data, _ := os.ReadFile(sarifFile)
	if err := json.Unmarshal(data, &sarif); err != nil || len(sarif.Runs) != 1 || len(sarif.Runs[0].Results) < 23 {
		t.Errorf("SARIF: %v", err)
	}
	if data, _ := os.ReadFile(junitFile); !strings.Contains(string(data), "aws/ecr-repository-policy") {
		t.Error("JUnit lacks the AWS findings")
	}
	code, table, _ := run(t, "", "scan", "aws", "--snapshot", bad, "--rules", "aws/ecr-repository-policy")
	if code != ExitFindings || !strings.Contains(table, "principals outside the account may pull, push") {
		t.Errorf("table: exit %d\n%s", code, table)
	}

	// ServiceAccounts from manifests (--objects) replace the snapshot's.
	objs := write(t, dir, "sa.yaml", "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: orders\n  namespace: shop\n---\napiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: reports\n  namespace: shop\n  annotations:\n    eks.amazonaws.com/role-arn: arn:aws:iam::111122223333:role/other\n")
	code, out, _ = run(t, "", "scan", "aws", "--snapshot", good, "--objects", objs, "--rules", "aws/irsa-service-account", "-f", "json")
	msgs := ""
	for _, f := range decode(t, out).Findings {
		msgs += f.Subject.String() + ": " + f.Message + "\n"
	}
	if code != ExitFindings || !strings.Contains(msgs, "annotated role arn:aws:iam::111122223333:role/other does not exist") ||
		!strings.Contains(msgs, "trusts service account shop/reports, which is annotated with arn:aws:iam::111122223333:role/other") {
		t.Errorf("--objects: exit %d\n%s", code, msgs)
	}

	// A malformed file: an input error naming the file, exit 2, the rest still checked.
	if err := os.WriteFile(filepath.Join(bad, "eks", "DescribeCluster.json"), []byte("{oops"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, _ = run(t, "", "scan", "aws", "--snapshot", bad, "-f", "json")
	doc := decode(t, out)
	if code != ExitUsage || len(doc.Summary.Errors) != 1 || !strings.HasSuffix(doc.Summary.Errors[0].Input, "eks/DescribeCluster.json") || len(doc.Findings) == 0 {
		t.Errorf("malformed file: exit %d errors %+v", code, doc.Summary.Errors)
	}
	code, _, errb = run(t, "", "scan", "aws", "--snapshot", filepath.Join(dir, "none"))
	if code != ExitUsage || !strings.Contains(errb, "snapshot") {
		t.Errorf("missing snapshot: exit %d %s", code, errb)
	}
	// A snapshot whose manifest does not parse cannot be used at all: one plain message.
	broken := filepath.Join(dir, "broken")
	if err := os.MkdirAll(broken, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(broken, "manifest.json"), []byte("{"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errb = run(t, "", "scan", "aws", "--snapshot", broken)
	if want := broken + " cannot be used: " + filepath.Join(broken, "manifest.json") + ": malformed snapshot file"; code != ExitUsage || !strings.Contains(errb, want) || strings.Contains(errb, "[") {
		t.Errorf("broken manifest: exit %d %s", code, errb)
	}
	code, _, errb = run(t, "", "scan", "aws")
	if code != ExitUsage || !strings.Contains(errb, "--cluster") {
		t.Errorf("no cluster: exit %d %s", code, errb)
	}
}
