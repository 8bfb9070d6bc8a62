package manifest

import (
	yaml "go.yaml.in/yaml/v3"

	"github.com/eksguard/eksguard/pkg/target"
)

// nodeLocator finds field paths in a parsed YAML node tree.
type nodeLocator struct {
	root   *yaml.Node // the object's mapping node
	offset int        // lines before the document in the file
}

// Line implements target.Locator. It reports the line of the key (or list item) that
// holds the deepest part of path that exists, which is where a reader looks.
func (l *nodeLocator) Line(path string) (int, int) {
	n, pos := l.root, l.root
	for _, seg := range target.SplitPath(path) {
		v, p := child(n, seg)
		if v == nil {
			break
		}
		n, pos = v, p
	}
	if pos == nil {
		return 0, 0
	}
	return pos.Line + l.offset, pos.Column
}

// child steps one segment down and returns the value node and the node whose position
// names it (the key for a mapping entry, the item for a list entry).
func child(n *yaml.Node, seg target.Segment) (val, pos *yaml.Node) {
	n = resolve(n)
	if n == nil {
		return nil, nil
	}
	if seg.Index >= 0 {
		if n.Kind != yaml.SequenceNode || seg.Index >= len(n.Content) {
			return nil, nil
		}
		return n.Content[seg.Index], n.Content[seg.Index]
	}
	if n.Kind != yaml.MappingNode {
		return nil, nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == seg.Name {
			val, pos = n.Content[i+1], n.Content[i] // last wins, as the API server stores it
		}
	}
	return val, pos
}

func resolve(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < 8; i++ {
		n = n.Alias
	}
	if n != nil && n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		return n.Content[0]
	}
	return n
}

// constLocator answers with fixed lines for the few paths the fast path knows, and with
// the document's first line for any other.
type constLocator struct {
	offset int
	lines  map[string]int
}

func (c *constLocator) Line(path string) (int, int) {
	for p := path; p != ""; p = parent(p) {
		if l, ok := c.lines[p]; ok && l > 0 {
			return l + c.offset, 1
		}
	}
	return 1 + c.offset, 1
}

func parent(p string) string {
	segs := target.SplitPath(p)
	if len(segs) <= 1 {
		return ""
	}
	out := ""
	for _, s := range segs[:len(segs)-1] {
		if s.Index >= 0 {
			out = target.Index(out, s.Index)
		} else {
			out = target.Field(out, s.Name)
		}
	}
	return out
}
