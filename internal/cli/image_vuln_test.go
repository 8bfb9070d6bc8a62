package cli

import (
	"archive/tar"
	"bufio"
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/eksguard/eksguard/internal/testenv"
	"github.com/eksguard/eksguard/pkg/finding"
	"github.com/eksguard/eksguard/pkg/image"
	"github.com/eksguard/eksguard/pkg/image/imagetest"
)

// debianAdvisory is one record of the Debian OSV test data: a source package fixed in a
// version.
type debianAdvisory struct{ id, source, fixed string }

// The records of pkg/vuln/match/testdata/debian/osv (each: introduced 0, fixed).
var debianAdvisories = []debianAdvisory{
	{"DEBIAN-CVE-2023-46218", "curl", "7.88.1-10+deb12u5"},
	{"DEBIAN-CVE-2023-4911", "glibc", "2.36-9+deb12u3"},
	{"DEBIAN-CVE-2023-5363", "openssl", "3.0.11-1~deb12u2"},
	{"DEBIAN-CVE-2024-2961", "glibc", "2.36-9+deb12u6"},
	{"DEBIAN-CVE-2024-33599", "glibc", "2.36-9+deb12u7"},
	{"DEBIAN-CVE-2024-45490", "expat", "2.5.0-1+deb12u1"},
	{"DEBIAN-CVE-2024-6119", "openssl", "3.0.14-1~deb12u2"},
	{"DEBIAN-CVE-2024-7264", "curl", "7.88.1-10+deb12u7"},
	{"DEBIAN-CVE-2025-9230", "openssl", "3.0.17-1~deb12u3"},
	{"DEBIAN-CVE-2026-4438", "glibc", "2.36-9+deb12u14"},
}

type dpkgPkg struct{ name, version, source string }

// readDpkgStatus reads the package, version and source package of a dpkg status file.
func readDpkgStatus(t *testing.T, data []byte) []dpkgPkg {
	t.Helper()
	var out []dpkgPkg
	var cur dpkgPkg
	flush := func() {
		if cur.name != "" {
			if cur.source == "" {
				cur.source = cur.name
			}
			out = append(out, cur)
		}
		cur = dpkgPkg{}
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "":
			flush()
		case strings.HasPrefix(line, "Package: "):
			cur.name = strings.TrimPrefix(line, "Package: ")
		case strings.HasPrefix(line, "Version: "):
			cur.version = strings.TrimPrefix(line, "Version: ")
		case strings.HasPrefix(line, "Source: "):
			cur.source, _, _ = strings.Cut(strings.TrimPrefix(line, "Source: "), " ")
		}
	}
	flush()
	return out
}

// expectedDebian is what the advisories should match in a package list, decided by dpkg
// itself (dpkg --compare-versions), not by eksguard's comparator: "package advisory" pairs.
func expectedDebian(t *testing.T, pkgs []dpkgPkg) []string {
	t.Helper()
	dpkg, err := exec.LookPath("dpkg")
	if err != nil {
		t.Skip("dpkg not installed: no independent version oracle")
	}
	var want []string
	for _, p := range pkgs {
		for _, a := range debianAdvisories {
			if p.source != a.source {
				continue
			}
			err := exec.Command(dpkg, "--compare-versions", p.version, "lt", a.fixed).Run()
			if err == nil {
				want = append(want, p.name+" "+a.id)
			} else if _, ok := err.(*exec.ExitError); !ok {
				t.Fatal(err)
			}
		}
	}
	sort.Strings(want)
	return want
}

func vulnPairs(t *testing.T, stdout string) []string {
	t.Helper()
	var got []string
	for _, f := range decode(t, stdout).Findings {
		if f.RuleID == "vuln/osv-advisory" && f.Status == finding.StatusFail {
			got = append(got, f.Evidence["package"]+" "+f.Evidence["advisory"])
		}
	}
	sort.Strings(got)
	return got
}

