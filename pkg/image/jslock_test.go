package image_test

import (
	"sort"
	"strings"
	"testing"

	"github.com/eksguard/eksguard/internal/testenv"
	"github.com/eksguard/eksguard/pkg/image"
	"github.com/eksguard/eksguard/pkg/image/imagetest"
)

// TestJSLockfiles lists yarn and pnpm lockfile entries, leaving out those an installed
// package.json already lists.
func TestJSLockfiles(t *testing.T) {
	spec := imagetest.Spec{Layers: []imagetest.Layer{{Files: []imagetest.Entry{
		{Path: "app/node_modules/lodash/package.json", Content: `{"name":"lodash","version":"4.17.21"}`},
		{Path: "app/yarn.lock", Content: "# yarn lockfile v1\n\nlodash@^4.17.21:\n  version \"4.17.21\"\n\nms@^2.1.1:\n  version \"2.1.3\"\n"},
		{Path: "web/pnpm-lock.yaml", Content: "lockfileVersion: '9.0'\n\npackages:\n\n  '@babel/runtime@7.24.0':\n    resolution: {integrity: sha512-x}\n"},
		{Path: "app/node_modules/dep/yarn.lock", Content: "left@^1.0.0:\n  version \"1.0.0\"\n"},
	}}}}
	dir := t.TempDir()
	if err := spec.WriteLayout(dir); err != nil {
		t.Fatal(err)
	}
	tg := scanRef(t, "oci:"+dir, image.Options{})
	var got []string
	for _, p := range tg.Inventory.Packages {
		got = append(got, p.Name+"@"+p.Version+" "+p.Path)
	}
	sort.Strings(got)
	want := "@babel/runtime@7.24.0 /web/pnpm-lock.yaml|lodash@4.17.21 /app/node_modules/lodash/package.json|ms@2.1.3 /app/yarn.lock"
	if s := strings.Join(got, "|"); s != want {
		t.Errorf("got  %s\nwant %s", s, want)
	}
}

// TestGo117BinaryInImage lists the modules of a binary built by Go 1.17 (pre-1.18 build
// information) found in an image layer.
func TestGo117BinaryInImage(t *testing.T) {
	bin := testenv.Path(t, "EKSGUARD_GO117_BINARY")
	spec := imagetest.Spec{Layers: []imagetest.Layer{{Files: []imagetest.Entry{
		{Path: "usr/local/bin/uuidgen", Mode: "755", From: bin},
	}}}}
	dir := t.TempDir()
	if err := spec.WriteLayout(dir); err != nil {
		t.Fatal(err)
	}
	tg := scanRef(t, "oci:"+dir, image.Options{})
	if len(tg.FS.Problems) > 0 {
		t.Fatal(tg.FS.Problems)
	}
	var got []string
	for _, p := range tg.Inventory.Packages {
		got = append(got, p.Name+"@"+p.Version+" "+p.Path)
	}
	want := "stdlib@1.17.13 /usr/local/bin/uuidgen|example.com/uuidgen@(devel) /usr/local/bin/uuidgen|github.com/google/uuid@v1.3.0 /usr/local/bin/uuidgen"
	if s := strings.Join(got, "|"); s != want {
		t.Errorf("got  %s\nwant %s", s, want)
	}
}
