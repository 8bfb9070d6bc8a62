package all

import (
	"fmt"
	"strings"

	"github.com/eksguard/eksguard/pkg/rule"
)

// Markdown renders docs/rules.md from the registry.
func Markdown(r *rule.Registry) string {
	var b strings.Builder
	b.WriteString("# eksguard rules\n\n")
	b.WriteString("Generated from the rule registry by `go run ./cmd/eksguard rules --format markdown > docs/rules.md`;\n")
	b.WriteString("a test fails when this file is stale. `eksguard rules explain ID` shows the same text.\n\n")
	b.WriteString("| ID | Severity | Title | References |\n|---|---|---|---|\n")
	for _, rl := range r.All() {
		m := rl.Meta()
		var refs []string
		for _, x := range m.References {
			refs = append(refs, shortRef(x.String()))
		}
		fmt.Fprintf(&b, "| [`%s`](#%s) | %s | %s | %s |\n", m.ID, anchor(m.ID), m.Severity, m.Title, strings.Join(refs, "; "))
	}
	b.WriteString("\n## Dockerfile rules and their Hadolint and Dockle equivalents\n\n")
	b.WriteString("| ID | Severity | Hadolint | Dockle |\n|---|---|---|---|\n")
	for _, rl := range r.All() {
		m := rl.Meta()
		if m.Target != "dockerfile" {
			continue
		}
		fmt.Fprintf(&b, "| [`%s`](#%s) | %s | %s | %s |\n", m.ID, anchor(m.ID), m.Severity, orDash(m.Extra["hadolint"]), orDash(m.Extra["dockle"]))
	}
	for _, rl := range r.All() {
		b.WriteString("\n")
		b.WriteString(Explain(rl.Meta()))
	}
	return b.String()
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func shortRef(s string) string {
	return strings.ReplaceAll(s, "|", "\\|")
}

func anchor(id string) string {
	return strings.NewReplacer("/", "", ".", "").Replace(id)
}

// Explain renders one rule's full description in Markdown.
func Explain(m *rule.Meta) string {
	var b strings.Builder
	fmt.Fprintf(&b, "## %s\n\n", m.ID)
	fmt.Fprintf(&b, "**%s** (severity %s, category %s, checks %ss)\n\n", m.Title, m.Severity, m.Category, m.Target)
	b.WriteString(m.Description + "\n\n")
	// A remediation is a sentence, then an indented YAML snippet after a blank line.
	sentence, snippet, ok := strings.Cut(m.Remediation, "\n\n")
	if !ok {
		sentence, snippet = "", m.Remediation
	}
	if sentence != "" {
		b.WriteString("Fix: " + sentence + "\n\n")
	}
	lang := "yaml"
	if m.Target == "dockerfile" {
		lang = "dockerfile"
	}
	b.WriteString("```" + lang + "\n" + rule.Dedent(snippet) + "\n```\n\n")
	if len(m.Settings) > 0 {
		fmt.Fprintf(&b, "Reads settings: %s.\n\n", strings.Join(m.Settings, ", "))
	}
	if h, d := m.Extra["hadolint"], m.Extra["dockle"]; h != "" || d != "" {
		fmt.Fprintf(&b, "Equivalent checks: Hadolint %s; Dockle %s.\n\n", orDash(h), orDash(d))
	}
	b.WriteString("References:\n\n")
	for _, r := range m.References {
		fmt.Fprintf(&b, "- %s (%s)\n", r.String(), r.URL())
	}
	return b.String()
}
