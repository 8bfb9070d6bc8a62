// Package finding defines the single result model every eksguard rule produces and every
// reporter consumes. It depends on the standard library only.
package finding

import (
	"fmt"
	"strings"
)

// Severity ranks how much a failed check matters.
type Severity int

// Severities, lowest first. The zero value is SeverityUnknown so that an unset severity is
// never mistaken for a real one.
const (
	SeverityUnknown Severity = iota
	SeverityInfo
	SeverityLow
	SeverityMedium
	SeverityHigh
	SeverityCritical
)

var severityNames = [...]string{"unknown", "info", "low", "medium", "high", "critical"}

func (s Severity) String() string {
	if s < 0 || int(s) >= len(severityNames) {
		return "unknown"
	}
	return severityNames[s]
}

// ParseSeverity reads a severity name (case-insensitive). "none" and "never" parse to a
// severity above critical, useful for --fail-on to disable failing.
func ParseSeverity(s string) (Severity, error) {
	low := strings.ToLower(strings.TrimSpace(s))
	for i, n := range severityNames {
		if i > 0 && n == low {
			return Severity(i), nil
		}
	}
	if low == "none" || low == "never" {
		return SeverityCritical + 1, nil
	}
	return SeverityUnknown, fmt.Errorf("unknown severity %q (want info, low, medium, high or critical)", s)
}

// MarshalText encodes the severity by name.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText decodes a severity name ("unknown" included, so saved reports replay).
func (s *Severity) UnmarshalText(b []byte) error {
	if string(b) == "unknown" {
		*s = SeverityUnknown
		return nil
	}
	v, err := ParseSeverity(string(b))
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// Score is the CVSS-like number code-scanning services expect (SARIF security-severity).
func (s Severity) Score() string {
	switch s {
	case SeverityCritical:
		return "9.5"
	case SeverityHigh:
		return "8.0"
	case SeverityMedium:
		return "5.5"
	case SeverityLow:
		return "3.0"
	default:
		return "0.0"
	}
}

// Status mirrors the PolicyReport result values.
type Status string

// Statuses.
const (
	StatusPass  Status = "pass"
	StatusFail  Status = "fail"
	StatusWarn  Status = "warn"
	StatusError Status = "error"
	StatusSkip  Status = "skip"
)

// Subject names what a finding is about. Only the fields that apply are set.
type Subject struct {
	// Kubernetes object.
	APIVersion string `json:"apiVersion,omitempty"`
	Kind       string `json:"kind,omitempty"`
	Namespace  string `json:"namespace,omitempty"`
	Name       string `json:"name,omitempty"`
	// Image, node or other non-object subjects.
	Image string `json:"image,omitempty"`
	Node  string `json:"node,omitempty"`
}

// String gives a short human name: kind/namespace/name, or the image or node.
func (s Subject) String() string {
	switch {
	case s.Kind != "":
		if s.Namespace != "" {
			return s.Kind + "/" + s.Namespace + "/" + s.Name
		}
		return s.Kind + "/" + s.Name
	case s.Image != "":
		return s.Image
	case s.Node != "":
		return "node/" + s.Node
	}
	return ""
}

// Location says where in the input the offending field is.
type Location struct {
	File     string `json:"file,omitempty"`
	Line     int    `json:"line,omitempty"`
	Column   int    `json:"column,omitempty"`
	Document int    `json:"document,omitempty"` // 1-based index of the YAML document in File
	// Path is the field path inside the object, e.g.
	// spec.template.spec.containers[1].securityContext.privileged.
	Path string `json:"path,omitempty"`
	// Template is the Helm template the object was rendered from ("# Source:" comment of
	// helm template output), when known.
	Template string `json:"template,omitempty"`
}

// String renders file:line (path).
func (l Location) String() string {
	var b strings.Builder
	b.WriteString(l.File)
	if l.Line > 0 {
		fmt.Fprintf(&b, ":%d", l.Line)
	}
	if l.Path != "" {
		if b.Len() > 0 {
			b.WriteString(" ")
		}
		b.WriteString(l.Path)
	}
	return b.String()
}

// Suppression records that an exemption matched a finding.
type Suppression struct {
	Reason  string `json:"reason"`
	Source  string `json:"source"` // "config", "annotation" or "inline"
	Expires string `json:"expires,omitempty"`
}

// Finding is one result of one rule on one subject.
type Finding struct {
	RuleID   string            `json:"ruleId"`
	Status   Status            `json:"status"`
	Severity Severity          `json:"severity"`
	Subject  Subject           `json:"subject"`
	Location Location          `json:"location"`
	Message  string            `json:"message"`
	Evidence map[string]string `json:"evidence,omitempty"`
	// Suppressed is set when an exemption matched; the finding's Status is then skip.
	Suppressed *Suppression `json:"suppressed,omitempty"`
}

// Counts reports as failing: a fail or warn that no exemption matched.
func (f *Finding) Counts() bool {
	return f.Suppressed == nil && (f.Status == StatusFail || f.Status == StatusWarn || f.Status == StatusError)
}

// InputError is an input eksguard could not read: a malformed, oversized or hostile file,
// document or object. The rest of the run goes on; an input error makes the run exit 2.
type InputError struct {
	Input    string `json:"input"`
	Line     int    `json:"line,omitempty"`
	Document int    `json:"document,omitempty"`
	Message  string `json:"message"`
}

func (e InputError) Error() string {
	var b strings.Builder
	b.WriteString(e.Input)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	if e.Document > 0 {
		fmt.Fprintf(&b, " (document %d)", e.Document)
	}
	b.WriteString(": ")
	b.WriteString(e.Message)
	return b.String()
}
