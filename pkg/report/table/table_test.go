package table

import (
	"bytes"
	"strings"
	"testing"

	"github.com/eksguard/eksguard/pkg/engine"
	"github.com/eksguard/eksguard/pkg/finding"
	"github.com/eksguard/eksguard/pkg/report"
)

func render(t *testing.T, opts report.Options, groups ...report.Group) string {
	t.Helper()
	var b bytes.Buffer
	w := New(&b, opts)
	if err := w.Begin(&report.Header{Tool: report.Tool, Settings: map[string]string{"allowed-registries": "any (no allow-list)"}}); err != nil {
		t.Fatal(err)
	}
	var sum report.Summary
	for i := range groups {
		for j := range groups[i].Findings {
			sum.Stats.Count(&groups[i].Findings[j])
		}
		if err := w.Group(&groups[i]); err != nil {
			t.Fatal(err)
		}
	}
	sum.Errors = []finding.InputError{{Input: "bad\x1b[2J.yaml", Line: 3, Message: "malformed YAML"}}
	sum.Stats.InputErrors = 1
	if err := w.End(&sum); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestGroupsSortsAndSanitises(t *testing.T) {
	g := report.Group{
		File:    "deploy/web.yaml",
		Subject: finding.Subject{Kind: "Deployment", Namespace: "shop", Name: "web\x1b]0;pwned\x07\rEVIL"},
		Findings: []finding.Finding{
			{RuleID: "pod/image-digest", Status: finding.StatusFail, Severity: finding.SeverityInfo, Message: "not pinned",
				Location: finding.Location{Line: 9, Path: "spec.template.spec.containers[0].image"}},
			{RuleID: "pod/privileged", Status: finding.StatusFail, Severity: finding.SeverityCritical, Message: "container \"web\" runs privileged\x1b[31m",
				Location: finding.Location{Line: 12, Path: "spec.template.spec.containers[0].securityContext.privileged"}},
			{RuleID: "pod/host-pid", Status: finding.StatusSkip, Severity: finding.SeverityHigh, Message: "exempt",
				Suppressed: &finding.Suppression{Reason: "reviewed", Source: "config"}},
		},
	}
	out := render(t, report.Options{}, g)
	if strings.ContainsAny(out, "\x1b\x07\r") {
		t.Fatalf("control characters reached the terminal:\n%q", out)
	}
	if strings.Index(out, "pod/privileged") > strings.Index(out, "pod/image-digest") {
		t.Error("findings are not sorted most severe first")
	}
	if strings.Contains(out, "pod/host-pid") {
		t.Error("exempted finding shown without --show-exempted")
	}
	for _, want := range []string{"deploy/web.yaml  Deployment/shop/web\\u001b]0;pwned\\u0007\\u000dEVIL", "line 12  spec.template.spec.containers[0].securityContext.privileged",
		"Input errors", "bad\\u001b[2J.yaml:3: malformed YAML", "2 findings (1 critical, 1 info)", "1 exempted", "Image registries: any"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if shown := render(t, report.Options{ShowSuppressed: true}, g); !strings.Contains(shown, "pod/host-pid (exempt: reviewed)") {
		t.Errorf("--show-exempted does not list the exemption:\n%s", shown)
	}
	if colored := render(t, report.Options{Color: true}, g); !strings.Contains(colored, "\x1b[1;31mCRITICAL") {
		t.Error("colour requested but not written")
	}
}

// The summary line words itself from what the run read.
func TestSummaryWording(t *testing.T) {
	for _, c := range []struct {
		st   report.Stats
		want string
	}{
		{report.Stats{Subject: report.SubjectImage, Packages: 143, Stats: engine.Stats{Files: 1, Objects: 1}}, "0 findings in 1 image (143 packages)."},
		{report.Stats{Subject: report.SubjectNode, Stats: engine.Stats{Files: 1, Objects: 1}}, "0 findings in 1 node."},
		{report.Stats{Subject: report.SubjectAWS, Stats: engine.Stats{Files: 1, Objects: 1}}, "0 findings in 1 AWS account snapshot."},
		{report.Stats{Subject: report.SubjectEvent, Stats: engine.Stats{Files: 2, Objects: 120}}, "0 findings in 120 events from 2 inputs."},
		{report.Stats{Stats: engine.Stats{Files: 3, Objects: 12, Workloads: 4}}, "0 findings in 12 objects (4 workloads) from 3 files."},
	} {
		var buf bytes.Buffer
		w := New(&buf, report.Options{})
		if err := w.End(&report.Summary{Stats: c.st}); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(buf.String(), c.want) {
			t.Errorf("got %q, want %q", buf.String(), c.want)
		}
	}
}

func TestSummaryWordingBinaries(t *testing.T) {
	st := report.Stats{Subject: report.SubjectBinary, Stats: engine.Stats{Files: 2, Objects: 31}}
	if got := st.Scanned(); got != "in 31 packages of 2 binaries" {
		t.Errorf("got %q", got)
	}
	st.Subject = report.SubjectInventory
	st.Files = 1
	if got := st.Scanned(); got != "in 31 packages of 1 inventory" {
		t.Errorf("got %q", got)
	}
}
