package all

import (
	"bufio"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/eksguard/eksguard/pkg/compliance"
	"github.com/eksguard/eksguard/pkg/ref"
)

// TestCISComplianceInputs keeps the CIS EKS view's map of control -> inputs equal to what
// the rules reference: a control lists exactly the inputs (node, kubernetes, aws) of the
// rules that reference it, so that "not evaluated" names the right scan, and a control no
// rule covers is left to an assessor with a reason. The manual notes follow the benchmark's
// own Manual/Automated type.
func TestCISComplianceInputs(t *testing.T) {
	b, err := compliance.Lookup(compliance.CISEKS)
	if err != nil {
		t.Fatal(err)
	}
	fed := map[string][]compliance.Input{}
	for _, r := range Registry().All() {
		for _, rf := range r.Meta().References {
			in := compliance.InputOf(r.Meta().Target)
			if rf.Kind != ref.CISEKS || in == "" || slices.Contains(fed[rf.ID], in) {
				continue
			}
			fed[rf.ID] = append(fed[rf.ID], in)
		}
	}
	manual := cisManualIDs(t)
	n := 0
	for _, s := range b.Sections {
		for _, c := range s.Controls {
			n++
			got, want := slices.Clone(c.Inputs), fed[c.ID]
			slices.Sort(got)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("%s: the view says inputs %v, the rules referencing it read %v", c.ID, got, want)
			}
			if len(c.Inputs) == 0 && c.Manual == "" {
				t.Errorf("%s: no rule covers it and it has no manual reason", c.ID)
			}
			if manual != nil && manual[c.ID] != (c.Manual != "") {
				t.Errorf("%s: benchmark type manual=%v, view manual reason %q", c.ID, manual[c.ID], c.Manual)
			}
		}
	}
	if n != len(ref.CISControls()) {
		t.Errorf("view has %d controls, eksguard knows %d", n, len(ref.CISControls()))
	}
}

// cisManualIDs reads which controls the published check list marks manual (nil when the
// list is not available).
func cisManualIDs(t *testing.T) map[string]bool {
	f, err := os.Open(filepath.Join(repoRoot, "..", "shared", "reference", "cis-eks", "eks-1.8.0-checks.tsv"))
	if err != nil {
		t.Logf("CIS EKS reference list not available: %v", err)
		return nil
	}
	defer f.Close()
	out := map[string]bool{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		cols := strings.Split(sc.Text(), "\t")
		if len(cols) > 2 && cols[1] != "id" {
			out[cols[1]] = cols[2] == "manual"
		}
	}
	return out
}
