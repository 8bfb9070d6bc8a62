package sarif

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/eksguard/eksguard/pkg/report/reporttest"

	"github.com/eksguard/eksguard/pkg/finding"
	"github.com/eksguard/eksguard/pkg/report"
	reportjson "github.com/eksguard/eksguard/pkg/report/json"
)

func TestGolden(t *testing.T) {
	reporttest.Golden(t, "full.sarif.json", reporttest.Full(t, New))
	reporttest.Golden(t, "empty.sarif.json", reporttest.Empty(t, New))
}

func TestRegistered(t *testing.T) {
	f, err := report.Lookup("sarif")
	if err != nil {
		t.Fatal(err)
	}
	if f.New == nil || f.Description == "" {
		t.Fatalf("format incomplete: %+v", f)
	}
}

// decode parses the output generically.
func decode(t *testing.T, b []byte) map[string]any {
	t.Helper()
	if !utf8.Valid(b) {
		t.Fatal("output is not valid UTF-8")
	}
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, b)
	}
	if dec.More() {
		t.Fatal("trailing data after the log")
	}
	return m
}

func obj(v any) map[string]any { m, _ := v.(map[string]any); return m }
func arr(v any) []any          { a, _ := v.([]any); return a }
func str(v any) string         { s, _ := v.(string); return s }

