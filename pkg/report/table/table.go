// Package table writes the human report: findings grouped by object, the most severe
// first within each object, colour only on a terminal, every input string sanitised.
package table

import (
	"bufio"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/eksguard/eksguard/pkg/finding"
	"github.com/eksguard/eksguard/pkg/report"
)

func init() {
	report.Register(report.Format{Name: "table", Description: "human-readable, grouped by object (default)", New: New})
}

type writer struct {
	w      *bufio.Writer
	opts   report.Options
	header *report.Header
	groups int
}

// New returns a table writer.
func New(w io.Writer, opts report.Options) report.Writer {
	return &writer{w: bufio.NewWriter(w), opts: opts}
}

const (
	reset = "\x1b[0m"
	bold  = "\x1b[1m"
	dim   = "\x1b[2m"
)

var sevColor = map[finding.Severity]string{
	finding.SeverityCritical: "\x1b[1;31m",
	finding.SeverityHigh:     "\x1b[31m",
	finding.SeverityMedium:   "\x1b[33m",
	finding.SeverityLow:      "\x1b[36m",
	finding.SeverityInfo:     "\x1b[2m",
}

func (t *writer) paint(code, s string) string {
	if !t.opts.Color || code == "" {
		return s
	}
	return code + s + reset
}

func (t *writer) Begin(h *report.Header) error {
	t.header = h
	return nil
}

func (t *writer) Group(g *report.Group) error {
	var shown []finding.Finding
	for _, f := range g.Findings {
		if f.Suppressed != nil && !t.opts.ShowSuppressed {
			continue
		}
		shown = append(shown, f)
	}
	if len(shown) == 0 {
		return nil
	}
	sort.SliceStable(shown, func(i, j int) bool { return shown[i].Severity > shown[j].Severity })
	if t.groups > 0 {
		t.w.WriteByte('\n')
	}
	t.groups++
	title := report.Sanitize(g.Subject.String())
	if g.File != "" {
		title = report.Sanitize(g.File) + "  " + title
	}
	fmt.Fprintln(t.w, t.paint(bold, title))
	for _, f := range shown {
		sev := strings.ToUpper(f.Severity.String())
		status := ""
		switch {
		case f.Suppressed != nil:
			status = " (exempt: " + report.Sanitize(f.Suppressed.Reason) + ")"
		case f.Status == finding.StatusError:
			status = " (error)"
		}
		fmt.Fprintf(t.w, "  %s %s%s\n", t.paint(sevColor[f.Severity], fmt.Sprintf("%-8s", sev)), report.Sanitize(f.RuleID), status)
		fmt.Fprintf(t.w, "           %s\n", report.Sanitize(f.Message))
		if loc := where(f.Location); loc != "" {
			fmt.Fprintf(t.w, "           %s\n", t.paint(dim, report.Sanitize(loc)))
		}
	}
	return nil
}

func where(l finding.Location) string {
	var parts []string
	if l.Line > 0 {
		parts = append(parts, fmt.Sprintf("line %d", l.Line))
	}
	if l.Path != "" {
		parts = append(parts, l.Path)
	}
	if l.Template != "" {
		parts = append(parts, "(from "+l.Template+")")
	}
	return strings.Join(parts, "  ")
}

func (t *writer) End(s *report.Summary) error {
	if len(s.Errors) > 0 {
		if t.groups > 0 {
			t.w.WriteByte('\n')
		}
		fmt.Fprintln(t.w, t.paint(bold, "Input errors"))
		for _, e := range s.Errors {
			fmt.Fprintf(t.w, "  %s\n", report.Sanitize(e.Error()))
		}
	}
	for _, e := range s.Expired {
		fmt.Fprintf(t.w, "\n%s exemption for %s expired on %s (%s): %s\n", t.paint(sevColor[finding.SeverityMedium], "EXPIRED"),
			report.Sanitize(e.Rule), report.Sanitize(e.Expires), report.Sanitize(e.Source), report.Sanitize(e.Reason))
	}
	st := s.Stats
	var sev []string
	for i := finding.SeverityCritical; i >= finding.SeverityInfo; i-- {
		if n := st.BySeverity[i.String()]; n > 0 {
			sev = append(sev, fmt.Sprintf("%d %s", n, i))
		}
	}
	line := fmt.Sprintf("%d findings", st.Findings)
	if len(sev) > 0 {
		line += " (" + strings.Join(sev, ", ") + ")"
	}
	if t.groups > 0 || len(s.Errors) > 0 || len(s.Expired) > 0 {
		t.w.WriteByte('\n')
	}
	fmt.Fprintf(t.w, "%s %s", t.paint(bold, line), st.Scanned())
	if st.NotKubernetes > 0 {
		fmt.Fprintf(t.w, "; %d files held no Kubernetes object and were skipped", st.NotKubernetes)
	}
	if st.Suppressed > 0 {
		fmt.Fprintf(t.w, "; %d exempted", st.Suppressed)
	}
	if st.RuleErrors > 0 {
		fmt.Fprintf(t.w, "; %d rule errors", st.RuleErrors)
	}
	if st.InputErrors > 0 {
		fmt.Fprintf(t.w, "; %d input errors", st.InputErrors)
	}
	fmt.Fprintln(t.w, ".")
	t.compliance(s.Compliance)
	if t.header != nil {
		if regs := t.header.Settings["allowed-registries"]; strings.HasPrefix(regs, "any") {
			fmt.Fprintf(t.w, "Image registries: %s.\n", regs)
		}
		if v := t.header.Settings["vulnerabilities"]; strings.HasPrefix(v, "not checked") {
			fmt.Fprintf(t.w, "Vulnerabilities %s\n", report.Sanitize(v))
		}
	}
	return t.w.Flush()
}
