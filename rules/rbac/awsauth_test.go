package rbac

import (
	"strings"
	"testing"
)

func TestParseAWSAuthList(t *testing.T) {
	es, err := ParseAWSAuthList("- rolearn: arn:aws:iam::111122223333:role/ops\n  username: ops\n  groups: [system:masters]\n- userarn: arn:aws:iam::111122223333:user/alice\n")
	if err != nil || len(es) != 2 || es[0].ARN() != "arn:aws:iam::111122223333:role/ops" || es[0].Groups[0] != "system:masters" || es[1].ARN() != "arn:aws:iam::111122223333:user/alice" {
		t.Fatalf("got %+v, %v", es, err)
	}
	for _, bad := range []string{"rolearn: x", "- [", "- rolearn: [1, 2]"} {
		if _, err := ParseAWSAuthList(bad); err == nil {
			t.Errorf("%q: want an error", bad)
		}
	}
	if _, err := ParseAWSAuthList(strings.Repeat("- {}\n", maxAWSAuthEntries+1)); err == nil {
		t.Error("over the entry limit: want an error")
	}
}

func FuzzParseAWSAuthList(f *testing.F) {
	f.Add("- rolearn: arn:aws:iam::111122223333:role/ops\n  username: ops\n  groups:\n    - system:masters\n")
	f.Add("- userarn: arn:aws:iam::111122223333:user/alice\n  groups: [\"a\", \"b\"]\n")
	f.Add("- &a {groups: [x]}\n- *a\n")
	f.Fuzz(func(t *testing.T, s string) {
		es, err := ParseAWSAuthList(s)
		if err == nil && len(es) > maxAWSAuthEntries {
			t.Fatalf("%d entries returned", len(es))
		}
	})
}
