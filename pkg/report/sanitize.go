package report

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Sanitize makes text from inputs safe for a terminal: C0 and C1 control characters
// (ESC, CR, BEL, ...) and invalid UTF-8 are shown escaped, so a crafted annotation or file
// name cannot move the cursor, rewrite lines or change the terminal's state.
func Sanitize(s string) string {
	clean := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == 0x7f || c >= 0x80 {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b.WriteString(`\x`)
			b.WriteString(hex2(s[i]))
		case r == '\t':
			b.WriteByte(' ')
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == '\u2028' || r == '\u2029' || (unicode.Is(unicode.Cf, r) && r != '\u200d'):
			b.WriteString(`\u`)
			b.WriteString(hex4(r))
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

const hexdigits = "0123456789abcdef"

func hex2(c byte) string { return string([]byte{hexdigits[c>>4], hexdigits[c&15]}) }

func hex4(r rune) string {
	return string([]byte{hexdigits[r>>12&15], hexdigits[r>>8&15], hexdigits[r>>4&15], hexdigits[r&15]})
}
