package db

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/eksguard/eksguard/pkg/bounded"
	"github.com/eksguard/eksguard/pkg/vuln/osv"
)

// Limits on what an import reads.
const (
	MaxZipEntries      = 4 << 20  // OSV's largest per-ecosystem archive holds a few hundred thousand
	MaxZipUncompressed = 16 << 30 // in all, per archive
	MaxDirFiles        = 4 << 20
)

// RecordFunc receives one raw record and the name of where it came from
// (file, or archive!entry).
type RecordFunc func(name string, data []byte) error

// Walk reads every OSV record under path: a .json file, a directory of them (recursively),
// or a .zip archive in the layout OSV publishes (records at any depth). Records over
// osv.MaxRecordBytes, archives over their limits, and unreadable archives are errors naming
// the input; fn decides what to do with each record.
func Walk(path string, fn RecordFunc) error {
	st, err := os.Stat(path)
	if err != nil {
		return err
	}
	if st.IsDir() {
		return walkDir(path, fn)
	}
	if !st.Mode().IsRegular() {
		return fmt.Errorf("%s: not a regular file, directory or zip archive", path)
	}
	if isZip(path) {
		return WalkZip(path, fn)
	}
	data, err := readBounded(path)
	if err != nil {
		return err
	}
	return fn(path, data)
}

func isZip(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return strings.HasSuffix(path, ".zip")
	}
	defer f.Close()
	var magic [4]byte
	if _, err := io.ReadFull(f, magic[:]); err != nil {
		return strings.HasSuffix(path, ".zip")
	}
	return bytes.Equal(magic[:], []byte("PK\x03\x04")) || bytes.Equal(magic[:], []byte("PK\x05\x06")) || strings.HasSuffix(path, ".zip")
}

func readBounded(path string) ([]byte, error) {
	data, err := bounded.ReadFile(path, osv.MaxRecordBytes)
	var tl *bounded.TooLargeError
	if errors.As(err, &tl) {
		return nil, fmt.Errorf("%s: %w (limit %d bytes)", path, osv.ErrTooLarge, osv.MaxRecordBytes)
	}
	return data, err
}

func walkDir(root string, fn RecordFunc) error {
	var files []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() && (strings.HasSuffix(p, ".json") || strings.HasSuffix(p, ".zip")) {
			files = append(files, p)
			if len(files) > MaxDirFiles {
				return fmt.Errorf("%s: more than %d files", root, MaxDirFiles)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	sort.Strings(files)
	for _, p := range files {
		if strings.HasSuffix(p, ".zip") {
			if err := WalkZip(p, fn); err != nil {
				return err
			}
			continue
		}
		data, err := readBounded(p)
		if err != nil {
			if errors.Is(err, osv.ErrTooLarge) {
				if ferr := fn(p, nil); ferr != nil {
					return ferr
				}
				continue
			}
			return err
		}
		if err := fn(p, data); err != nil {
			return err
		}
	}
	return nil
}

// WalkZip reads every .json entry of a zip archive. An archive that does not open, or an
// entry whose data fails its checksum or exceeds its declared size, is an error naming the
// archive and entry: a corrupt archive is never half-imported silently.
func WalkZip(path string, fn RecordFunc) error {
	zr, err := zip.OpenReader(path)
	if err != nil {
		return fmt.Errorf("%s: not a readable zip archive: %w", path, err)
	}
	defer zr.Close()
	if len(zr.File) > MaxZipEntries {
		return fmt.Errorf("%s: %d entries (limit %d)", path, len(zr.File), MaxZipEntries)
	}
	var total uint64
	buf := make([]byte, 0, 64<<10)
	for _, zf := range zr.File {
		if !strings.HasSuffix(zf.Name, ".json") || zf.FileInfo().IsDir() {
			continue
		}
		name := path + "!" + zf.Name
		if zf.UncompressedSize64 > osv.MaxRecordBytes {
			if err := fn(name, nil); err != nil {
				return err
			}
			continue
		}
		total += zf.UncompressedSize64
		if total > MaxZipUncompressed {
			return fmt.Errorf("%s: more than %d bytes uncompressed", path, uint64(MaxZipUncompressed))
		}
		rc, err := zf.Open()
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		b := bytes.NewBuffer(buf[:0])
		// The declared size bounds the read; archive/zip reports a size or CRC mismatch.
		_, err = io.Copy(b, io.LimitReader(rc, osv.MaxRecordBytes+1))
		rc.Close()
		if err != nil {
			return fmt.Errorf("%s: corrupt entry: %w", name, err)
		}
		if b.Len() > osv.MaxRecordBytes {
			return fmt.Errorf("%s: entry larger than declared", name)
		}
		buf = b.Bytes()
		if err := fn(name, buf); err != nil {
			return err
		}
	}
	return nil
}
