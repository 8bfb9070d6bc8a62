// Package falcojson writes detection alerts the way Falco does with json_output: one JSON
// object per line with output, priority, rule, time, output_fields, source, tags and
// hostname, so that falcosidekick and other Falco consumers accept them. Findings that do
// not come from a detection rule are skipped: the format only means something for alerts.
package falcojson

import (
	"bufio"
	"io"
	"os"
	"sort"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/eksguard/eksguard/pkg/report"
)

// Keys of rule.Meta.Extra and finding.Evidence that the detect command fills.
const (
	ExtraRule     = "falco.rule"
	ExtraPriority = "falco.priority"
	ExtraSource   = "falco.source"
	EvidenceTime  = "time" // RFC 3339 with nanoseconds
)

func init() {
	report.Register(report.Format{Name: "falco-json", Description: "detection alerts as Falco JSON lines (falcosidekick accepts them)", New: New})
}

// Alert is one line.
type Alert struct {
	Hostname     string         `json:"hostname"`
	Output       string         `json:"output"`
	OutputFields map[string]any `json:"output_fields"`
	Priority     string         `json:"priority"`
	Rule         string         `json:"rule"`
	Source       string         `json:"source"`
	Tags         []string       `json:"tags"`
	Time         string         `json:"time"`
}

// flushDelay bounds how long an alert waits in the buffer: alerts are written in batches,
// not one system call each, and still reach a live consumer promptly.
const flushDelay = 50 * time.Millisecond

type writer struct {
	mu    sync.Mutex // the flush timer runs on its own goroutine
	w     *bufio.Writer
	h     *report.Header
	host  string
	buf   []byte
	keys  []string
	timer *time.Timer
	err   error
}

// New returns a writer.
func New(w io.Writer, _ report.Options) report.Writer {
	host, _ := os.Hostname()
	return &writer{w: bufio.NewWriterSize(w, 256<<10), host: host}
}

func (f *writer) Begin(h *report.Header) error { f.h = h; return nil }

// Group writes one line per alert. The encoding is done by hand (same bytes as
// encoding/json with HTML escaping off, keys sorted) because alerts can be many.
func (f *writer) Group(g *report.Group) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return f.err
	}
	for i := range g.Findings {
		fd := &g.Findings[i]
		m := f.h.Rule(fd.RuleID)
		if m == nil || m.Extra[ExtraRule] == "" {
			continue
		}
		t, err := time.Parse(time.RFC3339Nano, fd.Evidence[EvidenceTime])
		if err != nil {
			t = time.Unix(0, 0).UTC()
		}
		b := f.buf[:0]
		b = append(b, `{"hostname":`...)
		b = appendString(b, f.host)
		b = append(b, `,"output":"`...)
		b = t.AppendFormat(b, "15:04:05.000000000")
		b = append(b, ": "...)
		b = appendStringBody(b, m.Extra[ExtraPriority])
		b = append(b, ' ')
		b = appendStringBody(b, fd.Message)
		b = append(b, `","output_fields":{`...)
		f.keys = f.keys[:0]
		for k := range fd.Evidence {
			if k != EvidenceTime {
				f.keys = append(f.keys, k)
			}
		}
		f.keys = append(f.keys, "evt.time")
		sort.Strings(f.keys)
		for j, k := range f.keys {
			if j > 0 {
				b = append(b, ',')
			}
			b = appendString(b, k)
			b = append(b, ':')
			if k == "evt.time" {
				b = strconv.AppendInt(b, t.UnixNano(), 10)
				continue
			}
			b = appendString(b, fd.Evidence[k])
		}
		b = append(b, `},"priority":`...)
		b = appendString(b, m.Extra[ExtraPriority])
		b = append(b, `,"rule":`...)
		b = appendString(b, m.Extra[ExtraRule])
		b = append(b, `,"source":`...)
		b = appendString(b, m.Extra[ExtraSource])
		b = append(b, `,"tags":[`...)
		for j, tag := range m.Tags {
			if j > 0 {
				b = append(b, ',')
			}
			b = appendString(b, tag)
		}
		b = append(b, `],"time":"`...)
		b = t.AppendFormat(b, "2006-01-02T15:04:05.000000000Z")
		b = append(b, "\"}\n"...)
		f.buf = b
		if _, err := f.w.Write(b); err != nil {
			return err
		}
		if f.timer == nil {
			f.timer = time.AfterFunc(flushDelay, f.flush)
		}
	}
	return nil
}

func (f *writer) flush() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.timer = nil
	if err := f.w.Flush(); err != nil && f.err == nil {
		f.err = err
	}
}

func (f *writer) End(*report.Summary) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.timer != nil {
		f.timer.Stop()
		f.timer = nil
	}
	if err := f.w.Flush(); err != nil {
		return err
	}
	return f.err
}

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	b = appendStringBody(b, s)
	return append(b, '"')
}

// appendStringBody appends s escaped for a JSON string, without quotes: as encoding/json
// does with HTML escaping off (invalid UTF-8 becomes U+FFFD).
func appendStringBody(b []byte, s string) []byte {
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	return append(b, s[start:]...)
}
