package manifest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	apiequality "k8s.io/apimachinery/pkg/api/equality"
	kyaml "sigs.k8s.io/yaml"

	"github.com/eksguard/eksguard/pkg/target"
)

// Fuzz targets. Seed corpora live in testdata/fuzz/<FuzzName>/ (realistic and hostile
// inputs written by TestWriteFuzzSeeds, and what fuzzing found) and run with every `go test`;
// run a fuzzer with
//
//	go test -run='^$' -fuzz=FuzzLoad -fuzztime=150s ./pkg/source/manifest/
//
// and commit what it finds (testdata/fuzz/<FuzzName>/<hash>) as seeds.

// fuzzLimits are small, so that fuzzing reaches every limit.
var fuzzLimits = Limits{
	MaxFileBytes:     1 << 20,
	MaxDocumentBytes: 64 << 10,
	MaxDocuments:     64,
	MaxDepth:         32,
	MaxListItems:     64,
}

// FuzzLoad: Load never panics (a recovered panic is a bug too), stays within its limits,
// every target and error points into its own document, and every object Load reports is
// the object kubectl reads from that document (kind, name, namespace and, for workloads,
// the pod spec and pod metadata); a document kubectl reads as an object is never skipped
// in silence.
func FuzzLoad(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, full := range []bool{false, true} {
			res := Load("in.yaml", data, Options{Limits: fuzzLimits, FullMetadata: full})
			checkLoadResult(t, data, res, fuzzLimits, full)
		}
	})
}

// FuzzHeaderAgreesWithParser: whenever the line scanner reads a document, it reads the
// apiVersion, kind, metadata.name and metadata.namespace that kubectl's parser
// (sigs.k8s.io/yaml) reads, so the fast path never classifies a document differently.
func FuzzHeaderAgreesWithParser(f *testing.F) {
	for _, s := range headerDeclineCases {
		f.Add([]byte(s.doc))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkHeaderAgrees(t, data)
		for _, d := range splitDocuments(data) {
			checkHeaderAgrees(t, d.data)
		}
	})
}

func checkHeaderAgrees(t *testing.T, doc []byte) {
	t.Helper()
	h, ok := scanHeader(doc)
	if !ok {
		return
	}
	want, ok := kubectlHeader(doc)
	if !ok {
		return
	}
	got := header{apiVersion: h.apiVersion, kind: h.kind, name: h.name, namespace: h.namespace}
	if got != want {
		t.Fatalf("scanHeader reads %q/%q %q/%q, kubectl reads %q/%q %q/%q, in\n%q",
			got.apiVersion, got.kind, got.namespace, got.name, want.apiVersion, want.kind, want.namespace, want.name, doc)
	}
}

// kubectlHeader decodes a document as kubectl does and returns its type and identity;
// ok=false when kubectl's parser fails or the document is not a mapping whose fields are
// strings (or absent).
func kubectlHeader(doc []byte) (header, bool) {
	js, err := kyaml.YAMLToJSON(doc)
	if err != nil {
		return header{}, false
	}
	var m map[string]any
	if err := json.Unmarshal(js, &m); err != nil || m == nil {
		return header{}, false
	}
	return headerOfMap(m)
}

func headerOfMap(m map[string]any) (header, bool) {
	var h header
	str := func(v any, present bool) (string, bool) {
		if !present || v == nil {
			return "", true // null decodes to "" as an absent field does
		}
		s, ok := v.(string)
		return s, ok
	}
	var ok bool
	v, has := m["apiVersion"]
	if h.apiVersion, ok = str(v, has); !ok {
		return h, false
	}
	v, has = m["kind"]
	if h.kind, ok = str(v, has); !ok {
		return h, false
	}
	if mv, has := m["metadata"]; has && mv != nil {
		meta, isMap := mv.(map[string]any)
		if !isMap {
			return h, false
		}
		v, has = meta["name"]
		if h.name, ok = str(v, has); !ok {
			return h, false
		}
		v, has = meta["namespace"]
		if h.namespace, ok = str(v, has); !ok {
			return h, false
		}
	}
	return h, true
}

// kubectlObject is one object as kubectl reads it, with its JSON.
type kubectlObject struct {
	header
	js []byte
}

