package image

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/eksguard/eksguard/internal/testenv"
	"github.com/eksguard/eksguard/pkg/image/secret"
	"github.com/eksguard/eksguard/pkg/imagefs"
	"github.com/eksguard/eksguard/pkg/inventory"
)

// TestDebianImage scans the real Debian 12 image the set-up builds with debootstrap.
func TestDebianImage(t *testing.T) {
	dir := testenv.Path(t, "EKSGUARD_DEBIAN_OCI")
	im, err := Open(context.Background(), Ref{Kind: KindOCI, Path: dir}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	tg, err := Scan(context.Background(), im, imagefs.Limits{}, secret.Default)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("scanned %d entries, %d packages in %s", tg.FS.Len(), len(tg.Inventory.Packages), time.Since(start))
	if len(tg.FS.Problems) > 0 {
		t.Errorf("problems: %v", tg.FS.Problems[:min(5, len(tg.FS.Problems))])
	}
	os := tg.Inventory.OS
	if os == nil || os.ID != "debian" || os.VersionID != "12" || os.VersionCodename != "bookworm" {
		t.Fatalf("os: %+v", os)
	}
	byName := map[string]inventory.Package{}
	for _, p := range tg.Inventory.Packages {
		byName[p.Name] = p
	}
	for _, n := range []string{"base-files", "dpkg", "libc6", "bash", "coreutils", "apt", "login"} {
		p, ok := byName[n]
		if !ok {
			t.Errorf("package %s missing", n)
			continue
		}
		if p.Type != inventory.TypeDeb || p.Layer != im.Layers[0].Digest || !strings.HasPrefix(p.PURL, "pkg:deb/debian/"+n+"@") {
			t.Errorf("%s: %+v", n, p)
		}
	}
	if p := byName["libc6"]; p.Source == nil || p.Source.Name != "glibc" {
		t.Errorf("libc6 source: %+v", p.Source)
	}
	if len(tg.Inventory.Packages) < 80 {
		t.Errorf("only %d packages", len(tg.Inventory.Packages))
	}
	var suid []string
	tg.FS.Walk(func(e *imagefs.Entry) error {
		if e.Type == imagefs.TypeReg && e.Mode&imagefs.ModeSetuid != 0 {
			suid = append(suid, e.Path)
		}
		return nil
	})
	if !strings.Contains(strings.Join(suid, " "), "/usr/bin/su") {
		t.Errorf("setuid files: %v", suid)
	}
	if tg.Users["root"] != 0 || tg.Users["nobody"] != 65534 {
		t.Errorf("users: %v", tg.Users)
	}
	for p, m := range tg.Secrets {
		t.Errorf("secret reported in a stock Debian image: %s %+v", p, m)
	}
}
