package manifest

import (
	"strings"
	"testing"

	yaml "go.yaml.in/yaml/v3"

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

// Objects of one shape share their list of paths; a key with a NUL in it, whose joined
// paths equal another list's, does not take that list's positions.
func TestCompactSharedPaths(t *testing.T) {
	a := Load("a.yaml", []byte("apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: a\n"), Options{Limits: DefaultLimits()})
	b := Load("b.yaml", []byte("\n\napiVersion: v1\nkind: ServiceAccount\nmetadata:\n    name: b\n"), Options{Limits: DefaultLimits()})
	la := CompactOrigin(a.Targets[0].(*target.Object).Origin, 4).Locator.(*flatLocator)
	lb := CompactOrigin(b.Targets[0].(*target.Object).Origin, 4).Locator.(*flatLocator)
	if la.paths != lb.paths {
		t.Errorf("same shape, different path lists")
	}
	if l, c := lb.Line("metadata.name"); l != 6 || c != 5 {
		t.Errorf("b metadata.name at %d:%d, want 6:5", l, c)
	}
	if l, c := la.Line("metadata.name"); l != 4 || c != 3 {
		t.Errorf("a metadata.name at %d:%d, want 4:3", l, c)
	}
	x := sharedPaths([]string{"p", "q"})
	y := sharedPaths([]string{"p\x00q"})
	if i, ok := y.index("p\x00q"); x == y || len(y.paths) != 1 || !ok || i != 0 {
		t.Errorf("NUL key shares the list of another shape: %v", y.paths)
	}
	// Positions that do not fit the packed form.
	f := flatten(resolveDoc(t, "a: 1\nb: {"+strings.Repeat(" ", 5000)+"c: 2}\n"), 2_000_000, 4)
	if f.wide == nil {
		t.Errorf("column 5005 packed")
	}
	if l, c := f.Line("b.c"); l != 2_000_002 || c != 5005 {
		t.Errorf("wide b.c at %d:%d", l, c)
	}
}

func resolveDoc(t *testing.T, doc string) *yaml.Node {
	t.Helper()
	root, err := parseTree([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	return root
}
