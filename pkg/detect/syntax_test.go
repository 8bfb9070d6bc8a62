package detect

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/eksguard/eksguard/internal/testenv"
	"go.yaml.in/yaml/v3"
)

// Every condition in every upstream Falco rule file, the syscall ones included, parses:
// the grammar is the one the later syscall source needs too.
func TestUpstreamConditionsParse(t *testing.T) {
	dir := testenv.Reference(t, "falco-upstream-rules")
	files, _ := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if len(files) < 5 {
		t.Fatalf("upstream rule files not found in %s", dir)
	}
	n := 0
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var items []map[string]any
		if err := yaml.Unmarshal(data, &items); err != nil {
			t.Fatal(err)
		}
		for _, it := range items {
			cond, ok := it["condition"].(string)
			if !ok {
				continue
			}
			n++
			if _, err := parseCondition(cond); err != nil {
				t.Errorf("%s: %v: %v\n%s", filepath.Base(f), it["rule"], err, cond)
			}
		}
	}
	if n < 300 {
		t.Errorf("only %d conditions", n)
	}
}
