// Package proc keeps the process table of the runtime sensor: every process with its
// parent, command line, terminal, users and container, built from /proc at start (so a
// restarted sensor knows the processes that were already running) and kept current by
// the sensor's exec and exit records.
package proc

import (
	"bytes"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/eksguard/eksguard/pkg/detect/syscalls"
	"github.com/eksguard/eksguard/pkg/runtime/container"
)

// MaxArgs bounds the command line kept of one process, as the kernel buffer does.
const MaxArgs = 4096

// Pod describes the pod and container a container ID belongs to.
type Pod struct {
	Namespace, Name, Container, Image string
	// Privileged is the container's securityContext.privileged in the pod spec (known
	// when Container is set).
	Privileged bool
}

// PodLookup finds the pod of a container, by the pod UID of its cgroup path and its ID.
type PodLookup interface {
	Lookup(podUID, containerID string) (Pod, bool)
}

// Table is the process table. It is not safe for concurrent use.
type Table struct {
	// ProcRoot is the proc file system (default /proc).
	ProcRoot string
	// Cgroups resolves containers; nil uses a default resolver over ProcRoot.
	Cgroups *container.Resolver
	// Pods names the pods of containers; nil leaves k8s.* fields absent.
	Pods PodLookup
	// BootWallNs is the wall-clock time of boot in Unix ns (for process start times).
	BootWallNs int64
	// MaxProcs bounds the table (default 1<<20); the oldest half is dropped beyond it.
	MaxProcs int

	procs      map[uint32]*syscalls.Process
	containers map[string]*syscalls.Container
	podTried   map[string]time.Time
	users      map[string]string
}

func (t *Table) init() {
	if t.procs != nil {
		return
	}
	if t.ProcRoot == "" {
		t.ProcRoot = "/proc"
	}
	if t.Cgroups == nil {
		t.Cgroups = &container.Resolver{ProcRoot: t.ProcRoot}
	}
	if t.MaxProcs == 0 {
		t.MaxProcs = 1 << 20
	}
	t.procs = map[uint32]*syscalls.Process{}
	t.containers = map[string]*syscalls.Container{}
	t.podTried = map[string]time.Time{}
	t.users = map[string]string{}
}

// Len is the number of processes in the table.
func (t *Table) Len() int { return len(t.procs) }

// Scan reads every process in /proc into the table and links parents.
func (t *Table) Scan() error {
	t.init()
	ents, err := os.ReadDir(t.ProcRoot)
	if err != nil {
		return err
	}
	for _, e := range ents {
		pid, err := strconv.ParseUint(e.Name(), 10, 32)
		if err != nil {
			continue
		}
		if p := t.read(uint32(pid)); p != nil {
			t.procs[p.Pid] = p
		}
	}
	for _, p := range t.procs {
		p.Parent = t.procs[p.Ppid]
		if p.Session != nil {
			p.Session = t.procs[p.Session.Pid] // the placeholder read() left
		}
	}
	return nil
}

func (t *Table) file(pid uint32, name string) string {
	return filepath.Join(t.ProcRoot, strconv.FormatUint(uint64(pid), 10), name)
}

func readSmall(p string, max int) ([]byte, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b := make([]byte, max+1)
	n, err := f.Read(b)
	if n == 0 && err != nil {
		return nil, err
	}
	return b[:n], nil
}

// read builds a process from /proc/PID; nil when it is gone.
func (t *Table) read(pid uint32) *syscalls.Process {
	stat, err := readSmall(t.file(pid, "stat"), 4096)
	if err != nil {
		return nil
	}
	open, close := bytes.IndexByte(stat, '('), bytes.LastIndexByte(stat, ')')
	if open < 0 || close < open {
		return nil
	}
	p := &syscalls.Process{Pid: pid, Name: string(stat[open+1 : close])}
	fields := strings.Fields(string(stat[close+1:]))
	// fields[0] is the state; ppid is field 4 of stat, tty_nr 7, starttime 22.
	if len(fields) > 19 {
		ppid, _ := strconv.ParseUint(fields[1], 10, 32)
		tty, _ := strconv.ParseInt(fields[4], 10, 32)
		start, _ := strconv.ParseUint(fields[19], 10, 64)
		sid, _ := strconv.ParseUint(fields[3], 10, 32)
		p.Ppid, p.TTY = uint32(ppid), uint32(tty)
		if sid != 0 {
			if leader := t.procs[uint32(sid)]; leader != nil {
				p.Session = leader
			} else if uint32(sid) == pid {
				p.Session = p
			} else {
				p.Session = &syscalls.Process{Pid: uint32(sid)} // resolved by Scan, or stays nameless
			}
		}
		if t.BootWallNs != 0 {
			p.StartNs = t.BootWallNs + int64(start)*int64(time.Second/100)
		}
	}
	if cmd, err := readSmall(t.file(pid, "cmdline"), MaxArgs); err == nil {
		if len(cmd) > MaxArgs {
			cmd, p.ArgsTrunc = cmd[:MaxArgs], true
		}
		p.Args = SplitArgs(cmd)
	}
	root := t.root(pid)
	if exe, err := os.Readlink(t.file(pid, "exe")); err == nil {
		p.ExePath = Inside(root, exe)
	}
	if cwd, err := os.Readlink(t.file(pid, "cwd")); err == nil {
		p.Cwd = Inside(root, cwd)
	}
	if st, err := readSmall(t.file(pid, "status"), 8192); err == nil {
		for _, line := range strings.Split(string(st), "\n") {
			f := strings.Fields(line)
			if len(f) >= 3 && (f[0] == "Uid:" || f[0] == "Gid:") {
				v, _ := strconv.ParseUint(f[2], 10, 32) // effective
				if f[0] == "Uid:" {
					p.UID = uint32(v)
				} else {
					p.GID = uint32(v)
				}
			}
		}
	}
	p.LoginUID = ^uint32(0)
	if l, err := readSmall(t.file(pid, "loginuid"), 32); err == nil {
		if v, err := strconv.ParseUint(strings.TrimSpace(string(l)), 10, 32); err == nil {
			p.LoginUID = uint32(v)
		}
	}
	if cg, err := readSmall(t.file(pid, "cgroup"), 64<<10); err == nil {
		p.Container = t.container(container.Parse(container.FromProcCgroup(string(cg))))
	}
	t.names(p)
	return p
}

