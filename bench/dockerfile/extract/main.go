// Command extract copies the Dockerfiles inside Go module zips into a corpus directory,
// for bench/dockerfile/corpus.sh.
//
// Usage: extract CORPUS_DIR ZIP...
//
// A file is a Dockerfile under the rule eksguard's directory walker applies
// (manifest.IsDockerfileName); files over 1 MiB are left out. Each distinct content is
// written once, as <first 16 hex digits of its SHA-256>.Dockerfile. Prints, per zip, how
// many files were new to the corpus.
package main

import (
	"archive/zip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/eksguard/eksguard/pkg/source/manifest"
)

const maxFile = 1 << 20

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: extract CORPUS_DIR ZIP...")
		os.Exit(2)
	}
	out := os.Args[1]
	for _, zp := range os.Args[2:] {
		n, err := extract(zp, out)
		if err != nil {
			fmt.Fprintf(os.Stderr, "extract: %s: %v\n", zp, err)
			os.Exit(1)
		}
		fmt.Printf("%s %d\n", zp, n)
	}
}

func extract(zp, out string) (int, error) {
	z, err := zip.OpenReader(zp)
	if err != nil {
		return 0, err
	}
	defer z.Close()
	n := 0
	for _, f := range z.File {
		if f.FileInfo().IsDir() || f.UncompressedSize64 > maxFile || !manifest.IsDockerfileName(f.Name) {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			return n, fmt.Errorf("%s: %w", f.Name, err)
		}
		data, err := io.ReadAll(io.LimitReader(rc, maxFile+1))
		rc.Close()
		if err != nil {
			return n, fmt.Errorf("%s: %w", f.Name, err)
		}
		sum := sha256.Sum256(data)
		dest := filepath.Join(out, hex.EncodeToString(sum[:8])+".Dockerfile")
		if _, err := os.Stat(dest); err == nil {
			continue
		}
		if err := os.WriteFile(dest+".tmp", data, 0o644); err != nil {
			return n, err
		}
		if err := os.Rename(dest+".tmp", dest); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}
