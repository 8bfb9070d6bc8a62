// Package layering holds the test that keeps the dependency graph layered, as the design
// guide asks: the finding model and references use the standard library only; rules use
// only API types, never clients, SDKs or reporters.
package layering

import (
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/eksguard/eksguard"

// deps lists the packages pkg imports, transitively.
func deps(t *testing.T, pkg string) []string {
	t.Helper()
	out, err := exec.Command("go", "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", pkg).Output()
	if err != nil {
		t.Skipf("go list unavailable: %v", err)
	}
	return strings.Fields(string(out))
}

func TestStdlibOnly(t *testing.T) {
	for _, p := range []string{module + "/pkg/finding", module + "/pkg/ref"} {
		for _, d := range deps(t, p) {
			if d != p {
				t.Errorf("%s must use the standard library only, but imports %s", p, d)
			}
		}
	}
}

func TestRulesStayPure(t *testing.T) {
	forbidden := []string{
		"k8s.io/client-go", "sigs.k8s.io/controller-runtime", "github.com/aws/", "github.com/google/go-containerregistry",
		"github.com/cilium/ebpf", module + "/pkg/report", module + "/pkg/source", module + "/internal/",
		module + "/pkg/engine", module + "/pkg/scan",
	}
	for _, root := range []string{module + "/rules/pod", module + "/rules/pss", module + "/rules/object", module + "/rules/node", module + "/rules/aws", module + "/rules/image", module + "/rules/rbac", module + "/rules/identity"} {
		for _, d := range deps(t, root) {
			for _, f := range forbidden {
				if strings.HasPrefix(d, f) {
					t.Errorf("%s imports %s: rules use API types only", root, d)
				}
			}
		}
	}
}