// kubectlObjects returns the objects kubectl reads from one document, List items expanded
// the way Load expands them (v1 List, or a ...List kind with items). ok=false when kubectl
// rejects the document or a field is of a type Load reports as an error anyway.
func kubectlObjects(doc []byte) ([]kubectlObject, bool) {
	var js []byte
	if t := bytes.TrimLeft(doc, " \t\r\n"); len(t) > 0 && t[0] == '{' {
		js = t // kubectl decodes a document that starts with "{" as JSON
	} else {
		var err error
		if js, err = kyaml.YAMLToJSON(doc); err != nil {
			return nil, false
		}
	}
	dec := json.NewDecoder(bytes.NewReader(js))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil || dec.More() {
		return nil, false
	}
	m, isMap := v.(map[string]any)
	if !isMap {
		return nil, true // null, a scalar or a list: no object
	}
	h, ok := headerOfMap(m)
	if !ok {
		return nil, false
	}
	if h.apiVersion == "" || h.kind == "" {
		return nil, true
	}
	if isList(h.kind) {
		raw, has := m["items"]
		items, isSlice := raw.([]any)
		if has && raw != nil && !isSlice {
			return nil, false
		}
		if items != nil || h.kind == "List" {
			var out []kubectlObject
			for _, it := range items {
				im, isMap := it.(map[string]any)
				if !isMap {
					return nil, false
				}
				ih, ok := headerOfMap(im)
				if !ok {
					return nil, false
				}
				if ih.apiVersion == "" || ih.kind == "" {
					continue
				}
				b, err := json.Marshal(im)
				if err != nil {
					return nil, false
				}
				out = append(out, kubectlObject{ih, b})
			}
			return out, true
		}
	}
	b, err := json.Marshal(m)
	if err != nil {
		return nil, false
	}
	return []kubectlObject{{h, b}}, true
}

// checkLoadResult holds a Load result to the invariants of FuzzLoad.
func checkLoadResult(t *testing.T, data []byte, res *Result, lim Limits, full bool) {
	t.Helper()
	if res.Documents > lim.MaxDocuments {
		t.Fatalf("read %d documents, limit %d", res.Documents, lim.MaxDocuments)
	}
	if res.Objects > lim.MaxDocuments*lim.MaxListItems {
		t.Fatalf("%d objects, over documents x list items", res.Objects)
	}
	if res.Objects < len(res.Targets) {
		t.Fatalf("Objects=%d but %d targets", res.Objects, len(res.Targets))
	}
	docs := splitDocumentsMax(data, lim.MaxDocuments+1)
	if len(docs) > lim.MaxDocuments {
		docs = docs[:lim.MaxDocuments]
	}
	totalLines := yamlBreaks(data) + 1
	docByIndex := map[int]document{}
	for _, d := range docs {
		docByIndex[d.index] = d
	}
	fileError := false
	docErrors := map[int]bool{}
	for _, e := range res.Errors {
		if e.Input != "in.yaml" {
			t.Fatalf("error names %q: %v", e.Input, e)
		}
		if strings.Contains(e.Message, "parser failed") {
			t.Fatalf("a panic was recovered: %v", e)
		}
		if e.Line < 0 || e.Line > totalLines {
			t.Fatalf("error line %d outside the file (%d lines): %v", e.Line, totalLines, e)
		}
		if e.Document == 0 {
			fileError = true
			continue
		}
		d, ok := docByIndex[e.Document]
		if !ok {
			t.Fatalf("error names document %d of %d: %v", e.Document, len(docs), e)
		}
		if e.Line != 0 && (e.Line < d.startLine || e.Line > docEnd(d)) {
			t.Fatalf("error line %d outside document %d (lines %d-%d): %v", e.Line, d.index, d.startLine, docEnd(d), e)
		}
		docErrors[e.Document] = true
	}
	byDoc := map[int][]target.Target{}
	for _, tg := range res.Targets {
		o := tg.(target.Objecter).AsObject()
		d, ok := docByIndex[o.Origin.Document]
		if !ok {
			t.Fatalf("target %v names document %d of %d", tg.Subject(), o.Origin.Document, len(docs))
		}
		byDoc[d.index] = append(byDoc[d.index], tg)
		checkLocate(t, tg, d)
	}
	if fileError {
		return
	}
	for _, d := range docs {
		if docErrors[d.index] || len(d.data) > lim.MaxDocumentBytes {
			continue
		}
		want, ok := kubectlObjects(d.data)
		if !ok {
			continue
		}
		got := byDoc[d.index]
		if len(got) != len(want) {
			var subs []string
			for _, g := range got {
				subs = append(subs, fmt.Sprint(g.Subject()))
			}
			t.Fatalf("document %d (full=%v): kubectl reads %d objects %v, Load gives %d %v without an error, in\n%q", d.index, full, len(want), want, len(got), subs, d.data)
		}
		for i, w := range want {
			o := got[i].(target.Objecter).AsObject()
			g := header{apiVersion: o.APIVersion, kind: o.Kind, name: o.Meta.Name, namespace: o.Meta.Namespace}
			if g != w.header {
				t.Fatalf("document %d object %d (full=%v): kubectl reads %+v, Load %+v, in\n%q", d.index, i, full, w.header, g, d.data)
			}
			wl, isWL := got[i].(*target.Workload)
			if isWorkload(w.apiVersion, w.kind) != isWL {
				t.Fatalf("document %d object %d: workload=%v for %s %s", d.index, i, isWL, w.apiVersion, w.kind)
			}
			if !isWL {
				continue
			}
			meta, spec, err := podOf(w.kind, w.js)
			if err != nil {
				t.Fatalf("document %d: kubectl's object does not decode (%v) but Load judged it, in\n%q", d.index, err, d.data)
			}
			if !apiequality.Semantic.DeepEqual(spec, wl.Spec) {
				gj, _ := json.Marshal(wl.Spec)
				wj, _ := json.Marshal(spec)
				t.Fatalf("document %d: pod spec differs from kubectl's\n kubectl: %s\n eksguard: %s\nin %q", d.index, wj, gj, d.data)
			}
			if !apiequality.Semantic.DeepEqual(meta.Labels, wl.PodMeta.Labels) || !apiequality.Semantic.DeepEqual(meta.Annotations, wl.PodMeta.Annotations) {
				t.Fatalf("document %d: pod metadata differs from kubectl's, in\n%q", d.index, d.data)
			}
		}
	}
}

