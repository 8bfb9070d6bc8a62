package db

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/eksguard/eksguard/pkg/vuln/osv"
	"github.com/eksguard/eksguard/pkg/vuln/version"
)

// batch is how many records a new file takes per transaction.
const batch = 20000

// Writer adds records to a database. A Writer on a new file (Create) writes a temporary
// file and renames it over the old database only in Commit, so that a failure leaves the
// old database as it was; a Writer on an existing file (Append) writes one transaction,
// which bbolt commits atomically.
type Writer struct {
	b       *bolt.DB
	tx      *bolt.Tx
	dir     string
	path    string // the file written
	final   string // where it goes on Commit ("" when written in place)
	info    Info
	pending map[string][]*Record // index key -> records added
	inTx    int
	// Added, Invalid count records; Errors holds the first invalid records' messages.
	Added, Invalid int
	Errors         []string
	// Notes says what happened to an old database (rebuilt, and why).
	Notes []string
}

// MaxErrors is how many invalid-record messages a Writer keeps.
const MaxErrors = 20

// Create starts a new database in dir, replacing whatever is there on Commit.
func Create(dir string) (*Writer, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	final := filepath.Join(dir, FileName)
	tmp := final + ".new"
	_ = os.Remove(tmp) // left by an interrupted run
	b, err := bolt.Open(tmp, 0o644, &bolt.Options{Timeout: 5 * time.Second, NoFreelistSync: true})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", tmp, err)
	}
	b.NoSync = true // synced once in Commit
	w := &Writer{b: b, dir: dir, path: tmp, final: final, pending: map[string][]*Record{}, info: Info{Schema: SchemaVersion}}
	if err := w.begin(); err != nil {
		w.Abort()
		return nil, err
	}
	return w, nil
}

// Append opens the database in dir for adding records. A missing database is created; a
// database of another schema version, or one that does not open, is rebuilt from scratch
// (the reason is in Notes), never half-read.
func Append(dir string) (*Writer, error) {
	path := filepath.Join(dir, FileName)
	if _, err := os.Stat(path); err != nil {
		return Create(dir)
	}
	b, err := openBolt(path, false)
	if errors.Is(err, ErrBusy) {
		return nil, err // never rebuild a database another process is using
	}
	if err != nil {
		w, cerr := Create(dir)
		if cerr != nil {
			return nil, cerr
		}
		w.Notes = append(w.Notes, fmt.Sprintf("rebuilding: %v", err))
		return w, nil
	}
	var info Info
	verr := safeView(b, func(tx *bolt.Tx) error {
		var err error
		info, err = readInfo(tx, path)
		return err
	})
	if verr != nil {
		b.Close()
		w, cerr := Create(dir)
		if cerr != nil {
			return nil, cerr
		}
		w.Notes = append(w.Notes, fmt.Sprintf("rebuilding: %v", verr))
		return w, nil
	}
	w := &Writer{b: b, dir: dir, path: path, pending: map[string][]*Record{}, info: info}
	if err := w.begin(); err != nil {
		w.Abort()
		return nil, err
	}
	return w, nil
}

func (w *Writer) begin() error {
	tx, err := w.b.Begin(true)
	if err != nil {
		return err
	}
	w.tx = tx
	for _, name := range [][]byte{bucketMeta, bucketRec, bucketIdx} {
		if _, err := tx.CreateBucketIfNotExists(name); err != nil {
			return err
		}
	}
	return nil
}

func indexKey(eco, name string) string {
	base := version.Base(eco)
	return base + "\x00" + NormalizeName(base, name) + "\x00" + eco
}

// Add decodes and stores one record; an invalid record is counted and skipped (its error
// is returned for the caller to report, prefixed with the input name). data may be reused
// by the caller after Add returns.
func (w *Writer) Add(name string, data []byte) error {
	if data == nil {
		return w.invalid(fmt.Errorf("%s: %w", name, osv.ErrTooLarge))
	}
	v, err := osv.Decode(data)
	if err != nil {
		return w.invalid(fmt.Errorf("%s: %w", name, err))
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, data); err != nil {
		return w.invalid(fmt.Errorf("%s: %w", name, err))
	}
	rec := w.tx.Bucket(bucketRec)
	id := []byte(v.ID)
	if old := rec.Get(id); old == nil {
		w.info.Records++
	} else {
		if err := w.unindex(v.ID, old); err != nil {
			return err
		}
	}
	if err := rec.Put(id, compact.Bytes()); err != nil {
		return err
	}
	for k, r := range Compact(v) {
		w.pending[k] = append(w.pending[k], r)
	}
	w.Added++
	w.inTx++
	if w.final != "" && w.inTx >= batch {
		if err := w.flush(); err != nil {
			return err
		}
		if err := w.tx.Commit(); err != nil {
			return err
		}
		w.inTx = 0
		return w.begin()
	}
	return nil
}

func (w *Writer) invalid(err error) error {
	w.Invalid++
	if len(w.Errors) < MaxErrors {
		w.Errors = append(w.Errors, err.Error())
	}
	return &RecordError{Err: err}
}

