// Package manifest reads Kubernetes objects from YAML and JSON files (plain, multi-document,
// List kinds, Helm-rendered and Kustomize-built output) and turns them into targets.
//
// Parsing strategy: most documents in real repositories are objects no rule reads in full
// (CRDs, ConfigMaps, RBAC, ...). A line scanner reads their type and metadata without
// parsing; only workloads, lists and documents the scanner cannot read exactly are parsed
// in full. The scanner only ever declines, never decides differently from the parser.
package manifest

import (
	"bytes"
	"fmt"
	"runtime/debug"
	"strconv"
	"strings"

	yaml "go.yaml.in/yaml/v3"
	kjson "sigs.k8s.io/json"
	kyaml "sigs.k8s.io/yaml"

	"github.com/eksguard/eksguard/pkg/bounded"
	"github.com/eksguard/eksguard/pkg/finding"
	"github.com/eksguard/eksguard/pkg/snapshot"
	"github.com/eksguard/eksguard/pkg/target"
)

// Result is what one input yielded.
type Result struct {
	Name      string
	Targets   []target.Target
	Documents int // non-empty documents read
	Objects   int // Kubernetes objects found (List items counted one by one)
	Workloads int
	// Templates counts documents that are unrendered templates ({{ ... }}): skipped.
	Templates int
	// NotKubernetes is set when the input held no Kubernetes object at all.
	NotKubernetes bool
	Errors        []finding.InputError

	visit       func(target.Target)
	skipIndexed bool
}

// add hands a target to the visitor, or keeps it.
func (r *Result) add(t target.Target) {
	if r.visit != nil {
		r.visit(t)
		return
	}
	r.Targets = append(r.Targets, t)
}

// Options control how inputs are read.
type Options struct {
	Limits Limits
	// FullMetadata reads labels and annotations of every object, not only of workloads:
	// exemptions by label selector or annotation need them. It turns the fast path off.
	FullMetadata bool
	// SkipIndexed leaves the kinds cluster-wide rules read (snapshot.Indexed) undecoded:
	// for runs without such rules, which then read them with the fast path.
	SkipIndexed bool
}

// Load reads one input's bytes. It never panics: a parser panic becomes an input error for
// that document and the other documents are still read.
func Load(name string, data []byte, opts Options) *Result {
	return LoadEach(name, data, opts, nil)
}

// LoadEach is Load that hands each target to visit as soon as its document is read,
// instead of collecting them in Result.Targets, so that a document's parsed tree can be
// dropped before the next is parsed: memory stays at one document, not one file.
func LoadEach(name string, data []byte, opts Options, visit func(target.Target)) *Result {
	lim := opts.Limits
	res := &Result{Name: name, visit: visit, skipIndexed: opts.SkipIndexed}
	if int64(len(data)) > lim.MaxFileBytes {
		res.Errors = append(res.Errors, finding.InputError{Input: name, Message: fmt.Sprintf("file is %d bytes, over the %d-byte limit", len(data), lim.MaxFileBytes)})
		return res
	}
	if i := bytes.IndexByte(data, 0); i >= 0 {
		// Binary data, or UTF-16 text (which kubectl decodes): reported, never skipped in
		// silence, since a file that cannot be read may hold a workload.
		line := 1 + bytes.Count(data[:i], []byte{'\n'})
		res.Errors = append(res.Errors, finding.InputError{Input: name, Line: line, Message: "binary data (a NUL byte): not read as YAML or JSON (UTF-16 text is not supported)"})
		return res
	}
	// Splitting stops after MaxDocuments+1 documents: the list of documents must not grow
	// with the file (a 64 MiB file of tiny documents is millions of them).
	docs := splitDocumentsMax(data, lim.MaxDocuments+1)
	if len(docs) > lim.MaxDocuments {
		res.Errors = append(res.Errors, finding.InputError{Input: name, Message: fmt.Sprintf("file holds more than %d documents, the limit; only the first %d are read", lim.MaxDocuments, lim.MaxDocuments)})
		docs = docs[:lim.MaxDocuments]
	}
	for _, d := range docs {
		res.Documents++
		loadDocument(res, d, opts)
	}
	if res.Objects == 0 && len(res.Errors) == 0 {
		res.NotKubernetes = true
	}
	return res
}

