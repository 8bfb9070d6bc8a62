package manifest

import (
	yaml "go.yaml.in/yaml/v3"

	"github.com/eksguard/eksguard/pkg/target"
)

// Bounds of a compact locator: objects kept for cluster-wide rules hold the positions of
// their fields down to this depth, at most this many, not the parsed document.
const (
	compactDepth   = 8
	compactEntries = 1024
)

// CompactOrigin returns origin with a locator that no longer holds the document's parsed
// tree: a table of the positions of its fields (down to a depth, and a number of entries)
// that answers deeper paths with their nearest recorded ancestor. Sources hand objects to
// a snapshot through it, so that a snapshot of many objects keeps no documents alive.
func CompactOrigin(o target.Origin) target.Origin {
	switch l := o.Locator.(type) {
	case *nodeLocator:
		o.Locator = flatten(l.root, l.offset)
	case *prefixLocator:
		if nl, ok := l.inner.(*nodeLocator); ok {
			n := nl.root
			for _, seg := range target.SplitPath(l.prefix) {
				if n, _ = child(n, seg); n == nil {
					break
				}
			}
			if n != nil {
				o.Locator = flatten(n, nl.offset)
			}
		}
	}
	return o
}

// flatLocator answers with recorded positions, keyed by canonical path.
type flatLocator struct {
	first int32
	lines map[string][2]int32
}

func flatten(root *yaml.Node, offset int) *flatLocator {
	f := &flatLocator{lines: map[string][2]int32{}}
	root = resolve(root)
	if root == nil {
		return f
	}
	f.first = int32(root.Line + offset)
	var walk func(n *yaml.Node, path string, depth int)
	walk = func(n *yaml.Node, path string, depth int) {
		n = resolve(n)
		if n == nil || depth >= compactDepth {
			return
		}
		switch n.Kind {
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				if len(f.lines) >= compactEntries {
					return
				}
				p := target.Field(path, n.Content[i].Value)
				f.lines[p] = [2]int32{int32(n.Content[i].Line + offset), int32(n.Content[i].Column)} // last wins
				walk(n.Content[i+1], p, depth+1)
			}
		case yaml.SequenceNode:
			for i, it := range n.Content {
				if len(f.lines) >= compactEntries {
					return
				}
				p := target.Index(path, i)
				f.lines[p] = [2]int32{int32(it.Line + offset), int32(it.Column)}
				walk(it, p, depth+1)
			}
		}
	}
	walk(root, "", 0)
	return f
}

// Line implements target.Locator.
func (f *flatLocator) Line(path string) (int, int) {
	segs := target.SplitPath(path)
	for n := len(segs); n > 0; n-- {
		if v, ok := f.lines[joinSegments(segs[:n])]; ok {
			return int(v[0]), int(v[1])
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
