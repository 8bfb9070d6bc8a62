package detect

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// tev is the event of a toy source: the engine must work with any source's field table.
type tev struct {
	name  string
	hasN  bool
	n     uint64
	list  []string
	kv    map[string]string
	noNam bool
}

func (e *tev) Num() uint64   { return 1 }
func (e *tev) TimeNs() int64 { return 0 }

func toySource() *Source {
	get := func(x Event) *tev { return x.(*tev) }
	return NewSource("toy", []Field{
		StrField("t.name", "a string", func(x Event) (string, bool) { e := get(x); return e.name, !e.noNam }),
		NumField("t.n", "a number", func(x Event) (uint64, bool) { e := get(x); return e.n, e.hasN }),
		ListField("t.list", "a list", func(x Event, buf []string) []string { return append(buf, get(x).list...) }),
		KeyField("t.kv", "a map", func(key string) (func(Event) (string, bool), error) {
			if key == "bad" {
				return nil, errors.New("bad key")
			}
			return func(x Event) (string, bool) { v, ok := get(x).kv[key]; return v, ok }, nil
		}),
	})
}

// compileOne compiles a rule file of the toy source and returns its rules by name.
func compileOne(t *testing.T, files ...string) (map[string]*Rule, *Ruleset, error) {
	t.Helper()
	l := NewLoader(toySource())
	for i, f := range files {
		l.Load(fmt.Sprintf("f%d.yaml", i), []byte(f))
	}
	rs, err := l.Compile()
	if err != nil {
		return nil, nil, err
	}
	out := map[string]*Rule{}
	for _, r := range rs.Rules {
		out[r.Name] = r
	}
	return out, rs, nil
}

func ruleYAML(name, cond string) string {
	return fmt.Sprintf("- rule: %s\n  desc: d\n  condition: %s\n  output: out %%t.name\n  priority: INFO\n  source: toy\n", name, quote(cond))
}

func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

func TestOperators(t *testing.T) {
	ev := &tev{name: "/usr/bin/Bash", hasN: true, n: 42, list: []string{"a", "b"}, kv: map[string]string{"k": "v", "num": "10"}}
	cases := []struct {
		cond string
		want bool
	}{
		{"t.name = /usr/bin/Bash", true},
		{"t.name == '/usr/bin/Bash'", true},
		{"t.name != /usr/bin/Bash", false},
		{"t.name != x", true},
		{"t.name contains bin/B", true},
		{"t.name icontains BIN/bash", true},
		{"t.name icontains zsh", false},
		{"t.name bcontains 62696e", true},
		{"t.name bstartswith 2f757372", true},
		{"t.name bstartswith 62", false},
		{"t.name startswith /usr", true},
		{"t.name endswith Bash", true},
		{"t.name in (x, /usr/bin/Bash)", true},
		{"t.name in (x, y)", false},
		{"t.name intersects (/usr/bin/Bash)", true},
		{"t.name pmatch (/usr/bin)", true},
		{"t.name pmatch (/usr/b)", false},
		{"t.name pmatch (/)", true},
		{"t.name glob '/usr/*/B?sh'", true},
		{"t.name glob '/usr/[a-c]in/*'", true},
		{"t.name glob '/opt/*'", false},
		{"t.name regex '/usr/.*'", true},
		{"t.name regex 'usr'", false},
		{"t.name exists", true},
		{"t.n = 42", true},
		{"t.n > 41 and t.n >= 42 and t.n < 43 and t.n <= 42", true},
		{"t.n != 42", false},
		{"t.n in (1, 42)", true},
		{"t.list intersects (b, c)", true},
		{"t.list in (a, b, c)", true},
		{"t.list in (a, c)", false},
		{"t.list = b", true},
		{"t.list[1] = b", true},
		{"t.list[0] = b", false},
		{"t.list[5] exists", false},
		{"t.list exists", true},
		{"t.kv[k] = v", true},
		{"t.kv[num] > 9", true},
		{"t.kv[num] < 9", false},
		{"t.kv[missing] exists", false},
		{"not t.kv[missing] = v", true},
		{"t.kv[missing] != v", false},
		{"(t.name = x or t.n = 42) and not t.name = y", true},
		{"not not t.n = 42", true},
		{"t.name=x or t.name=y or t.name=/usr/bin/Bash", true},
	}
	for _, c := range cases {
		rules, _, err := compileOne(t, ruleYAML("r", c.cond))
		if err != nil {
			t.Errorf("%s: %v", c.cond, err)
			continue
		}
		if got := rules["r"].Match(ev); got != c.want {
			t.Errorf("%s: got %v, want %v", c.cond, got, c.want)
		}
	}
}

