package manifest

import (
	"fmt"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/eksguard/eksguard/pkg/finding"
	"github.com/eksguard/eksguard/pkg/target"
)

// loadBounded runs Load and returns the result with the bytes it allocated (a hang is
// caught by go test -timeout).
func loadBounded(t *testing.T, name, in string, lim Limits) (*Result, uint64) {
	t.Helper()
	type out struct {
		res   *Result
		alloc uint64
	}
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	res := Load(name, []byte(in), Options{Limits: lim})
	runtime.ReadMemStats(&m1)
	o := out{res, m1.TotalAlloc - m0.TotalAlloc}
	for _, e := range o.res.Errors {
		if e.Input != name {
			t.Errorf("error does not name the file: %+v", e)
		}
		if strings.Contains(e.Message, "parser failed") {
			t.Errorf("a parser panicked: %v", e)
		}
	}
	return o.res, o.alloc
}

// oneError asserts a single input error for document doc whose message contains each of
// parts.
func oneError(t *testing.T, res *Result, doc, line int, parts ...string) finding.InputError {
	t.Helper()
	if len(res.Errors) != 1 {
		t.Fatalf("want one error, got %v", res.Errors)
	}
	e := res.Errors[0]
	if e.Document != doc || e.Line != line {
		t.Errorf("error at document %d line %d, want %d line %d: %v", e.Document, e.Line, doc, line, e)
	}
	for _, p := range parts {
		if !strings.Contains(e.Message, p) {
			t.Errorf("error %q does not say %q", e.Message, p)
		}
	}
	return e
}

const okPod = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: ok\nspec:\n  containers:\n  - name: c\n    image: x\n"

func TestHostileAliasBomb(t *testing.T) {
	// 10^9 nodes once expanded; in a Pod, so that the full parser runs. The next document
	// is still read.
	in := aliasBomb(9, 10) + "---\n" + okPod
	res, alloc := loadBounded(t, "bomb.yaml", in, DefaultLimits())
	oneError(t, res, 1, 1, "alias")
	checkSubjects(t, res, subject{"Workload", "v1", "Pod", "", "ok", 2})
	if alloc > 512<<20 {
		t.Errorf("allocated %d MiB", alloc>>20)
	}
	// The same bomb in a ConfigMap: no rule reads it in full, so it is never expanded.
	cm := strings.Replace(aliasBomb(9, 10), "kind: Pod", "kind: ConfigMap", 1)
	res, _ = loadBounded(t, "bomb.yaml", cm, DefaultLimits())
	if len(res.Errors) != 0 || len(res.Targets) != 1 {
		t.Fatalf("%+v", res)
	}
	// Aliases nested in a chain deeper than the depth limit.
	var b strings.Builder
	b.WriteString("apiVersion: v1\nkind: Pod\nmetadata:\n  name: chain\n")
	for i := 0; i < 100; i++ {
		fmt.Fprintf(&b, "a%d: &a%d [[[", i, i)
		if i > 0 {
			fmt.Fprintf(&b, "*a%d", i-1)
		}
		b.WriteString("]]]\n")
	}
	res, _ = loadBounded(t, "chain.yaml", b.String(), DefaultLimits())
	oneError(t, res, 1, 1, "nesting too deep")
}

func TestHostileDeepNesting(t *testing.T) {
	const n = 100000
	cases := []struct {
		name, in string
		line     int
		says     string
	}{
		{"flow sequences", "apiVersion: v1\nkind: Pod\nspec: " + strings.Repeat("[", n) + strings.Repeat("]", n) + "\n", 3, "exceeded max depth of 10000"},
		{"flow mappings", "apiVersion: v1\nkind: Pod\nspec: " + strings.Repeat("{a: ", n) + "1" + strings.Repeat("}", n) + "\n", 3, "exceeded max depth of 10000"},
		{"flow in a ConfigMap", "apiVersion: v1\nkind: ConfigMap\ndata: " + strings.Repeat("[", n) + "\n", 3, "exceeded max depth of 10000"},
		// yaml.v3 names the line of the key whose value nests too deep.
		{"block sequences on one line", "apiVersion: v1\nkind: Pod\nspec:\n  x:\n  " + strings.Repeat("- ", n) + "a\n", 4, "exceeded max depth of 10000"},
		// JSON errors and conversion errors are reported at the document's first line.
		{"JSON objects", `{"apiVersion":"v1","kind":"Pod","spec":` + strings.Repeat(`{"a":`, n) + "1" + strings.Repeat("}", n) + "}", 0, "nesting too deep: more than 256 levels"},
		{"JSON arrays", `{"apiVersion":"v1","kind":"Pod","spec":{"x":` + strings.Repeat("[", n) + strings.Repeat("]", n) + "}}", 0, "nesting too deep: more than 256 levels"},
		{"JSON unclosed", `{"a":` + strings.Repeat("[", n), 0, "nesting too deep"},
		{"block mappings", deepBlock(300), 0, "nesting too deep: more than 256 levels"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := "---\n" + okPod + "---\n" + c.in
			// The deep document is the second: it starts on the line of its marker.
			res, alloc := loadBounded(t, "deep.yaml", in, DefaultLimits())
			oneError(t, res, 2, lineWith(t, in, "---", 2)+c.line, c.says)
			checkSubjects(t, res, subject{"Workload", "v1", "Pod", "", "ok", 1})
			if alloc > 512<<20 {
				t.Errorf("allocated %d MiB", alloc>>20)
			}
		})
	}
}

