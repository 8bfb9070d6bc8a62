package monitor

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/eksguard/eksguard/pkg/detect"
	"github.com/eksguard/eksguard/pkg/detect/detecttest"
	"github.com/eksguard/eksguard/pkg/detect/stream"
	"github.com/eksguard/eksguard/pkg/detect/syscalls"
	"github.com/eksguard/eksguard/pkg/runtime/container"
	"github.com/eksguard/eksguard/pkg/runtime/proc"
	"github.com/eksguard/eksguard/pkg/runtime/sensor"
)

const cid = "3f4e5d6c7b8a99887766554433221100ffeeddccbbaa00112233445566778899"

// fakeProc writes a /proc entry: stat, cmdline, status, cgroup and the cwd link.
func fakeProc(t *testing.T, root string, pid, ppid int, comm string, args []string, cwd, cgroup string) {
	t.Helper()
	d := filepath.Join(root, fmt.Sprint(pid))
	os.MkdirAll(d, 0o755)
	os.WriteFile(filepath.Join(d, "stat"), []byte(fmt.Sprintf("%d (%s) S %d %d %d 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 100 0 0", pid, comm, ppid, pid, pid)), 0o644)
	os.WriteFile(filepath.Join(d, "cmdline"), []byte(strings.Join(args, "\x00")+"\x00"), 0o644)
	os.WriteFile(filepath.Join(d, "status"), []byte("Name:\t"+comm+"\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\n"), 0o644)
	os.WriteFile(filepath.Join(d, "cgroup"), []byte("0::"+cgroup+"\n"), 0o644)
	os.Symlink(cwd, filepath.Join(d, "cwd"))
	os.Symlink("/", filepath.Join(d, "root"))
}