func TestMissingFieldsAreFalse(t *testing.T) {
	ev := &tev{noNam: true}
	for _, cond := range []string{"t.name = x", "t.name != x", "t.name contains x", "t.name in (x)", "t.name exists", "t.n > 0", "t.n != 1", "t.list intersects (a)", "t.list in (a)"} {
		rules, _, err := compileOne(t, ruleYAML("r", cond))
		if err != nil {
			t.Fatal(err)
		}
		if rules["r"].Match(ev) {
			t.Errorf("%s matched an event without the field", cond)
		}
	}
}

func TestMacrosListsAndErrors(t *testing.T) {
	file := `
- list: inner
  items: [a, "b"]
- list: outer
  items: [inner, c]
- macro: is_outer
  condition: t.name in (outer)
- macro: twice
  condition: is_outer and t.name exists
` + ruleYAML("r", "twice")
	rules, _, err := compileOne(t, file)
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]bool{"a": true, "b": true, "c": true, "inner": false, "d": false} {
		if got := rules["r"].Match(&tev{name: name}); got != want {
			t.Errorf("name %s: got %v", name, got)
		}
	}
	errCases := []struct{ file, want string }{
		{ruleYAML("r", "nosuch"), `f0.yaml:3: rule "r": undefined macro "nosuch"`},
		{ruleYAML("r", "t.nope = 1"), `f0.yaml:3: rule "r": unknown field "t.nope" for source toy`},
		{"- macro: m\n  condition: m or t.name = x\n" + ruleYAML("r", "m"), `macro "m" refers to itself`},
		{"- macro: a\n  condition: b\n- macro: b\n  condition: a\n" + ruleYAML("r", "a"), `refers to itself`},
		{"- list: l\n  items: [l2]\n- list: l2\n  items: [l]\n" + ruleYAML("r", "t.name in (l)"), `refers to itself`},
		{ruleYAML("r", "t.name = "), "missing value"},
		{ruleYAML("r", "(t.name = x"), "missing ')'"},
		{ruleYAML("r", "t.name"), "needs an operator"},
		{ruleYAML("r", "t.n = abc"), "is a number"},
		{ruleYAML("r", "t.kv = x"), "needs an argument"},
		{ruleYAML("r", "t.kv[bad] = x"), "bad key"},
		{ruleYAML("r", "t.name[1] = x"), "takes no argument"},
		{ruleYAML("r", "t.name regex '('"), "missing closing )"},
		{ruleYAML("r", "t.name regex '"+strings.Repeat("a", 5000)+"'"), "over the 4096 limit"},
		{ruleYAML("r", strings.Repeat("(", 300)+"t.n=1"+strings.Repeat(")", 300)), "nested deeper"},
		{ruleYAML("r", "t.name bcontains zz"), "not hex"},
		{"- rule: r\n  condition: t.n=1\n", `missing output, desc, priority`},
		{ruleYAML("r", "t.n=1") + "  bogus: 1\n", `unknown key "bogus"`},
		{strings.Replace(ruleYAML("r", "t.n=1"), "INFO", "LOUD", 1), `unknown priority "LOUD"`},
		{"- rule: r\n  append: true\n  condition: and t.n=2\n", "not defined"},
		{"- nonsense: 1\n", "unknown item"},
		{"rule: x\n", "a YAML list"},
		{"- rule: [\n", "invalid YAML"},
		{strings.Replace(ruleYAML("r", "t.n=1"), "out %t.name", "out %t.bogus", 1), `output: unknown field "t.bogus"`},
	}
	for _, c := range errCases {
		_, _, err := compileOne(t, c.file)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("file %.60q: got error %v, want it to contain %q", c.file, err, c.want)
		}
	}
}

func TestExceptions(t *testing.T) {
	base := ruleYAML("r", "t.n = 1") + `  exceptions:
    - name: by_name
      fields: [t.name, "t.kv[k]"]
      comps: [=, in]
      values:
        - [a, [x, y]]
        - [b, some_list]
    - name: single
      fields: t.name
      values: [skipme, alsome]
    - name: prefixes
      fields: [t.name]
      comps: [startswith]
      values:
        - [tmp-]
    - name: empty
      fields: [t.name]
`
	user := `
- list: some_list
  items: [z]
- rule: r
  exceptions:
    - name: single
      values: [third]
    - name: extra
      fields: [t.list]
      comps: [intersects]
      values:
        - [[bad]]
  override: {exceptions: append}
`
	rules, _, err := compileOne(t, base, user)
	if err != nil {
		t.Fatal(err)
	}
	r := rules["r"]
	cases := []struct {
		ev   tev
		want bool
	}{
		{tev{name: "q", kv: map[string]string{"k": "x"}}, true},
		{tev{name: "a", kv: map[string]string{"k": "x"}}, false},
		{tev{name: "a", kv: map[string]string{"k": "q"}}, true},
		{tev{name: "b", kv: map[string]string{"k": "z"}}, false},
		{tev{name: "skipme"}, false},
		{tev{name: "third"}, false},
		{tev{name: "tmp-1"}, false},
		{tev{name: "q", list: []string{"bad"}}, false},
	}
	for _, c := range cases {
		c.ev.n, c.ev.hasN = 1, true
		if got := r.Match(&c.ev); got != c.want {
			t.Errorf("%+v: got %v, want %v", c.ev, got, c.want)
		}
	}
}

