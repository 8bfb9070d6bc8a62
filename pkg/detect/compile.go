package detect

import (
	"encoding/hex"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Filter is a compiled condition.
type Filter func(ev Event) bool

// env is what a condition sees while compiling: the source's fields, the lists and macros.
type env struct {
	src    *Source
	lists  map[string][]string  // expanded list items
	macros map[string]*macroDef // parsed macros
	active map[string]bool      // macros being expanded (cycle detection)
	fields map[string]struct{}  // fields used, for reporting
	bounds map[string]*bound    // bound fields, shared across a rule
}

// compile turns a syntax tree into a filter.
func (e *env) compile(n *node) (Filter, error) {
	switch n.kind {
	case nodeAnd, nodeOr:
		fs := make([]Filter, 0, len(n.kids))
		for _, k := range n.kids {
			f, err := e.compile(k)
			if err != nil {
				return nil, err
			}
			fs = append(fs, f)
		}
		if n.kind == nodeAnd {
			return andOf(fs), nil
		}
		return orOf(fs), nil
	case nodeNot:
		f, err := e.compile(n.kids[0])
		if err != nil {
			return nil, err
		}
		return func(ev Event) bool { return !f(ev) }, nil
	case nodeMacro:
		m, ok := e.macros[n.name]
		if !ok {
			return nil, fmt.Errorf("undefined macro %q", n.name)
		}
		if e.active[n.name] {
			return nil, fmt.Errorf("macro %q refers to itself", n.name)
		}
		if m.err != nil {
			return nil, fmt.Errorf("macro %q (%s:%d): %w", n.name, m.file, m.line, m.err)
		}
		e.active[n.name] = true
		f, err := e.compile(m.ast)
		delete(e.active, n.name)
		if err != nil {
			return nil, fmt.Errorf("in macro %q: %w", n.name, err)
		}
		return f, nil
	}
	return e.check(n)
}

func andOf(fs []Filter) Filter {
	switch len(fs) {
	case 1:
		return fs[0]
	case 2:
		a, b := fs[0], fs[1]
		return func(ev Event) bool { return a(ev) && b(ev) }
	case 3:
		a, b, c := fs[0], fs[1], fs[2]
		return func(ev Event) bool { return a(ev) && b(ev) && c(ev) }
	}
	return func(ev Event) bool {
		for _, f := range fs {
			if !f(ev) {
				return false
			}
		}
		return true
	}
}

func orOf(fs []Filter) Filter {
	switch len(fs) {
	case 1:
		return fs[0]
	case 2:
		a, b := fs[0], fs[1]
		return func(ev Event) bool { return a(ev) || b(ev) }
	}
	return func(ev Event) bool {
		for _, f := range fs {
			if f(ev) {
				return true
			}
		}
		return false
	}
}

// expand replaces list names among the values by the lists' items.
func (e *env) expand(vals []value) []string {
	out := make([]string, 0, len(vals))
	for _, v := range vals {
		if items, ok := e.lists[v.text]; ok && !v.quoted {
			out = append(out, items...)
			continue
		}
		out = append(out, v.text)
	}
	return out
}

// bindField binds a field once per rule so that extractors and scratch buffers are shared.
func (e *env) bindField(name, arg string, hasArg bool) (*bound, error) {
	key := name
	if hasArg {
		key += "[" + arg + "]"
	}
	if b, ok := e.bounds[key]; ok {
		return b, nil
	}
	b, err := bind(e.src, name, arg, hasArg)
	if err != nil {
		return nil, err
	}
	e.fields[name] = struct{}{}
	e.bounds[key] = b
	return b, nil
}

// check compiles one comparison.
func (e *env) check(n *node) (Filter, error) {
	b, err := e.bindField(n.name, n.arg, n.hasArg)
	if err != nil {
		return nil, err
	}
	// Each check gets its own scratch buffer so nested evaluation never shares one.
	b = &bound{field: b.field, arg: b.arg, ex: b.ex}
	vals := e.expand(n.values)
	if b.field.Compared != nil && len(vals) > 0 {
		b.field.Compared(vals)
	}
	if n.op == "exists" {
		switch {
		case b.ex.Str != nil:
			get := b.ex.Str
			return func(ev Event) bool { _, ok := get(ev); return ok }, nil
		case b.ex.Num != nil:
			get := b.ex.Num
			return func(ev Event) bool { _, ok := get(ev); return ok }, nil
		}
		return func(ev Event) bool { _, ok := b.strings(ev); return ok }, nil
	}
	if len(vals) == 0 && n.op != "in" && n.op != "intersects" && n.op != "pmatch" {
		return nil, fmt.Errorf("operator %s on %s has no value", n.op, n.name)
	}
	if b.ex.Num != nil {
		return numCheck(b, n.op, vals)
	}
	match, err := stringMatcher(n.op, vals)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", n.name, n.op, err)
	}
	if !b.isList() {
		get := b.ex.Str
		if n.op == "!=" {
			return func(ev Event) bool {
				s, ok := get(ev)
				return ok && !match(s)
			}, nil
		}
		return func(ev Event) bool {
			s, ok := get(ev)
			return ok && match(s)
		}, nil
	}
	switch {
	case n.op == "in" && !b.field.Any:
		// A list field is "in" a set when every one of its values is.
		return func(ev Event) bool {
			vs, ok := b.strings(ev)
			if !ok {
				return false
			}
			for _, v := range vs {
				if !match(v) {
					return false
				}
			}
			return true
		}, nil
	case n.op == "!=":
		return func(ev Event) bool {
			vs, ok := b.strings(ev)
			if !ok {
				return false
			}
			for _, v := range vs {
				if match(v) {
					return false
				}
			}
			return true
		}, nil
	}
	// Every other operator holds when any value matches.
	return func(ev Event) bool {
		vs, _ := b.strings(ev)
		for _, v := range vs {
			if match(v) {
				return true
			}
		}
		return false
	}, nil
}