// root is the process's root directory as this process sees it ("/" for the host's).
func (t *Table) root(pid uint32) string {
	r, err := os.Readlink(t.file(pid, "root"))
	if err != nil {
		return "/"
	}
	return r
}

// Inside turns a path as this process sees it into the path as a process with the given
// root sees it.
func Inside(root, p string) string {
	if root == "/" || root == "" {
		return p
	}
	if p == root {
		return "/"
	}
	if strings.HasPrefix(p, root+"/") {
		return p[len(root):]
	}
	return p
}

// SplitArgs splits a NUL-separated command line.
func SplitArgs(b []byte) []string {
	b = bytes.TrimRight(b, "\x00")
	if len(b) == 0 {
		return nil
	}
	parts := bytes.Split(b, []byte{0})
	out := make([]string, len(parts))
	for i, s := range parts {
		out[i] = string(s)
	}
	return out
}

// container returns the shared Container for a parsed cgroup (nil for the host), with its
// pod filled in when a lookup is configured.
func (t *Table) container(info container.Info) *syscalls.Container {
	if info.ID == "" {
		return nil
	}
	c := t.containers[info.ID]
	if c == nil {
		if len(t.containers) > 100000 {
			clear(t.containers)
		}
		c = &syscalls.Container{ID: info.ID, Runtime: info.Runtime, PodUID: info.PodUID}
		t.containers[info.ID] = c
	}
	if t.Pods != nil && c.Pod == "" && info.PodUID != "" {
		if last, ok := t.podTried[info.ID]; !ok || time.Since(last) > 10*time.Second {
			t.podTried[info.ID] = time.Now()
			if pod, ok := t.Pods.Lookup(info.PodUID, info.ID); ok {
				c.Namespace, c.Pod, c.Name, c.Image = pod.Namespace, pod.Name, pod.Container, pod.Image
				c.Privileged, c.PrivilegedKnown = pod.Privileged, pod.Container != ""
			}
		}
	}
	return c
}

// names fills the user, group and login names of a process.
func (t *Table) names(p *syscalls.Process) {
	p.UserName = t.idName(p.Pid, p.Container, "passwd", p.UID)
	p.GroupName = t.idName(p.Pid, p.Container, "group", p.GID)
	if p.LoginUID != ^uint32(0) {
		p.LoginName = t.idName(p.Pid, p.Container, "passwd", p.LoginUID)
	}
}

// idName looks an ID up in /etc/passwd or /etc/group as the process sees it.
func (t *Table) idName(pid uint32, c *syscalls.Container, file string, id uint32) string {
	key := "host"
	if c != nil {
		key = c.ID
	}
	key += ":" + file + ":" + strconv.FormatUint(uint64(id), 10)
	if n, ok := t.users[key]; ok {
		return n
	}
	name := ""
	if b, err := readSmall(t.file(pid, "root/etc/"+file), 1<<20); err == nil {
		name = passwdName(b, id)
	} else if c == nil {
		if b, err := readSmall("/etc/"+file, 1<<20); err == nil {
			name = passwdName(b, id)
		}
	}
	if name == "" && id == 0 {
		name = "root"
	}
	if len(t.users) > 100000 {
		clear(t.users)
	}
	t.users[key] = name
	return name
}

