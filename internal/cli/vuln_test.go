package cli

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/eksguard/eksguard/internal/testenv"
	"github.com/eksguard/eksguard/pkg/finding"
	"github.com/eksguard/eksguard/pkg/inventory"
)

const debianTestdata = "../../pkg/vuln/match/testdata/debian"

func advisories(t *testing.T, stdout string, pkg string) []string {
	t.Helper()
	var ids []string
	for _, f := range decode(t, stdout).Findings {
		if f.Status == finding.StatusFail && (pkg == "" || f.Evidence["package"] == pkg) {
			ids = append(ids, f.Evidence["advisory"])
		}
	}
	sort.Strings(ids)
	return ids
}

// TestScanBinaryGoVulnDB imports the real Go vulnerability database, builds a program pinned
// to golang.org/x/text v0.3.0, and checks the advisories found for it.
func TestScanBinaryGoVulnDB(t *testing.T) {
	vulndb := testenv.Path(t, "EKSGUARD_GO_VULNDB")
	app := testenv.Path(t, "EKSGUARD_VULNAPP")
	dbDir := t.TempDir()
	code, out, errs := run(t, "", "db", "import", "--db", dbDir, filepath.Join(vulndb, "data", "osv"))
	if code != 0 || !strings.Contains(out, "0 invalid") {
		t.Fatalf("import: %d %s %s", code, out, errs)
	}
	bin := filepath.Join(t.TempDir(), "vulnapp")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Dir = app
	if b, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, b)
	}

	code, out, errs = run(t, "", "scan", "binary", "--db", dbDir, "--format", "json", bin)
	if code != 1 {
		t.Fatalf("exit %d, want 1\n%s", code, errs)
	}
	// Every record of golang.org/x/text whose range includes v0.3.0 (fixed in 0.3.3, 0.3.7,
	// 0.3.8, 0.39.0 and 0.41.0 in this version of the database).
	want := []string{"GO-2020-0015", "GO-2021-0113", "GO-2022-1059", "GO-2026-5970", "GO-2026-6629"}
	if got := advisories(t, out, "golang.org/x/text"); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("golang.org/x/text: got %v, want %v", got, want)
	}
	doc := decode(t, out)
	for _, f := range doc.Findings {
		if f.Evidence["advisory"] == "GO-2020-0015" {
			if f.Evidence["fixedVersion"] != "0.3.3" || !strings.Contains(f.Evidence["aliases"], "CVE-2020-14040") ||
				!strings.Contains(f.Message, "reachability not analysed") || f.Evidence["installedVersion"] != "v0.3.0" {
				t.Fatalf("GO-2020-0015 finding: %+v", f)
			}
		}
		if f.Evidence["package"] == "stdlib" && f.Evidence["ecosystem"] != "Go" {
			t.Fatalf("stdlib finding: %+v", f)
		}
	}
	if doc.Rules[0].ID != "vuln/osv-advisory" {
		t.Fatalf("header rules: %+v", doc.Rules)
	}

	// An OpenVEX statement suppresses one advisory (named by its CVE alias), with its reason.
	vexFile := write(t, t.TempDir(), "vex.json", `{"@context":"https://openvex.dev/ns/v0.2.0","@id":"https://example.com/vex/1","author":"team",
	"statements":[{"vulnerability":{"name":"CVE-2020-14040"},"products":[{"@id":"pkg:golang/golang.org/x/text"}],
	"status":"not_affected","justification":"vulnerable_code_not_in_execute_path","impact_statement":"UTF-16 input is never decoded"}]}`)
	code, out, _ = run(t, "", "scan", "binary", "--db", dbDir, "--format", "json", "--vex", vexFile, bin)
	suppressed := 0
	for _, f := range decode(t, out).Findings {
		if f.Suppressed != nil {
			suppressed++
			if f.Evidence["advisory"] != "GO-2020-0015" || !strings.Contains(f.Suppressed.Reason, "never decoded") {
				t.Fatalf("suppressed %+v", f)
			}
		}
	}
	if suppressed != 1 || code != 1 {
		t.Fatalf("vex: %d suppressed, exit %d", suppressed, code)
	}

	// Go advisories carry no severity: --severity critical keeps none and exits 0.
	code, out, _ = run(t, "", "scan", "binary", "--db", dbDir, "--format", "json", "--severity", "critical", bin)
	if code != 0 || len(advisories(t, out, "")) != 0 {
		t.Fatalf("--severity critical: exit %d %v", code, advisories(t, out, ""))
	}

	// A directory: the Go binary in it is found, other files are not errors.
	write(t, filepath.Dir(bin), "README", "not a binary")
	code, out, errs = run(t, "", "scan", "binary", "--db", dbDir, "--format", "json", filepath.Dir(bin))
	if code != 1 || len(advisories(t, out, "golang.org/x/text")) != 5 {
		t.Fatalf("directory: exit %d %s", code, errs)
	}
	// A file that is not a Go binary is an input error naming it.
	code, _, errs = run(t, "", "scan", "binary", "--db", dbDir, filepath.Join(filepath.Dir(bin), "README"))
	if code != 2 || !strings.Contains(errs, "inputs could not be read") {
		t.Fatalf("not a binary: exit %d %s", code, errs)
	}
}

