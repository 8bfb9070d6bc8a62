package gobinary

import (
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
	var got []string
	for _, p := range b.Packages {
		got = append(got, p.Name+"@"+p.Version)
	}
	if s := strings.Join(got, " "); s != "stdlib@1.17.13 example.com/uuidgen@(devel) github.com/google/uuid@v1.3.0" {
		t.Errorf("got %s", s)
	}
}
