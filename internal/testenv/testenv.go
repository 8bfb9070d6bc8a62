// Package testenv gives tests the products that hack/setup builds (an API server, a
// registry, a Debian image, vulnerability data). Tests call it instead of reading the
// environment themselves, so that every such test skips or fails the same way.
package testenv

import (
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// Path returns the value of the environment variable a hack/setup step exports. When it is
// unset or names nothing on disk, the test skips during local development and fails when
// EKSGUARD_REQUIRE_SETUP=1 (set by hack/test.sh), so CI never passes by skipping.
func Path(t testing.TB, env string) string {
	t.Helper()
	p := os.Getenv(env)
	if p != "" {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	msg := env + " is not set or names nothing on disk; run ./hack/test.sh (it builds the test set-up)"
	if os.Getenv("EKSGUARD_REQUIRE_SETUP") == "1" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// Reference returns the path of rel inside the shared reference data (upstream rule files,
// the CIS check list) that sits beside the repository as ../shared/reference. It looks in
// $EKSGUARD_SHARED_DIR/reference first, then beside the module root, then in /work/shared.
// When it is not found, the test skips locally and fails under EKSGUARD_REQUIRE_SETUP=1.
func Reference(t testing.TB, rel string) string {
	t.Helper()
	var dirs []string
	if d := os.Getenv("EKSGUARD_SHARED_DIR"); d != "" {
		dirs = append(dirs, d)
	}
	if wd, err := os.Getwd(); err == nil {
		for d := wd; ; d = filepath.Dir(d) {
			if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
				dirs = append(dirs, filepath.Join(d, "..", "shared"))
				break
			}
			if filepath.Dir(d) == d {
				break
			}
		}
	}
	dirs = append(dirs, "/work/shared")
	for _, d := range dirs {
		p := filepath.Join(d, "reference", rel)
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	msg := "shared reference data " + rel + " not found beside the repository (../shared/reference) or in $EKSGUARD_SHARED_DIR"
	if os.Getenv("EKSGUARD_REQUIRE_SETUP") == "1" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// Gunzip reads a gzipped test fixture whole, failing the test on any error.
func Gunzip(t testing.TB, path string) []byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return b
}
