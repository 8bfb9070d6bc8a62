package cli

import (
	"os"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	"sigs.k8s.io/yaml"

	"github.com/eksguard/eksguard/pkg/source/manifest"
)

// TestNodeDaemonSetIsLeastPrivilege keeps deploy/node-daemonset.yaml to what the node scan
// needs: hostPID and read-only host mounts, and nothing more.
func TestNodeDaemonSetIsLeastPrivilege(t *testing.T) {
	data, err := os.ReadFile("../../deploy/node-daemonset.yaml")
	if err != nil {
		t.Fatal(err)
	}
	res := manifest.Load("node-daemonset.yaml", data, manifest.Options{Limits: manifest.DefaultLimits()})
	if len(res.Errors) > 0 || len(res.Targets) != 3 {
		t.Fatalf("errors %v, %d objects", res.Errors, len(res.Targets))
	}
	var ds appsv1.DaemonSet
	for _, doc := range strings.Split(string(data), "\n---\n") {
		if err := yaml.Unmarshal([]byte(doc), &ds); err == nil && ds.Kind == "DaemonSet" {
			break
		}
	}
	spec := ds.Spec.Template.Spec
	if !spec.HostPID || spec.HostNetwork || spec.HostIPC || spec.AutomountServiceAccountToken == nil || *spec.AutomountServiceAccountToken {
		t.Errorf("host namespaces or token: %+v", spec)
	}
	c := spec.Containers[0]
	sc := c.SecurityContext
	if sc == nil || sc.Privileged == nil || *sc.Privileged || sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation ||
		sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem || sc.Capabilities == nil || len(sc.Capabilities.Drop) != 1 ||
		sc.Capabilities.Drop[0] != "ALL" || len(sc.Capabilities.Add) != 0 {
		t.Errorf("container security context: %+v", sc)
	}
	for _, m := range c.VolumeMounts {
		if !m.ReadOnly {
			t.Errorf("mount %s is writable", m.MountPath)
		}
	}
	want := map[string]bool{"--host-root=/host": false, "--proc=/proc": false, "--format=json": false}
	for _, a := range c.Args {
		if _, ok := want[a]; ok {
			want[a] = true
		}
	}
	for a, ok := range want {
		if !ok {
			t.Errorf("args lack %s: %v", a, c.Args)
		}
	}
}
