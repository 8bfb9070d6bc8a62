package policyexport_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/wait"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/dynamic"
	"sigs.k8s.io/yaml"

	"github.com/eksguard/eksguard/internal/testbed"
	"github.com/eksguard/eksguard/pkg/engine"
	"github.com/eksguard/eksguard/pkg/finding"
	"github.com/eksguard/eksguard/pkg/policyexport"
	"github.com/eksguard/eksguard/pkg/rule"
	"github.com/eksguard/eksguard/pkg/target"
	"github.com/eksguard/eksguard/rules/all"
)

func TestMain(m *testing.M) { os.Exit(testbed.Run(m)) }

func exported(t *testing.T) []policyexport.Policy {
	t.Helper()
	ps, _ := policyexport.Select(all.Registry().All())
	if len(ps) != len(policyexport.ExportableIDs()) {
		t.Fatalf("%d policies for %d exportable rules: an exportable rule is not registered", len(ps), len(policyexport.ExportableIDs()))
	}
	return ps
}

// docs reads the YAML documents of a fixture file.
func docs(t *testing.T, file string) []map[string]any {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(b), 4096)
	var out []map[string]any
	for {
		var m map[string]any
		if err := dec.Decode(&m); err != nil {
			if errors.Is(err, io.EOF) {
				return out
			}
			t.Fatalf("%s: %v", file, err)
		}
		if len(m) > 0 {
			out = append(out, m)
		}
	}
}

var resources = map[string]schema.GroupVersionResource{
	"Pod":                   {Version: "v1", Resource: "pods"},
	"PodTemplate":           {Version: "v1", Resource: "podtemplates"},
	"ReplicationController": {Version: "v1", Resource: "replicationcontrollers"},
	"Deployment":            {Group: "apps", Version: "v1", Resource: "deployments"},
	"StatefulSet":           {Group: "apps", Version: "v1", Resource: "statefulsets"},
	"DaemonSet":             {Group: "apps", Version: "v1", Resource: "daemonsets"},
	"ReplicaSet":            {Group: "apps", Version: "v1", Resource: "replicasets"},
	"Job":                   {Group: "batch", Version: "v1", Resource: "jobs"},
	"CronJob":               {Group: "batch", Version: "v1", Resource: "cronjobs"},
}

// engineFails runs the rule on one document as scan does and reports whether it fails.
func engineFails(t *testing.T, r rule.Rule, doc map[string]any) bool {
	t.Helper()
	apiVersion, _ := doc["apiVersion"].(string)
	kind, _ := doc["kind"].(string)
	wk, ok := target.LookupWorkloadKind(apiVersion, kind)
	if !ok {
		t.Fatalf("%s %s is no workload kind", apiVersion, kind)
	}
	b, _ := yaml.Marshal(doc)
	obj := wk.New()
	if err := yaml.Unmarshal(b, obj); err != nil {
		t.Fatal(err)
	}
	wl, _ := target.WorkloadOf(obj, target.Origin{})
	for _, f := range engine.New([]rule.Rule{r}, rule.DefaultSettings(), nil).Check(context.Background(), wl) {
		if f.Status == finding.StatusFail {
			return true
		}
	}
	return false
}

