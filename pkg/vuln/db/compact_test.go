package db

import (
	"errors"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/eksguard/eksguard/pkg/vuln/osv"
)

// recGo names one module in two affected entries, with platform limits, a versions list
// and every event kind; recWithdrawn is withdrawn.
const recGo = `{"id":"GO-TEST-2","modified":"2024-01-01T00:00:00Z","affected":[` +
	`{"package":{"ecosystem":"Go","name":"example.com/m"},"ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"1.2.0"},{"introduced":"1.3.0"},{"last_affected":"1.3.5"},{"limit":"2.0.0"}]}],` +
	`"ecosystem_specific":{"imports":[{"path":"example.com/m/x","goos":["windows"],"goarch":["amd64","386"],"symbols":["F"]}]}},` +
	`{"package":{"ecosystem":"Go","name":"example.com/other"},"versions":["0.1.0"]},` +
	`{"package":{"ecosystem":"Go","name":"example.com/m"},"versions":["1.9.0","1.9.1"],"ranges":[{"type":"GIT","repo":"https://example.com/m","events":[{"introduced":"abc"}]},{"type":"ECOSYSTEM","events":[{"introduced":"1.9.0"}]}]}]}`
const recWithdrawn = `{"id":"GO-TEST-3","modified":"2024-01-01T00:00:00Z","withdrawn":"2024-02-01T00:00:00Z","affected":[{"package":{"ecosystem":"Go","name":"example.com/m"},"ranges":[{"type":"SEMVER","events":[{"introduced":"0"}]}]}]}`

func compactOf(t testing.TB, rec string) map[string]*Record {
	t.Helper()
	v, err := osv.Decode([]byte(rec))
	if err != nil {
		t.Fatal(err)
	}
	return Compact(v)
}

func TestCompactRoundTrip(t *testing.T) {
	c := compactOf(t, recGo)
	m := c[indexKey("Go", "example.com/m")]
	if m == nil || len(c) != 2 {
		t.Fatalf("keys %v", c)
	}
	want := &Record{ID: "GO-TEST-2", Affected: []Affected{
		{Index: 0, Ranges: []osv.Range{{Type: "SEMVER", Events: []osv.Event{{Introduced: "0"}, {Fixed: "1.2.0"}, {Introduced: "1.3.0"}, {LastAffected: "1.3.5"}, {Limit: "2.0.0"}}}},
			Imports: []Platforms{{GOOS: []string{"windows"}, GOARCH: []string{"amd64", "386"}}}},
		{Index: 2, Versions: []string{"1.9.0", "1.9.1"}, Ranges: []osv.Range{{Type: "GIT", Events: []osv.Event{{Introduced: "abc"}}}, {Type: "ECOSYSTEM", Events: []osv.Event{{Introduced: "1.9.0"}}}}},
	}}
	if !reflect.DeepEqual(m, want) {
		t.Fatalf("compact form\n got %+v\nwant %+v", m, want)
	}
	w := compactOf(t, recWithdrawn)[indexKey("Go", "example.com/m")]
	if !w.Withdrawn {
		t.Fatal("withdrawn flag lost")
	}
	enc, err := EncodeRecords([]*Record{w, m}) // sorted by id on the way
	if err != nil {
		t.Fatal(err)
	}
	got, err := DecodeRecords(enc)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || !reflect.DeepEqual(&got[0], m) || !reflect.DeepEqual(&got[1], w) {
		t.Fatalf("round trip\n got %+v\nwant %+v %+v", got, m, w)
	}
	// An empty value round-trips too.
	enc, _ = EncodeRecords(nil)
	if got, err := DecodeRecords(enc); err != nil || len(got) != 0 {
		t.Fatalf("empty: %v %v", got, err)
	}
	if _, err := EncodeRecords([]*Record{{ID: "X", Affected: []Affected{{Ranges: []osv.Range{{Type: "NOPE"}}}}}}); err == nil {
		t.Fatal("unknown range type encoded")
	}
}

func TestCompactCorrupt(t *testing.T) {
	var recs []*Record
	for _, r := range compactOf(t, recGo) {
		recs = append(recs, r)
	}
	enc, err := EncodeRecords(recs)
	if err != nil {
		t.Fatal(err)
	}
	// Every truncation, a trailing byte, every single-byte change: an error or a value,
	// never a panic; truncations and trailing bytes are always errors.
	for n := 0; n < len(enc); n++ {
		if _, err := DecodeRecords(enc[:n]); !errors.Is(err, ErrCompact) {
			t.Fatalf("truncated to %d bytes: %v", n, err)
		}
	}
	if _, err := DecodeRecords(append(append([]byte(nil), enc...), 0)); !errors.Is(err, ErrCompact) {
		t.Fatalf("trailing byte: %v", err)
	}
	for i := range enc {
		for _, x := range []byte{0x01, 0x80, 0xff} {
			b := append([]byte(nil), enc...)
			b[i] ^= x
			_, _ = DecodeRecords(b)
		}
	}
	// Counts far beyond the data are refused before anything is allocated for them.
	huge := []byte{compactFormat, 0xff, 0xff, 0xff, 0xff, 0x0f}
	if _, err := DecodeRecords(huge); !errors.Is(err, ErrCompact) {
		t.Fatalf("huge count: %v", err)
	}
	if _, err := DecodeRecords([]byte{compactFormat + 1, 0}); !errors.Is(err, ErrCompact) {
		t.Fatalf("other format: %v", err)
	}
}

