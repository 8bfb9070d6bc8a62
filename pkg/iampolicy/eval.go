package iampolicy

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// Principal is who makes a request.
type Principal struct {
	// Type is AWS, Service, Federated or CanonicalUser; empty means anonymous.
	Type string
	// ID is the ARN (AWS), service name (Service) or identity provider (Federated).
	ID string
}

// Account returns the account ID in an AWS principal's ARN ("" when none).
func (p Principal) Account() string {
	if p.Type != "AWS" {
		return ""
	}
	if isAccountID(p.ID) {
		return p.ID
	}
	parts := strings.SplitN(p.ID, ":", 6)
	if len(parts) == 6 {
		return parts[4]
	}
	return ""
}

// Request is one request to evaluate.
type Request struct {
	Principal Principal
	Action    string
	Resource  string
	// Context holds condition keys (any case) and their values.
	Context map[string][]string
}

// Decision is the result of evaluating a policy on a request.
type Decision int

// Decisions.
const (
	// ImplicitDeny: no statement applies.
	ImplicitDeny Decision = iota
	Allowed
	// ExplicitDeny: a Deny statement applies; it overrides any Allow.
	ExplicitDeny
)

func (d Decision) String() string {
	return [...]string{"implicit deny", "allow", "explicit deny"}[d]
}

// Evaluate decides a request against the policy alone.
func (p *Policy) Evaluate(r Request) Decision {
	ctx := lowerKeys(r.Context)
	d := ImplicitDeny
	for i := range p.Statements {
		s := &p.Statements[i]
		if !s.applies(r, ctx) {
			continue
		}
		if s.Effect == Deny {
			return ExplicitDeny
		}
		d = Allowed
	}
	return d
}

// Matching returns the statements that apply to a request (for evidence).
func (p *Policy) Matching(r Request) []*Statement {
	ctx := lowerKeys(r.Context)
	var out []*Statement
	for i := range p.Statements {
		if p.Statements[i].applies(r, ctx) {
			out = append(out, &p.Statements[i])
		}
	}
	return out
}

func lowerKeys(c map[string][]string) map[string][]string {
	out := make(map[string][]string, len(c))
	for k, v := range c {
		out[strings.ToLower(k)] = v
	}
	return out
}

func (s *Statement) applies(r Request, ctx map[string][]string) bool {
	if s.Action != nil && !anyMatch(s.Action, r.Action, true) {
		return false
	}
	if s.NotAction != nil && anyMatch(s.NotAction, r.Action, true) {
		return false
	}
	if s.Resource != nil && !anyMatch(s.Resource, r.Resource, false) {
		return false
	}
	if s.NotResource != nil && anyMatch(s.NotResource, r.Resource, false) {
		return false
	}
	if s.HasPrincipal && !principalMatch(s.Principal, r.Principal) {
		return false
	}
	if s.HasNotPrincipal && principalMatch(s.NotPrincipal, r.Principal) {
		return false
	}
	for op, keys := range s.Condition {
		for key, vals := range keys {
			if !conditionHolds(op, strings.ToLower(key), vals, ctx) {
				return false
			}
		}
	}
	return true
}

func anyMatch(patterns []string, v string, fold bool) bool {
	for _, p := range patterns {
		if fold {
			if Wildcard(strings.ToLower(p), strings.ToLower(v)) {
				return true
			}
		} else if Wildcard(p, v) {
			return true
		}
	}
	return false
}

// principalMatch reports whether a Principal element names the principal. "*" (alone or as
// {"AWS": "*"}) names everyone; an account ID or its root ARN names every principal of the
// account.
func principalMatch(ps map[string][]string, who Principal) bool {
	if _, ok := ps["*"]; ok {
		return true
	}
	for typ, ids := range ps {
		for _, id := range ids {
			if typ == "AWS" && id == "*" {
				return true
			}
			if typ != who.Type {
				continue
			}
			if id == who.ID {
				return true
			}
			if typ == "AWS" {
				acct := id
				if strings.HasSuffix(id, ":root") {
					acct = Principal{Type: "AWS", ID: id}.Account()
				}
				if isAccountID(acct) && acct == who.Account() {
					return true
				}
			}
		}
	}
	return false
}

func isAccountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// parseOperator splits "ForAnyValue:StringLikeIfExists" into its set qualifier, base
// operator and IfExists, and rejects operators it does not know.
func parseOperator(op string) (set, base string, err error) {
	base = op
	if q, rest, ok := strings.Cut(op, ":"); ok {
		if q != "ForAnyValue" && q != "ForAllValues" {
			return "", "", fmt.Errorf("unknown condition set qualifier %q", q)
		}
		set, base = q, rest
	}
	b := strings.TrimSuffix(base, "IfExists")
	if base == "Null" {
		b = base
	}
	if !knownOps[b] {
		return "", "", fmt.Errorf("unknown condition operator %q", op)
	}
	return set, base, nil
}

var knownOps = map[string]bool{
	"StringEquals": true, "StringNotEquals": true, "StringEqualsIgnoreCase": true, "StringNotEqualsIgnoreCase": true,
	"StringLike": true, "StringNotLike": true,
	"NumericEquals": true, "NumericNotEquals": true, "NumericLessThan": true, "NumericLessThanEquals": true,
	"NumericGreaterThan": true, "NumericGreaterThanEquals": true,
	"DateEquals": true, "DateNotEquals": true, "DateLessThan": true, "DateLessThanEquals": true,
	"DateGreaterThan": true, "DateGreaterThanEquals": true,
	"Bool": true, "BinaryEquals": true, "IpAddress": true, "NotIpAddress": true,
	"ArnEquals": true, "ArnLike": true, "ArnNotEquals": true, "ArnNotLike": true, "Null": true,
}

