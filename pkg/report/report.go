// Package report defines what every output format receives: a header with the rules of
// the run, findings grouped by subject as they stream in, and a summary at the end.
// Reporters never branch on which kind of rule produced a finding.
package report

import (
	"fmt"
	"io"
	"sort"
	"time"

	"github.com/eksguard/eksguard/pkg/compliance"
	"github.com/eksguard/eksguard/pkg/engine"
	"github.com/eksguard/eksguard/pkg/finding"
	"github.com/eksguard/eksguard/pkg/inventory"
	"github.com/eksguard/eksguard/pkg/rule"
)

// Tool names eksguard in outputs.
const Tool = "eksguard"

// Version is set at build time with -ldflags "-X github.com/eksguard/eksguard/pkg/report.Version=...".
var Version = "dev"

// Header opens a report.
type Header struct {
	Tool    string       `json:"tool"`
	Version string       `json:"version"`
	Started time.Time    `json:"started"`
	Inputs  []string     `json:"inputs"`
	Rules   []*rule.Meta `json:"rules"` // every rule the run evaluated
	// Settings shown to the reader, e.g. "pss-level": "baseline".
	Settings map[string]string `json:"settings,omitempty"`
}

// Rule returns the metadata of a rule in the header.
func (h *Header) Rule(id string) *rule.Meta {
	for _, m := range h.Rules {
		if m.ID == id {
			return m
		}
	}
	return nil
}

// Group is the findings of one subject (one object, image or file), in source order.
type Group struct {
	File     string            `json:"file,omitempty"`
	Subject  finding.Subject   `json:"subject"`
	Findings []finding.Finding `json:"findings"`
}

// ExpiredExemption is an exemption in the config whose expiry date has passed.
type ExpiredExemption struct {
	Rule    string `json:"rule"`
	Reason  string `json:"reason"`
	Expires string `json:"expires"`
	Source  string `json:"source"`
}

// Stats count what the run read and found.
type Stats struct {
	engine.Stats
	InputErrors int            `json:"inputErrors"`
	Findings    int            `json:"findings"`   // failing findings, suppressed ones excluded
	Suppressed  int            `json:"suppressed"` // findings an exemption matched
	RuleErrors  int            `json:"ruleErrors"` // rules that could not evaluate an object
	BySeverity  map[string]int `json:"bySeverity"`
	// Subject names what the run read when it is not manifests or a cluster: "image",
	// "node", "aws" (an account snapshot), "event" (detect), "binary" (scan binary: Objects
	// counts packages, Files binaries) or "inventory" (db match, likewise). Summary lines
	// word themselves from it (Scanned).
	Subject string `json:"subject,omitempty"`
	// Packages counts the packages of a scanned image's inventory.
	Packages int `json:"packages,omitempty"`
}

// Subjects of Stats.Subject.
const (
	SubjectImage = "image"
	SubjectNode  = "node"
	SubjectAWS   = "aws"
	SubjectEvent = "event"
	// SubjectBinary and SubjectInventory count packages in Objects and inputs in Files.
	SubjectBinary    = "binary"
	SubjectInventory = "inventory"
)

// Scanned words what the run read, for summary lines: "in 12 objects (4 workloads) from 3
// files", "in 1 image (143 packages)", "in 1 node", "in 1 AWS account snapshot", "in 120
// events from 2 inputs", "in 3 packages of 1 binary". Every format that prints a summary line takes it from here.
func (s *Stats) Scanned() string {
	n := func(k int, one, many string) string {
		if k == 1 {
			return "1 " + one
		}
		return fmt.Sprintf("%d %s", k, many)
	}
	switch s.Subject {
	case SubjectImage:
		return fmt.Sprintf("in %s (%s)", n(s.Objects, "image", "images"), n(s.Packages, "package", "packages"))
	case SubjectNode:
		return "in " + n(s.Objects, "node", "nodes")
	case SubjectAWS:
		return "in " + n(s.Objects, "AWS account snapshot", "AWS account snapshots")
	case SubjectEvent:
		return fmt.Sprintf("in %s from %s", n(s.Objects, "event", "events"), n(s.Files, "input", "inputs"))
	case SubjectBinary:
		return fmt.Sprintf("in %s of %s", n(s.Objects, "package", "packages"), n(s.Files, "binary", "binaries"))
	case SubjectInventory:
		return fmt.Sprintf("in %s of %s", n(s.Objects, "package", "packages"), n(s.Files, "inventory", "inventories"))
	}
	out := fmt.Sprintf("in %d objects (%d workloads) ", s.Objects, s.Workloads)
	if s.Dockerfiles > 0 {
		out += fmt.Sprintf("and %d Dockerfiles ", s.Dockerfiles)
	}
	return out + fmt.Sprintf("from %d files", s.Files)
}

// Count adds a finding to the stats.
func (s *Stats) Count(f *finding.Finding) {
	switch {
	case f.Suppressed != nil:
		s.Suppressed++
	case f.Status == finding.StatusError:
		s.RuleErrors++
	case f.Counts():
		s.Findings++
		if s.BySeverity == nil {
			s.BySeverity = map[string]int{}
		}
		s.BySeverity[f.Severity.String()]++
	}
}

// Summary closes a report.
type Summary struct {
	Stats   Stats                `json:"stats"`
	Errors  []finding.InputError `json:"errors"`
	Expired []ExpiredExemption   `json:"expiredExemptions,omitempty"`
	// FailOn is the threshold of the run and Failed whether a finding reached it.
	FailOn   string        `json:"failOn"`
	Failed   bool          `json:"failed"`
	Duration time.Duration `json:"durationNs"`
	// Compliance holds the benchmark views the run was asked for (--compliance).
	Compliance []*compliance.Report `json:"compliance,omitempty"`
	// Inventory is what a scanned image contains: its OS and packages, each with the layer
	// that introduced it (the input of vulnerability matching and of the CycloneDX SBOM).
	Inventory *inventory.Inventory `json:"inventory,omitempty"`
}

// Writer is one output format. Begin once, Group per subject, End once.
type Writer interface {
	Begin(h *Header) error
	Group(g *Group) error
	End(s *Summary) error
}

// Format builds a writer on w.
type Format struct {
	Name        string
	Description string
	New         func(w io.Writer, opts Options) Writer
}

// Options tune the human formats.
type Options struct {
	// Color enables ANSI colour (only ever on a terminal).
	Color bool
	// ShowPassed and ShowSuppressed list more than the failures in human formats.
	ShowSuppressed bool
}

var formats = map[string]Format{}

// Register adds a format; each format package registers itself from init.
func Register(f Format) {
	if _, dup := formats[f.Name]; dup {
		panic("report: format registered twice: " + f.Name)
	}
	formats[f.Name] = f
}

// Lookup finds a format by name.
func Lookup(name string) (Format, error) {
	f, ok := formats[name]
	if !ok {
		return Format{}, fmt.Errorf("unknown format %q (have %v)", name, Names())
	}
	return f, nil
}

// Names lists the registered formats.
func Names() []string {
	var out []string
	for n := range formats {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Multi fans one report out to several writers.
type Multi []Writer

// Begin implements Writer.
func (m Multi) Begin(h *Header) error {
	for _, w := range m {
		if err := w.Begin(h); err != nil {
			return err
		}
	}
	return nil
}

// Group implements Writer.
func (m Multi) Group(g *Group) error {
	for _, w := range m {
		if err := w.Group(g); err != nil {
			return err
		}
	}
	return nil
}

// End implements Writer.
func (m Multi) End(s *Summary) error {
	for _, w := range m {
		if err := w.End(s); err != nil {
			return err
		}
	}
	return nil
}
