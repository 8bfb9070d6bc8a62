// Package junit writes findings as JUnit XML for CI test reporters (Jenkins, GitLab,
// GitHub test-report actions). It streams: one <testsuite> per group as it arrives.
//
// Layout:
//
//	<testsuites name="eksguard">
//	  <testsuite name="FILE: SUBJECT" tests= failures= errors= skipped= time="0">
//	    <testcase classname="RULE-ID" name="SUBJECT FIELD-PATH" time="0">
//	      <failure message="MESSAGE" type="SEVERITY">message, location, rule, remediation</failure>
//	    </testcase>
//	  </testsuite>
//	  <testsuite name="eksguard input errors" ...> one failing testcase per input error
//	</testsuites>
//
// Mapping:
//   - fail and warn findings are failures whose type is the severity; a finding with
//     status error (a rule could not evaluate the object) is an <error>; a suppressed
//     finding is <skipped message="REASON"/>; a pass is a testcase with no child.
//   - <testsuites> carries no counts: they are not known when it opens and a streaming
//     writer cannot go back. Every <testsuite> carries exact counts instead; Jenkins,
//     GitLab and the GitHub test-report actions add them up, and in the Jenkins JUnit
//     schema (junit-10.xsd) the counts on <testsuites> are optional, while the Ant schema
//     has no attribute on it at all.
//   - A run with nothing to report writes one passing testcase ("eksguard" / "scan"), so
//     reporters that reject a report with no test (Jenkins' junit step by default) pass.
//   - No testcase attribute outside the Jenkins schema (file, line) is written; the
//     location is in the failure body.
//
// All text is escaped; control characters and invalid UTF-8 are shown escaped as in the
// table, and any character XML 1.0 forbids is dropped, so the output always parses.
package junit

import (
	"bufio"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/eksguard/eksguard/pkg/finding"
	"github.com/eksguard/eksguard/pkg/report"
)

func init() {
	report.Register(report.Format{Name: "junit", Description: "JUnit XML for CI test reporters", New: New})
}

const (
	// InputErrorsSuite names the testsuite of input errors.
	InputErrorsSuite = "eksguard input errors"
	// InputErrorClass is the classname of input error testcases.
	InputErrorClass = "eksguard/input-error"
	// Stdin names standard input ("-") in suite names and locations.
	Stdin = "stdin"
)

type writer struct {
	w      *bufio.Writer
	header *report.Header
	cases  int
}

// New returns a JUnit writer.
func New(w io.Writer, _ report.Options) report.Writer {
	return &writer{w: bufio.NewWriterSize(w, 64<<10)}
}

func (j *writer) Begin(h *report.Header) error {
	if h == nil {
		h = &report.Header{}
	}
	j.header = h
	_, err := j.w.WriteString("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"" + report.Tool + "\">\n")
	return err
}

type counts struct{ tests, failures, errors, skipped int }

func (c counts) attrs() string {
	return fmt.Sprintf(` tests="%d" failures="%d" errors="%d" skipped="%d" time="0"`, c.tests, c.failures, c.errors, c.skipped)
}

func (j *writer) Group(g *report.Group) error {
	if len(g.Findings) == 0 {
		return nil
	}
	var c counts
	for i := range g.Findings {
		c.tests++
		switch kind(&g.Findings[i]) {
		case failed:
			c.failures++
		case errored:
			c.errors++
		case skipped:
			c.skipped++
		}
	}
	name := g.Subject.String()
	if g.File != "" {
		if name != "" {
			name = display(g.File) + ": " + name
		} else {
			name = display(g.File)
		}
	}
	j.w.WriteString("  <testsuite name=\"" + attr(nonEmpty(name, report.Tool)) + "\"" + c.attrs() + ">\n")
	for i := range g.Findings {
		j.testcase(&g.Findings[i], g.File)
	}
	_, err := j.w.WriteString("  </testsuite>\n")
	return err
}

type outcome int

const (
	passed outcome = iota
	failed
	errored
	skipped
)

func kind(f *finding.Finding) outcome {
	switch {
	case f.Suppressed != nil || f.Status == finding.StatusSkip:
		return skipped
	case f.Status == finding.StatusError:
		return errored
	case f.Status == finding.StatusFail || f.Status == finding.StatusWarn:
		return failed
	}
	return passed
}

func (j *writer) testcase(f *finding.Finding, groupFile string) {
	j.cases++
	name := strings.TrimSpace(f.Subject.String() + " " + f.Location.Path)
	open := "    <testcase classname=\"" + attr(nonEmpty(f.RuleID, report.Tool)) + "\" name=\"" + attr(nonEmpty(name, nonEmpty(f.RuleID, "finding"))) + "\" time=\"0\""
	switch kind(f) {
	case passed:
		j.w.WriteString(open + "/>\n")
		return
	case skipped:
		j.w.WriteString(open + ">\n      <skipped")
		if s := f.Suppressed; s != nil {
			msg := s.Reason
			if s.Source != "" {
				msg += " (exempted by " + s.Source
				if s.Expires != "" {
					msg += " until " + s.Expires
				}
				msg += ")"
			}
			j.w.WriteString(" message=\"" + attr(msg) + "\"")
		}
		j.w.WriteString("/>\n    </testcase>\n")
		return
	}
	elem, typ := "failure", f.Severity.String()
	if kind(f) == errored {
		elem, typ = "error", "rule-error"
	}
	j.w.WriteString(open + ">\n      <" + elem + " message=\"" + attr(f.Message) + "\" type=\"" + attr(typ) + "\">")
	j.w.WriteString(text(j.body(f, groupFile)))
	j.w.WriteString("</" + elem + ">\n    </testcase>\n")
}

