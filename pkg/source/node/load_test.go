package node

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"

	"github.com/eksguard/eksguard/internal/hosttree"
	"github.com/eksguard/eksguard/pkg/target"
)

func build(t *testing.T, spec string) string { return hosttree.BuildT(t, spec) }

func load(t *testing.T, root string) *nodeFacts {
	t.Helper()
	n, err := Load(Options{HostRoot: root})
	if err != nil {
		t.Fatal(err)
	}
	return (*nodeFacts)(n)
}

func TestAL2023(t *testing.T) {
	n := load(t, build(t, "base: al2023"))
	k := n.Kubelet
	if k.Source != "/proc/812/cmdline" {
		t.Errorf("source %q", k.Source)
	}
	if k.ConfigFile.Path != "/etc/kubernetes/kubelet/config.json" || !k.ConfigFile.Exists || k.ConfigFile.Mode != 0o644 {
		t.Errorf("config file %+v", k.ConfigFile)
	}
	if !reflect.DeepEqual(k.DropIns, []string{"/etc/kubernetes/kubelet/config.json.d/00-nodeadm.conf"}) {
		t.Errorf("drop-ins %v", k.DropIns)
	}
	if v, _ := k.ConfigValue("maxPods"); v != float64(29) {
		t.Errorf("maxPods from the drop-in: %v", v)
	}
	if v, _ := k.ConfigValue("authentication.anonymous.enabled"); v != false {
		t.Errorf("anonymous: %v", v)
	}
	if k.Kubeconfig.Path != "/var/lib/kubelet/kubeconfig" || k.Kubeconfig.Mode != 0o600 || k.Kubeconfig.UID != 0 {
		t.Errorf("kubeconfig %+v", k.Kubeconfig)
	}
	if n.OS.ID != "amzn" || n.OS.VersionID != "2023" || n.Name != "ip-10-0-1-23.ec2.internal" {
		t.Errorf("os %+v name %q", n.OS, n.Name)
	}
	if len(n.SSM.Running) != 1 || len(n.SSHD.Running) != 0 || len(n.SSHD.Listening) != 0 {
		t.Errorf("ssm %+v sshd %+v", n.SSM, n.SSHD)
	}
}

func TestBottlerocket(t *testing.T) {
	n := load(t, build(t, "base: bottlerocket"))
	k := n.Kubelet
	if k.ConfigFile.Path != "/etc/kubernetes/kubelet/config" || k.ConfigErr != "" {
		t.Errorf("config %+v %s", k.ConfigFile, k.ConfigErr)
	}
	if v, _ := k.ConfigValue("featureGates.RotateKubeletServerCertificate"); v != true {
		t.Errorf("feature gate from YAML: %v", v)
	}
	if k.Kubeconfig.Path != "/etc/kubernetes/kubelet/kubeconfig" {
		t.Errorf("kubeconfig %+v", k.Kubeconfig)
	}
	// /etc/os-release is an absolute link: resolved inside the root.
	if n.OS.ID != "bottlerocket" || n.OS.File != "/etc/os-release" {
		t.Errorf("os %+v", n.OS)
	}
	if k.Flags["node-ip"] != "10.0.2.5" || k.Flags["node-labels"] != "" {
		t.Errorf("flags with separate values: %v", k.Flags)
	}
}

func TestSystemdUnitWhenNoProcess(t *testing.T) {
	n := load(t, build(t, "base: al2-misconfigured"))
	k := n.Kubelet
	if !strings.HasPrefix(k.Source, "systemd unit /etc/systemd/system/kubelet.service") {
		t.Fatalf("source %q", k.Source)
	}
	want := map[string]string{
		"anonymous-auth": "true", "read-only-port": "10255", "authorization-mode": "AlwaysAllow",
		"config": "/etc/kubernetes/kubelet/kubelet-config.json", "event-qps": "-1",
	}
	for f, v := range want {
		if k.Flags[f] != v {
			t.Errorf("flag %s = %q, want %q", f, k.Flags[f], v)
		}
	}
	if k.FeatureGates["RotateKubeletServerCertificate"] != "false" {
		t.Errorf("gates %v", k.FeatureGates)
	}
	if k.ConfigFile.Mode != 0o666 || k.ConfigFile.UID != 1000 || k.ConfigFile.GID != 1000 {
		t.Errorf("config file %+v", k.ConfigFile)
	}
	if len(n.SSHD.Running) != 1 || len(n.SSHD.Listening) != 2 {
		t.Errorf("sshd %+v", n.SSHD)
	}
}

func TestNoProcTable(t *testing.T) {
	n := load(t, build(t, "base: al2023\nnoProc: true\n"))
	if n.ProcErr == "" {
		t.Error("want a process table error")
	}
	if !strings.HasPrefix(n.Kubelet.Source, "systemd unit") {
		t.Errorf("source %q", n.Kubelet.Source)
	}
	// The unit's $NODEADM_KUBELET_ARGS come from its EnvironmentFile, split into words.
	if n.Kubelet.Flags["config-dir"] != "/etc/kubernetes/kubelet/config.json.d" || n.Kubelet.Flags["node-ip"] != "10.0.1.23" {
		t.Errorf("flags %v", n.Kubelet.Flags)
	}
}

