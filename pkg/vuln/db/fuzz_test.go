package db

import (
	"archive/zip"
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// FuzzWalkZip feeds arbitrary archives to the importer's zip reader: errors, never panics,
// and every record handed on is within the size limit.
func FuzzWalkZip(f *testing.F) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, _ := zw.Create("GO-TEST-1.json")
	w.Write([]byte(recA))
	zw.Close()
	f.Add(buf.Bytes())
	f.Add(buf.Bytes()[:buf.Len()/2])
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(t.TempDir(), "all.zip")
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		_ = WalkZip(p, func(name string, rec []byte) error {
			if len(rec) > 8<<20 {
				t.Fatalf("%s: %d bytes", name, len(rec))
			}
			return nil
		})
	})
}
