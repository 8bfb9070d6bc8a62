package target

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Workload is an object that carries a pod spec: a Pod, or a kind with a pod template.
type Workload struct {
	Object
	// PodMeta is the metadata of the pod (the Pod's own, or the template's).
	PodMeta *metav1.ObjectMeta
	// Spec is the pod spec.
	Spec *corev1.PodSpec
	// SpecPath is the path of Spec inside the object, e.g. spec.template.spec.
	SpecPath string
	// PodMetaPath is the path of PodMeta inside the object, e.g. spec.template.metadata.
	PodMetaPath string

	containers []Container // built on first use
}

// TargetKind implements Target.
func (w *Workload) TargetKind() Kind { return KindWorkload }

// Container is one container of a workload with its path, whatever list it is in.
type Container struct {
	*corev1.Container
	// List is "containers", "initContainers" or "ephemeralContainers".
	List string
	// Path is the container's path in the object, e.g. spec.template.spec.containers[0].
	Path string
}

// Containers returns every container: init containers, containers and ephemeral
// containers, in that order. Ephemeral containers are checked like the others. The list is
// built once per workload; rules must not change it.
func (w *Workload) Containers() []Container {
	if w.containers == nil {
		w.containers = w.listContainers()
	}
	return w.containers
}

func (w *Workload) listContainers() []Container {
	s := w.Spec
	out := make([]Container, 0, len(s.InitContainers)+len(s.Containers)+len(s.EphemeralContainers))
	for i := range s.InitContainers {
		out = append(out, Container{Container: &s.InitContainers[i], List: "initContainers", Path: Index(Field(w.SpecPath, "initContainers"), i)})
	}
	for i := range s.Containers {
		out = append(out, Container{Container: &s.Containers[i], List: "containers", Path: Index(Field(w.SpecPath, "containers"), i)})
	}
	for i := range s.EphemeralContainers {
		c := corev1.Container(s.EphemeralContainers[i].EphemeralContainerCommon)
		out = append(out, Container{Container: &c, List: "ephemeralContainers", Path: Index(Field(w.SpecPath, "ephemeralContainers"), i)})
	}
	return out
}

// Spath is a path below the pod spec.
func (w *Workload) Spath(rel string) string { return Field(w.SpecPath, rel) }
