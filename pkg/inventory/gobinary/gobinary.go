// Package gobinary reads the packages of a Go binary from its build information: the Go
// toolchain version as the "stdlib" pseudo-package, the main module (version "(devel)" when
// built from a working tree without VCS information: listed in SBOMs, and reported as
// unparseable by the matcher if advisories name it), and every dependency module (replacements applied), each with the binary's GOARCH as Arch.
//
// It reads a stream once, without holding the binary in memory: the build-info header is
// found at a 16-byte aligned offset (where the Go linker puts the .go.buildinfo data in ELF,
// Mach-O and PE files) and the inline version and module strings that follow it (Go 1.18
// and later) are decoded with runtime/debug.ParseBuildInfo. Go 1.13 to 1.17 wrote pointers
// instead, to string headers that point back into the read-only data before the build-info
// header: for ELF binaries, the reader notes the candidate strings while it passes the
// read-only segment (see old.go) and resolves the pointers once it reaches them. Image analysis (which reads
// layer entries as streams) and `eksguard scan binary` share it.
package gobinary

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"

	"github.com/eksguard/eksguard/pkg/image/pkgdb"
	"github.com/eksguard/eksguard/pkg/inventory"
)

// MaxBinaryBytes bounds the files ReadBinaryFile reads (the Go toolchain's largest binaries
// are ~200 MB).
const MaxBinaryBytes = 2 << 30

// ErrNotGo is returned for a file that is not a Go binary or has no build information.
var ErrNotGo = errors.New("not a Go binary with build information")

// buildInfoMagic opens the build-info header (Go's debug/buildinfo format).
var buildInfoMagic = []byte("\xff Go buildinf:")

const (
	buildInfoAlign  = 16
	buildInfoHeader = 32
	maxModInfo      = 4 << 20
)

// chunk is how much of the stream is read at a time (a variable for the tests, which move
// the chunk boundaries across the strings the reader looks for).
var chunk = 1 << 20

// Binary is what a Go binary's build information says.
type Binary struct {
	Packages []inventory.Package
	// GOOS and GOARCH the binary was built for (from its build settings; empty when not
	// recorded).
	GOOS, GOARCH string
}

// ReadFile reads the packages of the Go binary at path.
func ReadFile(path string) ([]inventory.Package, error) {
	b, err := ReadBinaryFile(path)
	if err != nil {
		return nil, err
	}
	return b.Packages, nil
}

// ReadBinaryFile reads the Go binary at path.
func ReadBinaryFile(path string) (*Binary, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: not a regular file", path)
	}
	if st.Size() > MaxBinaryBytes {
		return nil, fmt.Errorf("%s: %d bytes (limit %d)", path, st.Size(), int64(MaxBinaryBytes))
	}
	return ReadBinary(io.LimitReader(f, MaxBinaryBytes), path, "")
}

// Read reads the packages of a Go binary from r (see ReadBinary).
func Read(r io.Reader, path, layer string) ([]inventory.Package, error) {
	b, err := ReadBinary(r, path, layer)
	if err != nil {
		return nil, err
	}
	return b.Packages, nil
}

