// Package db is eksguard's local vulnerability database: OSV records in a bbolt file,
// indexed by ecosystem and package name, under the user cache directory by default.
//
// Layout of the file (schema version SchemaVersion):
//
//	meta  "schema" -> decimal schema version; "info" -> JSON Info
//	rec   record id -> the record's JSON, compacted
//	idx   base ecosystem NUL package name NUL full ecosystem -> the records naming that
//	      package, in the compact form matching reads (compact.go)
//
// The index key starts with the base ecosystem ("Debian") and the package name, so one
// prefix scan finds every release variant ("Debian:11", "Debian:12") of a package.
package db

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"

	"github.com/eksguard/eksguard/pkg/vuln/osv"
	"github.com/eksguard/eksguard/pkg/vuln/version"
)

// SchemaVersion is the layout this eksguard reads and writes. A file of another version is
// rebuilt by import and update, and refused with a clear message by readers.
const SchemaVersion = 2

// FileName is the database file inside the database directory.
const FileName = "vuln.db"

var (
	bucketMeta = []byte("meta")
	bucketRec  = []byte("rec")
	bucketIdx  = []byte("idx")
	keySchema  = []byte("schema")
	keyInfo    = []byte("info")
)

// ErrNoDatabase is returned when the directory holds no database.
var ErrNoDatabase = errors.New("no vulnerability database")

// ErrBusy is returned when another process holds the database for writing.
var ErrBusy = errors.New("the vulnerability database is in use by another eksguard process (import); try again when it has finished")

// ErrSchema is returned for a database written by another schema version.
var ErrSchema = errors.New("vulnerability database from another eksguard version")

// DefaultDir is os.UserCacheDir()/eksguard/db.
func DefaultDir() (string, error) {
	c, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("no user cache directory (use --db DIR): %w", err)
	}
	return filepath.Join(c, "eksguard", "db"), nil
}

// Source is one import or update that fed the database.
type Source struct {
	// Name is the archive or path imported, or the ecosystem of an update.
	Name string `json:"name"`
	Kind string `json:"kind"` // "import" or "update"
	// Location is the URL downloaded or the path imported.
	Location string         `json:"location"`
	Records  int            `json:"records"`
	Invalid  int            `json:"invalid,omitempty"` // records skipped as invalid
	Time     time.Time      `json:"time"`
	Size     int64          `json:"size,omitempty"`
	SHA256   string         `json:"sha256,omitempty"`
	ETag     string         `json:"etag,omitempty"`
	Modified string         `json:"lastModified,omitempty"`
	Extra    map[string]any `json:"extra,omitempty"`
}

// Info describes the whole database.
type Info struct {
	Schema      int            `json:"schema"`
	Updated     time.Time      `json:"updated"` // last import or update
	Records     int            `json:"records"`
	ByEcosystem map[string]int `json:"byEcosystem"` // base ecosystem -> records naming it
	Sources     []Source       `json:"sources"`
}

// Age is how long ago the database was last written.
func (i *Info) Age(now time.Time) time.Duration { return now.Sub(i.Updated) }

// DB is an open database, read-only.
type DB struct {
	b    *bolt.DB
	path string
	info Info
}

// Path is the database file.
func (d *DB) Path() string { return d.path }

// Info describes the database.
func (d *DB) Info() Info { return d.info }

// Open opens the database in dir for reading.
func Open(dir string) (*DB, error) {
	path := filepath.Join(dir, FileName)
	if _, err := os.Stat(path); err != nil {
		if os.IsNotExist(err) {
			return nil, fmt.Errorf("%w in %s: run `eksguard db update` (or `eksguard db import PATH`) first", ErrNoDatabase, dir)
		}
		return nil, err
	}
	b, err := openBolt(path, true)
	if err != nil {
		return nil, err
	}
	d := &DB{b: b, path: path}
	if err := safeView(b, func(tx *bolt.Tx) error {
		info, err := readInfo(tx, path)
		d.info = info
		return err
	}); err != nil {
		b.Close()
		return nil, err
	}
	return d, nil
}

