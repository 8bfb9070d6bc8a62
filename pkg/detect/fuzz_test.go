package detect

import "testing"

// FuzzParseCondition: any text either parses and compiles or fails with an error; never a
// panic, never unbounded work.
func FuzzParseCondition(f *testing.F) {
	for _, s := range []string{"t.name = x", "not (t.n > 1 or t.list intersects (a, b))", "t.kv[k] in (l, \"q\")", "m and t.name glob '*'", "((", "t.name regex '(a+)+$'"} {
		f.Add(s)
	}
	src := toySource()
	f.Fuzz(func(t *testing.T, cond string) {
		n, err := parseCondition(cond)
		if err != nil {
			return
		}
		e := &env{src: src, lists: map[string][]string{"l": {"a"}}, macros: map[string]*macroDef{}, active: map[string]bool{},
			fields: map[string]struct{}{}, bounds: map[string]*bound{}}
		flt, err := e.compile(n)
		if err != nil {
			return
		}
		flt(&tev{name: "x", n: 1, hasN: true, list: []string{"a"}, kv: map[string]string{"k": "v"}})
	})
}
