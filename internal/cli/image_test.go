package cli

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/eksguard/eksguard/internal/testenv"
	"github.com/eksguard/eksguard/internal/testregistry"
	"github.com/eksguard/eksguard/pkg/image"
	"github.com/eksguard/eksguard/pkg/image/imagetest"
)

// TestScanAndDefangDebianThroughRegistry is the end-to-end test on real parts: the Debian 12
// image built by debootstrap is pushed to a real registry, scanned from it in every format,
// defanged into another tag of that registry, and the defanged image rescanned.
func TestScanAndDefangDebianThroughRegistry(t *testing.T) {
	debian := testenv.Path(t, "EKSGUARD_DEBIAN_OCI")
	reg := testregistry.Start(t)
	src, _ := image.ParseRef("oci:" + debian)
	im, err := image.Open(context.Background(), src, image.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ref := reg + "/debian:12"
	dst, _ := image.ParseRef(ref)
	if err := image.Write(context.Background(), im.Img(), dst, "", image.Options{}); err != nil {
		t.Fatal(err)
	}

	code, out, stderr := run(t, "", "scan", "image", ref, "-f", "json")
	if code != ExitFindings {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	d := decode(t, out)
	setuid := map[string]bool{}
	seen := map[string]bool{}
	for _, f := range d.Findings {
		seen[f.RuleID] = true
		if f.RuleID == "image/setuid-files" {
			setuid[f.Location.Path] = true
			if !strings.HasPrefix(f.Evidence["layer"], "sha256:") || f.Evidence["mode"] == "" || f.Evidence["owner"] == "" {
				t.Errorf("setuid finding without layer, mode or owner: %+v", f)
			}
		}
	}
	for _, p := range []string{"/usr/bin/su", "/usr/bin/passwd", "/usr/bin/mount", "/usr/bin/chsh", "/usr/sbin/unix_chkpwd"} {
		if !setuid[p] {
			t.Errorf("setuid/setgid %s not reported (got %v)", p, setuid)
		}
	}
	for _, id := range []string{"image/run-as-root", "image/shell-present", "image/package-manager-present", "image/healthcheck-missing"} {
		if !seen[id] {
			t.Errorf("%s did not fire on Debian", id)
		}
	}
	for _, id := range []string{"image/secret-in-file", "image/secret-in-config", "image/sensitive-file", "image/world-writable"} {
		if seen[id] {
			t.Errorf("%s fired on a stock Debian image (false positive)", id)
		}
	}
	if d.Settings["image-os"] != "Debian GNU/Linux 12 (bookworm)" || d.Settings["image-digest"] == "" {
		t.Errorf("settings: %v", d.Settings)
	}
	for _, f := range []string{"table", "sarif", "junit"} {
		if code, out, stderr := run(t, "", "scan", "image", ref, "-f", f); code != ExitFindings || !strings.Contains(out, "image/setuid-files") {
			t.Errorf("format %s: exit %d, %s", f, code, stderr)
		}
	}
	code, out, _ = run(t, "", "scan", "image", ref, "-f", "cyclonedx")
	var bom struct {
		SpecVersion string `json:"specVersion"`
		Components  []struct {
			Name string `json:"name"`
			PURL string `json:"purl"`
		} `json:"components"`
	}
	if err := json.Unmarshal([]byte(out), &bom); err != nil || code != 0 || bom.SpecVersion != "1.6" || len(bom.Components) < 80 {
		t.Fatalf("cyclonedx: exit %d, %v, %d components", code, err, len(bom.Components))
	}

	// Defang into another tag, then rescan: none left.
	defanged := reg + "/debian:12-defanged"
	code, out, stderr = run(t, "", "image", "defang", ref, defanged)
	if code != 0 || !strings.Contains(out, "/usr/bin/su  4755 -> 0755") {
		t.Fatalf("defang: exit %d\n%s\n%s", code, out, stderr)
	}
	code, out, _ = run(t, "", "scan", "image", defanged, "-f", "json", "--rules", "image/setuid-files")
	if code != 0 {
		t.Fatalf("rescan of the defanged image: exit %d\n%s", code, out)
	}
	if n := len(decode(t, out).Findings); n != 0 {
		t.Fatalf("defanged image still has %d setuid/setgid files", n)
	}
	// It refuses to overwrite its source.
	if code, _, stderr := run(t, "", "image", "defang", ref, ref); code != ExitUsage || !strings.Contains(stderr, "--force") {
		t.Fatalf("defang onto the source: exit %d %s", code, stderr)
	}
}

// TestScanImageErrors: a missing image, a bad reference and a hostile layer are input
// errors (exit 2) naming the input.
func TestScanImageErrors(t *testing.T) {
	dir := t.TempDir()
	if code, out, stderr := run(t, "", "scan", "image", "oci:"+filepath.Join(dir, "nope")); code != ExitUsage || !strings.Contains(out, "nope") {
		t.Errorf("missing layout: exit %d %s %s", code, out, stderr)
	}
	if code, _, _ := run(t, "", "scan", "image", "UPPER/Case::bad"); code != ExitUsage {
		t.Errorf("bad reference: exit %d", code)
	}
	spec := imagetest.Spec{Layers: []imagetest.Layer{{Files: []imagetest.Entry{{Path: "../../escape", Content: "x"}, {Path: "ok", Content: "y"}}}}}
	if err := spec.WriteLayout(filepath.Join(dir, "bad")); err != nil {
		t.Fatal(err)
	}
	code, out, _ := run(t, "", "scan", "image", "oci:"+filepath.Join(dir, "bad"), "-f", "json")
	d := decode(t, out)
	if code != ExitUsage || len(d.Summary.Errors) != 1 || !strings.Contains(d.Summary.Errors[0].Message, `entry "../../escape": name escapes the image root`) {
		t.Errorf("hostile entry: exit %d, errors %+v", code, d.Summary.Errors)
	}
}