func TestAppendAndOverride(t *testing.T) {
	base := `
- list: names
  items: [a]
- macro: m
  condition: t.name in (names)
` + ruleYAML("r", "m") + ruleYAML("s", "t.n = 1") + ruleYAML("u", "t.n = 1")
	user := `
- list: names
  items: [b]
  append: true
- macro: m
  condition: or t.name = c
  append: true
- rule: r
  condition: and not t.name = a
  output: more
  priority: ERROR
  tags: [x]
  override: {condition: append, output: append, priority: replace, tags: append}
- rule: s
  condition: t.n = 2
  override: {condition: replace}
- rule: u
  enabled: false
`
	rules, rs, err := compileOne(t, base, user)
	if err != nil {
		t.Fatal(err)
	}
	r := rules["r"]
	for name, want := range map[string]bool{"a": false, "b": true, "c": true, "d": false} {
		if got := r.Match(&tev{name: name}); got != want {
			t.Errorf("r on %s: got %v", name, got)
		}
	}
	if r.Priority != PriorityError || !reflect.DeepEqual(r.Tags, []string{"x"}) {
		t.Errorf("r: priority %v tags %v", r.Priority, r.Tags)
	}
	if out, _ := r.Render(&tev{name: "b"}); out != "out b more" {
		t.Errorf("output %q", out)
	}
	if !rules["s"].Match(&tev{n: 2, hasN: true}) || rules["s"].Match(&tev{n: 1, hasN: true}) {
		t.Error("s: condition not replaced")
	}
	if rules["u"].Enabled || len(rs.For("toy")) != 2 {
		t.Errorf("u still enabled; %d enabled", len(rs.For("toy")))
	}
	// Redefining a list (no append) replaces it.
	rules, _, err = compileOne(t, base, "- list: names\n  items: [z]\n")
	if err != nil {
		t.Fatal(err)
	}
	if rules["r"].Match(&tev{name: "a"}) || !rules["r"].Match(&tev{name: "z"}) {
		t.Error("list redefinition did not replace it")
	}
}

func TestUnknownSourceSkipped(t *testing.T) {
	file := ruleYAML("r", "t.n=1") + "- rule: sys\n  desc: d\n  condition: proc.name = bash\n  output: o\n  priority: INFO\n" +
		"- rule: skip\n  desc: d\n  condition: t.unknown = 1\n  output: o\n  priority: INFO\n  source: toy\n  skip-if-unknown-filter: true\n"
	_, rs, err := compileOne(t, file)
	if err != nil {
		t.Fatal(err)
	}
	if len(rs.Rules) != 1 || len(rs.Skipped) != 2 || rs.Skipped[0].Source != "syscall" {
		t.Errorf("rules %d skipped %+v", len(rs.Rules), rs.Skipped)
	}
}

func TestRenderAbsentAndLists(t *testing.T) {
	f := "- rule: r\n  desc: d\n  condition: t.n exists\n  output: 'n=%t.n l=%t.list name=%t.name. kv=%t.kv[k] pct=100%'\n  priority: INFO\n  source: toy\n"
	rules, _, err := compileOne(t, f)
	if err != nil {
		t.Fatal(err)
	}
	out, fields := rules["r"].Render(&tev{noNam: true, n: 3, hasN: true, list: []string{"a", "b"}})
	if out != "n=3 l=(a,b) name=<NA>. kv=<NA> pct=100%" {
		t.Errorf("output %q", out)
	}
	if fields["t.kv[k]"] != "<NA>" || fields["t.list"] != "(a,b)" {
		t.Errorf("fields %v", fields)
	}
}

// The compiled filter allocates nothing per event in the common path.
func TestMatchDoesNotAllocate(t *testing.T) {
	rules, _, err := compileOne(t, ruleYAML("r", "t.name in (a, b, c, d, e, f, g, h, i, j) and t.list intersects (x, b) and t.n > 3 and not t.kv[k] startswith zz"))
	if err != nil {
		t.Fatal(err)
	}
	ev := &tev{name: "c", list: []string{"a", "b"}, n: 4, hasN: true, kv: map[string]string{"k": "v"}}
	r := rules["r"]
	if !r.Match(ev) {
		t.Fatal("no match")
	}
	if n := testing.AllocsPerRun(100, func() { r.Match(ev) }); n != 0 {
		t.Errorf("%v allocations per event", n)
	}
}
