package all

import (
	"context"
	"testing"

	"github.com/eksguard/eksguard/pkg/engine"
	"github.com/eksguard/eksguard/pkg/finding"
	"github.com/eksguard/eksguard/pkg/image/imagetest"
	"github.com/eksguard/eksguard/pkg/rule"
)

// checkImageFile builds the image a fixture describes (pkg/image/imagetest) as a real OCI
// layout, scans it as eksguard does, and runs rule r on it.
func checkImageFile(t *testing.T, r rule.Rule, s rule.Settings, file string) []finding.Finding {
	t.Helper()
	spec, err := imagetest.Load(file)
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	tg, err := spec.Target(t.TempDir())
	if err != nil {
		t.Fatalf("%s: fixture does not build: %v", file, err)
	}
	e := engine.New([]rule.Rule{r}, s, nil)
	out := e.Check(context.Background(), tg)
	for _, f := range out {
		if f.Status == finding.StatusError {
			t.Errorf("%s: rule error: %s", file, f.Message)
		}
	}
	return out
}
