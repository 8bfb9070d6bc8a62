// Package monitor turns the sensor's raw records into syscall events: it decodes each
// record, keeps the process table current, resolves path arguments and container, and runs
// the syscall rules of a rule set over the event.
package monitor

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/eksguard/eksguard/pkg/detect"
	"github.com/eksguard/eksguard/pkg/detect/stream"
	"github.com/eksguard/eksguard/pkg/detect/syscalls"
	"github.com/eksguard/eksguard/pkg/runtime/proc"
	"github.com/eksguard/eksguard/pkg/runtime/sensor"
)

// Stats count what a monitor handled.
type Stats struct {
	Records      uint64 // raw records read
	Events       uint64 // syscall and exec events evaluated
	Alerts       uint64
	DecodeErrors uint64 // records that could not be decoded (counted, skipped)
	Unknown      uint64 // records of a syscall number the table does not know
	Truncated    uint64 // events with a path or command line cut at the kernel buffer
}

// Monitor evaluates rules over sensor records. It is not safe for concurrent use.
type Monitor struct {
	Rules    *detect.Ruleset
	Table    *proc.Table
	WallNs   func(boot uint64) int64
	Hostname string
	// Emit receives each alert; its error stops the run.
	Emit func(*stream.Alert) error
	// OnEvent, when set, sees every event after the rules (tests, benchmarks).
	OnEvent func(*syscalls.Event)
	Stats   Stats

	rec sensor.Record
	ev  syscalls.Event
}

// Handle processes one raw ring-buffer record.
func (m *Monitor) Handle(raw []byte) error {
	m.Stats.Records++
	r := &m.rec
	if err := sensor.Decode(raw, r); err != nil {
		m.Stats.DecodeErrors++
		return nil
	}
	h := proc.Header{Pid: r.Pid, Ppid: r.Ppid, UID: r.UID, GID: r.GID, LoginUID: r.LoginUID, TTY: r.TTY, Comm: r.Comm, Cgroup: r.Cgroup}
	wall := int64(r.BootNs)
	if m.WallNs != nil {
		wall = m.WallNs(r.BootNs)
	}
	e := &m.ev
	*e = syscalls.Event{Time: wall, Hostname: m.Hostname, FD: -1, UIDArg: -1, GIDArg: -1, Caps: r.CapEff, HasCaps: true}
	if r.Flags&sensor.FlagSock != 0 {
		e.HasSocket = true
		e.Socket = sockFrom(&r.Sock)
	}
	switch r.Kind {
	case sensor.KindExit:
		m.Table.Exit(r.Pid)
		return nil
	case sensor.KindExec:
		args := proc.SplitArgs(r.Str2)
		exe := r.Path1()
		if strings.HasPrefix(exe, "/memfd:") {
			exe = exe[1:] // a memfd is no file: Falco names it memfd:NAME
		}
		e.Proc = m.Table.Exec(h, exe, args, r.Flags&sensor.FlagTrunc2 != 0, wall)
		e.Proc.ExeUpperLayer = r.Flags&sensor.FlagUpper != 0
		if e.Proc.ExeUpperLayer {
			// the inode times the drop-and-execute rule prints: read while the process
			// runs (absent once it is gone), and only for these rare execs
			var st unix.Stat_t
			if unix.Stat(m.Table.ProcRoot+"/"+strconv.FormatUint(uint64(r.Pid), 10)+"/exe", &st) == nil {
				e.Proc.ExeCtime, e.Proc.ExeMtime, e.Proc.HasExeIno = st.Ctim.Nano(), st.Mtim.Nano(), true
			}
		}
		e.Type = "execve"
		if sc := sensor.Lookup(r.Nr); sc != nil && sc.Name == "execveat" {
			e.Type = "execveat"
		}
		e.Path, e.Resolved = e.Proc.ExePath, r.Flags&sensor.FlagResolved != 0
		e.PathTrunc = r.Flags&sensor.FlagTrunc1 != 0
	case sensor.KindSyscall:
		sc := sensor.Lookup(r.Nr)
		if sc == nil {
			m.Stats.Unknown++
			return nil
		}
		e.Proc = m.Table.Get(h)
		e.Type = sc.Name
		e.Res = r.Ret
		m.fill(e, sc.Name, r)
	default:
		return nil
	}
	if e.PathTrunc || e.Proc.ArgsTrunc {
		m.Stats.Truncated++
	}
	m.Stats.Events++
	e.Number = m.Stats.Events
	for _, rule := range m.Rules.Candidates(syscalls.SourceName, e) {
		if rule.Match(e) {
			if err := m.alert(rule, e); err != nil {
				return err
			}
		}
	}
	if m.OnEvent != nil {
		m.OnEvent(e)
	}
	return nil
}

// sockFrom converts the kernel's socket fields.
func sockFrom(s *sensor.Sock) syscalls.Socket {
	out := syscalls.Socket{Family: s.Family, Proto: s.Proto, Type: s.Type, LPort: s.LPort, RPort: s.RPort}
	switch s.Family {
	case unix.AF_INET:
		out.LAddr, out.RAddr = netip.AddrFrom4([4]byte(s.LAddr[:4])), netip.AddrFrom4([4]byte(s.RAddr[:4]))
	case unix.AF_INET6:
		out.LAddr, out.RAddr = netip.AddrFrom16(s.LAddr).Unmap(), netip.AddrFrom16(s.RAddr).Unmap()
	}
	return out
}

func dirfd(v uint64) int64 { return int64(int32(uint32(v))) }

const atFDCWD = uint64(0xffffffffffffff9c) // -100 as the kernel passes it

