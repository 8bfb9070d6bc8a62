package vex

import (
	"strings"
	"testing"
)

const doc = `{"@context":"https://openvex.dev/ns/v0.2.0","@id":"https://example.com/vex/1","author":"team",
"statements":[
 {"vulnerability":{"name":"CVE-2020-14040"},"products":[{"@id":"pkg:golang/golang.org/x/text"}],"status":"not_affected","justification":"vulnerable_code_not_in_execute_path"},
 {"vulnerability":{"name":"GO-2022-1059","aliases":["CVE-2022-32149"]},"products":[{"@id":"registry.example.com/app:1","subcomponents":[{"@id":"pkg:golang/golang.org/x/text@v0.3.0"}]}],"status":"fixed","status_notes":"patched fork"},
 {"vulnerability":{"name":"CVE-2023-5363"},"status":"not_affected","impact_statement":"no TLS in this image"},
 {"vulnerability":{"name":"CVE-2023-5363"},"products":[{"@id":"pkg:deb/debian/libssl3@3.0.9-1"}],"status":"affected","action_statement":"upgrade"}
]}`

func TestSuppresses(t *testing.T) {
	d, err := Parse([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		ids      []string
		products []string
		want     string
		ok       bool
	}{
		{[]string{"GO-2020-0015", "CVE-2020-14040"}, []string{"pkg:golang/golang.org/x/text@v0.3.0"}, "not_affected: vulnerable_code_not_in_execute_path", true},
		{[]string{"GO-2020-0015", "CVE-2020-14040"}, []string{"pkg:golang/golang.org/x/net@v0.3.0"}, "", false},
		{[]string{"GO-2022-1059"}, []string{"pkg:golang/golang.org/x/text@v0.3.0"}, "fixed: patched fork", true},
		{[]string{"CVE-2022-32149"}, []string{"pkg:golang/other@v1"}, "", false},
		// No products: every product; a later "affected" statement for one product wins there.
		{[]string{"CVE-2023-5363"}, []string{"pkg:deb/debian/libcrypto@3.0.9-1"}, "not_affected: no TLS in this image", true},
		{[]string{"DEBIAN-CVE-2023-5363", "CVE-2023-5363"}, []string{"pkg:deb/debian/libssl3@3.0.9-1?arch=amd64"}, "", false},
	}
	for i, c := range cases {
		got, ok := d.Suppresses(c.ids, c.products)
		if ok != c.ok || got != c.want {
			t.Errorf("case %d: got %q %v, want %q %v", i, got, ok, c.want, c.ok)
		}
	}
	var none *Document
	if _, ok := none.Suppresses([]string{"X"}, nil); ok {
		t.Error("nil document suppresses")
	}
}

func TestParseBad(t *testing.T) {
	cases := map[string]string{
		`[]`:                                 "not an OpenVEX",
		`{"@context":"https://example.com"}`: "not OpenVEX",
		`{"@context":"https://openvex.dev/ns/v0.2.0","statements":[{"vulnerability":{},"status":"fixed"}]}`:                                             "no name",
		`{"@context":"https://openvex.dev/ns/v0.2.0","statements":[{"vulnerability":{"name":"X"},"status":"ignored"}]}`:                                 "unknown status",
		`{"@context":"https://openvex.dev/ns/v0.2.0","statements":[{"vulnerability":{"name":"X"},"status":"not_affected"}]}`:                            "justification or an impact_statement",
		`{"@context":"https://openvex.dev/ns/v0.2.0","statements":[{"vulnerability":{"name":"X"},"status":"not_affected","justification":"trust me"}]}`: "unknown justification",
	}
	for in, want := range cases {
		if _, err := Parse([]byte(in)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: got %v, want %q", in, err, want)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(doc))
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := Parse(data)
		if err != nil {
			return
		}
		d.Suppresses([]string{"CVE-2020-14040", "GO-2020-0015"}, []string{"pkg:golang/golang.org/x/text@v0.3.0", ""})
	})
}
