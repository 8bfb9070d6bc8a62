package aws

import (
	"os"
	"regexp"
	"sort"
	"testing"

	"github.com/eksguard/eksguard/pkg/iampolicy"
)

// TestReadOnlyPolicyIsMinimal: deploy/aws-readonly-policy.json allows exactly the actions
// the fetcher calls (as named in fetch.go), no more and no less, and no write action.
func TestReadOnlyPolicyIsMinimal(t *testing.T) {
	data, err := os.ReadFile("../../../deploy/aws-readonly-policy.json")
	if err != nil {
		t.Fatal(err)
	}
	p, err := iampolicy.Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	src, _ := os.ReadFile("fetch.go")
	used := map[string]bool{}
	for _, m := range regexp.MustCompile(`"([a-z0-9]+:[A-Z][A-Za-z]+)"`).FindAllStringSubmatch(string(src), -1) {
		used[m[1]] = true
	}
	used["iam:GetPolicy"] = true // called before iam:GetPolicyVersion, under that answer's name
	var allowed []string
	for _, a := range p.Actions() {
		allowed = append(allowed, a)
		if !used[a] {
			t.Errorf("policy allows %s, which eksguard does not call", a)
		}
		if !regexp.MustCompile(`:(Describe|List|Get)`).MatchString(a) {
			t.Errorf("%s is not a read action", a)
		}
	}
	sort.Strings(allowed)
	for a := range used {
		if p.Evaluate(iampolicy.Request{Action: a, Resource: "*"}) != iampolicy.Allowed {
			t.Errorf("eksguard calls %s, which the policy does not allow", a)
		}
	}
}
