package manifest

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	yaml "go.yaml.in/yaml/v3"
)

// sameTree compares two yaml.v3 trees in what eksguard reads: kind, style, value, content,
// and the line and column of every node except the position of empty (null) scalars and of
// the mappings and sequences that are mapping values (findings point at their keys).
func sameTree(a, b *yaml.Node, path string, posMatters bool) error {
	if a.Kind != b.Kind || a.Value != b.Value || a.Style != b.Style || len(a.Content) != len(b.Content) {
		return fmt.Errorf("%s: kind %d/%d style %d/%d value %q/%q children %d/%d", path, a.Kind, b.Kind, a.Style, b.Style, a.Value, b.Value, len(a.Content), len(b.Content))
	}
	if a.Kind == yaml.ScalarNode && a.Style == 0 && a.Value == "" {
		posMatters = false
	}
	if posMatters && (a.Line != b.Line || a.Column != b.Column) {
		return fmt.Errorf("%s: position %d:%d, want %d:%d", path, a.Line, a.Column, b.Line, b.Column)
	}
	for i := range a.Content {
		childPos := true
		if a.Kind == yaml.MappingNode && i%2 == 1 && a.Content[i].Kind != yaml.ScalarNode {
			childPos = false
		}
		if err := sameTree(a.Content[i], b.Content[i], fmt.Sprintf("%s/%d", path, i), childPos); err != nil {
			return err
		}
	}
	return nil
}

// fastAgrees checks fastParse against yaml.v3 on doc: when fastParse accepts, yaml.v3
// must accept too and build the same tree. It reports whether fastParse accepted.
func fastAgrees(t testing.TB, doc string) bool {
	t.Helper()
	got, ok := fastParse([]byte(doc))
	if !ok {
		return false
	}
	var want yaml.Node
	if err := yaml.Unmarshal([]byte(doc), &want); err != nil {
		t.Fatalf("fast parser accepted what yaml.v3 rejects (%v):\n%s", err, doc)
	}
	if want.Kind == 0 || len(want.Content) == 0 {
		t.Fatalf("fast parser built a tree for an empty document:\n%q", doc)
	}
	if err := sameTree(got.Content[0], want.Content[0], "", true); err != nil {
		t.Fatalf("%v in:\n%s", err, doc)
	}
	return true
}

var fastCases = []struct {
	doc    string
	accept bool
}{
	{"a: 1\nb: two\n", true},
	{"\n# comment\napiVersion: v1   # trailing\nkind: Pod\nmetadata:\n  name: x\n  labels: {}\nspec:\n  containers:\n  - name: c\n    image: 'nginx:1.27'\n    args: []\n    env:\n    - name: A\n      value: \"b c\"\n    -\n    - plain\n  volumes:\n  - name: v\n    emptyDir: {}\n", true},
	{"a:\n- x\n- y\nb:\n  - z\nc:\n", true},
	{"a:\n  b:\n    c: 1\n  d: 2\ne: 3\n", true},
	{"a: b: c\n", false},
	{"a: |\n  text\n", false},
	{"a: &x 1\nb: *x\n", false},
	{"a: !!str 1\n", false},
	{"a: [1, 2]\n", false},
	{"a: \"esc\\n\"\n", false},
	{"a: plain\n  continued\n", false},
	{"a:\n    b: 1\n  c: 2\n", false},
	{"a: 1\n\tb: 2\n", false},
	{"<<: {a: 1}\n", false},
	{"- a\n- b\n", false},
	{"a: 'it''s'\n", false},
	{"a: 1\r\nb: 2\r\n", false},
	{"a: café\n", false},
	{"a:\n- b: 1\n  c:\n  - d\n- e\n", true},
	{"'q': 1\n\"r\": 2\n", true},
	{"a: x#notcomment\nb: y # comment\nc: -1\nd: :x\ne: ?y\n", true},
}

func TestFastParse(t *testing.T) {
	for _, c := range fastCases {
		if got := fastAgrees(t, c.doc); got != c.accept {
			t.Errorf("fastParse accepted=%v, want %v:\n%s", got, c.accept, c.doc)
		}
	}
}

// TestFastParseCorpus runs the differential over a directory of manifests
// (EKSGUARD_YAML_CORPUS); skipped when unset.
func TestFastParseCorpus(t *testing.T) {
	dir := os.Getenv("EKSGUARD_YAML_CORPUS")
	if dir == "" {
		t.Skip("set EKSGUARD_YAML_CORPUS to a directory of manifests")
	}
	var n, accepted, workloads, fastWorkloads int
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !IsManifestName(p) {
			return nil
		}
		data, _ := os.ReadFile(p)
		for _, doc := range splitDocuments(data) {
			n++
			ok := fastAgrees(t, string(doc.data))
			if ok {
				accepted++
			}
			if strings.Contains(string(doc.data), "containers:") {
				workloads++
				if ok {
					fastWorkloads++
				}
			}
		}
		return nil
	})
	t.Logf("%d documents, %d read by the fast parser; with containers: %d, %d fast", n, accepted, workloads, fastWorkloads)
}

func FuzzFastParse(f *testing.F) {
	for _, c := range fastCases {
		f.Add(c.doc)
	}
	f.Fuzz(func(t *testing.T, doc string) {
		if len(doc) > 4096 {
			return
		}
		fastAgrees(t, doc)
	})
}