func TestContent(t *testing.T) {
	out := reporttest.Full(t, New)
	if bytes.Contains(out, []byte{0x1b}) || bytes.Contains(out, []byte{0}) || bytes.Contains(out, []byte("\u2028")) {
		t.Error("raw control characters in the output")
	}
	log := decode(t, out)
	if log["version"] != "2.1.0" || log["$schema"] != SchemaURI {
		t.Errorf("version/$schema: %v %v", log["version"], log["$schema"])
	}
	runs := arr(log["runs"])
	if len(runs) != 1 {
		t.Fatalf("%d runs", len(runs))
	}
	run := obj(runs[0])
	driver := obj(obj(run["tool"])["driver"])
	if driver["name"] != "eksguard" || driver["version"] != "1.2.3" || driver["informationUri"] != InformationURI {
		t.Errorf("driver: %v %v %v", driver["name"], driver["version"], driver["informationUri"])
	}
	h := reporttest.Header()
	rules := arr(driver["rules"])
	if len(rules) != len(h.Rules) {
		t.Fatalf("%d rules, want %d", len(rules), len(h.Rules))
	}
	for i, r := range rules {
		r, m := obj(r), h.Rules[i]
		props := obj(r["properties"])
		switch {
		case r["id"] != m.ID:
			t.Errorf("rule %d: id %v, want %s", i, r["id"], m.ID)
		case str(obj(r["shortDescription"])["text"]) != m.Title, str(obj(r["fullDescription"])["text"]) != m.Description:
			t.Errorf("%s: descriptions %v %v", m.ID, r["shortDescription"], r["fullDescription"])
		case str(props["security-severity"]) != m.Severity.Score():
			t.Errorf("%s: security-severity %v, want %s", m.ID, props["security-severity"], m.Severity.Score())
		case str(obj(r["defaultConfiguration"])["level"]) != Level(m.Severity):
			t.Errorf("%s: level %v", m.ID, r["defaultConfiguration"])
		case str(r["helpUri"]) != m.References[0].URL():
			t.Errorf("%s: helpUri %v, want %s", m.ID, r["helpUri"], m.References[0].URL())
		case !strings.HasPrefix(str(obj(r["help"])["text"]), strings.Trim(m.Remediation, "\n")),
			!strings.Contains(str(obj(r["help"])["markdown"]), "**References**"):
			t.Errorf("%s: help %v", m.ID, r["help"])
		}
		if tags := arr(props["tags"]); len(tags) == 0 || tags[0] != "security" {
			t.Errorf("%s: tags %v", m.ID, tags)
		}
	}
	if md := str(obj(obj(rules[0])["help"])["markdown"]); !strings.Contains(md, "```\nsecurityContext:\n  privileged: false\n```") {
		t.Errorf("remediation snippet is not a code block:\n%s", md)
	}

	results := arr(run["results"])
	// Rule errors, passes and empty groups are not results: 4 in the first group, 2 from
	// stdin, 2 reporttest.Hostile, 1 Windows, 1 absolute, 1 node.
	if len(results) != 11 {
		t.Fatalf("%d results, want 11", len(results))
	}
	byRule := map[string][]map[string]any{}
	for _, r := range results {
		r := obj(r)
		byRule[str(r["ruleId"])] = append(byRule[str(r["ruleId"])], r)
		if r["kind"] != "fail" {
			t.Errorf("%v: kind %v", r["ruleId"], r["kind"])
		}
		if idx, ok := r["ruleIndex"]; ok {
			i, _ := idx.(json.Number).Int64()
			if str(obj(rules[i])["id"]) != str(r["ruleId"]) {
				t.Errorf("ruleIndex %d names %v, not %v", i, obj(rules[i])["id"], r["ruleId"])
			}
		} else if r["ruleId"] != "custom/not-in-header" {
			t.Errorf("%v: no ruleIndex", r["ruleId"])
		}
		if fp := str(obj(r["partialFingerprints"])[FingerprintKey]); len(fp) != 32 {
			t.Errorf("%v: fingerprint %q", r["ruleId"], fp)
		}
		if strings.Contains(str(obj(r["message"])["text"]), "\x1b") {
			t.Errorf("raw escape in message %q", obj(r["message"])["text"])
		}
	}
	if _, ok := byRule["pod/seccomp"]; ok {
		t.Error("a rule error or a pass became a result")
	}
	levels := map[string]string{"pod/privileged": "error", "pod/run-as-root": "error", "object/default-namespace": "note",
		"pod/read-only-root": "note", "custom/not-in-header": "warning"}
	for id, want := range levels {
		for _, r := range byRule[id] {
			if r["level"] != want {
				t.Errorf("%s: level %v, want %s", id, r["level"], want)
			}
		}
	}

	first := obj(results[0])
	loc := obj(arr(first["locations"])[0])
	pl := obj(loc["physicalLocation"])
	if uri := str(obj(pl["artifactLocation"])["uri"]); uri != "k8s/web.yaml" {
		t.Errorf("uri %q", uri)
	}
	if reg := obj(pl["region"]); reg["startLine"] != json.Number("21") || reg["startColumn"] != json.Number("13") {
		t.Errorf("region %v", reg)
	}
	ll := obj(arr(loc["logicalLocations"])[0])
	if ll["name"] != "Deployment/shop/web" || ll["fullyQualifiedName"] != "Deployment/shop/web:spec.template.spec.containers[0].securityContext.privileged" {
		t.Errorf("logical location %v", ll)
	}
	if p := obj(first["properties"]); p["path"] != "spec.template.spec.containers[0].securityContext.privileged" || obj(p["evidence"])["container"] != "app" {
		t.Errorf("properties %v", p)
	}

	uris := map[string]bool{}
	for _, r := range results {
		for _, l := range arr(obj(r)["locations"]) {
			if pl := obj(obj(l)["physicalLocation"]); pl != nil {
				uris[str(obj(pl["artifactLocation"])["uri"])] = true
			}
		}
	}
	for _, r := range results {
		// GitHub code scanning rejects the whole log when a result has no artifact URI.
		for _, l := range arr(obj(r)["locations"]) {
			if str(obj(obj(obj(l)["physicalLocation"])["artifactLocation"])["uri"]) == "" {
				t.Errorf("%v: location without artifact URI", obj(r)["ruleId"])
			}
		}
		if len(arr(obj(r)["locations"])) == 0 {
			t.Errorf("%v: no location", obj(r)["ruleId"])
		}
	}
	for _, want := range []string{"stdin", "file:///C:/manifests/windows.yaml", "file:///abs/path/pod.yaml", "node/ip-10-0-0-1"} {
		if !uris[want] {
			t.Errorf("no location %q in %v", want, uris)
		}
	}

	var sup []any
	for _, r := range results {
		sup = append(sup, arr(obj(r)["suppressions"])...)
	}
	if len(sup) != 3 {
		t.Fatalf("%d suppressions, want 3", len(sup))
	}
	if s := obj(sup[0]); s["kind"] != "external" || s["justification"] != "load test environment" || s["status"] != "accepted" {
		t.Errorf("config suppression %v", s)
	}
	if s := obj(sup[1]); s["kind"] != "inSource" {
		t.Errorf("annotation suppression %v", s)
	}

	inv := obj(arr(run["invocations"])[0])
	if inv["executionSuccessful"] != false {
		t.Error("executionSuccessful with input errors")
	}
	if inv["startTimeUtc"] != "2026-01-02T03:04:05.000Z" || inv["endTimeUtc"] != "2026-01-02T03:04:06.500Z" {
		t.Errorf("times %v %v", inv["startTimeUtc"], inv["endTimeUtc"])
	}
	notes := arr(inv["toolExecutionNotifications"])
	if len(notes) != 3 {
		t.Fatalf("%d execution notifications, want 2 input errors and 1 rule error", len(notes))
	}
	in := obj(notes[0])
	inLoc := obj(obj(arr(in["locations"])[0])["physicalLocation"])
	if str(obj(in["descriptor"])["id"]) != NoteInputError || in["level"] != "error" ||
		str(obj(inLoc["artifactLocation"])["uri"]) != "k8s/broken.yaml" || obj(inLoc["region"])["startLine"] != json.Number("7") {
		t.Errorf("input error notification %v", in)
	}
	if uri := str(obj(obj(obj(arr(obj(notes[1])["locations"])[0])["physicalLocation"])["artifactLocation"])["uri"]); uri != "stdin" {
		t.Errorf("stdin input error at %q", uri)
	}
	re := obj(notes[2])
	if str(obj(re["associatedRule"])["id"]) != "pod/seccomp" || str(obj(re["descriptor"])["id"]) != NoteRuleError {
		t.Errorf("rule error notification %v", re)
	}
	if cfg := arr(inv["toolConfigurationNotifications"]); len(cfg) != 1 || str(obj(obj(cfg[0])["associatedRule"])["id"]) != "pod/privileged" {
		t.Errorf("expired exemption notifications %v", cfg)
	}
}

