package match

import (
	"encoding/json"
	"fmt"
	"strings"

	cvss20 "github.com/pandatix/go-cvss/20"
	cvss30 "github.com/pandatix/go-cvss/30"
	cvss31 "github.com/pandatix/go-cvss/31"
	cvss40 "github.com/pandatix/go-cvss/40"

	"github.com/eksguard/eksguard/pkg/finding"
	"github.com/eksguard/eksguard/pkg/vuln/osv"
)

// Score is a record's severity and where it came from.
type Score struct {
	Severity finding.Severity
	// Source says how: "CVSS_V3 7.5 (CVSS:3.1/AV:N/...)", "Ubuntu priority medium",
	// "GitHub rating HIGH", or "" when the record carries none.
	Source string
}

// ScoreCVSS scores a CVSS vector of the given OSV severity type.
func ScoreCVSS(typ, vector string) (float64, error) {
	switch typ {
	case "CVSS_V4":
		v, err := cvss40.ParseVector(vector)
		if err != nil {
			return 0, err
		}
		return v.Score(), nil
	case "CVSS_V3":
		if strings.HasPrefix(vector, "CVSS:3.0/") {
			v, err := cvss30.ParseVector(vector)
			if err != nil {
				return 0, err
			}
			return v.BaseScore(), nil
		}
		v, err := cvss31.ParseVector(vector)
		if err != nil {
			return 0, err
		}
		return v.BaseScore(), nil
	case "CVSS_V2":
		v, err := cvss20.ParseVector(vector)
		if err != nil {
			return 0, err
		}
		return v.BaseScore(), nil
	}
	return 0, fmt.Errorf("unknown severity type %q", typ)
}

// FromScore maps a CVSS score to the qualitative rating of the CVSS specification
// (0.1-3.9 low, 4.0-6.9 medium, 7.0-8.9 high, 9.0-10.0 critical; 0 none, shown as info).
func FromScore(s float64) finding.Severity {
	switch {
	case s >= 9.0:
		return finding.SeverityCritical
	case s >= 7.0:
		return finding.SeverityHigh
	case s >= 4.0:
		return finding.SeverityMedium
	case s > 0:
		return finding.SeverityLow
	}
	return finding.SeverityInfo
}

// fromRating maps an ecosystem's own word (Ubuntu priorities, GitHub's ratings).
func fromRating(s string) (finding.Severity, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "critical":
		return finding.SeverityCritical, true
	case "high", "important":
		return finding.SeverityHigh, true
	case "medium", "moderate":
		return finding.SeverityMedium, true
	case "low", "negligible":
		return finding.SeverityLow, true
	}
	return finding.SeverityUnknown, false
}

// SeverityOf picks a record's severity for one affected entry: a CVSS vector (v4 first,
// then v3, then v2) from the entry or the record, else the ecosystem's rating (Ubuntu's
// priority as an "Ubuntu" severity, GitHub's database_specific.severity).
func SeverityOf(v *osv.Vulnerability, a *osv.Affected) Score {
	var all []osv.Severity
	if a != nil {
		all = append(all, a.Severity...)
	}
	all = append(all, v.Severity...)
	for _, typ := range []string{"CVSS_V4", "CVSS_V3", "CVSS_V2"} {
		for _, s := range all {
			if s.Type != typ {
				continue
			}
			score, err := ScoreCVSS(s.Type, s.Score)
			if err != nil {
				continue
			}
			return Score{Severity: FromScore(score), Source: fmt.Sprintf("%s %.1f (%s)", s.Type, score, s.Score)}
		}
	}
	for _, s := range all {
		if s.Type == "Ubuntu" {
			if sev, ok := fromRating(s.Score); ok {
				return Score{Severity: sev, Source: "Ubuntu priority " + s.Score}
			}
		}
	}
	for _, raw := range []json.RawMessage{v.DatabaseSpecific, ecoSpecific(a)} {
		var ds struct {
			Severity string `json:"severity"`
		}
		if len(raw) > 0 && json.Unmarshal(raw, &ds) == nil && ds.Severity != "" {
			if sev, ok := fromRating(ds.Severity); ok {
				return Score{Severity: sev, Source: "advisory rating " + ds.Severity}
			}
		}
	}
	return Score{}
}

func ecoSpecific(a *osv.Affected) json.RawMessage {
	if a == nil {
		return nil
	}
	return a.EcosystemSpecific
}
