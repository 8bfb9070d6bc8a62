package junit

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/eksguard/eksguard/pkg/report/reporttest"

	"github.com/eksguard/eksguard/pkg/report"
)

func TestGolden(t *testing.T) {
	reporttest.Golden(t, "full.junit.xml", reporttest.Full(t, New))
	reporttest.Golden(t, "empty.junit.xml", reporttest.Empty(t, New))
}

func TestRegistered(t *testing.T) {
	f, err := report.Lookup("junit")
	if err != nil {
		t.Fatal(err)
	}
	if f.New == nil || f.Description == "" {
		t.Fatalf("format incomplete: %+v", f)
	}
}

// The documented shape, as encoding/xml reads it back.
type xTestsuites struct {
	XMLName xml.Name   `xml:"testsuites"`
	Name    string     `xml:"name,attr"`
	Suites  []xTestsui `xml:"testsuite"`
}

type xTestsui struct {
	Name     string  `xml:"name,attr"`
	Tests    int     `xml:"tests,attr"`
	Failures int     `xml:"failures,attr"`
	Errors   int     `xml:"errors,attr"`
	Skipped  int     `xml:"skipped,attr"`
	Time     string  `xml:"time,attr"`
	Cases    []xCase `xml:"testcase"`
}

type xCase struct {
	Classname string   `xml:"classname,attr"`
	Name      string   `xml:"name,attr"`
	Failure   *xResult `xml:"failure"`
	Error     *xResult `xml:"error"`
	Skipped   *xResult `xml:"skipped"`
}

type xResult struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Body    string `xml:",chardata"`
}

func parse(t *testing.T, out []byte) *xTestsuites {
	t.Helper()
	checkShape(t, out)
	var doc xTestsuites
	if err := xml.Unmarshal(out, &doc); err != nil {
		t.Fatalf("output does not parse: %v\n%s", err, out)
	}
	if doc.Name != "eksguard" {
		t.Errorf("testsuites name %q", doc.Name)
	}
	for _, s := range doc.Suites {
		var c counts
		for _, tc := range s.Cases {
			c.tests++
			n := 0
			if tc.Failure != nil {
				c.failures++
				n++
			}
			if tc.Error != nil {
				c.errors++
				n++
			}
			if tc.Skipped != nil {
				c.skipped++
				n++
			}
			if n > 1 {
				t.Errorf("%s / %s: more than one outcome", s.Name, tc.Name)
			}
			if tc.Name == "" || tc.Classname == "" {
				t.Errorf("%s: testcase without name or classname: %+v", s.Name, tc)
			}
		}
		if got := (counts{s.Tests, s.Failures, s.Errors, s.Skipped}); got != c {
			t.Errorf("testsuite %q says %+v, holds %+v", s.Name, got, c)
		}
		if s.Tests == 0 {
			t.Errorf("empty testsuite %q", s.Name)
		}
	}
	return &doc
}

// schema is what the package documents, a subset of the Jenkins JUnit schema
// (junit-10.xsd): for each element its attributes (true: required), its children and
// whether it holds text.
var schema = map[string]struct {
	attrs    map[string]bool
	children map[string]bool
	text     bool
}{
	"testsuites": {attrs: map[string]bool{"name": true}, children: map[string]bool{"testsuite": true}},
	"testsuite": {attrs: map[string]bool{"name": true, "tests": true, "failures": true, "errors": true, "skipped": true, "time": true},
		children: map[string]bool{"testcase": true}},
	"testcase": {attrs: map[string]bool{"classname": true, "name": true, "time": true},
		children: map[string]bool{"failure": true, "error": true, "skipped": true}},
	"failure": {attrs: map[string]bool{"message": true, "type": true}, text: true},
	"error":   {attrs: map[string]bool{"message": true, "type": true}, text: true},
	"skipped": {attrs: map[string]bool{"message": false}},
}

