package db

import (
	"archive/zip"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const recA = `{"id":"GO-TEST-1","modified":"2024-01-01T00:00:00Z","aliases":["CVE-2099-0001"],"affected":[{"package":{"ecosystem":"Go","name":"example.com/m"},"ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"1.2.0"}]}]}]}`
const recB = `{"id":"DSA-TEST-1","modified":"2024-01-01T00:00:00Z","affected":[{"package":{"ecosystem":"Debian:12","name":"openssl"},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"3.0.1-1"}]}]},{"package":{"ecosystem":"Debian:11","name":"openssl"},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"1.1.1-1"}]}]}]}`
const recPy = `{"id":"PYSEC-TEST-1","modified":"2024-01-01T00:00:00Z","affected":[{"package":{"ecosystem":"PyPI","name":"Foo_Bar.baz"},"versions":["1.0"]}]}`

func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, data := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func writeZip(t *testing.T, path string, files map[string]string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	for name, data := range files {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(data))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()
}

func importAll(t *testing.T, dbDir string, paths ...string) *Writer {
	t.Helper()
	w, err := Append(dbDir)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.ImportPaths(paths); err != nil {
		w.Abort()
		t.Fatal(err)
	}
	if err := w.Commit(); err != nil {
		t.Fatal(err)
	}
	return w
}

func TestImportLookup(t *testing.T) {
	in := t.TempDir()
	writeFiles(t, in, map[string]string{"a/GO-TEST-1.json": recA, "bad.json": `{"id":"X"`, "b/PYSEC.json": recPy,
		// An ecosystem eksguard does not know is kept (a newer schema may add it), never matched.
		"c/FUT.json": `{"id":"FUT-1","affected":[{"package":{"ecosystem":"FutureEco:1","name":"x"},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"}]}]}]}`})
	writeZip(t, filepath.Join(in, "Debian.zip"), map[string]string{"DSA-TEST-1.json": recB})
	dbDir := t.TempDir()
	w := importAll(t, dbDir, in)
	if w.Added != 4 || w.Invalid != 1 || !strings.Contains(w.Errors[0], "bad.json") {
		t.Fatalf("added %d invalid %d errors %v", w.Added, w.Invalid, w.Errors)
	}
	d, err := Open(dbDir)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	info := d.Info()
	if info.Records != 4 || info.ByEcosystem["Debian"] != 1 || info.ByEcosystem["Go"] != 1 || info.ByEcosystem["FutureEco"] != 1 || len(info.Sources) != 1 {
		t.Fatalf("info %+v", info)
	}
	es, err := d.Lookup("Debian", "openssl")
	if err != nil || len(es) != 2 || es[0].Ecosystem != "Debian:11" || es[1].Ecosystem != "Debian:12" || es[1].IDs[0] != "DSA-TEST-1" {
		t.Fatalf("lookup %+v %v", es, err)
	}
	if es, _ := d.Lookup("PyPI", "foo-bar-BAZ"); len(es) != 1 {
		t.Fatalf("PyPI names are normalised: %+v", es)
	}
	if es, _ := d.Lookup("Debian", "openssl-dev"); len(es) != 0 {
		t.Fatalf("prefix leak: %+v", es)
	}
	v, err := d.Get("GO-TEST-1")
	if err != nil || v.Aliases[0] != "CVE-2099-0001" {
		t.Fatalf("get %v %v", v, err)
	}
}

func TestReimportReplaces(t *testing.T) {
	in := t.TempDir()
	dbDir := t.TempDir()
	writeFiles(t, in, map[string]string{"r.json": recA})
	importAll(t, dbDir, filepath.Join(in, "r.json"))
	// The same id now names another package: the old index entry goes.
	writeFiles(t, in, map[string]string{"r.json": strings.Replace(recA, "example.com/m", "example.com/n", 1)})
	importAll(t, dbDir, filepath.Join(in, "r.json"))
	d, err := Open(dbDir)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if es, _ := d.Lookup("Go", "example.com/m"); len(es) != 0 {
		t.Fatalf("stale index entry: %+v", es)
	}
	if es, _ := d.Lookup("Go", "example.com/n"); len(es) != 1 {
		t.Fatalf("missing entry: %+v", es)
	}
	if d.Info().Records != 1 {
		t.Fatalf("records %d", d.Info().Records)
	}
}

func TestBadInputs(t *testing.T) {
	in := t.TempDir()
	writeZip(t, filepath.Join(in, "ok.zip"), map[string]string{"A.json": recA, "B.json": recB})
	data, _ := os.ReadFile(filepath.Join(in, "ok.zip"))
	writeFiles(t, in, map[string]string{
		"truncated.zip": string(data[:len(data)/2]),
		"garbage.zip":   "this is not a zip archive at all",
	})
	// A bit flipped inside the compressed data of the first entry: its checksum fails.
	flipped := append([]byte(nil), data...)
	flipped[40] ^= 0xff
	writeFiles(t, in, map[string]string{"flipped.zip": string(flipped)})
	if err := Walk(os.DevNull, func(string, []byte) error { return nil }); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Fatalf("device: %v", err)
	}
	for _, name := range []string{"truncated.zip", "garbage.zip", "flipped.zip"} {
		t.Run(name, func(t *testing.T) {
			dbDir := t.TempDir()
			importAll(t, dbDir, filepath.Join(in, "ok.zip"))
			w, err := Append(dbDir)
			if err != nil {
				t.Fatal(err)
			}
			err = w.ImportPaths([]string{filepath.Join(in, name)})
			if err == nil || !strings.Contains(err.Error(), name) {
				t.Fatalf("got %v, want an error naming %s", err, name)
			}
			w.Abort()
			d, err := Open(dbDir)
			if err != nil {
				t.Fatal(err)
			}
			defer d.Close()
			if d.Info().Records != 2 {
				t.Fatalf("old database changed: %+v", d.Info())
			}
		})
	}
}