// ReadBinary reads the packages of a Go binary from r; path and layer are recorded in each
// package (path is the binary's path inside the image or on disk). Errors name path when
// it is set; a file that is no Go executable gives an error wrapping ErrNotGo.
func ReadBinary(r io.Reader, path, layer string) (*Binary, error) {
	bi, err := buildInfo(r)
	if err != nil {
		if path == "" {
			return nil, err
		}
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return fromBuildInfo(bi, path, layer), nil
}

// executable tells whether head starts an ELF, Mach-O or PE file.
func executable(head []byte) bool {
	switch {
	case bytes.HasPrefix(head, []byte("\x7fELF")),
		bytes.HasPrefix(head, []byte("MZ")),
		bytes.HasPrefix(head, []byte("\xfe\xed\xfa\xce")), bytes.HasPrefix(head, []byte("\xce\xfa\xed\xfe")),
		bytes.HasPrefix(head, []byte("\xfe\xed\xfa\xcf")), bytes.HasPrefix(head, []byte("\xcf\xfa\xed\xfe")):
		return true
	}
	return false
}

// buildInfo finds and decodes the build information in a stream.
func buildInfo(r io.Reader) (*debug.BuildInfo, error) {
	var head [4]byte
	if _, err := io.ReadFull(r, head[:]); err != nil || !executable(head[:]) {
		return nil, ErrNotGo
	}
	buf := make([]byte, 0, chunk+buildInfoHeader)
	buf = append(buf, head[:]...)
	off := int64(0) // file offset of buf[0]
	var old *oldScan
	for {
		n, err := io.ReadFull(r, buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		eof := err != nil
		if off == 0 {
			old = newOldScan(buf)
		}
		if old != nil {
			var rerr error
			if buf, rerr = old.collect(buf, off, r, eof); rerr != nil {
				return nil, rerr
			}
		}
		for i := 0; ; {
			j := bytes.Index(buf[i:], buildInfoMagic)
			if j < 0 {
				break
			}
			at := i + j
			if (off+int64(at))%buildInfoAlign == 0 {
				if len(buf)-at < buildInfoHeader {
					more := make([]byte, buildInfoHeader)
					k, _ := io.ReadFull(r, more)
					buf = append(buf, more[:k]...)
				}
				if len(buf)-at < buildInfoHeader {
					return nil, ErrNotGo
				}
				if buf[at+15]&2 == 0 {
					return old.resolve(buf[at:], off+int64(at), r)
				}
				return readInline(buf[at:], r)
			}
			i = at + 1
		}
		if err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				return nil, ErrNotGo
			}
			return nil, err
		}
		// Keep a tail that could hold the start of the magic, or of a string the old-format
		// scan looks at.
		keep := tailKeep
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
		return nil, ErrNotGo
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
	return parseModInfo(mod, vers)
}

// parseModInfo parses the module string of a binary's build information, in either layout,
// as the build info of a binary built by Go version vers.
func parseModInfo(mod, vers string) (*debug.BuildInfo, error) {
	// The module string is framed by 16-byte sentinels, the last one after a newline.
	if len(mod) >= 33 && mod[len(mod)-17] == '\n' {
		mod = mod[16 : len(mod)-16]
	} else {
		mod = ""
	}
	bi, err := debug.ParseBuildInfo(mod)
	if err != nil {
		return nil, fmt.Errorf("Go build information: %w", err)
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

// fromBuildInfo turns build information into packages: the standard library, the main
// module, and every dependency (replacements applied).
func fromBuildInfo(bi *debug.BuildInfo, path, layer string) *Binary {
	b := &Binary{}
	for _, s := range bi.Settings {
		switch s.Key {
		case "GOOS":
			b.GOOS = s.Value
		case "GOARCH":
			b.GOARCH = s.Value
		}
	}
	mk := func(name, version string) inventory.Package {
		return inventory.Package{Type: inventory.TypeGolang, Name: name, Version: version, Path: path, Layer: layer, Arch: b.GOARCH,
			PURL: pkgdb.PURL(inventory.TypeGolang, "", name, version)}
	}
	if f := strings.Fields(bi.GoVersion); len(f) > 0 {
		if gv := strings.TrimPrefix(f[0], "go"); gv != "" {
			b.Packages = append(b.Packages, mk(inventory.GoStdlib, gv))
		}
	}
	if bi.Main.Path != "" && bi.Main.Version != "" {
		b.Packages = append(b.Packages, mk(bi.Main.Path, bi.Main.Version))
	}
	for _, d := range bi.Deps {
		if d == nil {
			continue
		}
		if d.Replace != nil {
			d = d.Replace
		}
		if d.Path == "" || d.Version == "" {
			continue // a replacement by a local directory has no version to match
		}
		b.Packages = append(b.Packages, mk(d.Path, d.Version))
	}
	return b
}
