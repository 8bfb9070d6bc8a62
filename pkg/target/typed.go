package target

import (
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// WorkloadOf builds the workload target of a typed object that carries a pod spec (Pod,
// PodTemplate, ReplicationController, Deployment, StatefulSet, DaemonSet, ReplicaSet, Job,
// CronJob), for sources that read typed objects (a live cluster) rather than text. The
// target points into obj. ok is false for other kinds.
func WorkloadOf(obj runtime.Object, origin Origin) (w *Workload, ok bool) {
	var (
		om               *metav1.ObjectMeta
		pm               *metav1.ObjectMeta
		spec             *corev1.PodSpec
		apiVersion, kind string
		metaPath         = "spec.template.metadata"
		specPath         = "spec.template.spec"
	)
	switch o := obj.(type) {
	case *corev1.Pod:
		om, pm, spec, apiVersion, kind = &o.ObjectMeta, &o.ObjectMeta, &o.Spec, "v1", "Pod"
		metaPath, specPath = "metadata", "spec"
	case *corev1.PodTemplate:
		om, pm, spec, apiVersion, kind = &o.ObjectMeta, &o.Template.ObjectMeta, &o.Template.Spec, "v1", "PodTemplate"
		metaPath, specPath = "template.metadata", "template.spec"
	case *corev1.ReplicationController:
		if o.Spec.Template == nil {
			o.Spec.Template = &corev1.PodTemplateSpec{}
		}
		om, pm, spec, apiVersion, kind = &o.ObjectMeta, &o.Spec.Template.ObjectMeta, &o.Spec.Template.Spec, "v1", "ReplicationController"
	case *appsv1.Deployment:
		om, pm, spec, apiVersion, kind = &o.ObjectMeta, &o.Spec.Template.ObjectMeta, &o.Spec.Template.Spec, "apps/v1", "Deployment"
	case *appsv1.StatefulSet:
		om, pm, spec, apiVersion, kind = &o.ObjectMeta, &o.Spec.Template.ObjectMeta, &o.Spec.Template.Spec, "apps/v1", "StatefulSet"
	case *appsv1.DaemonSet:
		om, pm, spec, apiVersion, kind = &o.ObjectMeta, &o.Spec.Template.ObjectMeta, &o.Spec.Template.Spec, "apps/v1", "DaemonSet"
	case *appsv1.ReplicaSet:
		om, pm, spec, apiVersion, kind = &o.ObjectMeta, &o.Spec.Template.ObjectMeta, &o.Spec.Template.Spec, "apps/v1", "ReplicaSet"
	case *batchv1.Job:
		om, pm, spec, apiVersion, kind = &o.ObjectMeta, &o.Spec.Template.ObjectMeta, &o.Spec.Template.Spec, "batch/v1", "Job"
	case *batchv1.CronJob:
		om, pm, spec, apiVersion, kind = &o.ObjectMeta, &o.Spec.JobTemplate.Spec.Template.ObjectMeta, &o.Spec.JobTemplate.Spec.Template.Spec, "batch/v1", "CronJob"
		metaPath, specPath = "spec.jobTemplate.spec.template.metadata", "spec.jobTemplate.spec.template.spec"
	default:
		return nil, false
	}
	return &Workload{
		Object: Object{
			APIVersion: apiVersion, Kind: kind,
			Meta:   Meta{Name: om.Name, Namespace: om.Namespace, Labels: om.Labels, Annotations: om.Annotations, Controller: ControllerOf(om.OwnerReferences)},
			Origin: origin,
		},
		PodMeta: pm, Spec: spec, SpecPath: specPath, PodMetaPath: metaPath,
	}, true
}
