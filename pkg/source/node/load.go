package node

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"

	"github.com/eksguard/eksguard/pkg/target"
)

// Options say where the host is.
type Options struct {
	// HostRoot is where the host's root filesystem is (default "/").
	HostRoot string
	// Proc is the host's /proc (default HostRoot/proc). A pod with hostPID sees the host's
	// processes at its own /proc.
	Proc string
	// Name names the node in findings (default: the host's /etc/hostname, then "node").
	Name string
}

// Load reads the node's facts. It fails only when the host root itself cannot be used;
// anything missing below it is recorded in the facts and turns the checks that need it
// into "unknown".
func Load(o Options) (*target.Node, error) {
	root := o.HostRoot
	if root == "" {
		root = "/"
	}
	abs, err := filepath.Abs(root)
	if err != nil {
		return nil, fmt.Errorf("--host-root %s: %v", root, err)
	}
	fi, err := os.Stat(abs)
	if err != nil {
		return nil, fmt.Errorf("--host-root: %v", err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("--host-root %s: not a directory", root)
	}
	h := &hostFS{root: abs}
	proc := o.Proc
	if proc == "" {
		proc = filepath.Join(abs, "proc")
	}
	n := &target.Node{HostRoot: abs, Name: o.Name}
	if n.Name == "" {
		if data, err := h.read("/etc/hostname", 4096); err == nil {
			n.Name = strings.TrimSpace(string(data))
		}
	}
	if n.Name == "" {
		n.Name = "node"
	}
	n.OS = h.osRelease()

	procs, perr := listProcs(proc)
	if perr == nil && ownPIDNamespace(proc) {
		procs, perr = nil, fmt.Errorf("process table %s is this container's own (PID 1 is eksguard): run with hostPID to see the host's processes", proc)
	}
	if perr != nil {
		n.ProcErr = perr.Error()
	}
	h.findKubelet(&n.Kubelet, procs, proc, perr)
	h.loadConfig(&n.Kubelet, n.Kubelet.Found())
	if p, ok := n.Kubelet.Flags["kubeconfig"]; ok && p != "" {
		n.Kubelet.Kubeconfig = h.stat(p)
	} else {
		n.Kubelet.Kubeconfig = h.stat(kubeconfigPaths...)
	}

	n.SSHD.Err, n.SSM.Err = n.ProcErr, n.ProcErr
	for _, p := range procs {
		switch {
		case p.comm == "sshd":
			n.SSHD.Running = append(n.SSHD.Running, p.pid)
		case strings.HasPrefix(p.comm, "amazon-ssm-agen"), p.comm == "ssm-agent-worke":
			n.SSM.Running = append(n.SSM.Running, p.pid)
		}
	}
	if perr == nil {
		listen, err := listeningOn(proc, 22)
		if err != nil {
			n.SSHD.Err = err.Error()
		}
		n.SSHD.Listening = listen
	}
	for _, p := range []string{"/usr/sbin/sshd", "/usr/lib/systemd/system/sshd.service", "/etc/systemd/system/sshd.service"} {
		if h.exists(p) {
			n.SSHD.Installed = append(n.SSHD.Installed, p)
		}
	}
	for _, p := range []string{"/usr/bin/amazon-ssm-agent", "/snap/amazon-ssm-agent/current/amazon-ssm-agent",
		"/usr/lib/systemd/system/amazon-ssm-agent.service", "/etc/systemd/system/amazon-ssm-agent.service"} {
		if h.exists(p) {
			n.SSM.Installed = append(n.SSM.Installed, p)
		}
	}
	return n, nil
}

// osRelease reads os-release(5): /etc/os-release, then /usr/lib/os-release.
func (h *hostFS) osRelease() target.OSRelease {
	var r target.OSRelease
	var errs []string
	for _, p := range []string{"/etc/os-release", "/usr/lib/os-release"} {
		data, err := h.read(p, 64<<10)
		if err != nil {
			errs = append(errs, p+": "+shortErr(err))
			continue
		}
		r.File = p
		for _, l := range strings.Split(string(data), "\n") {
			k, v, ok := strings.Cut(strings.TrimSpace(l), "=")
			if !ok {
				continue
			}
			v = unquote(v)
			switch k {
			case "ID":
				r.ID = strings.ToLower(v)
			case "VERSION_ID":
				r.VersionID = v
			case "PRETTY_NAME":
				r.PrettyName = v
			case "VARIANT_ID":
				r.Variant = v
			}
		}
		return r
	}
	r.Err = "no os-release file (" + strings.Join(errs, "; ") + ")"
	return r
}

type proc struct {
	pid  int
	comm string
	args []string
}

// listProcs reads the process table: each process's name and command line.
func listProcs(dir string) ([]proc, error) {
	f, err := os.Open(dir)
	if err != nil {
		return nil, fmt.Errorf("process table %s: %v", dir, shortErr(err))
	}
	defer f.Close()
	names, err := f.Readdirnames(maxProcEntries)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("process table %s: %v", dir, err)
	}
	var out []proc
	for _, n := range names {
		pid, err := strconv.Atoi(n)
		if err != nil || pid <= 0 {
			continue
		}
		p := proc{pid: pid}
		if data, err := readProcFile(filepath.Join(dir, n, "comm"), 4096); err == nil {
			p.comm = strings.TrimSpace(string(data))
		}
		if data, err := readProcFile(filepath.Join(dir, n, "cmdline"), maxCmdlineBytes); err == nil {
			data = bytes.TrimRight(data, "\x00")
			if len(data) > 0 {
				p.args = strings.Split(string(data), "\x00")
			}
		}
		if p.comm == "" && len(p.args) > 0 {
			p.comm = path.Base(p.args[0])
		}
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].pid < out[j].pid })
	return out, nil
}

