package image_test

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/eksguard/eksguard/internal/testenv"
	"github.com/eksguard/eksguard/pkg/image"
	"github.com/eksguard/eksguard/pkg/image/imagetest"
)

// rpmFixture decompresses one of pkg/image/pkgdb/rpmdb's database fixtures to a file the
// image spec reads.
func rpmFixture(t *testing.T, name string) string {
	t.Helper()
	b := testenv.Gunzip(t, filepath.Join("pkgdb", "rpmdb", "testdata", name+".gz"))
	out := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(out, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestRPMImages reads the three rpm database formats from hand-made images: a RHEL 9 image
// whose second layer installs one more package (each package keeps the layer that
// introduced it), an Amazon Linux 2 image with a Berkeley DB database, and an openSUSE
// image whose /var/lib/rpm is a symbolic link to /usr/lib/sysimage/rpm holding ndb.
func TestRPMImages(t *testing.T) {
	for _, c := range []struct {
		name  string
		spec  imagetest.Spec
		want  string
		purls map[string]string
	}{
		{"rhel9-sqlite", imagetest.Spec{Layers: []imagetest.Layer{
			{Files: []imagetest.Entry{
				{Path: "etc/os-release", Content: "ID=\"rhel\"\nVERSION_ID=\"9.4\"\n"},
				{Path: "var/lib/rpm/rpmdb.sqlite", From: rpmFixture(t, "rpmdb2.sqlite")},
			}},
			{Files: []imagetest.Entry{{Path: "var/lib/rpm/rpmdb.sqlite", From: rpmFixture(t, "rpmdb3.sqlite")}}},
		}}, "bigdesc@0.1-7/0 hello@1.2.3-4.fc40/0 libfoo@2:2.0-1.el9/1", map[string]string{
			"libfoo": "pkg:rpm/rhel/libfoo@2.0-1.el9?arch=noarch&epoch=2&distro=rhel-9.4",
			"hello":  "pkg:rpm/rhel/hello@1.2.3-4.fc40?arch=x86_64&distro=rhel-9.4",
		}},
		{"amzn2-bdb", imagetest.Spec{Layers: []imagetest.Layer{{Files: []imagetest.Entry{
			{Path: "etc/os-release", Content: "ID=\"amzn\"\nVERSION_ID=\"2\"\n"},
			{Path: "var/lib/rpm/Packages", From: rpmFixture(t, "Packages3.bdb")},
		}}}}, "bigdesc@0.1-7/0 hello@1.2.3-4.fc40/0 libfoo@2:2.0-1.el9/0", nil},
		{"stale-bdb-beside-sqlite", imagetest.Spec{Layers: []imagetest.Layer{{Files: []imagetest.Entry{
			{Path: "etc/os-release", Content: "ID=\"rhel\"\nVERSION_ID=\"9.4\"\n"},
			{Path: "var/lib/rpm/Packages", From: rpmFixture(t, "Packages3.bdb")},
			{Path: "var/lib/rpm/rpmdb.sqlite", From: rpmFixture(t, "rpmdb2.sqlite")},
		}}}}, "bigdesc@0.1-7/0 hello@1.2.3-4.fc40/0", nil},
		{"opensuse-ndb", imagetest.Spec{Layers: []imagetest.Layer{{Files: []imagetest.Entry{
			{Path: "etc/os-release", Content: "ID=\"opensuse-leap\"\nVERSION_ID=\"15.6\"\n"},
			{Path: "var/lib/rpm", Type: "symlink", Link: "../../usr/lib/sysimage/rpm"},
			{Path: "usr/lib/sysimage/rpm/Packages.db", From: rpmFixture(t, "Packages3.ndb")},
		}}}}, "bigdesc@0.1-7/0 hello@1.2.3-4.fc40/0 libfoo@2:2.0-1.el9/0", nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := c.spec.WriteLayout(dir); err != nil {
				t.Fatal(err)
			}
			tg := scanRef(t, "oci:"+dir, image.Options{})
			if len(tg.FS.Problems) > 0 {
				t.Fatal(tg.FS.Problems)
			}
			var got []string
			for _, p := range tg.Inventory.Packages {
				if p.Type != "rpm" {
					continue
				}
				l := "?"
				for i, ly := range tg.Layers {
					if ly.Digest == p.Layer {
						l = string(rune('0' + i))
					}
				}
				got = append(got, p.Name+"@"+p.Version+"/"+l)
				if want, ok := c.purls[p.Name]; ok && p.PURL != want {
					t.Errorf("%s purl %s, want %s", p.Name, p.PURL, want)
				}
				if p.Name == "libfoo" && (p.ModularityLabel != "foo:2.0:20240101:abcd" || p.Vendor != "Eksguard Test" || p.Licenses[0] != "GPL-2.0-or-later") {
					t.Errorf("libfoo: %+v", p)
				}
			}
			sort.Strings(got)
			if s := strings.Join(got, " "); s != c.want {
				t.Errorf("got  %s\nwant %s", s, c.want)
			}
		})
	}
}

// A corrupt rpm database is a problem naming the layer and the file; the rest of the scan
// goes on.
func TestRPMCorruptInImage(t *testing.T) {
	db, err := os.ReadFile(rpmFixture(t, "rpmdb3.sqlite"))
	if err != nil {
		t.Fatal(err)
	}
	spec := imagetest.Spec{Layers: []imagetest.Layer{{Files: []imagetest.Entry{
		{Path: "etc/os-release", Content: "ID=fedora\nVERSION_ID=40\n"},
		{Path: "var/lib/rpm/rpmdb.sqlite", Content: string(db[:len(db)/3])},
	}}}}
	dir := t.TempDir()
	if err := spec.WriteLayout(dir); err != nil {
		t.Fatal(err)
	}
	tg := scanRef(t, "oci:"+dir, image.Options{})
	if len(tg.FS.Problems) != 1 || !strings.Contains(tg.FS.Problems[0].Entry, "var/lib/rpm/rpmdb.sqlite") ||
		!strings.Contains(tg.FS.Problems[0].Msg, "rpm:") || tg.FS.Problems[0].Layer == "" {
		t.Fatalf("problems %+v", tg.FS.Problems)
	}
	if tg.Inventory.OS == nil || tg.Inventory.OS.ID != "fedora" {
		t.Errorf("os %+v", tg.Inventory.OS)
	}
}
