package manifest

import "testing"

func TestHelmSourceOnFindings(t *testing.T) {
	out := "---\n# Source: shop/templates/sa.yaml\napiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: shop\n" +
		"---\n# Source: shop/templates/deploy.yaml\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: shop\nspec:\n  template:\n    spec:\n      containers:\n      - name: c\n        image: x:1\n" +
		"---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: plain\n  # Source: not/a/header.yaml\n"
	res := Load("rendered.yaml", []byte(out), Options{Limits: DefaultLimits()})
	if len(res.Errors) > 0 || len(res.Targets) != 3 {
		t.Fatalf("errors %v, %d targets", res.Errors, len(res.Targets))
	}
	for i, want := range []string{"shop/templates/sa.yaml", "shop/templates/deploy.yaml", ""} {
		if got := res.Targets[i].Locate("metadata.name").Template; got != want {
			t.Errorf("target %d: template %q, want %q", i, got, want)
		}
	}
}