// fill sets the event's arguments from a syscall record.
func (m *Monitor) fill(e *syscalls.Event, name string, r *sensor.Record) {
	e.PathTrunc = r.Flags&(sensor.FlagTrunc1|sensor.FlagTrunc2) != 0
	raw1 := string(r.Str1)
	path := func(dfd uint64, p string) string {
		s, _ := m.Table.Resolve(r.Pid, dirfd(dfd), p)
		return s
	}
	cwd := atFDCWD
	switch name {
	case "open", "openat", "openat2", "creat":
		switch name {
		case "open":
			e.Flags, e.Mode = r.Num[0], r.Num[1]
		case "openat":
			e.Flags, e.Mode = r.Num[0], r.Num[1]
			cwd = r.Num[2]
		case "openat2":
			e.Flags = uint64(r.FFlags)
			cwd = r.Num[2]
		case "creat":
			e.Flags, e.Mode = unix.O_CREAT|unix.O_WRONLY|unix.O_TRUNC, r.Num[1]
		}
		e.HasFlags = name != "openat2" || r.Flags&sensor.FlagResolved != 0
		e.HasMode = e.Flags&unix.O_CREAT != 0 && name != "openat2"
		if r.Flags&sensor.FlagResolved != 0 {
			e.Path, e.Resolved = r.Path1(), true
		} else {
			e.RawPath = raw1
			e.Path = path(cwd, raw1)
		}
		if r.Ret >= 0 {
			e.FD = r.Ret
		}
	case "mkdir", "rmdir", "unlink", "chmod":
		e.RawPath, e.Path = raw1, path(cwd, raw1)
		if name == "mkdir" || name == "chmod" {
			e.Mode, e.HasMode = r.Num[1], true
		}
	case "mkdirat", "unlinkat", "fchmodat":
		e.RawPath, e.Path = raw1, path(r.Num[2], raw1)
		if name == "unlinkat" {
			e.Flags, e.HasFlags = r.Num[0], true
		} else {
			e.Mode, e.HasMode = r.Num[1], true
		}
	case "fchmod":
		e.FD = int64(int32(uint32(r.Num[0])))
		e.Mode, e.HasMode = r.Num[1], true
		e.Path, _ = m.Table.Resolve(r.Pid, e.FD, ".")
	case "rename", "link":
		e.RawPath, e.Path, e.Path2 = raw1, path(cwd, raw1), path(cwd, string(r.Str2))
	case "renameat", "renameat2", "linkat":
		e.RawPath, e.Path, e.Path2 = raw1, path(r.Num[2], raw1), path(r.Num[1], string(r.Str2))
		if name != "renameat" {
			e.Flags, e.HasFlags = r.Num[0], true
		}
	case "symlink":
		e.RawPath, e.Path, e.Path2 = raw1, raw1, path(cwd, string(r.Str2))
	case "symlinkat":
		e.RawPath, e.Path, e.Path2 = raw1, raw1, path(r.Num[1], string(r.Str2))
	case "connect":
		e.FD = int64(int32(uint32(r.Num[0])))
		e.Sockaddr = r.Str2
	case "accept", "accept4":
		if r.Ret >= 0 {
			e.FD = r.Ret
		}
		e.Sockaddr = r.Str2
	case "socket":
		if r.Ret >= 0 {
			e.FD = r.Ret
		}
		e.Domain, e.HasDomain = r.Num[0], true
	case "dup", "dup2", "dup3":
		if r.Ret >= 0 {
			e.FD = r.Ret
		}
	case "ptrace":
		e.Request = r.Num[0]
	case "setuid":
		e.UIDArg = int64(int32(uint32(r.Num[0])))
	case "setreuid", "setresuid":
		e.UIDArg = int64(int32(uint32(r.Num[1])))
	case "setgid":
		e.GIDArg = int64(int32(uint32(r.Num[0])))
	case "setregid", "setresgid":
		e.GIDArg = int64(int32(uint32(r.Num[1])))
	case "memfd_create":
		e.RawPath, e.Path = raw1, "memfd:"+raw1
		e.Flags, e.HasFlags = r.Num[0], true
	case "init_module", "finit_module":
		e.Flags, e.HasFlags = r.Num[0], name == "finit_module"
	}
}

func (m *Monitor) alert(rule *detect.Rule, e *syscalls.Event) error {
	m.Stats.Alerts++
	out, fields := rule.Render(e)
	for k, v := range fields {
		fields[k] = strings.Clone(v)
	}
	a := &stream.Alert{Rule: rule, Time: time.Unix(0, e.Time).UTC(), Output: out, Fields: fields, Source: syscalls.SourceName,
		Input: "runtime", Subject: e.Subject()}
	if m.Emit == nil {
		return nil
	}
	return m.Emit(a)
}

// DropRule is the built-in rule whose alerts report lost events (never silent).
var DropRule = &detect.Rule{
	Name:     "eksguard sensor dropped events",
	Desc:     "The runtime sensor lost kernel events: the ring buffer was full. Detections may have been missed while events were lost.",
	Output:   "Runtime sensor dropped events | lost=%d ringbuf=%d",
	Priority: detect.PriorityError,
	Source:   syscalls.SourceName,
	Enabled:  true,
	Tags:     []string{"eksguard", "sensor_health"},
	File:     "built-in",
}

// DropAlert builds the alert for lost events since the previous report.
func DropAlert(delta sensor.Lost, now time.Time, host string) *stream.Alert {
	out := fmt.Sprintf("Runtime sensor dropped events | lost=%d ringbuf=%d host=%s", delta.Total(), delta.RingBuffer, host)
	return &stream.Alert{Rule: DropRule, Time: now.UTC(), Output: out, Source: syscalls.SourceName, Input: "runtime",
		Fields: map[string]string{"lost": fmt.Sprint(delta.Total()), "ringbuf": fmt.Sprint(delta.RingBuffer), "evt.hostname": host}}
}
