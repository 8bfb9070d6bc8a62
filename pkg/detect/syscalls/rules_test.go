package syscalls

import (
	"os"
	"testing"

	"github.com/eksguard/eksguard/internal/testenv"
	"github.com/eksguard/eksguard/pkg/detect"
)

// talkRules are the four rules of the talk's runtime demo.
var talkRules = []string{"Terminal shell in container", "Write below etc", "Mkdir binary dirs", "Read sensitive file untrusted"}

func loadUpstream(t *testing.T, files ...string) *detect.Ruleset {
	t.Helper()
	l := detect.NewLoader(Source())
	l.InactiveOnUnknownField = true
	for _, f := range files {
		p := testenv.Reference(t, "falco-upstream-rules/"+f)
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		l.Load(f, data)
	}
	rs, err := l.Compile()
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

func TestUpstreamRulesLoadUnchanged(t *testing.T) {
	rs := loadUpstream(t, "falco_rules.yaml", "falco-incubating_rules.yaml", "falco-sandbox_rules.yaml")
	active := map[string]bool{}
	for _, r := range rs.Rules {
		active[r.Name] = true
	}
	for _, n := range talkRules {
		if !active[n] {
			for _, in := range rs.Inactive {
				if in.Name == n {
					t.Errorf("%s is inactive: %s", n, in.Reason)
				}
			}
			t.Errorf("talk rule %q is not active", n)
		}
	}
	t.Logf("%d of %d rules active", len(rs.Rules), len(rs.Rules)+len(rs.Inactive))
	for _, in := range rs.Inactive {
		t.Logf("inactive: %s: %s", in.Name, in.Reason)
	}
}
