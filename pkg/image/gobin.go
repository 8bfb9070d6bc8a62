package image

// The Go binary analyser. It is one small file on purpose: the build-info reader can be
// swapped for another (for example pkg/inventory/gobinary) as long as it keeps the
// goBuildInfo signature.

import (
	"bytes"
	"errors"
	"io"
	"runtime/debug"
	"strings"

	"github.com/eksguard/eksguard/pkg/image/pkgdb"
	"github.com/eksguard/eksguard/pkg/inventory"
)

// buildInfoMagic opens the .go.buildinfo section (Go's debug/buildinfo format).
var buildInfoMagic = []byte("\xff Go buildinf:")

const (
	buildInfoAlign  = 16
	buildInfoHeader = 32
	maxModInfo      = 4 << 20
)

var errNotGo = errors.New("not a Go binary")

// goBuildInfo reads a Go binary's build information from a stream, without holding the
// binary in memory: it looks for the build-info header at 16-byte aligned offsets and reads
// the inline version and module strings that follow it (Go 1.18 and later). Binaries in
// the older pointer format are reported as such.
func goBuildInfo(r io.Reader) (*debug.BuildInfo, error) {
	var head [4]byte
	if _, err := io.ReadFull(r, head[:]); err != nil || string(head[:]) != "\x7fELF" {
		return nil, errNotGo
	}
	const chunk = 1 << 20
	buf := make([]byte, 0, chunk+buildInfoHeader)
	off := int64(4) // file offset of buf[0]
	for {
		n, err := io.ReadFull(r, buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		for i := 0; ; {
			j := bytes.Index(buf[i:], buildInfoMagic)
			if j < 0 {
				break
			}
			at := i + j
			if (off+int64(at))%buildInfoAlign == 0 {
				return readInline(buf[at:], r)
			}
			i = at + 1
		}
		if err != nil {
			return nil, errNotGo
		}
		// keep a tail that could hold the start of the magic
		keep := len(buildInfoMagic) - 1
		copy(buf, buf[len(buf)-keep:])
		off += int64(len(buf) - keep)
		buf = buf[:keep]
	}
}

// readInline decodes the header at the start of b, reading more of r as needed.
func readInline(b []byte, r io.Reader) (*debug.BuildInfo, error) {
	data := append([]byte(nil), b...)
	need := func(n int) bool {
		for len(data) < n {
			if n > maxModInfo {
				return false
			}
			more := make([]byte, min(n-len(data)+4096, maxModInfo))
			k, err := io.ReadFull(r, more)
			data = append(data, more[:k]...)
			if err != nil {
				return len(data) >= n
			}
		}
		return true
	}
	if !need(buildInfoHeader) {
		return nil, errNotGo
	}
	if data[15]&2 == 0 {
		return nil, errors.New("Go binary with pre-1.18 build information (not read)")
	}
	pos := buildInfoHeader
	str := func() (string, bool) {
		if !need(pos + 10) {
			need(pos + 1)
		}
		l, w := uvarint(data[pos:])
		if w <= 0 || l > maxModInfo {
			return "", false
		}
		pos += w
		if !need(pos + int(l)) {
			return "", false
		}
		s := string(data[pos : pos+int(l)])
		pos += int(l)
		return s, true
	}
	vers, ok := str()
	if !ok {
		return nil, errors.New("truncated Go build information")
	}
	mod, ok := str()
	if !ok {
		return nil, errors.New("truncated Go build information")
	}
	if len(mod) >= 33 && mod[len(mod)-17] == '\n' {
		mod = mod[16 : len(mod)-16]
	} else {
		mod = ""
	}
	bi, err := debug.ParseBuildInfo(mod)
	if err != nil {
		return nil, err
	}
	bi.GoVersion = vers
	return bi, nil
}

func uvarint(b []byte) (uint64, int) {
	var x uint64
	var s uint
	for i, c := range b {
		if i == 10 {
			return 0, -1
		}
		if c < 0x80 {
			return x | uint64(c)<<s, i + 1
		}
		x |= uint64(c&0x7f) << s
		s += 7
	}
	return 0, 0
}

// goPackages turns build information into packages: the main module, every dependency
// (replacements applied) and the standard library.
func goPackages(bi *debug.BuildInfo, path string) []inventory.Package {
	var out []inventory.Package
	add := func(m *debug.Module) {
		if m == nil || m.Path == "" {
			return
		}
		if m.Replace != nil {
			m = m.Replace
		}
		if m.Version == "" {
			return // a local replacement: no version to match
		}
		out = append(out, inventory.Package{Type: inventory.TypeGolang, Name: m.Path, Version: m.Version, Path: path,
			PURL: pkgdb.PURL(inventory.TypeGolang, "", m.Path, m.Version)})
	}
	add(&bi.Main)
	for _, d := range bi.Deps {
		add(d)
	}
	if f := strings.Fields(bi.GoVersion); len(f) > 0 && strings.TrimPrefix(f[0], "go") != "" {
		v := strings.TrimPrefix(f[0], "go")
		out = append(out, inventory.Package{Type: inventory.TypeGolang, Name: inventory.GoStdlib, Version: v, Path: path,
			PURL: pkgdb.PURL(inventory.TypeGolang, "", inventory.GoStdlib, v)})
	}
	return out
}
