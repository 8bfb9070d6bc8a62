// Package osv decodes vulnerability records in the OSV schema
// (https://ossf.github.io/osv-schema/). The decoder is strict on the fields matching
// depends on (id, affected packages, ranges and their events) and tolerant of fields it
// does not use or does not know, so that records written against newer schema versions
// still load. Every record is bounded in size and in the number of its parts.
package osv

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Limits bound one record.
const (
	MaxRecordBytes = 8 << 20 // the largest records published (kernel CVEs) are well under 2 MiB
	MaxAffected    = 10000
	MaxRanges      = 1000
	MaxEvents      = 10000
	MaxVersions    = 100000
	MaxAliases     = 1000
	MaxReferences  = 10000
	MaxStringBytes = 64 << 10 // an id, name, version or ecosystem; details may be longer
)

// Range types.
const (
	RangeEcosystem = "ECOSYSTEM"
	RangeSemver    = "SEMVER"
	RangeGit       = "GIT"
)

// Vulnerability is one OSV record, the fields eksguard uses.
type Vulnerability struct {
	SchemaVersion    string          `json:"schema_version,omitempty"`
	ID               string          `json:"id"`
	Modified         time.Time       `json:"modified"`
	Published        *time.Time      `json:"published,omitempty"`
	Withdrawn        *time.Time      `json:"withdrawn,omitempty"`
	Aliases          []string        `json:"aliases,omitempty"`
	Upstream         []string        `json:"upstream,omitempty"`
	Related          []string        `json:"related,omitempty"`
	Summary          string          `json:"summary,omitempty"`
	Details          string          `json:"details,omitempty"`
	Severity         []Severity      `json:"severity,omitempty"`
	Affected         []Affected      `json:"affected,omitempty"`
	References       []Reference     `json:"references,omitempty"`
	DatabaseSpecific json.RawMessage `json:"database_specific,omitempty"`
}

// Severity is a scored vector (CVSS_V2, CVSS_V3, CVSS_V4) or an ecosystem rating (Ubuntu).
type Severity struct {
	Type  string `json:"type"`
	Score string `json:"score"`
}

// Package names the affected package.
type Package struct {
	Ecosystem string `json:"ecosystem"`
	Name      string `json:"name"`
	Purl      string `json:"purl,omitempty"`
}

// Affected is one affected package with its ranges and versions.
type Affected struct {
	Package           Package         `json:"package"`
	Severity          []Severity      `json:"severity,omitempty"`
	Ranges            []Range         `json:"ranges,omitempty"`
	Versions          []string        `json:"versions,omitempty"`
	EcosystemSpecific json.RawMessage `json:"ecosystem_specific,omitempty"`
	DatabaseSpecific  json.RawMessage `json:"database_specific,omitempty"`
}

// Range is one range of affected versions, as ordered events.
type Range struct {
	Type   string  `json:"type"`
	Repo   string  `json:"repo,omitempty"`
	Events []Event `json:"events"`
}

// Event is exactly one of introduced, fixed, last_affected or limit.
type Event struct {
	Introduced   string `json:"introduced,omitempty"`
	Fixed        string `json:"fixed,omitempty"`
	LastAffected string `json:"last_affected,omitempty"`
	Limit        string `json:"limit,omitempty"`
}

// Kind names the one field set in the event.
func (e Event) Kind() string {
	switch {
	case e.Introduced != "":
		return "introduced"
	case e.Fixed != "":
		return "fixed"
	case e.LastAffected != "":
		return "last_affected"
	case e.Limit != "":
		return "limit"
	}
	return ""
}

// Value is the version of the event.
func (e Event) Value() string {
	return e.Introduced + e.Fixed + e.LastAffected + e.Limit
}

// Reference is a link.
type Reference struct {
	Type string `json:"type"`
	URL  string `json:"url"`
}

// ErrTooLarge is returned for a record over MaxRecordBytes.
var ErrTooLarge = errors.New("osv record too large")

// validID says whether s is an id as OSV spells them: a letter or digit, then letters,
// digits and . _ : + - (the pattern ^[A-Za-z0-9][A-Za-z0-9._:+-]*$, checked by hand: it runs
// for every record read).
func validID(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z', '0' <= c && c <= '9':
		case i > 0 && (c == '.' || c == '_' || c == ':' || c == '+' || c == '-'):
		default:
			return false
		}
	}
	return true
}

