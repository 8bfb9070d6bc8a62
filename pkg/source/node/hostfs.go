// Package node reads a worker node's host filesystem and process table, under a host root,
// into the facts the node checks (CIS EKS section 3 and the node OS checks) see. It finds the
// kubelet's command line (from /proc, or from its systemd unit and drop-ins), its config file
// and drop-ins, and its kubeconfig at the paths EKS AL2, AL2023 and Bottlerocket use, and it
// never follows a path outside the host root.
package node

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/eksguard/eksguard/pkg/bounded"
	"github.com/eksguard/eksguard/pkg/target"
)

// Limits bound what is read from the host.
const (
	maxFileBytes    = 1 << 20   // a config, unit, kubeconfig or os-release file
	maxCmdlineBytes = 256 << 10 // one /proc/<pid>/cmdline
	maxProcEntries  = 1 << 17   // processes looked at
	maxSymlinks     = 40        // like the kernel's limit
	maxDropIns      = 256       // files in one drop-in directory
)

// errTooManyLinks ends a link loop. Links that point above the root are clamped to it, as a
// chroot would, so no error is needed for them.
var errTooManyLinks = errors.New("too many levels of symbolic links")

// hostFS resolves host paths under a root directory.
type hostFS struct {
	root string // absolute, cleaned
}

// resolve turns a host path into a path under the root, following symbolic links as the
// host would (absolute links restart at the root, ".." stops at the root). The result never
// names anything outside the root. The last element is followed too.
func (h *hostFS) resolve(hostPath string) (string, error) {
	return h.walk(hostPath, 0)
}

func (h *hostFS) walk(hostPath string, hops int) (string, error) {
	parts := strings.Split(path.Clean("/"+hostPath), "/")
	cur := "/" // resolved host path so far
	for i := 0; i < len(parts); i++ {
		p := parts[i]
		if p == "" || p == "." {
			continue
		}
		if p == ".." {
			cur = path.Dir(cur)
			continue
		}
		next := path.Join(cur, p)
		full := filepath.Join(h.root, filepath.FromSlash(next))
		fi, err := os.Lstat(full)
		if err != nil {
			return "", err
		}
		if fi.Mode()&fs.ModeSymlink == 0 {
			cur = next
			continue
		}
		hops++
		if hops > maxSymlinks {
			return "", &fs.PathError{Op: "resolve", Path: hostPath, Err: errTooManyLinks}
		}
		link, err := os.Readlink(full)
		if err != nil {
			return "", err
		}
		rest := strings.Join(parts[i+1:], "/")
		var target string
		if strings.HasPrefix(link, "/") {
			target = link
		} else {
			target = path.Join(cur, link)
		}
		// Restart from the link target joined with the remaining components.
		resolved, err := h.walk(path.Join(target, rest), hops)
		if err != nil {
			return "", err
		}
		return resolved, nil
	}
	return cur, nil
}

// full returns the path under the root of a resolved host path.
func (h *hostFS) full(resolved string) string {
	return filepath.Join(h.root, filepath.FromSlash(resolved))
}

// stat finds the first of the candidate host paths that exists and stats it (the file
// itself, after resolving links within the root). A missing file gives Exists false with
// every path tried.
func (h *hostFS) stat(candidates ...string) target.HostFile {
	f := target.HostFile{Tried: candidates}
	for _, c := range candidates {
		res, err := h.resolve(c)
		if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
			continue
		}
		if err != nil {
			f.Path = c
			f.Err = err.Error()
			return f
		}
		fi, err := os.Lstat(h.full(res))
		if err != nil {
			f.Path = c
			f.Err = err.Error()
			return f
		}
		f.Path = c
		if !fi.Mode().IsRegular() {
			f.Err = fmt.Sprintf("not a regular file (%s)", fi.Mode().Type())
			return f
		}
		f.Exists = true
		f.Mode = unixMode(fi)
		if st, ok := fi.Sys().(*syscall.Stat_t); ok {
			f.UID, f.GID = int(st.Uid), int(st.Gid)
		}
		return f
	}
	return f
}

// unixMode returns permission, setuid, setgid and sticky bits in their Unix positions.
func unixMode(fi fs.FileInfo) uint32 {
	m := uint32(fi.Mode().Perm())
	if fi.Mode()&fs.ModeSetuid != 0 {
		m |= 0o4000
	}
	if fi.Mode()&fs.ModeSetgid != 0 {
		m |= 0o2000
	}
	if fi.Mode()&fs.ModeSticky != 0 {
		m |= 0o1000
	}
	return m
}

// read reads a host file of at most limit bytes. Only regular files are read, so a FIFO or
// device at a config path cannot hang the scan.
func (h *hostFS) read(hostPath string, limit int64) ([]byte, error) {
	res, err := h.resolve(hostPath)
	if err != nil {
		return nil, err
	}
	full := h.full(res)
	fi, err := os.Lstat(full)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: not a regular file", hostPath)
	}
	f, err := os.OpenFile(full, os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := bounded.ReadAll(f, limit)
	if _, ok := err.(*bounded.TooLargeError); ok {
		return nil, fmt.Errorf("%s: %w", hostPath, err)
	}
	return data, err
}

// readDir lists a host directory's entry names (sorted), at most max.
func (h *hostFS) readDir(hostPath string, max int) ([]string, error) {
	res, err := h.resolve(hostPath)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(h.full(res))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	names, err := f.Readdirnames(max + 1)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	if len(names) > max {
		return nil, fmt.Errorf("%s: more than %d entries", hostPath, max)
	}
	sortStrings(names)
	return names, nil
}

// exists reports whether a host path exists (links resolved within the root).
func (h *hostFS) exists(hostPath string) bool {
	res, err := h.resolve(hostPath)
	if err != nil {
		return false
	}
	_, err = os.Lstat(h.full(res))
	return err == nil
}
