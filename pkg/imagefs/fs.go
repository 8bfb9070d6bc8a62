// Package imagefs builds the merged filesystem of a container image from its layer tar
// streams without writing anything to disk. Each layer is read once; whiteouts and opaque
// directories are applied, hard links and symlinks are resolved inside the image root only,
// and the contents of the files analysers asked for are handed to them while the stream
// passes. The result is a tree of metadata (path, type, mode, owner, size, the layer that
// last set the entry) plus the analysers' results for the files that survive in the final
// image. Standard library only, apart from the zstd decoder.
package imagefs

import (
	"archive/tar"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
)

// Type is the kind of a filesystem entry.
type Type uint8

// Entry types.
const (
	TypeReg Type = iota
	TypeDir
	TypeSymlink
	TypeChar
	TypeBlock
	TypeFifo
)

func (t Type) String() string {
	switch t {
	case TypeReg:
		return "file"
	case TypeDir:
		return "dir"
	case TypeSymlink:
		return "symlink"
	case TypeChar:
		return "char-device"
	case TypeBlock:
		return "block-device"
	case TypeFifo:
		return "fifo"
	}
	return "unknown"
}

// Entry is one file, directory, link or special file of the merged image.
type Entry struct {
	Path string // absolute, clean: /usr/bin/passwd
	Type Type
	// Mode holds the permission bits with setuid, setgid and sticky as in tar (07777).
	Mode    uint32
	UID     int
	GID     int
	Uname   string // owner name recorded in the tar header, if any
	Gname   string
	Size    int64  // bytes of a regular file
	Link    string // symlink target as written; for a hard link, the path it links to
	Hard    bool   // a regular file added as a hard link
	ModTime int64  // Unix seconds
	// Layer is the index (0-based, bottom first) of the layer that last set this entry.
	Layer int
	// Implicit is set for a directory that no tar header created (a parent of an entry).
	Implicit bool
}

// Setuid, Setgid and Sticky bits of Mode.
const (
	ModeSetuid = 04000
	ModeSetgid = 02000
	ModeSticky = 01000
)

// FileMode renders the entry as an fs.FileMode.
func (e *Entry) FileMode() fs.FileMode {
	m := fs.FileMode(e.Mode & 0777)
	if e.Mode&ModeSetuid != 0 {
		m |= fs.ModeSetuid
	}
	if e.Mode&ModeSetgid != 0 {
		m |= fs.ModeSetgid
	}
	if e.Mode&ModeSticky != 0 {
		m |= fs.ModeSticky
	}
	switch e.Type {
	case TypeDir:
		m |= fs.ModeDir
	case TypeSymlink:
		m |= fs.ModeSymlink
	case TypeChar:
		m |= fs.ModeDevice | fs.ModeCharDevice
	case TypeBlock:
		m |= fs.ModeDevice
	case TypeFifo:
		m |= fs.ModeNamedPipe
	}
	return m
}

// Result is what one analyser produced for one file.
type Result struct {
	Analyzer string
	Layer    int
	Path     string // the path the file had in its layer
	Value    any
}

// node is a tree node of the merged filesystem.
type node struct {
	Entry
	kids    map[string]*node
	results []Result
}

// LayerInfo describes one layer read into the filesystem.
type LayerInfo struct {
	ID string // the layer's digest (or a name for a plain directory)
	// Bytes is the uncompressed size of the layer's tar stream.
	Bytes int64
	// FileBytes is the sum of the sizes of the regular files the layer holds.
	FileBytes int64
	Entries   int
	// Err is set when the layer could not be read to its end; the entries read before the
	// error are in the filesystem.
	Err error
}

