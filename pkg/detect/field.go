// Package detect is a rule engine that runs Falco rule files unchanged over event streams.
// It knows nothing about any one kind of event: an event source registers a field table
// (name, type, description, argument, extractor) and the condition compiler resolves every
// field a rule uses through the tables of the loaded sources. Conditions compile once into
// a tree of closures; evaluating one event allocates nothing in the common path.
package detect

import (
	"fmt"
	"strconv"
)

// Type is the type of a field's values.
type Type int

// Field types.
const (
	TypeString Type = iota
	TypeUint64
)

func (t Type) String() string {
	if t == TypeUint64 {
		return "uint64"
	}
	return "string"
}

// ArgKind says whether and how a field takes an argument in brackets, e.g. ka.uri.param[command].
type ArgKind int

// Argument kinds.
const (
	ArgNone     ArgKind = iota // no argument
	ArgIndex                   // optional index into a list field: ka.req.pod.containers.image[0]
	ArgRequired                // required key: ka.uri.param[command], jevt.value[/stage]
)

func (a ArgKind) String() string {
	switch a {
	case ArgIndex:
		return "index (optional)"
	case ArgRequired:
		return "key (required)"
	}
	return ""
}

// Event is one event of any source. Extractors type-assert it to their source's type.
type Event interface {
	// Num is the 1-based sequence number of the event in the stream.
	Num() uint64
	// TimeNs is the event time in Unix nanoseconds.
	TimeNs() int64
}

// Extractor reads a field's value from an event: exactly one function is set, matching
// the field's type and listness. ok=false (or an empty list) means the field is absent.
type Extractor struct {
	Str  func(ev Event) (string, bool)
	Strs func(ev Event, buf []string) []string
	Num  func(ev Event) (uint64, bool)
}

// Field describes one field of a source's vocabulary.
type Field struct {
	Name string
	Type Type
	List bool
	Arg  ArgKind
	Desc string
	// Any makes "in" on a list field hold when any value is in the set, not every one
	// (Falco's proc.aname: some ancestor has one of the names).
	Any bool
	// Compared, when set, is told at compile time the constants a condition compares the
	// field with (after list expansion): a field that needs to prepare for them (names to
	// resolve) learns them here.
	Compared func(values []string)
	// Bind returns the extractor for one argument ("" when none was given). It runs once,
	// at compile time, so that arguments (JSON pointers, keys) are parsed once.
	Bind func(arg string) (Extractor, error)
}

// StrField is a string field without argument.
func StrField(name, desc string, fn func(ev Event) (string, bool)) Field {
	return Field{Name: name, Type: TypeString, Desc: desc, Bind: func(string) (Extractor, error) { return Extractor{Str: fn}, nil }}
}

// ListField is a list-of-strings field that may take an index argument.
func ListField(name, desc string, fn func(ev Event, buf []string) []string) Field {
	return Field{Name: name, Type: TypeString, List: true, Arg: ArgIndex, Desc: desc,
		Bind: func(string) (Extractor, error) { return Extractor{Strs: fn}, nil }}
}

// NumField is a uint64 field without argument.
func NumField(name, desc string, fn func(ev Event) (uint64, bool)) Field {
	return Field{Name: name, Type: TypeUint64, Desc: desc, Bind: func(string) (Extractor, error) { return Extractor{Num: fn}, nil }}
}

// KeyField is a string field with a required argument bound at compile time.
func KeyField(name, desc string, bind func(arg string) (func(ev Event) (string, bool), error)) Field {
	return Field{Name: name, Type: TypeString, Arg: ArgRequired, Desc: desc, Bind: func(arg string) (Extractor, error) {
		fn, err := bind(arg)
		return Extractor{Str: fn}, err
	}}
}

// Source is an event source: its name as rule files spell it (the rule's `source`) and
// its field table.
type Source struct {
	Name   string
	Fields []Field
	// IndexField, when set, names a string field that most rules compare to constants
	// (ka.target.resource, ct.name). Rules whose condition requires it to equal one of
	// some constants are only evaluated on events with one of them: a pure speed-up, the
	// alerts are the same.
	IndexField string
	index      map[string]*Field
}

