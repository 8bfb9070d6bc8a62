// Package gobinary reads the packages of a Go binary from its build information
// (debug/buildinfo): the Go toolchain version as the "stdlib" pseudo-package, the main
// module when it has a version, and every dependency module (replacements applied), each
// with the binary's GOARCH as Arch.
// Image analysis and `eksguard scan binary` share it.
package gobinary

import (
	"debug/buildinfo"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/eksguard/eksguard/pkg/inventory"
)

// MaxBinaryBytes bounds the files read (the Go toolchain's largest binaries are ~200 MB).
const MaxBinaryBytes = 2 << 30

// ErrNotGo is returned for a file that is not a Go binary or has no build information.
var ErrNotGo = errors.New("not a Go binary with build information")

// Binary is what a Go binary's build information says.
type Binary struct {
	Packages []inventory.Package
	// GOOS and GOARCH the binary was built for (from its build settings; empty when not
	// recorded, as in binaries of Go before 1.18).
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
	return ReadBinary(f, path, "")
}

// Read reads the packages of a Go binary from r (see ReadBinary).
func Read(r io.ReaderAt, path, layer string) ([]inventory.Package, error) {
	b, err := ReadBinary(r, path, layer)
	if err != nil {
		return nil, err
	}
	return b.Packages, nil
}

// ReadBinary reads the packages of a Go binary from r; path and layer are recorded in each
// package (path is the binary's path inside the image or on disk).
// Each package's Arch is the binary's GOARCH.
func ReadBinary(r io.ReaderAt, path, layer string) (b *Binary, err error) {
	defer func() {
		if rec := recover(); rec != nil { // debug/* parsers on hostile input
			b, err = nil, fmt.Errorf("%s: %w (%v)", path, ErrNotGo, rec)
		}
	}()
	bi, err := buildinfo.Read(r)
	if err != nil {
		return nil, fmt.Errorf("%s: %w: %v", path, ErrNotGo, err)
	}
	b = &Binary{}
	for _, s := range bi.Settings {
		switch s.Key {
		case "GOOS":
			b.GOOS = s.Value
		case "GOARCH":
			b.GOARCH = s.Value
		}
	}
	var pkgs []inventory.Package
	mk := func(name, version string) inventory.Package {
		p := inventory.Package{Type: inventory.TypeGolang, Name: name, Version: version, Path: path, Layer: layer, Arch: b.GOARCH}
		p.PURL = "pkg:golang/" + name + "@" + version
		return p
	}
	if gv := strings.TrimPrefix(bi.GoVersion, "go"); gv != "" {
		p := mk(inventory.GoStdlib, gv)
		p.PURL = "pkg:golang/stdlib@" + gv
		pkgs = append(pkgs, p)
	}
	if bi.Main.Path != "" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		pkgs = append(pkgs, mk(bi.Main.Path, bi.Main.Version))
	}
	for _, d := range bi.Deps {
		if d.Replace != nil {
			d = d.Replace
		}
		if d.Path == "" || d.Version == "" {
			continue // a replacement by a local directory has no version to match
		}
		pkgs = append(pkgs, mk(d.Path, d.Version))
	}
	b.Packages = pkgs
	return b, nil
}
