// Package falcojson writes detection alerts the way Falco does with json_output: one JSON
// object per line with output, priority, rule, time, output_fields, source, tags and
// hostname, so that falcosidekick and other Falco consumers accept them. Findings that do
// not come from a detection rule are skipped: the format only means something for alerts.
package falcojson

import (
	"bufio"
	"encoding/json"
	"io"
	"os"
	"time"

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

type writer struct {
	w    *bufio.Writer
	h    *report.Header
	host string
}

// New returns a writer.
func New(w io.Writer, _ report.Options) report.Writer {
	host, _ := os.Hostname()
	return &writer{w: bufio.NewWriter(w), host: host}
}

func (f *writer) Begin(h *report.Header) error { f.h = h; return nil }

func (f *writer) Group(g *report.Group) error {
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
		fields := make(map[string]any, len(fd.Evidence)+1)
		for k, v := range fd.Evidence {
			if k != EvidenceTime {
				fields[k] = v
			}
		}
		fields["evt.time"] = t.UnixNano()
		tags := m.Tags
		if tags == nil {
			tags = []string{}
		}
		a := Alert{
			Hostname:     f.host,
			Output:       t.Format("15:04:05.000000000") + ": " + m.Extra[ExtraPriority] + " " + fd.Message,
			OutputFields: fields,
			Priority:     m.Extra[ExtraPriority],
			Rule:         m.Extra[ExtraRule],
			Source:       m.Extra[ExtraSource],
			Tags:         tags,
			Time:         t.Format("2006-01-02T15:04:05.000000000Z"),
		}
		enc := json.NewEncoder(f.w)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(a); err != nil {
			return err
		}
	}
	return f.w.Flush()
}

func (f *writer) End(*report.Summary) error { return f.w.Flush() }
