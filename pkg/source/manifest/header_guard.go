package manifest

import (
	"bytes"
	"encoding/binary"
	"unicode/utf8"
)

// scannable reports whether scanHeader may read a document line by line: whether every
// line it reads as a key (at the top level, and at the indentation of metadata's keys)
// is a key to a YAML parser. It is false when:
//   - the text holds what a parser rejects or reads differently from a line scanner:
//     invalid UTF-8, control characters, a byte order mark, a bare CR, or the NEL, LS and
//     PS characters, which YAML parsers treat as line breaks;
//   - a quoted scalar or a flow collection goes on to a line at the top level or, in the
//     metadata block, at the indentation of its keys (parsers accept such lines, which may
//     look like keys: "kind: x"). Deeper lines are text to both;
//   - the document does not start at column 0, holds a document marker, or a construct
//     whose extent lines do not show (a block scalar without a key, a verbatim tag);
//   - a block mapping may hold a key twice: the full parser then finds and reports the
//     duplicate exactly (a repeat of the same text at the same column in the same
//     mapping declines; keys in flow collections and keys spelled differently, "a" and
//     'a' aside, are not compared).
//
// It only ever makes scanHeader decline, never read differently.
func scannable(doc []byte) bool {
	if !utf8.Valid(doc) || hasHiddenText(doc) {
		return false
	}
	var st lineState
	var keys keyLevels
	contentCol := 0 // lines indented deeper than this are scalar text (block or plain)
	inContent := false
	inMeta, metaIndent := false, -1
	first := true
	for len(doc) > 0 {
		var l []byte
		if nl := bytes.IndexByte(doc, '\n'); nl >= 0 {
			l, doc = doc[:nl], doc[nl+1:]
		} else {
			l, doc = doc, nil
		}
		if len(l) > 0 && l[len(l)-1] == '\r' {
			l = l[:len(l)-1]
		}
		indent := 0
		for indent < len(l) && l[indent] == ' ' {
			indent++
		}
		if indent == len(l) || l[indent] == '\t' && len(bytes.TrimLeft(l[indent:], " \t")) == 0 {
			continue // blank lines neither start nor end anything
		}
		if inContent {
			if indent > contentCol {
				continue // the text of a block scalar or of a plain scalar that goes on
			}
			inContent = false
		}
		if st.open() {
			if indent == 0 || inMeta && indent <= metaIndent {
				return false // a quoted scalar or flow collection goes on where keys are read
			}
		} else {
			if l[indent] == '#' {
				continue
			}
			if first && indent > 0 {
				return false // the root node is indented
			}
			first = false
			if indent == 0 {
				if len(l) >= 3 && (bytes.HasPrefix(l, []byte("---")) || bytes.HasPrefix(l, []byte("..."))) && (len(l) == 3 || l[3] == ' ' || l[3] == '\t') {
					return false // a document marker: the document ends here for a parser
				}
				// The metadata block as scanHeader finds it.
				inMeta = bytes.HasPrefix(l, []byte("metadata:")) && (len(l) == 9 || l[9] == ' ' || l[9] == '\t')
				metaIndent = -1
			} else if inMeta && metaIndent < 0 {
				metaIndent = indent
			}
		}
		wasOpen := st.open()
		col, content, ok := st.scanLine(l, indent)
		if !ok {
			return false
		}
		if !wasOpen && !keys.line(&st) {
			return false // a key may be repeated
		}
		if content {
			inContent, contentCol = true, col
		}
	}
	return !st.open()
}

// keyLevels holds the block mappings open at the current line, one per column, with the
// hashes of the keys seen in each, to notice a key written twice. Small mappings are
// searched linearly; a mapping that grows past smallLevel keys gets a set, so that a
// mapping with very many keys costs linear time, not quadratic.
type keyLevels struct {
	cols   []int
	hashes [][]uint64
	sets   []map[uint64]struct{}
}

const smallLevel = 16

