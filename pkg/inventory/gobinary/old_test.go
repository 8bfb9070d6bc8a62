package gobinary

import (
	"bytes"
	"encoding/binary"
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

// pointerBuildInfo builds a small ELF file laid out as Go 1.13-1.17 linked ones: a read-only
// segment holding the version and module strings, then a writable one opening with the
// pointer-format build-info header and holding the two string headers it points to.
func pointerBuildInfo(vers, mod string) []byte {
	le := binary.LittleEndian
	b := make([]byte, 0x3000)
	copy(b, "\x7fELF")
	b[4], b[5] = 2, 1 // 64-bit, little-endian
	le.PutUint64(b[32:], 64)
	le.PutUint16(b[54:], 56)
	le.PutUint16(b[56:], 2)
	ph := func(i int, flags uint32, off, vaddr uint64) {
		p := b[64+56*i:]
		le.PutUint32(p[0:], 1) // PT_LOAD
		le.PutUint32(p[4:], flags)
		le.PutUint64(p[8:], off)
		le.PutUint64(p[16:], vaddr)
		le.PutUint64(p[32:], 0x1000)
	}
	ph(0, 4, 0x1000, 0x401000) // R: .rodata
	ph(1, 6, 0x2000, 0x402000) // RW: .go.buildinfo, .data
	copy(b[0x1000:], vers)
	copy(b[0x1100:], mod)
	copy(b[0x2000:], buildInfoMagic)
	b[0x2000+14], b[0x2000+15] = 8, 0 // pointer size 8, little-endian, not inline
	le.PutUint64(b[0x2010:], 0x402020)
	le.PutUint64(b[0x2018:], 0x402030)
	le.PutUint64(b[0x2020:], 0x401000)
	le.PutUint64(b[0x2028:], uint64(len(vers)))
	le.PutUint64(b[0x2030:], 0x401100)
	le.PutUint64(b[0x2038:], uint64(len(mod)))
	return b
}

var pointerMod = string(modStart) + "path\texample.com/old\nmod\texample.com/old\tv0.3.0\th1:x=\ndep\tgolang.org/x/text\tv0.3.7\th1:y=\n" + string(modEnd)

func TestPointerFormat(t *testing.T) {
	b, err := ReadBinary(bytes.NewReader(pointerBuildInfo("go1.16.15", pointerMod)), "/old", "")
	if err != nil {
		t.Fatal(err)
	}
	if s := joined(b); s != "stdlib@1.16.15 example.com/old@v0.3.0 golang.org/x/text@v0.3.7" {
		t.Errorf("got %s", s)
	}
	// A version pointer to bytes that are no noted "go1" string.
	bad := pointerBuildInfo("go1.16.15", pointerMod)
	binary.LittleEndian.PutUint64(bad[0x2020:], 0x401004)
	if _, err := ReadBinary(bytes.NewReader(bad), "/old", ""); err == nil || !strings.Contains(err.Error(), "version string was not found") {
		t.Errorf("bad version pointer: %v", err)
	}
	// A string header outside every segment.
	bad = pointerBuildInfo("go1.16.15", pointerMod)
	binary.LittleEndian.PutUint64(bad[0x2010:], 0x900000)
	if _, err := ReadBinary(bytes.NewReader(bad), "/old", ""); err == nil || !strings.Contains(err.Error(), "points to") {
		t.Errorf("pointer outside: %v", err)
	}
	// Not ELF: reported as not read, never guessed.
	notELF := pointerBuildInfo("go1.16.15", pointerMod)
	copy(notELF, "MZ\x00\x00")
	if _, err := ReadBinary(bytes.NewReader(notELF), "/old.exe", ""); err == nil || !strings.Contains(err.Error(), "outside ELF") {
		t.Errorf("PE: %v", err)
	}
}
