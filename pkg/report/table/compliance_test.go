package table

import (
	"strings"
	"testing"

	"github.com/eksguard/eksguard/pkg/report/reporttest"
)

// TestGolden renders the shared fixture, the compliance view included.
func TestGolden(t *testing.T) {
	reporttest.Golden(t, "full.txt", reporttest.Full(t, New))
}

func TestCompliance(t *testing.T) {
	out := string(reporttest.Full(t, New))
	for _, want := range []string{
		"CIS Amazon EKS Benchmark v1.8.0 (cis-eks-1.8): 1 pass, 2 fail, 1 manual, 2 not evaluated, 1 unknown",
		"FAIL          4.1.1",
		"2 findings; rules: rbac/cluster-admin-binding",
		"MANUAL        4.3.1",
		"FAIL          3.2.4",
		"NOT-EVALUATED 4.1.7",
		"passed on kubernetes; aws: the AWS account was not scanned",
		"NOT-EVALUATED 4.3.2",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q", want)
		}
	}
	if strings.ContainsAny(out, "\x1b\x00\x07") {
		t.Error("raw control character in the table")
	}
}
