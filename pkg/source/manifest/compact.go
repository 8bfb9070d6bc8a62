package manifest

import (
	"slices"
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

// flatLocator answers with recorded positions, keyed by canonical path. Paths are interned
// (objects of a kind share most of theirs) and kept in a slice, not a map: a snapshot of
// many objects holds 16 bytes per recorded field.
type flatLocator struct {
	first   int32
	entries []flatEntry
}

type flatEntry struct {
	path      unique.Handle[string]
	line, col int32
}

func flatten(root *yaml.Node, offset, maxDepth int) *flatLocator {
	f := &flatLocator{}
	root = resolve(root)
	if root == nil {
		return f
	}
	f.first = int32(root.Line + offset)
	var walk func(n *yaml.Node, path string, depth int)
	walk = func(n *yaml.Node, path string, depth int) {
		n = resolve(n)
		if n == nil || depth >= maxDepth {
			return
		}
		switch n.Kind {
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				if len(f.entries) >= compactEntries {
					return
				}
				p := target.Field(path, n.Content[i].Value)
				f.add(p, n.Content[i].Line+offset, n.Content[i].Column)
				walk(n.Content[i+1], p, depth+1)
			}
		case yaml.SequenceNode:
			for i, it := range n.Content {
				if len(f.entries) >= compactEntries {
					return
				}
				p := target.Index(path, i)
				f.add(p, it.Line+offset, it.Column)
				walk(it, p, depth+1)
			}
		}
	}
	walk(root, "", 0)
	f.entries = slices.Clip(f.entries)
	return f
}

// add records a position; a repeated key's last position wins, as its value does.
func (f *flatLocator) add(path string, line, col int) {
	f.entries = append(f.entries, flatEntry{path: unique.Make(path), line: int32(line), col: int32(col)})
}

func (f *flatLocator) lookup(path string) (flatEntry, bool) {
	h := unique.Make(path)
	for i := len(f.entries) - 1; i >= 0; i-- {
		if f.entries[i].path == h {
			return f.entries[i], true
		}
	}
	return flatEntry{}, false
}

// Line implements target.Locator.
func (f *flatLocator) Line(path string) (int, int) {
	segs := target.SplitPath(path)
	for n := len(segs); n > 0; n-- {
		if e, ok := f.lookup(joinSegments(segs[:n])); ok {
			return int(e.line), int(e.col)
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
