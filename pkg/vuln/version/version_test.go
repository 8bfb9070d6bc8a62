package version

import (
	"errors"
	"testing"
)

// Each case is a < b (or a == b when eq) under the ecosystem's documented rules:
// dpkg: deb-version(7); apk: apk-tools' version rules (Alpine's APKBUILD reference);
// rpm: rpmvercmp (rpm.org, versioning, tilde and caret); semver: semver.org 2.0.0 §11;
// PEP 440: the version scheme's ordering; Maven: ComparableVersion's documented order.
var orderCases = []struct {
	eco  string
	a, b string
	eq   bool
}{
	// dpkg
	{eco: "Debian:12", a: "1.0~rc1", b: "1.0"},
	{eco: "Debian:12", a: "1.0~~", b: "1.0~~a"},
	{eco: "Debian:12", a: "1.0~~a", b: "1.0~"},
	{eco: "Debian:12", a: "1.0~", b: "1.0"},
	{eco: "Debian:12", a: "1.0", b: "1.0a"},
	{eco: "Debian:12", a: "1.0a", b: "1.0+"}, // letters sort before non-letters
	{eco: "Debian:12", a: "2.0", b: "1:0.1"}, // epoch wins
	{eco: "Debian:12", a: "1.0", b: "0:1.0", eq: true},
	{eco: "Debian:12", a: "1.0-9", b: "1.0-10"},
	{eco: "Debian:12", a: "1.0", b: "1.0.0"},
	{eco: "Debian:12", a: "2.36-9+deb12u3", b: "2.36-9+deb12u4"},
	{eco: "Debian:12", a: "3.0.11-1~deb12u2", b: "3.0.11-1"},
	{eco: "Debian:12", a: "1.2.3-1", b: "1.2.3-1+b1"},
	{eco: "Debian:12", a: "1.0-1", b: "1.0+dfsg-1"},
	{eco: "Ubuntu:22.04:LTS", a: "1.2.3-2ubuntu0.1", b: "1.2.3-2ubuntu0.2"},
	{eco: "Ubuntu:22.04:LTS", a: "1.2.3-2ubuntu0.22.04.1", b: "1.2.3-2ubuntu1"},
	// apk
	{eco: "Alpine:v3.20", a: "1.2.3-r9", b: "1.2.3-r10"},
	{eco: "Alpine:v3.20", a: "1.2.3_alpha", b: "1.2.3_beta"},
	{eco: "Alpine:v3.20", a: "1.2.3_beta", b: "1.2.3_pre"},
	{eco: "Alpine:v3.20", a: "1.2.3_pre", b: "1.2.3_rc"},
	{eco: "Alpine:v3.20", a: "1.2.3_rc1", b: "1.2.3"},
	{eco: "Alpine:v3.20", a: "1.2.3", b: "1.2.3_p1"},
	{eco: "Alpine:v3.20", a: "1.2.3", b: "1.2.3a"},
	{eco: "Alpine:v3.20", a: "1.9", b: "1.10"},
	{eco: "Alpine:v3.20", a: "3.0.8-r1", b: "3.0.15-r0"},
	{eco: "Alpine:v3.20", a: "1.2.3-r1", b: "1.2.4-r0"},
	// rpm (Red Hat, Amazon Linux)
	{eco: "Red Hat", a: "2.0-1", b: "1:1.0-1"},
	{eco: "Red Hat", a: "1.0~rc1", b: "1.0"},
	{eco: "Red Hat", a: "1.0", b: "1.0^20200101"},
	{eco: "Red Hat", a: "1.0^20200101", b: "1.0.1"},
	{eco: "Red Hat", a: "1.9", b: "1.10"},
	{eco: "Red Hat", a: "1.01", b: "1.1", eq: true},
	{eco: "Red Hat", a: "1.0", b: "1.0a"},
	{eco: "Red Hat", a: "1.0.a", b: "1.0.1"}, // a numeric segment is newer than an alpha one
	{eco: "Amazon Linux", a: "2.0.1-1.amzn2023.0.2", b: "2.0.1-1.amzn2023.0.10"},
	{eco: "Amazon Linux", a: "7.61.1-12.amzn2.0.1", b: "7.61.1-12.amzn2.0.2"},
	{eco: "Amazon Linux", a: "3.0.8-1.amzn2023.0.20", b: "1:3.0.8-1.amzn2023.0.1"},
	// semver (Go, npm)
	{eco: "npm", a: "1.0.0-alpha", b: "1.0.0-alpha.1"},
	{eco: "npm", a: "1.0.0-alpha.1", b: "1.0.0-alpha.beta"},
	{eco: "npm", a: "1.0.0-alpha.beta", b: "1.0.0-beta"},
	{eco: "npm", a: "1.0.0-beta", b: "1.0.0-beta.2"},
	{eco: "npm", a: "1.0.0-beta.2", b: "1.0.0-beta.11"},
	{eco: "npm", a: "1.0.0-beta.11", b: "1.0.0-rc.1"},
	{eco: "npm", a: "1.0.0-rc.1", b: "1.0.0"},
	{eco: "npm", a: "1.0.0+build.5", b: "1.0.0", eq: true},
	{eco: "Go", a: "1.2.3", b: "1.10.0"},
	{eco: "Go", a: "0.0.0-20200101000000-abcdef123456", b: "0.0.0-20210101000000-abcdef123456"},
	{eco: "Go", a: "0.0.0-20200101000000-abcdef123456", b: "0.1.0"},
	{eco: "Go", a: "1.22.0-rc.1", b: "1.22.0"},
	// PEP 440
	{eco: "PyPI", a: "1.0.dev1", b: "1.0a1"},
	{eco: "PyPI", a: "1.0a1.dev1", b: "1.0a1"},
	{eco: "PyPI", a: "1.0a1", b: "1.0b1"},
	{eco: "PyPI", a: "1.0b1", b: "1.0rc1"},
	{eco: "PyPI", a: "1.0rc1", b: "1.0"},
	{eco: "PyPI", a: "1.0", b: "1.0.post1"},
	{eco: "PyPI", a: "1.0.post1.dev1", b: "1.0.post1"},
	{eco: "PyPI", a: "1.0", b: "1.0.0", eq: true},
	{eco: "PyPI", a: "1.0c1", b: "1.0rc1", eq: true},
	{eco: "PyPI", a: "1.0-1", b: "1.0.post1", eq: true},
	{eco: "PyPI", a: "2.0", b: "1!0.1"},
	{eco: "PyPI", a: "1.0", b: "1.0+local"},
	{eco: "PyPI", a: "1.9", b: "1.10"},
	// Maven
	{eco: "Maven", a: "1.0-alpha-1", b: "1.0-beta-1"},
	{eco: "Maven", a: "1.0-beta-1", b: "1.0-milestone-1"},
	{eco: "Maven", a: "1.0-milestone-1", b: "1.0-rc-1"},
	{eco: "Maven", a: "1.0-rc-1", b: "1.0-SNAPSHOT"},
	{eco: "Maven", a: "1.0-SNAPSHOT", b: "1.0"},
	{eco: "Maven", a: "1.0", b: "1.0-sp-1"},
	{eco: "Maven", a: "1", b: "1.0.0", eq: true},
	{eco: "Maven", a: "1.0-ga", b: "1.0", eq: true},
	{eco: "Maven", a: "1.0-final", b: "1.0", eq: true},
	{eco: "Maven", a: "1.0-cr1", b: "1.0-rc1", eq: true},
	{eco: "Maven", a: "1.0a1", b: "1.0-alpha-1", eq: true},
	{eco: "Maven", a: "2.9", b: "2.10"},
	{eco: "Maven", a: "2.12.6", b: "2.12.6.1"},
}

