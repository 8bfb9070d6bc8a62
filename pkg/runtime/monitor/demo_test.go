package monitor

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/eksguard/eksguard/internal/testenv"
	"github.com/eksguard/eksguard/pkg/detect"
	"github.com/eksguard/eksguard/pkg/detect/stream"
	"github.com/eksguard/eksguard/pkg/detect/syscalls"
	"github.com/eksguard/eksguard/pkg/runtime/proc"
	"github.com/eksguard/eksguard/pkg/runtime/sensor"
)

const appendOutput = "container_id=%container.id container_name=%container.name"

// upstreamRules loads the unchanged upstream files the talk's four rules live in: the
// stable file and the sandbox file. (The incubating file adds "Delete or rename shell
// history", which, as its description says, also fires when a terminal shell exits and
// bash writes its history.)
func upstreamRules(t *testing.T) *detect.Ruleset {
	t.Helper()
	l := detect.NewLoader(syscalls.Source())
	l.InactiveOnUnknownField = true
	l.AppendOutput = map[string]string{syscalls.SourceName: appendOutput}
	for _, f := range []string{"falco_rules.yaml", "falco-sandbox_rules.yaml"} {
		data, err := os.ReadFile(testenv.Reference(t, "falco-upstream-rules/"+f))
		if err != nil {
			t.Fatal(err)
		}
		l.Load(f, data)
	}
	rs, err := l.Compile()
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

// running is a sensor and monitor collecting alerts until stopped.
type running struct {
	mu     sync.Mutex
	alerts []*stream.Alert
	mon    *Monitor
	s      *sensor.Sensor
	cancel context.CancelFunc
	done   chan error
}

func start(t *testing.T, rs *detect.Ruleset) *running {
	t.Helper()
	s, err := sensor.Open(sensor.Options{})
	if err != nil {
		t.Fatal(err)
	}
	table := &proc.Table{BootWallNs: s.WallNs(0)}
	if err := table.Scan(); err != nil {
		t.Fatal(err)
	}
	r := &running{s: s, done: make(chan error, 1)}
	r.mon = &Monitor{Rules: rs, Table: table, WallNs: s.WallNs, Emit: func(a *stream.Alert) error {
		r.mu.Lock()
		r.alerts = append(r.alerts, a)
		r.mu.Unlock()
		return nil
	}}
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	go func() { r.done <- s.Read(ctx, r.mon.Handle) }()
	return r
}

// stop waits for the records of what happened to be read, then stops.
func (r *running) stop(t *testing.T) []*stream.Alert {
	t.Helper()
	time.Sleep(500 * time.Millisecond)
	r.cancel()
	if err := <-r.done; err != nil {
		t.Fatal(err)
	}
	lost, _ := r.s.Lost()
	r.s.Close()
	if lost.Total() > 0 {
		t.Logf("sensor lost %+v", lost)
	}
	return r.alerts
}

// demoContainer is a runc container on an overlay of the Debian rootfs, in a cgroup laid
// out as the kubelet lays out a containerd container of a pod.
type demoContainer struct {
	runc, id, bundle string
}

func newContainer(t *testing.T) *demoContainer {
	t.Helper()
	runc := testenv.Path(t, "EKSGUARD_RUNC")
	rootfs := testenv.Path(t, "EKSGUARD_DEBIAN_ROOTFS")
	b := make([]byte, 32)
	rand.Read(b)
	c := &demoContainer{runc: runc, id: hex.EncodeToString(b), bundle: t.TempDir()}
	upper, work, mnt := filepath.Join(c.bundle, "upper"), filepath.Join(c.bundle, "work"), filepath.Join(c.bundle, "rootfs")
	for _, d := range []string{upper, work, mnt} {
		os.MkdirAll(d, 0o755)
	}
	if err := unix.Mount("overlay", mnt, "overlay", 0, fmt.Sprintf("lowerdir=%s,upperdir=%s,workdir=%s", rootfs, upper, work)); err != nil {
		t.Fatalf("overlay mount of the Debian rootfs: %v", err)
	}
	t.Cleanup(func() { unix.Unmount(mnt, unix.MNT_DETACH) })
	if out, err := exec.Command(runc, "spec", "--bundle", c.bundle).CombinedOutput(); err != nil {
		t.Fatalf("runc spec: %v: %s", err, out)
	}
	cfgPath := filepath.Join(c.bundle, "config.json")
	var cfg map[string]any
	data, _ := os.ReadFile(cfgPath)
	json.Unmarshal(data, &cfg)
	process := cfg["process"].(map[string]any)
	process["terminal"] = false
	process["args"] = []string{"sleep", "3600"}
	cfg["root"] = map[string]any{"path": mnt, "readonly": false}
	cfg["hostname"] = "nginx"
	linux := cfg["linux"].(map[string]any)
	linux["cgroupsPath"] = "/kubepods/besteffort/pod0b6f3c2e-5d4a-4e1f-9a7b-2c8d1e0f3a4b/" + c.id
	data, _ = json.Marshal(cfg)
	os.WriteFile(cfgPath, data, 0o644)
	// The detached container keeps runc's stdio: a file, not a pipe that would never close.
	logPath := filepath.Join(c.bundle, "runc.log")
	logf, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	defer logf.Close()
	cmd := exec.Command(runc, "run", "-d", "--bundle", c.bundle, c.id)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Run(); err != nil {
		out, _ := os.ReadFile(logPath)
		t.Fatalf("runc run: %v: %s", err, out)
	}
	t.Cleanup(func() {
		exec.Command(runc, "kill", c.id, "KILL").Run()
		time.Sleep(100 * time.Millisecond)
		exec.Command(runc, "delete", "-f", c.id).Run()
	})
	return c
}

// terminalShell runs bash in the container with a terminal (runc exec -t, its stdio a
// pseudo-terminal, as kubectl exec -it) and types the commands.
func (c *demoContainer) terminalShell(t *testing.T, commands string) {
	t.Helper()
	ptmx, tty := openPTY(t)
	defer ptmx.Close()
	cmd := exec.Command(c.runc, "exec", "-t", c.id, "/bin/bash")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = tty, tty, tty
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	tty.Close()
	go io.Copy(io.Discard, ptmx)
	time.Sleep(500 * time.Millisecond)
	ptmx.Write([]byte(commands + "\nexit\n"))
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		cmd.Process.Kill()
		t.Fatal("the terminal shell did not exit")
	}
}

