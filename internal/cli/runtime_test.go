package cli

import (
	"encoding/json"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	"sigs.k8s.io/yaml"

	"github.com/eksguard/eksguard/internal/testenv"
)

// TestRuntimeDaemonSetNotPrivileged keeps deploy/runtime-daemonset.yaml to the capabilities
// eBPF needs, read-only host mounts, limits and Falco JSON on stdout.
func TestRuntimeDaemonSetNotPrivileged(t *testing.T) {
	data, err := os.ReadFile("../../deploy/runtime-daemonset.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var ds appsv1.DaemonSet
	for _, doc := range strings.Split(string(data), "\n---\n") {
		if err := yaml.Unmarshal([]byte(doc), &ds); err == nil && ds.Kind == "DaemonSet" {
			break
		}
	}
	spec := ds.Spec.Template.Spec
	if spec.HostNetwork || spec.HostIPC || !spec.HostPID {
		t.Errorf("host namespaces: %+v", spec)
	}
	c := spec.Containers[0]
	sc := c.SecurityContext
	if sc == nil || sc.Privileged == nil || *sc.Privileged || sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation ||
		sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem || sc.Capabilities == nil || len(sc.Capabilities.Drop) != 1 || sc.Capabilities.Drop[0] != "ALL" {
		t.Fatalf("security context: %+v", sc)
	}
	var add []string
	for _, c := range sc.Capabilities.Add {
		add = append(add, string(c))
	}
	if !slices.Equal(add, []string{"BPF", "PERFMON", "SYS_RESOURCE", "SYS_PTRACE"}) {
		t.Errorf("capabilities added: %v", add)
	}
	if c.Resources.Limits.Cpu().IsZero() || c.Resources.Limits.Memory().IsZero() {
		t.Errorf("no resource limits: %+v", c.Resources)
	}
	for _, m := range c.VolumeMounts {
		if !m.ReadOnly {
			t.Errorf("mount %s is writable", m.MountPath)
		}
	}
	if !slices.Contains(c.Args, "--format=falco-json") || !slices.Contains(c.Args, "runtime") {
		t.Errorf("args %v", c.Args)
	}
}

func TestRuntimeUsage(t *testing.T) {
	if code, _, errb := run(t, "", "detect", "runtime"); code != ExitUsage || !strings.Contains(errb, "--rules") {
		t.Errorf("no rules: %d %s", code, errb)
	}
	dir := t.TempDir()
	rules := write(t, dir, "r.yaml", "- rule: r\n  desc: d\n  condition: evt.type = openat\n  output: o\n  priority: INFO\n")
	plan := write(t, dir, "plan.yaml", "dryRun: false\nrules: [{rule: r, actions: [isolate]}]\n")
	if code, _, errb := run(t, "", "detect", "runtime", "--rules", rules, "--respond", plan); code != ExitUsage || !strings.Contains(errb, "add --kubernetes") {
		t.Errorf("live plan: %d %s", code, errb)
	}
	bad := write(t, dir, "bad.yaml", "rules: [{rule: r, actions: [nuke]}]\n")
	if code, _, errb := run(t, "", "detect", "runtime", "--rules", rules, "--respond", bad); code != ExitUsage || !strings.Contains(errb, "nuke") {
		t.Errorf("bad plan: %d %s", code, errb)
	}
}

// TestRuntimeCommand runs the command end to end on this machine: the upstream files load
// with the count of active rules, a read of /etc/shadow is one Falco JSON alert, and the
// response plan answers it (a host process: no pod to isolate).
func TestRuntimeCommand(t *testing.T) {
	testenv.EBPF(t)
	stable := testenv.Reference(t, "falco-upstream-rules/falco_rules.yaml")
	sandbox := testenv.Reference(t, "falco-upstream-rules/falco-sandbox_rules.yaml")
	plan := write(t, t.TempDir(), "plan.yaml", "rules:\n- rule: Read sensitive file untrusted\n  actions: [capture, isolate]\n")
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case <-stop:
				return
			case <-time.After(300 * time.Millisecond):
				exec.Command("/bin/cat", "/etc/shadow").Run()
			}
		}
	}()
	code, out, errb := run(t, "", "detect", "runtime", "--rules", stable, "--rules", sandbox, "--duration", "2s", "-f", "falco-json",
		"--respond", plan, "--metrics", "127.0.0.1:0")
	close(stop)
	<-done
	if code != ExitFindings {
		t.Fatalf("exit %d\n%s", code, errb)
	}
	for _, want := range []string{"rules active", "sensor attached", "metrics on http://127.0.0.1:", "respond: rule \"Read sensitive file untrusted\" on (no pod)", "lost 0"} {
		if !strings.Contains(errb, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errb)
		}
	}
	found := false
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var a struct {
			Rule, Source, Output string
			OutputFields         map[string]any `json:"output_fields"`
		}
		if err := json.Unmarshal([]byte(line), &a); err != nil {
			t.Fatalf("not a JSON line: %q", line)
		}
		if a.Rule == "Read sensitive file untrusted" && a.Source == "syscall" && a.OutputFields["fd.name"] == "/etc/shadow" &&
			strings.Contains(a.Output, "container_id=host") {
			found = true
		}
	}
	if !found {
		t.Errorf("no alert for cat /etc/shadow in:\n%s", out)
	}
}
