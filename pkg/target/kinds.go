package target

import (
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// WorkloadKind is a kind that carries a pod spec. WorkloadOf knows where the spec is in
// each; sources that read text decode into New() and call WorkloadOf, so every source
// shares this one table.
type WorkloadKind struct {
	Kind string
	// Groups are the API groups the kind is served in, old groups included (manifests may
	// still use them).
	Groups []string
	// New returns an empty typed object of the kind.
	New func() runtime.Object
}

// WorkloadKinds lists every kind with a pod spec.
var WorkloadKinds = []WorkloadKind{
	{"Pod", []string{""}, func() runtime.Object { return &corev1.Pod{} }},
	{"PodTemplate", []string{""}, func() runtime.Object { return &corev1.PodTemplate{} }},
	{"ReplicationController", []string{""}, func() runtime.Object { return &corev1.ReplicationController{} }},
	{"Deployment", []string{"apps", "extensions"}, func() runtime.Object { return &appsv1.Deployment{} }},
	{"StatefulSet", []string{"apps"}, func() runtime.Object { return &appsv1.StatefulSet{} }},
	{"DaemonSet", []string{"apps", "extensions"}, func() runtime.Object { return &appsv1.DaemonSet{} }},
	{"ReplicaSet", []string{"apps", "extensions"}, func() runtime.Object { return &appsv1.ReplicaSet{} }},
	{"Job", []string{"batch"}, func() runtime.Object { return &batchv1.Job{} }},
	{"CronJob", []string{"batch"}, func() runtime.Object { return &batchv1.CronJob{} }},
}

// LookupWorkloadKind finds apiVersion/kind among WorkloadKinds.
func LookupWorkloadKind(apiVersion, kind string) (WorkloadKind, bool) {
	group, _, hasGroup := strings.Cut(apiVersion, "/")
	if !hasGroup {
		group = ""
	}
	for _, k := range WorkloadKinds {
		if k.Kind != kind {
			continue
		}
		for _, g := range k.Groups {
			if g == group {
				return k, true
			}
		}
		return WorkloadKind{}, false
	}
	return WorkloadKind{}, false
}
