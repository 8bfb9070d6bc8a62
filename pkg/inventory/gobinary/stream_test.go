package gobinary

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// inlineBuildInfo builds the bytes of an ELF file with an inline (Go 1.18+) build-info blob
// at offset off.
func inlineBuildInfo(off int, vers, mod string) []byte {
	b := make([]byte, off)
	copy(b, "\x7fELF")
	hdr := make([]byte, 32)
	copy(hdr, buildInfoMagic)
	hdr[14], hdr[15] = 8, 2
	b = append(b, hdr...)
	put := func(s string) {
		var v [10]byte
		n := 0
		x := uint64(len(s))
		for x >= 0x80 {
			v[n] = byte(x) | 0x80
			x >>= 7
			n++
		}
		v[n] = byte(x)
		b = append(b, v[:n+1]...)
		b = append(b, s...)
	}
	put(vers)
	put(mod)
	return b
}

const sentinel = "0123456789abcdef"

func TestGoBuildInfoStreaming(t *testing.T) {
	// The module string is framed by 16-byte sentinels, the last one after a newline.
	mod := sentinel + "path\texample.com/app\nmod\texample.com/app\tv1.2.3\th1:x=\ndep\tgolang.org/x/text\tv0.14.0\th1:y=\n" + sentinel
	// Past a 1 MiB chunk boundary, to exercise the overlap.
	data := inlineBuildInfo(1<<20+16*3, "go1.22.4", mod)
	bi, err := buildInfo(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if bi.GoVersion != "go1.22.4" || bi.Main.Path != "example.com/app" || len(bi.Deps) != 1 || bi.Deps[0].Version != "v0.14.0" {
		t.Fatalf("%+v", bi)
	}
	b, err := ReadBinary(bytes.NewReader(data), "/app", "sha256:01")
	if err != nil {
		t.Fatal(err)
	}
	ps := b.Packages
	if len(ps) != 3 || ps[0].Name != "stdlib" || ps[0].Version != "1.22.4" || ps[1].Name != "example.com/app" || ps[2].Version != "v0.14.0" ||
		ps[2].Path != "/app" || ps[2].Layer != "sha256:01" || ps[2].PURL != "pkg:golang/golang.org/x/text@v0.14.0" {
		t.Fatalf("%+v", ps)
	}
	if _, err := buildInfo(bytes.NewReader([]byte("#!/bin/sh\necho hi\n"))); err != ErrNotGo {
		t.Fatalf("script: %v", err)
	}
	if _, err := ReadBinary(bytes.NewReader([]byte("#!/bin/sh\n")), "/x.sh", ""); !errors.Is(err, ErrNotGo) {
		t.Fatalf("script: %v", err)
	}
}

func FuzzGoBuildInfo(f *testing.F) {
	seeds := [][]byte{inlineBuildInfo(16, "go1.22.0", sentinel+"path\tx\nmod\tx\tv1.0.0\t\n"+sentinel), inlineBuildInfo(32, "go1", ""), []byte("\x7fELF"), pointerBuildInfo("go1.16.15", pointerMod)}
	if os.Getenv("EKSGUARD_WRITE_SEEDS") == "1" {
		dir := filepath.Join("testdata", "fuzz", "FuzzGoBuildInfo")
		os.MkdirAll(dir, 0o755)
		for i, s := range seeds {
			os.WriteFile(filepath.Join(dir, fmt.Sprintf("seed%d", i)), []byte("go test fuzz v1\n[]byte("+strconv.Quote(string(s))+")\n"), 0o644)
		}
	}
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		bin, err := ReadBinary(bytes.NewReader(b), "/x", "")
		if err == nil {
			for _, p := range bin.Packages {
				if p.Type != "golang" || p.Name == "" || p.Version == "" {
					t.Fatalf("bad package %+v", p)
				}
			}
		}
	})
}
