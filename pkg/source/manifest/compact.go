package manifest

import (
	"strings"
	"sync"
	"unique"

	yaml "go.yaml.in/yaml/v3"

	"github.com/eksguard/eksguard/pkg/target"
)

// compactEntries bounds a compact locator: objects kept for cluster-wide rules hold the
// positions of at most this many fields, not the parsed document.
const compactEntries = 512

// CompactOrigin returns origin with a locator that no longer holds the document's parsed
// tree: a table of the positions of its fields down to depth levels (and at most a few
// hundred), that answers deeper paths with their nearest recorded ancestor. Sources hand
// objects to a snapshot through it, so that a snapshot of many objects keeps no documents
// alive.
func CompactOrigin(o target.Origin, depth int) target.Origin {
	switch l := o.Locator.(type) {
	case *nodeLocator:
		o.Locator = flatten(l.root, l.offset, depth)
	case *prefixLocator:
		if nl, ok := l.inner.(*nodeLocator); ok {
			n := nl.root
			for _, seg := range target.SplitPath(l.prefix) {
				if n, _ = child(n, seg); n == nil {
					break
				}
			}
			if n != nil {
				o.Locator = flatten(n, nl.offset, depth)
			}
		}
	}
	return o
}

// flatLocator answers with recorded positions, keyed by canonical path. The list of
// recorded paths is shared by every object that records the same paths (objects of one
// shape: most of a kind's), and the positions are packed in 4 bytes each, so that a
// snapshot of many objects holds little more than 4 bytes per recorded field.
type flatLocator struct {
	first int32
	paths *pathList
	pos   []uint32 // packed line (relative to first) and column, one per path
	wide  []int32  // line and column pairs, instead of pos when one does not fit
}

// Packed positions: the line after first in the high bits, the column in the low ones.
const (
	colBits  = 12
	lineBits = 32 - colBits
)

// pathList is the canonical paths an object records, in document order, interned.
type pathList struct {
	paths []unique.Handle[string]
}

// pathLists shares path lists between the locators of a process, by their joined paths.
var pathLists sync.Map // unique.Handle[string] -> *pathList

func sharedPaths(paths []string) *pathList {
	key := unique.Make(strings.Join(paths, "\x00"))
	if pl, ok := pathLists.Load(key); ok && pl.(*pathList).equal(paths) {
		return pl.(*pathList)
	}
	pl := &pathList{paths: make([]unique.Handle[string], len(paths))}
	for i, p := range paths {
		pl.paths[i] = unique.Make(p)
	}
	// Keys may hold NUL themselves: a list whose joined form is the same but whose paths
	// differ is kept unshared.
	if got, loaded := pathLists.LoadOrStore(key, pl); loaded && got.(*pathList).equal(paths) {
		return got.(*pathList)
	}
	return pl
}

func (pl *pathList) equal(paths []string) bool {
	if len(pl.paths) != len(paths) {
		return false
	}
	for i, h := range pl.paths {
		if h.Value() != paths[i] {
			return false
		}
	}
	return true
}

// index returns the index of path's last occurrence: a repeated key's last position wins,
// as its value does.
func (pl *pathList) index(path string) (int, bool) {
	h := unique.Make(path)
	for i := len(pl.paths) - 1; i >= 0; i-- {
		if pl.paths[i] == h {
			return i, true
		}
	}
	return 0, false
}

func flatten(root *yaml.Node, offset, maxDepth int) *flatLocator {
	f := &flatLocator{}
	root = resolve(root)
	if root == nil {
		return f
	}
	f.first = int32(root.Line + offset)
	var paths []string
	var lines, cols []int
	add := func(p string, line, col int) {
		paths = append(paths, p)
		lines = append(lines, line)
		cols = append(cols, col)
	}
	var walk func(n *yaml.Node, path string, depth int)
	walk = func(n *yaml.Node, path string, depth int) {
		n = resolve(n)
		if n == nil || depth >= maxDepth {
			return
		}
		switch n.Kind {
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				if len(paths) >= compactEntries {
					return
				}
				p := target.Field(path, n.Content[i].Value)
				add(p, n.Content[i].Line+offset, n.Content[i].Column)
				walk(n.Content[i+1], p, depth+1)
			}
		case yaml.SequenceNode:
			for i, it := range n.Content {
				if len(paths) >= compactEntries {
					return
				}
				p := target.Index(path, i)
				add(p, it.Line+offset, it.Column)
				walk(it, p, depth+1)
			}
		}
	}
	walk(root, "", 0)
	f.paths = sharedPaths(paths)
	packed := true
	for i := range lines {
		d := lines[i] - int(f.first)
		if d < 0 || d >= 1<<lineBits || cols[i] < 0 || cols[i] >= 1<<colBits {
			packed = false
			break
		}
	}
	if packed {
		f.pos = make([]uint32, len(lines))
		for i := range lines {
			f.pos[i] = uint32(lines[i]-int(f.first))<<colBits | uint32(cols[i])
		}
	} else {
		f.wide = make([]int32, 2*len(lines))
		for i := range lines {
			f.wide[2*i], f.wide[2*i+1] = int32(lines[i]), int32(cols[i])
		}
	}
	return f
}

func (f *flatLocator) lookup(path string) (line, col int, ok bool) {
	if f.paths == nil {
		return 0, 0, false
	}
	i, ok := f.paths.index(path)
	if !ok {
		return 0, 0, false
	}
	if f.pos != nil {
		return int(f.first) + int(f.pos[i]>>colBits), int(f.pos[i] & (1<<colBits - 1)), true
	}
	return int(f.wide[2*i]), int(f.wide[2*i+1]), true
}

// Line implements target.Locator.
func (f *flatLocator) Line(path string) (int, int) {
	segs := target.SplitPath(path)
	for n := len(segs); n > 0; n-- {
		if l, c, ok := f.lookup(joinSegments(segs[:n])); ok {
			return l, c
		}
	}
	return int(f.first), 1
}

// joinSegments builds the canonical form of a path: every name as a plain field.
func joinSegments(segs []target.Segment) string {
	out := ""
	for _, s := range segs {
		if s.Index >= 0 {
			out = target.Index(out, s.Index)
		} else {
			out = target.Field(out, s.Name)
		}
	}
	return out
}
