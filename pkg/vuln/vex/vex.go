// Package vex reads OpenVEX documents (https://github.com/openvex/spec) as an ignore file:
// statements that a vulnerability does not affect a product ("not_affected", with a
// justification or impact statement) or is "fixed" there suppress the matching findings,
// with the statement's reason.
package vex

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/eksguard/eksguard/pkg/bounded"
)

// MaxBytes bounds a VEX document.
const MaxBytes = 16 << 20

// Statuses (OpenVEX spec, "Status Labels").
const (
	NotAffected        = "not_affected"
	Affected           = "affected"
	Fixed              = "fixed"
	UnderInvestigation = "under_investigation"
)

// Document is an OpenVEX document, the fields used.
type Document struct {
	Context    string      `json:"@context"`
	ID         string      `json:"@id"`
	Author     string      `json:"author"`
	Statements []Statement `json:"statements"`
	source     string
}

// Statement is one VEX statement.
type Statement struct {
	Vulnerability   Vulnerability `json:"vulnerability"`
	Products        []Product     `json:"products,omitempty"`
	Status          string        `json:"status"`
	Justification   string        `json:"justification,omitempty"`
	ImpactStatement string        `json:"impact_statement,omitempty"`
	ActionStatement string        `json:"action_statement,omitempty"`
	StatusNotes     string        `json:"status_notes,omitempty"`
}

// Vulnerability names the vulnerability: its name (an advisory or CVE id) and aliases.
type Vulnerability struct {
	ID      string   `json:"@id,omitempty"`
	Name    string   `json:"name"`
	Aliases []string `json:"aliases,omitempty"`
}

// Product names a product by @id (a purl, image reference or path) and identifiers.
type Product struct {
	ID            string            `json:"@id"`
	Identifiers   map[string]string `json:"identifiers,omitempty"`
	Hashes        map[string]string `json:"hashes,omitempty"`
	Subcomponents []Product         `json:"subcomponents,omitempty"`
}

// Justifications allowed for not_affected.
var justifications = map[string]bool{
	"component_not_present": true, "vulnerable_code_not_present": true,
	"vulnerable_code_not_in_execute_path": true, "vulnerable_code_cannot_be_controlled_by_adversary": true,
	"inline_mitigations_already_exist": true,
}

// Load reads and validates a VEX document.
func Load(path string) (*Document, error) {
	data, err := bounded.ReadFile(path, MaxBytes)
	if err != nil {
		return nil, err
	}
	d, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	d.source = path
	return d, nil
}

// Parse decodes and validates a VEX document.
func Parse(data []byte) (*Document, error) {
	var d Document
	if err := json.Unmarshal(data, &d); err != nil {
		return nil, fmt.Errorf("not an OpenVEX JSON document: %w", err)
	}
	if !strings.HasPrefix(d.Context, "https://openvex.dev/ns") {
		return nil, fmt.Errorf("@context %q is not OpenVEX (https://openvex.dev/ns/...)", d.Context)
	}
	var errs []error
	for i, s := range d.Statements {
		if s.Vulnerability.Name == "" && s.Vulnerability.ID == "" {
			errs = append(errs, fmt.Errorf("statements[%d]: vulnerability has no name", i))
		}
		switch s.Status {
		case NotAffected:
			if s.Justification == "" && s.ImpactStatement == "" {
				errs = append(errs, fmt.Errorf("statements[%d]: not_affected needs a justification or an impact_statement", i))
			}
			if s.Justification != "" && !justifications[s.Justification] {
				errs = append(errs, fmt.Errorf("statements[%d]: unknown justification %q", i, s.Justification))
			}
		case Affected, Fixed, UnderInvestigation:
		default:
			errs = append(errs, fmt.Errorf("statements[%d]: unknown status %q", i, s.Status))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return &d, nil
}

// Source is the file the document was loaded from.
func (d *Document) Source() string { return d.source }

// Suppresses returns the reason when a statement says the vulnerability (by any of ids)
// does not affect the product. products are the identifiers the finding is about (the
// package URL, the image or file); a statement without products applies to every one.
// The last matching statement wins, as OpenVEX documents are read in order.
func (d *Document) Suppresses(ids []string, products []string) (string, bool) {
	if d == nil {
		return "", false
	}
	reason, ok := "", false
	for _, s := range d.Statements {
		if !nameMatches(s.Vulnerability, ids) || !productMatches(s.Products, products) {
			continue
		}
		switch s.Status {
		case NotAffected:
			reason, ok = join("not_affected", s.Justification, s.ImpactStatement), true
		case Fixed:
			reason, ok = join("fixed", s.StatusNotes), true
		default:
			reason, ok = "", false
		}
	}
	return reason, ok
}

func join(parts ...string) string {
	var out []string
	for _, p := range parts {
		if p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, ": ")
}

func nameMatches(v Vulnerability, ids []string) bool {
	names := append([]string{v.Name, v.ID}, v.Aliases...)
	for _, n := range names {
		for _, id := range ids {
			if n != "" && strings.EqualFold(n, id) {
				return true
			}
		}
	}
	return false
}

// purlBase drops qualifiers and subpath: pkg:deb/debian/openssl@3.0.11?arch=amd64 -> pkg:deb/debian/openssl@3.0.11.
func purlBase(s string) string {
	if i := strings.IndexAny(s, "?#"); i >= 0 {
		return s[:i]
	}
	return s
}

func productMatches(ps []Product, products []string) bool {
	if len(ps) == 0 {
		return true
	}
	for _, p := range ps {
		cands := []string{p.ID}
		for _, v := range p.Identifiers {
			cands = append(cands, v)
		}
		for _, sub := range p.Subcomponents {
			cands = append(cands, sub.ID)
		}
		for _, c := range cands {
			for _, want := range products {
				if c == "" || want == "" {
					continue
				}
				if c == want || purlBase(c) == purlBase(want) {
					return true
				}
				// A purl without a version names every version of the package.
				if strings.HasPrefix(c, "pkg:") && !strings.Contains(purlBase(c), "@") {
					if b, _, ok := strings.Cut(purlBase(want), "@"); ok && b == purlBase(c) {
						return true
					}
				}
			}
		}
	}
	return false
}