// Decode reads and validates one record. The error names what is wrong; the caller adds
// which input the record came from.
func Decode(data []byte) (*Vulnerability, error) {
	if len(data) > MaxRecordBytes {
		return nil, fmt.Errorf("%w: %d bytes (limit %d)", ErrTooLarge, len(data), MaxRecordBytes)
	}
	data = bytes.TrimSpace(data)
	if len(data) == 0 || data[0] != '{' {
		return nil, errors.New("not a JSON object")
	}
	var v Vulnerability
	if err := json.Unmarshal(data, &v); err != nil {
		return nil, fmt.Errorf("invalid JSON: %w", err)
	}
	if err := v.Validate(); err != nil {
		if v.ID != "" && len(v.ID) < 256 {
			return nil, fmt.Errorf("%s: %w", v.ID, err)
		}
		return nil, err
	}
	return &v, nil
}

// Validate checks what matching depends on.
func (v *Vulnerability) Validate() error {
	if v.ID == "" {
		return errors.New("missing id")
	}
	if len(v.ID) > 256 || !validID(v.ID) {
		return fmt.Errorf("invalid id %.80q", v.ID)
	}
	// modified is required by the schema, but the Go vulnerability database's own
	// repository writes the zero time; it is informational here, so it is not enforced.
	switch {
	case len(v.Affected) > MaxAffected:
		return fmt.Errorf("%d affected entries (limit %d)", len(v.Affected), MaxAffected)
	case len(v.Aliases) > MaxAliases:
		return fmt.Errorf("%d aliases (limit %d)", len(v.Aliases), MaxAliases)
	case len(v.References) > MaxReferences:
		return fmt.Errorf("%d references (limit %d)", len(v.References), MaxReferences)
	}
	for _, a := range v.Aliases {
		if len(a) > 256 || !validID(a) {
			return fmt.Errorf("invalid alias %.80q", a)
		}
	}
	for i := range v.Affected {
		if err := v.Affected[i].validate(); err != nil {
			return fmt.Errorf("affected[%d]: %w", i, err)
		}
	}
	return nil
}

func (a *Affected) validate() error {
	p := a.Package
	// An affected entry without a package is allowed by the schema (it then names commits
	// in GIT ranges only); matching skips it, so it need not be rejected.
	if p.Ecosystem == "" && p.Name == "" {
		for _, r := range a.Ranges {
			if r.Type != RangeGit {
				return errors.New("package missing for a non-GIT range")
			}
		}
		if len(a.Versions) > 0 {
			return errors.New("versions listed without a package")
		}
	} else {
		if p.Ecosystem == "" || p.Name == "" {
			return errors.New("package needs both ecosystem and name")
		}
		if len(p.Ecosystem) > 256 || len(p.Name) > 1024 || strings.ContainsAny(p.Ecosystem+p.Name, "\x00\n") {
			return fmt.Errorf("invalid package %.80q %.80q", p.Ecosystem, p.Name)
		}
	}
	if len(a.Ranges) > MaxRanges {
		return fmt.Errorf("%d ranges (limit %d)", len(a.Ranges), MaxRanges)
	}
	if len(a.Versions) > MaxVersions {
		return fmt.Errorf("%d versions (limit %d)", len(a.Versions), MaxVersions)
	}
	for _, s := range a.Versions {
		if s == "" || len(s) > MaxStringBytes {
			return errors.New("empty or oversized entry in versions")
		}
	}
	for i, r := range a.Ranges {
		if err := r.validate(); err != nil {
			return fmt.Errorf("ranges[%d]: %w", i, err)
		}
	}
	return nil
}

func (r *Range) validate() error {
	switch r.Type {
	case RangeEcosystem, RangeSemver, RangeGit:
	default:
		return fmt.Errorf("unknown range type %.40q", r.Type)
	}
	if r.Type == RangeGit && r.Repo == "" {
		return errors.New("GIT range without repo")
	}
	if len(r.Events) == 0 {
		return errors.New("no events")
	}
	if len(r.Events) > MaxEvents {
		return fmt.Errorf("%d events (limit %d)", len(r.Events), MaxEvents)
	}
	introduced, limits := 0, 0
	for i, e := range r.Events {
		n := 0
		for _, s := range []string{e.Introduced, e.Fixed, e.LastAffected, e.Limit} {
			if s != "" {
				n++
				if len(s) > MaxStringBytes {
					return fmt.Errorf("events[%d]: version over %d bytes", i, MaxStringBytes)
				}
			}
		}
		if n != 1 {
			return fmt.Errorf("events[%d]: want exactly one of introduced, fixed, last_affected, limit; have %d", i, n)
		}
		switch {
		case e.Introduced != "":
			introduced++
		case e.Limit != "":
			limits++
		}
	}
	if introduced == 0 {
		return errors.New("no introduced event")
	}
	return nil
}
