package detect

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Limits on rule files.
const (
	MaxRuleFileBytes = 16 << 20
	maxListItems     = 100000
)

// Priority is a Falco rule priority, most severe first.
type Priority int

// Priorities in Falco's order (syslog levels).
const (
	PriorityEmergency Priority = iota
	PriorityAlert
	PriorityCritical
	PriorityError
	PriorityWarning
	PriorityNotice
	PriorityInformational
	PriorityDebug
)

var priorityNames = [...]string{"Emergency", "Alert", "Critical", "Error", "Warning", "Notice", "Informational", "Debug"}

func (p Priority) String() string {
	if p < 0 || int(p) >= len(priorityNames) {
		return "Unknown"
	}
	return priorityNames[p]
}

// ParsePriority reads a priority name, case-insensitively ("info" is Informational).
func ParsePriority(s string) (Priority, error) {
	l := strings.ToLower(strings.TrimSpace(s))
	if l == "info" {
		return PriorityInformational, nil
	}
	for i, n := range priorityNames {
		if strings.ToLower(n) == l {
			return Priority(i), nil
		}
	}
	return 0, fmt.Errorf("unknown priority %q", s)
}

// Rule is a compiled rule.
type Rule struct {
	Name      string
	Desc      string
	Condition string
	Output    string
	Priority  Priority
	Tags      []string
	Source    string
	Enabled   bool
	File      string
	Line      int
	// Fields lists every field the condition and output use.
	Fields []string

	filter    Filter
	output    []outputPart
	indexed   bool
	indexKeys []string
}

// Match evaluates the rule's condition on ev.
func (r *Rule) Match(ev Event) bool { return r.filter(ev) }

// SkippedRule is a rule that was not loaded because its source is not enabled.
type SkippedRule struct {
	Name, Source, File string
	Line               int
}

// InactiveRule is a rule that was not loaded because it uses a field its source does not
// offer yet (Loader.InactiveOnUnknownField).
type InactiveRule struct {
	Name, Source, File string
	Line               int
	Enabled            bool   // whether the rule files enable it
	Reason             string // the first unknown field, as the compiler reported it
}

// Ruleset is the compiled result of one or more rule files.
type Ruleset struct {
	Rules    []*Rule // every compiled rule, enabled or not, in definition order
	Skipped  []SkippedRule
	Inactive []InactiveRule
	bySrc    map[string][]*Rule
	index    map[string]*ruleIndex
}

// For returns the enabled rules of a source.
func (rs *Ruleset) For(source string) []*Rule { return rs.bySrc[source] }

// ruleIndex maps a value of a source's index field to the enabled rules that can match
// an event with that value, in definition order; other values get rest.
type ruleIndex struct {
	key   func(ev Event) (string, bool)
	byKey map[string][]*Rule
	rest  []*Rule
}

// Candidates returns the enabled rules of a source that can match ev, in definition
// order: all of them, or fewer when the source has an index field.
func (rs *Ruleset) Candidates(source string, ev Event) []*Rule {
	ix := rs.index[source]
	if ix == nil {
		return rs.bySrc[source]
	}
	if k, ok := ix.key(ev); ok {
		if rules, ok := ix.byKey[k]; ok {
			return rules
		}
	}
	return ix.rest
}

