package json

import (
	"encoding/json"
	"testing"

	"github.com/eksguard/eksguard/pkg/report/reporttest"
)

// TestAppendFindingMatchesEncodingJSON holds the hand encoder to encoding/json on every
// fixture finding, hostile strings included.
func TestAppendFindingMatchesEncodingJSON(t *testing.T) {
	n := 0
	for _, g := range reporttest.Groups() {
		for i := range g.Findings {
			want, err := json.Marshal(&g.Findings[i])
			if err != nil {
				t.Fatal(err)
			}
			if got := appendFinding(nil, &g.Findings[i]); string(got) != string(want) {
				t.Errorf("finding %d:\n got %s\nwant %s", n, got, want)
			}
			n++
		}
	}
	if n < 5 {
		t.Fatalf("only %d fixture findings", n)
	}
}