func TestDBMatchDebian(t *testing.T) {
	dbDir := t.TempDir()
	if code, out, errs := run(t, "", "db", "import", "--db", dbDir, filepath.Join(debianTestdata, "osv")); code != 0 {
		t.Fatalf("import: %s %s", out, errs)
	}
	code, out, errs := run(t, "", "db", "status", "--db", dbDir)
	if code != 0 || !strings.Contains(out, "Debian     10") || !strings.Contains(out, "records:   10") {
		t.Fatalf("status: %d %q %s", code, out, errs)
	}

	// The current bookworm versions: no finding.
	current := filepath.Join(debianTestdata, "bookworm-current.json")
	code, out, errs = run(t, "", "db", "match", "--db", dbDir, "--format", "json", current)
	if code != 0 || len(advisories(t, out, "")) != 0 {
		t.Fatalf("current: exit %d %v %s", code, advisories(t, out, ""), errs)
	}

	// The same system with Debian 12.0's openssl: the three openssl advisories on each
	// openssl binary package, with the layer carried over.
	data, err := os.ReadFile(current)
	if err != nil {
		t.Fatal(err)
	}
	var inv inventory.Inventory
	if err := json.Unmarshal(data, &inv); err != nil {
		t.Fatal(err)
	}
	n := 0
	for i := range inv.Packages {
		p := &inv.Packages[i]
		if p.Source != nil && p.Source.Name == "openssl" || p.Name == "openssl" {
			p.Version, p.Source, p.Layer = "3.0.9-1", &inventory.Source{Name: "openssl"}, "sha256:0123"
			n++
		}
	}
	old, _ := json.Marshal(inv)
	oldFile := write(t, t.TempDir(), "old.json", string(old))
	code, out, _ = run(t, "", "db", "match", "--db", dbDir, "--format", "json", oldFile)
	ids := advisories(t, out, "libssl3")
	if code != 1 || strings.Join(ids, " ") != "DEBIAN-CVE-2023-5363 DEBIAN-CVE-2024-6119 DEBIAN-CVE-2025-9230" {
		t.Fatalf("old openssl: exit %d %v", code, ids)
	}
	if all := advisories(t, out, ""); len(all) != 3*n {
		t.Fatalf("%d findings for %d openssl packages", len(all), n)
	}
	for _, f := range decode(t, out).Findings {
		if f.Evidence["layer"] != "sha256:0123" || f.Evidence["sourcePackage"] != "openssl" && f.Evidence["package"] != "openssl" {
			t.Fatalf("evidence %+v", f.Evidence)
		}
	}
	// The table names the source package and the fixed version.
	_, out, _ = run(t, "", "db", "match", "--db", dbDir, oldFile)
	if !strings.Contains(out, "libssl3 3.0.9-1 (source package openssl 3.0.9-1), fixed in 3.0.11-1~deb12u2") {
		t.Fatalf("table:\n%s", out)
	}
}