// IndexKeys returns the values of a source's index field that some enabled rule requires
// (sorted), and all=true when an enabled rule requires none, so that any value can match
// (or the source has no index). The runtime sensor traces only the syscalls these name.
func (rs *Ruleset) IndexKeys(source string) (keys []string, all bool) {
	ix := rs.index[source]
	if ix == nil {
		return nil, len(rs.bySrc[source]) > 0
	}
	for k := range ix.byKey {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys, len(ix.rest) > 0
}

// buildIndex builds the rule index of a source.
func (rs *Ruleset) buildIndex(src *Source) {
	if src.IndexField == "" {
		return
	}
	b, err := bind(src, src.IndexField, "", false)
	if err != nil || b.ex.Str == nil {
		return
	}
	ix := &ruleIndex{key: b.ex.Str, byKey: map[string][]*Rule{}}
	rules := rs.bySrc[src.Name]
	for _, r := range rules {
		for _, k := range r.indexKeys {
			ix.byKey[k] = nil
		}
	}
	for _, r := range rules {
		if !r.indexed {
			ix.rest = append(ix.rest, r)
		}
		for k := range ix.byKey {
			if !r.indexed || containsStr(r.indexKeys, k) {
				ix.byKey[k] = append(ix.byKey[k], r)
			}
		}
	}
	rs.index[src.Name] = ix
}

func containsStr(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// requiredValues finds, in the top-level conjunction of a condition (through macros), a
// check that the field equals one of some constants; ok=false when there is none.
func requiredValues(n *node, field string, e *env, depth int) ([]string, bool) {
	if depth > maxConditionDepth {
		return nil, false
	}
	switch n.kind {
	case nodeAnd:
		for _, k := range n.kids {
			if vals, ok := requiredValues(k, field, e, depth+1); ok {
				return vals, true
			}
		}
	case nodeOr:
		var all []string
		for _, k := range n.kids {
			vals, ok := requiredValues(k, field, e, depth+1)
			if !ok {
				return nil, false
			}
			all = append(all, vals...)
		}
		return all, true
	case nodeMacro:
		if m := e.macros[n.name]; m != nil && m.ast != nil {
			return requiredValues(m.ast, field, e, depth+1)
		}
	case nodeCheck:
		if n.name == field && !n.hasArg && (n.op == "=" || n.op == "==" || n.op == "in" || n.op == "intersects") {
			return e.expand(n.values), true
		}
	}
	return nil, false
}

// Enabled counts the enabled rules.
func (rs *Ruleset) Enabled() int {
	n := 0
	for _, r := range rs.Rules {
		if r.Enabled {
			n++
		}
	}
	return n
}

type listDef struct {
	name  string
	items []value
	file  string
	line  int
}

type macroDef struct {
	name, cond string
	file       string
	line       int
	ast        *node
	err        error
}

type exceptionDef struct {
	name   string
	fields []string
	single bool // fields was one field name, not a list
	comps  []string
	values []*yaml.Node
}

type ruleDef struct {
	name, desc, cond, output, priority, source string
	tags                                       []string
	enabled                                    *bool
	exceptions                                 []*exceptionDef
	skipUnknown                                bool
	file                                       string
	line, condLine                             int
}

// Loader collects definitions from rule files in order, then compiles them.
type Loader struct {
	// InactiveOnUnknownField lists a rule that uses a field its source does not offer as
	// inactive (Ruleset.Inactive) instead of failing the load, so that upstream rule files
	// load unchanged while a source's vocabulary is incomplete. Other errors still fail.
	InactiveOnUnknownField bool
	// AppendOutput is appended (after a space) to the output of every rule of a source,
	// as Falco's append_output option: source name -> text with %fields.
	AppendOutput map[string]string

	sources map[string]*Source
	lists   map[string]*listDef
	macros  map[string]*macroDef
	rules   map[string]*ruleDef
	order   []string // rule names in first-definition order
	errs    []error
}

// NewLoader returns a loader for the given (enabled) sources.
func NewLoader(sources ...*Source) *Loader {
	l := &Loader{sources: map[string]*Source{}, lists: map[string]*listDef{}, macros: map[string]*macroDef{}, rules: map[string]*ruleDef{}}
	for _, s := range sources {
		l.sources[s.Name] = s
	}
	return l
}

// LoadError is an error at a place in a rule file.
type LoadError struct {
	File string
	Line int
	Msg  string
}

func (e *LoadError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return e.File + ": " + e.Msg
}

func (l *Loader) errf(file string, line int, format string, args ...any) {
	l.errs = append(l.errs, &LoadError{File: file, Line: line, Msg: fmt.Sprintf(format, args...)})
}

var knownKeys = map[string]map[string]bool{
	"rule": {"rule": true, "desc": true, "condition": true, "output": true, "priority": true, "source": true, "tags": true,
		"enabled": true, "exceptions": true, "append": true, "override": true, "warn_evttypes": true,
		"skip-if-unknown-filter": true, "capture": true, "capture_duration": true},
	"macro": {"macro": true, "condition": true, "append": true, "override": true},
	"list":  {"list": true, "items": true, "append": true, "override": true},
}

// Load reads one rule file. Errors are collected; Compile returns them all.
func (l *Loader) Load(file string, data []byte) {
	if len(data) > MaxRuleFileBytes {
		l.errf(file, 0, "rule file is %d bytes, over the %d limit", len(data), MaxRuleFileBytes)
		return
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		l.errf(file, 0, "invalid YAML: %v", err)
		return
	}
	if len(doc.Content) == 0 {
		return
	}
	top := doc.Content[0]
	if top.Kind != yaml.SequenceNode {
		l.errf(file, top.Line, "a rule file is a YAML list of rule, macro and list items")
		return
	}
	for _, item := range top.Content {
		if item.Kind != yaml.MappingNode {
			l.errf(file, item.Line, "item is not a mapping")
			continue
		}
		keys := map[string]*yaml.Node{}
		keyLines := map[string]int{}
		for i := 0; i+1 < len(item.Content); i += 2 {
			keys[item.Content[i].Value] = item.Content[i+1]
			keyLines[item.Content[i].Value] = item.Content[i].Line
		}
		var kind string
		for _, k := range []string{"rule", "macro", "list", "required_engine_version", "required_plugin_versions"} {
			if _, ok := keys[k]; ok {
				kind = k
				break
			}
		}
		switch kind {
		case "":
			l.errf(file, item.Line, "unknown item: want rule, macro, list, required_engine_version or required_plugin_versions")
			continue
		case "required_engine_version", "required_plugin_versions":
			continue // accepted; this engine implements the fields it has
		}
		for k := range keys {
			if !knownKeys[kind][k] {
				l.errf(file, keyLines[k], "%s %q: unknown key %q", kind, keys[kind].Value, k)
			}
		}
		name := keys[kind].Value
		if name == "" {
			l.errf(file, item.Line, "%s without a name", kind)
			continue
		}
		mode, err := mergeMode(keys)
		if err != nil {
			l.errf(file, item.Line, "%s %q: %v", kind, name, err)
			continue
		}
		switch kind {
		case "list":
			l.loadList(file, item.Line, name, keys, mode)
		case "macro":
			l.loadMacro(file, item.Line, name, keys, mode)
		case "rule":
			l.loadRule(file, item.Line, name, keys, keyLines, mode)
		}
	}
}

// mergeMode reads append/override: key -> "append" or "replace"; nil when the item defines.
func mergeMode(keys map[string]*yaml.Node) (map[string]string, error) {
	ap, hasAppend := keys["append"]
	ov, hasOverride := keys["override"]
	if hasAppend && hasOverride {
		return nil, errors.New("append and override cannot be used together")
	}
	if hasAppend {
		var b bool
		if err := ap.Decode(&b); err != nil {
			return nil, fmt.Errorf("append: %v", err)
		}
		if !b {
			return nil, nil
		}
		m := map[string]string{}
		for k := range keys {
			switch k {
			case "condition", "output", "desc", "tags", "exceptions", "items":
				m[k] = "append"
			case "priority", "enabled", "source":
				m[k] = "replace"
			}
		}
		return m, nil
	}
	if hasOverride {
		m := map[string]string{}
		if err := ov.Decode(&m); err != nil {
			return nil, fmt.Errorf("override: %v", err)
		}
		for k, v := range m {
			if v != "append" && v != "replace" {
				return nil, fmt.Errorf("override %s: %q is neither append nor replace", k, v)
			}
			if _, ok := keys[k]; !ok {
				return nil, fmt.Errorf("override names %s but the item has no %s", k, k)
			}
		}
		return m, nil
	}
	return nil, nil
}

func (l *Loader) loadList(file string, line int, name string, keys map[string]*yaml.Node, mode map[string]string) {
	var items []value
	if n, ok := keys["items"]; ok {
		if n.Kind != yaml.SequenceNode {
			l.errf(file, n.Line, "list %q: items is not a list", name)
			return
		}
		for _, it := range n.Content {
			if it.Kind != yaml.ScalarNode {
				l.errf(file, it.Line, "list %q: item is not a scalar", name)
				continue
			}
			items = append(items, value{text: it.Value, quoted: it.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle) != 0})
		}
	}
	old, exists := l.lists[name]
	if mode == nil {
		l.lists[name] = &listDef{name: name, items: items, file: file, line: line}
		return
	}
	if !exists {
		l.errf(file, line, "list %q: append or override of a list that is not defined", name)
		return
	}
	if mode["items"] == "replace" {
		old.items = items
	} else {
		old.items = append(old.items, items...)
	}
	if len(old.items) > maxListItems {
		l.errf(file, line, "list %q has more than %d items", name, maxListItems)
		old.items = old.items[:maxListItems]
	}
}

func (l *Loader) loadMacro(file string, line int, name string, keys map[string]*yaml.Node, mode map[string]string) {
	cond := ""
	if n, ok := keys["condition"]; ok {
		cond = n.Value
	}
	old, exists := l.macros[name]
	if mode == nil {
		if _, ok := keys["condition"]; !ok {
			l.errf(file, line, "macro %q has no condition", name)
			return
		}
		l.macros[name] = &macroDef{name: name, cond: cond, file: file, line: line}
		return
	}
	if !exists {
		l.errf(file, line, "macro %q: append or override of a macro that is not defined", name)
		return
	}
	if mode["condition"] == "replace" {
		old.cond = cond
	} else {
		old.cond += " " + cond
	}
}

func strList(n *yaml.Node) ([]string, error) {
	if n.Kind == yaml.ScalarNode {
		if n.Tag == "!!null" {
			return nil, nil
		}
		return []string{n.Value}, nil
	}
	if n.Kind != yaml.SequenceNode {
		return nil, errors.New("want a list of strings")
	}
	out := make([]string, 0, len(n.Content))
	for _, c := range n.Content {
		if c.Kind != yaml.ScalarNode {
			return nil, errors.New("want a list of strings")
		}
		out = append(out, c.Value)
	}
	return out, nil
}

func (l *Loader) loadExceptions(file string, n *yaml.Node, rule string) []*exceptionDef {
	if n.Kind != yaml.SequenceNode {
		l.errf(file, n.Line, "rule %q: exceptions is not a list", rule)
		return nil
	}
	var out []*exceptionDef
	for _, e := range n.Content {
		if e.Kind != yaml.MappingNode {
			l.errf(file, e.Line, "rule %q: exception is not a mapping", rule)
			continue
		}
		ex := &exceptionDef{}
		for i := 0; i+1 < len(e.Content); i += 2 {
			k, v := e.Content[i].Value, e.Content[i+1]
			var err error
			switch k {
			case "name":
				ex.name = v.Value
			case "fields":
				ex.single = v.Kind == yaml.ScalarNode
				ex.fields, err = strList(v)
			case "comps":
				ex.comps, err = strList(v)
			case "values":
				if v.Kind != yaml.SequenceNode {
					err = errors.New("values is not a list")
				} else {
					ex.values = v.Content
				}
			default:
				err = fmt.Errorf("unknown key %q", k)
			}
			if err != nil {
				l.errf(file, v.Line, "rule %q exception %q: %v", rule, ex.name, err)
			}
		}
		if ex.name == "" {
			l.errf(file, e.Line, "rule %q: exception without a name", rule)
			continue
		}
		out = append(out, ex)
	}
	return out
}

func (l *Loader) loadRule(file string, line int, name string, keys map[string]*yaml.Node, keyLines map[string]int, mode map[string]string) {
	d := &ruleDef{name: name, file: file, line: line}
	for k, n := range keys {
		var err error
		switch k {
		case "desc":
			d.desc = n.Value
		case "condition":
			d.cond = n.Value
			d.condLine = n.Line
			if n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
				d.condLine = keyLines[k] + 1
			}
		case "output":
			d.output = strings.TrimSpace(n.Value)
		case "priority":
			d.priority = n.Value
		case "source":
			d.source = n.Value
		case "tags":
			d.tags, err = strList(n)
		case "enabled":
			var b bool
			err = n.Decode(&b)
			d.enabled = &b
		case "skip-if-unknown-filter":
			err = n.Decode(&d.skipUnknown)
		case "exceptions":
			d.exceptions = l.loadExceptions(file, n, name)
		}
		if err != nil {
			l.errf(file, n.Line, "rule %q: %s: %v", name, k, err)
		}
	}
	old, exists := l.rules[name]
	if mode == nil {
		// Only "enabled" next to the name switches an existing rule on or off.
		if exists && len(keys) == 2 && d.enabled != nil {
			old.enabled = d.enabled
			return
		}
		var missing []string
		for _, k := range []string{"condition", "output", "desc", "priority"} {
			if _, ok := keys[k]; !ok {
				missing = append(missing, k)
			}
		}
		if len(missing) > 0 {
			if exists {
				l.errf(file, line, "rule %q is already defined; to change it use append: true or override (missing %s)", name, strings.Join(missing, ", "))
			} else {
				l.errf(file, line, "rule %q: missing %s", name, strings.Join(missing, ", "))
			}
			return
		}
		if d.source == "" {
			d.source = "syscall"
		}
		if !exists {
			l.order = append(l.order, name)
		}
		l.rules[name] = d
		return
	}
	if !exists {
		l.errf(file, line, "rule %q: append or override of a rule that is not defined", name)
		return
	}
	for k, how := range mode {
		switch k {
		case "condition":
			if how == "append" {
				old.cond += " " + d.cond
			} else {
				old.cond = d.cond
				old.condLine, old.file = d.condLine, file
			}
		case "output":
			if how == "append" {
				old.output += " " + d.output
			} else {
				old.output = d.output
			}
		case "desc":
			if how == "append" {
				old.desc += " " + d.desc
			} else {
				old.desc = d.desc
			}
		case "tags":
			if how == "append" {
				old.tags = append(old.tags, d.tags...)
			} else {
				old.tags = d.tags
			}
		case "priority":
			old.priority = d.priority
		case "enabled":
			old.enabled = d.enabled
		case "source":
			if d.source != old.source {
				l.errf(file, line, "rule %q: the source of a rule cannot change (%s to %s)", name, old.source, d.source)
			}
		case "exceptions":
			if how == "replace" {
				old.exceptions = d.exceptions
				continue
			}
			for _, ne := range d.exceptions {
				merged := false
				for _, oe := range old.exceptions {
					if oe.name == ne.name {
						oe.values = append(oe.values, ne.values...)
						merged = true
					}
				}
				if !merged {
					old.exceptions = append(old.exceptions, ne)
				}
			}
		default:
			l.errf(file, line, "rule %q: %s cannot be appended or overridden", name, k)
		}
	}
}

