package cli

import (
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/eksguard/eksguard/internal/fakeaws"
	"github.com/eksguard/eksguard/pkg/finding"
)

// TestScanAWSLive runs `scan aws --cluster` and `aws snapshot` end to end: the standard
// credential chain (here: the environment), the real SDK, a loopback endpoint.
func TestScanAWSLive(t *testing.T) {
	fake := fakeaws.New()
	fake.Deny("cloudtrail:DescribeTrails")
	srv := httptest.NewServer(fake)
	defer srv.Close()
	dir := t.TempDir()
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "no-config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "no-credentials"))
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")

	judge := func(out string) {
		t.Helper()
		doc := decode(t, out)
		denied := false
		for _, f := range doc.Findings {
			switch {
			case f.RuleID == "aws/cloudtrail" && f.Message == "unknown: permission denied for cloudtrail:DescribeTrails":
				denied = true
			case f.RuleID == "aws/cluster-version-support" && f.Status == finding.StatusFail:
				// depends on the day the test runs
			default:
				t.Errorf("unexpected %s %s: %s", f.RuleID, f.Status, f.Message)
			}
		}
		if !denied {
			t.Error("want aws/cloudtrail unknown: permission denied")
		}
	}
	code, out, errb := run(t, "", "scan", "aws", "--cluster", "shop", "--endpoint-url", srv.URL, "-f", "json")
	if code != ExitFindings { // the unknown control counts
		t.Fatalf("exit %d\n%s\n%s", code, out, errb)
	}
	judge(out)

	snap := filepath.Join(dir, "snap")
	code, _, errb = run(t, "", "aws", "snapshot", "--cluster", "shop", "--endpoint-url", srv.URL, "--dir", snap)
	if code != ExitClean || !strings.Contains(errb, "saved") {
		t.Fatalf("snapshot: exit %d %s", code, errb)
	}
	if _, err := os.Stat(filepath.Join(snap, "eks", "DescribeCluster.json")); err != nil {
		t.Fatal(err)
	}
	_, out, _ = run(t, "", "scan", "aws", "--snapshot", snap, "-f", "json")
	judge(out)

	code, _, errb = run(t, "", "scan", "aws", "--cluster", "other", "--endpoint-url", srv.URL)
	if code != ExitUsage || !strings.Contains(errb, `cluster "other" not found`) {
		t.Errorf("unknown cluster: exit %d %s", code, errb)
	}
	// The hidden -o alias of --dir still works.
	code, _, errb = run(t, "", "aws", "snapshot", "--cluster", "shop", "--endpoint-url", srv.URL, "-o", snap)
	if code != ExitUsage || !strings.Contains(errb, "not empty") {
		t.Errorf("snapshot into a full directory: exit %d %s", code, errb)
	}
}