// docEnd is the last line of a document, as YAML counts lines: a parser also breaks lines
// at a bare CR, NEL, LS and PS (documents are split at LF only).
func docEnd(d document) int { return d.startLine + yamlBreaks(d.data) }

func yamlBreaks(b []byte) int {
	n := bytes.Count(b, []byte{'\n'}) + bytes.Count(b, []byte("\u0085")) + bytes.Count(b, []byte("\u2028")) + bytes.Count(b, []byte("\u2029"))
	return n + bytes.Count(b, []byte{'\r'}) - bytes.Count(b, []byte("\r\n"))
}

// checkLocate asks a target for the lines of the paths rules use: every answer is in the
// target's file and document.
func checkLocate(t *testing.T, tg target.Target, d document) {
	t.Helper()
	paths := []string{"", "kind", "apiVersion", "metadata", "metadata.name", "metadata.namespace",
		`metadata.labels["app.kubernetes.io/name"]`, "spec", "items[0].spec", "spec.x[3].y", "[", `["`, "a..b", "[99999999999999999999]"}
	if w, ok := tg.(*target.Workload); ok {
		paths = append(paths, w.SpecPath, w.PodMetaPath, w.Spath("hostNetwork"), w.Spath("volumes[0].hostPath"))
		for _, c := range w.Containers() {
			paths = append(paths, c.Path, c.Path+".image", c.Path+".securityContext.privileged", c.Path+".ports[0].hostPort")
		}
	}
	for _, p := range paths {
		loc := tg.Locate(p)
		if loc.File != "in.yaml" || loc.Document != d.index || loc.Path != p {
			t.Fatalf("Locate(%q) = %+v, want file in.yaml document %d", p, loc, d.index)
		}
		if loc.Line != 0 && (loc.Line < d.startLine || loc.Line > docEnd(d)) {
			t.Fatalf("Locate(%q) = line %d, outside document %d (lines %d-%d)", p, loc.Line, d.index, d.startLine, docEnd(d))
		}
	}
}