// expandLists resolves list references inside lists (cycles are errors).
func (l *Loader) expandLists() map[string][]string {
	out := map[string][]string{}
	var visit func(name string, stack map[string]bool) []string
	visit = func(name string, stack map[string]bool) []string {
		if v, ok := out[name]; ok {
			return v
		}
		d := l.lists[name]
		stack[name] = true
		var items []string
		for _, it := range d.items {
			if _, isList := l.lists[it.text]; isList && !it.quoted {
				if stack[it.text] {
					l.errf(d.file, d.line, "list %q refers to itself through %q", name, it.text)
					continue
				}
				items = append(items, visit(it.text, stack)...)
				continue
			}
			items = append(items, it.text)
		}
		delete(stack, name)
		if len(items) > maxListItems {
			l.errf(d.file, d.line, "list %q expands to more than %d items", name, maxListItems)
			items = items[:maxListItems]
		}
		out[name] = items
		return items
	}
	for name := range l.lists {
		visit(name, map[string]bool{})
	}
	return out
}

// Compile compiles every loaded rule and returns all errors found in all files.
func (l *Loader) Compile() (*Ruleset, error) {
	lists := l.expandLists()
	for _, m := range l.macros {
		if m.ast == nil && m.err == nil {
			m.ast, m.err = parseCondition(m.cond)
		}
	}
	rs := &Ruleset{bySrc: map[string][]*Rule{}, index: map[string]*ruleIndex{}}
	for _, name := range l.order {
		d := l.rules[name]
		src, ok := l.sources[d.source]
		if !ok {
			rs.Skipped = append(rs.Skipped, SkippedRule{Name: name, Source: d.source, File: d.file, Line: d.line})
			continue
		}
		r, err := l.compileRule(d, src, lists)
		var uf *UnknownFieldError
		if err != nil && l.InactiveOnUnknownField && errors.As(err, &uf) {
			rs.Inactive = append(rs.Inactive, InactiveRule{Name: name, Source: d.source, File: d.file, Line: d.line,
				Enabled: d.enabled == nil || *d.enabled, Reason: uf.Error()})
			continue
		}
		if err != nil {
			if d.skipUnknown && strings.Contains(err.Error(), "unknown field") {
				rs.Skipped = append(rs.Skipped, SkippedRule{Name: name, Source: d.source, File: d.file, Line: d.line})
				continue
			}
			line := d.condLine
			if line == 0 {
				line = d.line
			}
			l.errf(d.file, line, "rule %q: %v", name, err)
			continue
		}
		rs.Rules = append(rs.Rules, r)
		if r.Enabled {
			rs.bySrc[r.Source] = append(rs.bySrc[r.Source], r)
		}
	}
	if err := errors.Join(l.errs...); err != nil {
		return nil, err
	}
	for _, src := range l.sources {
		rs.buildIndex(src)
	}
	return rs, nil
}