// negated operators match when no policy value matches the request value.
var negated = map[string]bool{
	"StringNotEquals": true, "StringNotEqualsIgnoreCase": true, "StringNotLike": true, "NumericNotEquals": true,
	"DateNotEquals": true, "NotIpAddress": true, "ArnNotEquals": true, "ArnNotLike": true,
}

// conditionHolds evaluates one operator and key: the request's values of the key against
// the policy's values (OR across policy values).
func conditionHolds(op, key string, vals []string, ctx map[string][]string) bool {
	set, base, err := parseOperator(op)
	if err != nil {
		return false
	}
	reqVals, present := ctx[key]
	if base == "Null" {
		want := len(vals) > 0 && strings.EqualFold(vals[0], "true")
		return want == !present
	}
	ifExists := strings.HasSuffix(base, "IfExists")
	base = strings.TrimSuffix(base, "IfExists")
	if !present {
		switch {
		case ifExists:
			return true
		case set == "ForAllValues":
			return true // vacuously true over an empty set
		case negated[base]:
			return true
		}
		return false
	}
	one := func(rv string) bool {
		if negated[base] {
			for _, pv := range vals {
				if match(positive(base), pv, rv) {
					return false
				}
			}
			return true
		}
		for _, pv := range vals {
			if match(base, pv, rv) {
				return true
			}
		}
		return false
	}
	switch set {
	case "ForAllValues":
		for _, rv := range reqVals {
			if !one(rv) {
				return false
			}
		}
		return true
	case "ForAnyValue":
		for _, rv := range reqVals {
			if one(rv) {
				return true
			}
		}
		return false
	}
	// A single-valued key: every value the request carries must satisfy it (a multivalued
	// key without a set qualifier is treated as ForAnyValue for positive operators).
	if negated[base] {
		for _, rv := range reqVals {
			if !one(rv) {
				return false
			}
		}
		return true
	}
	for _, rv := range reqVals {
		if one(rv) {
			return true
		}
	}
	return false
}

func positive(op string) string {
	switch op {
	case "StringNotEquals":
		return "StringEquals"
	case "StringNotEqualsIgnoreCase":
		return "StringEqualsIgnoreCase"
	case "StringNotLike":
		return "StringLike"
	case "NumericNotEquals":
		return "NumericEquals"
	case "DateNotEquals":
		return "DateEquals"
	case "NotIpAddress":
		return "IpAddress"
	case "ArnNotEquals":
		return "ArnEquals"
	case "ArnNotLike":
		return "ArnLike"
	}
	return op
}

// match applies a positive operator to one policy value and one request value.
func match(op, pv, rv string) bool {
	switch op {
	case "StringEquals", "BinaryEquals":
		return pv == rv
	case "StringEqualsIgnoreCase":
		return strings.EqualFold(pv, rv)
	case "StringLike":
		return Wildcard(pv, rv)
	case "ArnEquals", "ArnLike":
		return arnLike(pv, rv)
	case "Bool":
		return strings.EqualFold(pv, rv)
	case "IpAddress":
		pfx, err := netip.ParsePrefix(pv)
		if err != nil {
			a, err2 := netip.ParseAddr(pv)
			if err2 != nil {
				return false
			}
			pfx = netip.PrefixFrom(a, a.BitLen())
		}
		a, err := netip.ParseAddr(rv)
		return err == nil && pfx.Contains(a)
	}
	if strings.HasPrefix(op, "Numeric") {
		a, err1 := strconv.ParseFloat(rv, 64)
		b, err2 := strconv.ParseFloat(pv, 64)
		if err1 != nil || err2 != nil {
			return false
		}
		return compare(strings.TrimPrefix(op, "Numeric"), a, b)
	}
	if strings.HasPrefix(op, "Date") {
		a, err1 := parseDate(rv)
		b, err2 := parseDate(pv)
		if err1 != nil || err2 != nil {
			return false
		}
		return compare(strings.TrimPrefix(op, "Date"), float64(a.Unix()), float64(b.Unix()))
	}
	return false
}

func compare(op string, a, b float64) bool {
	switch op {
	case "Equals":
		return a == b
	case "LessThan":
		return a < b
	case "LessThanEquals":
		return a <= b
	case "GreaterThan":
		return a > b
	case "GreaterThanEquals":
		return a >= b
	}
	return false
}

func parseDate(s string) (time.Time, error) {
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return time.Unix(n, 0), nil
	}
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04:05Z", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("not a date: %q", s)
}

// arnLike matches ARNs part by part (six colon-separated parts; wildcards within each).
func arnLike(pattern, arn string) bool {
	pp := strings.SplitN(pattern, ":", 6)
	ap := strings.SplitN(arn, ":", 6)
	if len(pp) != 6 || len(ap) != 6 {
		return Wildcard(pattern, arn)
	}
	for i := range pp {
		if !Wildcard(pp[i], ap[i]) {
			return false
		}
	}
	return true
}

// Wildcard matches s against a pattern where * matches any run of characters and ? any one
// character. It runs in O(len(p)*len(s)) time at worst, never exponentially.
func Wildcard(p, s string) bool {
	// Iterative matching with backtracking to the last star only.
	pi, si := 0, 0
	star, mark := -1, 0
	for si < len(s) {
		switch {
		case pi < len(p) && (p[pi] == '?' || p[pi] == s[si]):
			pi++
			si++
		case pi < len(p) && p[pi] == '*':
			star, mark = pi, si
			pi++
		case star >= 0:
			pi = star + 1
			mark++
			si = mark
		default:
			return false
		}
	}
	for pi < len(p) && p[pi] == '*' {
		pi++
	}
	return pi == len(p)
}

// HasWildcard reports whether s holds * or ?.
func HasWildcard(s string) bool { return strings.ContainsAny(s, "*?") }