// checkShape walks the tokens with a strict decoder (which rejects characters XML 1.0
// forbids) and checks every element, attribute and text against schema.
func checkShape(t *testing.T, out []byte) {
	t.Helper()
	if !utf8.Valid(out) {
		t.Fatal("output is not valid UTF-8")
	}
	if !bytes.HasPrefix(out, []byte("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites")) {
		t.Errorf("no XML declaration and testsuites root: %.80q", out)
	}
	for i, c := range out {
		if c < 0x20 && c != '\n' {
			t.Fatalf("raw control character %#x at byte %d", c, i)
		}
	}
	if bytes.Contains(out, []byte("]]>")) {
		t.Error("raw ]]> in the output")
	}
	dec := xml.NewDecoder(bytes.NewReader(out))
	var stack []string
	roots := 0
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("output does not parse: %v", err)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			name := tok.Name.Local
			el, ok := schema[name]
			if !ok {
				t.Errorf("undocumented element <%s>", name)
			}
			if len(stack) == 0 {
				roots++
				if name != "testsuites" {
					t.Errorf("root <%s>", name)
				}
			} else if parent := stack[len(stack)-1]; !schema[parent].children[name] {
				t.Errorf("<%s> inside <%s>", name, parent)
			}
			seen := map[string]bool{}
			for _, a := range tok.Attr {
				if _, ok := el.attrs[a.Name.Local]; !ok || a.Name.Space != "" {
					t.Errorf("<%s>: undocumented attribute %s", name, a.Name.Local)
				}
				seen[a.Name.Local] = true
			}
			for a, required := range el.attrs {
				if required && !seen[a] {
					t.Errorf("<%s>: no %s attribute", name, a)
				}
			}
			stack = append(stack, name)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 && !schema[stack[len(stack)-1]].text && strings.TrimSpace(string(tok)) != "" {
				t.Errorf("text inside <%s>: %q", stack[len(stack)-1], tok)
			}
		case xml.ProcInst:
			if tok.Target != "xml" {
				t.Errorf("processing instruction %s", tok.Target)
			}
		case xml.Comment, xml.Directive:
			t.Errorf("unexpected %T", tok)
		}
	}
	if roots != 1 {
		t.Errorf("%d root elements", roots)
	}
}

func TestFull(t *testing.T) {
	doc := parse(t, reporttest.Full(t, New))
	var total counts
	for _, s := range doc.Suites {
		total.tests += s.Tests
		total.failures += s.Failures
		total.errors += s.Errors
		total.skipped += s.Skipped
	}
	// Six groups with findings (the empty group writes nothing), the compliance view and
	// the input errors: 6+2+2+1+1+1 findings, 7 controls and 2 input errors.
	if want := (counts{tests: 22, failures: 12, errors: 2, skipped: 6}); total != want || len(doc.Suites) != 8 {
		t.Errorf("%d suites with %+v, want 8 with %+v", len(doc.Suites), total, want)
	}
	comp := doc.Suites[len(doc.Suites)-2]
	if comp.Name != "compliance cis-eks-1.8" || len(comp.Cases) != 7 || comp.Cases[0].Failure == nil || comp.Cases[1].Failure == nil || comp.Cases[2].Failure != nil ||
		comp.Cases[3].Skipped == nil || comp.Cases[4].Error == nil || comp.Cases[5].Skipped == nil || comp.Cases[6].Skipped == nil ||
		comp.Cases[0].Classname != "cis-eks-1.8.3" || comp.Cases[1].Classname != "cis-eks-1.8.4" {
		t.Fatalf("compliance suite %+v", comp)
	}
	if strings.ContainsAny(comp.Cases[4].Error.Message, "\x1b\x00\x07\ufffe") {
		t.Errorf("raw control character in %q", comp.Cases[4].Error.Message)
	}

	web := doc.Suites[0]
	if web.Name != "k8s/web.yaml: Deployment/shop/web" {
		t.Errorf("suite name %q", web.Name)
	}
	priv := web.Cases[0]
	if priv.Classname != "pod/privileged" || priv.Name != "Deployment/shop/web spec.template.spec.containers[0].securityContext.privileged" {
		t.Errorf("testcase %q %q", priv.Classname, priv.Name)
	}
	if f := priv.Failure; f == nil || f.Type != "critical" || f.Message != `container "app" is privileged` ||
		!strings.Contains(f.Body, "location: k8s/web.yaml:21:13 (document 1) spec.template.spec.containers[0].securityContext.privileged") ||
		!strings.Contains(f.Body, "rule: pod/privileged — Privileged container") ||
		!strings.Contains(f.Body, "remediation:\nSet it to false on every container:\n\n  securityContext:\n    privileged: false") {
		t.Errorf("failure %+v", priv.Failure)
	}
	if f := web.Cases[1].Failure; f == nil || f.Type != "high" {
		t.Errorf("warn finding: %+v", web.Cases[1])
	}
	if s := web.Cases[2].Skipped; s == nil || s.Message != "load test environment (exempted by config until 2099-01-01)" {
		t.Errorf("config exemption: %+v", web.Cases[2].Skipped)
	}
	if s := web.Cases[3].Skipped; s == nil || s.Message != "nginx writes its cache (exempted by annotation)" {
		t.Errorf("annotation exemption: %+v", web.Cases[3].Skipped)
	}
	if e := web.Cases[4].Error; e == nil || e.Type != "rule-error" || !strings.Contains(e.Message, "panic: boom") {
		t.Errorf("rule error: %+v", web.Cases[4])
	}
	if c := web.Cases[5]; c.Failure != nil || c.Error != nil || c.Skipped != nil {
		t.Errorf("pass: %+v", c)
	}
	if doc.Suites[1].Name != "stdin: Pod/debug" {
		t.Errorf("stdin suite %q", doc.Suites[1].Name)
	}

	evil := doc.Suites[2]
	for _, s := range []string{evil.Name, evil.Cases[0].Name, evil.Cases[0].Failure.Message, evil.Cases[0].Failure.Body, evil.Cases[1].Skipped.Message} {
		if !strings.Contains(s, `\u001b[31mred\u001b[0m ]]> "q" 'a' <b>&amp; \xff\xfe bad\u0000nul\u0007bel`) {
			t.Errorf("reporttest.Hostile text not shown escaped: %q", s)
		}
		if strings.ContainsAny(s, "\x1b\x00\x07\ufffe") {
			t.Errorf("raw control or non-character in %q", s)
		}
	}
	if !strings.Contains(evil.Cases[0].Failure.Message, "\n") {
		t.Error("line break in an attribute was not kept as a character reference")
	}

	in := doc.Suites[len(doc.Suites)-1]
	if in.Name != InputErrorsSuite || len(in.Cases) != 2 {
		t.Fatalf("input errors suite %+v", in)
	}
	if c := in.Cases[0]; c.Classname != InputErrorClass || c.Name != "k8s/broken.yaml:7 (document 2)" || c.Failure == nil || c.Failure.Type != "input-error" {
		t.Errorf("input error %+v", c)
	}
	if c := in.Cases[1]; c.Name != "stdin" || c.Failure.Message != "input is larger than 1 MiB" {
		t.Errorf("stdin input error %+v", c)
	}
}

