package container

import (
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// Resolver maps the sensor's cgroup IDs to container information, caching each answer.
// A cgroup ID is the inode number of the cgroup's directory in the cgroup v2 mount.
type Resolver struct {
	// ProcRoot and CgroupRoot default to /proc and /sys/fs/cgroup (a DaemonSet mounts the
	// host's as read-only volumes).
	ProcRoot, CgroupRoot string
	// MaxWalk bounds the directories one walk of the cgroup tree visits (default 100,000).
	MaxWalk int

	mu    sync.Mutex
	cache map[uint64]Info
	paths map[uint64]string
	// walked is when the tree was last walked: a cgroup not found is looked for again at
	// most once a second, so a flood of unknown IDs cannot make the sensor walk constantly.
	walked time.Time
}

func (r *Resolver) init() {
	if r.cache == nil {
		r.cache = map[uint64]Info{}
		r.paths = map[uint64]string{}
		if r.ProcRoot == "" {
			r.ProcRoot = "/proc"
		}
		if r.CgroupRoot == "" {
			r.CgroupRoot = UnifiedRoot("/sys/fs/cgroup")
		}
		if r.MaxWalk == 0 {
			r.MaxWalk = 100000
		}
	}
}

// Lookup returns the container of a process given the cgroup ID of its event and its PID:
// from the cache, else from /proc/PID/cgroup (checked against the ID), else by finding the
// ID in the cgroup tree (the process may have exited).
func (r *Resolver) Lookup(cgroupID uint64, pid uint32) Info {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.init()
	if info, ok := r.cache[cgroupID]; ok {
		return info
	}
	if b, err := os.ReadFile(filepath.Join(r.ProcRoot, strconv.FormatUint(uint64(pid), 10), "cgroup")); err == nil && len(b) < 64<<10 {
		p := FromProcCgroup(string(b))
		if id, ok := r.inode(p); ok && id == cgroupID {
			info := Parse(p)
			r.cache[cgroupID] = info
			r.paths[cgroupID] = p
			return info
		}
	}
	if time.Since(r.walked) > time.Second {
		r.walked = time.Now()
		r.walk()
	}
	info := Parse(r.paths[cgroupID]) // a path that was not found parses as the host
	r.cache[cgroupID] = info
	return info
}

// Path returns the cgroup path of an ID seen by Lookup ("" when unknown).
func (r *Resolver) Path(cgroupID uint64) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.paths[cgroupID]
}

func (r *Resolver) inode(p string) (uint64, bool) {
	st, err := os.Stat(filepath.Join(r.CgroupRoot, p))
	if err != nil {
		return 0, false
	}
	sys, ok := st.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, false
	}
	return sys.Ino, true
}

// walk records the path of every cgroup directory (up to MaxWalk).
func (r *Resolver) walk() {
	n := 0
	filepath.WalkDir(r.CgroupRoot, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return nil
		}
		n++
		if n > r.MaxWalk {
			return filepath.SkipAll
		}
		info, err := d.Info()
		if err != nil {
			return nil
		}
		if sys, ok := info.Sys().(*syscall.Stat_t); ok {
			rel, _ := filepath.Rel(r.CgroupRoot, p)
			if rel == "." {
				rel = ""
			}
			r.paths[sys.Ino] = "/" + filepath.ToSlash(rel)
		}
		return nil
	})
}

// UnifiedRoot returns the cgroup v2 mount under root: root itself on a cgroup v2 host, its
// "unified" directory on a hybrid (v1 and v2) host. The sensor's cgroup IDs are v2 IDs.
func UnifiedRoot(root string) string {
	if _, err := os.Stat(filepath.Join(root, "cgroup.controllers")); err == nil {
		return root
	}
	if _, err := os.Stat(filepath.Join(root, "unified", "cgroup.procs")); err == nil {
		return filepath.Join(root, "unified")
	}
	return root
}