// TestScanImageVulnerabilitiesDebian scans the real Debian 12 image against a database of
// real Debian advisories: matches are exactly the packages dpkg orders below the fix, first
// on the image as built (current bookworm), then with a layer that puts back an older glibc.
func TestScanImageVulnerabilitiesDebian(t *testing.T) {
	debian := testenv.Path(t, "EKSGUARD_DEBIAN_OCI")
	dbDir := t.TempDir()
	if code, out, errs := run(t, "", "db", "import", "--db", dbDir, filepath.Join(debianTestdata, "osv")); code != 0 {
		t.Fatalf("import: %s %s", out, errs)
	}

	// No database: the scan says so, on stderr and in the report.
	code, out, errs := run(t, "", "scan", "image", "--db", t.TempDir(), "-f", "json", "oci:"+debian)
	if code == ExitUsage || !strings.Contains(errs, "vulnerabilities not checked") || !strings.Contains(errs, "eksguard db update") {
		t.Fatalf("no database: exit %d, stderr %s", code, errs)
	}
	if v := decode(t, out).Settings["vulnerabilities"]; !strings.HasPrefix(v, "not checked") || !strings.Contains(v, "eksguard db import") {
		t.Fatalf("no database: settings %q", v)
	}
	_, out, _ = run(t, "", "scan", "image", "--db", t.TempDir(), "oci:"+debian)
	if !strings.Contains(out, "Vulnerabilities not checked") {
		t.Fatalf("no database: table\n%s", out)
	}

	// The image as built: its dpkg status, read straight from the layer.
	src, _ := image.ParseRef("oci:" + debian)
	im, err := image.Open(context.Background(), src, image.Options{})
	if err != nil {
		t.Fatal(err)
	}
	status := statusOf(t, im.Img())
	pkgs := readDpkgStatus(t, status)
	if len(pkgs) < 50 {
		t.Fatalf("%d packages in the Debian image's dpkg status", len(pkgs))
	}
	code, out, errs = run(t, "", "scan", "image", "--db", dbDir, "--fail-on", "none", "-f", "json", "oci:"+debian)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if got, want := vulnPairs(t, out), expectedDebian(t, pkgs); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("current image: got %v, want %v", got, want)
	}
	if v := decode(t, out).Settings["vulnerabilities"]; !strings.HasPrefix(v, "matched against") {
		t.Fatalf("settings %q", v)
	}

	// The same image with a layer that puts back glibc 2.36-9+deb12u4 (Debian 12.2's): the
	// glibc advisories fixed after it match every glibc binary package, the one fixed before
	// it (CVE-2023-4911, fixed in u3) does not; the findings name the added layer.
	glibc := 0
	old := rewriteGlibc(string(status), "2.36-9+deb12u4", &glibc)
	if glibc < 2 {
		t.Fatalf("%d glibc packages", glibc)
	}
	data, err := imagetest.LayerTar(imagetest.Layer{Files: []imagetest.Entry{{Path: "var/lib/dpkg/status", Content: old}}})
	if err != nil {
		t.Fatal(err)
	}
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil })
	if err != nil {
		t.Fatal(err)
	}
	img, err := mutate.Append(im.Img(), mutate.Addendum{Layer: layer, History: v1.History{CreatedBy: "downgrade glibc"}})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := image.Write(context.Background(), img, image.Ref{Kind: image.KindOCI, Path: dir}, "old-glibc", image.Options{}); err != nil {
		t.Fatal(err)
	}
	top, _ := layer.Digest()
	code, out, errs = run(t, "", "scan", "image", "--db", dbDir, "-f", "json", "oci:"+dir)
	if code != ExitFindings {
		t.Fatalf("old glibc: exit %d: %s", code, errs)
	}
	got := vulnPairs(t, out)
	want := expectedDebian(t, readDpkgStatus(t, []byte(old)))
	if strings.Join(got, ",") != strings.Join(want, ",") || len(got) != 3*glibc {
		t.Fatalf("old glibc: got %v, want %v (%d glibc packages)", got, want, glibc)
	}
	for _, g := range got {
		if strings.HasSuffix(g, "DEBIAN-CVE-2023-4911") {
			t.Fatalf("a fixed advisory matched: %s", g)
		}
	}
	for _, f := range decode(t, out).Findings {
		if f.RuleID == "vuln/osv-advisory" && (f.Evidence["layer"] != top.String() || f.Evidence["sourcePackage"] != "glibc" && f.Evidence["package"] != "glibc") {
			t.Fatalf("finding without the downgrading layer (%s): %+v", top, f.Evidence)
		}
	}
}

