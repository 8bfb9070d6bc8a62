package json

import (
	"encoding/json"
	"sort"
	"strconv"
	"unicode/utf8"

	"github.com/eksguard/eksguard/pkg/finding"
)

// appendFinding encodes a finding exactly as encoding/json does (field order, omitempty,
// sorted evidence keys, HTML-safe escaping) without reflection: findings are the bulk of
// every report. A test holds the two encodings equal.
func appendFinding(b []byte, f *finding.Finding) []byte {
	b = append(b, `{"ruleId":`...)
	b = appendString(b, f.RuleID)
	b = append(b, `,"status":`...)
	b = appendString(b, string(f.Status))
	b = append(b, `,"severity":`...)
	b = appendString(b, f.Severity.String())
	b = append(b, `,"subject":{`...)
	first := true
	key := func(name string) { // writes `,"name":` (no comma first in an object)
		if !first {
			b = append(b, ',')
		}
		first = false
		b = append(b, '"')
		b = append(b, name...)
		b = append(b, `":`...)
	}
	field := func(name, v string) {
		if v != "" {
			key(name)
			b = appendString(b, v)
		}
	}
	num := func(name string, v int) {
		if v != 0 {
			key(name)
			b = strconv.AppendInt(b, int64(v), 10)
		}
	}
	s := &f.Subject
	field("apiVersion", s.APIVersion)
	field("kind", s.Kind)
	field("namespace", s.Namespace)
	field("name", s.Name)
	field("image", s.Image)
	field("node", s.Node)
	b = append(b, `},"location":{`...)
	first = true
	l := &f.Location
	field("file", l.File)
	num("line", l.Line)
	num("column", l.Column)
	num("document", l.Document)
	field("path", l.Path)
	field("template", l.Template)
	b = append(b, `},"message":`...)
	b = appendString(b, f.Message)
	if len(f.Evidence) > 0 {
		keys := make([]string, 0, len(f.Evidence))
		for k := range f.Evidence {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		b = append(b, `,"evidence":{`...)
		for i, k := range keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, k)
			b = append(b, ':')
			b = appendString(b, f.Evidence[k])
		}
		b = append(b, '}')
	}
	if f.Suppressed != nil {
		b = append(b, `,"suppressed":{"reason":`...)
		b = appendString(b, f.Suppressed.Reason)
		b = append(b, `,"source":`...)
		b = appendString(b, f.Suppressed.Source)
		if f.Suppressed.Expires != "" {
			b = append(b, `,"expires":`...)
			b = appendString(b, f.Suppressed.Expires)
		}
		b = append(b, '}')
	}
	return append(b, '}')
}

// appendString quotes s; text that needs escaping goes through encoding/json so that the
// rules (invalid UTF-8, HTML characters, U+2028) are exactly its own.
func appendString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' || c >= utf8.RuneSelf {
			q, _ := json.Marshal(s)
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}