func rules(t *testing.T, yaml string) *detect.Ruleset {
	t.Helper()
	l := detect.NewLoader(syscalls.Source())
	l.Load("test.yaml", []byte(yaml))
	rs, err := l.Compile()
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

func nrOf(t *testing.T, name string) int32 {
	t.Helper()
	for nr := int32(0); nr < 1024; nr++ {
		if sc := sensor.Lookup(nr); sc != nil && sc.Name == name {
			return nr
		}
	}
	t.Skipf("syscall %s is not traced on this architecture", name)
	return -1
}

func newMonitor(t *testing.T, procRoot string, rs *detect.Ruleset) (*Monitor, *[]*stream.Alert) {
	var alerts []*stream.Alert
	table := &proc.Table{ProcRoot: procRoot, Cgroups: &container.Resolver{ProcRoot: procRoot, CgroupRoot: t.TempDir()}}
	if err := table.Scan(); err != nil {
		t.Fatal(err)
	}
	m := &Monitor{Rules: rs, Table: table, Emit: func(a *stream.Alert) error { alerts = append(alerts, a); return nil }}
	return m, &alerts
}

// A sensor restart: processes that started before it are read from /proc, with their
// ancestry, container and command line; a record of one of them is evaluated with all that.
func TestRestartRebuildsFromProc(t *testing.T) {
	root := t.TempDir()
	fakeProc(t, root, 1, 0, "systemd", []string{"/sbin/init"}, "/", "/init.scope")
	fakeProc(t, root, 100, 1, "containerd-shim", []string{"containerd-shim"}, "/", "/system.slice/containerd.service")
	fakeProc(t, root, 200, 100, "bash", []string{"bash"}, "/root", "/kubepods/besteffort/pod0b6f3c2e-5d4a-4e1f-9a7b-2c8d1e0f3a4b/"+cid)
	rs := rules(t, `
- rule: r
  desc: d
  condition: evt.type = mkdirat and evt.arg.path startswith /bin/ and proc.pname = containerd-shim and proc.aname[2] = systemd and container.id != host
  output: "%evt.arg.path %container.id %k8s.pod.uid %proc.cmdline"
  priority: ERROR
`)
	m, alerts := newMonitor(t, root, rs)
	// mkdirat(AT_FDCWD, "../bin/./tools") from /root: resolved against the cwd to /bin/tools.
	raw := sensor.Encode(&sensor.Record{Kind: sensor.KindSyscall, Pid: 200, Tid: 200, Ppid: 100, Comm: "bash", Nr: nrOf(t, "mkdirat"),
		Num: [3]uint64{0, 0o755, uint64(0xffffffffffffff9c)}, Str1: []byte("../bin/./tools")})
	if err := m.Handle(raw); err != nil {
		t.Fatal(err)
	}
	if len(*alerts) != 1 || (*alerts)[0].Output != "/bin/tools 3f4e5d6c7b8a 0b6f3c2e-5d4a-4e1f-9a7b-2c8d1e0f3a4b bash" {
		t.Fatalf("alerts: %+v", *alerts)
	}
}

// A process that exited before its record was read is made from the record's header.
func TestExitedProcessFromHeader(t *testing.T) {
	rs := rules(t, `
- rule: r
  desc: d
  condition: evt.type = openat and fd.name = /etc/shadow and proc.name = gone
  output: "%proc.name %user.uid %container.id %fd.name"
  priority: ERROR
`)
	m, alerts := newMonitor(t, t.TempDir(), rs)
	raw := sensor.Encode(&sensor.Record{Kind: sensor.KindSyscall, Pid: 4242, Ppid: 1, Comm: "gone", UID: 33, Nr: nrOf(t, "openat"), Ret: 3,
		Flags: sensor.FlagResolved, Str1: []byte("shadow/etc/")})
	m.Handle(raw)
	if len(*alerts) != 1 || (*alerts)[0].Output != "gone 33 host /etc/shadow" {
		t.Fatalf("alerts: %+v", *alerts)
	}
}

// Command lines and paths longer than the kernel buffers are marked, never a crash.
func TestTruncationMarked(t *testing.T) {
	rs := rules(t, `
- rule: r
  desc: d
  condition: evt.type = execve and evt.is_truncated = true
  output: "%proc.cmdline"
  priority: ERROR
`)
	m, alerts := newMonitor(t, t.TempDir(), rs)
	args := []byte("sh\x00" + strings.Repeat("A", sensor.MaxString-3))
	raw := sensor.Encode(&sensor.Record{Kind: sensor.KindExec, Pid: 7, Ppid: 1, Comm: "sh", Flags: sensor.FlagTrunc2, Str1: []byte("/bin/sh"), Str2: args})
	m.Handle(raw)
	if len(*alerts) != 1 || !strings.HasSuffix((*alerts)[0].Output, "...(truncated)") || m.Stats.Truncated != 1 {
		t.Fatalf("alerts: %+v, stats %+v", *alerts, m.Stats)
	}
}

// Undecodable records are counted and skipped.
func TestBadRecordsCounted(t *testing.T) {
	m, _ := newMonitor(t, t.TempDir(), rules(t, "[]"))
	for _, raw := range [][]byte{nil, {0xEB}, make([]byte, 200)} {
		if err := m.Handle(raw); err != nil {
			t.Fatal(err)
		}
	}
	if m.Stats.DecodeErrors != 3 {
		t.Fatalf("stats %+v", m.Stats)
	}
}

// FuzzHandle: any bytes as a ring-buffer record decode or are counted as undecodable, and
// every field of the syscall source extracts from whatever event they make.
func FuzzHandle(f *testing.F) {
	openat, mkdirat, connect, dup3, socket := int32(-1), int32(-1), int32(-1), int32(-1), int32(-1)
	for nr := int32(0); nr < 1024; nr++ {
		if sc := sensor.Lookup(nr); sc != nil {
			switch sc.Name {
			case "openat":
				openat = nr
			case "mkdirat":
				mkdirat = nr
			case "connect":
				connect = nr
			case "dup3":
				dup3 = nr
			case "socket":
				socket = nr
			}
		}
	}
	f.Add(sensor.Encode(&sensor.Record{Kind: sensor.KindSyscall, Pid: 1, Nr: openat, Ret: 3, Flags: sensor.FlagResolved, Num: [3]uint64{unix.O_WRONLY | unix.O_CREAT, 0o644, 0}, Str1: []byte("hacker/etc/")}))
	f.Add(sensor.Encode(&sensor.Record{Kind: sensor.KindSyscall, Pid: 2, Nr: mkdirat, Num: [3]uint64{0, 0o755, uint64(0xffffffffffffff9c)}, Str1: []byte("../../bin/tools")}))
	f.Add(sensor.Encode(&sensor.Record{Kind: sensor.KindSyscall, Pid: 3, Nr: connect, Num: [3]uint64{3, 0, 16}, Str2: []byte{2, 0, 0, 80, 10, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0}}))
	f.Add(sensor.Encode(&sensor.Record{Kind: sensor.KindExec, Pid: 4, Ppid: 3, Comm: "bash", TTY: 34816, Flags: sensor.FlagResolved, Str1: []byte("bash/bin/usr/"), Str2: []byte("bash\x00-i\x00")}))
	f.Add(sensor.Encode(&sensor.Record{Kind: sensor.KindExit, Pid: 4}))
	f.Add(sensor.Encode(&sensor.Record{Kind: sensor.KindSyscall, Pid: 5, Nr: dup3, Ret: 1, Flags: sensor.FlagSock, CapEff: 1 << 21,
		Sock: sensor.Sock{Family: unix.AF_INET6, Proto: unix.IPPROTO_TCP, Type: unix.SOCK_STREAM, LPort: 40000, RPort: 22, RAddr: [16]byte{15: 1}}}))
	f.Add(sensor.Encode(&sensor.Record{Kind: sensor.KindSyscall, Pid: 6, Nr: socket, Ret: 3, Num: [3]uint64{unix.AF_PACKET, unix.SOCK_RAW, 0}, Flags: sensor.FlagSock,
		Sock: sensor.Sock{Family: unix.AF_PACKET, Type: unix.SOCK_RAW}}))
	f.Add([]byte{0xEB, 1})
	exs := detecttest.Extractors(f, syscalls.Source(), func(detect.Field) string { return "" })
	root := f.TempDir()
	f.Fuzz(func(t *testing.T, raw []byte) {
		table := &proc.Table{ProcRoot: root, Cgroups: &container.Resolver{ProcRoot: root, CgroupRoot: root}}
		m := &Monitor{Rules: &detect.Ruleset{}, Table: table, OnEvent: func(e *syscalls.Event) { detecttest.ExtractAll(exs, e) }}
		if err := m.Handle(raw); err != nil {
			t.Fatal(err)
		}
	})
}