func openPTY(t *testing.T) (*os.File, *os.File) {
	t.Helper()
	ptmx, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := unix.IoctlSetPointerInt(int(ptmx.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Fatal(err)
	}
	n, err := unix.IoctlGetInt(int(ptmx.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Fatal(err)
	}
	tty, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	return ptmx, tty
}

func (c *demoContainer) exec(t *testing.T, args ...string) {
	t.Helper()
	if out, err := exec.Command(c.runc, append([]string{"exec", c.id}, args...)...).CombinedOutput(); err != nil {
		t.Fatalf("runc exec %v: %v: %s", args, err, out)
	}
}

var talk = map[string]string{
	"Terminal shell in container":   "bash",
	"Write below etc":               "touch /etc/hacker",
	"Mkdir binary dirs":             "mkdir /bin/tools",
	"Read sensitive file untrusted": "cat /etc/shadow",
}

// TestTalkDemo is the talk's runtime slide: a shell with a terminal in a container, then
// touch /etc/hacker, mkdir /bin/tools, cat /etc/shadow: exactly four alerts from the
// unchanged upstream rules, each naming the container and the command.
func TestTalkDemo(t *testing.T) {
	testenv.EBPF(t)
	rs := upstreamRules(t)
	c := newContainer(t)
	r := start(t, rs)
	c.terminalShell(t, "touch /etc/hacker\nmkdir /bin/tools\ncat /etc/shadow > /dev/null")
	alerts := r.stop(t)
	short := c.id[:12]
	var mine []*stream.Alert
	for _, a := range alerts {
		if a.Fields["container.id"] == short {
			mine = append(mine, a)
		} else if a.Rule.Name == "Terminal shell in container" {
			t.Errorf("terminal shell alert outside the demo container: %s", a.Output)
		}
	}
	seen := map[string]int{}
	for _, a := range mine {
		t.Logf("%s: %s", a.Rule.Name, a.Output)
		seen[a.Rule.Name]++
		cmd, ok := talk[a.Rule.Name]
		if !ok {
			t.Errorf("unexpected alert in the container: %s: %s", a.Rule.Name, a.Output)
			continue
		}
		if !strings.Contains(a.Output, "container_id="+short) || !strings.Contains(a.Fields["proc.cmdline"], cmd) {
			t.Errorf("%s: the alert does not name container %s and command %q: %s", a.Rule.Name, short, cmd, a.Output)
		}
	}
	for name := range talk {
		if seen[name] != 1 {
			t.Errorf("rule %q fired %d times in the container, want once", name, seen[name])
		}
	}
	if len(mine) != 4 {
		t.Errorf("%d alerts in the container, want exactly 4", len(mine))
	}
}

// TestTalkDemoNearMisses: a terminal shell on the host doing the same (touch a file below
// /etc, cat /etc/shadow) and a shell in the container without a terminal do not fire the
// container rule; what fires on the host names the host, never a container.
func TestTalkDemoNearMisses(t *testing.T) {
	testenv.EBPF(t)
	rs := upstreamRules(t)
	c := newContainer(t)
	b := make([]byte, 6)
	rand.Read(b)
	hostFile := "/etc/eksguard-nearmiss-" + hex.EncodeToString(b)
	t.Cleanup(func() { os.Remove(hostFile) })
	r := start(t, rs)
	c.exec(t, "/bin/bash", "-c", "touch /tmp/x; ls / > /dev/null")
	ptmx, tty := openPTY(t)
	cmd := exec.Command("/bin/bash", "-c", "touch "+hostFile+"; cat /etc/shadow > /dev/null")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = tty, tty, tty
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true}
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	tty.Close()
	ptmx.Close()
	alerts := r.stop(t)
	hostAlerts := 0
	for _, a := range alerts {
		if a.Rule.Name == "Terminal shell in container" || a.Fields["container.id"] == c.id[:12] {
			t.Errorf("near miss fired: %s: %s", a.Rule.Name, a.Output)
		}
		if strings.Contains(a.Output, hostFile) {
			hostAlerts++
			if !strings.Contains(a.Output, "container_id=host") {
				t.Errorf("host alert does not name the host: %s", a.Output)
			}
		}
	}
	if hostAlerts != 1 { // Write below etc is a host rule too
		t.Errorf("%d alerts name %s, want 1 (Write below etc on the host)", hostAlerts, hostFile)
	}
}