func loadDocument(res *Result, d document, opts Options) {
	lim := opts.Limits
	offset := d.startLine - 1
	fail := func(line int, format string, args ...any) {
		res.Errors = append(res.Errors, finding.InputError{Input: res.Name, Line: line, Document: d.index, Message: fmt.Sprintf(format, args...)})
	}
	if len(d.data) > lim.MaxDocumentBytes {
		fail(d.startLine, "document is %d bytes, over the %d-byte limit", len(d.data), lim.MaxDocumentBytes)
		return
	}
	defer func() {
		if r := recover(); r != nil {
			fail(d.startLine, "parser failed: %v (%s)", r, firstFrame(debug.Stack()))
		}
	}()
	trimmed := bytes.TrimLeft(d.data, " \t\r\n")
	if len(trimmed) > 0 && trimmed[0] == '{' {
		loadJSON(res, d, trimmed, lim, fail)
		return
	}
	// Documents without apiVersion and kind are parsed in full too, so that a malformed
	// document is reported rather than skipped as "not Kubernetes".
	if h, ok := scanHeader(d.data); ok && !opts.FullMetadata && h.apiVersion != "" && h.kind != "" && !isWorkload(h.apiVersion, h.kind) && !isList(h.kind) && (opts.SkipIndexed || !snapshot.Indexed(h.apiVersion, h.kind, h.namespace, h.name)) {
		res.Objects++
		lines := map[string]int{"kind": h.kindLine, "metadata": h.metadataLine, "metadata.name": h.nameLine, "metadata.namespace": h.namespaceLine}
		res.add(&target.Object{
			APIVersion: h.apiVersion, Kind: h.kind,
			Meta:   target.Meta{Name: h.name, Namespace: h.namespace},
			Origin: target.Origin{File: res.Name, Document: d.index, Template: helmSource(d.data), Locator: &constLocator{offset: offset, lines: lines}},
		})
		return
	}
	loadYAML(res, d, lim, fail)
}

// parseTree parses a document into a yaml.v3 tree: plain block documents with the fast
// parser, everything else with yaml.v3 itself.
func parseTree(doc []byte) (*yaml.Node, error) {
	if root, ok := fastParse(doc); ok {
		return root, nil
	}
	var root yaml.Node
	err := yaml.Unmarshal(doc, &root)
	return &root, err
}

// loadYAML parses a document in full: a yaml.v3 tree for positions and duplicate keys, and
// the kubectl-compatible JSON form for the object's values.
func loadYAML(res *Result, d document, lim Limits, fail func(int, string, ...any)) {
	offset := d.startLine - 1
	root, err := parseTree(d.data)
	if err != nil {
		if bytes.Contains(d.data, []byte("{{")) {
			// An unrendered Helm or Go template, not YAML yet: skipped, unless kubectl's
			// parser reads it, in which case it is an object eksguard could not judge.
			if _, err := kyaml.YAMLToJSON(d.data); err != nil {
				res.Templates++
				return
			}
		}
		line, msg := yamlErrorLine(err)
		if line > 0 {
			line += offset
		} else {
			line = d.startLine
		}
		// yaml.v3 puts the end of the stream on a line after the last: name the last.
		if last := d.startLine + bytes.Count(bytes.TrimRight(d.data, "\r\n"), []byte{'\n'}); line > last {
			line = last
		}
		fail(line, "malformed YAML: %s", msg)
		return
	}
	if root.Kind == 0 {
		return
	}
	obj := resolve(root)
	if obj == nil || obj.Kind != yaml.MappingNode {
		return // a scalar or list document is not a Kubernetes object
	}
	js, dups, err := nodeToJSON(obj, lim.MaxDepth, 4*lim.MaxDocumentBytes, offset)
	if err != nil {
		fail(d.startLine, "cannot convert YAML to an object: %v", err)
		return
	}
	if hasNonSpecificTag(d.data) {
		// yaml.v3 drops the "!" tag, which makes kubectl's parser read a scalar as a
		// string: take the values from kubectl's parser itself.
		if js, err = kyaml.YAMLToJSON(d.data); err != nil {
			fail(d.startLine, "malformed YAML: %v", err)
			return
		}
	}
	addObject(res, d, js, &nodeLocator{root: obj, offset: offset}, dups, lim, "", fail)
}