func TestOrder(t *testing.T) {
	for _, c := range orderCases {
		want := -1
		if c.eq {
			want = 0
		}
		got, err := Compare(c.eco, c.a, c.b)
		if err != nil {
			t.Errorf("%s: %s vs %s: %v", c.eco, c.a, c.b, err)
			continue
		}
		if got != want {
			t.Errorf("%s: compare(%q, %q) = %d, want %d", c.eco, c.a, c.b, got, want)
		}
		if back, _ := Compare(c.eco, c.b, c.a); back != -want {
			t.Errorf("%s: compare(%q, %q) = %d, want %d (antisymmetry)", c.eco, c.b, c.a, back, -want)
		}
	}
}

func TestUnparseable(t *testing.T) {
	cases := []struct{ eco, v string }{
		{"Go", "1.2"},
		{"Go", "(devel)"},
		{"Go", "01.2.3"},
		{"npm", "latest"},
		{"npm", "1.2.3-"},
		{"Debian:12", "abc"},
		{"Debian:12", "1.0 beta"},
		{"Debian:12", ""},
		{"Alpine:v3.20", "not-a-version"},
		{"PyPI", "one point oh"},
		{"Red Hat", "1.0 2"},
		{"Maven", " "},
	}
	for _, c := range cases {
		if _, err := Parse(c.eco, c.v); !errors.Is(err, ErrUnparseable) {
			t.Errorf("%s %q: got %v, want ErrUnparseable", c.eco, c.v, err)
		}
	}
	if _, err := Parse("CRAN", "1.0"); !errors.Is(err, ErrUnsupported) {
		t.Errorf("CRAN: %v", err)
	}
}