func TestEmpty(t *testing.T) {
	doc := parse(t, reporttest.Empty(t, New))
	if len(doc.Suites) != 1 || len(doc.Suites[0].Cases) != 1 || doc.Suites[0].Failures != 0 {
		t.Fatalf("a clean run should hold one passing testcase: %+v", doc)
	}
	// A writer that only sees End still writes a whole document.
	var buf bytes.Buffer
	if err := New(&buf, report.Options{}).End(&report.Summary{}); err != nil {
		t.Fatal(err)
	}
	parse(t, buf.Bytes())
}

func TestInputErrorsOnly(t *testing.T) {
	doc := parse(t, reporttest.Render(t, New, reporttest.Header(), nil, &report.Summary{Errors: reporttest.Summary(nil).Errors}))
	if len(doc.Suites) != 1 || doc.Suites[0].Name != InputErrorsSuite || doc.Suites[0].Failures != 2 {
		t.Fatalf("%+v", doc)
	}
}

func TestEscaping(t *testing.T) {
	all := string(func() []byte {
		b := make([]byte, 256)
		for i := range b {
			b[i] = byte(i)
		}
		return b
	}())
	for _, s := range []string{reporttest.Hostile, all, "\ufffe\uffff\U0010ffff", "]]>]]>", "a\r\nb\rc"} {
		doc := fmt.Sprintf("<x a=\"%s\">%s</x>", attr(s), text(s))
		var v struct {
			A    string `xml:"a,attr"`
			Text string `xml:",chardata"`
		}
		if err := xml.Unmarshal([]byte(doc), &v); err != nil {
			t.Errorf("%q: %v", s, err)
			continue
		}
		if v.A != v.Text {
			t.Errorf("attribute and text differ: %q vs %q", v.A, v.Text)
		}
		if v.Text != clean(s) {
			t.Errorf("round trip %q, want %q", v.Text, clean(s))
		}
	}
}
