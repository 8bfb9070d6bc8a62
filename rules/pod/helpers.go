// Package pod holds the talk's pod checklist: one small file per rule, each over a
// workload (a Pod or any kind with a pod template), every container list included.
package pod

import (
	corev1 "k8s.io/api/core/v1"

	"github.com/eksguard/eksguard/pkg/target"
)

const category = "Pod security"

// guide pages of the EKS Best Practices Guide.
const (
	guidePods  = "pod-security"
	guideIAM   = "identity-and-access-management"
	guideImage = "image-security"
)

// isWindows reports a pod that declares the Windows OS; Linux-only controls skip it, as the
// Pod Security Standards do.
func isWindows(w *target.Workload) bool {
	return w.Spec.OS != nil && w.Spec.OS.Name == corev1.Windows
}

// sc returns a container's security context, never nil.
func sc(c target.Container) *corev1.SecurityContext {
	if c.SecurityContext == nil {
		return &corev1.SecurityContext{}
	}
	return c.SecurityContext
}

// podSC returns the pod security context, never nil.
func podSC(w *target.Workload) *corev1.PodSecurityContext {
	if w.Spec.SecurityContext == nil {
		return &corev1.PodSecurityContext{}
	}
	return w.Spec.SecurityContext
}

// containerField is the path of a field of a container's security context.
func containerField(c target.Container, field string) string {
	return target.Field(target.Field(c.Path, "securityContext"), field)
}

// podField is the path of a field of the pod security context.
func podField(w *target.Workload, field string) string {
	return target.Field(w.Spath("securityContext"), field)
}
