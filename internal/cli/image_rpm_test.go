package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/eksguard/eksguard/internal/testenv"
	"github.com/eksguard/eksguard/pkg/image/imagetest"
	"github.com/eksguard/eksguard/pkg/inventory"
)

// TestScanImageRPM scans a hand-made RHEL 9 image holding an rpm sqlite database that rpm
// wrote: the JSON report carries the inventory, a Red Hat OSV record (made up, in
// testdata/osv-redhat) matches the epoch-bearing package, the table's summary line words
// itself for an image, and SARIF points at the files under a dir: root.
func TestScanImageRPM(t *testing.T) {
	db := testenv.Gunzip(t, "../../pkg/image/pkgdb/rpmdb/testdata/rpmdb3.sqlite.gz")
	dbFile := filepath.Join(t.TempDir(), "rpmdb.sqlite")
	os.WriteFile(dbFile, db, 0o644)
	spec := imagetest.Spec{Layers: []imagetest.Layer{{Files: []imagetest.Entry{
		{Path: "etc/os-release", Content: "ID=\"rhel\"\nVERSION_ID=\"9.4\"\n"},
		{Path: "var/lib/rpm/rpmdb.sqlite", From: dbFile},
	}}}}
	dir := t.TempDir()
	if err := spec.WriteLayout(dir); err != nil {
		t.Fatal(err)
	}
	vdb := t.TempDir()
	if code, out, errs := run(t, "", "db", "import", "--db", vdb, "testdata/osv-redhat"); code != 0 {
		t.Fatalf("import: %d %s %s", code, out, errs)
	}
	code, out, errs := run(t, "", "scan", "image", "--db", vdb, "-f", "json", "oci:"+dir)
	if code != ExitFindings {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var doc struct {
		Findings []struct {
			RuleID  string `json:"ruleId"`
			Message string `json:"message"`
		} `json:"findings"`
		Summary struct {
			Stats struct {
				Subject  string `json:"subject"`
				Packages int    `json:"packages"`
			} `json:"stats"`
			Inventory *inventory.Inventory `json:"inventory"`
		} `json:"summary"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	inv := doc.Summary.Inventory
	if inv == nil || inv.OS == nil || inv.OS.ID != "rhel" || len(inv.Packages) != 3 || doc.Summary.Stats.Subject != "image" || doc.Summary.Stats.Packages != 3 {
		t.Fatalf("summary: %+v %+v", doc.Summary.Stats, inv)
	}
	matched := false
	for _, f := range doc.Findings {
		if f.RuleID == "vuln/osv-advisory" && strings.Contains(f.Message, "RHSA-2099:0001") && strings.Contains(f.Message, "libfoo 2:2.0-1.el9") {
			matched = true
		}
	}
	if !matched {
		t.Errorf("RHSA-2099:0001 not matched: %+v", doc.Findings)
	}
	_, out, _ = run(t, "", "scan", "image", "--db", vdb, "oci:"+dir)
	if !strings.Contains(out, "in 1 image (3 packages).") || strings.Contains(out, "workloads") {
		t.Errorf("table summary: %s", out)
	}
	// SARIF of a dir: image: a file under the root, not the host's /var/lib/rpm.
	root := filepath.Join(t.TempDir(), "rootfs")
	os.MkdirAll(filepath.Join(root, "var/lib/rpm"), 0o755)
	os.MkdirAll(filepath.Join(root, "etc"), 0o755)
	os.WriteFile(filepath.Join(root, "etc/os-release"), []byte("ID=rhel\nVERSION_ID=9.4\n"), 0o644)
	os.WriteFile(filepath.Join(root, "var/lib/rpm/rpmdb.sqlite"), db, 0o644)
	_, out, errs = run(t, "", "scan", "image", "--db", vdb, "-f", "sarif", "dir:"+root)
	if want := `"uri": "file://` + root + `/var/lib/rpm/rpmdb.sqlite"`; !strings.Contains(out, want) {
		t.Errorf("sarif: no %s in\n%s\n%s", want, out, errs)
	}
}