// passwdName finds the name of an ID in passwd or group file content (name:x:ID:...).
func passwdName(b []byte, uid uint32) string {
	want := strconv.FormatUint(uint64(uid), 10)
	for _, line := range bytes.Split(b, []byte{'\n'}) {
		f := bytes.SplitN(line, []byte{':'}, 4)
		if len(f) >= 3 && string(f[2]) == want {
			return string(f[0])
		}
	}
	return ""
}

// Header is what every sensor record says of its process.
type Header struct {
	Pid, Ppid, UID, GID, LoginUID, TTY uint32
	Comm                               string
	Cgroup                             uint64
}

// Get returns the process of a record: from the table, else read from /proc (a process
// that started before the sensor), else made from the record's header (a process that
// exited before user space read its record).
func (t *Table) Get(h Header) *syscalls.Process {
	t.init()
	if p := t.procs[h.Pid]; p != nil {
		if p.Ppid != h.Ppid && h.Ppid != 0 { // reparented
			p.Ppid = h.Ppid
			p.Parent = t.parent(h.Ppid)
		}
		if p.UID != h.UID || p.GID != h.GID { // setuid, setgid
			p.UID, p.GID = h.UID, h.GID
			t.names(p)
		}
		p.TTY = h.TTY
		return p
	}
	p := t.read(h.Pid)
	if p == nil {
		p = &syscalls.Process{Pid: h.Pid, Ppid: h.Ppid, Name: h.Comm, UID: h.UID, GID: h.GID, LoginUID: h.LoginUID, TTY: h.TTY}
		p.Container = t.container(t.Cgroups.Lookup(h.Cgroup, h.Pid))
		t.names(p)
	}
	p.Parent = t.parent(p.Ppid)
	if p.Session == nil && p.Parent != nil {
		p.Session = p.Parent.Session
	}
	t.put(p)
	return p
}

func (t *Table) parent(ppid uint32) *syscalls.Process {
	if ppid == 0 {
		return nil
	}
	if p := t.procs[ppid]; p != nil {
		return p
	}
	p := t.read(ppid)
	if p == nil {
		return nil
	}
	t.put(p)
	if p.Ppid != 0 && p.Ppid != ppid {
		if pp := t.procs[p.Ppid]; pp != nil {
			p.Parent = pp
		}
	}
	return p
}

func (t *Table) put(p *syscalls.Process) {
	if len(t.procs) >= t.MaxProcs {
		// A table this full means exits were lost; drop the entries whose processes are gone.
		for pid := range t.procs {
			if _, err := os.Stat(t.file(pid, "stat")); err != nil {
				delete(t.procs, pid)
			}
		}
	}
	t.procs[p.Pid] = p
}

// Exec records a new program image in a process: a fresh Process (events already
// evaluated keep the old one) with the parent of the old.
func (t *Table) Exec(h Header, exePath string, args []string, argsTrunc bool, wallNs int64) *syscalls.Process {
	t.init()
	old := t.procs[h.Pid]
	p := &syscalls.Process{Pid: h.Pid, Ppid: h.Ppid, Name: h.Comm, ExePath: exePath, Args: args, ArgsTrunc: argsTrunc,
		TTY: h.TTY, UID: h.UID, GID: h.GID, LoginUID: h.LoginUID, StartNs: wallNs}
	if old != nil {
		p.StartNs, p.Cwd, p.Session = old.StartNs, old.Cwd, old.Session
		if old.Ppid == h.Ppid {
			p.Parent = old.Parent
		}
		if p.Session == old {
			p.Session = p // a session leader that runs a new program
		}
	}
	if p.Parent == nil {
		p.Parent = t.parent(h.Ppid)
	}
	if p.Session == nil && p.Parent != nil {
		p.Session = p.Parent.Session
	}
	p.Container = t.container(t.Cgroups.Lookup(h.Cgroup, h.Pid))
	t.names(p)
	t.put(p)
	return p
}

// Exit removes a process. Its children keep their Parent pointer, so their ancestry
// survives.
func (t *Table) Exit(pid uint32) {
	t.init()
	delete(t.procs, pid)
}

// Resolve makes a syscall's path argument absolute and clean, as the process sees it:
// relative paths are joined to the directory of dirfd (the working directory for AT_FDCWD),
// read from /proc. ok=false when the base directory could not be found (the process
// exited); the path is then returned cleaned but relative.
func (t *Table) Resolve(pid uint32, dirfd int64, p string) (string, bool) {
	if p == "" {
		return "", false
	}
	if strings.HasPrefix(p, "/") {
		return path.Clean(p), true
	}
	var base string
	var err error
	if dirfd == atFDCWD {
		base, err = os.Readlink(t.file(pid, "cwd"))
	} else {
		base, err = os.Readlink(t.file(pid, "fd/"+strconv.FormatInt(dirfd, 10)))
	}
	if err != nil || !strings.HasPrefix(base, "/") {
		return path.Clean(p), false
	}
	return path.Join(Inside(t.root(pid), base), p), true
}

const atFDCWD = -100