func TestHostileDepthLimit(t *testing.T) {
	lim := DefaultLimits()
	lim.MaxDepth = 20
	if res, _ := loadBounded(t, "d.yaml", deepBlock(15), lim); len(res.Errors) != 0 || len(res.Targets) != 1 {
		t.Fatalf("15 levels: %+v", res)
	}
	res, _ := loadBounded(t, "d.yaml", deepBlock(25), lim)
	oneError(t, res, 1, 1, "nesting too deep: more than 20 levels")
	json := `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"j"},"spec":` + strings.Repeat(`{"a":`, 25) + "1" + strings.Repeat("}", 25) + "}"
	res, _ = loadBounded(t, "d.json", json, lim)
	oneError(t, res, 1, 1, "nesting too deep: more than 20 levels")
}

func TestHostileSizeLimits(t *testing.T) {
	lim := Limits{MaxFileBytes: 4096, MaxDocumentBytes: 512, MaxDocuments: 5, MaxDepth: 64, MaxListItems: 10}
	big := "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big\ndata:\n  x: " + strings.Repeat("a", 600) + "\n"

	t.Run("document", func(t *testing.T) {
		in := okPod + "---\n" + big + "---\n" + strings.Replace(okPod, "name: ok", "name: ok2", 1)
		res, _ := loadBounded(t, "f.yaml", in, lim)
		e := oneError(t, res, 2, lineWith(t, in, "---", 1), fmt.Sprintf("document is %d bytes, over the 512-byte limit", len(big)+1))
		_ = e
		checkSubjects(t, res, subject{"Workload", "v1", "Pod", "", "ok", 1}, subject{"Workload", "v1", "Pod", "", "ok2", 3})
	})
	t.Run("file", func(t *testing.T) {
		in := strings.Repeat("#", 4097)
		res, _ := loadBounded(t, "f.yaml", in, lim)
		want := []finding.InputError{{Input: "f.yaml", Message: "file is 4097 bytes, over the 4096-byte limit"}}
		if !reflect.DeepEqual(res.Errors, want) || res.Documents != 0 || res.NotKubernetes {
			t.Fatalf("%+v", res)
		}
	})
	t.Run("documents", func(t *testing.T) {
		var b strings.Builder
		for i := 0; i < 8; i++ {
			fmt.Fprintf(&b, "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c%d\n", i)
		}
		res, _ := loadBounded(t, "f.yaml", b.String(), lim)
		want := []finding.InputError{{Input: "f.yaml", Message: "file holds more than 5 documents, the limit; only the first 5 are read"}}
		if !reflect.DeepEqual(res.Errors, want) || res.Documents != 5 || len(res.Targets) != 5 || res.Targets[4].Subject().Name != "c4" {
			t.Fatalf("%+v", res)
		}
	})
	t.Run("list items", func(t *testing.T) {
		in := "apiVersion: v1\nkind: List\nitems:\n" + strings.Repeat("- {apiVersion: v1, kind: ConfigMap}\n", 11)
		res, _ := loadBounded(t, "f.yaml", in, lim)
		oneError(t, res, 1, 3, "list holds 11 items, over the limit of 10")
		if len(res.Targets) != 0 {
			t.Fatalf("targets %d", len(res.Targets))
		}
	})
}

