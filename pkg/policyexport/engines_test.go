package policyexport_test

import (
	"context"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/yaml"

	"github.com/eksguard/eksguard/internal/testbed"
	"github.com/eksguard/eksguard/internal/testenv"
	"github.com/eksguard/eksguard/pkg/policyexport"
)

// The engines' schemas come from hack/setup/61-policy-crds.sh (Kyverno v1.19.1, Gatekeeper
// v3.23.1). Neither engine runs here: their policies are validated against the engines'
// own CRDs by the real API server with strict field validation, so an unknown or misplaced
// field is an error; the CEL they carry is the one TestVAPMatchesEngine runs.

func policyCRDs(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(testenv.Path(t, "EKSGUARD_POLICY_CRDS"), name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// createStrict creates every document of out in the API server as a dry run with strict
// field validation, and returns how many it created.
func createStrict(t *testing.T, dyn dynamic.Interface, gvr func(kind string) schema.GroupVersionResource, out []byte) int {
	t.Helper()
	n := 0
	for _, part := range strings.Split(string(out), "\n---\n") {
		var u unstructured.Unstructured
		if err := yaml.Unmarshal([]byte(part), &u.Object); err != nil {
			t.Fatal(err)
		}
		_, err := dyn.Resource(gvr(u.GetKind())).Create(context.Background(), &u, metav1.CreateOptions{
			DryRun: []string{metav1.DryRunAll}, FieldValidation: metav1.FieldValidationStrict,
		})
		if err != nil {
			t.Errorf("%s %s: the API server refuses it under strict field validation: %v", u.GetKind(), u.GetName(), err)
			continue
		}
		n++
	}
	return n
}

var actions = []string{"Deny", "Warn", "Audit"}

// warnings keeps the API server's warnings once each.
type warnings struct {
	mu   sync.Mutex
	seen map[string]bool
	list []string
}

func (w *warnings) HandleWarningHeader(_ int, _ string, text string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.seen[text] {
		w.seen[text] = true
		w.list = append(w.list, text)
	}
}

func TestKyvernoAgainstCRD(t *testing.T) {
	bed := testbed.Start(t)
	crd := policyCRDs(t, "kyverno-clusterpolicies.yaml")
	if err := bed.Create(context.Background(), crd); err != nil {
		t.Fatalf("installing Kyverno's ClusterPolicy CRD: %v", err)
	}
	cfg := rest.CopyConfig(bed.Admin)
	warned := &warnings{seen: map[string]bool{}}
	cfg.WarningHandler = warned
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ps := exported(t)
	for _, action := range actions {
		out, err := policyexport.Render(policyexport.FormatKyverno, ps, policyexport.Options{Action: action, Excluded: []string{"kube-system", "eksguard"}})
		if err != nil {
			t.Fatal(err)
		}
		n := createStrict(t, dyn, func(string) schema.GroupVersionResource {
			return schema.GroupVersionResource{Group: "kyverno.io", Version: "v1", Resource: "clusterpolicies"}
		}, out)
		t.Logf("action %s: %d ClusterPolicies valid", action, n)
		if n != len(ps) {
			t.Errorf("action %s: %d of %d ClusterPolicies valid", action, n, len(ps))
		}
	}
	// Kyverno 1.19 deprecates kyverno.io/v1 ClusterPolicy (docs/admission.md says so).
	for _, w := range warned.list {
		t.Logf("API server warning: %s", w)
	}
}

// gatekeeperSource reads the JSON field names of the Go types of a K8sNativeValidation
// source, and the values of its string constants, from Gatekeeper's own schema.go.
func gatekeeperSource(t *testing.T) (fields map[string][]string, consts map[string]string) {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), "schema.go", policyCRDs(t, "gatekeeper-k8scel-schema.go"), 0)
	if err != nil {
		t.Fatal(err)
	}
	fields, consts = map[string][]string{}, map[string]string{}
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.TypeSpec:
			st, ok := n.Type.(*ast.StructType)
			if !ok {
				return true
			}
			for _, fl := range st.Fields.List {
				if fl.Tag == nil {
					continue
				}
				tag, _ := strconv.Unquote(fl.Tag.Value)
				name, _, _ := strings.Cut(reflect.StructTag(tag).Get("json"), ",")
				fields[n.Name.Name] = append(fields[n.Name.Name], name)
			}
		case *ast.ValueSpec:
			for i, id := range n.Names {
				if i < len(n.Values) {
					if lit, ok := n.Values[i].(*ast.BasicLit); ok && lit.Kind == token.STRING {
						consts[id.Name], _ = strconv.Unquote(lit.Value)
					}
				}
			}
		}
		return true
	})
	for _, typ := range []string{"Source", "Validation", "Variable"} {
		if len(fields[typ]) == 0 {
			t.Fatalf("Gatekeeper's schema.go has no type %s with JSON fields; has it moved?", typ)
		}
	}
	return fields, consts
}

