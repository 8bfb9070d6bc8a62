package version

import (
	"testing"
)

// fuzzOrder checks that an order never panics on any pair of strings, and that it is
// reflexive and antisymmetric on whatever parses.
func fuzzOrder(f *testing.F, eco string) {
	for _, c := range orderCases {
		if Order(c.eco) == Order(eco) {
			f.Add(c.a, c.b)
		}
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		va, err := Parse(eco, a)
		if err != nil {
			return
		}
		vb, err := Parse(eco, b)
		if err != nil {
			return
		}
		if va.Compare(va) != 0 {
			t.Fatalf("%q != itself", a)
		}
		if x, y := va.Compare(vb), vb.Compare(va); x != -y {
			t.Fatalf("compare(%q,%q)=%d but compare(%q,%q)=%d", a, b, x, b, a, y)
		}
	})
}

func FuzzDpkg(f *testing.F)   { fuzzOrder(f, "Debian") }
func FuzzAPK(f *testing.F)    { fuzzOrder(f, "Alpine") }
func FuzzRPM(f *testing.F)    { fuzzOrder(f, "Red Hat") }
func FuzzSemver(f *testing.F) { fuzzOrder(f, "Go") }
func FuzzPEP440(f *testing.F) { fuzzOrder(f, "PyPI") }
func FuzzMaven(f *testing.F)  { fuzzOrder(f, "Maven") }
