package db

import (
	"path/filepath"
	"testing"

	"github.com/eksguard/eksguard/internal/testenv"
)

// TestImportGoVulnDB imports the whole Go vulnerability database (the golang.org/x/vulndb
// module's data/osv, downloaded by hack/setup) and finds a known record through the index.
func TestImportGoVulnDB(t *testing.T) {
	root := testenv.Path(t, "EKSGUARD_GO_VULNDB")
	dbDir := t.TempDir()
	w := importAll(t, dbDir, filepath.Join(root, "data", "osv"))
	if w.Invalid != 0 {
		t.Fatalf("%d invalid records in the Go vulnerability database: %v", w.Invalid, w.Errors)
	}
	if w.Added < 4000 {
		t.Fatalf("only %d records", w.Added)
	}
	d, err := Open(dbDir)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	es, err := d.Lookup("Go", "golang.org/x/text")
	if err != nil || len(es) != 1 || es[0].Ecosystem != "Go" {
		t.Fatalf("lookup: %+v %v", es, err)
	}
	found := false
	for _, id := range es[0].IDs {
		found = found || id == "GO-2020-0015"
	}
	if !found {
		t.Fatalf("GO-2020-0015 not indexed under golang.org/x/text: %v", es[0].IDs)
	}
	if d.Info().ByEcosystem["Go"] != d.Info().Records {
		t.Fatalf("every record is a Go record: %+v", d.Info().ByEcosystem)
	}
}
