// Command storecmp measures the two candidate stores for the vulnerability database on the
// same data: bbolt (eksguard's pkg/vuln/db, as shipped) and SQLite (modernc.org/sqlite, pure
// Go) with the same logical layout: records by id, an index by (ecosystem, package name).
// It is its own module so that the SQLite engine never enters eksguard's go.mod.
package main

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"syscall"
	"time"

	_ "modernc.org/sqlite"

	"github.com/eksguard/eksguard/pkg/vuln/db"
	"github.com/eksguard/eksguard/pkg/vuln/osv"
	"github.com/eksguard/eksguard/pkg/vuln/version"
)

type rec struct {
	id   string
	data []byte
	keys [][3]string // base, name, ecosystem
}

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: storecmp DATA_OSV_DIR WORKDIR")
		os.Exit(2)
	}
	if err := run(os.Args[1], os.Args[2]); err != nil {
		fmt.Fprintln(os.Stderr, "storecmp:", err)
		os.Exit(1)
	}
}

func run(in, work string) error {
	files, _ := filepath.Glob(filepath.Join(in, "*.json"))
	var recs []rec
	names := map[[2]string]bool{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		v, err := osv.Decode(data)
		if err != nil {
			return err
		}
		r := rec{id: v.ID, data: data}
		seen := map[[3]string]bool{}
		for _, a := range v.Affected {
			base := version.Base(a.Package.Ecosystem)
			k := [3]string{base, a.Package.Name, a.Package.Ecosystem}
			if seen[k] {
				continue
			}
			seen[k] = true
			r.keys = append(r.keys, k)
			names[[2]string{base, a.Package.Name}] = true
		}
		recs = append(recs, r)
	}
	var lookups [][2]string
	for k := range names {
		lookups = append(lookups, k)
	}
	sort.Slice(lookups, func(i, j int) bool { return lookups[i][1] < lookups[j][1] })
	fmt.Printf("%d records, %d (ecosystem, package) keys; records read into memory before timing\n", len(recs), len(lookups))
	os.RemoveAll(work)
	os.MkdirAll(work, 0o755)

	// bbolt, through eksguard's own writer.
	boltDir := filepath.Join(work, "bolt")
	t0, c0 := time.Now(), cpu()
	w, err := db.Create(boltDir)
	if err != nil {
		return err
	}
	for _, r := range recs {
		if err := w.Add(r.id, r.data); err != nil {
			return err
		}
	}
	if err := w.Commit(); err != nil {
		return err
	}
	boltImport := time.Since(t0)
	boltImportCPU := cpu() - c0
	d, err := db.Open(boltDir)
	if err != nil {
		return err
	}
	t0, c0 = time.Now(), cpu()
	hits := 0
	for _, k := range lookups {
		es, err := d.Lookup(k[0], k[1])
		if err != nil {
			return err
		}
		for _, e := range es {
			for _, id := range e.IDs {
				if _, err := d.Get(id); err != nil {
					return err
				}
				hits++
			}
		}
	}
	boltLookup := time.Since(t0)
	boltLookupCPU := cpu() - c0
	d.Close()
	boltSize := size(filepath.Join(boltDir, db.FileName))

	// SQLite, the same layout.
	sqlPath := filepath.Join(work, "vuln.sqlite")
	t0, c0 = time.Now(), cpu()
	s, err := sql.Open("sqlite", sqlPath)
	if err != nil {
		return err
	}
	for _, q := range []string{
		"PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL",
		"CREATE TABLE rec (id TEXT PRIMARY KEY, json BLOB NOT NULL) WITHOUT ROWID",
		"CREATE TABLE idx (base TEXT NOT NULL, name TEXT NOT NULL, eco TEXT NOT NULL, id TEXT NOT NULL)",
	} {
		if _, err := s.Exec(q); err != nil {
			return err
		}
	}
	tx, err := s.Begin()
	if err != nil {
		return err
	}
	insRec, _ := tx.Prepare("INSERT OR REPLACE INTO rec VALUES (?, ?)")
	insIdx, _ := tx.Prepare("INSERT INTO idx VALUES (?, ?, ?, ?)")
	for _, r := range recs {
		if _, err := osv.Decode(r.data); err != nil { // validated on import, as eksguard's writer does
			return err
		}
		if _, err := insRec.Exec(r.id, compact(r.data)); err != nil {
			return err
		}
		for _, k := range r.keys {
			if _, err := insIdx.Exec(k[0], k[1], k[2], r.id); err != nil {
				return err
			}
		}
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	if _, err := s.Exec("CREATE INDEX idx_name ON idx (base, name)"); err != nil {
		return err
	}
	if _, err := s.Exec("PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
		return err
	}
	sqlImport := time.Since(t0)
	sqlImportCPU := cpu() - c0
	t0, c0 = time.Now(), cpu()
	qIdx, _ := s.Prepare("SELECT eco, id FROM idx WHERE base = ? AND name = ?")
	qRec, _ := s.Prepare("SELECT json FROM rec WHERE id = ?")
	sqlHits := 0
	for _, k := range lookups {
		rows, err := qIdx.Query(k[0], k[1])
		if err != nil {
			return err
		}
		var ids []string
		for rows.Next() {
			var eco, id string
			rows.Scan(&eco, &id)
			ids = append(ids, id)
		}
		rows.Close()
		for _, id := range ids {
			var data []byte
			if err := qRec.QueryRow(id).Scan(&data); err != nil {
				return err
			}
			if _, err := osv.Decode(data); err != nil {
				return err
			}
			sqlHits++
		}
	}
	sqlLookup := time.Since(t0)
	sqlLookupCPU := cpu() - c0
	s.Close()
	sqlSize := size(sqlPath) + size(sqlPath+"-wal")

	fmt.Printf("%-7s %-24s %10s   %s\n", "store", "import wall (cpu)", "size", fmt.Sprintf("%d package lookups, %d records read: wall (cpu)", len(lookups), hits))
	fmt.Printf("%-7s %6.2f s (%5.2f s cpu) %10.1f MiB   %7.1f ms (%6.1f ms cpu)\n", "bbolt", boltImport.Seconds(), boltImportCPU.Seconds(), float64(boltSize)/(1<<20), ms(boltLookup), ms(boltLookupCPU))
	fmt.Printf("%-7s %6.2f s (%5.2f s cpu) %10.1f MiB   %7.1f ms (%6.1f ms cpu)\n", "sqlite", sqlImport.Seconds(), sqlImportCPU.Seconds(), float64(sqlSize)/(1<<20), ms(sqlLookup), ms(sqlLookupCPU))
	if sqlHits != hits {
		return fmt.Errorf("stores disagree: %d vs %d records found", hits, sqlHits)
	}
	return nil
}

func compact(b []byte) []byte {
	var buf bytes.Buffer
	if json.Compact(&buf, b) != nil {
		return b
	}
	return buf.Bytes()
}

func size(p string) int64 {
	st, err := os.Stat(p)
	if err != nil {
		return 0
	}
	return st.Size()
}

// cpu is the process's user+system time so far: the figure that a loaded machine distorts
// least.
func cpu() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
func us(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1000 }
