package manifest

import (
	"math/rand/v2"
	"strings"
	"testing"
)

func TestScanHeaderReadsBlockYAML(t *testing.T) {
	cases := []struct {
		name string
		doc  string
		want header
	}{
		{
			name: "plain",
			doc:  "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\n  namespace: prod\ndata:\n  a: b\n",
			want: header{apiVersion: "v1", kind: "ConfigMap", name: "cfg", namespace: "prod", kindLine: 2, metadataLine: 3, nameLine: 4, namespaceLine: 5},
		},
		{
			name: "comments, blank lines, quotes, nested name keys",
			doc: `# leading comment

apiVersion: "rbac.authorization.k8s.io/v1"   # trailing
kind: 'Role'
metadata:
  # a comment
  namespace: team-a # ns
  labels:
    name: not-this
  name: reader
rules:
- apiGroups: [""]
  verbs: ["get", 'list']
`,
			want: header{apiVersion: "rbac.authorization.k8s.io/v1", kind: "Role", name: "reader", namespace: "team-a", kindLine: 4, metadataLine: 5, nameLine: 10, namespaceLine: 7},
		},
		{
			name: "CRLF",
			doc:  "apiVersion: v1\r\nkind: Secret\r\nmetadata:\r\n  name: s\r\ntype: Opaque\r\n",
			want: header{apiVersion: "v1", kind: "Secret", name: "s", kindLine: 2, metadataLine: 3, nameLine: 4},
		},
		{
			name: "kind first, deeper metadata indent, no namespace",
			doc:  "kind: Namespace\napiVersion: v1\nmetadata:\n    name: team-a\n    labels:\n      a: b\n",
			want: header{apiVersion: "v1", kind: "Namespace", name: "team-a", kindLine: 1, metadataLine: 3, nameLine: 4},
		},
		{
			name: "no metadata",
			doc:  "apiVersion: v1\nkind: Namespace\n",
			want: header{apiVersion: "v1", kind: "Namespace", kindLine: 2},
		},
		{
			name: "block scalars and quotes below the header",
			doc: `apiVersion: v1
kind: ConfigMap
metadata:
  name: scripts
  annotations:
    note: |
      name: not-this
      "unbalanced
data:
  run.sh: |
    #!/bin/sh
    echo "it's [here
  quoted: "a: b # c"
  plain: it's fine
  empty: {}
  list: []
`,
			want: header{apiVersion: "v1", kind: "ConfigMap", name: "scripts", kindLine: 2, metadataLine: 3, nameLine: 4},
		},
		{
			name: "empty quoted and commented values",
			doc:  "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: \"\"\n  namespace: # none\n",
			want: header{apiVersion: "v1", kind: "ConfigMap", kindLine: 2, metadataLine: 3, nameLine: 4, namespaceLine: 5},
		},
		{
			name: "non-breaking space is part of the value",
			doc:  "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\u00a0\n",
			want: header{apiVersion: "v1", kind: "ConfigMap", name: "a\u00a0", kindLine: 2, metadataLine: 3, nameLine: 4},
		},
		{
			name: "compact top-level sequence",
			doc:  "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: r\nrules:\n- apiGroups: [\"\"]\n  verbs: [get]\n- apiGroups: [apps]\n",
			want: header{apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRole", name: "r", kindLine: 2, metadataLine: 3, nameLine: 4},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, ok := scanHeader([]byte(c.doc))
			if !ok {
				t.Fatalf("declined %q", c.doc)
			}
			if got != c.want {
				t.Fatalf("got  %+v\nwant %+v", got, c.want)
			}
			// What the scanner reads is what kubectl reads.
			want, ok := kubectlHeader([]byte(c.doc))
			if !ok {
				t.Fatalf("kubectl cannot read %q", c.doc)
			}
			if g := (header{apiVersion: got.apiVersion, kind: got.kind, name: got.name, namespace: got.namespace}); g != want {
				t.Fatalf("kubectl reads %+v", want)
			}
		})
	}
}

