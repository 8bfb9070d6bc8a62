// Package container maps processes to containers: it reads the container runtime and ID
// from a cgroup path (containerd, CRI-O, Docker, Podman, with the systemd or cgroupfs
// driver) and the pod UID a kubelet puts in it, and resolves cgroup IDs (the kernel's
// cgroup inode numbers, as the sensor reports them) to paths.
package container

import (
	"strings"
)

// Runtimes as Falco's container.type names them.
const (
	Containerd = "containerd"
	CRIO       = "cri-o"
	Docker     = "docker"
	Podman     = "podman"
)

// Info is what a cgroup path tells about a process's container. A zero ID means the
// process is not in a container (Falco's container.id "host").
type Info struct {
	Runtime string
	ID      string // the full ID (64 hex digits)
	PodUID  string // the pod's UID with dashes, when the kubelet made the cgroup
}

// ShortID is the first 12 characters of the ID, as Falco's container.id; "host" when none.
func (i Info) ShortID() string {
	if i.ID == "" {
		return "host"
	}
	if len(i.ID) > 12 {
		return i.ID[:12]
	}
	return i.ID
}

// MaxPath bounds the cgroup paths Parse reads.
const MaxPath = 4096

// Parse reads a cgroup path (the part after "0::" in /proc/PID/cgroup, or a path below
// the cgroup mount). The last component naming a container wins, so a container nested in
// another (kind, docker-in-docker) is reported as the inner one.
func Parse(path string) Info {
	var info Info
	if len(path) > MaxPath {
		path = path[:MaxPath]
	}
	for _, c := range strings.Split(path, "/") {
		if uid, ok := podUID(c); ok {
			info.PodUID = uid
			continue
		}
		if rt, id, ok := containerComponent(c); ok {
			info.Runtime, info.ID = rt, id
		}
	}
	if info.ID == "" {
		info.PodUID = ""
	}
	return info
}

// containerComponent recognises one path component naming a container.
func containerComponent(c string) (runtime, id string, ok bool) {
	c = strings.TrimSuffix(c, ".scope")
	for _, p := range []struct{ prefix, runtime string }{
		{"cri-containerd-", Containerd},
		{"crio-conmon-", ""}, // the monitor, not the container
		{"crio-", CRIO},
		{"docker-", Docker},
		{"libpod-conmon-", ""},
		{"libpod-", Podman},
	} {
		if strings.HasPrefix(c, p.prefix) {
			id := c[len(p.prefix):]
			if p.runtime == "" || !isID(id) {
				return "", "", false
			}
			return p.runtime, id, true
		}
	}
	// cgroupfs driver: the bare ID is the component (kubelet: .../pod<UID>/<ID>; Docker:
	// /docker/<ID>). The runtime is not in the path; "containerd" is the Kubernetes default.
	if isID(c) {
		return Containerd, c, true
	}
	return "", "", false
}

// isID reports whether s is 64 lower-case hex digits.
func isID(s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// podUID recognises a kubelet pod component: "pod<uid>" (cgroupfs) or
// "kubepods-<qos>-pod<uid_with_underscores>.slice" (systemd).
func podUID(c string) (string, bool) {
	c = strings.TrimSuffix(c, ".slice")
	i := strings.LastIndex(c, "pod")
	if i < 0 || (i > 0 && c[i-1] != '-') || (i == 0 && strings.HasPrefix(c, "pods")) {
		return "", false
	}
	if i > 0 && !strings.HasPrefix(c, "kubepods") {
		return "", false
	}
	uid := strings.ReplaceAll(c[i+3:], "_", "-")
	if !isUID(uid) {
		return "", false
	}
	return uid, true
}

// isUID reports whether s looks like a UUID (8-4-4-4-12 hex digits).
func isUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
				return false
			}
		}
	}
	return true
}

// FromProcCgroup reads the cgroup v2 path out of /proc/PID/cgroup content ("0::/path");
// with only v1 lines it takes the first path that names a container, else the first path.
func FromProcCgroup(content string) string {
	first, withID := "", ""
	for _, line := range strings.Split(content, "\n") {
		parts := strings.SplitN(line, ":", 3)
		if len(parts) != 3 {
			continue
		}
		if parts[0] == "0" && parts[1] == "" {
			return parts[2] // the v2 path: the sensor's cgroup IDs are v2 IDs
		}
		if first == "" {
			first = parts[2]
		}
		if withID == "" && Parse(parts[2]).ID != "" {
			withID = parts[2]
		}
	}
	if withID != "" {
		return withID
	}
	return first
}
