//go:build unix

package manifest

import (
	"fmt"
	"io/fs"
	"syscall"
)

// readRegular reads a regular file in one allocation of its size, with plain system calls:
// os.Open would register every file with the network poller first (several fcntl and an
// epoll_ctl call per file), which costs more than the read itself for small manifests.
// ok is false when path is not a regular file; the caller then reads it as a stream.
func readRegular(path string, limit int64) (data []byte, ok bool, err error) {
	var fd int
	for {
		fd, err = syscall.Open(path, syscall.O_RDONLY|syscall.O_CLOEXEC|syscall.O_NONBLOCK, 0)
		if err != syscall.EINTR {
			break
		}
	}
	if err != nil {
		return nil, true, &fs.PathError{Op: "open", Path: path, Err: err}
	}
	defer syscall.Close(fd)
	var st syscall.Stat_t
	if err := syscall.Fstat(fd, &st); err != nil {
		return nil, true, &fs.PathError{Op: "stat", Path: path, Err: err}
	}
	if st.Mode&syscall.S_IFMT != syscall.S_IFREG {
		return nil, false, nil // a FIFO, device or the like: read it as a stream
	}
	size := st.Size
	if size > limit {
		return nil, true, fmt.Errorf("input is %d bytes, over the %d-byte limit", size, limit)
	}
	buf := make([]byte, 0, size+1)
	for {
		if int64(len(buf)) > limit {
			return nil, true, fmt.Errorf("input is over the %d-byte limit", limit)
		}
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := syscall.Read(fd, buf[len(buf):cap(buf)])
		switch {
		case err == syscall.EINTR || err == syscall.EAGAIN:
			continue
		case err != nil:
			return nil, true, &fs.PathError{Op: "read", Path: path, Err: err}
		case n == 0:
			return buf, true, nil
		}
		buf = buf[:len(buf)+n]
		if size > 0 && int64(len(buf)) == size {
			return buf, true, nil // the whole file as fstat saw it: no read just to see EOF
		}
	}
}
