package syscalls

import (
	"encoding/binary"
	"net/netip"
	"path"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/sys/unix"

	"github.com/eksguard/eksguard/pkg/detect"
)

var (
	srcOnce sync.Once
	src     *detect.Source
)

// Source returns the syscall source with its field table. Rules filter on evt.type first,
// so it is the index field.
func Source() *detect.Source {
	srcOnce.Do(func() {
		src = detect.NewSource(SourceName, eventFields(), procFields(), fdFields(), userFields(), containerFields())
		src.IndexField = "evt.type"
	})
	return src
}

func ev(e detect.Event) *Event { return e.(*Event) }

func str(name, desc string, fn func(e *Event) (string, bool)) detect.Field {
	return detect.StrField(name, desc, func(x detect.Event) (string, bool) { return fn(ev(x)) })
}

func num(name, desc string, fn func(e *Event) (uint64, bool)) detect.Field {
	return detect.NumField(name, desc, func(x detect.Event) (uint64, bool) { return fn(ev(x)) })
}

func signed(v int64) string { return strconv.FormatInt(v, 10) }

func isOpen(e *Event) bool {
	switch e.Type {
	case "open", "openat", "openat2", "creat":
		return true
	}
	return false
}

func boolStr(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

func eventFields() []detect.Field {
	fs := detect.EventFields(SourceName)
	// evt.source, evt.num and the time fields come from the generic table; the plugin
	// fields do not apply to kernel events.
	out := fs[:0]
	for _, f := range fs {
		switch f.Name {
		case "evt.pluginname", "evt.plugininfo":
			continue
		}
		out = append(out, f)
	}
	return append(out,
		str("evt.type", "The syscall: execve, openat, mkdirat, connect, ... (an exec is execve or execveat).", func(e *Event) (string, bool) { return e.Type, true }),
		str("evt.dir", "The direction: always < (every event is reported when the syscall returns).", func(*Event) (string, bool) { return "<", true }),
		str("evt.res", "SUCCESS, or the error name (ENOENT, EACCES, ...) when the syscall failed.", func(e *Event) (string, bool) {
			if e.Res >= 0 {
				return "SUCCESS", true
			}
			return unix.ErrnoName(unix.Errno(-e.Res)), true
		}),
		str("evt.rawres", "The syscall's return value as a signed number (compare with <, >=, in).", func(e *Event) (string, bool) { return signed(e.Res), true }),
		str("evt.failed", "true when the syscall failed.", func(e *Event) (string, bool) { return boolStr(e.Res < 0), true }),
		str("evt.is_open_read", "true for an open for reading (O_RDONLY or O_RDWR).", func(e *Event) (string, bool) {
			if !isOpen(e) || !e.HasFlags {
				return "false", true
			}
			acc := e.Flags & unix.O_ACCMODE
			return boolStr(e.Flags&unix.O_PATH == 0 && (acc == unix.O_RDONLY || acc == unix.O_RDWR)), true
		}),
		str("evt.is_open_write", "true for an open for writing (O_WRONLY or O_RDWR).", func(e *Event) (string, bool) {
			if !isOpen(e) || !e.HasFlags {
				return "false", true
			}
			acc := e.Flags & unix.O_ACCMODE
			return boolStr(e.Flags&unix.O_PATH == 0 && (acc == unix.O_WRONLY || acc == unix.O_RDWR)), true
		}),
		str("evt.is_open_exec", "true for an open that creates an executable file (O_CREAT with an execute bit).", func(e *Event) (string, bool) {
			return boolStr(isOpen(e) && e.HasFlags && e.Flags&unix.O_CREAT != 0 && e.HasMode && e.Mode&0o111 != 0), true
		}),
		str("evt.arg.flags", "The syscall's flags rendered as names: open flags (O_WRONLY|O_CREAT|...), memfd_create or unlinkat flags as numbers.", func(e *Event) (string, bool) {
			if !e.HasFlags {
				return "", false
			}
			if isOpen(e) {
				return OpenFlagString(e.Flags), true
			}
			return strconv.FormatUint(e.Flags, 10), true
		}),
		str("evt.arg.mode", "The mode argument rendered as names (S_ISUID|S_IRUSR|...): open, mkdir, chmod.", func(e *Event) (string, bool) {
			if !e.HasMode {
				return "", false
			}
			return ModeString(e.Mode), true
		}),
		pathArg("evt.arg.path", "The path argument (mkdir, rmdir, chmod, unlink...), resolved: absolute, without . and ..; for open and exec the kernel's resolved path.", 1),
		pathArg("evt.arg.name", "The file name of open calls (resolved, as evt.arg.path).", 1),
		pathArg("evt.arg.pathname", "The path argument (legacy name).", 1),
		pathArg("evt.arg.filename", "The executable's path of an exec, or the file of open/creat.", 1),
		pathArg("evt.arg.oldpath", "The source of rename and link (resolved).", 1),
		pathArg("evt.arg.newpath", "The destination of rename and link (resolved).", 2),
		pathArg("evt.arg.target", "The target of symlink, as written (not resolved: a symlink's target is text).", 1),
		pathArg("evt.arg.linkpath", "The link created by symlink (resolved).", 2),
		str("evt.arg.uid", "The uid argument of setuid (setreuid, setresuid: the effective one).", func(e *Event) (string, bool) {
			if e.UIDArg < 0 {
				return "", false
			}
			return signed(e.UIDArg), true
		}),
		str("evt.arg.gid", "The gid argument of setgid (setregid, setresgid: the effective one).", func(e *Event) (string, bool) {
			if e.GIDArg < 0 {
				return "", false
			}
			return signed(e.GIDArg), true
		}),
		str("evt.arg.request", "The ptrace request (PTRACE_ATTACH, PTRACE_POKETEXT, ...).", func(e *Event) (string, bool) {
			if e.Type != "ptrace" {
				return "", false
			}
			if n, ok := ptraceRequests[e.Request]; ok {
				return n, true
			}
			return strconv.FormatUint(e.Request, 10), true
		}),
		str("evt.arg.fd", "The file descriptor argument (connect, accept, fchmod) or the opened fd.", func(e *Event) (string, bool) {
			if e.FD < 0 {
				return "", false
			}
			return signed(e.FD), true
		}),
		str("evt.arg.domain", "The domain (address family) argument of socket, as a name (AF_INET, AF_PACKET, ...; a number when unnamed).", func(e *Event) (string, bool) {
			if !e.HasDomain {
				return "", false
			}
			return familyName(e.Domain), true
		}),
		str("evt.args", "The event's arguments as one line: res, path(s), flags, mode.", func(e *Event) (string, bool) { return e.argsLine(), true }),
		str("evt.hostname", "The host name of the node.", func(e *Event) (string, bool) { return e.Hostname, e.Hostname != "" }),
		str("evt.is_truncated", "true when a path or the command line was longer than the kernel buffer and is cut.", func(e *Event) (string, bool) {
			return boolStr(e.PathTrunc || e.Proc.ArgsTrunc), true
		}),
	)
}

// pathArg is a path argument field; which says which path (1 or 2) it reads.
func pathArg(name, desc string, which int) detect.Field {
	return str(name, desc, func(e *Event) (string, bool) {
		switch name {
		case "evt.arg.target":
			if e.Type != "symlink" && e.Type != "symlinkat" {
				return "", false
			}
			return e.RawPath, e.RawPath != ""
		case "evt.arg.linkpath":
			if e.Type != "symlink" && e.Type != "symlinkat" {
				return "", false
			}
		case "evt.arg.oldpath", "evt.arg.newpath":
			switch e.Type {
			case "rename", "renameat", "renameat2", "link", "linkat":
			default:
				return "", false
			}
		}
		if which == 2 {
			return e.Path2, e.Path2 != ""
		}
		return e.Path, e.Path != ""
	})
}

func (e *Event) argsLine() string {
	b := []byte("res=" + signed(e.Res))
	if e.Path != "" {
		b = append(b, " path="+e.Path...)
	}
	if e.Path2 != "" {
		b = append(b, " path2="+e.Path2...)
	}
	if e.HasFlags {
		b = append(b, " flags="+strconv.FormatUint(e.Flags, 10)...)
	}
	if e.HasMode {
		b = append(b, " mode="+strconv.FormatUint(e.Mode, 8)...)
	}
	return string(b)
}

// ancestor returns the n-th ancestor (0 the process itself).
func ancestor(p *Process, n int) *Process {
	for i := 0; i < n && p != nil; i++ {
		p = p.Parent
	}
	return p
}

// MaxAncestors bounds how far up ancestry fields look.
const MaxAncestors = 64

// ancestry is a field over the ancestors: with an index N the N-th one (0 the process
// itself, 1 its parent), without one every ancestor (parent upward), and "in" holds when
// any of them is in the set.
func ancestry(name, desc string, get func(p *Process) string) detect.Field {
	return detect.Field{Name: name, Type: detect.TypeString, Arg: detect.ArgIndex, Any: true, Desc: desc,
		Bind: func(arg string) (detect.Extractor, error) {
			if arg == "" {
				return detect.Extractor{Strs: func(x detect.Event, buf []string) []string {
					p := ev(x).Proc.Parent
					for i := 0; p != nil && i < MaxAncestors; i++ {
						buf = append(buf, get(p))
						p = p.Parent
					}
					return buf
				}}, nil
			}
			n, err := strconv.Atoi(arg)
			if err != nil || n < 0 || n > MaxAncestors {
				return detect.Extractor{}, &argError{arg}
			}
			return detect.Extractor{Str: func(x detect.Event) (string, bool) {
				p := ancestor(ev(x).Proc, n)
				if p == nil {
					return "", false
				}
				return get(p), true
			}}, nil
		}}
}

type argError struct{ arg string }

func (a *argError) Error() string {
	return "argument " + strconv.Quote(a.arg) + " is not an ancestor index (0-64)"
}

func parent(e *Event) *Process { return e.Proc.Parent }

func procFields() []detect.Field {
	pstr := func(name, desc string, get func(p *Process) (string, bool)) detect.Field {
		return str(name, desc, func(e *Event) (string, bool) { return get(e.Proc) })
	}
	ppstr := func(name, desc string, get func(p *Process) (string, bool)) detect.Field {
		return str(name, desc, func(e *Event) (string, bool) {
			if p := parent(e); p != nil {
				return get(p)
			}
			return "", false
		})
	}
	name := func(p *Process) (string, bool) { return p.Name, true }
	exe := func(p *Process) (string, bool) { return p.Exe(), true }
	exepath := func(p *Process) (string, bool) { return p.ExePath, p.ExePath != "" }
	cmdline := func(p *Process) (string, bool) { return p.Cmdline(), true }
	pid := func(p *Process) (string, bool) { return strconv.FormatUint(uint64(p.Pid), 10), true }
	return []detect.Field{
		pstr("proc.name", "The process name (comm: the executable's file name, at most 15 characters).", name),
		pstr("proc.exe", "The first command-line argument (argv[0]).", exe),
		pstr("proc.exepath", "The executable's full path, resolved by the kernel (symbolic links followed).", exepath),
		pstr("proc.cmdline", "The name and arguments: proc.name followed by argv[1..]; marked ...(truncated) when cut.", cmdline),
		pstr("proc.args", "The arguments without argv[0].", func(p *Process) (string, bool) { return p.ArgString(), true }),
		num("proc.pid", "The process ID (in the host's PID namespace).", func(e *Event) (uint64, bool) { return uint64(e.Proc.Pid), true }),
		num("proc.ppid", "The parent's process ID.", func(e *Event) (uint64, bool) { return uint64(e.Proc.Ppid), true }),
		num("proc.tty", "The controlling terminal (tty_nr as in /proc/PID/stat); 0 when none.", func(e *Event) (uint64, bool) { return uint64(e.Proc.TTY), true }),
		pstr("proc.cwd", "The working directory, when known.", func(p *Process) (string, bool) { return p.Cwd, p.Cwd != "" }),
		num("proc.duration", "Nanoseconds since the process started (when its start is known).", func(e *Event) (uint64, bool) {
			if e.Proc.StartNs == 0 || e.Time < e.Proc.StartNs {
				return 0, false
			}
			return uint64(e.Time - e.Proc.StartNs), true
		}),
		ppstr("proc.pname", "The parent's name; absent when the parent is not known.", name),
		ppstr("proc.pexe", "The parent's argv[0].", exe),
		ppstr("proc.pexepath", "The parent's executable path.", exepath),
		ppstr("proc.pcmdline", "The parent's command line.", cmdline),
		str("proc.sname", "The name of the session leader, when known (sessions are read from /proc and inherited; a setsid after the sensor started is not seen).", func(e *Event) (string, bool) {
			if s := e.Proc.Session; s != nil && s.Name != "" {
				return s.Name, true
			}
			return "", false
		}),
		str("proc.is_exe_from_memfd", "true when the executable is a memfd (memfd_create, not a file on disk; proc.exepath is then memfd:NAME).", func(e *Event) (string, bool) {
			return boolStr(strings.HasPrefix(e.Proc.ExePath, "memfd:")), true
		}),
		str("proc.is_exe_upper_layer", "true when the executable is in the upper (writable) layer of an overlayfs, such as a file written into a running container; known from the exec the sensor saw (false for programs started before it).", func(e *Event) (string, bool) {
			return boolStr(e.Proc.ExeUpperLayer), true
		}),
		str("proc.exe_ino.ctime", "The executable's inode change time (ns since the epoch); read only for upper-layer executables (proc.is_exe_upper_layer), else absent.", func(e *Event) (string, bool) {
			return strconv.FormatInt(e.Proc.ExeCtime, 10), e.Proc.HasExeIno
		}),
		str("proc.exe_ino.mtime", "The executable's modification time (ns since the epoch), as proc.exe_ino.ctime.", func(e *Event) (string, bool) {
			return strconv.FormatInt(e.Proc.ExeMtime, 10), e.Proc.HasExeIno
		}),
		str("proc.exe_ino.ctime_duration_proc_start", "ns from the executable's inode change to the process's start, as proc.exe_ino.ctime.", func(e *Event) (string, bool) {
			return strconv.FormatInt(e.Proc.StartNs-e.Proc.ExeCtime, 10), e.Proc.HasExeIno && e.Proc.StartNs != 0
		}),
		ancestry("proc.aname", "The name of an ancestor: proc.aname[N] is the N-th (1 the parent); proc.aname alone matches any ancestor.", func(p *Process) string { return p.Name }),
		ancestry("proc.aexe", "argv[0] of an ancestor (see proc.aname).", func(p *Process) string { return p.Exe() }),
		ancestry("proc.aexepath", "The executable path of an ancestor (see proc.aname).", func(p *Process) string { return p.ExePath }),
		ancestry("proc.apid", "The PID of an ancestor (see proc.aname).", func(p *Process) string { s, _ := pid(p); return s }),
		str("thread.tid", "Not used: events carry the process; always the PID.", func(e *Event) (string, bool) { return strconv.FormatUint(uint64(e.Proc.Pid), 10), true }),
		str("thread.cap_effective", "The thread's effective capabilities at the event, as names separated by spaces (CAP_CHOWN CAP_SYS_ADMIN ...), read from its credentials by the kernel side.", func(e *Event) (string, bool) {
			if !e.HasCaps {
				return "", false
			}
			return capNames(e.Caps), true
		}),
	}
}

// fdKind classifies the event's file descriptor: f file, d directory, 4 IPv4, 6 IPv6, u unix.
func fdKind(e *Event) (byte, bool) {
	if isOpen(e) {
		if e.FD < 0 && e.Res < 0 {
			return 'f', true
		}
		if e.HasFlags && e.Flags&unix.O_DIRECTORY != 0 && e.Flags&unix.O_TMPFILE != unix.O_TMPFILE {
			return 'd', true
		}
		return 'f', true
	}
	if e.HasSocket {
		switch e.Socket.Family {
		case unix.AF_INET:
			return '4', true
		case unix.AF_INET6:
			return '6', true
		case unix.AF_UNIX:
			return 'u', true
		}
	}
	if len(e.Sockaddr) >= 2 {
		switch binary.LittleEndian.Uint16(e.Sockaddr) {
		case unix.AF_INET:
			return '4', true
		case unix.AF_INET6:
			return '6', true
		case unix.AF_UNIX:
			return 'u', true
		}
	}
	return 0, false
}

// peer decodes the sockaddr of connect/accept.
func peer(e *Event) (netip.AddrPort, bool) {
	sa := e.Sockaddr
	if len(sa) < 2 {
		// no address argument (dup, socket): the socket's own peer, once connected
		if ipSocket(e) && e.Socket.RPort != 0 {
			return netip.AddrPortFrom(e.Socket.RAddr, e.Socket.RPort), true
		}
		return netip.AddrPort{}, false
	}
	port := func() uint16 { return binary.BigEndian.Uint16(sa[2:4]) }
	switch binary.LittleEndian.Uint16(sa) {
	case unix.AF_INET:
		if len(sa) >= 8 {
			return netip.AddrPortFrom(netip.AddrFrom4([4]byte(sa[4:8])), port()), true
		}
	case unix.AF_INET6:
		if len(sa) >= 24 {
			return netip.AddrPortFrom(netip.AddrFrom16([16]byte(sa[8:24])), port()), true
		}
	}
	return netip.AddrPort{}, false
}

func unixPath(e *Event) (string, bool) {
	sa := e.Sockaddr
	if len(sa) < 3 || binary.LittleEndian.Uint16(sa) != unix.AF_UNIX {
		return "", false
	}
	p := sa[2:]
	for i, c := range p {
		if c == 0 && i > 0 {
			p = p[:i]
			break
		}
	}
	if len(p) > 0 && p[0] == 0 {
		return "@" + string(p[1:]), true
	}
	return string(p), true
}

func fdFields() []detect.Field {
	name := func(e *Event) (string, bool) {
		if isOpen(e) {
			return e.Path, e.Path != ""
		}
		if ap, ok := peer(e); ok {
			return ap.String(), true
		}
		return unixPath(e)
	}
	return []detect.Field{
		str("fd.name", "The file's resolved path for opens (symbolic links, .. and /proc/self/root followed by the kernel); the peer address:port for connect and accept.", name),
		str("fd.nameraw", "The path as the caller passed it.", func(e *Event) (string, bool) { return e.RawPath, e.RawPath != "" }),
		str("fd.directory", "The directory of fd.name (files).", func(e *Event) (string, bool) {
			if !isOpen(e) || e.Path == "" {
				return "", false
			}
			return path.Dir(e.Path), true
		}),
		str("fd.filename", "The file name of fd.name, without its directory (files).", func(e *Event) (string, bool) {
			if !isOpen(e) || e.Path == "" {
				return "", false
			}
			return path.Base(e.Path), true
		}),
		str("fd.num", "The file descriptor number as a signed number; -1 when the open failed.", func(e *Event) (string, bool) {
			if isOpen(e) {
				if e.Res < 0 {
					return "-1", true
				}
				return signed(e.Res), true
			}
			if e.FD >= 0 {
				return signed(e.FD), true
			}
			return "", false
		}),
		str("fd.typechar", "The fd's type as one character: f file, d directory, 4 IPv4, 6 IPv6, u unix socket.", func(e *Event) (string, bool) {
			k, ok := fdKind(e)
			return string([]byte{k}), ok
		}),
		str("fd.type", "The fd's type: file, directory, ipv4, ipv6, unix.", func(e *Event) (string, bool) {
			k, ok := fdKind(e)
			return map[byte]string{'f': "file", 'd': "directory", '4': "ipv4", '6': "ipv6", 'u': "unix"}[k], ok
		}),
		str("fd.rip", "The remote (peer) IP address of connect and accept.", func(e *Event) (string, bool) {
			ap, ok := peer(e)
			return ap.Addr().String(), ok
		}),
		str("fd.rport", "The remote (peer) port of connect and accept.", func(e *Event) (string, bool) {
			ap, ok := peer(e)
			return strconv.Itoa(int(ap.Port())), ok
		}),
		str("fd.sip", "The server IP: the peer of connect.", func(e *Event) (string, bool) {
			if e.Type != "connect" {
				return "", false
			}
			ap, ok := peer(e)
			return ap.Addr().String(), ok
		}),
		func() detect.Field {
			f := detect.ListField("fd.sip.name", "The names the server IP of connect is known by: each name a rule compares fd.sip.name with is resolved through DNS at start and every minute, as Falco does; absent when none resolved to it.", func(ev detect.Event, buf []string) []string {
				e := ev.(*Event)
				if e.Type != "connect" {
					return nil
				}
				ap, ok := peer(e)
				if !ok {
					return nil
				}
				return append(buf, Names.For(ap.Addr())...)
			})
			f.Any = true
			f.Compared = func(vals []string) { Names.Add(vals...) }
			return f
		}(),
		str("fd.sport", "The server port: the peer's of connect.", func(e *Event) (string, bool) {
			if e.Type != "connect" {
				return "", false
			}
			ap, ok := peer(e)
			return strconv.Itoa(int(ap.Port())), ok
		}),
		str("fd.lport", "The local port of an IPv4 or IPv6 socket (connect, accept, socket, dup), from the kernel's socket.", func(e *Event) (string, bool) {
			if !ipSocket(e) {
				return "", false
			}
			return strconv.Itoa(int(e.Socket.LPort)), true
		}),
		str("fd.l4proto", "The layer-4 protocol of an IPv4 or IPv6 socket: tcp, udp, icmp or raw.", func(e *Event) (string, bool) {
			if !ipSocket(e) {
				return "", false
			}
			return l4proto(e.Socket), true
		}),
		str("fd.cip", "The client IP: the peer of accept.", func(e *Event) (string, bool) {
			if e.Type != "accept" && e.Type != "accept4" {
				return "", false
			}
			ap, ok := peer(e)
			return ap.Addr().String(), ok
		}),
	}
}

func userFields() []detect.Field {
	return []detect.Field{
		num("user.uid", "The effective user ID.", func(e *Event) (uint64, bool) { return uint64(e.Proc.UID), true }),
		str("user.name", "The user name of user.uid, from the passwd file the process sees (its container's); absent when not found.", func(e *Event) (string, bool) {
			return e.Proc.UserName, e.Proc.UserName != ""
		}),
		str("user.loginuid", "The audit login user ID; -1 when the process was not started from a login.", func(e *Event) (string, bool) {
			return signed(int64(int32(e.Proc.LoginUID))), true
		}),
		str("user.loginname", "The user name of user.loginuid; absent when there is no login or it is not found.", func(e *Event) (string, bool) {
			return e.Proc.LoginName, e.Proc.LoginName != ""
		}),
		num("group.gid", "The effective group ID.", func(e *Event) (uint64, bool) { return uint64(e.Proc.GID), true }),
		str("group.name", "The group name of group.gid, from the group file the process sees; absent when not found.", func(e *Event) (string, bool) {
			return e.Proc.GroupName, e.Proc.GroupName != ""
		}),
	}
}

func containerFields() []detect.Field {
	c := func(e *Event) *Container { return e.Proc.Container }
	cs := func(name, desc string, get func(c *Container) string) detect.Field {
		return str(name, desc, func(e *Event) (string, bool) {
			x := c(e)
			if x == nil {
				return "", false
			}
			v := get(x)
			return v, v != ""
		})
	}
	return []detect.Field{
		str("container.id", "The container ID (12 characters), or host.", func(e *Event) (string, bool) { return c(e).ShortID(), true }),
		str("container.full_id", "The full container ID, or host.", func(e *Event) (string, bool) {
			if x := c(e); x != nil && x.ID != "" {
				return x.ID, true
			}
			return "host", true
		}),
		str("container.name", "The container's name in its pod when known; else its short ID; host for the host.", func(e *Event) (string, bool) {
			x := c(e)
			switch {
			case x == nil || x.ID == "":
				return "host", true
			case x.Name != "":
				return x.Name, true
			}
			return x.ShortID(), true
		}),
		cs("container.type", "The runtime: containerd, cri-o, docker, podman.", func(x *Container) string { return x.Runtime }),
		cs("container.image", "The image reference, when known (from the pod).", func(x *Container) string { return x.Image }),
		cs("container.image.repository", "The image repository, when known.", func(x *Container) string { r, _ := splitImage(x.Image); return r }),
		cs("container.image.tag", "The image tag, when known.", func(x *Container) string { _, t := splitImage(x.Image); return t }),
		str("container.privileged", "true when the container runs privileged (securityContext.privileged in its pod spec); absent without --kubernetes, for the host and for containers whose pod is not known.", func(e *Event) (string, bool) {
			if c := c(e); c != nil && c.PrivilegedKnown {
				return boolStr(c.Privileged), true
			}
			return "", false
		}),
		str("container.start_ts", "The container's start time: not known to the sensor, always absent (<NA> in outputs, false in conditions).", func(*Event) (string, bool) {
			return "", false
		}),
		cs("k8s.ns.name", "The pod's namespace, when known.", func(x *Container) string { return x.Namespace }),
		cs("k8s.pod.name", "The pod's name, when known.", func(x *Container) string { return x.Pod }),
		cs("k8s.pod.uid", "The pod's UID (from the cgroup path).", func(x *Container) string { return x.PodUID }),
	}
}

// splitImage splits "repo:tag" (a digest is not a tag).
func splitImage(img string) (repo, tag string) {
	if i := lastIndexByte(img, '@'); i >= 0 {
		img = img[:i]
	}
	slash := lastIndexByte(img, '/')
	if i := lastIndexByte(img, ':'); i > slash {
		return img[:i], img[i+1:]
	}
	return img, ""
}

func lastIndexByte(s string, c byte) int {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == c {
			return i
		}
	}
	return -1
}