func (l *Loader) compileRule(d *ruleDef, src *Source, lists map[string][]string) (*Rule, error) {
	prio, err := ParsePriority(d.priority)
	if err != nil {
		return nil, err
	}
	ast, err := parseCondition(d.cond)
	if err != nil {
		return nil, fmt.Errorf("condition: %w", err)
	}
	for _, ex := range d.exceptions {
		exAST, err := exceptionAST(ex)
		if err != nil {
			return nil, fmt.Errorf("exception %q: %w", ex.name, err)
		}
		if exAST != nil {
			ast = &node{kind: nodeAnd, kids: []*node{ast, {kind: nodeNot, kids: []*node{exAST}}}}
		}
	}
	e := &env{src: src, lists: lists, macros: l.macros, active: map[string]bool{}, fields: map[string]struct{}{}, bounds: map[string]*bound{}}
	f, err := e.compile(ast)
	if err != nil {
		return nil, err
	}
	output := d.output
	if extra := l.AppendOutput[d.source]; extra != "" {
		output += " " + extra
	}
	out, err := compileOutput(output, e)
	if err != nil {
		return nil, fmt.Errorf("output: %w", err)
	}
	enabled := d.enabled == nil || *d.enabled
	r := &Rule{Name: d.name, Desc: strings.TrimSpace(d.desc), Condition: d.cond, Output: d.output, Priority: prio, Tags: d.tags,
		Source: d.source, Enabled: enabled, File: d.file, Line: d.line, filter: f, output: out}
	if src.IndexField != "" && src.Field(src.IndexField) != nil && src.Field(src.IndexField).Type == TypeString && !src.Field(src.IndexField).List {
		r.indexKeys, r.indexed = requiredValues(ast, src.IndexField, e, 0)
	}
	for name := range e.fields {
		r.Fields = append(r.Fields, name)
	}
	sort.Strings(r.Fields)
	return r, nil
}

