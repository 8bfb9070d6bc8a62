package manifest

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	yaml "go.yaml.in/yaml/v3"
	kyaml "sigs.k8s.io/yaml"
)

// agree checks that nodeToJSON gives the object sigs.k8s.io/yaml (kubectl) gives. When
// kubectl's converter rejects a document there is nothing to agree with.
func agree(t testing.TB, doc string) {
	t.Helper()
	want, werr := kyaml.YAMLToJSON([]byte(doc))
	var root yaml.Node
	if err := yaml.Unmarshal([]byte(doc), &root); err != nil {
		return // our parser rejects it: reported as malformed, never judged
	}
	got, dups, gerr := nodeToJSON(&root, 10000, 1<<30, 0)
	if len(dups) > 0 && !deterministic(doc, want) {
		// Keys such as 0 and 0.0 are different keys to go-yaml but the same string to
		// sigs.k8s.io/yaml, which then keeps whichever its map iteration visits last:
		// kubectl itself is random here. eksguard keeps the last and reports the duplicate.
		return
	}
	if hasNonSpecificTag([]byte(doc)) {
		return // yaml.v3 loses the "!" tag: the loader takes kubectl's values for these
	}
	if werr != nil {
		return
	}
	if gerr != nil {
		// The YAML 1.2 parser and go-yaml v2 differ on a few exotic documents; an error
		// is safe (the document is reported), a different object is not.
		return
	}
	var w, g any
	if err := json.Unmarshal(want, &w); err != nil {
		t.Fatalf("sigs.k8s.io/yaml gave invalid JSON for %q: %v", doc, err)
	}
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("nodeToJSON gave invalid JSON for %q: %v\n%s", doc, err, got)
	}
	if !reflect.DeepEqual(w, g) {
		t.Errorf("document %q:\n kubectl: %s\n eksguard: %s", doc, want, got)
	}
}

var conversionCases = []string{
	"a: yes\nb: no\nc: on\nd: Off\ne: y\nf: N\ng: TRUE\nh: ~\ni: null\nj:\n",
	"a: 0777\nb: 0x1F\nc: 1_000\nd: -0b101\ne: 0b11\nf: +12\ng: 1.5\nh: 1e3\ni: .5\nj: 18446744073709551615\nk: 99999999999999999999\n",
	"a: '0777'\nb: \"yes\"\nc: |\n  yes\nd: >\n  no\n",
	"a: !!str 12\nb: !!int \"12\"\nc: !!float 3\nd: !!bool yes\ne: !custom value\nf: !!binary aGVsbG8=\n",
	"a: 2024-01-02\nb: 2024-01-02T03:04:05Z\nc: 2024-1-2 3:4:5\nd: 20240102\n",
	"base: &b {x: 1, y: 2}\nother: &o {y: 3, z: 4}\nm:\n  <<: [*b, *o]\n  x: 9\n",
	"base: &b {x: 1}\nm:\n  x: 2\n  <<: *b\n",
	"m:\n  '<<': {x: 1}\n",
	"securityContext:\n  privileged: true\nsecurityContext:\n  runAsNonRoot: true\n",
	"1: a\ntrue: b\n1.5: c\n0x10: d\nyes: e\n",
	"a: [1, two, {three: 3}]\nb: {}\nc: []\nd: \"\\u00e9\\t<tag>&\"\n",
	"a: 1.0\nb: -0.0\nc: 1e400\nd: .inf\n",
	"a: !!null ''\nb: !!timestamp 2024-01-01\n",
	"a: 'it''s'\nb: \"line\\nbreak\"\nc: plain text with: colon\n",
	"apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\nspec:\n  containers:\n  - name: c\n    image: nginx\n    securityContext:\n      privileged: yes\n      runAsUser: 0\n",
}

func TestNodeToJSONAgreesWithKubectl(t *testing.T) {
	for _, c := range conversionCases {
		agree(t, c)
	}
}

// TestNodeToJSONCorpus runs the differential over every YAML document in a directory
// (EKSGUARD_YAML_CORPUS, e.g. the benchmark corpus); skipped when unset.
func TestNodeToJSONCorpus(t *testing.T) {
	dir := os.Getenv("EKSGUARD_YAML_CORPUS")
	if dir == "" {
		t.Skip("set EKSGUARD_YAML_CORPUS to a directory of manifests")
	}
	n := 0
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !IsManifestName(p) {
			return nil
		}
		data, _ := os.ReadFile(p)
		for _, doc := range splitDocuments(data) {
			agree(t, string(doc.data))
			n++
		}
		return nil
	})
	t.Logf("%d documents agree", n)
}

func FuzzNodeToJSON(f *testing.F) {
	for _, c := range conversionCases {
		f.Add(c)
	}
	f.Fuzz(func(t *testing.T, doc string) {
		if len(doc) > 4096 {
			return
		}
		agree(t, doc)
	})
}

// deterministic reports whether kubectl's conversion gives the same JSON every time.
func deterministic(doc string, first []byte) bool {
	for i := 0; i < 20; i++ {
		again, _ := kyaml.YAMLToJSON([]byte(doc))
		if string(again) != string(first) {
			return false
		}
	}
	return true
}
