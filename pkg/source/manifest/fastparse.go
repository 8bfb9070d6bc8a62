package manifest

import (
	"bytes"

	yaml "go.yaml.in/yaml/v3"
)

// fastParse builds the yaml.v3 node tree of a document written in the plain block style
// most manifests use (block mappings and sequences, one-line plain and simply quoted
// scalars, empty flow collections, comments) several times faster than the general parser.
// Anything else (anchors, aliases, tags, block or multi-line scalars, flow content, escapes,
// tabs, CR, non-ASCII text, merge keys, odd indentation) declines with ok=false, and the
// caller uses yaml.v3. A differential fuzz test holds the trees it builds equal to yaml.v3's
// in kind, style, value, line and column.
func fastParse(doc []byte) (root *yaml.Node, ok bool) {
	for _, c := range doc {
		if c >= 0x80 || c == '\t' || c == '\r' || c < 0x20 && c != '\n' || c == 0x7f {
			return nil, false
		}
	}
	p := fastParser{}
	for len(doc) > 0 {
		var l []byte
		if nl := bytes.IndexByte(doc, '\n'); nl >= 0 {
			l, doc = doc[:nl], doc[nl+1:]
		} else {
			l, doc = doc, nil
		}
		p.lines = append(p.lines, l)
	}
	if len(p.lines) > 0 {
		// The first line is what followed a "---" marker, if any: only a comment may stay.
		if t := bytes.TrimLeft(p.lines[0], " "); len(t) > 0 && t[0] != '#' {
			if p.lines[0][0] == ' ' {
				return nil, false
			}
		}
	}
	p.next()
	if p.i >= len(p.lines) || p.indent != 0 {
		return nil, false
	}
	n := p.block(0)
	if p.bad || p.i < len(p.lines) || n.Kind != yaml.MappingNode {
		return nil, false
	}
	return &yaml.Node{Kind: yaml.DocumentNode, Line: n.Line, Column: n.Column, Content: []*yaml.Node{n}}, true
}

type fastParser struct {
	lines  [][]byte
	i      int // current line (0-based)
	indent int // indentation of the current line
	bad    bool
}

// next moves to the first line with content from the current one on, skipping blank and
// comment lines; advance moves past the current line first.
func (p *fastParser) next() {
	for ; p.i < len(p.lines); p.i++ {
		l := p.lines[p.i]
		n := 0
		for n < len(l) && l[n] == ' ' {
			n++
		}
		if n < len(l) && l[n] != '#' {
			p.indent = n
			return
		}
	}
}

func (p *fastParser) advance() {
	p.i++
	p.next()
}

// Every parse function below starts on the line of its node and leaves p.i on the first
// content line after it.

// block parses the block node starting on the current line at column col: a sequence when
// the line starts with "- ", else a mapping.
func (p *fastParser) block(col int) *yaml.Node {
	l := p.lines[p.i]
	if l[col] == '-' && (col+1 == len(l) || l[col+1] == ' ') {
		return p.sequence(col)
	}
	return p.mapping(col, col)
}

// mapping parses the keys at column col; the first may start at column first of the
// current line (after "- ").
func (p *fastParser) mapping(col, first int) *yaml.Node {
	m := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: p.i + 1, Column: first + 1}
	start := first
	for !p.bad {
		l := p.lines[p.i]
		key, rest, ok := fastKey(l, start)
		if !ok {
			p.bad = true
			break
		}
		k := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: key.value, Style: key.style, Line: p.i + 1, Column: start + 1}
		v := p.value(l, rest, col, true)
		m.Content = append(m.Content, k, v)
		if p.bad || p.i >= len(p.lines) || p.indent < col {
			break
		}
		if p.indent > col {
			p.bad = true // deeper than the keys, with no key to belong to
			break
		}
		if p.lines[p.i][col] == '-' {
			break // a sequence at this column belongs to an outer key
		}
		start = col
	}
	return m
}

// sequence parses the "- " items at column col.
func (p *fastParser) sequence(col int) *yaml.Node {
	s := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Line: p.i + 1, Column: col + 1}
	for !p.bad {
		l := p.lines[p.i]
		if l[col] != '-' || col+1 < len(l) && l[col+1] != ' ' {
			p.bad = true
			break
		}
		j := col + 1
		for j < len(l) && l[j] == ' ' {
			j++
		}
		var item *yaml.Node
		switch {
		case j == len(l) || l[j] == '#':
			item = p.value(l, col+1, col, false) // "-" alone: the item is on deeper lines, or null
		case isKeyLine(l, j):
			item = p.mapping(j, j) // "- key: value": a mapping whose keys are at column j
		default:
			v, ok := fastScalar(l, j)
			if !ok {
				p.bad = true
				return s
			}
			v.Line = p.i + 1
			item = v
			p.advance()
			if p.i < len(p.lines) && p.indent > col {
				p.bad = true // a continuation line or odd indentation
			}
		}
		s.Content = append(s.Content, item)
		if p.bad || p.i >= len(p.lines) || p.indent != col || p.lines[p.i][col] != '-' {
			break // the sequence ends
		}
	}
	return s
}

