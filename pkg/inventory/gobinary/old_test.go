package gobinary

import (
	"bytes"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/eksguard/eksguard/internal/testenv"
)

// TestGo117Binary reads a binary that the Go 1.17.13 toolchain built (hack/setup/52-go117.sh):
// pre-1.18 build information, resolved through pointers, from a stream.
func TestGo117Binary(t *testing.T) {
	bin := testenv.Path(t, "EKSGUARD_GO117_BINARY")
	f, err := os.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	// A reader without ReaderAt or Seek, as an image layer entry is.
	b, err := ReadBinary(struct{ io.Reader }{f}, "/usr/bin/uuidgen", "sha256:l")
	if err != nil {
		t.Fatal(err)
	}
	want := "stdlib@1.17.13 example.com/uuidgen@(devel) github.com/google/uuid@v1.3.0"
	if s := joined(b); s != want {
		t.Errorf("got %s", s)
	}
	// Chunk boundaries anywhere: inside the read-only segment, through the module string
	// (which the reader then reads on to its end) and just after the version string. A
	// round reads chunk+32 bytes and keeps the last 64 for the next one, so the first
	// round ends at chunk+32.
	data, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	mod, ver := bytes.Index(data, modStart), bytes.Index(data, []byte("go1.17.13"))
	if mod < 0 || ver < 0 {
		t.Fatalf("module string at %d, version at %d", mod, ver)
	}
	defer func(c int) { chunk = c }(chunk)
	for _, c := range []int{4096, 65536 + 13, 300_007, mod + 64 + 40 - 32, ver + 64 + 5 - 32, 1_000_003} {
		chunk = c
		if _, err := f.Seek(0, 0); err != nil {
			t.Fatal(err)
		}
		b, err := ReadBinary(struct{ io.Reader }{f}, "", "")
		if err != nil {
			t.Fatalf("chunk %d: %v", c, err)
		}
		if s := joined(b); s != want {
			t.Errorf("chunk %d: got %s", c, s)
		}
	}
}

func joined(b *Binary) string {
	var got []string
	for _, p := range b.Packages {
		got = append(got, p.Name+"@"+p.Version)
	}
	return strings.Join(got, " ")
}
