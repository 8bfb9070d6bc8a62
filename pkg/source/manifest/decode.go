package manifest

import (
	"errors"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	kjson "sigs.k8s.io/json"

	"github.com/eksguard/eksguard/pkg/target"
)

// objectHeader is the typed view of any object's type and metadata.
type objectHeader struct {
	APIVersion string            `json:"apiVersion"`
	Kind       string            `json:"kind"`
	Metadata   metav1.ObjectMeta `json:"metadata"`
}

// isWorkload reports whether apiVersion/kind carries a pod spec (target.WorkloadKinds).
func isWorkload(apiVersion, kind string) bool {
	_, ok := target.LookupWorkloadKind(apiVersion, kind)
	return ok
}

// isList reports whether the kind is a list of objects (v1 List or any FooList).
func isList(kind string) bool { return kind == "List" || strings.HasSuffix(kind, "List") }

// decodeWorkload decodes a workload of apiVersion/kind from its JSON form into its typed
// object and builds its target (target.WorkloadOf knows where the pod spec is).
func decodeWorkload(apiVersion, kind string, js []byte) (*target.Workload, error) {
	k, ok := target.LookupWorkloadKind(apiVersion, kind)
	if !ok {
		return nil, fmt.Errorf("kind %s carries no pod spec", kind)
	}
	obj := k.New()
	err := kjson.UnmarshalCaseSensitivePreserveInts(js, obj)
	w, _ := target.WorkloadOf(obj, target.Origin{})
	return w, err
}

// podOf decodes the pod metadata and spec of a workload from its JSON form.
func podOf(kind string, js []byte) (*metav1.ObjectMeta, *corev1.PodSpec, error) {
	for _, k := range target.WorkloadKinds {
		if k.Kind == kind {
			w, err := decodeWorkload(groupVersion(k.Groups[0]), kind, js)
			if w == nil {
				return nil, nil, err
			}
			return w.PodMeta, w.Spec, err
		}
	}
	return nil, nil, fmt.Errorf("kind %s carries no pod spec", kind)
}

func groupVersion(group string) string {
	if group == "" {
		return "v1"
	}
	return group + "/v1"
}

// decodeIndexed decodes an object of a kind the cluster snapshot indexes (see
// snapshot.Indexed) from its JSON form, as the API server would: typed API objects for
// built-in kinds, unstructured for custom resources.
func decodeIndexed(apiVersion, kind string, js []byte) (runtime.Object, error) {
	var obj runtime.Object
	switch kind {
	case "ServiceAccount":
		obj = &corev1.ServiceAccount{}
	case "Namespace":
		obj = &corev1.Namespace{}
	case "Service":
		obj = &corev1.Service{}
	case "ConfigMap":
		obj = &corev1.ConfigMap{}
	case "Role":
		obj = &rbacv1.Role{}
	case "ClusterRole":
		obj = &rbacv1.ClusterRole{}
	case "RoleBinding":
		obj = &rbacv1.RoleBinding{}
	case "ClusterRoleBinding":
		obj = &rbacv1.ClusterRoleBinding{}
	case "NetworkPolicy":
		obj = &networkingv1.NetworkPolicy{}
	case "Ingress":
		obj = &networkingv1.Ingress{}
	default:
		u := &unstructured.Unstructured{}
		if err := u.UnmarshalJSON(js); err != nil {
			return nil, err
		}
		return u, nil
	}
	if err := kjson.UnmarshalCaseSensitivePreserveInts(js, obj); err != nil {
		return nil, err
	}
	return obj, nil
}

// errDepth is returned when a document nests deeper than the limit.
var errDepth = errors.New("nesting too deep")

// fieldPath appends a key: plain identifiers as fields, anything else quoted.
func fieldPath(path, key string) string {
	for i := 0; i < len(key); i++ {
		c := key[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return target.Key(path, key)
		}
	}
	if key == "" {
		return target.Key(path, key)
	}
	return target.Field(path, key)
}