// ownPIDNamespace reports whether procDir is the process table of a PID namespace in which
// this process is PID 1: a container without hostPID, which cannot see the host's kubelet,
// sshd or SSM agent (their absence there proves nothing).
func ownPIDNamespace(procDir string) bool {
	self, err := os.Readlink(filepath.Join(procDir, "self"))
	return err == nil && self == "1"
}

// readProcFile reads a small /proc file, not following a link at its last element.
func readProcFile(p string, limit int64) ([]byte, error) {
	f, err := os.OpenFile(p, os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, limit))
}

// isKubelet reports whether a command line runs the kubelet.
func isKubelet(args []string) bool {
	if len(args) == 0 {
		return false
	}
	b := path.Base(args[0])
	return b == "kubelet" || (b == "hyperkube" && len(args) > 1 && args[1] == "kubelet")
}

// findKubelet takes the kubelet's command line from its process, or else from its
// systemd unit.
func (h *hostFS) findKubelet(k *target.Kubelet, procs []proc, procDir string, perr error) {
	for _, p := range procs {
		if isKubelet(p.args) {
			k.Source = fmt.Sprintf("/proc/%d/cmdline", p.pid)
			k.Args = p.args
			break
		}
	}
	var note []string
	if k.Source == "" {
		if perr != nil {
			note = append(note, perr.Error())
		} else {
			note = append(note, "no kubelet process in "+procDir)
		}
		u, err := h.readUnit()
		switch {
		case err != nil:
			note = append(note, err.Error())
		case u == nil:
			note = append(note, "no kubelet systemd unit (tried "+strings.Join(unitPaths, ", ")+")")
		case strings.TrimSpace(u.execStart) == "":
			note = append(note, "kubelet unit has no ExecStart ("+strings.Join(u.files, ", ")+")")
		default:
			k.Source = "systemd unit " + strings.Join(u.files, ", ")
			k.Args = u.args()
		}
	}
	if k.Source == "" {
		k.SearchNote = strings.Join(note, "; ")
		k.Flags, k.FeatureGates = map[string]string{}, map[string]string{}
		return
	}
	start := 1
	if len(k.Args) > 1 && path.Base(k.Args[0]) == "hyperkube" {
		start = 2
	}
	if start > len(k.Args) {
		start = len(k.Args)
	}
	k.Flags, k.FeatureGates = parseFlags(k.Args[start:])
}

// listeningOn lists the local addresses with a TCP socket listening on port, from the host
// network namespace's tables (/proc/1/net, which a hostPID pod sees) or else /proc/net.
func listeningOn(procDir string, port int) ([]string, error) {
	var out []string
	read := 0
	var lastErr error
	for _, base := range []string{filepath.Join(procDir, "1", "net"), filepath.Join(procDir, "net")} {
		for _, tbl := range []string{"tcp", "tcp6"} {
			data, err := readProcFile(filepath.Join(base, tbl), 64<<20)
			if err != nil {
				lastErr = err
				continue
			}
			read++
			out = append(out, parseListen(data, port)...)
		}
		if read > 0 {
			return out, nil
		}
	}
	return nil, fmt.Errorf("TCP tables: %v", shortErr(lastErr))
}

// parseListen reads a /proc/net/tcp table: "sl local_address rem_address st ...", the
// local address as hex IP:hex port, state 0A = LISTEN.
func parseListen(data []byte, port int) []string {
	var out []string
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 4096), 64<<10)
	first := true
	for sc.Scan() {
		if first {
			first = false
			continue
		}
		f := strings.Fields(sc.Text())
		if len(f) < 4 || f[3] != "0A" {
			continue
		}
		ip, hp, ok := strings.Cut(f[1], ":")
		if !ok {
			continue
		}
		p, err := strconv.ParseUint(hp, 16, 16)
		if err != nil || int(p) != port {
			continue
		}
		out = append(out, hexIP(ip)+":"+strconv.Itoa(port))
	}
	return out
}

// hexIP renders the kernel's hex address (little-endian 32-bit words).
func hexIP(h string) string {
	b := make([]byte, 0, 16)
	for i := 0; i+8 <= len(h); i += 8 {
		w, err := strconv.ParseUint(h[i:i+8], 16, 32)
		if err != nil {
			return h
		}
		b = append(b, byte(w), byte(w>>8), byte(w>>16), byte(w>>24))
	}
	switch len(b) {
	case 4:
		return fmt.Sprintf("%d.%d.%d.%d", b[0], b[1], b[2], b[3])
	case 16:
		var s []string
		for i := 0; i < 16; i += 2 {
			s = append(s, strconv.FormatUint(uint64(b[i])<<8|uint64(b[i+1]), 16))
		}
		return "[" + strings.Join(s, ":") + "]"
	}
	return h
}

func shortErr(err error) string {
	if err == nil {
		return "unreadable"
	}
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

func sortStrings(s []string) { sort.Strings(s) }