// rewriteGlibc sets the version of every package built from glibc in a dpkg status file.
func rewriteGlibc(status, version string, n *int) string {
	var b strings.Builder
	for _, stanza := range strings.SplitAfter(status, "\n\n") {
		if strings.Contains(stanza, "\nSource: glibc\n") || strings.HasPrefix(stanza, "Package: glibc\n") {
			var out []string
			for _, l := range strings.Split(stanza, "\n") {
				if strings.HasPrefix(l, "Version: ") {
					l = "Version: " + version
					*n++
				}
				out = append(out, l)
			}
			stanza = strings.Join(out, "\n")
		}
		b.WriteString(stanza)
	}
	return b.String()
}

// statusOf reads /var/lib/dpkg/status from the last layer that has it.
func statusOf(t *testing.T, img v1.Image) []byte {
	t.Helper()
	layers, err := img.Layers()
	if err != nil {
		t.Fatal(err)
	}
	var status []byte
	for _, l := range layers {
		rc, err := l.Uncompressed()
		if err != nil {
			t.Fatal(err)
		}
		if b := tarFile(t, rc, "var/lib/dpkg/status"); b != nil {
			status = b
		}
		rc.Close()
	}
	if status == nil {
		t.Fatal("no /var/lib/dpkg/status in the image")
	}
	return status
}

// TestScanImageVulnerabilitiesGoBinary puts a Go binary pinned to golang.org/x/text v0.3.0
// into an image and scans it against the real Go vulnerability database.
func TestScanImageVulnerabilitiesGoBinary(t *testing.T) {
	vulndb := testenv.Path(t, "EKSGUARD_GO_VULNDB")
	app := testenv.Path(t, "EKSGUARD_VULNAPP")
	dbDir := t.TempDir()
	if code, out, errs := run(t, "", "db", "import", "--db", dbDir, filepath.Join(vulndb, "data", "osv")); code != 0 {
		t.Fatalf("import: %d %s %s", code, out, errs)
	}
	bin := filepath.Join(t.TempDir(), "vulnapp")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Dir = app
	build.Env = append(os.Environ(), "GOOS=linux", "GOARCH=amd64", "CGO_ENABLED=0")
	if b, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, b)
	}
	dir := t.TempDir()
	spec := imagetest.Spec{Layers: []imagetest.Layer{{Files: []imagetest.Entry{{Path: "app/vulnapp", Mode: "755", From: bin}}}}}
	if err := spec.WriteLayout(dir); err != nil {
		t.Fatal(err)
	}
	code, out, errs := run(t, "", "scan", "image", "--db", dbDir, "-f", "json", "oci:"+dir)
	if code != ExitFindings {
		t.Fatalf("exit %d: %s", code, errs)
	}
	// The advisories `scan binary` finds for the same program (TestScanBinaryGoVulnDB).
	want := []string{"GO-2020-0015", "GO-2021-0113", "GO-2022-1059", "GO-2026-5970", "GO-2026-6629"}
	if got := advisories(t, out, "golang.org/x/text"); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("golang.org/x/text: got %v, want %v", got, want)
	}
	doc := decode(t, out)
	for _, f := range doc.Findings {
		if f.RuleID != "vuln/osv-advisory" {
			continue
		}
		if !strings.HasPrefix(f.Evidence["layer"], "sha256:") || f.Evidence["reachability"] == "" {
			t.Fatalf("Go finding without layer or reachability note: %+v", f.Evidence)
		}
	}
	if doc.Rule("vuln/osv-advisory") == nil {
		t.Fatalf("vulnerability rule not in the report header")
	}
}

// tarFile returns the content of name in a tar stream, nil when absent.
func tarFile(t *testing.T, r io.Reader, name string) []byte {
	t.Helper()
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			t.Fatal(err)
		}
		if strings.TrimPrefix(h.Name, "./") == name && h.Typeflag == tar.TypeReg {
			b, err := io.ReadAll(tr)
			if err != nil {
				t.Fatal(err)
			}
			return b
		}
	}
}
