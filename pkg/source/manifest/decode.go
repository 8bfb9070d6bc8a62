package manifest

import (
	"errors"
	"fmt"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
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

// workloadKinds maps each kind that carries a pod spec to where the spec is.
var workloadKinds = map[string]struct {
	groups   []string // API groups the kind is served in (old groups included)
	metaPath string
	specPath string
}{
	"Pod":                   {[]string{""}, "metadata", "spec"},
	"PodTemplate":           {[]string{""}, "template.metadata", "template.spec"},
	"ReplicationController": {[]string{""}, "spec.template.metadata", "spec.template.spec"},
	"Deployment":            {[]string{"apps", "extensions"}, "spec.template.metadata", "spec.template.spec"},
	"StatefulSet":           {[]string{"apps"}, "spec.template.metadata", "spec.template.spec"},
	"DaemonSet":             {[]string{"apps", "extensions"}, "spec.template.metadata", "spec.template.spec"},
	"ReplicaSet":            {[]string{"apps", "extensions"}, "spec.template.metadata", "spec.template.spec"},
	"Job":                   {[]string{"batch"}, "spec.template.metadata", "spec.template.spec"},
	"CronJob":               {[]string{"batch"}, "spec.jobTemplate.spec.template.metadata", "spec.jobTemplate.spec.template.spec"},
}

// isWorkload reports whether apiVersion/kind carries a pod spec.
func isWorkload(apiVersion, kind string) bool {
	w, ok := workloadKinds[kind]
	if !ok {
		return false
	}
	group, _, hasGroup := strings.Cut(apiVersion, "/")
	if !hasGroup {
		group = ""
	}
	for _, g := range w.groups {
		if g == group {
			return true
		}
	}
	return false
}

// isList reports whether the kind is a list of objects (v1 List or any FooList).
func isList(kind string) bool { return kind == "List" || strings.HasSuffix(kind, "List") }

// podOf decodes the pod metadata and spec of a workload from its JSON form.
func podOf(kind string, js []byte) (*metav1.ObjectMeta, *corev1.PodSpec, error) {
	strict := func(v any) error { return kjson.UnmarshalCaseSensitivePreserveInts(js, v) }
	switch kind {
	case "Pod":
		var o corev1.Pod
		err := strict(&o)
		return &o.ObjectMeta, &o.Spec, err
	case "PodTemplate":
		var o corev1.PodTemplate
		err := strict(&o)
		return &o.Template.ObjectMeta, &o.Template.Spec, err
	case "ReplicationController":
		var o corev1.ReplicationController
		err := strict(&o)
		if o.Spec.Template == nil {
			o.Spec.Template = &corev1.PodTemplateSpec{}
		}
		return &o.Spec.Template.ObjectMeta, &o.Spec.Template.Spec, err
	case "Deployment":
		var o appsv1.Deployment
		err := strict(&o)
		return &o.Spec.Template.ObjectMeta, &o.Spec.Template.Spec, err
	case "StatefulSet":
		var o appsv1.StatefulSet
		err := strict(&o)
		return &o.Spec.Template.ObjectMeta, &o.Spec.Template.Spec, err
	case "DaemonSet":
		var o appsv1.DaemonSet
		err := strict(&o)
		return &o.Spec.Template.ObjectMeta, &o.Spec.Template.Spec, err
	case "ReplicaSet":
		var o appsv1.ReplicaSet
		err := strict(&o)
		return &o.Spec.Template.ObjectMeta, &o.Spec.Template.Spec, err
	case "Job":
		var o batchv1.Job
		err := strict(&o)
		return &o.Spec.Template.ObjectMeta, &o.Spec.Template.Spec, err
	case "CronJob":
		var o batchv1.CronJob
		err := strict(&o)
		return &o.Spec.JobTemplate.Spec.Template.ObjectMeta, &o.Spec.JobTemplate.Spec.Template.Spec, err
	}
	return nil, nil, fmt.Errorf("kind %s carries no pod spec", kind)
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