// unindex removes a replaced record's index entries, written or pending.
func (w *Writer) unindex(id string, old []byte) error {
	v, err := osv.Decode(old)
	if err != nil {
		return nil // an old record that no longer decodes has no entries worth keeping
	}
	idx := w.tx.Bucket(bucketIdx)
	for k := range Compact(v) {
		if p := w.pending[k]; len(p) > 0 {
			keep := p[:0]
			for _, r := range p {
				if r.ID != id {
					keep = append(keep, r)
				}
			}
			w.pending[k] = keep
		}
		cur := idx.Get([]byte(k))
		if cur == nil {
			continue
		}
		recs, derr := DecodeRecords(cur)
		if derr != nil {
			return fmt.Errorf("%s: index entry %q: %w; run `eksguard db update` to rebuild it", w.path, k, derr)
		}
		var keep []*Record
		for i := range recs {
			if recs[i].ID != id {
				keep = append(keep, &recs[i])
			}
		}
		if len(keep) == 0 {
			err = idx.Delete([]byte(k))
		} else {
			var enc []byte
			if enc, err = EncodeRecords(keep); err == nil {
				err = idx.Put([]byte(k), enc)
			}
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// flush merges the pending index entries into the index.
func (w *Writer) flush() error {
	idx := w.tx.Bucket(bucketIdx)
	for k, recs := range w.pending {
		var old []Record
		if cur := idx.Get([]byte(k)); cur != nil {
			var err error
			if old, err = DecodeRecords(cur); err != nil {
				return fmt.Errorf("%s: index entry %q: %w; run `eksguard db update` to rebuild it", w.path, k, err)
			}
		}
		merged := mergeRecords(old, recs)
		if len(merged) == 0 { // every pending record was replaced under another key
			if err := idx.Delete([]byte(k)); err != nil {
				return err
			}
			continue
		}
		enc, err := EncodeRecords(merged)
		if err != nil {
			return err
		}
		if err := idx.Put([]byte(k), enc); err != nil {
			return err
		}
	}
	w.pending = map[string][]*Record{}
	return nil
}

// AddSource records one source of this write (replacing an earlier one of the same kind
// and name).
func (w *Writer) AddSource(s Source) {
	for i, o := range w.info.Sources {
		if o.Kind == s.Kind && o.Name == s.Name {
			w.info.Sources[i] = s
			return
		}
	}
	w.info.Sources = append(w.info.Sources, s)
}

// Commit writes the index and metadata, syncs, and puts a new file in place.
func (w *Writer) Commit() (err error) {
	defer func() {
		if err != nil {
			w.Abort()
		}
	}()
	if err := w.flush(); err != nil {
		return err
	}
	// Counts by base ecosystem, from the index.
	by := map[string]map[string]struct{}{}
	c := w.tx.Bucket(bucketIdx).Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		base, _, _ := strings.Cut(string(k), "\x00")
		set := by[base]
		if set == nil {
			set = map[string]struct{}{}
			by[base] = set
		}
		recs, err := DecodeRecords(v)
		if err != nil {
			return fmt.Errorf("%s: index entry %q: %w", w.path, k, err)
		}
		for _, r := range recs {
			set[r.ID] = struct{}{}
		}
	}
	w.info.ByEcosystem = map[string]int{}
	for base, set := range by {
		w.info.ByEcosystem[base] = len(set)
	}
	w.info.Schema = SchemaVersion
	w.info.Updated = time.Now().UTC()
	raw, err := json.Marshal(w.info)
	if err != nil {
		return err
	}
	meta := w.tx.Bucket(bucketMeta)
	if err := meta.Put(keyInfo, raw); err != nil {
		return err
	}
	if err := meta.Put(keySchema, []byte(strconv.Itoa(SchemaVersion))); err != nil {
		return err
	}
	if err := w.tx.Commit(); err != nil {
		w.tx = nil
		return err
	}
	w.tx = nil
	if err := w.b.Sync(); err != nil {
		return err
	}
	if err := w.b.Close(); err != nil {
		return err
	}
	w.b = nil
	if w.final != "" {
		if err := os.Rename(w.path, w.final); err != nil {
			return err
		}
	}
	return nil
}

// Abort drops everything written: the temporary file, or the open transaction.
func (w *Writer) Abort() {
	if w.tx != nil {
		_ = w.tx.Rollback()
		w.tx = nil
	}
	if w.b != nil {
		_ = w.b.Close()
		w.b = nil
	}
	if w.final != "" {
		_ = os.Remove(w.path)
	}
}

// Info is what Commit wrote.
func (w *Writer) Info() Info { return w.info }

// ImportPaths adds every record under paths (files, directories, zip archives) and
// records one import source per path. Invalid records are skipped and counted; an
// unreadable input stops the import, and the caller then Aborts.
func (w *Writer) ImportPaths(paths []string) error {
	for _, p := range paths {
		before, beforeInvalid := w.Added, w.Invalid
		err := Walk(p, func(name string, data []byte) error {
			if err := w.Add(name, data); err != nil && !isRecordError(err) {
				return err
			}
			return nil
		})
		if err != nil {
			return err
		}
		abs, _ := filepath.Abs(p)
		w.AddSource(Source{Name: filepath.Base(p), Kind: "import", Location: abs, Records: w.Added - before, Invalid: w.Invalid - beforeInvalid, Time: time.Now().UTC()})
	}
	return nil
}

// RecordError is an invalid record: counted and skipped, never a failure of the import.
type RecordError struct{ Err error }

func (e *RecordError) Error() string { return e.Err.Error() }
func (e *RecordError) Unwrap() error { return e.Err }

func isRecordError(err error) bool {
	var re *RecordError
	return errors.As(err, &re)
}