// line updates the levels with the "-" and the key scanLine found on a line; false when
// the key is already in its mapping.
func (k *keyLevels) line(st *lineState) bool {
	if st.dash >= 0 {
		k.pop(st.dash) // a new sequence item starts new mappings below it
	}
	if st.keyCol < 0 {
		return true
	}
	k.pop(st.keyCol)
	n := len(k.cols)
	if n == 0 || k.cols[n-1] != st.keyCol {
		k.cols = append(k.cols, st.keyCol)
		if len(k.hashes) > n {
			k.hashes[n] = append(k.hashes[n][:0], st.keyHash)
			k.sets[n] = nil
		} else {
			k.hashes = append(k.hashes, []uint64{st.keyHash})
			k.sets = append(k.sets, nil)
		}
		return true
	}
	top := n - 1
	if set := k.sets[top]; set != nil {
		if _, dup := set[st.keyHash]; dup {
			return false
		}
		set[st.keyHash] = struct{}{}
		return true
	}
	for _, h := range k.hashes[top] {
		if h == st.keyHash {
			return false
		}
	}
	k.hashes[top] = append(k.hashes[top], st.keyHash)
	if len(k.hashes[top]) > smallLevel {
		set := make(map[uint64]struct{}, 2*smallLevel)
		for _, h := range k.hashes[top] {
			set[h] = struct{}{}
		}
		k.sets[top] = set
	}
	return true
}

// pop closes the mappings deeper than col.
func (k *keyLevels) pop(col int) {
	for len(k.cols) > 0 && k.cols[len(k.cols)-1] > col {
		k.cols = k.cols[:len(k.cols)-1]
	}
}

// keyHash hashes a key's text (FNV-1a); quotes without escapes are dropped so that "a" and
// a compare equal. Keys with escapes get a hash of their raw text.
func keyHash(key []byte) uint64 {
	if len(key) >= 2 && (key[0] == '"' || key[0] == '\'') && key[len(key)-1] == key[0] {
		inner := key[1 : len(key)-1]
		if bytes.IndexByte(inner, '\\') < 0 && bytes.IndexByte(inner, key[0]) < 0 {
			key = inner
		}
	}
	h := uint64(14695981039346656037)
	for _, c := range key {
		h ^= uint64(c)
		h *= 1099511628211
	}
	return h
}

// lineState is what a line leaves open for the next: a quoted scalar or flow collections.
type lineState struct {
	quote byte // the quote of an open quoted scalar, or 0
	depth int  // open flow collections

	// Found on the last line scanned, outside flow collections:
	dash    int    // column of the last "-" sequence indicator, or -1
	keyCol  int    // column of the block mapping key, or -1
	keyHash uint64 // hash of that key's text
}

func (st *lineState) open() bool { return st.quote != 0 || st.depth > 0 }

// hasHiddenText reports bytes that a YAML parser rejects or reads as a line break while a
// line scanner does not: C0 and C1 controls other than tab and LF (CR only before LF),
// DEL, NEL, LS, PS, the byte order mark and the non-characters U+FFFE and U+FFFF.
func hasHiddenText(doc []byte) bool {
	const ones, highs, lows = 0x0101010101010101, 0x8080808080808080, 0x7f7f7f7f7f7f7f7f
	i := 0
	for ; i+8 <= len(doc); i += 8 {
		// Eight bytes at once: LF and tab, then printable ASCII (0x20 to 0x7e).
		x := binary.LittleEndian.Uint64(doc[i:])
		lf, tab := x^('\n'*ones), x^('\t'*ones)
		// The high bit of each byte that is LF or tab (exact: no carry between bytes).
		ok := ^(((lf & lows) + lows) | lf) & highs
		ok |= ^(((tab & lows) + lows) | tab) & highs
		x |= ok >> 2 // LF and tab become printable
		if (x-0x20*ones)&^x&highs == 0 && ((x+ones)|x)&highs == 0 {
			continue
		}
		for j := i; j < i+8; j++ {
			if hiddenAt(doc, j) {
				return true
			}
		}
	}
	for ; i < len(doc); i++ {
		if hiddenAt(doc, i) {
			return true
		}
	}
	return false
}

func hiddenAt(doc []byte, i int) bool {
	c := doc[i]
	switch {
	case c >= 0x20 && c < 0x7f || c == '\n' || c == '\t':
		return false
	case c == '\r':
		return i+1 >= len(doc) || doc[i+1] != '\n'
	case c < 0x20 || c == 0x7f:
		return true
	case c == 0xc2: // U+0080..U+009F: C1 controls, NEL among them
		return i+1 < len(doc) && doc[i+1] < 0xa0
	case c == 0xe2: // U+2028 LS, U+2029 PS
		return i+2 < len(doc) && doc[i+1] == 0x80 && (doc[i+2] == 0xa8 || doc[i+2] == 0xa9)
	case c == 0xef: // U+FEFF BOM, U+FFFE, U+FFFF
		return i+2 < len(doc) && (doc[i+1] == 0xbb && doc[i+2] == 0xbf || doc[i+1] == 0xbf && doc[i+2] >= 0xbe)
	}
	return false
}

