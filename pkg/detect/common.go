package detect

import (
	"fmt"
	"strings"
	"time"
	"unsafe"

	"github.com/valyala/fastjson"
)

// JSONRecord is what every JSON event source keeps of one record: its number in the
// stream, its time, its text and its parsed tree. An event type that embeds it has the
// Num, TimeNs, Raw and JSON methods of JSONEvent.
type JSONRecord struct {
	Number uint64          // number in the stream, from 1
	Time   int64           // event time in Unix nanoseconds
	Text   []byte          // JSON text; nil until Raw renders Tree when the decoder did not keep it
	Tree   *fastjson.Value // parsed record
}

// Num implements Event.
func (r *JSONRecord) Num() uint64 { return r.Number }

// TimeNs implements Event.
func (r *JSONRecord) TimeNs() int64 { return r.Time }

// Raw implements JSONEvent.
func (r *JSONRecord) Raw() []byte {
	if r.Text == nil && r.Tree != nil {
		r.Text = r.Tree.MarshalTo(nil)
	}
	return r.Text
}

// JSON implements JSONEvent.
func (r *JSONRecord) JSON() *fastjson.Value { return r.Tree }

// JSONEvent is an event whose payload is one JSON object, as plugin sources deliver them.
// Strings read from it are valid until the next event of the stream is decoded.
type JSONEvent interface {
	Event
	// Raw is the event's JSON text.
	Raw() []byte
	// JSON is the event's parsed tree.
	JSON() *fastjson.Value
	// Source is the name of the event's source.
	SourceName() string
	// Info is a one-line summary (evt.plugininfo).
	Info() string
}

// B2S views bytes as a string without copying; the bytes must not change while it is used.
func B2S(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(unsafe.SliceData(b), len(b))
}

// JSONString renders a JSON value the way json.value does: strings unquoted, everything
// else as compact JSON.
func JSONString(v *fastjson.Value) string {
	switch v.Type() {
	case fastjson.TypeString:
		b, _ := v.StringBytes()
		return B2S(b)
	case fastjson.TypeTrue:
		return "true"
	case fastjson.TypeFalse:
		return "false"
	case fastjson.TypeNull:
		return "null"
	}
	return string(v.MarshalTo(nil))
}

// ParsePointer splits a JSON pointer (RFC 6901) into keys.
func ParsePointer(p string) ([]string, error) {
	if p == "" {
		return nil, nil
	}
	if !strings.HasPrefix(p, "/") {
		return nil, fmt.Errorf("JSON pointer %q does not start with /", p)
	}
	parts := strings.Split(p[1:], "/")
	for i, s := range parts {
		parts[i] = strings.ReplaceAll(strings.ReplaceAll(s, "~1", "/"), "~0", "~")
	}
	return parts, nil
}

// PointerFunc returns an extractor for a JSON pointer into a JSON event.
func PointerFunc(ptr string) (func(ev Event) (string, bool), error) {
	keys, err := ParsePointer(ptr)
	if err != nil {
		return nil, err
	}
	return func(ev Event) (string, bool) {
		je, ok := ev.(JSONEvent)
		if !ok {
			return "", false
		}
		root := je.JSON()
		if root == nil {
			return "", false
		}
		v := root.Get(keys...)
		if v == nil {
			return "", false
		}
		return JSONString(v), true
	}, nil
}

// FastPointer lets a source answer a JSON pointer from its decoded structure instead of
// the generic tree, e.g. /stage of a Kubernetes audit event.
type FastPointer func(ptr string) (func(ev Event) (string, bool), bool)

// JSONFields are the fields of Falco's json plugin (json.* and the legacy jevt.* names)
// for a source of JSON events. fast may be nil.
func JSONFields(fast FastPointer) []Field {
	value := func(name string) Field {
		return KeyField(name, "The value of the JSON pointer in brackets, e.g. "+name+"[/user/username]; strings unquoted, other values as JSON.",
			func(arg string) (func(Event) (string, bool), error) {
				if fast != nil {
					if fn, ok := fast(arg); ok {
						return fn, nil
					}
				}
				return PointerFunc(arg)
			})
	}
	obj := func(ev Event) (string, bool) {
		je, ok := ev.(JSONEvent)
		if !ok {
			return "", false
		}
		return string(je.Raw()), true
	}
	raw := func(ev Event) (uint64, bool) { return uint64(ev.TimeNs()), true }
	return []Field{
		value("json.value"), value("jevt.value"),
		StrField("json.obj", "The full event as JSON text.", obj),
		StrField("jevt.obj", "The full event as JSON text (legacy name of json.obj).", obj),
		NumField("json.rawtime", "The event time in Unix nanoseconds.", raw),
		NumField("jevt.rawtime", "The event time in Unix nanoseconds (legacy name of json.rawtime).", raw),
	}
}

// EventFields are the generic evt.* fields Falco offers for plugin events.
func EventFields(source string) []Field {
	t := func(ev Event) time.Time { return time.Unix(0, ev.TimeNs()).UTC() }
	info := func(ev Event) (string, bool) {
		if je, ok := ev.(JSONEvent); ok {
			return je.Info(), true
		}
		return "", false
	}
	return []Field{
		NumField("evt.num", "The sequence number of the event in the stream.", func(ev Event) (uint64, bool) { return ev.Num(), true }),
		StrField("evt.time", "The event time as HH:MM:SS.nnnnnnnnn (UTC).", func(ev Event) (string, bool) { return t(ev).Format("15:04:05.000000000"), true }),
		StrField("evt.time.s", "The event time as HH:MM:SS (UTC).", func(ev Event) (string, bool) { return t(ev).Format("15:04:05"), true }),
		StrField("evt.time.iso8601", "The event time in ISO 8601 with nanoseconds (UTC).", func(ev Event) (string, bool) {
			return t(ev).Format("2006-01-02T15:04:05.000000000Z"), true
		}),
		StrField("evt.datetime", "The event date and time as YYYY-MM-DD HH:MM:SS.nnnnnnnnn (UTC).", func(ev Event) (string, bool) {
			return t(ev).Format("2006-01-02 15:04:05.000000000"), true
		}),
		StrField("evt.datetime.s", "The event date and time as YYYY-MM-DD HH:MM:SS (UTC).", func(ev Event) (string, bool) {
			return t(ev).Format("2006-01-02 15:04:05"), true
		}),
		NumField("evt.rawtime", "The event time in Unix nanoseconds.", func(ev Event) (uint64, bool) { return uint64(ev.TimeNs()), true }),
		NumField("evt.rawtime.s", "The seconds part of the event time.", func(ev Event) (uint64, bool) { return uint64(ev.TimeNs() / 1e9), true }),
		NumField("evt.rawtime.ns", "The nanoseconds part of the event time.", func(ev Event) (uint64, bool) { return uint64(ev.TimeNs() % 1e9), true }),
		StrField("evt.source", "The name of the event source.", func(Event) (string, bool) { return source, true }),
		StrField("evt.pluginname", "The name of the plugin that produced the event (here, the source's reader).", func(Event) (string, bool) {
			return strings.ReplaceAll(source, "_", ""), true
		}),
		StrField("evt.plugininfo", "A one-line summary of the event.", info),
		StrField("evt.is_async", "Whether the event is asynchronous: always false for these sources.", func(Event) (string, bool) { return "false", true }),
	}
}
