// Package gobinary reads the packages of a Go binary from its build information
// (debug/buildinfo): the Go toolchain version as the "stdlib" pseudo-package, the main
// module when it has a version, and every dependency module (replacements applied).
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

// ReadFile reads the packages of the Go binary at path.
func ReadFile(path string) ([]inventory.Package, error) {
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
	return Read(f, path, "")
}

// Read reads the packages of a Go binary from r; path and layer are recorded in each
// package (path is the binary's path inside the image or on disk).
func Read(r io.ReaderAt, path, layer string) (pkgs []inventory.Package, err error) {
	defer func() {
		if rec := recover(); rec != nil { // debug/* parsers on hostile input
			pkgs, err = nil, fmt.Errorf("%s: %w (%v)", path, ErrNotGo, rec)
		}
	}()
	bi, err := buildinfo.Read(r)
	if err != nil {
		return nil, fmt.Errorf("%s: %w: %v", path, ErrNotGo, err)
	}
	mk := func(name, version string) inventory.Package {
		p := inventory.Package{Type: inventory.TypeGolang, Name: name, Version: version, Path: path, Layer: layer}
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
	return pkgs, nil
}
