package cluster

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"sort"
	"strings"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"

	"github.com/eksguard/eksguard/deploy"
	"github.com/eksguard/eksguard/pkg/target"
)

// TestScannerRBACGrantsExactlyWhatIsRead checks deploy/scanner-rbac.yaml against the
// kinds the source reads: get and list on each, nothing else, no wildcard, no Secrets,
// and the aws-auth ConfigMap alone through a Role in kube-system.
func TestScannerRBACGrantsExactlyWhatIsRead(t *testing.T) {
	var cr *rbacv1.ClusterRole
	var roles []*rbacv1.Role
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(deploy.ScannerRBAC), 4096)
	for {
		var raw struct {
			Kind string `json:"kind"`
		}
		var doc map[string]any
		if err := dec.Decode(&doc); err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			t.Fatal(err)
		}
		b, _ := json.Marshal(doc)
		_ = jsonUnmarshal(b, &raw)
		switch raw.Kind {
		case "ClusterRole":
			cr = &rbacv1.ClusterRole{}
			if err := jsonUnmarshal(b, cr); err != nil {
				t.Fatal(err)
			}
		case "Role":
			r := &rbacv1.Role{}
			if err := jsonUnmarshal(b, r); err != nil {
				t.Fatal(err)
			}
			roles = append(roles, r)
		}
	}
	if cr == nil {
		t.Fatal("no ClusterRole")
	}
	granted := map[string]bool{}
	for _, r := range cr.Rules {
		if strings.Join(r.Verbs, ",") != "get,list" {
			t.Errorf("verbs %v: want exactly get, list", r.Verbs)
		}
		if len(r.ResourceNames) > 0 || len(r.NonResourceURLs) > 0 {
			t.Errorf("unexpected rule %+v", r)
		}
		for _, g := range r.APIGroups {
			for _, res := range r.Resources {
				if g == "*" || res == "*" || res == "secrets" || res == "configmaps" {
					t.Errorf("grants %s/%s", g, res)
				}
				granted[g+"/"+res] = true
			}
		}
	}
	want := map[string]bool{}
	for _, k := range kinds {
		want[k.GVR.Group+"/"+k.GVR.Resource] = true
	}
	for _, k := range customKinds {
		want[k.Group+"/"+k.Resource] = true
	}
	if keys(granted) != keys(want) {
		t.Errorf("ClusterRole grants\n  %s\nthe source reads\n  %s", keys(granted), keys(want))
	}
	if len(roles) != 1 || roles[0].Namespace != AWSAuthNamespace || len(roles[0].Rules) != 1 {
		t.Fatalf("want one Role in kube-system with one rule, got %+v", roles)
	}
	r := roles[0].Rules[0]
	if strings.Join(r.Resources, ",") != "configmaps" || strings.Join(r.ResourceNames, ",") != AWSAuthName || strings.Join(r.Verbs, ",") != "get" {
		t.Errorf("aws-auth rule: %+v", r)
	}
}

func keys(m map[string]bool) string {
	var l []string
	for k := range m {
		l = append(l, k)
	}
	sort.Strings(l)
	return strings.Join(l, " ")
}

// TestWorkloadKindsAreTheSharedTable checks that the source lists every kind of
// target.WorkloadKinds (the table both sources share) as a workload, and no other.
// PodTemplates run nothing and are not read.
func TestWorkloadKindsAreTheSharedTable(t *testing.T) {
	want := map[string]bool{}
	for _, k := range target.WorkloadKinds {
		if k.Kind != "PodTemplate" {
			want[k.Kind] = true
		}
	}
	got := map[string]bool{}
	for _, k := range kinds {
		if k.workload {
			got[k.Kind] = true
		}
	}
	if keys(got) != keys(want) {
		t.Errorf("workload kinds read %s, shared table %s", keys(got), keys(want))
	}
}
