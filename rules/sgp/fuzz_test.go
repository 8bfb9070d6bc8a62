package sgp

import (
	"encoding/json"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/eksguard/eksguard/pkg/snapshot"
)

// FuzzDecode decodes arbitrary SecurityGroupPolicy JSON: no panic, and a policy either
// applies (a selector and group IDs) or says why the controller ignores it.
func FuzzDecode(f *testing.F) {
	f.Add([]byte(`{"spec":{"podSelector":{"matchLabels":{"app":"api"}},"securityGroups":{"groupIds":["sg-1"]}}}`))
	f.Add([]byte(`{"spec":{"serviceAccountSelector":{"matchExpressions":[{"key":"a","operator":"In","values":["b"]}]},"securityGroups":{"groupIds":["sg-1","sg-2"]}}}`))
	f.Add([]byte(`{"spec":{"podSelector":{"matchExpressions":[{"key":"a","operator":"Bogus"}]},"securityGroups":{"groupIds":["sg-1"]}}}`))
	f.Add([]byte(`{"spec":{"podSelector":"x","securityGroups":7}}`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 1<<16 {
			return
		}
		var m map[string]any
		if json.Unmarshal(data, &m) != nil {
			return
		}
		p := decode(&snapshot.Item[*unstructured.Unstructured]{Obj: &unstructured.Unstructured{Object: m}})
		if p.Invalid == "" && ((p.Pods == nil && p.ServiceAccounts == nil) || len(p.Spec.SecurityGroups.Groups) == 0) {
			t.Fatal("a policy without selector or groups counted as valid")
		}
	})
}