// TestHostileManyTinyDocuments: the default file limit filled with tiny documents stops at
// the document limit without a list of millions of documents.
func TestHostileManyTinyDocuments(t *testing.T) {
	lim := DefaultLimits()
	in := strings.Repeat("x\n---\n", int(lim.MaxFileBytes)/6)
	res, alloc := loadBounded(t, "tiny.yaml", in, lim)
	want := []finding.InputError{{Input: "tiny.yaml", Message: fmt.Sprintf("file holds more than %d documents, the limit; only the first %d are read", lim.MaxDocuments, lim.MaxDocuments)}}
	if !reflect.DeepEqual(res.Errors, want) || res.Documents != lim.MaxDocuments {
		t.Fatalf("%v, %d documents", res.Errors, res.Documents)
	}
	if alloc > 256<<20 {
		t.Errorf("allocated %d MiB for a %d MiB file", alloc>>20, len(in)>>20)
	}
}

func TestHostileHugeList(t *testing.T) {
	lim := DefaultLimits()
	var b strings.Builder
	b.WriteString("apiVersion: v1\nkind: List\nitems:\n")
	for i := 0; i < lim.MaxListItems; i++ {
		fmt.Fprintf(&b, "- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: c%d\n", i)
	}
	in := b.String()
	res, _ := loadBounded(t, "list.yaml", in, lim)
	if len(res.Errors) != 0 || len(res.Targets) != lim.MaxListItems || res.Objects != lim.MaxListItems {
		t.Fatalf("%v, %d targets", res.Errors, len(res.Targets))
	}
	last := res.Targets[len(res.Targets)-1]
	checkLine(t, last, "metadata.name", lineWith(t, in, fmt.Sprintf("name: c%d", lim.MaxListItems-1), 1))
	res, _ = loadBounded(t, "list.yaml", in+"- apiVersion: v1\n  kind: ConfigMap\n", lim)
	oneError(t, res, 1, 3, fmt.Sprintf("list holds %d items, over the limit of %d", lim.MaxListItems+1, lim.MaxListItems))
}

func TestHostileNULBytes(t *testing.T) {
	// A NUL byte in a comment of the first document must not hide the Deployment in the
	// second: kubectl applies documents up to the one it cannot read.
	in := "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a # \x00\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\n"
	res, _ := loadBounded(t, "nul.yaml", in, DefaultLimits())
	want := []finding.InputError{{Input: "nul.yaml", Line: 4, Message: "binary data (a NUL byte): not read as YAML or JSON (UTF-16 text is not supported)"}}
	if !reflect.DeepEqual(res.Errors, want) || res.NotKubernetes {
		t.Fatalf("%+v", res)
	}
	// Past the first 8 KiB as well.
	in = okPod + "---\n" + "apiVersion: v1\nkind: ConfigMap\ndata:\n  x: " + strings.Repeat("a", 9000) + "\x00\n"
	res, _ = loadBounded(t, "nul.yaml", in, DefaultLimits())
	if len(res.Errors) != 1 || res.Errors[0].Line != lineWith(t, in, "x: aaa", 1) {
		t.Fatalf("%+v", res.Errors)
	}
}

func TestHostileInvalidUTF8(t *testing.T) {
	for name, bad := range map[string]string{
		"workload":     "apiVersion: v1\nkind: Pod\nmetadata:\n  name: \xff\xfe\nspec:\n  containers: []\n",
		"fast path":    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: caf\xe9\n",
		"surrogate":    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: \xed\xa0\x80\n",
		"control char": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\x01\n",
	} {
		t.Run(name, func(t *testing.T) {
			in := okPod + "---\n" + bad
			res, _ := loadBounded(t, "u.yaml", in, DefaultLimits())
			if len(res.Errors) != 1 || res.Errors[0].Document != 2 || res.Errors[0].Line < lineWith(t, in, "---", 1) {
				t.Fatalf("errors %v", res.Errors)
			}
			checkSubjects(t, res, subject{"Workload", "v1", "Pod", "", "ok", 1})
		})
	}
}

// TestHostileInvalidUTF8InJSON: JSON decoders (kubectl's too) read invalid UTF-8 in strings
// as U+FFFD, so the object is the one kubectl would send.
func TestHostileInvalidUTF8InJSON(t *testing.T) {
	in := "{\"apiVersion\": \"v1\", \"kind\": \"Pod\", \"metadata\": {\"name\": \"\xc3\"}}"
	res, _ := loadBounded(t, "u.json", in, DefaultLimits())
	checkSubjects(t, res, subject{"Workload", "v1", "Pod", "", "\ufffd", 1})
	objs, ok := kubectlObjects([]byte(in))
	if !ok || len(objs) != 1 || objs[0].name != "\ufffd" {
		t.Fatalf("kubectl reads %+v", objs)
	}
}

