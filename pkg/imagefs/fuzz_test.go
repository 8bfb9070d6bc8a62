package imagefs

import (
	"archive/tar"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// fuzzSeeds are layer pairs with whiteouts, links and hostile names.
func fuzzSeeds(t testing.TB) [][2][]byte {
	return [][2][]byte{
		{tarOf(t, dir("a/"), file("a/x", "x"), symlink("l", "a"), hardlink("h", "a/x")), tarOf(t, file("a/.wh.x", ""), file("l/y", "y"))},
		{tarOf(t, file("../x", "x"), symlink("s", "/../../etc"), file("s/p", "p")), gz(tarOf(t, file("d/.wh..wh..opq", ""), symlink("d", "d")))},
		{tarOf(t, symlink("a", "b"), symlink("b", "a"), file("a/c", "c")), tarOf(t, hardlink("z", "a"), file(".wh.a", ""))},
	}
}

// FuzzBuild feeds two arbitrary layers (plain or compressed) to the builder: it must never
// panic, and every entry it keeps must be reachable by its own path.
func FuzzBuild(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s[0], s[1])
	}
	if os.Getenv("EKSGUARD_WRITE_SEEDS") == "1" {
		dir := filepath.Join("testdata", "fuzz", "FuzzBuild")
		os.MkdirAll(dir, 0o755)
		for i, s := range fuzzSeeds(f) {
			body := fmt.Sprintf("go test fuzz v1\n[]byte(%s)\n[]byte(%s)\n", strconv.Quote(string(s[0])), strconv.Quote(string(s[1])))
			os.WriteFile(filepath.Join(dir, fmt.Sprintf("seed%d", i)), []byte(body), 0o644)
		}
	}
	f.Fuzz(func(t *testing.T, a, b []byte) {
		ls := []Layer{
			{ID: "a", Size: -1, Open: func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(a)), nil }},
			{ID: "b", Size: -1, Open: func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }},
		}
		fsys, err := NewBuilder(Limits{MaxLayerBytes: 1 << 20, MaxEntries: 10000}).Build(context.Background(), ls)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		fsys.Walk(func(e *Entry) error {
			n++
			got, err := fsys.Lstat(e.Path)
			if err != nil || got != e {
				t.Fatalf("%s not reachable by its path: %v", e.Path, err)
			}
			return nil
		})
		if n != fsys.Len() {
			t.Fatalf("walk saw %d entries, Len says %d", n, fsys.Len())
		}
	})
}

var _ = tar.TypeReg