func TestOtherSchemaAndGarbage(t *testing.T) {
	// A file that is not a database at all.
	dbDir := t.TempDir()
	writeFiles(t, dbDir, map[string]string{FileName: strings.Repeat("garbage!", 4096)})
	if _, err := Open(dbDir); err == nil || !strings.Contains(err.Error(), "eksguard db update") {
		t.Fatalf("garbage: %v", err)
	}
	// Import rebuilds it.
	in := t.TempDir()
	writeFiles(t, in, map[string]string{"a.json": recA})
	w := importAll(t, dbDir, in)
	if len(w.Notes) == 0 || !strings.Contains(w.Notes[0], "rebuilding") {
		t.Fatalf("notes %v", w.Notes)
	}
	// A database of a future schema: refused by readers, rebuilt by writers.
	setSchema(t, dbDir, SchemaVersion+1)
	if _, err := Open(dbDir); !errors.Is(err, ErrSchema) || !strings.Contains(err.Error(), fmt.Sprintf("schema %d", SchemaVersion+1)) {
		t.Fatalf("other schema: %v", err)
	}
	w = importAll(t, dbDir, in)
	if len(w.Notes) == 0 || !strings.Contains(w.Notes[0], "another eksguard version") {
		t.Fatalf("notes %v", w.Notes)
	}
	d, err := Open(dbDir)
	if err != nil {
		t.Fatal(err)
	}
	d.Close()
	// No database at all.
	if _, err := Open(t.TempDir()); !errors.Is(err, ErrNoDatabase) {
		t.Fatalf("missing: %v", err)
	}
}

func TestBusy(t *testing.T) {
	in := t.TempDir()
	writeFiles(t, in, map[string]string{"a.json": recA})
	dbDir := t.TempDir()
	importAll(t, dbDir, in)
	w, err := Append(dbDir) // holds the file's write lock until Commit or Abort
	if err != nil {
		t.Fatal(err)
	}
	defer w.Abort()
	if _, err := Append(dbDir); !errors.Is(err, ErrBusy) {
		t.Fatalf("second writer: %v", err)
	}
	// The database was not rebuilt under the first writer.
	if info := w.Info(); info.Records != 1 {
		t.Fatalf("%+v", info)
	}
}
