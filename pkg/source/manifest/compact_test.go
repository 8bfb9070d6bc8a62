package manifest

import (
	"testing"

	"github.com/eksguard/eksguard/pkg/target"
)

// A compact locator answers as the parse tree does for the paths it keeps, and with the
// nearest kept ancestor for deeper ones.
func TestCompactOrigin(t *testing.T) {
	doc := "# comment\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  labels:\n    app.kubernetes.io/name: web\nspec:\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      serviceAccountName: web\n      containers:\n        - name: web\n          image: nginx\n          ports:\n            - containerPort: 80\n---\napiVersion: v1\nkind: List\nitems:\n  - apiVersion: v1\n    kind: ServiceAccount\n    metadata:\n      name: api\n"
	res := Load("x.yaml", []byte(doc), Options{Limits: DefaultLimits()})
	if len(res.Errors) > 0 || len(res.Targets) != 2 {
		t.Fatalf("load: %v, %d targets", res.Errors, len(res.Targets))
	}
	w := res.Targets[0].(*target.Workload)
	c := CompactOrigin(w.Origin, 5)
	if _, ok := c.Locator.(*flatLocator); !ok {
		t.Fatalf("locator %T", c.Locator)
	}
	for _, p := range []string{"", "metadata.name", target.Key("metadata.labels", "app.kubernetes.io/name"), "spec.template.spec.serviceAccountName",
		"spec.template.metadata.labels.app", "spec.template.spec.containers[0]", "spec.template.spec.missing"} {
		wl, wc := w.Origin.Locator.Line(p)
		gl, gc := c.Locator.Line(p)
		if wl != gl || wc != gc {
			t.Errorf("%q: compact %d:%d, tree %d:%d", p, gl, gc, wl, wc)
		}
	}
	// Deeper than kept: the nearest kept ancestor.
	if l, _ := c.Locator.Line("spec.template.spec.containers[0].ports[0].containerPort"); l != 15 {
		t.Errorf("deep path at line %d, want 15 (the container)", l)
	}
	sa := res.Targets[1].(*target.Object)
	cs := CompactOrigin(sa.Origin, 4)
	if l, _ := cs.Locator.Line("metadata.name"); l != 26 {
		t.Errorf("list item name at line %d, want 26", l)
	}
}
