package cli

import (
	"strings"
	"testing"
)

func TestPolicyExport(t *testing.T) {
	code, out, stderr := run(t, "", "policy", "export", "--rules", "pod/privileged,pod/image-tag")
	if code != 0 || !strings.Contains(out, "kind: ValidatingAdmissionPolicy\n") || !strings.Contains(out, "kind: ValidatingAdmissionPolicyBinding\n") ||
		!strings.Contains(out, "name: eksguard-pod-privileged") || strings.Contains(out, "image-tag") {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	if !strings.Contains(stderr, "pod/image-tag not exported: parses image references") {
		t.Errorf("stderr: %q", stderr)
	}
	code, out, _ = run(t, "", "policy", "export", "--list")
	if code != 0 || !strings.Contains(out, "pod/host-pid                     exported") || !strings.Contains(out, "pod/secret-env                   not exported: ") {
		t.Errorf("--list: exit %d\n%s", code, out)
	}
	for _, args := range [][]string{
		{"policy", "export", "--format", "rego"},
		{"policy", "export", "--action", "Block"},
		{"policy", "export", "--rules", "pod/image-tag"},
		{"policy", "export", "--rules", "nosuch/rule"},
	} {
		if code, _, stderr := run(t, "", args...); code != ExitUsage || stderr == "" {
			t.Errorf("%v: exit %d %q", args, code, stderr)
		}
	}
}