// ipSocket says the event carries an IPv4 or IPv6 socket from the kernel.
func ipSocket(e *Event) bool {
	return e.HasSocket && (e.Socket.Family == unix.AF_INET || e.Socket.Family == unix.AF_INET6)
}

// l4proto names a socket's layer-4 protocol as Falco does.
func l4proto(s Socket) string {
	switch {
	case s.Type == unix.SOCK_RAW:
		return "raw"
	case s.Proto == unix.IPPROTO_TCP:
		return "tcp"
	case s.Proto == unix.IPPROTO_UDP:
		return "udp"
	case s.Proto == unix.IPPROTO_ICMP || s.Proto == unix.IPPROTO_ICMPV6:
		return "icmp"
	}
	return "unknown"
}

var families = map[uint64]string{
	unix.AF_UNIX: "AF_UNIX", unix.AF_INET: "AF_INET", unix.AF_INET6: "AF_INET6", unix.AF_NETLINK: "AF_NETLINK",
	unix.AF_PACKET: "AF_PACKET", unix.AF_BLUETOOTH: "AF_BLUETOOTH", unix.AF_VSOCK: "AF_VSOCK", unix.AF_ALG: "AF_ALG",
	unix.AF_KEY: "AF_KEY", unix.AF_CAN: "AF_CAN", unix.AF_XDP: "AF_XDP", unix.AF_UNSPEC: "AF_UNSPEC",
}

func familyName(f uint64) string {
	if n, ok := families[f]; ok {
		return n
	}
	return strconv.FormatUint(f, 10)
}

// capabilityNames are the kernel's capability numbers' names (include/uapi/linux/capability.h).
var capabilityNames = [...]string{
	"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL",
	"CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE",
	"CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER",
	"CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE", "CAP_SYS_PACCT",
	"CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE", "CAP_SYS_RESOURCE", "CAP_SYS_TIME",
	"CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE", "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL",
	"CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM",
	"CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE",
}

// capNames renders a capability set as Falco does: the names, in number order, separated
// by spaces; an unnamed bit as CAP_N.
func capNames(set uint64) string {
	var b strings.Builder
	for i := 0; i < 64; i++ {
		if set&(1<<i) == 0 {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		if i < len(capabilityNames) {
			b.WriteString(capabilityNames[i])
		} else {
			b.WriteString("CAP_" + strconv.Itoa(i))
		}
	}
	return b.String()
}
