// Package target defines the typed inputs rules see. A source (manifest files, a live
// cluster, an admission request) builds targets; rules never know which source it was.
package target

import (
	"strconv"
	"strings"

	"github.com/eksguard/eksguard/pkg/finding"
)

// Kind says which shape of input a target is; a rule declares the kind it checks.
type Kind string

// Target kinds.
const (
	// KindObject is any Kubernetes object: only its type and metadata are known.
	KindObject Kind = "object"
	// KindWorkload is an object that carries a pod spec (Pod or a pod template).
	KindWorkload Kind = "workload"
	// KindCluster is a whole cluster or manifest set at once (pkg/snapshot): rules that
	// relate objects to each other (RBAC bindings to roles, pods to service accounts).
	KindCluster Kind = "cluster"
)

// Target is one input to the rules.
type Target interface {
	// TargetKind is the shape of the target.
	TargetKind() Kind
	// Subject names the target in findings.
	Subject() finding.Subject
	// Locate turns a field path into a location (file, line) where the source knows it.
	Locate(path string) finding.Location
}

// Locator maps field paths to positions in the source text.
type Locator interface {
	// Line returns the 1-based line and column of the value at path, or of its deepest
	// existing ancestor when the path is absent; 0 when unknown.
	Line(path string) (line, col int)
}

// Origin says where a target came from.
type Origin struct {
	File     string  // file name as given ("-" for stdin); empty for live objects
	Document int     // 1-based YAML document index within File
	Locator  Locator // nil when positions are unknown
	Template string  // Helm template the document was rendered from, when known
}

// Locate builds a finding location for path.
func (o Origin) Locate(path string) finding.Location {
	loc := finding.Location{File: o.File, Document: o.Document, Path: path, Template: o.Template}
	if o.Locator != nil {
		loc.Line, loc.Column = o.Locator.Line(path)
	}
	return loc
}

// Field appends a field name to a path.
func Field(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

// Index appends a list index to a path.
func Index(path string, i int) string { return path + "[" + strconv.Itoa(i) + "]" }

// Key appends a map key that may contain dots (labels, annotations) to a path.
func Key(path, key string) string {
	return path + "[" + strconv.Quote(key) + "]"
}

// Segment is one step of a parsed path: a field or map key (Name) or a list index.
type Segment struct {
	Name  string
	Index int // -1 for names
}

// SplitPath parses a path built with Field, Index and Key. Malformed tails are dropped.
func SplitPath(path string) []Segment {
	var segs []Segment
	for len(path) > 0 {
		switch path[0] {
		case '.':
			path = path[1:]
		case '[':
			end := strings.IndexByte(path, ']')
			if len(path) > 1 && path[1] == '"' {
				// quoted key: find the closing quote honouring escapes
				q, err := strconv.QuotedPrefix(path[1:])
				if err != nil {
					return segs
				}
				k, _ := strconv.Unquote(q)
				segs = append(segs, Segment{Name: k, Index: -1})
				path = path[1+len(q):]
				path = strings.TrimPrefix(path, "]")
				continue
			}
			if end < 0 {
				return segs
			}
			n, err := strconv.Atoi(path[1:end])
			if err != nil {
				return segs
			}
			segs = append(segs, Segment{Index: n})
			path = path[end+1:]
		default:
			end := strings.IndexAny(path, ".[")
			if end < 0 {
				end = len(path)
			}
			segs = append(segs, Segment{Name: path[:end], Index: -1})
			path = path[end:]
		}
	}
	return segs
}
