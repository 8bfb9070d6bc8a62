package proc

import (
	"context"
	"os"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/eksguard/eksguard/internal/testbed"
)

func TestMain(m *testing.M) { os.Exit(testbed.Run(m)) }

// TestKubePods names a container's pod through a real API server, as the runtime DaemonSet's
// own service account (deploy/runtime-daemonset.yaml: get/list/watch pods, nothing more).
func TestKubePods(t *testing.T) {
	env := testbed.Start(t)
	manifest, err := os.ReadFile("../../../deploy/runtime-daemonset.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cfg := env.ServiceAccountConfig(t, string(manifest), "eksguard", "eksguard-runtime")
	const cid = "3f4e5d6c7b8a99887766554433221100ffeeddccbbaa00112233445566778899"
	ctx := context.Background()
	privileged := true
	env.Client.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "shop"}}, metav1.CreateOptions{})
	pod, err := env.Client.CoreV1().Pods("shop").Create(ctx, &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "nginx-1", Namespace: "shop"},
		Spec: corev1.PodSpec{NodeName: "node-1", Containers: []corev1.Container{{Name: "nginx", Image: "nginx:1.27",
			SecurityContext: &corev1.SecurityContext{Privileged: &privileged}}}},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	pod.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "nginx", Image: "docker.io/library/nginx:1.27", ContainerID: "containerd://" + cid}}
	if _, err := env.Client.CoreV1().Pods("shop").UpdateStatus(ctx, pod, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	k, err := NewKubePods(cfg, "node-1")
	if err != nil {
		t.Fatal(err)
	}
	got, ok := k.Lookup(string(pod.UID), cid)
	if !ok || got != (Pod{Namespace: "shop", Name: "nginx-1", Container: "nginx", Image: "docker.io/library/nginx:1.27", Privileged: true}) {
		t.Fatalf("%+v %v", got, ok)
	}
	if _, ok := k.Lookup("00000000-0000-0000-0000-000000000000", cid); ok {
		t.Fatal("unknown pod found")
	}
	// Another node's pods are not listed.
	other, _ := NewKubePods(cfg, "node-2")
	if _, ok := other.Lookup(string(pod.UID), cid); ok {
		t.Fatal("a pod of node-1 found from node-2")
	}
}
