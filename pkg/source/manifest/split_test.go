package manifest

import (
	"reflect"
	"testing"
)

func TestSplitDocuments(t *testing.T) {
	type doc struct {
		data       string
		start, idx int
	}
	cases := []struct {
		name string
		in   string
		want []doc
	}{
		{"no marker", "a: 1\nb: 2\n", []doc{{"a: 1\nb: 2\n", 1, 1}}},
		{"leading marker", "---\na: 1\n", []doc{{"\na: 1\n", 1, 1}}},
		{"two documents", "a: 1\n---\nb: 2\n", []doc{{"a: 1\n", 1, 1}, {"\nb: 2\n", 2, 2}}},
		{"--- value keeps the value", "--- |\n  text\n", []doc{{" |\n  text\n", 1, 1}}},
		{"--- with a comment", "a: 1\n--- # next\nb: 2\n", []doc{{"a: 1\n", 1, 1}, {" # next\nb: 2\n", 2, 2}}},
		{"--- with a tab", "a: 1\n---\t\nb: 2\n", []doc{{"a: 1\n", 1, 1}, {"\t\nb: 2\n", 2, 2}}},
		{"document end", "a: 1\n...\nb: 2\n", []doc{{"a: 1\n", 1, 1}, {"b: 2\n", 3, 2}}},
		{"document end then start", "a: 1\n...\n---\nb: 2\n", []doc{{"a: 1\n", 1, 1}, {"\nb: 2\n", 3, 2}}},
		{"CRLF", "a: 1\r\n---\r\nb: 2\r\n", []doc{{"a: 1\r\n", 1, 1}, {"\r\nb: 2\r\n", 2, 2}}},
		{"CRLF document end", "a: 1\r\n...\r\nb: 2\r\n", []doc{{"a: 1\r\n", 1, 1}, {"b: 2\r\n", 3, 2}}},
		{"comment-only documents are dropped and not counted",
			"# only a comment\n---\n# another\n\n  # indented\n---\na: 1\n---\n \t\r\n---\nb: 2\n",
			[]doc{{"\na: 1\n", 6, 1}, {"\nb: 2\n", 10, 2}}},
		{"trailing marker", "a: 1\n---\n", []doc{{"a: 1\n", 1, 1}}},
		{"marker at end of input", "a: 1\n---", []doc{{"a: 1\n", 1, 1}}},
		{"no final newline", "a: 1\n---\nb: 2", []doc{{"a: 1\n", 1, 1}, {"\nb: 2", 2, 2}}},
		{"not markers", " ---\n---x\n----\n...x\n.. .\n", []doc{{" ---\n---x\n----\n...x\n.. .\n", 1, 1}}},
		{"empty input", "", nil},
		{"only markers", "---\n---\n...\n", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var got []doc
			for _, d := range splitDocuments([]byte(c.in)) {
				got = append(got, doc{string(d.data), d.startLine, d.index})
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Fatalf("splitDocuments(%q)\n got  %+v\n want %+v", c.in, got, c.want)
			}
		})
	}
}

func TestSplitDocumentsMaxStops(t *testing.T) {
	in := []byte("a\n---\nb\n---\n---\nc\n---\nd\n")
	if got := splitDocumentsMax(in, 2); len(got) != 2 || string(got[1].data) != "\nb\n" {
		t.Fatalf("limit 2: %+v", got)
	}
	if got := splitDocumentsMax(in, 3); len(got) != 3 || string(got[2].data) != "\nc\n" || got[2].startLine != 5 {
		t.Fatalf("limit 3: %+v", got)
	}
	if got := splitDocumentsMax(in, -1); len(got) != 4 {
		t.Fatalf("no limit: %d documents", len(got))
	}
}
