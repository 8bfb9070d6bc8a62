// Package detecttest holds what the tests of the detect event sources share: binding every
// field of a source and running every extractor on a decoded event, as the decoder fuzz
// targets do.
package detecttest

import (
	"testing"

	"github.com/eksguard/eksguard/pkg/detect"
)

// Extractors binds every field of src, with the argument arg gives it ("" for none); a
// field that does not bind fails tb.
func Extractors(tb testing.TB, src *detect.Source, arg func(detect.Field) string) []detect.Extractor {
	tb.Helper()
	exs := make([]detect.Extractor, 0, len(src.Fields))
	for _, fld := range src.Fields {
		ex, err := fld.Bind(arg(fld))
		if err != nil {
			tb.Fatal(fld.Name, err)
		}
		exs = append(exs, ex)
	}
	return exs
}

// ExtractAll runs every extractor on e and drops the values: it only shows that none
// panics on what a decoder produced.
func ExtractAll(exs []detect.Extractor, e detect.Event) {
	for _, ex := range exs {
		switch {
		case ex.Str != nil:
			ex.Str(e)
		case ex.Strs != nil:
			ex.Strs(e, nil)
		case ex.Num != nil:
			ex.Num(e)
		}
	}
}
