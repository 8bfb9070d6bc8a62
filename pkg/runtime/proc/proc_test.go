package proc

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"
)

func TestInside(t *testing.T) {
	for _, c := range [][3]string{
		{"/", "/etc/shadow", "/etc/shadow"},
		{"/run/c/rootfs", "/run/c/rootfs/etc/shadow", "/etc/shadow"},
		{"/run/c/rootfs", "/run/c/rootfs", "/"},
		{"/run/c/rootfs", "/run/c/rootfs2/x", "/run/c/rootfs2/x"},
	} {
		if got := Inside(c[0], c[1]); got != c[2] {
			t.Errorf("Inside(%q, %q) = %q, want %q", c[0], c[1], got, c[2])
		}
	}
}

func TestSplitArgsAndPasswd(t *testing.T) {
	if got := SplitArgs([]byte("cat\x00/etc/shadow\x00")); len(got) != 2 || got[1] != "/etc/shadow" {
		t.Errorf("SplitArgs: %q", got)
	}
	if got := SplitArgs(nil); got != nil {
		t.Errorf("SplitArgs(nil): %q", got)
	}
	pw := []byte("root:x:0:0::/root:/bin/sh\nwww-data:x:33:33::/var/www:/usr/sbin/nologin\nbroken\n")
	if passwdName(pw, 33) != "www-data" || passwdName(pw, 7) != "" {
		t.Error("passwdName")
	}
}

func TestKubePods(t *testing.T) {
	const cid = "3f4e5d6c7b8a99887766554433221100ffeeddccbbaa00112233445566778899"
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "nginx-1", Namespace: "shop", UID: "0b6f3c2e-5d4a-4e1f-9a7b-2c8d1e0f3a4b"},
		Spec:       corev1.PodSpec{NodeName: "node-1"},
		Status: corev1.PodStatus{ContainerStatuses: []corev1.ContainerStatus{
			{Name: "nginx", Image: "nginx:1.27", ContainerID: "containerd://" + cid},
		}},
	}
	k := NewKubePodsClient(fake.NewSimpleClientset(pod), "")
	got, ok := k.Lookup("0b6f3c2e-5d4a-4e1f-9a7b-2c8d1e0f3a4b", cid)
	if !ok || got != (Pod{Namespace: "shop", Name: "nginx-1", Container: "nginx", Image: "nginx:1.27"}) {
		t.Fatalf("%+v %v", got, ok)
	}
	if _, ok := k.Lookup("00000000-0000-0000-0000-000000000000", cid); ok {
		t.Fatal("unknown pod found")
	}
}
