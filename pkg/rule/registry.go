package rule

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Registry is an ordered, validated set of rules.
type Registry struct {
	rules []Rule
	byID  map[string]Rule
}

// NewRegistry validates every rule's metadata and rejects duplicate IDs.
func NewRegistry(rules ...Rule) (*Registry, error) {
	r := &Registry{byID: make(map[string]Rule, len(rules))}
	var errs []error
	for _, rl := range rules {
		m := rl.Meta()
		if err := m.Validate(); err != nil {
			errs = append(errs, err)
			continue
		}
		if _, dup := r.byID[m.ID]; dup {
			errs = append(errs, fmt.Errorf("rule %s: registered twice", m.ID))
			continue
		}
		r.byID[m.ID] = rl
		r.rules = append(r.rules, rl)
	}
	sort.SliceStable(r.rules, func(i, j int) bool { return r.rules[i].Meta().ID < r.rules[j].Meta().ID })
	return r, errors.Join(errs...)
}

// All returns every rule, sorted by ID.
func (r *Registry) All() []Rule { return r.rules }

// Get returns the rule with the ID.
func (r *Registry) Get(id string) (Rule, bool) {
	rl, ok := r.byID[id]
	return rl, ok
}

// Selector picks rules. Empty fields select everything.
type Selector struct {
	// Include lists rule IDs, areas ("pod") or tags ("tag:cis") to run; empty means all.
	Include []string
	// Exclude lists rule IDs, areas or tags to leave out.
	Exclude []string
}

func matches(m *Meta, pat string) bool {
	if tag, ok := strings.CutPrefix(pat, "tag:"); ok {
		for _, t := range m.Tags {
			if t == tag {
				return true
			}
		}
		return false
	}
	if strings.HasSuffix(pat, "/*") {
		return m.Area() == strings.TrimSuffix(pat, "/*")
	}
	return m.ID == pat || m.Area() == pat
}

// Select returns the rules the selector picks, and an error naming any pattern that
// matches no rule (a typo must not silently run nothing).
func (r *Registry) Select(s Selector) ([]Rule, error) {
	var errs []error
	for _, list := range [][]string{s.Include, s.Exclude} {
		for _, p := range list {
			found := false
			for _, rl := range r.rules {
				if matches(rl.Meta(), p) {
					found = true
					break
				}
			}
			if !found {
				errs = append(errs, fmt.Errorf("rule selector %q matches no rule (see `eksguard rules`)", p))
			}
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	var out []Rule
	for _, rl := range r.rules {
		m := rl.Meta()
		in := len(s.Include) == 0
		for _, p := range s.Include {
			in = in || matches(m, p)
		}
		for _, p := range s.Exclude {
			if matches(m, p) {
				in = false
			}
		}
		if in {
			out = append(out, rl)
		}
	}
	return out, nil
}
