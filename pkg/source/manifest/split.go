package manifest

import "bytes"

// document is one YAML document of a file with the line it starts on.
type document struct {
	data      []byte
	startLine int // 1-based line of the document's first line in the file
	index     int // 1-based document index
}

// splitDocuments cuts a YAML stream at document markers ("---" and "..." at column 0),
// keeping each document's starting line. It does not parse. Empty documents (only
// whitespace and comments) are dropped and not counted: index counts the documents
// returned.
func splitDocuments(data []byte) []document { return splitDocumentsMax(data, -1) }

// splitDocumentsMax is splitDocuments that stops after limit documents (< 0: no limit).
func splitDocumentsMax(data []byte, limit int) []document {
	var docs []document
	start, startLine, line, index := 0, 1, 1, 1
	flush := func(end, nextStart, nextLine int) {
		if !blankYAML(data[start:end]) {
			docs = append(docs, document{data: data[start:end], startLine: startLine, index: index})
			index++
		}
		start, startLine = nextStart, nextLine
	}
	for pos := 0; pos < len(data) && (limit < 0 || len(docs) < limit); {
		nl := bytes.IndexByte(data[pos:], '\n')
		end := len(data)
		if nl >= 0 {
			end = pos + nl
		}
		l := data[pos:end]
		next := end + 1
		if next > len(data) {
			next = len(data)
		}
		if isMarker(l, "---") {
			// "--- value" keeps the rest of the line as part of the next document.
			rest := pos + 3
			flush(pos, rest, line)
		} else if isMarker(l, "...") {
			flush(pos, next, line+1)
		}
		pos = next
		line++
	}
	if limit < 0 || len(docs) < limit {
		flush(len(data), len(data), line)
	}
	return docs
}

func isMarker(l []byte, m string) bool {
	if !bytes.HasPrefix(l, []byte(m)) {
		return false
	}
	rest := l[len(m):]
	return len(rest) == 0 || rest[0] == ' ' || rest[0] == '\t' || rest[0] == '\r'
}

// blankYAML reports whether b holds nothing but whitespace and comments.
func blankYAML(b []byte) bool {
	for len(b) > 0 {
		nl := bytes.IndexByte(b, '\n')
		l := b
		if nl >= 0 {
			l, b = b[:nl], b[nl+1:]
		} else {
			b = nil
		}
		t := bytes.TrimLeft(l, " \t\r")
		if len(t) > 0 && t[0] != '#' {
			return false
		}
	}
	return true
}
