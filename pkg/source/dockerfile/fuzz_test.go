package dockerfile

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse drives the whole Dockerfile path: BuildKit's parser, the typed instructions,
// ARG expansion, the shell parser over RUN (heredocs included) and the ignore comments.
// Seeds: testdata/fuzz/FuzzParse (reproducers of crashes in other Dockerfile parsers) and
// the rule fixtures.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("../../../rules/dockerfile/testdata/*/*/*.Dockerfile")
	for _, file := range files {
		if data, err := os.ReadFile(file); err == nil {
			f.Add(data)
		}
	}
	lim := DefaultLimits()
	lim.MaxFileBytes = 1 << 16
	f.Fuzz(func(t *testing.T, data []byte) {
		res := Parse("Dockerfile", data, lim)
		if res.Target == nil && len(res.Errors) == 0 {
			t.Fatal("neither a target nor an error")
		}
		if res.Target != nil {
			res.Target.Redact(string(data))
		}
	})
}

// FuzzIgnore drives the .dockerignore path: the ignore-file reader and the pattern
// matcher, over patterns and a path to match. Seeds: testdata/fuzz/FuzzIgnore and the
// rule fixtures' ignore files.
func FuzzIgnore(f *testing.F) {
	files, _ := filepath.Glob("../../../rules/dockerfile/testdata/*/*/*.dockerignore")
	for _, file := range files {
		if data, err := os.ReadFile(file); err == nil {
			f.Add(data, ".git/config")
		}
	}
	f.Fuzz(func(t *testing.T, data []byte, path string) {
		if len(data) > MaxIgnoreBytes {
			return
		}
		pm, err := ParseIgnore(data)
		if err != nil {
			return
		}
		pm.MatchesOrParentMatches(path)
	})
}
