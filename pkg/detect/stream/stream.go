// Package stream runs a compiled rule set over event streams: it detects each input's
// source (Kubernetes audit or CloudTrail), decodes its records, evaluates the rules of
// that source and emits alerts. Bad records are reported and skipped; the stream goes on.
package stream

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/valyala/fastjson"

	"github.com/eksguard/eksguard/pkg/detect"
	"github.com/eksguard/eksguard/pkg/detect/cloudtrail"
	"github.com/eksguard/eksguard/pkg/detect/input"
	"github.com/eksguard/eksguard/pkg/detect/k8saudit"
	"github.com/eksguard/eksguard/pkg/finding"
)

// MaxUndetected is how many records of an input whose source is detected may fail detection
// before the rest of the input is skipped (a binary or unrelated file is one error, not one
// per line).
const MaxUndetected = 10

// Alert is one rule firing on one event. Its strings are copies: it outlives the event.
type Alert struct {
	Rule   *detect.Rule
	Time   time.Time
	Output string            // the rendered output template
	Fields map[string]string // the values of the output's fields
	Source string
	// Input and Line say where the event came from.
	Input   string
	Line    int
	Subject finding.Subject
}

// Stats count what a run read.
type Stats struct {
	Inputs       int
	Events       map[string]int // per source
	Alerts       int
	RecordErrors int
}

// Runner evaluates rules over inputs. It is not safe for concurrent use: feed it from
// one goroutine.
type Runner struct {
	Rules *detect.Ruleset
	// Source forces the source of every input ("k8s_audit" or "aws_cloudtrail"); empty
	// detects it from the first record of each input.
	Source string
	// MaxRecord bounds one record in bytes (default input.DefaultMaxRecord).
	MaxRecord int
	// ClusterName is reported as ka.cluster.name.
	ClusterName string
	// Emit receives each alert; its error stops the run.
	Emit func(*Alert) error
	// Bad receives each unreadable record or input.
	Bad   func(finding.InputError)
	Stats Stats

	k8s *k8saudit.Decoder
	ct  *cloudtrail.Decoder
}

// Sources returns the event sources a runner can read, in a fixed order.
func Sources() []*detect.Source {
	return []*detect.Source{k8saudit.Source(), cloudtrail.Source()}
}

func (r *Runner) init() {
	if r.k8s == nil {
		r.k8s = &k8saudit.Decoder{ClusterName: r.ClusterName}
		r.ct = &cloudtrail.Decoder{}
		r.Stats.Events = map[string]int{}
	}
}

// Detect guesses the source of one record.
func Detect(rec []byte) string {
	if bytes.HasPrefix(bytes.TrimLeft(rec, " \t\r\n"), []byte(`{"Records"`)) {
		return cloudtrail.SourceName
	}
	var p fastjson.Parser
	v, err := p.ParseBytes(rec)
	if err != nil {
		return ""
	}
	switch {
	case v.Get("Records") != nil, v.Get("eventSource") != nil && v.Get("eventName") != nil,
		bytes.Contains(v.GetStringBytes("detail-type"), []byte("via CloudTrail")):
		return cloudtrail.SourceName
	case v.Get("auditID") != nil, string(v.GetStringBytes("kind")) == "EventList", string(v.GetStringBytes("kind")) == "Event":
		return k8saudit.SourceName
	}
	return ""
}

// Read runs the rules over one input stream named name.
func (r *Runner) Read(name string, rd io.Reader) error {
	r.init()
	r.Stats.Inputs++
	src := r.Source
	unknown := 0
	err := input.Split(rd, r.MaxRecord, func(rec []byte, line int) error {
		if src == "" {
			src = Detect(rec)
			if src == "" {
				unknown++
				if unknown == MaxUndetected {
					return fmt.Errorf("not read further: none of its first %d records is a Kubernetes audit event or a CloudTrail record", MaxUndetected)
				}
				r.bad(name, line, "cannot tell whether this is a Kubernetes audit event or a CloudTrail record (use --source)")
				return nil
			}
		}
		return r.Record(name, line, src, rec)
	}, func(e *input.RecordError) {
		r.bad(name, e.Line, e.Err.Error())
	})
	if err != nil {
		r.bad(name, 0, err.Error())
	}
	return nil
}

// Record evaluates one record (an event, an EventList or a CloudTrail Records object).
func (r *Runner) Record(name string, line int, src string, rec []byte) error {
	r.init()
	var err error
	var emitErr error
	switch src {
	case k8saudit.SourceName:
		err = r.k8s.Decode(rec, evaluator[*k8saudit.Event](r, src, name, line, &emitErr))
	case cloudtrail.SourceName:
		err = r.ct.Decode(rec, evaluator[*cloudtrail.Event](r, src, name, line, &emitErr))
	default:
		return fmt.Errorf("unknown source %q (want k8s_audit or aws_cloudtrail)", src)
	}
	if emitErr != nil {
		return emitErr
	}
	if err != nil {
		r.bad(name, line, err.Error())
	}
	return nil
}

// subjectEvent is a decoded event of either source.
type subjectEvent interface {
	detect.Event
	Subject() finding.Subject
}

// evaluator returns the decoder callback that runs the source's candidate rules on each
// event; an error from Emit is kept in *emitErr and stops the decoder.
func evaluator[E subjectEvent](r *Runner, src, name string, line int, emitErr *error) func(E) error {
	return func(e E) error {
		r.Stats.Events[src]++
		for _, rule := range r.Rules.Candidates(src, e) {
			if rule.Match(e) {
				if *emitErr = r.alert(rule, e, e.Subject(), name, line); *emitErr != nil {
					return *emitErr
				}
			}
		}
		return nil
	}
}

func (r *Runner) alert(rule *detect.Rule, ev detect.Event, subj finding.Subject, name string, line int) error {
	out, fields := rule.Render(ev)
	for k, v := range fields {
		fields[k] = strings.Clone(v)
	}
	subj.APIVersion = strings.Clone(subj.APIVersion)
	subj.Kind = strings.Clone(subj.Kind)
	subj.Namespace = strings.Clone(subj.Namespace)
	subj.Name = strings.Clone(subj.Name)
	r.Stats.Alerts++
	a := &Alert{Rule: rule, Time: time.Unix(0, ev.TimeNs()).UTC(), Output: out, Fields: fields, Source: rule.Source,
		Input: name, Line: line, Subject: subj}
	if r.Emit == nil {
		return nil
	}
	return r.Emit(a)
}

func (r *Runner) bad(name string, line int, msg string) {
	r.Stats.RecordErrors++
	if r.Bad != nil {
		r.Bad(finding.InputError{Input: name, Line: line, Message: msg})
	}
}