// onlyFields fails when m has a key that is not one of the type's fields.
func onlyFields(t *testing.T, where string, m any, fields []string) {
	t.Helper()
	mm, ok := m.(map[string]any)
	if !ok {
		t.Errorf("%s: %T, want an object", where, m)
		return
	}
	for k := range mm {
		if !contains(fields, k) {
			t.Errorf("%s: field %q is not one of Gatekeeper's %v", where, k, fields)
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// constraintCRD is the CRD Gatekeeper generates for a template's Constraint kind: spec.match
// from Gatekeeper's match schema, enforcementAction and scopedEnforcementActions; the
// templates have no parameters.
func constraintCRD(kind string, match apiextensionsv1.JSONSchemaProps) *apiextensionsv1.CustomResourceDefinition {
	plural := strings.ToLower(kind)
	str := apiextensionsv1.JSONSchemaProps{Type: "string"}
	preserve := true
	spec := apiextensionsv1.JSONSchemaProps{Type: "object", Properties: map[string]apiextensionsv1.JSONSchemaProps{
		"match":             match,
		"enforcementAction": str,
		"scopedEnforcementActions": {Type: "array", Items: &apiextensionsv1.JSONSchemaPropsOrArray{Schema: &apiextensionsv1.JSONSchemaProps{
			Type: "object", Properties: map[string]apiextensionsv1.JSONSchemaProps{
				"action": str,
				"enforcementPoints": {Type: "array", Items: &apiextensionsv1.JSONSchemaPropsOrArray{Schema: &apiextensionsv1.JSONSchemaProps{
					Type: "object", Properties: map[string]apiextensionsv1.JSONSchemaProps{"name": str},
				}}},
			},
		}}},
	}}
	return &apiextensionsv1.CustomResourceDefinition{
		TypeMeta:   metav1.TypeMeta{APIVersion: "apiextensions.k8s.io/v1", Kind: "CustomResourceDefinition"},
		ObjectMeta: metav1.ObjectMeta{Name: plural + ".constraints.gatekeeper.sh"},
		Spec: apiextensionsv1.CustomResourceDefinitionSpec{
			Group: "constraints.gatekeeper.sh", Scope: apiextensionsv1.ClusterScoped,
			Names: apiextensionsv1.CustomResourceDefinitionNames{Kind: kind, Plural: plural, ListKind: kind + "List", Singular: plural},
			Versions: []apiextensionsv1.CustomResourceDefinitionVersion{{
				Name: "v1beta1", Served: true, Storage: true,
				Schema: &apiextensionsv1.CustomResourceValidation{OpenAPIV3Schema: &apiextensionsv1.JSONSchemaProps{
					Type: "object", Properties: map[string]apiextensionsv1.JSONSchemaProps{
						"spec":   spec,
						"status": {Type: "object", XPreserveUnknownFields: &preserve},
					},
				}},
			}},
		},
	}
}

func TestGatekeeperAgainstCRD(t *testing.T) {
	bed := testbed.Start(t)
	ctx := context.Background()
	if err := bed.Create(ctx, policyCRDs(t, "gatekeeper-constrainttemplates.yaml")); err != nil {
		t.Fatalf("installing Gatekeeper's ConstraintTemplate CRD: %v", err)
	}
	var matchCRD apiextensionsv1.CustomResourceDefinition
	if err := yaml.Unmarshal(policyCRDs(t, "gatekeeper-match.yaml"), &matchCRD); err != nil {
		t.Fatal(err)
	}
	match, ok := matchCRD.Spec.Versions[0].Schema.OpenAPIV3Schema.Properties["embeddedMatch"]
	if !ok {
		t.Fatal("Gatekeeper's match CRD has no embeddedMatch schema")
	}
	dyn, err := dynamic.NewForConfig(bed.Admin)
	if err != nil {
		t.Fatal(err)
	}
	fields, consts := gatekeeperSource(t)
	ps := exported(t)
	for _, action := range actions {
		out, err := policyexport.Render(policyexport.FormatGatekeeper, ps, policyexport.Options{Action: action, Excluded: []string{"kube-system", "eksguard"}})
		if err != nil {
			t.Fatal(err)
		}
		var templates, constraints []string
		for _, part := range strings.Split(string(out), "\n---\n") {
			var u unstructured.Unstructured
			if err := yaml.Unmarshal([]byte(part), &u.Object); err != nil {
				t.Fatal(err)
			}
			if u.GetKind() != "ConstraintTemplate" {
				constraints = append(constraints, part)
				continue
			}
			templates = append(templates, part)
			// The CRD leaves a code block's source open; Gatekeeper decodes it into
			// these types, so every field must be one of theirs.
			codes, _, _ := unstructured.NestedSlice(u.Object, "spec", "targets")
			for _, tg := range codes {
				code, _, _ := unstructured.NestedSlice(tg.(map[string]any), "code")
				for _, c := range code {
					src := c.(map[string]any)["source"]
					where := u.GetName() + " source"
					onlyFields(t, where, src, fields["Source"])
					vars, _, _ := unstructured.NestedSlice(src.(map[string]any), "variables")
					for _, v := range vars {
						onlyFields(t, where+".variables", v, fields["Variable"])
						name := v.(map[string]any)["name"].(string)
						if name == consts["ParamsName"] || name == consts["ObjectName"] || strings.HasPrefix(name, consts["ReservedPrefix"]) {
							t.Errorf("%s: variable %q is reserved by Gatekeeper", where, name)
						}
					}
					vals, _, _ := unstructured.NestedSlice(src.(map[string]any), "validations")
					for _, v := range vals {
						onlyFields(t, where+".validations", v, fields["Validation"])
					}
					if len(vars) == 0 || len(vals) == 0 {
						t.Errorf("%s: %d variables and %d validations", where, len(vars), len(vals))
					}
				}
			}
			// Gatekeeper makes a CRD for the template's Constraint kind; so does the test.
			kind, _, _ := unstructured.NestedString(u.Object, "spec", "crd", "spec", "names", "kind")
			if strings.ToLower(kind) != u.GetName() {
				t.Errorf("ConstraintTemplate %s names kind %s; Gatekeeper wants the name to be the kind in lower case", u.GetName(), kind)
			}
			b, _ := yaml.Marshal(constraintCRD(kind, match))
			if err := bed.Create(ctx, b); err != nil {
				t.Fatalf("installing the CRD of %s: %v", kind, err)
			}
		}
		nt := createStrict(t, dyn, func(string) schema.GroupVersionResource {
			return schema.GroupVersionResource{Group: "templates.gatekeeper.sh", Version: "v1", Resource: "constrainttemplates"}
		}, []byte(strings.Join(templates, "\n---\n")))
		nc := createStrict(t, dyn, func(kind string) schema.GroupVersionResource {
			return schema.GroupVersionResource{Group: "constraints.gatekeeper.sh", Version: "v1beta1", Resource: strings.ToLower(kind)}
		}, []byte(strings.Join(constraints, "\n---\n")))
		t.Logf("action %s: %d ConstraintTemplates and %d Constraints valid", action, nt, nc)
		if nt != len(ps) || nc != len(ps) {
			t.Errorf("action %s: %d ConstraintTemplates and %d Constraints valid, want %d of each", action, nt, nc, len(ps))
		}
	}
	sort.Strings(fields["Source"])
	t.Logf("Gatekeeper's K8sNativeValidation source fields: %v", fields["Source"])
}
