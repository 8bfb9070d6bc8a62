// Package json writes the canonical JSON report and reads it back for `report convert`.
// Findings are streamed: memory does not grow with the number of findings.
package json

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"

	"github.com/eksguard/eksguard/pkg/finding"
	"github.com/eksguard/eksguard/pkg/report"
)

func init() {
	report.Register(report.Format{Name: "json", Description: "canonical JSON; replay it with `eksguard report convert`", New: New})
}

// Document is the whole JSON report.
type Document struct {
	report.Header
	Findings []finding.Finding `json:"findings"`
	Summary  report.Summary    `json:"summary"`
}

type writer struct {
	w     *bufio.Writer
	first bool
	buf   []byte
}

// New returns a JSON writer.
func New(w io.Writer, _ report.Options) report.Writer {
	return &writer{w: bufio.NewWriterSize(w, 64<<10), first: true}
}

func (j *writer) Begin(h *report.Header) error {
	b, err := json.Marshal(h)
	if err != nil {
		return err
	}
	// Re-open the header object to append the findings array.
	j.w.Write(b[:len(b)-1])
	_, err = j.w.WriteString(`,"findings":[`)
	return err
}

func (j *writer) Group(g *report.Group) error {
	for i := range g.Findings {
		if !j.first {
			j.w.WriteByte(',')
		}
		j.first = false
		j.w.WriteString("\n")
		j.buf = appendFinding(j.buf[:0], &g.Findings[i])
		if _, err := j.w.Write(j.buf); err != nil {
			return err
		}
	}
	return nil
}

func (j *writer) End(s *report.Summary) error {
	b, err := json.Marshal(s)
	if err != nil {
		return err
	}
	j.w.WriteString("\n],\"summary\":")
	j.w.Write(b)
	j.w.WriteString("}\n")
	return j.w.Flush()
}

// Read decodes a saved JSON report.
func Read(r io.Reader) (*Document, error) {
	var d Document
	dec := json.NewDecoder(io.LimitReader(r, 4<<30))
	if err := dec.Decode(&d); err != nil {
		return nil, fmt.Errorf("not an eksguard JSON report: %w", err)
	}
	if d.Tool != report.Tool {
		return nil, fmt.Errorf("not an eksguard JSON report (tool %q)", d.Tool)
	}
	for _, m := range d.Rules {
		if m == nil {
			return nil, fmt.Errorf("report holds an empty rule entry")
		}
	}
	return &d, nil
}

// Replay writes a saved document into another format, grouping consecutive findings of
// the same subject and file as the original run did.
func Replay(d *Document, w report.Writer) error {
	if err := w.Begin(&d.Header); err != nil {
		return err
	}
	var g *report.Group
	flush := func() error {
		if g == nil {
			return nil
		}
		err := w.Group(g)
		g = nil
		return err
	}
	for _, f := range d.Findings {
		if g == nil || g.Subject != f.Subject || g.File != f.Location.File {
			if err := flush(); err != nil {
				return err
			}
			g = &report.Group{File: f.Location.File, Subject: f.Subject}
		}
		g.Findings = append(g.Findings, f)
	}
	if err := flush(); err != nil {
		return err
	}
	return w.End(&d.Summary)
}