func openBolt(path string, readOnly bool) (b *bolt.DB, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%s: not a readable eksguard database (%v); run `eksguard db update` to rebuild it", path, r)
		}
	}()
	b, err = bolt.Open(path, 0o644, &bolt.Options{ReadOnly: readOnly, Timeout: 5 * time.Second})
	if errors.Is(err, bolterrors.ErrTimeout) {
		return nil, fmt.Errorf("%s: %w", path, ErrBusy)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: not a readable eksguard database: %w; run `eksguard db update` to rebuild it", path, err)
	}
	return b, nil
}

// safeView runs a read transaction, turning a panic on a damaged file into an error.
func safeView(b *bolt.DB, fn func(*bolt.Tx) error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%s: damaged database (%v); run `eksguard db update` to rebuild it", b.Path(), r)
		}
	}()
	return b.View(fn)
}

// schemaOf reads the schema version (0 when the file has none).
func schemaOf(tx *bolt.Tx) int {
	m := tx.Bucket(bucketMeta)
	if m == nil {
		return 0
	}
	n, _ := strconv.Atoi(string(m.Get(keySchema)))
	return n
}

func readInfo(tx *bolt.Tx, path string) (Info, error) {
	s := schemaOf(tx)
	if s != SchemaVersion {
		return Info{}, fmt.Errorf("%w: %s has schema %d, this eksguard reads schema %d; run `eksguard db update` (or `eksguard db import`) to rebuild it", ErrSchema, path, s, SchemaVersion)
	}
	var info Info
	if raw := tx.Bucket(bucketMeta).Get(keyInfo); raw != nil {
		if err := json.Unmarshal(raw, &info); err != nil {
			return Info{}, fmt.Errorf("%s: damaged metadata: %w", path, err)
		}
	}
	if tx.Bucket(bucketRec) == nil || tx.Bucket(bucketIdx) == nil {
		return Info{}, fmt.Errorf("%s: damaged database: buckets missing; run `eksguard db update` to rebuild it", path)
	}
	return info, nil
}

// Close closes the database.
func (d *DB) Close() error { return d.b.Close() }

// Entry is the records of one package in one ecosystem variant.
type Entry struct {
	Ecosystem string // full ecosystem, e.g. "Debian:12"
	IDs       []string
	// Records are the records of IDs, in the same order, in their compact form.
	Records []Record
}

// Lookup returns every ecosystem variant of a package with its record ids. base is the
// ecosystem without suffix ("Debian", "Go").
func (d *DB) Lookup(base, name string) ([]Entry, error) {
	prefix := []byte(base + "\x00" + NormalizeName(base, name) + "\x00")
	var out []Entry
	err := safeView(d.b, func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketIdx).Cursor()
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			recs, err := DecodeRecords(v)
			if err != nil {
				return fmt.Errorf("%s: index entry %q: %w; run `eksguard db update` to rebuild it", d.path, k, err)
			}
			e := Entry{Ecosystem: string(k[len(prefix):]), IDs: make([]string, len(recs)), Records: recs}
			for i := range recs {
				e.IDs[i] = recs[i].ID
			}
			out = append(out, e)
		}
		return nil
	})
	return out, err
}

// Get decodes one record.
func (d *DB) Get(id string) (*osv.Vulnerability, error) {
	var v *osv.Vulnerability
	err := safeView(d.b, func(tx *bolt.Tx) error {
		raw := tx.Bucket(bucketRec).Get([]byte(id))
		if raw == nil {
			return fmt.Errorf("%s: record %s named by the index is missing; run `eksguard db update` to rebuild", d.path, id)
		}
		var err error
		v, err = osv.Decode(raw)
		if err != nil {
			return fmt.Errorf("%s: record %s: %w", d.path, id, err)
		}
		return nil
	})
	return v, err
}

var pypiSep = regexp.MustCompile(`[-_.]+`)

// NormalizeName is the form a package name is indexed and looked up by: PyPI names by
// PEP 503 (lower case, runs of -, _ and . as one -); every other ecosystem as given.
func NormalizeName(base, name string) string {
	if base == "PyPI" {
		return pypiSep.ReplaceAllString(strings.ToLower(name), "-")
	}
	return name
}

// Ecosystems that eksguard matches; records naming others are kept but never matched.
func Supported(ecosystem string) bool { return version.Order(ecosystem) != "" }