// splitField splits "name[arg]".
func splitField(s string) (name, arg string, hasArg bool) {
	if i := strings.IndexByte(s, '['); i >= 0 && strings.HasSuffix(s, "]") {
		return s[:i], s[i+1 : len(s)-1], true
	}
	return s, "", false
}

// exceptionAST builds "(f1 c1 v1 and f2 c2 v2) or (...)" for an exception; nil when it has
// no values.
func exceptionAST(ex *exceptionDef) (*node, error) {
	if len(ex.values) == 0 {
		return nil, nil
	}
	if ex.single {
		comp := "in"
		if len(ex.comps) == 1 {
			comp = ex.comps[0]
		}
		name, arg, hasArg := splitField(ex.fields[0])
		n := &node{kind: nodeCheck, name: name, arg: arg, hasArg: hasArg, op: comp}
		for _, v := range ex.values {
			if v.Kind != yaml.ScalarNode {
				return nil, fmt.Errorf("line %d: with a single field, each value is a scalar", v.Line)
			}
			n.values = append(n.values, value{text: v.Value})
		}
		if opInfo[comp] != 2 {
			if len(n.values) != 1 {
				return nil, fmt.Errorf("operator %s takes one value", comp)
			}
		} else {
			n.list = true
		}
		return n, nil
	}
	comps := ex.comps
	if len(comps) == 0 {
		for range ex.fields {
			comps = append(comps, "=")
		}
	}
	if len(comps) != len(ex.fields) {
		return nil, fmt.Errorf("%d fields but %d comps", len(ex.fields), len(comps))
	}
	for _, c := range comps {
		if _, ok := opInfo[c]; !ok || c == "exists" {
			return nil, fmt.Errorf("unknown comparison %q", c)
		}
	}
	or := &node{kind: nodeOr}
	for _, tuple := range ex.values {
		if tuple.Kind != yaml.SequenceNode || len(tuple.Content) != len(ex.fields) {
			return nil, fmt.Errorf("line %d: each value is a list of %d items, one per field", tuple.Line, len(ex.fields))
		}
		and := &node{kind: nodeAnd}
		for i, f := range ex.fields {
			name, arg, hasArg := splitField(f)
			c := &node{kind: nodeCheck, name: name, arg: arg, hasArg: hasArg, op: comps[i]}
			v := tuple.Content[i]
			switch {
			case v.Kind == yaml.SequenceNode:
				for _, it := range v.Content {
					c.values = append(c.values, value{text: it.Value})
				}
				c.list = true
			case opInfo[comps[i]] == 2:
				c.values = []value{{text: v.Value}} // a list name, expanded at compile
				c.list = true
			default:
				c.values = []value{{text: v.Value, quoted: true}}
			}
			and.kids = append(and.kids, c)
		}
		or.kids = append(or.kids, and)
	}
	return or, nil
}

