// Package testenv gives tests the products that hack/setup builds (an API server, a
// registry, a Debian image, vulnerability data). Tests call it instead of reading the
// environment themselves, so that every such test skips or fails the same way.
package testenv

import (
	"os"
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
