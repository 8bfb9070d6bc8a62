// Command extract copies the Dockerfiles inside Go module zips, npm package tarballs (.tgz)
// and uncompressed tar streams (Debian source tarballs, decompressed by the caller) into a
// corpus directory, for bench/dockerfile/corpus.sh.
//
// Usage: extract CORPUS_DIR ZIP_OR_TGZ_OR_-...   ("-": an uncompressed tar on standard input)
//
// A file is a Dockerfile under the rule eksguard's directory walker applies
// (manifest.IsDockerfileName); files over 1 MiB are left out. Each distinct content is
// written once, as <first 16 hex digits of its SHA-256>.Dockerfile. Prints, per zip, how
// many files were new to the corpus.
package main

import (
	"archive/tar"
	"archive/zip"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

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
		extractFn := extract
		switch {
		case zp == "-":
			extractFn = func(_, out string) (int, error) { return extractTar(os.Stdin, out) }
		case strings.HasSuffix(zp, ".tgz") || strings.HasSuffix(zp, ".tar.gz"):
			extractFn = extractTgz
		}
		n, err := extractFn(zp, out)
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
		added, err := store(out, data)
		if err != nil {
			return n, err
		}
		n += added
	}
	return n, nil
}

// extractTgz is extract for a gzipped tar, as npm packs a package.
func extractTgz(tp, out string) (int, error) {
	f, err := os.Open(tp)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		return 0, err
	}
	return extractTar(gz, out)
}

// extractTar is extract for an uncompressed tar stream.
func extractTar(r io.Reader, out string) (int, error) {
	tr := tar.NewReader(r)
	n := 0
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
		if h.Typeflag != tar.TypeReg || h.Size > maxFile || !manifest.IsDockerfileName(h.Name) {
			continue
		}
		data, err := io.ReadAll(io.LimitReader(tr, maxFile+1))
		if err != nil {
			return n, fmt.Errorf("%s: %w", h.Name, err)
		}
		added, err := store(out, data)
		if err != nil {
			return n, err
		}
		n += added
	}
}

// store writes data into the corpus under its content hash; it returns 1 when the content
// was new, 0 when the corpus already held it.
func store(out string, data []byte) (int, error) {
	sum := sha256.Sum256(data)
	dest := filepath.Join(out, hex.EncodeToString(sum[:8])+".Dockerfile")
	if _, err := os.Stat(dest); err == nil {
		return 0, nil
	}
	if err := os.WriteFile(dest+".tmp", data, 0o644); err != nil {
		return 0, err
	}
	if err := os.Rename(dest+".tmp", dest); err != nil {
		return 0, err
	}
	return 1, nil
}