// outputPart is literal text or a field of an output template.
type outputPart struct {
	text  string
	field *bound
	name  string // field as written, for output_fields
}

func compileOutput(s string, e *env) ([]outputPart, error) {
	var parts []outputPart
	lit := strings.Builder{}
	for i := 0; i < len(s); i++ {
		if s[i] != '%' {
			lit.WriteByte(s[i])
			continue
		}
		j := i + 1
		for j < len(s) && isIdent(s[j]) {
			j++
		}
		name := s[i+1 : j]
		for strings.HasSuffix(name, ".") {
			name = name[:len(name)-1]
			j--
		}
		if name == "" {
			lit.WriteByte('%')
			continue
		}
		arg, hasArg := "", false
		if j < len(s) && s[j] == '[' {
			if end := strings.IndexByte(s[j:], ']'); end > 0 {
				arg, hasArg = s[j+1:j+end], true
				j += end + 1
			}
		}
		b, err := e.bindField(name, arg, hasArg)
		if err != nil {
			return nil, err
		}
		if lit.Len() > 0 {
			parts = append(parts, outputPart{text: lit.String()})
			lit.Reset()
		}
		written := name
		if hasArg {
			written += "[" + arg + "]"
		}
		parts = append(parts, outputPart{field: b, name: written})
		i = j - 1
	}
	if lit.Len() > 0 {
		parts = append(parts, outputPart{text: lit.String()})
	}
	return parts, nil
}

// Render formats the rule's output for ev and returns the values of its fields.
func (r *Rule) Render(ev Event) (string, map[string]string) {
	var b strings.Builder
	fields := map[string]string{}
	for _, p := range r.output {
		if p.field == nil {
			b.WriteString(p.text)
			continue
		}
		v := p.field.render(ev)
		fields[p.name] = v
		b.WriteString(v)
	}
	return b.String(), fields
}
