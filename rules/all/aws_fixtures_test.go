package all

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/eksguard/eksguard/internal/awsfixture"
	"github.com/eksguard/eksguard/pkg/engine"
	"github.com/eksguard/eksguard/pkg/rule"
	awssrc "github.com/eksguard/eksguard/pkg/source/aws"
	"github.com/eksguard/eksguard/pkg/target"
)

func init() { targetFixtures[target.KindAWS] = awsFixtures }

// awsFixtures runs each snapshot case (rules/aws/testdata/<name>/{pass,fail}/<case>/: a
// BASE snapshot, good or bad, with the case's files laid over it): pass gives no finding,
// fail gives a failing finding and no unknown.
func awsFixtures(t *testing.T, r rule.Rule, dir string) {
	for _, kind := range []string{"pass", "fail"} {
		cases, _ := os.ReadDir(filepath.Join(dir, kind))
		if len(cases) == 0 {
			t.Errorf("no %s fixtures in %s", kind, filepath.Join(dir, kind))
		}
		for _, c := range cases {
			p := filepath.Join(dir, kind, c.Name())
			s, err := awsfixture.Overlay(p)
			if err != nil {
				t.Fatalf("%s: %v", p, err)
			}
			a, errs := awssrc.Build(s, p)
			if a == nil || len(errs) > 0 {
				t.Fatalf("%s: %v", p, errs)
			}
			judgeFixture(t, p, kind, engine.New([]rule.Rule{r}, rule.DefaultSettings(), nil).Check(context.Background(), a))
		}
	}
}
