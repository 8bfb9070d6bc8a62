package policyexport_test

import (
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/eksguard/eksguard/pkg/policyexport"
	"github.com/eksguard/eksguard/rules/all"
)

func renderDocs(t *testing.T, format string, o policyexport.Options) []map[string]any {
	t.Helper()
	ps, _ := policyexport.Select(all.Registry().All())
	out, err := policyexport.Render(format, ps, o)
	if err != nil {
		t.Fatal(err)
	}
	var docs []map[string]any
	for _, part := range strings.Split(string(out), "\n---\n") {
		var m map[string]any
		if err := yaml.UnmarshalStrict([]byte(part), &m); err != nil {
			t.Fatalf("%s: a document does not parse: %v", format, err)
		}
		docs = append(docs, m)
	}
	return docs
}

func get(m any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			mm, _ := m.(map[string]any)
			m = mm[k]
		case int:
			l, _ := m.([]any)
			if k >= len(l) {
				return nil
			}
			m = l[k]
		}
	}
	return m
}

// Kyverno and Gatekeeper cannot run here: their output is checked for shape, for carrying
// exactly the CEL the API server test runs, and against their CRDs (engines_test.go).
func TestKyvernoShape(t *testing.T) {
	ps, _ := policyexport.Select(all.Registry().All())
	docs := renderDocs(t, policyexport.FormatKyverno, policyexport.Options{Excluded: []string{"kube-system"}})
	if len(docs) != len(ps) {
		t.Fatalf("%d documents for %d policies", len(docs), len(ps))
	}
	for i, d := range docs {
		if d["apiVersion"] != "kyverno.io/v1" || d["kind"] != "ClusterPolicy" {
			t.Errorf("document %d: %v %v", i, d["apiVersion"], d["kind"])
		}
		rule := get(d, "spec", "rules", 0)
		if get(rule, "validate", "cel", "expressions", 0, "expression") != ps[i].Expression {
			t.Errorf("%s: the expression differs from the VAP's", ps[i].Meta.ID)
		}
		if get(rule, "validate", "failureAction") != "Enforce" || get(d, "spec", "validationFailureAction") != "Enforce" {
			t.Errorf("%s: not enforced", ps[i].Meta.ID)
		}
		if n := len(get(rule, "validate", "cel", "variables").([]any)); n != len(policyexport.Variables) {
			t.Errorf("%s: %d variables", ps[i].Meta.ID, n)
		}
		if get(rule, "exclude", "any", 0, "resources", "namespaces", 0) != "kube-system" {
			t.Errorf("%s: kube-system not excluded", ps[i].Meta.ID)
		}
		if get(d, "metadata", "annotations", "pod-policies.kyverno.io/autogen-controllers") != "none" {
			t.Errorf("%s: autogen on, the rule would run twice on controllers", ps[i].Meta.ID)
		}
	}
	audit := renderDocs(t, policyexport.FormatKyverno, policyexport.Options{Action: "Audit"})
	if get(audit[0], "spec", "rules", 0, "validate", "failureAction") != "Audit" {
		t.Error("--action Audit not carried")
	}
}

func TestGatekeeperShape(t *testing.T) {
	ps, _ := policyexport.Select(all.Registry().All())
	docs := renderDocs(t, policyexport.FormatGatekeeper, policyexport.Options{Action: "Warn", Excluded: []string{"kube-system"}})
	if len(docs) != 2*len(ps) {
		t.Fatalf("%d documents for %d policies", len(docs), len(ps))
	}
	for i := 0; i < len(docs); i += 2 {
		tmpl, c := docs[i], docs[i+1]
		p := ps[i/2]
		kind := get(tmpl, "spec", "crd", "spec", "names", "kind").(string)
		if tmpl["kind"] != "ConstraintTemplate" || tmpl["apiVersion"] != "templates.gatekeeper.sh/v1" || get(tmpl, "metadata", "name") != strings.ToLower(kind) {
			t.Errorf("%s: template %v %v %v", p.Meta.ID, tmpl["apiVersion"], tmpl["kind"], get(tmpl, "metadata", "name"))
		}
		code := get(tmpl, "spec", "targets", 0, "code", 0)
		if get(tmpl, "spec", "targets", 0, "target") != "admission.k8s.gatekeeper.sh" || get(code, "engine") != "K8sNativeValidation" ||
			get(code, "source", "validations", 0, "expression") != p.Expression {
			t.Errorf("%s: template code %v", p.Meta.ID, code)
		}
		if c["kind"] != kind || c["apiVersion"] != "constraints.gatekeeper.sh/v1beta1" || get(c, "spec", "enforcementAction") != "warn" ||
			get(c, "spec", "match", "excludedNamespaces", 0) != "kube-system" {
			t.Errorf("%s: constraint %v", p.Meta.ID, c)
		}
	}
}

func TestSelectSaysWhy(t *testing.T) {
	ps, skipped := policyexport.Select(all.Registry().All())
	if len(ps) < 11 {
		t.Errorf("%d exportable rules", len(ps))
	}
	for _, s := range skipped {
		if s.Reason == "" {
			t.Errorf("%s skipped without a reason", s.ID)
		}
	}
	if _, err := policyexport.Render("rego", ps, policyexport.Options{}); err == nil {
		t.Error("unknown format accepted")
	}
	if _, err := policyexport.Render(policyexport.FormatVAP, ps, policyexport.Options{Action: "Block"}); err == nil {
		t.Error("unknown action accepted")
	}
}