// A damaged index value is an error naming the database, from Lookup and from an import
// that has to merge into it.
func TestDamagedIndexEntry(t *testing.T) {
	in, dbDir := t.TempDir(), t.TempDir()
	writeFiles(t, in, map[string]string{"a.json": recA})
	importAll(t, dbDir, in)
	b, err := bolt.Open(filepath.Join(dbDir, FileName), 0o644, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketIdx).Put([]byte(indexKey("Go", "example.com/m")), []byte("GO-TEST-1"))
	}); err != nil {
		t.Fatal(err)
	}
	b.Close()
	d, err := Open(dbDir)
	if err != nil {
		t.Fatal(err)
	}
	_, err = d.Lookup("Go", "example.com/m")
	d.Close()
	if !errors.Is(err, ErrCompact) || !strings.Contains(err.Error(), dbDir) || !strings.Contains(err.Error(), "eksguard db update") {
		t.Fatalf("lookup: %v", err)
	}
	w, err := Append(dbDir)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Abort()
	writeFiles(t, in, map[string]string{"b.json": recGo})
	if err := w.ImportPaths([]string{filepath.Join(in, "b.json")}); err != nil {
		t.Fatal(err)
	}
	if err := w.Commit(); !errors.Is(err, ErrCompact) {
		t.Fatalf("commit over a damaged entry: %v", err)
	}
}

// A database written with schema 1 (record ids, newline-separated, as index values) is
// refused by readers and rebuilt by an import.
func TestSchema1Rebuilt(t *testing.T) {
	dbDir := t.TempDir()
	b, err := bolt.Open(filepath.Join(dbDir, FileName), 0o644, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Update(func(tx *bolt.Tx) error {
		for _, name := range [][]byte{bucketMeta, bucketRec, bucketIdx} {
			if _, err := tx.CreateBucket(name); err != nil {
				return err
			}
		}
		tx.Bucket(bucketMeta).Put(keySchema, []byte("1"))
		tx.Bucket(bucketMeta).Put(keyInfo, []byte(`{"schema":1,"records":1}`))
		tx.Bucket(bucketRec).Put([]byte("GO-TEST-1"), []byte(recA))
		return tx.Bucket(bucketIdx).Put([]byte(indexKey("Go", "example.com/m")), []byte("GO-TEST-1"))
	}); err != nil {
		t.Fatal(err)
	}
	b.Close()
	if _, err := Open(dbDir); !errors.Is(err, ErrSchema) || !strings.Contains(err.Error(), "schema 1") {
		t.Fatalf("schema 1: %v", err)
	}
	in := t.TempDir()
	writeFiles(t, in, map[string]string{"g.json": recGo})
	w := importAll(t, dbDir, in)
	if len(w.Notes) == 0 || !strings.Contains(w.Notes[0], "another eksguard version") {
		t.Fatalf("notes %v", w.Notes)
	}
	d, err := Open(dbDir)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	es, err := d.Lookup("Go", "example.com/m")
	if err != nil || len(es) != 1 || len(es[0].Records) != 1 || es[0].Records[0].ID != "GO-TEST-2" || d.Info().Records != 1 {
		t.Fatalf("rebuilt: %+v %v %+v", es, err, d.Info())
	}
}

// Within one import, a record given twice keeps only its last form in the index.
func TestDuplicateInOneImport(t *testing.T) {
	in, dbDir := t.TempDir(), t.TempDir()
	writeFiles(t, in, map[string]string{
		"a/r.json": recA,
		"b/r.json": strings.Replace(recA, "example.com/m", "example.com/n", 1),
	})
	w, err := Create(dbDir)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.ImportPaths([]string{in}); err != nil {
		t.Fatal(err)
	}
	if err := w.Commit(); err != nil {
		t.Fatal(err)
	}
	d, err := Open(dbDir)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if es, _ := d.Lookup("Go", "example.com/m"); len(es) != 0 {
		t.Fatalf("stale entry %+v", es)
	}
	if es, _ := d.Lookup("Go", "example.com/n"); len(es) != 1 {
		t.Fatalf("missing entry %+v", es)
	}
}

// FuzzDecodeRecords: any bytes decode to records or to an error, never a panic; whatever
// decodes survives a round trip through EncodeRecords.
func FuzzDecodeRecords(f *testing.F) {
	for _, rec := range []string{recA, recB, recPy, recGo, recWithdrawn} {
		var recs []*Record
		for _, r := range compactOf(f, rec) {
			recs = append(recs, r)
		}
		enc, err := EncodeRecords(recs)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(enc)
	}
	f.Add([]byte{})
	f.Add([]byte{compactFormat, 0xff, 0xff, 0xff, 0xff, 0x0f})
	f.Fuzz(func(t *testing.T, data []byte) {
		recs, err := DecodeRecords(data)
		if err != nil {
			if !errors.Is(err, ErrCompact) {
				t.Fatalf("error not wrapping ErrCompact: %v", err)
			}
			return
		}
		ptrs := make([]*Record, len(recs))
		for i := range recs {
			ptrs[i] = &recs[i]
		}
		enc, err := EncodeRecords(ptrs)
		if err != nil {
			t.Fatal(err)
		}
		again, err := DecodeRecords(enc)
		if err != nil {
			t.Fatalf("re-encoded value does not decode: %v", err)
		}
		if len(again) != len(recs) {
			t.Fatalf("%d records, %d after a round trip", len(recs), len(again))
		}
		for i := range again {
			if !reflect.DeepEqual(&again[i], ptrs[i]) {
				t.Fatalf("round trip differs:\n%+v\n%+v", again[i], *ptrs[i])
			}
		}
	})
}
