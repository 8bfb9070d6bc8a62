package cli

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/eksguard/eksguard/pkg/compliance"
)

const rbacManifests = `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: ops-admin
subjects:
  - kind: User
    name: alice@example.com
    apiGroup: rbac.authorization.k8s.io
roleRef:
  kind: ClusterRole
  name: cluster-admin
  apiGroup: rbac.authorization.k8s.io
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: reader
  namespace: shop
rules:
  - apiGroups: [""]
    resources: ["configmaps"]
    verbs: ["get"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: reader
  namespace: shop
subjects:
  - kind: ServiceAccount
    name: web
    namespace: shop
roleRef:
  kind: Role
  name: reader
  apiGroup: rbac.authorization.k8s.io
`

func controls(t *testing.T, r *compliance.Report) map[string]compliance.Control {
	t.Helper()
	out := map[string]compliance.Control{}
	for _, s := range r.Sections {
		for _, c := range s.Controls {
			out[c.ID] = c
		}
	}
	return out
}

// The compliance view end to end: RBAC findings from a directory read as one set, the view
// in the JSON report, replayed by report convert into every other format.
func TestScanCompliance(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "rbac.yaml", rbacManifests)
	saved := filepath.Join(t.TempDir(), "report.json")
	code, out, errs := run(t, "", "scan", dir, "--compliance", "cis-eks-1.8", "-f", "json", "-o", "json="+saved)
	if code != ExitFindings {
		t.Fatalf("exit %d\n%s", code, errs)
	}
	d := decode(t, out)
	if len(d.Summary.Compliance) != 1 {
		t.Fatalf("compliance views: %d", len(d.Summary.Compliance))
	}
	c := controls(t, d.Summary.Compliance[0])
	if got := c["4.1.1"]; got.Status != compliance.Fail || got.Failures != 1 {
		t.Errorf("4.1.1: %+v", got)
	}
	if got := c["4.1.2"]; got.Status != compliance.Pass {
		t.Errorf("4.1.2: %+v", got)
	}
	if got := c["4.2.1"]; got.Status != compliance.NotEvaluated || !strings.Contains(got.Reason, "no workloads") {
		t.Errorf("4.2.1 with no workloads: %+v", got)
	}
	if got := c["4.3.1"]; got.Status != compliance.Manual || got.Reason == "" {
		t.Errorf("4.3.1: %+v", got)
	}
	if got := c["4.1.7"]; got.Status != compliance.NotEvaluated || !strings.Contains(got.Reason, "run eksguard scan aws") {
		t.Errorf("4.1.7: %+v", got)
	}
	var chain string
	for _, f := range d.Findings {
		if f.RuleID == "rbac/cluster-admin-binding" {
			chain = f.Evidence["chain"]
		}
	}
	if chain != "User alice@example.com -> ClusterRoleBinding/ops-admin -> ClusterRole/cluster-admin -> all verbs on all resources" {
		t.Errorf("chain %q", chain)
	}
	for format, want := range map[string]string{
		"table": "FAIL          4.1.1",
		"junit": `<testsuite name="compliance cis-eks-1.8"`,
		"sarif": `"compliance": [`,
		"json":  `"benchmark":"cis-eks-1.8"`,
	} {
		code, out, errs := run(t, "", "report", "convert", saved, "-f", format)
		if code != ExitFindings && code != ExitClean {
			t.Fatalf("convert to %s: exit %d\n%s", format, code, errs)
		}
		if !strings.Contains(out, want) {
			t.Errorf("%s lacks %q", format, want)
		}
	}
	if code, _, errs := run(t, "", "scan", dir, "--compliance", "cis-eks-9"); code != ExitUsage || !strings.Contains(errs, "cis-eks-1.8") {
		t.Errorf("unknown benchmark: exit %d, %s", code, errs)
	}
}

// An annotation on the object a cluster-wide finding is about exempts it, as for findings
// on single objects.
func TestClusterFindingExemptedByAnnotation(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "rbac.yaml", strings.Replace(rbacManifests, "  name: ops-admin\n",
		"  name: ops-admin\n  annotations:\n    exempt.eksguard.io/rbac.cluster-admin-binding: break-glass account\n", 1))
	cfg := write(t, t.TempDir(), "eksguard.yaml", "annotationExemptions: true\n")
	code, out, errs := run(t, "", "scan", dir, "--config", cfg, "--rules", "rbac/cluster-admin-binding", "-f", "json", "--compliance", "cis-eks-1.8")
	if code != ExitClean {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
	d := decode(t, out)
	if len(d.Findings) != 1 || d.Findings[0].Suppressed == nil || d.Findings[0].Suppressed.Reason != "break-glass account" {
		t.Fatalf("findings %+v", d.Findings)
	}
	if c := controls(t, d.Summary.Compliance[0])["4.1.1"]; c.Status != compliance.Pass || c.Exempted != 1 {
		t.Errorf("4.1.1: %+v", c)
	}
}

// Without cluster-wide rules no snapshot is built; workload rules still count as evaluated
// and RBAC controls as not evaluated (no rule for them ran).
func TestComplianceWithoutClusterRules(t *testing.T) {
	code, out, errs := run(t, privilegedPod, "scan", "-", "--rules", "pod", "-f", "json", "--compliance", "cis-eks-1.8")
	if code != ExitFindings {
		t.Fatalf("exit %d\n%s", code, errs)
	}
	c := controls(t, decode(t, out).Summary.Compliance[0])
	if c["4.2.1"].Status != compliance.Fail || c["4.2.2"].Status != compliance.Pass || c["4.1.1"].Status != compliance.NotEvaluated {
		t.Errorf("4.2.1 %+v, 4.2.2 %+v, 4.1.1 %+v", c["4.2.1"], c["4.2.2"], c["4.1.1"])
	}
}