// headerDeclineCases are documents the scanner must leave to the parser.
var headerDeclineCases = []struct{ name, doc string }{
	{"flow metadata", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n"},
	{"flow root", "{apiVersion: v1, kind: ConfigMap}\n"},
	{"JSON", "{\"apiVersion\": \"v1\", \"kind\": \"ConfigMap\", \"metadata\": {\"name\": \"x\"}}\n"},
	{"JSON after a comment", "# c\n{\"apiVersion\": \"v1\",\n \"kind\": \"ConfigMap\"}\n"},
	{"anchor", "apiVersion: v1\nkind: &k ConfigMap\n"},
	{"alias", "apiVersion: v1\nkind: *k\n"},
	{"tag", "apiVersion: v1\nkind: !!str ConfigMap\n"},
	{"anchored metadata", "apiVersion: v1\nkind: ConfigMap\nmetadata: &m\n  name: x\n"},
	{"merge key at the top", "apiVersion: v1\nkind: ConfigMap\n<<: *base\n"},
	{"merge key in metadata", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  <<: *m\n  name: x\n"},
	{"quoted top-level key", "apiVersion: v1\n\"kind\": ConfigMap\n"},
	{"quoted metadata key", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ok\n  \"name\": evil\n"},
	{"repeated kind", "apiVersion: v1\nkind: ConfigMap\nkind: Pod\n"},
	{"repeated apiVersion", "apiVersion: v1\nkind: ConfigMap\napiVersion: apps/v1\n"},
	{"repeated metadata", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\nmetadata:\n  name: b\n"},
	{"repeated name", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  name: b\n"},
	{"repeated namespace", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  namespace: a\n  namespace: b\n"},
	{"plain continuation", "apiVersion: v1\nkind: Config\n  Map\n"},
	{"name continuation", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n    b\n"},
	{"quoted continuation", "apiVersion: v1\nkind: \"Config\n  Map\"\n"},
	{"value on the next line", "apiVersion: v1\nkind:\n  ConfigMap\n"},
	{"block scalar kind", "apiVersion: v1\nkind: |\n  ConfigMap\n"},
	{"folded name", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: >-\n    x\n"},
	{"tab indentation", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n\tname: x\n"},
	{"tab after spaces", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  \tname: x\n"},
	{"tab in value", "apiVersion: v1\nkind: Config\tMap\n"},
	{"space before colon", "apiVersion: apps/v1\nkind : Deployment\n"},
	{"space before colon in metadata", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name : x\n"},
	{"tab before colon", "apiVersion: apps/v1\nkind\t: Deployment\n"},
	{"byte order mark", "\ufeffapiVersion: v1\nkind: ConfigMap\n"},
	{"byte order mark mid-document", "x: 1\n\ufeffapiVersion: v1\nkind: ConfigMap\n"},
	{"bare CR", "apiVersion: apps/v1\nkind: ConfigMap\rkind: Deployment\n"},
	{"NEL", "apiVersion: apps/v1\nkind: ConfigMap\u0085kind: Deployment\n"},
	{"LS", "apiVersion: apps/v1\nkind: ConfigMap\u2028kind: Deployment\n"},
	{"PS", "apiVersion: apps/v1\nx: y\u2029kind: Deployment\n"},
	{"invalid UTF-8", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: \xff\n"},
	{"control character", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\x1b[31m\n"},
	{"indented root", "  apiVersion: v1\n  kind: ConfigMap\n"},
	{"escaped double-quoted value", "apiVersion: v1\nkind: \"Config\\x4dap\"\n"},
	{"escaped single-quoted value", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: 'it''s'\n"},
	{"sequence at the root", "- apiVersion: v1\n  kind: ConfigMap\n"},
	{"sequence after a scalar", "apiVersion: v1\n- kind: ConfigMap\n"},
	{"directive", "%YAML 1.1\napiVersion: v1\nkind: ConfigMap\n"},
	{"complex key", "apiVersion: v1\n? kind\n: ConfigMap\n"},
	{"metadata null", "apiVersion: v1\nkind: ConfigMap\nmetadata: null\n"},
	{"odd metadata indentation", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n    labels: {}\n  name: x\n"},
	{"document marker inside", "apiVersion: v1\nkind: ConfigMap\n---\nkind: Pod\n"},
	{"document end inside", "apiVersion: v1\nkind: ConfigMap\n...\nkind: Pod\n"},
	// Multi-line quoted scalars and flow collections may run on to lines that look like
	// keys at any indentation: the scanner would read a kind or name that is not there.
	{"nested quoted scalar runs on", "apiVersion: apps/v1\nspec:\n  x: \"a\nkind: ConfigMap\"\n"},
	{"nested single-quoted scalar runs on", "apiVersion: apps/v1\nspec:\n  x: 'a\nkind: ConfigMap'\n"},
	{"quoted sequence item runs on", "apiVersion: apps/v1\nrules:\n- \"a\nkind: ConfigMap\"\n"},
	{"quoted key runs on", "apiVersion: apps/v1\nspec:\n  \"a\nkind: ConfigMap\": x\n"},
	{"escaped line break", "apiVersion: apps/v1\nspec:\n  x: \"a\\\nkind: ConfigMap\"\n"},
	{"flow sequence runs on", "apiVersion: apps/v1\nspec:\n  x: [a,\nkind: ConfigMap]\n"},
	{"flow mapping runs on", "apiVersion: apps/v1\nspec:\n  x: {a: 1,\nkind: ConfigMap}\n"},
	{"quote after plain key text", "apiVersion: apps/v1\na \"b: \"c\nkind: ConfigMap\"\n"},
	{"quote inside a closed flow", "apiVersion: apps/v1\nx: [a \"b, \"c]\nkind: ConfigMap\"]\n"},
	{"metadata name hidden in a quoted scalar", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  generateName: \"x\n  name: fake\"\n"},
	{"metadata name hidden in an annotation", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  annotations:\n    a: \"x\n  namespace: kube-system\"\n"},
	{"block scalar without a key", "apiVersion: v1\nkind: ConfigMap\nspec:\n  x:\n    |\n    a\n"},
}

func TestScanHeaderDeclines(t *testing.T) {
	for _, c := range headerDeclineCases {
		t.Run(c.name, func(t *testing.T) {
			if h, ok := scanHeader([]byte(c.doc)); ok {
				t.Fatalf("read %+v from %q; want a decline", h, c.doc)
			}
		})
	}
}

// TestScanHeaderDeclinedDocumentsLoadAsKubectlReadsThem: for the documents above that
// kubectl reads, the full path (which Load takes after a decline) gives kubectl's reading.
func TestScanHeaderDeclinedDocumentsLoadAsKubectlReadsThem(t *testing.T) {
	for _, c := range headerDeclineCases {
		want, ok := kubectlObjects([]byte(c.doc))
		if !ok {
			continue
		}
		res := Load("f.yaml", []byte(c.doc), Options{Limits: DefaultLimits()})
		if len(res.Errors) > 0 {
			continue
		}
		if len(res.Targets) != len(want) {
			t.Errorf("%s: kubectl reads %d objects, Load %d", c.name, len(want), len(res.Targets))
			continue
		}
		for i, w := range want {
			s := res.Targets[i].Subject()
			if s.Kind != w.kind || s.Name != w.name || s.Namespace != w.namespace || s.APIVersion != w.apiVersion {
				t.Errorf("%s: kubectl reads %+v, Load %+v", c.name, w.header, s)
			}
		}
	}
}

func TestScannable(t *testing.T) {
	ok := []string{
		"a: b\n",
		"a: \"b\" # c\nd: 'e''f'\n",
		"a:\n- [1, 2, {b: \"c\"}]\n- {d: [e]}\n",
		"a: |\n  \"open\n  [open\nb: >-\n  'open\n",
		"- a: |\n    \"open\n  b: ok\n",
		"a: it's plain\nb: x \"y\n",
		"a: &x \"y\"\nb: *x\nc: !!str \"z\"\n",
		"a:\n  b: c # it's a comment \"\n",
		"\n\n# comment\n   # indented comment\na: 1\n",
		// Quoted scalars and flow collections may go on to lines deeper than their own.
		"a:\n  b: 'it''s a\n    long one'\nc: d\n",
		"a: [x,\n  y]\nb: 1\n",
		"a: \"x\\\n  y\"\n",
		"a: {b: \"c\n   d\", e: [f, # comment\n   g]}\n",
		"a:\n  b: \"x\n    # not a comment\n\n    y\"\n  c: 1\n",
		// Outside metadata, below the top level, the scanner reads no line.
		"a:\n  b: \"x\n  c: y\"\n",
		"a:\n  b: [x,\n    'y\n  z']\n",
		"metadata:\n  labels:\n    a: \"x\n     y\"\n  name: z\n",
		// Plain scalars go on to deeper lines, where quotes and brackets are text.
		"a: (x\n  || y == '') && [\nb: |\n  \"\n",
		"- a\n  \"b\n",
	}
	for _, s := range ok {
		if !scannable([]byte(s)) {
			t.Errorf("scannable(%q) = false", s)
		}
	}
	bad := []string{
		"a: \"b\n",
		"a: 'b''\n",
		"a: [b,\n",
		"a: {b: [c]\n",
		"a: \"b\"#c\n",
		"a: !<tag> b\n",
		"a: &x\"y\"\n",
		"a: @b [\n",
		"x:\n  |\n  a\n",
		" a: 1\n",
		"a: [x,\ny]\n",
		"a: 'x\n\n'\n",
		"metadata:\n  a: \"x\n  name: y\"\n",
		"metadata:\n  labels:\n    a: \"x\n  name: y\"\n",
		"metadata:\n    a: [x,\n  name: y]\n",
		"a: 1\nmetadata:\n  x: 'y\nkind: z'\n",
		"a: 1\n---\nb: 2\n",
		"a: 1\rb: 2\n",
		"a: \x00\n",
		"a: \x7f\n",
		"a: \xc2\x80\n",
		"a: \xef\xbf\xbe\n",
		"a: \xed\xa0\x80\n", // a surrogate: invalid UTF-8
		strings.Repeat("a", 10) + "\u2029",
	}
	for _, s := range bad {
		if scannable([]byte(s)) {
			t.Errorf("scannable(%q) = true", s)
		}
	}
}

// TestHasHiddenTextMatchesBytewise holds the eight-bytes-at-once loop to the byte-by-byte
// definition.
func TestHasHiddenTextMatchesBytewise(t *testing.T) {
	alphabet := []byte("a: -#\"'\n\t\r\x00\x01\x1f\x20\x7e\x7f\x80\x85\xa0\xa8\xa9\xbb\xbe\xbf\xc2\xe2\xef\xff")
	r := rand.New(rand.NewPCG(1, 2))
	for n := 0; n < 20000; n++ {
		b := make([]byte, r.IntN(40))
		for i := range b {
			if r.IntN(4) == 0 {
				b[i] = alphabet[r.IntN(len(alphabet))]
			} else {
				b[i] = byte(0x20 + r.IntN(0x5f))
			}
		}
		want := false
		for i := range b {
			want = want || hiddenAt(b, i)
		}
		if got := hasHiddenText(b); got != want {
			t.Fatalf("hasHiddenText(%q) = %v", b, got)
		}
	}
}
