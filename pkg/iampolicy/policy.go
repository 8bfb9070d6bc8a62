// Package iampolicy parses and evaluates AWS IAM policy documents (identity, resource, trust
// and VPC endpoint policies) for meaning rather than text: Allow and Deny, Action and
// NotAction, Resource and NotResource, Principal and NotPrincipal, wildcards, and the common
// condition operators and keys. It follows the documented evaluation logic for one policy:
// an explicit Deny wins, else an Allow allows, else the request is implicitly denied.
//
// Input is untrusted: documents larger than MaxBytes or nested deeper than MaxDepth are
// rejected with an error before decoding, and statement, value and pattern counts are bounded.
package iampolicy

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strings"

	"github.com/eksguard/eksguard/pkg/bounded"
)

// Bounds on untrusted documents. AWS's own limits are far lower (a managed policy is at most
// 6,144 characters, a resource policy at most 20 KiB).
const (
	MaxBytes      = 1 << 20
	MaxDepth      = 16
	MaxStatements = 1000
	MaxValues     = 10000 // actions, resources, principals and condition values in all
)

// Policy is a parsed policy document.
type Policy struct {
	Version    string
	ID         string
	Statements []Statement
}

// Statement is one statement. Lists are never nil where the element was present.
type Statement struct {
	Sid    string
	Effect Effect
	// Principal and NotPrincipal map a principal type (AWS, Service, Federated,
	// CanonicalUser) to its values; the type "*" holds the anonymous "Principal": "*".
	Principal, NotPrincipal map[string][]string
	HasPrincipal            bool
	HasNotPrincipal         bool
	Action, NotAction       []string
	Resource, NotResource   []string
	// Condition maps an operator (as written, e.g. "ForAnyValue:StringLike") to keys and
	// their values.
	Condition map[string]map[string][]string
}

// Effect is Allow or Deny.
type Effect string

// Effects.
const (
	Allow Effect = "Allow"
	Deny  Effect = "Deny"
)

// Parse reads a policy document. Documents from IAM APIs come URL-encoded; ParseEncoded
// decodes them first.
func Parse(data []byte) (*Policy, error) {
	if len(data) > MaxBytes {
		return nil, fmt.Errorf("policy document is %d bytes, more than %d", len(data), MaxBytes)
	}
	if d := bounded.JSONDepth(data); d > MaxDepth {
		return nil, fmt.Errorf("policy document is nested %d deep, more than %d", d, MaxDepth)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var raw map[string]json.RawMessage
	if err := dec.Decode(&raw); err != nil {
		return nil, fmt.Errorf("policy document: %v", err)
	}
	if raw == nil {
		return nil, errors.New("policy document is not a JSON object")
	}
	p := &Policy{}
	budget := MaxValues
	for k, v := range raw {
		switch k {
		case "Version":
			if err := json.Unmarshal(v, &p.Version); err != nil {
				return nil, fmt.Errorf("Version: %v", err)
			}
		case "Id":
			_ = json.Unmarshal(v, &p.ID)
		case "Statement":
			var list []json.RawMessage
			if len(bytes.TrimSpace(v)) > 0 && bytes.TrimSpace(v)[0] == '{' {
				list = []json.RawMessage{v}
			} else if err := json.Unmarshal(v, &list); err != nil {
				return nil, fmt.Errorf("Statement: %v", err)
			}
			if len(list) > MaxStatements {
				return nil, fmt.Errorf("policy has %d statements, more than %d", len(list), MaxStatements)
			}
			for i, s := range list {
				st, err := parseStatement(s, &budget)
				if err != nil {
					return nil, fmt.Errorf("Statement[%d]: %v", i, err)
				}
				p.Statements = append(p.Statements, st)
			}
		default:
			return nil, fmt.Errorf("unknown policy element %q", k)
		}
	}
	if raw["Statement"] == nil {
		return nil, errors.New("policy has no Statement")
	}
	return p, nil
}

// ParseEncoded parses a URL-encoded document, as IAM's APIs return them; a document that is
// not URL-encoded is parsed as it is.
func ParseEncoded(s string) (*Policy, error) {
	if strings.HasPrefix(strings.TrimSpace(s), "%7B") || strings.HasPrefix(strings.TrimSpace(s), "%7b") {
		d, err := url.QueryUnescape(s)
		if err != nil {
			return nil, fmt.Errorf("policy document is not URL-encoded JSON: %v", err)
		}
		s = d
	}
	return Parse([]byte(s))
}

func parseStatement(data json.RawMessage, budget *int) (Statement, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return Statement{}, err
	}
	var s Statement
	var err error
	for k, v := range raw {
		switch k {
		case "Sid":
			_ = json.Unmarshal(v, &s.Sid)
		case "Effect":
			var e string
			if err := json.Unmarshal(v, &e); err != nil {
				return s, fmt.Errorf("Effect: %v", err)
			}
			s.Effect = Effect(e)
		case "Action":
			s.Action, err = stringList(v, budget)
		case "NotAction":
			s.NotAction, err = stringList(v, budget)
		case "Resource":
			s.Resource, err = stringList(v, budget)
		case "NotResource":
			s.NotResource, err = stringList(v, budget)
		case "Principal":
			s.Principal, err = principals(v, budget)
			s.HasPrincipal = true
		case "NotPrincipal":
			s.NotPrincipal, err = principals(v, budget)
			s.HasNotPrincipal = true
		case "Condition":
			s.Condition, err = conditions(v, budget)
		default:
			return s, fmt.Errorf("unknown statement element %q", k)
		}
		if err != nil {
			return s, fmt.Errorf("%s: %v", k, err)
		}
	}
	if s.Effect != Allow && s.Effect != Deny {
		return s, fmt.Errorf("Effect %q is not Allow or Deny", s.Effect)
	}
	if (s.Action == nil) == (s.NotAction == nil) {
		return s, errors.New("needs exactly one of Action and NotAction")
	}
	if s.Resource != nil && s.NotResource != nil {
		return s, errors.New("has both Resource and NotResource")
	}
	if s.HasPrincipal && s.HasNotPrincipal {
		return s, errors.New("has both Principal and NotPrincipal")
	}
	return s, nil
}