// stringMatcher builds the predicate for op over string values. For "!=" it returns the
// equality predicate; the caller negates it.
func stringMatcher(op string, vals []string) (func(string) bool, error) {
	v := ""
	if len(vals) > 0 {
		v = vals[0]
	}
	switch op {
	case "=", "==", "!=":
		return func(s string) bool { return s == v }, nil
	case "contains":
		return func(s string) bool { return strings.Contains(s, v) }, nil
	case "icontains":
		lv := strings.ToLower(v)
		return func(s string) bool { return containsFold(s, lv) }, nil
	case "startswith":
		return func(s string) bool { return strings.HasPrefix(s, v) }, nil
	case "endswith":
		return func(s string) bool { return strings.HasSuffix(s, v) }, nil
	case "bcontains", "bstartswith":
		raw, err := hex.DecodeString(strings.ReplaceAll(v, " ", ""))
		if err != nil {
			return nil, fmt.Errorf("value %q is not hex bytes", v)
		}
		bv := string(raw)
		if op == "bcontains" {
			return func(s string) bool { return strings.Contains(s, bv) }, nil
		}
		return func(s string) bool { return strings.HasPrefix(s, bv) }, nil
	case "in", "intersects":
		if len(vals) <= 8 {
			return func(s string) bool {
				for _, x := range vals {
					if s == x {
						return true
					}
				}
				return false
			}, nil
		}
		set := make(map[string]struct{}, len(vals))
		for _, x := range vals {
			set[x] = struct{}{}
		}
		return func(s string) bool { _, ok := set[s]; return ok }, nil
	case "pmatch":
		return func(s string) bool {
			for _, p := range vals {
				if pathPrefix(s, p) {
					return true
				}
			}
			return false
		}, nil
	case "glob":
		re, err := globRegexp(v)
		if err != nil {
			return nil, err
		}
		return re.MatchString, nil
	case "regex":
		if len(v) > maxPatternBytes {
			return nil, fmt.Errorf("pattern is %d bytes, over the %d limit", len(v), maxPatternBytes)
		}
		re, err := regexp.Compile(`^(?:` + v + `)$`)
		if err != nil {
			return nil, err
		}
		return re.MatchString, nil
	case "<", "<=", ">", ">=":
		return orderMatcher(op, v), nil
	}
	return nil, fmt.Errorf("unknown operator %q", op)
}

