package imagefs

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"syscall"
)

// FromDir reads a root filesystem on the host (dir:ROOTFS) as a one-layer image. The walk
// never leaves root: it goes through os.Root, never follows symlinks (they are recorded as
// links), and opens only regular files, so FIFOs and devices cannot hang it.
func FromDir(ctx context.Context, root string, lim Limits, analyzers ...Analyzer) (*FS, error) {
	b := NewBuilder(lim, analyzers...)
	r, err := os.OpenRoot(root)
	if err != nil {
		return nil, fmt.Errorf("dir:%s: %w", root, err)
	}
	defer r.Close()
	id := "dir:" + root
	out := &parsed{info: LayerInfo{ID: id}}
	err = fs.WalkDir(r.FS(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			out.problems = append(out.problems, Problem{Layer: id, Entry: p, Msg: err.Error()})
			return nil
		}
		if cerr := ctx.Err(); cerr != nil {
			return cerr
		}
		if p == "." {
			return nil
		}
		out.info.Entries++
		if int64(out.info.Entries) > b.lim.MaxEntries {
			return &errCap{fmt.Sprintf("more than %d entries (limit)", b.lim.MaxEntries)}
		}
		st, err := r.Lstat(p)
		if err != nil {
			out.problems = append(out.problems, Problem{Layer: id, Entry: p, Msg: err.Error()})
			return nil
		}
		e := Entry{Path: path.Clean("/" + p), Mode: uint32(st.Mode().Perm()), ModTime: st.ModTime().Unix()}
		m := st.Mode()
		if m&fs.ModeSetuid != 0 {
			e.Mode |= ModeSetuid
		}
		if m&fs.ModeSetgid != 0 {
			e.Mode |= ModeSetgid
		}
		if m&fs.ModeSticky != 0 {
			e.Mode |= ModeSticky
		}
		if sys, ok := st.Sys().(*syscall.Stat_t); ok {
			e.UID, e.GID = int(sys.Uid), int(sys.Gid)
		}
		switch {
		case m.IsRegular():
			e.Type, e.Size = TypeReg, st.Size()
		case m.IsDir():
			e.Type = TypeDir
		case m&fs.ModeSymlink != 0:
			e.Type = TypeSymlink
			if e.Link, err = r.Readlink(p); err != nil {
				out.problems = append(out.problems, Problem{Layer: id, Entry: p, Msg: err.Error()})
				return nil
			}
		case m&fs.ModeNamedPipe != 0:
			e.Type = TypeFifo
		case m&fs.ModeCharDevice != 0:
			e.Type = TypeChar
		case m&fs.ModeDevice != 0:
			e.Type = TypeBlock
		default:
			return nil // sockets and the like hold nothing
		}
		re := rawEntry{name: p, e: e}
		if e.Type == TypeReg {
			out.info.FileBytes += e.Size
			out.info.Bytes += e.Size
			b.analyzeFile(id, &re, r, p, out)
		}
		out.entries = append(out.entries, re)
		return nil
	})
	if err != nil {
		out.info.Err = err
	}
	b.merge(0, out)
	return b.finish(), ctx.Err()
}

// analyzeFile opens a host file inside root for the analysers that want it.
func (b *Builder) analyzeFile(id string, re *rawEntry, r *os.Root, p string, out *parsed) {
	wanted := false
	for _, a := range b.analyzers {
		if a.Wants(re.e.Path, &re.e) {
			wanted = true
			break
		}
	}
	if !wanted {
		return
	}
	f, err := r.OpenFile(p, os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0)
	if err != nil {
		out.problems = append(out.problems, Problem{Layer: id, Entry: p, Msg: err.Error()})
		return
	}
	defer f.Close()
	var buf = newBuf()
	b.analyze(id, 0, re, io.Reader(f), buf, out)
}
