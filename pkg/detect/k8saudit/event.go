// Package k8saudit is the k8s_audit event source of the detect engine: it decodes
// Kubernetes audit events (audit.k8s.io/v1 Event, alone or in an EventList) and offers
// every ka.* field of Falco's k8saudit plugin, plus the json.*/jevt.* and evt.* fields.
package k8saudit

import (
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/valyala/fastjson"

	"github.com/eksguard/eksguard/pkg/detect"
	"github.com/eksguard/eksguard/pkg/finding"
)

// SourceName is the source name rule files use.
const SourceName = "k8s_audit"

// opt is a string that may be absent.
type opt struct {
	s  string
	ok bool
}

// Event is one decoded audit event. It and every string read from it are valid until the
// decoder that produced it decodes the next event.
type Event struct {
	detect.JSONRecord // Num, TimeNs, Raw, JSON

	stage, verb, auditID, uri, userAgent        opt
	user, impUser                               opt
	resource, subresource, namespace, name, api opt
	decision, reason                            opt
	respCode, respReason                        opt
	userGroups, sourceIPs                       []*fastjson.Value
	reqObj, respObj                             *fastjson.Value
	codeBuf                                     []byte
	cluster                                     string
}

// SourceName implements detect.JSONEvent.
func (e *Event) SourceName() string { return SourceName }

// Info implements detect.JSONEvent: verb, URI and user.
func (e *Event) Info() string {
	return fmt.Sprintf("%s %s user=%s", e.verb.s, e.uri.s, e.user.s)
}

// Subject names the object the request was about.
func (e *Event) Subject() finding.Subject {
	kind := e.resource.s
	if e.subresource.ok && e.subresource.s != "" {
		kind += "/" + e.subresource.s
	}
	return finding.Subject{APIVersion: e.api.s, Kind: kind, Namespace: e.namespace.s, Name: e.name.s}
}

// Decoder decodes audit events, reusing its memory from one event to the next.
type Decoder struct {
	p fastjson.Parser
	// ClusterName is reported as ka.cluster.name (the audit event does not carry it).
	ClusterName string
	num         uint64
	ev          Event
}

// ErrNotAudit is returned for JSON that is not a Kubernetes audit event.
var ErrNotAudit = errors.New("not a Kubernetes audit event (want kind Event or EventList of audit.k8s.io)")

// Decode decodes one JSON text holding an Event or an EventList and calls fn with each
// event. An error in fn stops the decoding and is returned.
func (d *Decoder) Decode(data []byte, fn func(*Event) error) error {
	v, err := d.p.ParseBytes(data)
	if err != nil {
		return fmt.Errorf("invalid JSON: %w", err)
	}
	if v.Type() != fastjson.TypeObject {
		return ErrNotAudit
	}
	switch string(v.GetStringBytes("kind")) {
	case "EventList":
		items := v.GetArray("items")
		for _, it := range items {
			if it.Type() != fastjson.TypeObject {
				return errors.New("EventList item is not an object")
			}
			d.fill(it, nil)
			if err := fn(&d.ev); err != nil {
				return err
			}
		}
		return nil
	case "Event":
	default:
		if v.Get("auditID") == nil || v.Get("verb") == nil {
			return ErrNotAudit
		}
	}
	d.fill(v, data)
	return fn(&d.ev)
}

func str(v *fastjson.Value) opt {
	if v == nil || v.Type() != fastjson.TypeString {
		return opt{}
	}
	b, _ := v.StringBytes()
	return opt{s: b2s(b), ok: true}
}

// fill decodes the event from its tree in one pass over the top-level keys.
func (d *Decoder) fill(v *fastjson.Value, raw []byte) {
	d.num++
	e := &d.ev
	buf := e.codeBuf[:0]
	*e = Event{JSONRecord: detect.JSONRecord{Number: d.num, Text: raw, Tree: v}, cluster: d.ClusterName, codeBuf: buf}
	var ts, received opt
	o, _ := v.Object()
	o.Visit(func(k []byte, x *fastjson.Value) {
		switch string(k) {
		case "stage":
			e.stage = str(x)
		case "verb":
			e.verb = str(x)
		case "auditID":
			e.auditID = str(x)
		case "requestURI":
			e.uri = str(x)
		case "userAgent":
			e.userAgent = str(x)
		case "user":
			e.user = str(x.Get("username"))
			e.userGroups = x.GetArray("groups")
		case "impersonatedUser":
			e.impUser = str(x.Get("username"))
		case "sourceIPs":
			e.sourceIPs, _ = x.Array()
		case "objectRef":
			ob, err := x.Object()
			if err != nil {
				return
			}
			ob.Visit(func(k []byte, y *fastjson.Value) {
				switch string(k) {
				case "resource":
					e.resource = str(y)
				case "subresource":
					e.subresource = str(y)
				case "namespace":
					e.namespace = str(y)
				case "name":
					e.name = str(y)
				case "apiVersion":
					e.api = str(y)
				}
			})
		case "responseStatus":
			if c := x.Get("code"); c != nil && c.Type() == fastjson.TypeNumber {
				e.codeBuf = c.MarshalTo(e.codeBuf[:0])
				e.respCode = opt{s: b2s(e.codeBuf), ok: true}
			}
			e.respReason = str(x.Get("reason"))
		case "annotations":
			e.decision = str(x.Get("authorization.k8s.io/decision"))
			e.reason = str(x.Get("authorization.k8s.io/reason"))
		case "requestObject":
			e.reqObj = x
		case "responseObject":
			e.respObj = x
		case "stageTimestamp":
			ts = str(x)
		case "requestReceivedTimestamp":
			received = str(x)
		}
	})
	if !ts.ok {
		ts = received
	}
	if ts.ok {
		if t, err := time.Parse(time.RFC3339Nano, ts.s); err == nil {
			e.Time = t.UnixNano()
		}
	}
}

// strs appends the string elements of an array.
func strs(arr []*fastjson.Value, buf []string) []string {
	for _, x := range arr {
		if s := str(x); s.ok {
			buf = append(buf, s.s)
		}
	}
	return buf
}

// scalar renders a JSON scalar as the plugin does (numbers and booleans as text).
func scalar(v *fastjson.Value) (string, bool) {
	if v == nil {
		return "", false
	}
	switch v.Type() {
	case fastjson.TypeString:
		b, _ := v.StringBytes()
		return b2s(b), true
	case fastjson.TypeTrue:
		return "true", true
	case fastjson.TypeFalse:
		return "false", true
	case fastjson.TypeNumber:
		if n, err := v.Int64(); err == nil {
			return strconv.FormatInt(n, 10), true
		}
		return string(v.MarshalTo(nil)), true
	}
	return "", false
}
