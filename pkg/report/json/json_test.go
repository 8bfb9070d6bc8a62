package json

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/eksguard/eksguard/pkg/finding"
	"github.com/eksguard/eksguard/pkg/report"
)

func TestStreamIsValidJSONAndReplays(t *testing.T) {
	for _, groups := range [][]report.Group{
		nil,
		{{File: "a.yaml", Subject: finding.Subject{Kind: "Pod", Name: "p"}, Findings: []finding.Finding{
			{RuleID: "pod/privileged", Status: finding.StatusFail, Severity: finding.SeverityCritical, Message: "m \"quoted\" \x00"},
			{RuleID: "pod/host-pid", Status: finding.StatusSkip, Severity: finding.SeverityUnknown, Suppressed: &finding.Suppression{Reason: "r"}},
		}}, {File: "b.yaml", Subject: finding.Subject{Kind: "Pod", Name: "q"}, Findings: []finding.Finding{
			{RuleID: "pod/privileged", Status: finding.StatusFail, Severity: finding.SeverityCritical},
		}}},
	} {
		var b bytes.Buffer
		w := New(&b, report.Options{})
		h := &report.Header{Tool: report.Tool, Version: "test", Inputs: []string{"."}}
		if err := w.Begin(h); err != nil {
			t.Fatal(err)
		}
		for i := range groups {
			if err := w.Group(&groups[i]); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.End(&report.Summary{FailOn: "low"}); err != nil {
			t.Fatal(err)
		}
		if !json.Valid(b.Bytes()) {
			t.Fatalf("invalid JSON:\n%s", b.String())
		}
		doc, err := Read(bytes.NewReader(b.Bytes()))
		if err != nil {
			t.Fatal(err)
		}
		var again bytes.Buffer
		if err := Replay(doc, New(&again, report.Options{})); err != nil {
			t.Fatal(err)
		}
		if again.String() != b.String() {
			t.Errorf("replay differs:\n%s\n---\n%s", b.String(), again.String())
		}
	}
}

func TestReadRejectsForeignInput(t *testing.T) {
	for _, in := range []string{"", "[]", `{"tool":"trivy"}`, "{", `{"tool":"eksguard","rules":[null]}`} {
		if _, err := Read(strings.NewReader(in)); err == nil {
			t.Errorf("Read(%q) accepted foreign input", in)
		}
	}
}
