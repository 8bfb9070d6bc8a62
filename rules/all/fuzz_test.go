package all

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/eksguard/eksguard/pkg/engine"
	"github.com/eksguard/eksguard/pkg/rule"
	"github.com/eksguard/eksguard/pkg/scan"
	"github.com/eksguard/eksguard/pkg/snapshot"
	"github.com/eksguard/eksguard/pkg/source/manifest"
	"github.com/eksguard/eksguard/pkg/target"
)

// FuzzClusterRules: whatever objects a manifest holds, every cluster-wide rule evaluates the
// snapshot without panicking (a contained panic becomes an error finding, caught here).
// Seeds: every cluster-wide rule's fixtures.
func FuzzClusterRules(f *testing.F) {
	var rules []rule.Rule
	for _, r := range Registry().All() {
		if r.Meta().Target == target.KindCluster {
			rules = append(rules, r)
		}
	}
	for _, r := range rules {
		files, _ := filepath.Glob(filepath.Join(fixtureDir(r.Meta().ID), "*", "*.yaml"))
		more, _ := filepath.Glob(filepath.Join(fixtureDir(r.Meta().ID), "*", "*", "*.yaml"))
		for _, file := range append(files, more...) {
			if data, err := os.ReadFile(file); err == nil {
				f.Add(data)
			}
		}
	}
	e := engine.New(rules, rule.DefaultSettings(), nil)
	f.Fuzz(func(t *testing.T, data []byte) {
		res := manifest.Load("in.yaml", data, manifest.Options{Limits: manifest.DefaultLimits()})
		snap := snapshot.New()
		for _, tg := range res.Targets {
			scan.Collect(snap, tg)
		}
		for _, fd := range e.Check(context.Background(), snap) {
			if strings.Contains(fd.Message, "internal error (panic") {
				t.Fatalf("%s: %s", fd.RuleID, fd.Message)
			}
		}
	})
}