func TestEmpty(t *testing.T) {
	log := decode(t, reporttest.Empty(t, New))
	run := obj(arr(log["runs"])[0])
	if res, ok := run["results"].([]any); !ok || len(res) != 0 {
		t.Errorf("results %v, want []", run["results"])
	}
	inv := obj(arr(run["invocations"])[0])
	if inv["executionSuccessful"] != true || inv["toolExecutionNotifications"] != nil {
		t.Errorf("invocation %v", inv)
	}
	// A writer that only sees End still writes a whole log.
	var buf bytes.Buffer
	if err := New(&buf, report.Options{}).End(&report.Summary{}); err != nil {
		t.Fatal(err)
	}
	decode(t, buf.Bytes())
}

func TestFingerprint(t *testing.T) {
	a := finding.Finding{RuleID: "pod/privileged", Subject: reporttest.Deployment, Location: finding.Location{File: "a.yaml", Line: 3, Path: "spec.x"}}
	b := a
	b.Location.File, b.Location.Line, b.Message = "moved/b.yaml", 99, "reworded"
	if Fingerprint(&a) != Fingerprint(&b) {
		t.Error("fingerprint changes with file, line or message")
	}
	for _, change := range []func(f *finding.Finding){
		func(f *finding.Finding) { f.RuleID = "pod/run-as-root" },
		func(f *finding.Finding) { f.Subject.Name = "api" },
		func(f *finding.Finding) { f.Subject.Namespace = "other" },
		func(f *finding.Finding) { f.Location.Path = "spec.y" },
		// Field boundaries count: "ab"+"c" is not "a"+"bc".
		func(f *finding.Finding) { f.Subject.Namespace, f.Subject.Name = "shopw", "eb" },
	} {
		c := a
		change(&c)
		if Fingerprint(&c) == Fingerprint(&a) {
			t.Errorf("fingerprint ignores a change: %+v", c)
		}
	}
}