// stringList reads a string or a list of strings (numbers and booleans as their text).
func stringList(v json.RawMessage, budget *int) ([]string, error) {
	var one any
	dec := json.NewDecoder(bytes.NewReader(v))
	dec.UseNumber()
	if err := dec.Decode(&one); err != nil {
		return nil, err
	}
	var items []any
	switch x := one.(type) {
	case []any:
		items = x
	default:
		items = []any{x}
	}
	out := make([]string, 0, len(items))
	for _, it := range items {
		*budget--
		if *budget < 0 {
			return nil, fmt.Errorf("more than %d values in the document", MaxValues)
		}
		switch x := it.(type) {
		case string:
			out = append(out, x)
		case json.Number:
			out = append(out, x.String())
		case bool:
			if x {
				out = append(out, "true")
			} else {
				out = append(out, "false")
			}
		default:
			return nil, fmt.Errorf("value %v is not a string", it)
		}
	}
	return out, nil
}

func principals(v json.RawMessage, budget *int) (map[string][]string, error) {
	var s string
	if json.Unmarshal(v, &s) == nil {
		if s != "*" {
			return nil, fmt.Errorf("principal %q: a string principal must be \"*\"", s)
		}
		return map[string][]string{"*": {"*"}}, nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(v, &m); err != nil {
		return nil, err
	}
	out := map[string][]string{}
	for typ, val := range m {
		l, err := stringList(val, budget)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", typ, err)
		}
		out[typ] = l
	}
	return out, nil
}

func conditions(v json.RawMessage, budget *int) (map[string]map[string][]string, error) {
	var m map[string]map[string]json.RawMessage
	if err := json.Unmarshal(v, &m); err != nil {
		return nil, err
	}
	out := map[string]map[string][]string{}
	for op, keys := range m {
		if _, _, err := parseOperator(op); err != nil {
			return nil, err
		}
		out[op] = map[string][]string{}
		for k, val := range keys {
			l, err := stringList(val, budget)
			if err != nil {
				return nil, fmt.Errorf("%s %s: %v", op, k, err)
			}
			out[op][k] = l
		}
	}
	return out, nil
}

// Actions returns every action pattern named by Allow statements (for reports).
func (p *Policy) Actions() []string {
	seen := map[string]bool{}
	for _, s := range p.Statements {
		for _, a := range s.Action {
			seen[a] = true
		}
	}
	out := make([]string, 0, len(seen))
	for a := range seen {
		out = append(out, a)
	}
	sort.Strings(out)
	return out
}
