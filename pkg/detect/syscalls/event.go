// Package syscalls is the syscall event source of the detect engine: the data model of a
// kernel event as the runtime sensor delivers it (the syscall, its resolved arguments, the
// process with its ancestry, the container and pod) and the field table of Falco's syscall
// vocabulary (evt.*, proc.*, fd.*, user.*, container.*, k8s.*) over it.
package syscalls

import (
	"net/netip"
	"strconv"

	"github.com/eksguard/eksguard/pkg/finding"
)

// SourceName is the source name rule files use.
const SourceName = "syscall"

// Container is what is known of a process's container.
type Container struct {
	ID        string // full ID; "" for the host
	Runtime   string // containerd, cri-o, docker, podman
	Name      string // the container's name in its pod, when known
	Image     string // image reference, when known
	Namespace string // Kubernetes namespace of the pod, when known
	Pod       string // pod name, when known
	PodUID    string
	// Privileged is the pod spec's securityContext.privileged of the container, when
	// PrivilegedKnown (the pod is known).
	Privileged, PrivilegedKnown bool
}

// ShortID is Falco's container.id: 12 characters, or "host".
func (c *Container) ShortID() string {
	if c == nil || c.ID == "" {
		return "host"
	}
	if len(c.ID) > 12 {
		return c.ID[:12]
	}
	return c.ID
}

// Process is one process as the process table knows it.
type Process struct {
	Pid, Ppid uint32
	Name      string   // comm (at most 15 bytes, as the kernel keeps it)
	ExePath   string   // resolved path of the executable, as the process sees it
	Args      []string // argv; Args[0] is proc.exe
	ArgsTrunc bool     // the command line was longer than the kernel buffer and is cut
	TTY       uint32
	UID, GID  uint32
	LoginUID  uint32
	UserName  string
	GroupName string // name of GID, from the group file the process sees
	LoginName string // name of LoginUID
	StartNs   int64
	Cwd       string
	// ExeUpperLayer says the executable, at the exec the sensor saw, was on an overlayfs
	// and existed in its upper (writable) layer: written or changed after the container
	// started. False for programs started before the sensor.
	ExeUpperLayer bool
	// ExeCtime and ExeMtime are the executable's inode change and modification times (Unix
	// ns) when HasExeIno: read at the exec of an upper-layer executable, for the outputs.
	ExeCtime, ExeMtime int64
	HasExeIno          bool
	Container          *Container
	// Session is the leader of the process's session when known (read from /proc; a new
	// program keeps its process's session, a new process its parent's).
	Session *Process
	// Parent is the parent process when known. It is kept after the parent exits, so a
	// child's ancestry survives it, as Falco's thread table does.
	Parent *Process
}

// Exe is argv[0] (proc.exe).
func (p *Process) Exe() string {
	if len(p.Args) == 0 {
		return p.Name
	}
	return p.Args[0]
}

// Cmdline is Falco's proc.cmdline: the name followed by the arguments.
func (p *Process) Cmdline() string {
	n := len(p.Name)
	for _, a := range p.Args[min(1, len(p.Args)):] {
		n += 1 + len(a)
	}
	b := make([]byte, 0, n+16)
	b = append(b, p.Name...)
	if len(p.Args) > 1 {
		for _, a := range p.Args[1:] {
			b = append(b, ' ')
			b = append(b, a...)
		}
	}
	if p.ArgsTrunc {
		b = append(b, " ...(truncated)"...)
	}
	return string(b)
}

// ArgString is Falco's proc.args: the arguments without argv[0].
func (p *Process) ArgString() string {
	if len(p.Args) < 2 {
		return ""
	}
	s := p.Args[1]
	for _, a := range p.Args[2:] {
		s += " " + a
	}
	return s
}

// Event is one kernel event of the syscall source.
type Event struct {
	Number uint64
	Time   int64  // Unix ns
	Type   string // evt.type: openat, execve, mkdirat, ...
	Res    int64  // return value: >= 0 success, else -errno
	Proc   *Process

	// Path and Path2 are the syscall's path arguments. For an open or an exec they are the
	// kernel's resolved path of the file; for other calls the caller's argument made
	// absolute against the process's working directory and cleaned of "." and "..".
	Path, Path2 string
	// RawPath is the path argument as the caller passed it.
	RawPath string
	// PathTrunc says a path was longer than the kernel buffer and is cut.
	PathTrunc bool
	// Resolved says Path is the kernel's resolved path.
	Resolved bool

	Flags, Mode     uint64 // open flags or the syscall's flags; file mode
	HasFlags        bool
	HasMode         bool
	FD              int64 // fd.num: the opened fd, or the socket of connect/accept; -1 when none
	Nums            [3]uint64
	Sockaddr        []byte // connect/accept peer address
	UIDArg, GIDArg  int64  // setuid/setgid argument; -1 when none
	Request         uint64 // ptrace request
	Hostname        string
	IsTruncatedArgs bool

	// Caps are the thread's effective capabilities (bit N: capability N) when HasCaps.
	Caps    uint64
	HasCaps bool
	// Socket is the kernel's socket of the call (connect, accept, socket, dup of a socket)
	// when HasSocket.
	Socket    Socket
	HasSocket bool
	// Domain is socket's domain argument (AF_*) when HasDomain.
	Domain    uint64
	HasDomain bool
}

// Socket is what the kernel says of a socket: family (AF_*), protocol (IPPROTO_*), type
// (SOCK_*), local and remote address and port.
type Socket struct {
	Family       uint16
	Proto, Type  uint8
	LPort, RPort uint16
	LAddr, RAddr netip.Addr
}

// Num implements detect.Event.
func (e *Event) Num() uint64 { return e.Number }

// TimeNs implements detect.Event.
func (e *Event) TimeNs() int64 { return e.Time }

// Subject names the pod (or the host process) of the event for findings.
func (e *Event) Subject() finding.Subject {
	c := e.Proc.Container
	if c != nil && c.Pod != "" {
		return finding.Subject{APIVersion: "v1", Kind: "Pod", Namespace: c.Namespace, Name: c.Pod}
	}
	if c != nil && c.ID != "" {
		return finding.Subject{Kind: "Container", Name: c.ShortID()}
	}
	return finding.Subject{Kind: "Process", Name: e.Proc.Name + "[" + strconv.FormatUint(uint64(e.Proc.Pid), 10) + "]"}
}