// value parses what follows a key's colon (rest is its index in l) or a lone "-": an
// inline scalar or empty flow collection, else the block on the following lines, else null.
// key tells whether a sequence may sit at the key's own column, as YAML allows for the
// value of a mapping key.
func (p *fastParser) value(l []byte, rest, col int, key bool) *yaml.Node {
	j := rest
	for j < len(l) && l[j] == ' ' {
		j++
	}
	if j < len(l) && l[j] != '#' {
		v, ok := fastScalar(l, j)
		if !ok {
			p.bad = true
			return &yaml.Node{}
		}
		v.Line = p.i + 1
		p.advance()
		if p.i < len(p.lines) && p.indent > col {
			p.bad = true // the value goes on to the next line: let yaml.v3 judge
		}
		return v
	}
	null := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Line: p.i + 1, Column: rest + 1}
	p.advance()
	if p.i < len(p.lines) {
		if p.indent > col {
			return p.block(p.indent)
		}
		if key && p.indent == col && p.lines[p.i][col] == '-' {
			return p.sequence(col)
		}
	}
	return null
}

// isKeyLine reports a "key:" at column j of l.
func isKeyLine(l []byte, j int) bool {
	_, _, ok := fastKey(l, j)
	return ok
}

type scalarText struct {
	value string
	style yaml.Style
}

// fastKey reads "key:" at column j: a plain key, or a simple quoted one. rest is the index
// after the colon.
func fastKey(l []byte, j int) (key scalarText, rest int, ok bool) {
	if j >= len(l) {
		return key, 0, false
	}
	switch l[j] {
	case '"', '\'':
		end := bytes.IndexByte(l[j+1:], l[j])
		if end < 0 {
			return key, 0, false
		}
		text := l[j+1 : j+1+end]
		if bytes.IndexByte(text, '\\') >= 0 {
			return key, 0, false
		}
		k := j + 2 + end
		if k >= len(l) || l[k] != ':' || k+1 < len(l) && l[k+1] != ' ' || k-j > 1000 {
			return key, 0, false
		}
		style := yaml.DoubleQuotedStyle
		if l[j] == '\'' {
			style = yaml.SingleQuotedStyle
		}
		return scalarText{string(text), style}, k + 1, true
	}
	if !plainStart(l, j) {
		return key, 0, false
	}
	for k := j; k < len(l); k++ {
		switch l[k] {
		case ':':
			if k+1 == len(l) || l[k+1] == ' ' {
				text := bytes.TrimRight(l[j:k], " ")
				if len(text) == 0 || string(text) == "<<" || k-j > 1000 {
					return key, 0, false // YAML caps implicit keys at 1024 characters
				}
				return scalarText{value: string(text)}, k + 1, true
			}
		case '#':
			if l[k-1] == ' ' {
				return key, 0, false
			}
		case '[', ']', '{', '}', ',':
			return key, 0, false // flow indicators in a key: leave it to the parser
		}
	}
	return key, 0, false
}

// plainStart reports whether a plain scalar may start at l[j].
func plainStart(l []byte, j int) bool {
	switch c := l[j]; c {
	case '-', '?', ':':
		return j+1 < len(l) && l[j+1] != ' '
	case ',', '[', ']', '{', '}', '#', '&', '*', '!', '|', '>', '\'', '"', '%', '@', '`':
		return false
	}
	return true
}

// fastScalar reads a one-line value at column j: plain (up to a comment), simply quoted,
// or an empty flow collection. The node's Line is left for the caller.
func fastScalar(l []byte, j int) (*yaml.Node, bool) {
	n := &yaml.Node{Kind: yaml.ScalarNode, Column: j + 1}
	switch l[j] {
	case '"', '\'':
		end := bytes.IndexByte(l[j+1:], l[j])
		if end < 0 {
			return nil, false
		}
		text := l[j+1 : j+1+end]
		if bytes.IndexByte(text, '\\') >= 0 || l[j] == '\'' && j+2+end < len(l) && l[j+2+end] == '\'' {
			return nil, false
		}
		if !onlyComment(l, j+2+end) {
			return nil, false
		}
		n.Value, n.Tag, n.Style = string(text), "!!str", yaml.DoubleQuotedStyle
		if l[j] == '\'' {
			n.Style = yaml.SingleQuotedStyle
		}
		return n, true
	case '[', '{':
		if j+1 < len(l) && (l[j] == '[' && l[j+1] == ']' || l[j] == '{' && l[j+1] == '}') && onlyComment(l, j+2) {
			n.Kind, n.Style = yaml.SequenceNode, yaml.FlowStyle
			n.Tag = "!!seq"
			if l[j] == '{' {
				n.Kind, n.Tag = yaml.MappingNode, "!!map"
			}
			return n, true
		}
		return nil, false
	}
	if !plainStart(l, j) {
		return nil, false
	}
	end := len(l)
	for k := j; k < len(l); k++ {
		switch l[k] {
		case ':':
			if k+1 == len(l) || l[k+1] == ' ' {
				return nil, false // "a: b: c" is not YAML
			}
		case '#':
			if l[k-1] == ' ' {
				end = k
				k = len(l)
			}
		}
	}
	text := bytes.TrimRight(l[j:end], " ")
	if string(text) == "<<" {
		return nil, false
	}
	n.Value = string(text)
	return n, true
}

// onlyComment reports that nothing but spaces and a comment follow index k.
func onlyComment(l []byte, k int) bool {
	if k < len(l) && l[k] != ' ' {
		return false
	}
	for ; k < len(l); k++ {
		if l[k] == '#' {
			return true
		}
		if l[k] != ' ' {
			return false
		}
	}
	return true
}