// orderMatcher compares numerically when both sides are numbers, else lexically.
func orderMatcher(op, v string) func(string) bool {
	nv, nerr := strconv.ParseFloat(v, 64)
	cmp := func(s string) int {
		if nerr == nil {
			if ns, err := strconv.ParseFloat(s, 64); err == nil {
				switch {
				case ns < nv:
					return -1
				case ns > nv:
					return 1
				}
				return 0
			}
		}
		return strings.Compare(s, v)
	}
	switch op {
	case "<":
		return func(s string) bool { return cmp(s) < 0 }
	case "<=":
		return func(s string) bool { return cmp(s) <= 0 }
	case ">":
		return func(s string) bool { return cmp(s) > 0 }
	}
	return func(s string) bool { return cmp(s) >= 0 }
}

func numCheck(b *bound, op string, vals []string) (Filter, error) {
	nums := make([]uint64, 0, len(vals))
	for _, v := range vals {
		n, err := strconv.ParseUint(v, 0, 64)
		if err != nil {
			return nil, fmt.Errorf("field %s is a number; %q is not", b.field.Name, v)
		}
		nums = append(nums, n)
	}
	get := b.ex.Num
	var pred func(uint64) bool
	switch op {
	case "=", "==":
		pred = func(x uint64) bool { return x == nums[0] }
	case "!=":
		pred = func(x uint64) bool { return x != nums[0] }
	case "<":
		pred = func(x uint64) bool { return x < nums[0] }
	case "<=":
		pred = func(x uint64) bool { return x <= nums[0] }
	case ">":
		pred = func(x uint64) bool { return x > nums[0] }
	case ">=":
		pred = func(x uint64) bool { return x >= nums[0] }
	case "in", "intersects":
		pred = func(x uint64) bool {
			for _, n := range nums {
				if x == n {
					return true
				}
			}
			return false
		}
	default:
		return nil, fmt.Errorf("operator %s does not apply to the number field %s", op, b.field.Name)
	}
	return func(ev Event) bool {
		x, ok := get(ev)
		return ok && pred(x)
	}, nil
}

// containsFold reports whether s contains lower (already lower-cased), ignoring ASCII case,
// without allocating.
func containsFold(s, lower string) bool {
	n := len(lower)
	if n == 0 {
		return true
	}
	for i := 0; i+n <= len(s); i++ {
		j := 0
		for ; j < n; j++ {
			c := s[i+j]
			if c >= 'A' && c <= 'Z' {
				c += 'a' - 'A'
			}
			if c != lower[j] {
				break
			}
		}
		if j == n {
			return true
		}
	}
	return false
}

// pathPrefix reports whether path p equals s or is a directory prefix of it.
func pathPrefix(s, p string) bool {
	p = strings.TrimSuffix(p, "/")
	if p == "" {
		return strings.HasPrefix(s, "/")
	}
	return s == p || strings.HasPrefix(s, p) && len(s) > len(p) && s[len(p)] == '/'
}

// globRegexp translates a shell glob (*, ?, [...]) into an anchored regexp; * matches any
// run of characters, '/' included, as fnmatch without FNM_PATHNAME does.
func globRegexp(g string) (*regexp.Regexp, error) {
	if len(g) > maxPatternBytes {
		return nil, fmt.Errorf("pattern is %d bytes, over the %d limit", len(g), maxPatternBytes)
	}
	var b strings.Builder
	b.WriteString("^(?s:")
	for i := 0; i < len(g); i++ {
		switch c := g[i]; c {
		case '*':
			b.WriteString(".*")
		case '?':
			b.WriteString(".")
		case '[':
			end := strings.IndexByte(g[i+1:], ']')
			if end < 0 {
				b.WriteString(`\[`)
				continue
			}
			class := g[i+1 : i+1+end]
			if strings.HasPrefix(class, "!") {
				class = "^" + class[1:]
			}
			b.WriteString("[" + strings.ReplaceAll(class, `\`, `\\`) + "]")
			i += end + 1
		case '\\':
			if i+1 < len(g) {
				i++
				b.WriteString(regexp.QuoteMeta(string(g[i])))
			}
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	b.WriteString(")$")
	return regexp.Compile(b.String())
}