// body is the failure text: message, location, rule and remediation.
func (j *writer) body(f *finding.Finding, groupFile string) string {
	var b strings.Builder
	b.WriteString(f.Message)
	b.WriteString("\n\nseverity: " + f.Severity.String() + " (" + string(f.Status) + ")")
	loc := f.Location
	if loc.File == "" {
		loc.File = groupFile
	}
	loc.File = display(loc.File)
	if w := where(loc); w != "" {
		b.WriteString("\nlocation: " + w)
	}
	if s := f.Subject.String(); s != "" {
		b.WriteString("\nsubject: " + s)
	}
	b.WriteString("\nrule: " + f.RuleID)
	if m := j.header.Rule(f.RuleID); m != nil {
		if m.Title != "" {
			b.WriteString(" — " + m.Title)
		}
		if m.Remediation != "" {
			b.WriteString("\nremediation:\n" + strings.Trim(m.Remediation, "\n"))
		}
		for _, r := range m.References {
			if u := r.URL(); u != "" {
				b.WriteString("\nreference: " + u)
				break
			}
		}
	}
	keys := make([]string, 0, len(f.Evidence))
	for k := range f.Evidence {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		b.WriteString("\nevidence " + k + ": " + f.Evidence[k])
	}
	b.WriteString("\n")
	return b.String()
}

// where renders file:line:column (document N) path.
func where(l finding.Location) string {
	var b strings.Builder
	b.WriteString(l.File)
	if l.Line > 0 {
		b.WriteString(":" + strconv.Itoa(l.Line))
		if l.Column > 0 {
			b.WriteString(":" + strconv.Itoa(l.Column))
		}
	}
	if l.Document > 0 {
		b.WriteString(" (document " + strconv.Itoa(l.Document) + ")")
	}
	if l.Path != "" {
		if b.Len() > 0 {
			b.WriteString(" ")
		}
		b.WriteString(l.Path)
	}
	return b.String()
}

func (j *writer) End(s *report.Summary) error {
	if j.header == nil {
		if err := j.Begin(nil); err != nil {
			return err
		}
	}
	if s == nil {
		s = &report.Summary{}
	}
	j.compliance(s.Compliance)
	if n := len(s.Errors); n > 0 {
		j.w.WriteString("  <testsuite name=\"" + InputErrorsSuite + "\"" + counts{tests: n, failures: n}.attrs() + ">\n")
		for _, e := range s.Errors {
			j.cases++
			name := display(e.Input)
			if e.Line > 0 {
				name += ":" + strconv.Itoa(e.Line)
			}
			if e.Document > 0 {
				name += " (document " + strconv.Itoa(e.Document) + ")"
			}
			j.w.WriteString("    <testcase classname=\"" + InputErrorClass + "\" name=\"" + attr(nonEmpty(name, "input")) + "\" time=\"0\">\n")
			j.w.WriteString("      <failure message=\"" + attr(e.Message) + "\" type=\"input-error\">" + text(name+": "+e.Message+"\n") + "</failure>\n")
			j.w.WriteString("    </testcase>\n")
		}
		j.w.WriteString("  </testsuite>\n")
	}
	if j.cases == 0 {
		j.w.WriteString("  <testsuite name=\"" + report.Tool + "\"" + counts{tests: 1}.attrs() + ">\n")
		j.w.WriteString("    <testcase classname=\"" + report.Tool + "\" name=\"scan\" time=\"0\"/>\n")
		j.w.WriteString("  </testsuite>\n")
	}
	j.w.WriteString("</testsuites>\n")
	return j.w.Flush()
}

// display names standard input "stdin", as the SARIF report does.
func display(file string) string {
	if file == "-" {
		return Stdin
	}
	return file
}

func nonEmpty(s, fallback string) string {
	if strings.TrimSpace(s) == "" {
		return fallback
	}
	return s
}

// clean shows control characters and invalid UTF-8 escaped, line by line, keeping the
// line breaks, and drops anything else XML 1.0 does not allow.
func clean(s string) string {
	lines := strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n")
	for i, l := range lines {
		lines[i] = report.Sanitize(l)
	}
	s = strings.Join(lines, "\n")
	for _, r := range s {
		if !isXMLChar(r) {
			return strings.Map(func(r rune) rune {
				if isXMLChar(r) {
					return r
				}
				return -1
			}, s)
		}
	}
	return s
}

// isXMLChar reports whether r is a Char of XML 1.0 (fifth edition, production 2).
func isXMLChar(r rune) bool {
	switch {
	case r == utf8.RuneError:
		return true // a real U+FFFD; invalid bytes were escaped by Sanitize
	case r == 0x9 || r == 0xA || r == 0xD:
		return true
	case r >= 0x20 && r <= 0xD7FF:
		return true
	case r >= 0xE000 && r <= 0xFFFD:
		return true
	case r >= 0x10000 && r <= 0x10FFFF:
		return true
	}
	return false
}

var (
	attrEscaper = strings.NewReplacer(`&`, "&amp;", `<`, "&lt;", `>`, "&gt;", `"`, "&quot;", `'`, "&apos;", "\n", "&#xA;", "\r", "&#xD;", "\t", "&#x9;")
	textEscaper = strings.NewReplacer(`&`, "&amp;", `<`, "&lt;", `>`, "&gt;", "\r", "&#xD;")
)

// attr escapes an attribute value (line breaks included, which attribute normalisation
// would otherwise turn into spaces).
func attr(s string) string { return attrEscaper.Replace(clean(s)) }

// text escapes character data; "]]>" cannot survive since ">" is always escaped.
func text(s string) string { return textEscaper.Replace(clean(s)) }