// loadJSON reads a JSON document. JSON carries no useful line numbers for nested fields
// through encoding/json, so a yaml.v3 tree gives positions for workloads only.
func loadJSON(res *Result, d document, js []byte, lim Limits, fail func(int, string, ...any)) {
	if depth := bounded.JSONDepth(js); depth > lim.MaxDepth {
		fail(d.startLine, "%v: more than %d levels", errDepth, lim.MaxDepth)
		return
	}
	var h objectHeader
	if err := kjson.UnmarshalCaseSensitivePreserveInts(js, &h); err != nil {
		fail(d.startLine, "malformed JSON: %v", err)
		return
	}
	var loc target.Locator = &constLocator{offset: d.startLine - 1}
	var dups []target.DuplicateKey
	if isWorkload(h.APIVersion, h.Kind) || isList(h.Kind) {
		// Positions and duplicate keys come from the YAML tree of the JSON text; the
		// values from the JSON decoder the API server uses.
		var root yaml.Node
		// d.data, not js: the blank lines js was trimmed of count for positions.
		if err := yaml.Unmarshal(d.data, &root); err == nil {
			if obj := resolve(&root); obj != nil {
				loc = &nodeLocator{root: obj, offset: d.startLine - 1}
				_, dups, _ = nodeToJSON(obj, lim.MaxDepth, 4*lim.MaxDocumentBytes, d.startLine-1)
			}
		}
	}
	addObject(res, d, js, loc, dups, lim, "", fail)
}

// addObject turns one object's JSON into a target; Lists recurse into their items.
func addObject(res *Result, d document, js []byte, loc target.Locator, dups []target.DuplicateKey, lim Limits, prefix string, fail func(int, string, ...any)) {
	var h struct {
		objectHeader
		Items []kjsonRaw `json:"items"`
	}
	if err := kjson.UnmarshalCaseSensitivePreserveInts(js, &h); err != nil {
		fail(lineOf(loc, prefix), "not a Kubernetes object: %v", err)
		return
	}
	if h.APIVersion == "" || h.Kind == "" {
		return
	}
	if isList(h.Kind) && prefix == "" && (h.Items != nil || h.Kind == "List") {
		if len(h.Items) > lim.MaxListItems {
			fail(lineOf(loc, "items"), "list holds %d items, over the limit of %d", len(h.Items), lim.MaxListItems)
			return
		}
		for i, it := range h.Items {
			p := target.Index("items", i)
			addObject(res, d, it, &prefixLocator{loc, p}, itemDuplicates(dups, p), lim, p, fail)
		}
		return
	}
	res.Objects++
	o := target.Object{
		APIVersion: h.APIVersion,
		Kind:       h.Kind,
		Meta: target.Meta{
			Name: h.Metadata.Name, Namespace: h.Metadata.Namespace,
			Labels: h.Metadata.Labels, Annotations: h.Metadata.Annotations,
			Controller: target.ControllerOf(h.Metadata.OwnerReferences),
		},
		Origin:     target.Origin{File: res.Name, Document: d.index, Template: helmSource(d.data), Locator: loc},
		Duplicates: dups,
	}
	if !isWorkload(h.APIVersion, h.Kind) {
		if !res.skipIndexed && snapshot.Indexed(h.APIVersion, h.Kind, h.Metadata.Namespace, h.Metadata.Name) {
			typed, err := decodeIndexed(h.APIVersion, h.Kind, js)
			if err != nil {
				fail(lineOf(loc, ""), "%s %s: invalid %s: %v", h.Kind, h.Metadata.Name, h.Kind, err)
				return
			}
			o.Typed = typed
		}
		res.add(&o)
		return
	}
	w, err := decodeWorkload(h.APIVersion, h.Kind, js)
	if err != nil {
		fail(lineOf(loc, ""), "%s %s: invalid %s: %v", h.Kind, h.Metadata.Name, h.Kind, err)
		return
	}
	w.Object = o // the object as written (its apiVersion may be an old group's)
	res.Workloads++
	res.add(w)
}