// NewSource builds a source; duplicate field names panic (a programming error).
func NewSource(name string, tables ...[]Field) *Source {
	s := &Source{Name: name, index: map[string]*Field{}}
	for _, t := range tables {
		s.Fields = append(s.Fields, t...)
	}
	for i := range s.Fields {
		f := &s.Fields[i]
		if _, dup := s.index[f.Name]; dup {
			panic("detect: field defined twice in source " + name + ": " + f.Name)
		}
		s.index[f.Name] = f
	}
	return s
}

// Field looks a field up by name.
func (s *Source) Field(name string) *Field { return s.index[name] }

// UnknownFieldError is a rule's use of a field its source does not have.
type UnknownFieldError struct{ Field, Source string }

func (e *UnknownFieldError) Error() string {
	return fmt.Sprintf("unknown field %q for source %s", e.Field, e.Source)
}

// bound is a field bound to its argument, ready to extract.
type bound struct {
	field *Field
	arg   string
	ex    Extractor
	buf   []string // scratch for list fields; the engine evaluates one event at a time
}

// bind resolves name[arg] against a source.
func bind(src *Source, name, arg string, hasArg bool) (*bound, error) {
	f := src.Field(name)
	if f == nil {
		return nil, &UnknownFieldError{Field: name, Source: src.Name}
	}
	switch {
	case f.Arg == ArgNone && hasArg:
		return nil, fmt.Errorf("field %s takes no argument", name)
	case f.Arg == ArgRequired && (!hasArg || arg == ""):
		return nil, fmt.Errorf("field %s needs an argument, e.g. %s[...]", name, name)
	}
	b := &bound{field: f, arg: arg}
	if f.List && hasArg {
		idx, err := strconv.Atoi(arg)
		if err != nil || idx < 0 {
			return nil, fmt.Errorf("field %s: argument %q is not an index", name, arg)
		}
		ex, err := f.Bind("")
		if err != nil {
			return nil, fmt.Errorf("field %s: %w", name, err)
		}
		var buf []string
		b.ex = Extractor{Str: func(ev Event) (string, bool) {
			buf = ex.Strs(ev, buf[:0])
			if idx >= len(buf) {
				return "", false
			}
			return buf[idx], true
		}}
		return b, nil
	}
	ex, err := f.Bind(arg)
	if err != nil {
		return nil, fmt.Errorf("field %s[%s]: %w", name, arg, err)
	}
	b.ex = ex
	return b, nil
}

// isList reports whether the bound field yields several values.
func (b *bound) isList() bool { return b.ex.Strs != nil }

// strings extracts the values as strings into the scratch buffer.
func (b *bound) strings(ev Event) ([]string, bool) {
	switch {
	case b.ex.Strs != nil:
		b.buf = b.ex.Strs(ev, b.buf[:0])
		return b.buf, len(b.buf) > 0
	case b.ex.Num != nil:
		n, ok := b.ex.Num(ev)
		if !ok {
			return nil, false
		}
		b.buf = append(b.buf[:0], strconv.FormatUint(n, 10))
		return b.buf, true
	}
	s, ok := b.ex.Str(ev)
	if !ok {
		return nil, false
	}
	b.buf = append(b.buf[:0], s)
	return b.buf, true
}

// render formats the value for an output template: lists as (a,b), absent as <NA>.
func (b *bound) render(ev Event) string {
	switch {
	case b.ex.Strs != nil:
		vals := b.ex.Strs(ev, nil)
		if len(vals) == 0 {
			return "<NA>"
		}
		out := "("
		for i, v := range vals {
			if i > 0 {
				out += ","
			}
			out += v
		}
		return out + ")"
	case b.ex.Num != nil:
		n, ok := b.ex.Num(ev)
		if !ok {
			return "<NA>"
		}
		return strconv.FormatUint(n, 10)
	}
	s, ok := b.ex.Str(ev)
	if !ok {
		return "<NA>"
	}
	return s
}