// Waste is dive's efficiency figure: bytes of files that later layers overwrote or deleted.
type Waste struct {
	// DiscoveredBytes is the sum over every path of the sizes of every copy of it in every
	// layer (a deletion counts the size it removed).
	DiscoveredBytes int64
	// MinimumBytes is the sum over every path of the smallest copy of it.
	MinimumBytes int64
	// WastedBytes is the sum, over paths present in more than one layer, of all their copies.
	WastedBytes int64
	// Paths lists the largest wasted paths, most wasted first (at most 20).
	Paths []WastedPath
}

// WastedPath is one path that more than one layer set or deleted.
type WastedPath struct {
	Path   string
	Copies int
	Bytes  int64
}

// Efficiency is MinimumBytes / DiscoveredBytes (1 when nothing was found).
func (w *Waste) Efficiency() float64 {
	if w.DiscoveredBytes == 0 {
		return 1
	}
	return float64(w.MinimumBytes) / float64(w.DiscoveredBytes)
}

// Problem is an entry or layer the builder refused or could not read.
type Problem struct {
	Layer string // layer digest or name
	Entry string // tar entry name; empty for a whole-layer problem
	Msg   string
}

func (p Problem) Error() string {
	if p.Entry == "" {
		return fmt.Sprintf("layer %s: %s", p.Layer, p.Msg)
	}
	return fmt.Sprintf("layer %s: entry %q: %s", p.Layer, p.Entry, p.Msg)
}

// FS is the merged filesystem of an image.
type FS struct {
	root   *node
	Layers []LayerInfo
	// Problems lists refused entries, unreadable layers and skipped contents.
	Problems []Problem
	// Skipped lists files analysers wanted but whose content was not read (over the per-file
	// size cap, or a hard link to content already passed).
	Skipped []Problem
	Waste   Waste
	// Incomplete is set when a layer could not be read to its end or a cap was hit: the tree
	// may lack entries.
	Incomplete bool
	entries    int
	history    map[string][]Result
}

func newFS() *FS {
	return &FS{root: &node{Entry: Entry{Path: "/", Type: TypeDir, Mode: 0755, Implicit: true}, kids: map[string]*node{}}}
}

// Len is the number of entries in the merged filesystem (the root excluded).
func (f *FS) Len() int { return f.entries }

// maxHops bounds symlink resolution, like the kernel's ELOOP limit.
const maxHops = 40

// ErrLoop is returned when resolving a path meets too many symlinks.
var ErrLoop = errors.New("too many levels of symbolic links")

// split turns a clean absolute or relative path into its components.
func split(p string) []string {
	p = strings.Trim(p, "/")
	if p == "" {
		return nil
	}
	return strings.Split(p, "/")
}

// walk resolves comps from dir, following symlinks inside the root (chroot semantics: an
// absolute target starts at the image root and ".." stops at it). With follow false the
// last component is not followed. It returns the node and its canonical path.
func (f *FS) walk(dir *node, dirPath string, comps []string, follow bool, hops *int) (*node, string, error) {
	cur, curPath := dir, dirPath
	for i, c := range comps {
		switch c {
		case "", ".":
			continue
		case "..":
			// curPath is canonical (no symlinks), so its parent is found by name.
			curPath = path.Dir(curPath)
			cur = f.canonical(curPath)
			continue
		}
		if cur.Type != TypeDir {
			return nil, "", fmt.Errorf("%s: not a directory", curPath)
		}
		next, ok := cur.kids[c]
		if !ok {
			return nil, "", fs.ErrNotExist
		}
		last := i == len(comps)-1
		if next.Type == TypeSymlink && (!last || follow) {
			*hops++
			if *hops > maxHops {
				return nil, "", ErrLoop
			}
			start, startPath := cur, curPath
			if strings.HasPrefix(next.Link, "/") {
				start, startPath = f.root, "/"
			}
			n, p, err := f.walk(start, startPath, split(next.Link), true, hops)
			if err != nil {
				return nil, "", err
			}
			cur, curPath = n, p
			continue
		}
		cur, curPath = next, path.Join(curPath, c)
	}
	return cur, curPath, nil
}