func TestArtifactURI(t *testing.T) {
	for in, want := range map[string]string{
		"-":                       "stdin",
		"k8s/web.yaml":            "k8s/web.yaml",
		"./k8s/web.yaml":          "./k8s/web.yaml",
		"../up/web.yaml":          "../up/web.yaml",
		`k8s\win\web.yaml`:        "k8s/win/web.yaml",
		`C:\k8s\web.yaml`:         "file:///C:/k8s/web.yaml",
		"/abs/web.yaml":           "file:///abs/web.yaml",
		"dir with space/100%.yml": "dir%20with%20space/100%25.yml",
		"a:b/web.yaml":            "./a:b/web.yaml",
		"ab:c/web.yaml":           "./ab:c/web.yaml",
		"q?x#y.yaml":              "q%3Fx%23y.yaml",
		"ü\xff\x1b.yaml":          "%C3%BC%FF%1B.yaml",
	} {
		if got := ArtifactURI(in); got != want {
			t.Errorf("ArtifactURI(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestLevel(t *testing.T) {
	for sev, want := range map[finding.Severity]string{
		finding.SeverityCritical: "error", finding.SeverityHigh: "error", finding.SeverityMedium: "warning",
		finding.SeverityLow: "note", finding.SeverityInfo: "note", finding.SeverityUnknown: "warning",
	} {
		if got := Level(sev); got != want {
			t.Errorf("Level(%v) = %s, want %s", sev, got, want)
		}
	}
}

// TestReplay converts a saved JSON report, as `eksguard report convert` does, and gets the
// same log as the live run.
func TestReplay(t *testing.T) {
	var groups []*report.Group
	for _, g := range reporttest.Groups() {
		// JSON cannot carry invalid UTF-8, an empty group leaves no trace in it, and the
		// JSON reader refuses severity "unknown" (which the JSON writer writes).
		if len(g.Findings) == 0 || strings.Contains(g.File, "evil") {
			continue
		}
		var keep []finding.Finding
		for _, f := range g.Findings {
			if f.Severity != finding.SeverityUnknown {
				keep = append(keep, f)
			}
		}
		g.Findings = keep
		groups = append(groups, g)
	}
	sum := reporttest.Summary(groups)
	sum.Errors[0].Message = "yaml: mapping values are not allowed in this context"
	sum.Expired[0].Reason = "old debug exemption"
	sum.Compliance[0].Sections[1].Controls[3].Reason = "pod/privileged could not evaluate 1 object(s)"
	live := reporttest.Render(t, New, reporttest.Header(), groups, sum)

	var saved bytes.Buffer
	render2 := func(w report.Writer) {
		if err := w.Begin(reporttest.Header()); err != nil {
			t.Fatal(err)
		}
		for _, g := range groups {
			if err := w.Group(g); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.End(sum); err != nil {
			t.Fatal(err)
		}
	}
	render2(reportjson.New(&saved, report.Options{}))
	doc, err := reportjson.Read(&saved)
	if err != nil {
		t.Fatal(err)
	}
	var replayed bytes.Buffer
	if err := reportjson.Replay(doc, New(&replayed, report.Options{})); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(live, replayed.Bytes()) {
		t.Errorf("replayed log differs from the live one\n%s", reporttest.FirstDiff(replayed.Bytes(), live))
	}
}

// TestManyGroups streams many groups and reads the log back whole.
func TestManyGroups(t *testing.T) {
	const n = 5000
	groups := make([]*report.Group, n)
	for i := range groups {
		f := finding.Finding{RuleID: "pod/privileged", Status: finding.StatusFail, Severity: finding.SeverityCritical,
			Subject: finding.Subject{Kind: "Pod", Namespace: "ns", Name: "p" + strconv.Itoa(i)}, Location: finding.Location{File: "a.yaml", Line: i + 1}, Message: "m"}
		groups[i] = &report.Group{File: "a.yaml", Subject: f.Subject, Findings: []finding.Finding{f}}
	}
	out := reporttest.Render(t, New, reporttest.Header(), groups, &report.Summary{})
	run := obj(arr(decode(t, out)["runs"])[0])
	if got := len(arr(run["results"])); got != n {
		t.Fatalf("%d results, want %d", got, n)
	}
	seen := map[string]bool{}
	for _, r := range arr(run["results"]) {
		seen[str(obj(obj(r)["partialFingerprints"])[FingerprintKey])] = true
	}
	if len(seen) != n {
		t.Errorf("%d distinct fingerprints for %d distinct findings", len(seen), n)
	}
}

func TestImageURI(t *testing.T) {
	for _, c := range []struct{ ref, file, want string }{
		{"dir:/srv/rootfs", "", "file:///srv/rootfs"},
		{"dir:/srv/rootfs/", "/usr/bin/su", "file:///srv/rootfs/usr/bin/su"},
		{"dir:rootfs", "/var/lib/dpkg/status", "rootfs/var/lib/dpkg/status"},
		{"oci:build/layout", "/usr/bin/su", "build/layout"},
		{"docker-archive:/tmp/app.tar", "", "file:///tmp/app.tar"},
		{"registry.example.com/app:1.0", "/usr/bin/su", "registry.example.com/app:1.0"},
		{"localhost:5000/app@sha256:abc", "", "./localhost:5000/app@sha256:abc"},
	} {
		if got := ImageURI(c.ref, c.file); got != c.want {
			t.Errorf("ImageURI(%q, %q) = %q, want %q", c.ref, c.file, got, c.want)
		}
	}
}
