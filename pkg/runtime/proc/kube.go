package proc

import (
	"context"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

// KubePods names pods from the API server: it lists the pods (of one node when a node name
// is given) and maps pod UIDs and container IDs to namespace, pod, container and image.
// A UID it does not know triggers a new list, at most every few seconds.
type KubePods struct {
	client   kubernetes.Interface
	node     string
	mu       sync.Mutex
	byUID    map[string]podEntry
	listedAt time.Time
}

type podEntry struct {
	ns, name   string
	containers map[string]Pod // container ID -> container
	first      Pod
}

// NewKubePods returns a lookup through the API server of cfg.
func NewKubePods(cfg *rest.Config, node string) (*KubePods, error) {
	c, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	return &KubePods{client: c, node: node}, nil
}

// NewKubePodsClient is NewKubePods with a ready client (tests).
func NewKubePodsClient(c kubernetes.Interface, node string) *KubePods {
	return &KubePods{client: c, node: node}
}

func (k *KubePods) list() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	opts := metav1.ListOptions{}
	if k.node != "" {
		opts.FieldSelector = fields.OneTermEqualSelector("spec.nodeName", k.node).String()
	}
	pods, err := k.client.CoreV1().Pods("").List(ctx, opts)
	k.listedAt = time.Now()
	if err != nil {
		return
	}
	m := map[string]podEntry{}
	for _, p := range pods.Items {
		e := podEntry{ns: p.Namespace, name: p.Name, containers: map[string]Pod{}}
		privileged := map[string]bool{}
		for _, c := range append(append([]corev1.Container{}, p.Spec.InitContainers...), p.Spec.Containers...) {
			privileged[c.Name] = isPrivileged(c.SecurityContext)
		}
		for _, c := range p.Spec.EphemeralContainers {
			privileged[c.Name] = isPrivileged(c.SecurityContext)
		}
		statuses := append(append(p.Status.InitContainerStatuses, p.Status.ContainerStatuses...), p.Status.EphemeralContainerStatuses...)
		for _, cs := range statuses {
			id := cs.ContainerID
			if i := strings.Index(id, "://"); i >= 0 {
				id = id[i+3:]
			}
			pod := Pod{Namespace: p.Namespace, Name: p.Name, Container: cs.Name, Image: cs.Image, Privileged: privileged[cs.Name]}
			if id != "" {
				e.containers[id] = pod
			}
		}
		e.first = Pod{Namespace: p.Namespace, Name: p.Name}
		m[string(p.UID)] = e
	}
	k.byUID = m
}

func isPrivileged(sc *corev1.SecurityContext) bool {
	return sc != nil && sc.Privileged != nil && *sc.Privileged
}

// Lookup implements PodLookup.
func (k *KubePods) Lookup(podUID, containerID string) (Pod, bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	e, ok := k.byUID[podUID]
	if !ok || (containerID != "" && e.containers[containerID].Name == "") {
		if time.Since(k.listedAt) > 2*time.Second {
			k.list()
			e, ok = k.byUID[podUID]
		}
	}
	if !ok {
		return Pod{}, false
	}
	if c, ok := e.containers[containerID]; ok {
		return c, true
	}
	return e.first, true
}
