package falcojson

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/eksguard/eksguard/pkg/finding"
	"github.com/eksguard/eksguard/pkg/report"
	"github.com/eksguard/eksguard/pkg/rule"
)

func TestAlertShape(t *testing.T) {
	var out bytes.Buffer
	w := New(&out, report.Options{})
	h := &report.Header{Rules: []*rule.Meta{
		{ID: "detect/x", Tags: []string{"k8s"}, Extra: map[string]string{ExtraRule: "Rule X", ExtraPriority: "Warning", ExtraSource: "k8s_audit"}},
		{ID: "pod/other"},
	}}
	w.Begin(h)
	msg := "user=a\"b\\c <x> & \x01 tab\t nl\n bad\xff \u2028 ünï"
	err := w.Group(&report.Group{Findings: []finding.Finding{
		{RuleID: "detect/x", Message: msg, Evidence: map[string]string{"ka.user.name": "a\"b", "time": "2026-11-26T10:00:00.1Z"}},
		{RuleID: "pod/other", Message: "not an alert"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	w.End(nil)
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 1 {
		t.Fatalf("%d lines: %q", len(lines), out.String())
	}
	var a struct {
		Hostname     string         `json:"hostname"`
		Output       string         `json:"output"`
		OutputFields map[string]any `json:"output_fields"`
		Priority     string         `json:"priority"`
		Rule         string         `json:"rule"`
		Source       string         `json:"source"`
		Tags         []string       `json:"tags"`
		Time         string         `json:"time"`
	}
	dec := json.NewDecoder(strings.NewReader(lines[0]))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&a); err != nil {
		t.Fatalf("%v: %s", err, lines[0])
	}
	want := "10:00:00.100000000: Warning " + strings.ToValidUTF8(msg, "\ufffd")
	if a.Output != want || a.Priority != "Warning" || a.Rule != "Rule X" || a.Source != "k8s_audit" || a.Time != "2026-11-26T10:00:00.100000000Z" ||
		len(a.Tags) != 1 || a.OutputFields["ka.user.name"] != "a\"b" || a.OutputFields["evt.time"] != float64(1795687200100000000) {
		t.Errorf("alert %+v", a)
	}
	if !utf8.ValidString(lines[0]) || !strings.Contains(lines[0], "<x> & ") {
		t.Errorf("line %q", lines[0])
	}
}