// A link that climbs above the host root stays inside it, as in a chroot: the file outside
// is never read.
func TestLinksNeverLeaveHostRoot(t *testing.T) {
	outer := t.TempDir()
	root := filepath.Join(outer, "host")
	secret := filepath.Join(outer, "secret")
	if err := os.WriteFile(secret, []byte("kind: KubeletConfiguration\nreadOnlyPort: 0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	s, _ := hosttree.Parse([]byte(`
base: al2023
files:
- path: /etc/kubernetes/kubelet/config.json
  link: ../../../../secret
- path: /var/lib/kubelet/kubeconfig
  link: /../../secret
`))
	if err := s.Build(root); err != nil {
		t.Fatal(err)
	}
	n := load(t, root)
	if n.Kubelet.ConfigFile.Exists || n.Kubelet.Config != nil {
		t.Errorf("config resolved outside the root: %+v", n.Kubelet.ConfigFile)
	}
	if n.Kubelet.Kubeconfig.Exists {
		t.Errorf("kubeconfig resolved outside the root: %+v", n.Kubelet.Kubeconfig)
	}
}

func TestHostileFiles(t *testing.T) {
	root := build(t, `
base: al2023
files:
- path: /etc/kubernetes/kubelet/config.json
  link: /etc/kubernetes/kubelet/loop
- path: /etc/kubernetes/kubelet/loop
  link: /etc/kubernetes/kubelet/config.json
- path: /etc/os-release
  content: "ID=amzn\n"
`)
	// A FIFO where the kubeconfig should be must not hang the scan.
	kc := filepath.Join(root, "var/lib/kubelet/kubeconfig")
	os.Remove(kc)
	if err := syscall.Mkfifo(kc, 0o644); err != nil {
		t.Fatal(err)
	}
	// An oversized drop-in directory entry.
	big := filepath.Join(root, "etc/os-release")
	if err := os.WriteFile(big, make([]byte, 65<<10), 0o644); err != nil {
		t.Fatal(err)
	}
	// A hang on the FIFO is caught by go test's -timeout.
	n := load(t, root)
	if n.Kubelet.ConfigFile.Err == "" || !strings.Contains(n.Kubelet.ConfigFile.Err, "too many levels") {
		t.Errorf("link loop: %+v", n.Kubelet.ConfigFile)
	}
	if n.Kubelet.Kubeconfig.Exists || !strings.Contains(n.Kubelet.Kubeconfig.Err, "not a regular file") {
		t.Errorf("fifo: %+v", n.Kubelet.Kubeconfig)
	}
	if n.OS.Err == "" {
		t.Errorf("oversized os-release read: %+v", n.OS)
	}
}

func TestParseFlags(t *testing.T) {
	flags, gates := parseFlags([]string{
		"--config", "/c.json", "--anonymous-auth", "--read-only-port=0", "-v=2", "--node-labels", "",
		"--feature-gates=A=true,B=false", "--feature-gates", "B=true", "--make-iptables-util-chains=false", "--rotate-certificates",
	})
	want := map[string]string{"config": "/c.json", "anonymous-auth": "true", "read-only-port": "0", "v": "2", "node-labels": "",
		"feature-gates": "B=true", "make-iptables-util-chains": "false", "rotate-certificates": "true"}
	if !reflect.DeepEqual(flags, want) {
		t.Errorf("flags %v", flags)
	}
	if !reflect.DeepEqual(gates, map[string]string{"A": "true", "B": "true"}) {
		t.Errorf("gates %v", gates)
	}
}

func TestUnitExpansion(t *testing.T) {
	u := &unit{env: map[string]string{"A": "--x=1 --y=2", "B": "one word"}}
	h := &hostFS{root: t.TempDir()}
	h.applyUnit(u, "[Service]\nEnvironment=\"C=--z=3\" 'D=4'\nExecStart=/usr/bin/kubelet $A ${B} --c=${C} \\\n  --d $D\n[Install]\nExecStart=/bin/false\n")
	got := u.args()
	want := []string{"/usr/bin/kubelet", "--x=1", "--y=2", "one word", "--c=--z=3", "--d", "4"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("args %q, want %q", got, want)
	}
	h.applyUnit(u, "[Service]\nExecStart=\n")
	if u.execStart != "" {
		t.Errorf("empty ExecStart= resets, got %q", u.execStart)
	}
}

func TestParseListen(t *testing.T) {
	data := []byte("  sl local rem st\n 0: 0100007F:0016 00000000:0000 0A x\n 1: 00000000:0016 0100007F:1234 01 x\n 2: 00000000:0050 00000000:0000 0A x\n")
	got := parseListen(data, 22)
	if !reflect.DeepEqual(got, []string{"127.0.0.1:22"}) {
		t.Errorf("got %v", got)
	}
}

// nodeFacts lets tests name the target type briefly.
type nodeFacts = target.Node
