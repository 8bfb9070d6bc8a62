package cli

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/eksguard/eksguard/deploy"
	"github.com/eksguard/eksguard/internal/testbed"
	"github.com/eksguard/eksguard/pkg/respond"
)

// The respond commands end to end, as the responder's service account: find, dry run,
// isolate, verify (and a tampered bundle), isolate again, release.
func TestRespondCommands(t *testing.T) {
	bed := testbed.Start(t)
	bed.Apply(t, `
apiVersion: v1
kind: Namespace
metadata: {name: respond-cli}
---
apiVersion: v1
kind: Node
metadata: {name: respond-cli-node}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: respond-cli}
spec: {selector: {app: web}, ports: [{port: 80}]}
---
apiVersion: v1
kind: Pod
metadata: {name: web-1, namespace: respond-cli, labels: {app: web, team: a}}
spec: {nodeName: respond-cli-node, containers: [{name: web, image: "nginx:1.27"}]}
`)
	cfg := bed.ServiceAccountConfig(t, string(deploy.ResponderRBAC), deploy.ResponderNamespace, deploy.ResponderServiceAccount)
	kc := testbed.Kubeconfig(t, cfg, t.TempDir())
	dir := t.TempDir()
	bundle := filepath.Join(dir, "ev.tar.gz")

	code, out, errOut := run(t, "", "respond", "find", "--kubeconfig", kc, "--image", "nginx", "-n", "respond-cli")
	if code != 0 || !strings.Contains(out, "web-1") || !strings.Contains(out, "1 pods on 1 nodes: respond-cli-node") {
		t.Fatalf("find: %d %s %s", code, out, errOut)
	}
	code, out, errOut = run(t, "", "respond", "isolate", "web-1", "-n", "respond-cli", "--kubeconfig", kc, "--incident", "inc-cli", "--cordon", "--dry-run", "--evidence", bundle)
	if code != 0 || !strings.Contains(out, "plan (dry run: nothing changed)") || !strings.Contains(out, "remove app") {
		t.Fatalf("dry run: %d %s %s", code, out, errOut)
	}
	code, out, errOut = run(t, "", "respond", "isolate", "web-1", "-n", "respond-cli", "--kubeconfig", kc, "--incident", "inc-cli", "--cordon", "--evidence", bundle, "-f", "json", "--reason", "alert 7")
	if code != 0 {
		t.Fatalf("isolate: %d %s %s", code, out, errOut)
	}
	var res respond.Result
	if err := json.Unmarshal([]byte(out), &res); err != nil || len(res.Steps) != 5 || res.ManifestSHA256 == "" {
		t.Fatalf("isolate output: %v %s", err, out)
	}
	pod, err := bed.Client.CoreV1().Pods("respond-cli").Get(context.Background(), "web-1", metav1.GetOptions{})
	if err != nil || pod.Labels[respond.QuarantineLabel] != "inc-cli" || pod.Labels["app"] != "" || pod.Labels["team"] != "a" {
		t.Fatalf("pod labels %v %v", pod.Labels, err)
	}
	code, out, _ = run(t, "", "respond", "verify", bundle, "--sha256", res.ManifestSHA256)
	if code != 0 || !strings.HasPrefix(out, "OK ") {
		t.Errorf("verify: %d %s", code, out)
	}
	code, out, _ = run(t, "", "respond", "verify", bundle, "--sha256", strings.Repeat("0", 64))
	if code != ExitFindings || !strings.Contains(out, "MISMATCH manifest sha256") {
		t.Errorf("verify against another hash: %d %s", code, out)
	}
	// A directory bundle with one byte changed fails verify.
	dirBundle := filepath.Join(dir, "evdir")
	if code, out, errOut = run(t, "", "respond", "isolate", "web-1", "-n", "respond-cli", "--kubeconfig", kc, "--capture-only", "--evidence", dirBundle); code != 0 {
		t.Fatalf("capture only: %d %s %s", code, out, errOut)
	}
	podFile := filepath.Join(dirBundle, "pods", "respond-cli", "web-1", "pod.json")
	data, err := os.ReadFile(podFile)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(podFile, []byte(strings.Replace(string(data), "nginx", "nginX", 1)), 0o600)
	code, out, _ = run(t, "", "respond", "verify", dirBundle)
	if code != ExitFindings || !strings.Contains(out, "pod.json: sha256") {
		t.Errorf("tampered directory: %d %s", code, out)
	}
	code, _, errOut = run(t, "", "respond", "verify", filepath.Join(dir, "absent"))
	if code != ExitUsage || !strings.Contains(errOut, "absent") {
		t.Errorf("absent bundle: %d %s", code, errOut)
	}

	// Again: nothing to do.
	code, out, _ = run(t, "", "respond", "isolate", "web-1", "-n", "respond-cli", "--kubeconfig", kc, "--cordon")
	if code != 0 || !strings.Contains(out, "nothing to do") {
		t.Errorf("second isolate: %d %s", code, out)
	}
	code, out, errOut = run(t, "", "respond", "release", "inc-cli", "--kubeconfig", kc)
	if code != 0 || !strings.Contains(out, "restore") || !strings.Contains(out, "uncordon") {
		t.Fatalf("release: %d %s %s", code, out, errOut)
	}
	pod, _ = bed.Client.CoreV1().Pods("respond-cli").Get(context.Background(), "web-1", metav1.GetOptions{})
	if len(pod.Labels) != 2 || pod.Labels["app"] != "web" || len(pod.Annotations) != 0 {
		t.Errorf("after release: %v %v", pod.Labels, pod.Annotations)
	}

	// Usage errors.
	for _, args := range [][]string{
		{"respond", "isolate", "web-1"},
		{"respond", "isolate", "-n", "x"},
		{"respond", "isolate", "web-1", "-n", "respond-cli", "--incident", "BAD_ID"},
		{"respond", "release", "Bad_Incident"},
		{"respond", "find"},
	} {
		if code, _, _ := run(t, "", append(args, "--kubeconfig", kc)...); code != ExitUsage {
			t.Errorf("%v: exit %d", args, code)
		}
	}
}