func TestHostileCVE2022_28948(t *testing.T) {
	for _, in := range []string{
		"0: [:!00 \xef",
		okPod + "---\n0: [:!00 \xef",
		"apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\nspec: [:!00 \xef",
		"[:!00 \xef",
	} {
		res, _ := loadBounded(t, "cve.yaml", in, DefaultLimits())
		if len(res.Errors) != 1 || res.Errors[0].Document == 0 {
			t.Fatalf("%q: %v", in, res.Errors)
		}
	}
}

// TestHostileTimings reports how long the hostile inputs take (go test -v -run
// TestHostileTimings). Nothing here is asserted but that they finish.
func TestHostileTimings(t *testing.T) {
	const n = 100000
	lim := DefaultLimits()
	var list strings.Builder
	list.WriteString("apiVersion: v1\nkind: List\nitems:\n")
	for i := 0; i < lim.MaxListItems; i++ {
		fmt.Fprintf(&list, "- apiVersion: v1\n  kind: Pod\n  metadata:\n    name: p%d\n  spec:\n    containers:\n    - name: c\n      image: x\n", i)
	}
	for _, c := range []struct{ name, in string }{
		{"alias bomb 10^9", aliasBomb(9, 10)},
		{"alias bomb 10^18", aliasBomb(18, 10)},
		{"flow [ 100k deep", "apiVersion: v1\nkind: Pod\nspec: " + strings.Repeat("[", n) + strings.Repeat("]", n)},
		{"flow { 100k deep", "apiVersion: v1\nkind: Pod\nspec: " + strings.Repeat("{a: ", n) + "1" + strings.Repeat("}", n)},
		{"JSON 100k deep", `{"apiVersion":"v1","kind":"Pod","spec":` + strings.Repeat(`{"a":`, n) + "1" + strings.Repeat("}", n) + "}"},
		{"block 300 deep", deepBlock(300)},
		{"64 MiB of tiny documents", strings.Repeat("x\n---\n", int(lim.MaxFileBytes)/6)},
		{"List of 20000 Pods", list.String()},
	} {
		var took time.Duration
		var res *Result
		var alloc uint64
		func() {
			start := time.Now()
			res, alloc = loadBounded(t, "t.yaml", c.in, lim)
			took = time.Since(start)
		}()
		t.Logf("%-26s %8d bytes: %10v, %4d MiB allocated, %d targets, errors: %v", c.name, len(c.in), took.Round(time.Microsecond), alloc>>20, len(res.Targets), shortErrors(res.Errors))
	}
}

func shortErrors(errs []finding.InputError) string {
	var s []string
	for _, e := range errs {
		m := e.Message
		if len(m) > 70 {
			m = m[:70] + "..."
		}
		s = append(s, m)
	}
	return strings.Join(s, "; ")
}

var _ = target.KindObject

// TestHostileWideMapping: a mapping with very many keys, on the fast path (a ConfigMap)
// and the full path (a Pod's labels), loads in linear time; one repeated key among them is
// still found.
func TestHostileWideMapping(t *testing.T) {
	lim := DefaultLimits()
	var b strings.Builder
	b.WriteString("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: wide\n  namespace: shop\ndata:\n")
	for i := 0; i < 150000; i++ {
		fmt.Fprintf(&b, "  k%d: v\n", i)
	}
	res, _ := loadBounded(t, "wide.yaml", b.String(), lim)
	if len(res.Errors) > 0 || len(res.Targets) != 1 || len(res.Targets[0].(*target.Object).Duplicates) != 0 {
		t.Fatalf("errors %v, %d targets", res.Errors, len(res.Targets))
	}
	b.WriteString("  k77: again\n")
	res, _ = loadBounded(t, "wide-dup.yaml", b.String(), lim)
	if len(res.Targets) != 1 {
		t.Fatalf("errors %v", res.Errors)
	}
	dups := res.Targets[0].(*target.Object).Duplicates
	if len(dups) != 1 || dups[0].Path != "data.k77" {
		t.Fatalf("want the repeated data.k77, got %+v", dups)
	}
}