// TestVAPMatchesEngine loads every exported ValidatingAdmissionPolicy into the real API
// server, each bound to its own namespace, and creates (dry run) every workload document
// of the rule's pass and fail fixtures there: the policy must deny exactly the documents
// the engine fails.
func TestVAPMatchesEngine(t *testing.T) {
	bed := testbed.Start(t)
	ctx := context.Background()
	dyn, err := dynamic.NewForConfig(bed.Admin)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range exported(t) {
		p := p
		ns := "vap-" + strings.ReplaceAll(strings.ReplaceAll(p.Meta.ID, "/", "-"), "pod-", "")
		if _, err := bed.Client.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
			t.Fatal(err)
		}
		out, err := policyexport.Render(policyexport.FormatVAP, []policyexport.Policy{p}, policyexport.Options{Excluded: []string{"kube-system"}})
		if err != nil {
			t.Fatal(err)
		}
		var vap admissionregistrationv1.ValidatingAdmissionPolicy
		var binding admissionregistrationv1.ValidatingAdmissionPolicyBinding
		parts := strings.Split(string(out), "\n---\n")
		if len(parts) != 2 || yaml.UnmarshalStrict([]byte(parts[0]), &vap) != nil || yaml.UnmarshalStrict([]byte(parts[1]), &binding) != nil {
			t.Fatalf("%s: want a policy and a binding:\n%s", p.Meta.ID, out)
		}
		sel := binding.Spec.MatchResources.NamespaceSelector
		sel.MatchExpressions = append(sel.MatchExpressions, metav1.LabelSelectorRequirement{Key: corev1.LabelMetadataName, Operator: metav1.LabelSelectorOpIn, Values: []string{ns}})
		api := bed.Client.AdmissionregistrationV1()
		if _, err := api.ValidatingAdmissionPolicies().Create(ctx, &vap, metav1.CreateOptions{}); err != nil {
			t.Fatalf("%s: the API server refused the policy: %v", p.Meta.ID, err)
		}
		if _, err := api.ValidatingAdmissionPolicyBindings().Create(ctx, &binding, metav1.CreateOptions{}); err != nil {
			t.Fatalf("%s: the API server refused the binding: %v", p.Meta.ID, err)
		}
		t.Cleanup(func() {
			_ = api.ValidatingAdmissionPolicyBindings().Delete(context.Background(), binding.Name, metav1.DeleteOptions{})
			_ = api.ValidatingAdmissionPolicies().Delete(context.Background(), vap.Name, metav1.DeleteOptions{})
		})
		r, _ := all.Registry().Get(p.Meta.ID)
		t.Run(p.Meta.ID, func(t *testing.T) {
			dir := filepath.Join("..", "..", "rules", "pod", "testdata", strings.TrimPrefix(p.Meta.ID, "pod/"))
			create := func(doc map[string]any) error {
				u := &unstructured.Unstructured{Object: doc}
				u.SetNamespace(ns)
				gvr := resources[u.GetKind()]
				if u.GetKind() == "Pod" {
					if sa, _, _ := unstructured.NestedString(doc, "spec", "serviceAccountName"); sa != "" {
						_, _ = bed.Client.CoreV1().ServiceAccounts(ns).Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: sa}}, metav1.CreateOptions{})
					}
				}
				_, err := dyn.Resource(gvr).Namespace(ns).Create(ctx, u, metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}})
				return err
			}
			deniedByPolicy := func(err error) bool {
				return err != nil && strings.Contains(err.Error(), "eksguard "+p.Meta.ID+": ")
			}
			// Wait for the policy to take effect (the API server compiles it through an
			// informer) on the first failing document.
			var probes []map[string]any
			compared := map[bool]int{}
			var all [][2]any
			for _, kind := range []string{"fail", "pass"} {
				files, _ := filepath.Glob(filepath.Join(dir, kind, "*.yaml"))
				for _, f := range files {
					for _, d := range docs(t, f) {
						if _, ok := resources[d["kind"].(string)]; !ok {
							continue
						}
						all = append(all, [2]any{f, d})
						if engineFails(t, r, d) {
							probes = append(probes, d)
						}
					}
				}
			}
			if err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, 60*time.Second, true, func(context.Context) (bool, error) {
				for _, d := range probes {
					if deniedByPolicy(create(d)) {
						return true, nil
					}
				}
				return false, nil
			}); err != nil {
				t.Fatalf("the policy never denied any of the %d failing fixtures", len(probes))
			}
			for _, fd := range all {
				file, doc := fd[0].(string), fd[1].(map[string]any)
				want := engineFails(t, r, doc)
				err := create(doc)
				switch {
				case err != nil && !deniedByPolicy(err) && apierrors.IsInvalid(err):
					// Fixtures are written for scan, not all for the API server: ephemeral
					// containers cannot be set on create, privileged with
					// allowPrivilegeEscalation: false is invalid.
					t.Logf("%s (%s): not compared, the API server refuses it as invalid: %.200s", file, doc["kind"], err)
					continue
				case want && !deniedByPolicy(err):
					t.Errorf("%s (%s): the engine fails it, the policy gives %v", file, doc["kind"], err)
				case !want && deniedByPolicy(err):
					t.Errorf("%s (%s): the engine passes it, the policy denies: %v", file, doc["kind"], err)
				case !want && err != nil:
					t.Errorf("%s (%s): the API server refuses it: %v", file, doc["kind"], err)
				}
				compared[want]++
			}
			if compared[true] == 0 || compared[false] == 0 {
				t.Errorf("compared %d failing and %d passing documents; want some of each", compared[true], compared[false])
			}
			t.Logf("%d failing and %d passing documents agree", compared[true], compared[false])
		})
	}
}