// scanLine tokenizes one line (from i on) the way a YAML scanner starts tokens, enough to
// follow quoted scalars and flow collections from line to line, and to see whether the
// line ends in a block scalar header or a plain scalar: then content is true and the lines
// indented deeper than col (the column of the scalar's parent node, a key or a "-") are
// its text. ok=false declines.
func (st *lineState) scanLine(l []byte, i int) (col int, content, ok bool) {
	indent := i
	st.dash, st.keyCol = -1, -1
	parent := -1 // column of the innermost block node started on this line
	tokCol := -1 // column of the last scalar, a key if ":" follows
	plainEnd := false
	if st.quote != 0 {
		end := closeQuote(l, i, st.quote)
		if end < 0 {
			return 0, false, true // the scalar goes on
		}
		st.quote, i = 0, end
	}
	for i < len(l) {
		c := l[i]
		if c == ' ' || c == '\t' {
			i++
			continue
		}
		if c == '#' {
			if i > 0 && !isSpace(l, i-1) {
				return 0, false, false // "#" glued to a token: let the parser judge
			}
			plainEnd = false // a comment ends a plain scalar
			break
		}
		plainEnd = false
		switch c {
		case '"', '\'':
			end := closeQuote(l, i+1, c)
			if end < 0 {
				st.quote = c // the scalar goes on to the next line
				return 0, false, true
			}
			tokCol, i = i, end
			continue
		case '[', '{':
			st.depth++
			i++
			continue
		case ']', '}':
			if st.depth == 0 {
				return 0, false, false
			}
			st.depth--
			i++
			continue
		case ',':
			if st.depth > 0 {
				i++
				continue
			}
		case '&', '*', '!':
			if c == '!' && i+1 < len(l) && l[i+1] == '<' {
				return 0, false, false // verbatim tag
			}
			for i < len(l) && !isSpace(l, i) && !(st.depth > 0 && isFlow(l[i])) {
				if l[i] == '"' || l[i] == '\'' || isFlow(l[i]) {
					return 0, false, false // where the name ends and a token starts is the parser's call
				}
				i++
			}
			continue
		case '%', '@', '`':
			return 0, false, false
		case '|', '>':
			if st.depth > 0 || parent < 0 {
				return 0, false, false
			}
			return parent, true, true
		case ':':
			// A value indicator; where ":" starts a plain scalar instead (":x"), reading
			// on as if it were an indicator only sees more tokens, never fewer.
			if tokCol >= 0 && st.depth == 0 {
				if st.keyCol >= 0 {
					// "a: b: c": a parser rejects a second block key on a line; let it
					// report the malformed document.
					return 0, false, false
				}
				parent = tokCol // the scalar before was a key
				st.keyCol, st.keyHash = tokCol, keyHash(bytes.TrimRight(l[tokCol:i], " \t"))
			}
			tokCol = -1
			i++
			continue
		case '-', '?':
			if isSpace(l, i+1) {
				if st.depth == 0 {
					parent = i
					if c == '-' {
						st.dash = i
					}
				}
				tokCol = -1
				i++
				continue
			}
		}
		// A plain scalar: quotes inside it are text. It ends at ": ", " #", the end of the
		// line and, in a flow collection, at a flow indicator.
		tokCol, plainEnd = i, st.depth == 0
		for i < len(l) {
			c := l[i]
			if c == ':' && (isSpace(l, i+1) || st.depth > 0 && isFlow(l[i+1])) {
				plainEnd = false // a key
				break
			}
			if c == '#' && isSpace(l, i-1) {
				break
			}
			if st.depth > 0 && isFlow(c) {
				break
			}
			i++
		}
	}
	if plainEnd {
		// A plain scalar ends the line: deeper lines go on with its text, where quotes and
		// brackets are text. Without a key or "-" on the line, the parent is shallower.
		if parent < 0 {
			parent = indent - 1
		}
		return parent, true, true
	}
	return 0, false, true
}

func isSpace(l []byte, j int) bool { return j >= len(l) || l[j] == ' ' || l[j] == '\t' }

func isFlow(c byte) bool { return c == ',' || c == '[' || c == ']' || c == '{' || c == '}' }

// closeQuote returns the index after the quote q that closes a quoted scalar whose text
// goes on at l[i], or -1 when it does not close on this line.
func closeQuote(l []byte, i int, q byte) int {
	for j := i; j < len(l); j++ {
		switch {
		case q == '"' && l[j] == '\\':
			j++ // an escaped character (an escaped line break runs past the line: -1)
		case l[j] == q:
			if q == '\'' && j+1 < len(l) && l[j+1] == '\'' {
				j++ // '' is an escaped quote
				continue
			}
			return j + 1
		}
	}
	return -1
}
