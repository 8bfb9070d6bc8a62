package sarif

import (
	"bytes"
	"fmt"
	"github.com/eksguard/eksguard/pkg/report/reporttest"
	"go/ast"
	"go/parser"
	"go/token"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	gosarif "github.com/owenrumney/go-sarif/v3/pkg/report/v210/sarif"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// The official SARIF 2.1.0 schema (OASIS, errata 01) is not kept in this repository: it is
// read from the module cache, where github.com/owenrumney/go-sarif/v3 (a requirement in
// go.mod, so `go mod download` fetches it) ships it verbatim as the constant `schema` in
// pkg/report/v210/sarif/schema.go. The test checks it is that document by its id.
const (
	schemaModule = "github.com/owenrumney/go-sarif/v3"
	schemaFile   = "pkg/report/v210/sarif/schema.go"
	schemaConst  = "schema"
)

var (
	schemaOnce     sync.Once
	compiledSchema *jsonschema.Schema
	schemaErr      error
)

// moduleDir finds a module of the build list in the module cache.
func moduleDir(t *testing.T, mod string) string {
	t.Helper()
	list := func() (string, error) {
		out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", mod).Output()
		return strings.TrimSpace(string(out)), err
	}
	dir, err := list()
	if err == nil && dir == "" { // required but not yet downloaded
		if out, err := exec.Command("go", "mod", "download", mod).CombinedOutput(); err != nil {
			t.Fatalf("go mod download %s: %v\n%s", mod, err, out)
		}
		dir, err = list()
	}
	if err != nil || dir == "" {
		var stderr string
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		t.Fatalf("go list -m %s: %v %s", mod, err, stderr)
	}
	return dir
}

// officialSchema returns the text of the SARIF 2.1.0 schema shipped by schemaModule.
func officialSchema(dir string) ([]byte, error) {
	path := filepath.Join(dir, filepath.FromSlash(schemaFile))
	f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.SkipObjectResolution)
	if err != nil {
		return nil, err
	}
	for _, d := range f.Decls {
		gd, ok := d.(*ast.GenDecl)
		if !ok || gd.Tok != token.CONST {
			continue
		}
		for _, s := range gd.Specs {
			vs := s.(*ast.ValueSpec)
			for i, n := range vs.Names {
				if n.Name != schemaConst || i >= len(vs.Values) {
					continue
				}
				lit, ok := vs.Values[i].(*ast.BasicLit)
				if !ok || lit.Kind != token.STRING {
					return nil, fmt.Errorf("%s: const %s is not a string literal", path, schemaConst)
				}
				text, err := strconv.Unquote(lit.Value)
				return []byte(text), err
			}
		}
	}
	return nil, fmt.Errorf("%s: no const %s", path, schemaConst)
}

func compileSchema(dir string) (*jsonschema.Schema, error) {
	text, err := officialSchema(dir)
	if err != nil {
		return nil, err
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(text))
	if err != nil {
		return nil, err
	}
	m, _ := doc.(map[string]any)
	if m["id"] != SchemaURI || m["$schema"] != "http://json-schema.org/draft-04/schema#" ||
		m["title"] != "Static Analysis Results Format (SARIF) Version 2.1.0 JSON Schema" {
		return nil, fmt.Errorf("%s does not ship the SARIF 2.1.0 errata 01 schema: id %v, title %v", schemaModule, m["id"], m["title"])
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat() // uri, uri-reference and date-time are checked too
	if err := c.AddResource(SchemaURI, doc); err != nil {
		return nil, err
	}
	return c.Compile(SchemaURI)
}

func sarifSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	dir := moduleDir(t, schemaModule)
	schemaOnce.Do(func() { compiledSchema, schemaErr = compileSchema(dir) })
	if schemaErr != nil {
		t.Fatalf("SARIF schema: %v", schemaErr)
	}
	return compiledSchema
}

func validate(t *testing.T, name string, out []byte) {
	t.Helper()
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(out))
	if err != nil {
		t.Fatalf("%s: not JSON: %v", name, err)
	}
	if err := sarifSchema(t).Validate(inst); err != nil {
		t.Errorf("%s is not valid SARIF 2.1.0:\n%v", name, err)
	}
}

func TestSchemaValid(t *testing.T) {
	validate(t, "full output", reporttest.Full(t, New))
	validate(t, "empty output", reporttest.Empty(t, New))
}

// TestSchemaRejects makes sure the validation is real: a log that breaks the schema fails.
func TestSchemaRejects(t *testing.T) {
	for name, bad := range map[string]string{
		"bad level":      `{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"x"}},"results":[{"message":{"text":"m"},"level":"fatal"}]}]}`,
		"no driver":      `{"version":"2.1.0","runs":[{"tool":{}}]}`,
		"bad version":    `{"version":"2.0.0","runs":[]}`,
		"line 0":         `{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"x"}},"results":[{"message":{"text":"m"},"locations":[{"physicalLocation":{"artifactLocation":{"uri":"a"},"region":{"startLine":0}}}]}]}]}`,
		"backslash uri":  `{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"x"}},"results":[{"message":{"text":"m"},"locations":[{"physicalLocation":{"artifactLocation":{"uri":"a\\b.yaml"}}}]}]}]}`,
		"unknown member": `{"version":"2.1.0","runs":[],"extra":1}`,
	} {
		inst, err := jsonschema.UnmarshalJSON(strings.NewReader(bad))
		if err != nil {
			t.Fatal(err)
		}
		if sarifSchema(t).Validate(inst) == nil {
			t.Errorf("%s: schema accepted an invalid log", name)
		}
	}
}

// TestGoSarifReads checks a SARIF library reads the log back with the same results.
func TestGoSarifReads(t *testing.T) {
	for name, out := range map[string][]byte{"full": reporttest.Full(t, New), "empty": reporttest.Empty(t, New)} {
		log, err := gosarif.FromBytes(out)
		if err != nil {
			t.Fatalf("%s: go-sarif: %v", name, err)
		}
		if len(log.Runs) != 1 || log.Runs[0].Tool.Driver == nil || len(log.Runs[0].Tool.Driver.Rules) != len(reporttest.Header().Rules) {
			t.Fatalf("%s: go-sarif read %d runs", name, len(log.Runs))
		}
		want := 11
		if name == "empty" {
			want = 0
		}
		if got := len(log.Runs[0].Results); got != want {
			t.Errorf("%s: go-sarif read %d results, want %d", name, got, want)
		}
	}
}