func TestVulnBadInput(t *testing.T) {
	// No database: a clear error, never an empty result.
	empty := t.TempDir()
	inv := write(t, empty, "inv.json", `{"packages":[{"type":"golang","name":"stdlib","version":"1.20"}]}`)
	code, _, errs := run(t, "", "db", "match", "--db", filepath.Join(empty, "none"), inv)
	if code != 2 || !strings.Contains(errs, "no vulnerability database") || !strings.Contains(errs, "db update") {
		t.Fatalf("no database: %d %s", code, errs)
	}
	code, _, errs = run(t, "", "db", "status", "--db", filepath.Join(empty, "none"))
	if code != 2 || !strings.Contains(errs, "no vulnerability database") {
		t.Fatalf("status without database: %d %s", code, errs)
	}
	// A database file that is not one: a clear error, and import rebuilds it.
	bad := t.TempDir()
	write(t, bad, "vuln.db", strings.Repeat("x", 10000))
	code, _, errs = run(t, "", "db", "status", "--db", bad)
	if code != 2 || !strings.Contains(errs, "not a readable eksguard database") {
		t.Fatalf("garbage database: %d %s", code, errs)
	}
	code, out, errs := run(t, "", "db", "import", "--db", bad, filepath.Join(debianTestdata, "osv"))
	if code != 0 || !strings.Contains(errs, "rebuilding") || !strings.Contains(out, "imported 10") {
		t.Fatalf("rebuild: %d %s %s", code, out, errs)
	}
	// A corrupt archive: named, nothing imported, the database unchanged.
	corrupt := write(t, t.TempDir(), "all.zip", "PK\x03\x04 truncated")
	code, _, errs = run(t, "", "db", "import", "--db", bad, corrupt)
	if code != 2 || !strings.Contains(errs, "all.zip") || !strings.Contains(errs, "not changed") {
		t.Fatalf("corrupt archive: %d %s", code, errs)
	}
	// Inventories: malformed JSON, a package without a type, unparseable versions.
	broken := write(t, empty, "broken.json", `{"packages":[`)
	notype := write(t, empty, "notype.json", `{"packages":[{"name":"x","version":"1"}]}`)
	devel := write(t, empty, "devel.json", `{"os":{"id":"debian","versionId":"12"},"packages":[{"type":"deb","name":"libssl3","version":"garbage!","source":{"name":"openssl"}}]}`)
	code, out, errs = run(t, "", "db", "match", "--db", bad, "--format", "json", broken, notype, devel)
	if code != 2 {
		t.Fatalf("bad inventories: exit %d %s", code, errs)
	}
	doc := decode(t, out)
	if len(doc.Summary.Errors) != 2 || doc.Summary.Stats.RuleErrors != 1 {
		t.Fatalf("errors %+v stats %+v", doc.Summary.Errors, doc.Summary.Stats)
	}
	// Flags.
	if code, _, errs := run(t, "", "db", "match", "--db", bad, "--severity", "urgent", devel); code != 2 || !strings.Contains(errs, "--severity") {
		t.Fatalf("--severity: %d %s", code, errs)
	}
	if code, _, errs := run(t, "", "db", "match", "--db", bad, "--vex", inv, devel); code != 2 || !strings.Contains(errs, "OpenVEX") {
		t.Fatalf("--vex: %d %s", code, errs)
	}
	// An old database: the scan warns.
	code, _, errs = run(t, "", "db", "match", "--db", bad, "--db-max-age", "1ns", devel)
	if !strings.Contains(errs, "warning") || !strings.Contains(errs, "db update") {
		t.Fatalf("age warning: %d %s", code, errs)
	}
	// A directory without Go binaries: said, not a silent empty result.
	noBins := t.TempDir()
	write(t, noBins, "README", "not a binary")
	code, _, errs = run(t, "", "scan", "binary", "--db", bad, noBins)
	if code != 0 || !strings.Contains(errs, noBins+": no Go binaries found") {
		t.Fatalf("directory without binaries: %d %s", code, errs)
	}
}

func TestDBUpdateCLI(t *testing.T) {
	// OSV's layout on a local server: <Ecosystem>/all.zip, built from the Debian test records.
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	files, _ := filepath.Glob(filepath.Join(debianTestdata, "osv", "*.json"))
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		w, _ := zw.Create(filepath.Base(f))
		w.Write(data)
	}
	zw.Close()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/Debian/all.zip" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("ETag", `"v1"`)
		http.ServeContent(w, r, "all.zip", time.Time{}, bytes.NewReader(buf.Bytes()))
	}))
	defer srv.Close()
	dbDir := t.TempDir()
	code, out, errs := run(t, "", "db", "update", "--db", dbDir, "--base-url", srv.URL, "--ecosystems", "Debian,Amazon Linux")
	if code != 0 || !strings.Contains(out, "10 records from 1 archives") || !strings.Contains(errs, "skipped Amazon Linux") || !strings.Contains(errs, "Debian") {
		t.Fatalf("update: %d %q %q", code, out, errs)
	}
	code, out, _ = run(t, "", "db", "status", "--db", dbDir, "--format", "json")
	var st struct {
		Records int `json:"records"`
		Sources []struct {
			Name, Kind, Location, SHA256 string
		} `json:"sources"`
	}
	if err := json.Unmarshal([]byte(out), &st); err != nil || code != 0 {
		t.Fatalf("status: %v %s", err, out)
	}
	if st.Records != 10 || len(st.Sources) != 1 || st.Sources[0].Kind != "update" || !strings.HasSuffix(st.Sources[0].Location, "/Debian/all.zip") || st.Sources[0].SHA256 == "" {
		t.Fatalf("status: %+v", st)
	}
	if code, _, errs := run(t, "", "db", "update", "--db", dbDir, "--base-url", "ftp://x"); code != 2 || !strings.Contains(errs, "base URL") {
		t.Fatalf("bad base URL: %d %s", code, errs)
	}
}
