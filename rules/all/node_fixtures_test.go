package all

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/eksguard/eksguard/internal/hosttree"
	"github.com/eksguard/eksguard/pkg/engine"
	"github.com/eksguard/eksguard/pkg/finding"
	"github.com/eksguard/eksguard/pkg/rule"
	"github.com/eksguard/eksguard/pkg/source/node"
	"github.com/eksguard/eksguard/pkg/target"
)

// targetFixtures run the fixtures of rules whose targets are not manifests.
var targetFixtures = map[target.Kind]func(t *testing.T, r rule.Rule, dir string){
	target.KindNode: nodeFixtures,
}

// nodeFixtures builds each host-tree spec (rules/node/testdata/<name>/{pass,fail}/*.yaml)
// into a temporary directory with real modes and owners, loads it as a node and checks:
// pass gives no finding, fail gives a failing finding (not an unknown).
func nodeFixtures(t *testing.T, r rule.Rule, dir string) {
	for _, kind := range []string{"pass", "fail"} {
		files, _ := filepath.Glob(filepath.Join(dir, kind, "*.yaml"))
		if len(files) == 0 {
			t.Errorf("no %s fixtures in %s", kind, filepath.Join(dir, kind))
		}
		for _, f := range files {
			root := t.TempDir()
			if err := hosttree.BuildFile(f, root); err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			n, err := node.Load(node.Options{HostRoot: root})
			if err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			judgeFixture(t, f, kind, engine.New([]rule.Rule{r}, rule.DefaultSettings(), nil).Check(context.Background(), n))
		}
	}
}

// judgeFixture checks one fixture's findings: pass gives none, fail gives a failing finding,
// and neither gives an unknown or error.
func judgeFixture(t *testing.T, fixture, kind string, got []finding.Finding) {
	t.Helper()
	fails := 0
	for _, x := range got {
		if x.Status == finding.StatusFail {
			fails++
		} else {
			t.Errorf("%s: %s finding: %s", fixture, x.Status, x.Message)
		}
	}
	switch {
	case kind == "pass" && len(got) > 0:
		t.Errorf("%s: want no finding, got %d: %s", fixture, len(got), got[0].Message)
	case kind == "fail" && fails == 0:
		t.Errorf("%s: want a failing finding, got none", fixture)
	}
}
