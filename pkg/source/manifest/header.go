package manifest

import (
	"bytes"
)

// header is what the fast path learns about a document without parsing it: the type and
// the identifying metadata. It is enough for every document no rule reads in full.
type header struct {
	apiVersion, kind string
	name, namespace  string
	// lines (relative to the document) of the fields, for findings.
	kindLine, metadataLine, nameLine, namespaceLine int
}

// scanHeader reads apiVersion, kind and metadata.name/namespace from a block-style YAML
// document by looking at lines only. It gives up (ok=false) on anything it cannot read
// exactly: flow style, anchors, aliases, tags, merge keys, quoted or repeated top-level
// keys, tabs, multi-line quoted values. The caller then parses the document in full, so
// the fast path never decides differently from a real parser; it only declines.
func scanHeader(doc []byte) (h header, ok bool) {
	if !scannable(doc) {
		return h, false
	}
	inMeta, metaIndent := false, -1
	scalarIndent := -1 // indent of the key whose scalar value was just read
	openBlock := false // the last top-level key has no inline value: a block may follow
	var seen [8]string // top-level keys seen, to decline on repeats
	nseen := 0
	line := 0
	for len(doc) > 0 {
		line++
		var l []byte
		if nl := bytes.IndexByte(doc, '\n'); nl >= 0 {
			l, doc = doc[:nl], doc[nl+1:]
		} else {
			l, doc = doc, nil
		}
		l = bytes.TrimSuffix(l, []byte{'\r'})
		indent := 0
		for indent < len(l) && l[indent] == ' ' {
			indent++
		}
		if indent == len(l) {
			continue // blank
		}
		c := l[indent]
		if c == '\t' {
			return h, false
		}
		if scalarIndent >= 0 {
			if indent > scalarIndent {
				return h, false // a continuation of the value just read
			}
			scalarIndent = -1
		}
		if c == '#' {
			continue
		}
		if indent == 0 {
			inMeta = false
			if c == '-' && (len(l) == 1 || l[1] == ' ') {
				// A compact sequence ("rules:\n- apiGroups: ...") belongs to the
				// top-level key just read, which must have had no value of its own and
				// must not be one of the fields read here.
				if !openBlock {
					return h, false
				}
				continue
			}
			openBlock = false
			key, rest, ok := splitKey(l)
			if !ok {
				return h, false
			}
			for i := 0; i < nseen; i++ {
				if seen[i] == key {
					return h, false
				}
			}
			switch key {
			case "apiVersion", "kind", "metadata":
				if nseen < len(seen) {
					seen[nseen] = key
					nseen++
				}
			}
			if v := bytes.TrimSpace(rest); len(v) == 0 || v[0] == '#' {
				openBlock = key != "apiVersion" && key != "kind" && key != "metadata"
			}
			switch key {
			case "apiVersion":
				if h.apiVersion, ok = plainScalar(rest); !ok {
					return h, false
				}
				scalarIndent = 0
			case "kind":
				if h.kind, ok = plainScalar(rest); !ok {
					return h, false
				}
				scalarIndent = 0
				h.kindLine = line
			case "metadata":
				if v, ok := plainScalar(rest); !ok || v != "" {
					return h, false // flow mapping, alias, anything but a block
				}
				inMeta, metaIndent = true, -1
				h.metadataLine = line
			}
			continue
		}
		if !inMeta {
			continue
		}
		if metaIndent < 0 {
			metaIndent = indent
		}
		if indent != metaIndent {
			if indent < metaIndent {
				return h, false // odd indentation: let the parser judge
			}
			continue
		}
		key, rest, ok := splitKey(l[indent:])
		if !ok {
			return h, false // a key this scanner cannot read may be "name" to a parser
		}
		switch key {
		case "name":
			if h.name, ok = plainScalar(rest); !ok || h.nameLine != 0 {
				return h, false
			}
			h.nameLine, scalarIndent = line, indent
		case "namespace":
			if h.namespace, ok = plainScalar(rest); !ok || h.namespaceLine != 0 {
				return h, false
			}
			h.namespaceLine, scalarIndent = line, indent
		}
	}
	return h, true
}

// splitKey splits "key: rest" at the first ": " (or a trailing ":"). It declines keys that
// start with a YAML indicator (quotes, flow, anchors, tags, merge keys, sequences).
func splitKey(l []byte) (key string, rest []byte, ok bool) {
	switch l[0] {
	case '{', '[', '-', '?', '&', '*', '!', '%', '"', '\'', '<', '|', '>', '@', '`', ',':
		return "", nil, false
	}
	for i := 0; i < len(l); i++ {
		if l[i] == ':' && (i+1 == len(l) || l[i+1] == ' ' || l[i+1] == '\t') {
			if i == 0 || l[i-1] == ' ' || l[i-1] == '\t' {
				return "", nil, false // "kind : x" is the key "kind" to a parser
			}
			return string(l[:i]), l[i+1:], true
		}
		if l[i] == '#' && i > 0 && l[i-1] == ' ' {
			return "", nil, false
		}
	}
	return "", nil, false
}

// plainScalar reads a one-line scalar value: plain, or single/double quoted without
// escapes, with an optional trailing comment. Anything else declines.
func plainScalar(rest []byte) (string, bool) {
	v := bytes.Trim(rest, " \t") // only these: YAML keeps U+00A0 and other spaces
	if len(v) == 0 || v[0] == '#' {
		return "", true
	}
	switch v[0] {
	case '"', '\'':
		q := v[0]
		end := bytes.IndexByte(v[1:], q)
		if end < 0 {
			return "", false
		}
		s := v[1 : 1+end]
		if bytes.IndexByte(s, '\\') >= 0 {
			return "", false
		}
		tail := bytes.TrimSpace(v[2+end:])
		if len(tail) > 0 && tail[0] != '#' {
			return "", false
		}
		return string(s), true
	case '{', '[', '&', '*', '!', '|', '>', '%', '@', '`':
		return "", false
	}
	if i := bytes.Index(v, []byte(" #")); i >= 0 {
		v = bytes.Trim(v[:i], " \t")
	}
	if bytes.ContainsAny(v, "\t") || !plainString(v) {
		return "", false
	}
	return string(v), true
}

// plainString reports whether kubectl's parser (YAML 1.1) reads a plain scalar as a string:
// null (~), booleans (yes, on, ...) and anything that may be a number are declined.
func plainString(v []byte) bool {
	switch string(v) {
	case "~", "null", "Null", "NULL", "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO",
		"true", "True", "TRUE", "false", "False", "FALSE", "on", "On", "ON", "off", "Off", "OFF":
		return false
	}
	c := v[0]
	return !(c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.')
}
