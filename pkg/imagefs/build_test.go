package imagefs

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

// te is a test tar entry: "path" with type f (file), d (dir), l (symlink), h (hard link).
type te struct {
	name string
	typ  byte
	body string
	link string
	mode int64
	size int64 // overrides len(body) in the header when set
}

func file(name, body string) te { return te{name: name, typ: tar.TypeReg, body: body, mode: 0644} }
func dir(name string) te        { return te{name: name, typ: tar.TypeDir, mode: 0755} }
func symlink(name, target string) te {
	return te{name: name, typ: tar.TypeSymlink, link: target, mode: 0777}
}
func hardlink(name, target string) te {
	return te{name: name, typ: tar.TypeLink, link: target, mode: 0644}
}

func tarOf(t testing.TB, es ...te) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range es {
		h := &tar.Header{Name: e.name, Typeflag: e.typ, Mode: e.mode, Linkname: e.link, ModTime: time.Unix(1700000000, 0)}
		if e.typ == tar.TypeReg {
			h.Size = int64(len(e.body))
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if e.typ == tar.TypeReg {
			io.WriteString(tw, e.body)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func gz(b []byte) []byte {
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

func digestOf(b []byte) string {
	s := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(s[:])
}

func layer(id string, blob []byte) Layer {
	return Layer{ID: id, Digest: digestOf(blob), Size: int64(len(blob)), Open: func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(blob)), nil
	}}
}

func build(t testing.TB, lim Limits, as []Analyzer, layers ...[]byte) *FS {
	t.Helper()
	var ls []Layer
	for i, l := range layers {
		ls = append(ls, layer("L"+string(rune('0'+i)), l))
	}
	f, err := NewBuilder(lim, as...).Build(context.Background(), ls)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func paths(f *FS) string {
	var out []string
	f.Walk(func(e *Entry) error {
		s := e.Path
		switch e.Type {
		case TypeDir:
			s += "/"
		case TypeSymlink:
			s += "->" + e.Link
		}
		out = append(out, s)
		return nil
	})
	return strings.Join(out, " ")
}

func TestWhiteoutsAndOpaque(t *testing.T) {
	l0 := tarOf(t, dir("a/"), file("a/x", "xx"), file("a/y", "yyy"), dir("b/"), file("b/z", "z"), dir("c/"), file("c/k", "kkkk"))
	l1 := tarOf(t, file("a/.wh.x", ""), file("b/.wh..wh..opq", ""), file("b/new", "n"), file("c/.wh.k", ""), file("c/k", "again"))
	f := build(t, Limits{}, nil, gz(l0), l1)
	got := paths(f)
	want := "/a/ /a/y /b/ /b/new /c/ /c/k"
	if got != want {
		t.Fatalf("got %s\nwant %s", got, want)
	}
	e, err := f.Lstat("/c/k")
	if err != nil || e.Size != 5 || e.Layer != 1 {
		t.Fatalf("c/k: %+v %v", e, err)
	}
	if len(f.Problems) != 0 {
		t.Fatalf("problems: %v", f.Problems)
	}
	// x (2 bytes) and its deletion (2), z and its deletion (1+1), k (4), its deletion (4)
	// and the new k (5) are copies of paths seen more than once.
	if f.Waste.WastedBytes != 2+2+1+1+4+4+5 {
		t.Fatalf("wasted %d", f.Waste.WastedBytes)
	}
}

func TestOpaqueKeepsSameLayer(t *testing.T) {
	l0 := tarOf(t, file("d/old", "o"))
	l1 := tarOf(t, file("d/new", "n"), file("d/.wh..wh..opq", ""))
	if got := paths(build(t, Limits{}, nil, l0, l1)); got != "/d/ /d/new" {
		t.Fatal(got)
	}
}

func TestLinks(t *testing.T) {
	l0 := tarOf(t, dir("usr/"), dir("usr/lib/"), symlink("lib", "usr/lib"), file("usr/lib/libc.so", "elf"),
		symlink("abs", "/usr/lib/libc.so"), symlink("esc", "../../../../usr/lib/libc.so"),
		symlink("loop1", "loop2"), symlink("loop2", "loop1"),
		file("bin/su", "su"), hardlink("bin/su2", "bin/su"), hardlink("bin/bad", "nope"))
	// A later layer writes through the /lib symlink: the file lands in /usr/lib.
	l1 := tarOf(t, file("lib/added.so", "x"))
	f := build(t, Limits{}, nil, l0, l1)
	if _, err := f.Lstat("/usr/lib/added.so"); err != nil {
		t.Fatalf("write through symlink: %v (%s)", err, paths(f))
	}
	for _, p := range []string{"/abs", "/esc", "/lib/libc.so"} {
		e, err := f.Stat(p)
		if err != nil || e.Path != "/usr/lib/libc.so" {
			t.Errorf("%s: %+v %v", p, e, err)
		}
	}
	if _, err := f.Stat("/loop1"); !errors.Is(err, ErrLoop) {
		t.Errorf("loop: %v", err)
	}
	e, err := f.Lstat("/bin/su2")
	if err != nil || !e.Hard || e.Size != 2 {
		t.Errorf("hard link: %+v %v", e, err)
	}
	if len(f.Problems) != 1 || !strings.Contains(f.Problems[0].Error(), `"bin/bad"`) {
		t.Errorf("problems: %v", f.Problems)
	}
}

func TestHostileNames(t *testing.T) {
	l0 := tarOf(t, file("../etc/passwd", "x"), file("/abs", "x"), file("a/../../b", "x"), hardlink("h", "../../etc/shadow"),
		file("ok", "x"), file("./also/ok", "y"))
	f := build(t, Limits{}, nil, l0)
	if got := paths(f); got != "/also/ /also/ok /ok" {
		t.Fatal(got)
	}
	if len(f.Problems) != 4 {
		t.Fatalf("problems: %v", f.Problems)
	}
	for _, p := range f.Problems {
		if p.Layer != "L0" || p.Entry == "" {
			t.Errorf("problem without layer or entry: %v", p)
		}
	}
}

func TestDigestMismatchAndTruncation(t *testing.T) {
	good := gz(tarOf(t, file("a", "hello"), file("b", strings.Repeat("x", 5000))))
	bad := layer("Lbad", good)
	bad.Digest = digestOf([]byte("other"))
	trunc := layer("Ltrunc", good[:len(good)/2])
	trunc.Digest, trunc.Size = "", -1
	f, err := NewBuilder(Limits{}).Build(context.Background(), []Layer{bad, trunc})
	if err != nil {
		t.Fatal(err)
	}
	if !f.Incomplete {
		t.Fatal("not marked incomplete")
	}
	msgs := ""
	for _, p := range f.Problems {
		msgs += p.Error() + "\n"
	}
	if !strings.Contains(msgs, "layer Lbad: digest mismatch") || !strings.Contains(msgs, "layer Ltrunc:") {
		t.Fatal(msgs)
	}
}

func TestBombs(t *testing.T) {
	big := tarOf(t, file("zeros", strings.Repeat("\x00", 4<<20)))
	f := build(t, Limits{MaxLayerBytes: 1 << 20}, nil, gz(big))
	if !f.Incomplete || !strings.Contains(f.Problems[0].Msg, "per-layer limit") {
		t.Fatalf("gzip bomb: %v", f.Problems)
	}
	var zb bytes.Buffer
	zw, _ := zstd.NewWriter(&zb)
	zw.Write(big)
	zw.Close()
	f = build(t, Limits{MaxTotalBytes: 1 << 20}, nil, zb.Bytes())
	if !f.Incomplete || !strings.Contains(f.Problems[0].Msg, "all layers exceeds") {
		t.Fatalf("zstd bomb: %v", f.Problems)
	}
	many := make([]te, 100)
	for i := range many {
		many[i] = file("f"+strings.Repeat("x", i), "")
	}
	f = build(t, Limits{MaxEntries: 50}, nil, tarOf(t, many...))
	if !f.Incomplete || !strings.Contains(f.Problems[0].Msg, "entries") {
		t.Fatalf("entries: %v", f.Problems)
	}
}

type catAnalyzer struct{ want string }

func (c catAnalyzer) Name() string                  { return "cat" }
func (c catAnalyzer) Wants(p string, _ *Entry) bool { return strings.HasSuffix(p, c.want) }
func (c catAnalyzer) KeepHistory() bool             { return true }
func (c catAnalyzer) Analyze(_ string, _ *Entry, r io.Reader) (any, error) {
	b, err := io.ReadAll(r)
	return string(b), err
}

func TestAnalyzersSeeFinalFiles(t *testing.T) {
	l0 := tarOf(t, file("etc/status", "v1"), file("etc/gone", "g"))
	l1 := tarOf(t, file("etc/status", "v2"), file("etc/.wh.gone", ""), file("etc/big", strings.Repeat("b", 100)))
	a := catAnalyzer{want: ""}
	f := build(t, Limits{MaxFileBytes: 50}, []Analyzer{a}, l0, l1)
	rs := f.Results("cat")
	if len(rs) != 1 || rs[0].Value != "v2" || rs[0].Layer != 1 {
		t.Fatalf("results: %+v", rs)
	}
	h := f.History("/etc/status", "cat")
	if len(h) != 1 || h[0].Value != "v1" || h[0].Layer != 0 {
		t.Fatalf("history: %+v", h)
	}
	if len(f.Skipped) != 1 || !strings.Contains(f.Skipped[0].Msg, "per-file limit") {
		t.Fatalf("skipped: %v", f.Skipped)
	}
}

func TestReplaceDirByFile(t *testing.T) {
	l0 := tarOf(t, file("x/a", "a"), file("x/b", "b"))
	l1 := tarOf(t, file("x", "now a file"))
	f := build(t, Limits{}, nil, l0, l1)
	if got := paths(f); got != "/x" || f.Len() != 1 {
		t.Fatalf("%s (%d entries)", got, f.Len())
	}
	if _, err := f.Lstat("/x/a"); err == nil || errors.Is(err, fs.ErrNotExist) {
		// /x is a file now, so /x/a is "not a directory"
		if err == nil {
			t.Fatal("x/a still there")
		}
	}
}

func TestHugeHeader(t *testing.T) {
	// A PAX extended header of 2 MiB (archive/tar caps them at 1 MiB): written as a plain
	// file whose type flag is then patched to 'x'.
	rec := "comment=" + strings.Repeat("a", 2<<20) + "\n"
	rec = fmt.Sprintf("%d %s", len(rec)+8, rec)
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	tw.WriteHeader(&tar.Header{Name: "pax", Typeflag: tar.TypeReg, Mode: 0644, Size: int64(len(rec)), Format: tar.FormatUSTAR})
	io.WriteString(tw, rec)
	tw.WriteHeader(&tar.Header{Name: "x", Typeflag: tar.TypeReg, Mode: 0644, Format: tar.FormatUSTAR})
	tw.Close()
	b := buf.Bytes()
	b[156] = 'x'
	sum := 0
	for i, c := range b[:512] {
		if i >= 148 && i < 156 {
			c = ' '
		}
		sum += int(c)
	}
	copy(b[148:156], fmt.Sprintf("%06o\x00 ", sum))
	f := build(t, Limits{}, nil, b)
	if !f.Incomplete || len(f.Problems) != 1 || !strings.Contains(f.Problems[0].Error(), "layer L0: corrupt or truncated tar") {
		t.Fatalf("%v", f.Problems)
	}
}

func TestLongSymlinkChainAndDepth(t *testing.T) {
	var es []te
	for i := 0; i < 60; i++ {
		es = append(es, symlink(fmt.Sprintf("s%d", i), fmt.Sprintf("s%d", i+1)))
	}
	es = append(es, file("s60", "end"), file(strings.Repeat("d/", 300)+"f", "deep"))
	f := build(t, Limits{}, nil, tarOf(t, es...))
	if _, err := f.Stat("/s30"); err != nil {
		t.Errorf("30 hops: %v", err)
	}
	if _, err := f.Stat("/s0"); !errors.Is(err, ErrLoop) {
		t.Errorf("60 hops: %v", err)
	}
	if len(f.Problems) != 1 || !strings.Contains(f.Problems[0].Msg, "deeper than 256") {
		t.Errorf("%v", f.Problems)
	}
}