// itemDuplicates keeps the duplicate keys inside List item p, with paths relative to it.
func itemDuplicates(dups []target.DuplicateKey, p string) []target.DuplicateKey {
	var out []target.DuplicateKey
	for _, d := range dups {
		if rest, ok := strings.CutPrefix(d.Path, p+"."); ok {
			d.Path = rest
			out = append(out, d)
		}
	}
	return out
}

// kjsonRaw is a raw JSON value (json.RawMessage without importing encoding/json twice).
type kjsonRaw []byte

// UnmarshalJSON keeps the raw bytes.
func (r *kjsonRaw) UnmarshalJSON(b []byte) error {
	*r = append((*r)[:0], b...)
	return nil
}

// prefixLocator locates paths of a List item inside the list document.
type prefixLocator struct {
	inner  target.Locator
	prefix string
}

func (p *prefixLocator) Line(path string) (int, int) {
	if path == "" {
		return p.inner.Line(p.prefix)
	}
	return p.inner.Line(p.prefix + "." + path)
}

func lineOf(loc target.Locator, path string) int {
	if loc == nil {
		return 0
	}
	l, _ := loc.Line(path)
	return l
}

// yamlErrorLine pulls "line N: " out of a yaml.v3 error and makes N 1-based: yaml.v3 counts
// the lines of its scanner's errors from 1 but those of its parser's errors from 0.
func yamlErrorLine(err error) (int, string) {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	var line int
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if n, after, ok := strings.Cut(rest, ": "); ok {
			if l, err := strconv.Atoi(n); err == nil {
				line, msg = l, after
			}
		}
	}
	if line > 0 && isParserProblem(msg) {
		line++
	}
	return line, msg
}

// isParserProblem reports the problems yaml.v3's parser (not its scanner) reports.
func isParserProblem(msg string) bool {
	for _, p := range []string{"did not find expected <", "did not find expected node content",
		"did not find expected '-' indicator", "did not find expected key", "did not find expected ',' or ",
		"found duplicate %", "found incompatible YAML document", "found undefined tag handle"} {
		if strings.HasPrefix(msg, p) {
			return true
		}
	}
	return false
}

func firstFrame(stack []byte) string {
	lines := strings.Split(string(stack), "\n")
	for i, l := range lines {
		if strings.Contains(l, "panic(") && i+2 < len(lines) {
			return strings.TrimSpace(lines[i+2])
		}
	}
	return "unknown frame"
}

// hasNonSpecificTag reports a "!" that may be YAML's non-specific tag: followed by a space,
// a line break or the end. Ordinary text ("Hello! World") matches too, which only costs a
// second parse.
func hasNonSpecificTag(doc []byte) bool {
	for i := bytes.IndexByte(doc, '!'); i >= 0; {
		if i+1 == len(doc) || doc[i+1] == ' ' || doc[i+1] == '\n' || doc[i+1] == '\r' || doc[i+1] == '\t' {
			return true
		}
		j := bytes.IndexByte(doc[i+1:], '!')
		if j < 0 {
			return false
		}
		i += 1 + j
	}
	return false
}

// helmSource returns the template named by the "# Source: chart/templates/x.yaml" comment
// that helm template writes at the top of each document, if there is one.
func helmSource(doc []byte) string {
	for len(doc) > 0 {
		var l []byte
		if nl := bytes.IndexByte(doc, '\n'); nl >= 0 {
			l, doc = doc[:nl], doc[nl+1:]
		} else {
			l, doc = doc, nil
		}
		l = bytes.TrimSpace(l)
		if len(l) == 0 {
			continue
		}
		if src, ok := bytes.CutPrefix(l, []byte("# Source: ")); ok {
			return string(src)
		}
		if l[0] != '#' {
			return "" // the comment comes before the object, or not at all
		}
	}
	return ""
}
