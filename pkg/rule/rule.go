// Package rule defines what a rule is: static metadata plus a Check function over one
// target. Rules never act and never know which source produced their target.
package rule

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/eksguard/eksguard/pkg/finding"
	"github.com/eksguard/eksguard/pkg/ref"
	"github.com/eksguard/eksguard/pkg/target"
)

// ErrNotApplicable is returned by Check when the rule does not apply to the target.
var ErrNotApplicable = errors.New("rule does not apply")

// Rule is one check.
type Rule interface {
	Meta() *Meta
	// Check evaluates one target. No findings and a nil error means pass.
	// ErrNotApplicable means skip. Any other error is reported as an error, never a pass.
	Check(ctx context.Context, t target.Target) ([]finding.Finding, error)
}

// Meta is a rule's static, complete description.
type Meta struct {
	// ID is stable and never renumbered: area/kebab-name, e.g. pod/privileged.
	ID    string `json:"id"`
	Title string `json:"title"`
	// Description says what is checked and why it matters.
	Description string `json:"description"`
	// Remediation is a concrete fix: a YAML snippet or a command.
	Remediation string            `json:"remediation"`
	Severity    finding.Severity  `json:"severity"`
	Category    string            `json:"category"`
	Target      target.Kind       `json:"target"`
	Tags        []string          `json:"tags,omitempty"`
	References  []ref.Ref         `json:"references"`
	Settings    []string          `json:"settings,omitempty"` // names of Settings fields the rule reads
	Extra       map[string]string `json:"extra,omitempty"`
}

// Area is the part of the ID before the slash.
func (m *Meta) Area() string {
	a, _, _ := strings.Cut(m.ID, "/")
	return a
}

var idPattern = regexp.MustCompile(`^[a-z][a-z0-9]*/[a-z0-9]+(-[a-z0-9]+)*$`)

// Validate checks the metadata is complete.
func (m *Meta) Validate() error {
	var errs []error
	if !idPattern.MatchString(m.ID) {
		errs = append(errs, fmt.Errorf("id %q is not area/kebab-case", m.ID))
	}
	if strings.TrimSpace(m.Title) == "" {
		errs = append(errs, errors.New("title is empty"))
	}
	if strings.TrimSpace(m.Description) == "" {
		errs = append(errs, errors.New("description is empty"))
	}
	if strings.TrimSpace(m.Remediation) == "" {
		errs = append(errs, errors.New("remediation is empty"))
	}
	if m.Severity < finding.SeverityInfo || m.Severity > finding.SeverityCritical {
		errs = append(errs, fmt.Errorf("severity %v is not set", m.Severity))
	}
	if m.Category == "" {
		errs = append(errs, errors.New("category is empty"))
	}
	if m.Target == "" {
		errs = append(errs, errors.New("target kind is empty"))
	}
	if len(m.References) == 0 {
		errs = append(errs, errors.New("no references"))
	}
	for _, r := range m.References {
		if err := r.Validate(); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("rule %s: %w", m.ID, err)
	}
	return nil
}

// Fail builds a failing finding for a target at path.
func (m *Meta) Fail(t target.Target, path, msg string) finding.Finding {
	return finding.Finding{
		RuleID:   m.ID,
		Status:   finding.StatusFail,
		Severity: m.Severity,
		Subject:  t.Subject(),
		Location: t.Locate(path),
		Message:  msg,
	}
}

// Failf is Fail with a format string.
func (m *Meta) Failf(t target.Target, path, format string, args ...any) finding.Finding {
	return m.Fail(t, path, fmt.Sprintf(format, args...))
}

// Dedent removes the indentation common to all non-blank lines of a remediation snippet,
// for renderers that put it in a code block.
func Dedent(para string) string {
	lines := strings.Split(para, "\n")
	cut := -1
	for _, l := range lines {
		if strings.TrimSpace(l) == "" {
			continue
		}
		n := len(l) - len(strings.TrimLeft(l, " \t"))
		if cut < 0 || n < cut {
			cut = n
		}
	}
	for i, l := range lines {
		if len(l) >= cut && cut > 0 {
			lines[i] = l[cut:]
		}
	}
	return strings.Join(lines, "\n")
}