// canonical returns the node at a canonical path (one without symlinks); the root when the
// path does not exist, which cannot happen for paths walk produced.
func (f *FS) canonical(p string) *node {
	cur := f.root
	for _, c := range split(p) {
		next := cur.kids[c]
		if next == nil {
			return f.root
		}
		cur = next
	}
	return cur
}

// Lstat returns the entry at p without following a final symlink; intermediate symlinks are
// resolved inside the image root.
func (f *FS) Lstat(p string) (*Entry, error) {
	hops := 0
	n, _, err := f.walk(f.root, "/", split(path.Clean("/"+p)), false, &hops)
	if err != nil {
		return nil, err
	}
	return &n.Entry, nil
}

// Stat returns the entry at p, following symlinks inside the image root.
func (f *FS) Stat(p string) (*Entry, error) {
	hops := 0
	n, _, err := f.walk(f.root, "/", split(path.Clean("/"+p)), true, &hops)
	if err != nil {
		return nil, err
	}
	return &n.Entry, nil
}

// Resolve returns the canonical path p leads to inside the image root.
func (f *FS) Resolve(p string) (string, error) {
	hops := 0
	_, rp, err := f.walk(f.root, "/", split(path.Clean("/"+p)), true, &hops)
	return rp, err
}

// Walk calls fn for every entry in lexical path order, the root excluded. Returning
// fs.SkipDir from fn for a directory skips its contents; any other error stops the walk.
func (f *FS) Walk(fn func(e *Entry) error) error {
	err := walkNode(f.root, fn)
	if err == fs.SkipDir {
		return nil
	}
	return err
}

func walkNode(n *node, fn func(e *Entry) error) error {
	names := make([]string, 0, len(n.kids))
	for k := range n.kids {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, k := range names {
		c := n.kids[k]
		err := fn(&c.Entry)
		if err == fs.SkipDir {
			continue
		}
		if err != nil {
			return err
		}
		if c.Type == TypeDir {
			if err := walkNode(c, fn); err != nil {
				return err
			}
		}
	}
	return nil
}

// Results returns, in path order, the results analyser name produced for files that are
// still present in the final image.
func (f *FS) Results(name string) []Result {
	var out []Result
	var visit func(n *node)
	visit = func(n *node) {
		for _, r := range n.results {
			if r.Analyzer == name {
				out = append(out, r)
			}
		}
		names := make([]string, 0, len(n.kids))
		for k := range n.kids {
			names = append(names, k)
		}
		slices.Sort(names)
		for _, k := range names {
			visit(n.kids[k])
		}
	}
	visit(f.root)
	return out
}

// ReadDir lists the entries of directory p (following symlinks), sorted by name.
func (f *FS) ReadDir(p string) ([]*Entry, error) {
	hops := 0
	n, _, err := f.walk(f.root, "/", split(path.Clean("/"+p)), true, &hops)
	if err != nil {
		return nil, err
	}
	if n.Type != TypeDir {
		return nil, fmt.Errorf("%s: not a directory", p)
	}
	names := make([]string, 0, len(n.kids))
	for k := range n.kids {
		names = append(names, k)
	}
	slices.Sort(names)
	out := make([]*Entry, len(names))
	for i, k := range names {
		out[i] = &n.kids[k].Entry
	}
	return out, nil
}

// typeOf maps a tar type flag to an entry type; ok is false for types the filesystem does
// not hold (PAX and GNU extension headers are consumed by archive/tar).
func typeOf(flag byte) (Type, bool) {
	switch flag {
	case tar.TypeReg, tar.TypeRegA, tar.TypeGNUSparse:
		return TypeReg, true
	case tar.TypeDir:
		return TypeDir, true
	case tar.TypeSymlink:
		return TypeSymlink, true
	case tar.TypeChar:
		return TypeChar, true
	case tar.TypeBlock:
		return TypeBlock, true
	case tar.TypeFifo:
		return TypeFifo, true
	}
	return 0, false
}
