package respond

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"
)

// Bundle file names and format.
const (
	ManifestFile       = "manifest.json"
	ManifestHashFile   = "manifest.sha256"
	ManifestFormat     = "eksguard-evidence/v1"
	MaxManifestBytes   = 16 << 20
	MaxBundleFiles     = 100_000
	MaxBundleBytes     = 8 << 30 // all files of a bundle together, as read by verify
	maxEvidencePathLen = 512
)

// Manifest lists every file of an evidence bundle with its SHA-256, and says when, by whom
// and with which eksguard version it was captured.
type Manifest struct {
	Format   string    `json:"format"`
	Incident string    `json:"incident"`
	Tool     string    `json:"tool"`
	Version  string    `json:"version"`
	Actor    string    `json:"actor,omitempty"`
	Reason   string    `json:"reason,omitempty"`
	Cluster  string    `json:"cluster,omitempty"`
	Created  time.Time `json:"created"`
	Files    []File    `json:"files"`
	// Notes say what could not be captured and why (logs of a container that never ran,
	// a kind RBAC forbids reading).
	Notes []string `json:"notes,omitempty"`
}

// File is one captured item.
type File struct {
	Path   string `json:"path"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// IsTarGz reports whether an evidence path names a .tar.gz (or .tgz) file rather than a
// directory.
func IsTarGz(p string) bool {
	return strings.HasSuffix(p, ".tar.gz") || strings.HasSuffix(p, ".tgz")
}

// bundle writes an evidence bundle: a directory or a .tar.gz file. It never overwrites: the
// directory must not exist or be empty, the file must not exist. Safe for concurrent Add.
type bundle struct {
	path  string
	mu    sync.Mutex
	f     *os.File
	gz    *gzip.Writer
	tw    *tar.Writer
	files []File
	seen  map[string]bool
	now   time.Time
}

func createBundle(p string, now time.Time) (*bundle, error) {
	b := &bundle{path: p, seen: map[string]bool{}, now: now}
	if IsTarGz(p) {
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			return nil, fmt.Errorf("evidence bundle %s: %w", p, err)
		}
		f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return nil, fmt.Errorf("evidence bundle %s: %w", p, err)
		}
		b.f = f
		b.gz = gzip.NewWriter(f)
		b.tw = tar.NewWriter(b.gz)
		return b, nil
	}
	if ents, err := os.ReadDir(p); err == nil && len(ents) > 0 {
		return nil, fmt.Errorf("evidence bundle %s: directory exists and is not empty", p)
	}
	if err := os.MkdirAll(p, 0o700); err != nil {
		return nil, fmt.Errorf("evidence bundle %s: %w", p, err)
	}
	return b, nil
}

// add stores one item under name (a slash-separated relative path).
func (b *bundle) add(name string, data []byte) error {
	if err := checkEvidencePath(name); err != nil {
		return err
	}
	sum := sha256.Sum256(data)
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.seen[name] {
		return fmt.Errorf("evidence bundle: %s captured twice", name)
	}
	if err := b.write(name, data); err != nil {
		return fmt.Errorf("evidence bundle %s: writing %s: %w", b.path, name, err)
	}
	b.seen[name] = true
	b.files = append(b.files, File{Path: name, Size: int64(len(data)), SHA256: hex.EncodeToString(sum[:])})
	return nil
}

func (b *bundle) write(name string, data []byte) error {
	if b.tw != nil {
		hdr := &tar.Header{Name: name, Mode: 0o600, Size: int64(len(data)), ModTime: b.now, Typeflag: tar.TypeReg, Format: tar.FormatPAX}
		if err := b.tw.WriteHeader(hdr); err != nil {
			return err
		}
		_, err := b.tw.Write(data)
		return err
	}
	full := filepath.Join(b.path, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(full), 0o700); err != nil {
		return err
	}
	return os.WriteFile(full, data, 0o600)
}

// close writes the manifest (files sorted by path) and its hash, and returns the hash.
func (b *bundle) close(m Manifest) (string, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	m.Format = ManifestFormat
	m.Files = append([]File(nil), b.files...)
	sort.Slice(m.Files, func(i, j int) bool { return m.Files[i].Path < m.Files[j].Path })
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return "", err
	}
	data = append(data, '\n')
	sum := sha256.Sum256(data)
	hash := hex.EncodeToString(sum[:])
	werr := b.write(ManifestFile, data)
	if werr == nil {
		werr = b.write(ManifestHashFile, []byte(hash+"  "+ManifestFile+"\n"))
	}
	if b.tw != nil {
		werr = errors.Join(werr, b.tw.Close(), b.gz.Close(), b.f.Sync(), b.f.Close())
	}
	if werr != nil {
		return "", fmt.Errorf("evidence bundle %s: %w", b.path, werr)
	}
	return hash, nil
}

// abort closes a tar bundle without a manifest (verify then fails on it, as it should).
func (b *bundle) abort() {
	if b.tw != nil {
		_ = b.tw.Close()
		_ = b.gz.Close()
		_ = b.f.Close()
	}
}

// checkEvidencePath accepts a clean, relative, slash-separated path of printable ASCII
// that is not one of the manifest's own files.
func checkEvidencePath(p string) error {
	if p == "" || len(p) > maxEvidencePathLen {
		return fmt.Errorf("evidence path %.80q: empty or longer than %d bytes", p, maxEvidencePathLen)
	}
	for _, c := range p {
		if c < 0x21 || c > 0x7e || c == '\\' {
			return fmt.Errorf("evidence path %q: character %q is not allowed", p, c)
		}
	}
	if path.Clean(p) != p || strings.HasPrefix(p, "/") || p == "." || p == ".." || strings.HasPrefix(p, "../") {
		return fmt.Errorf("evidence path %q is not a clean relative path", p)
	}
	if p == ManifestFile || p == ManifestHashFile {
		return fmt.Errorf("evidence path %q is reserved for the manifest", p)
	}
	return nil
}

// ParseManifest reads and checks a manifest: the format, every path (clean, relative,
// unique), sizes and hashes; unknown fields are errors.
func ParseManifest(data []byte) (*Manifest, error) {
	if len(data) > MaxManifestBytes {
		return nil, fmt.Errorf("manifest: %d bytes, over the %d-byte limit", len(data), MaxManifestBytes)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var m Manifest
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("manifest: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("manifest: data after the JSON object")
	}
	if m.Format != ManifestFormat {
		return nil, fmt.Errorf("manifest: format %.40q, want %q", m.Format, ManifestFormat)
	}
	if len(m.Files) > MaxBundleFiles {
		return nil, fmt.Errorf("manifest: %d files, over the limit of %d", len(m.Files), MaxBundleFiles)
	}
	seen := make(map[string]bool, len(m.Files))
	for i, f := range m.Files {
		if err := checkEvidencePath(f.Path); err != nil {
			return nil, fmt.Errorf("manifest: file %d: %w", i+1, err)
		}
		if seen[f.Path] {
			return nil, fmt.Errorf("manifest: %s listed twice", f.Path)
		}
		seen[f.Path] = true
		if f.Size < 0 {
			return nil, fmt.Errorf("manifest: %s: negative size", f.Path)
		}
		if b, err := hex.DecodeString(f.SHA256); err != nil || len(b) != sha256.Size || strings.ToLower(f.SHA256) != f.SHA256 {
			return nil, fmt.Errorf("manifest: %s: sha256 %.80q is not 64 lower-case hex digits", f.Path, f.SHA256)
		}
	}
	return &m, nil
}

// Verification is what verify found.
type Verification struct {
	Manifest *Manifest
	// ManifestSHA256 is the hash of the manifest as found.
	ManifestSHA256 string
	// Problems lists every mismatch: a missing, changed, resized or unlisted file, a
	// manifest that does not match its hash.
	Problems []string
}

// OK reports whether the bundle verified.
func (v *Verification) OK() bool { return len(v.Problems) == 0 }

// Verify checks an evidence bundle (a directory or a .tar.gz file): the manifest matches
// manifest.sha256, every listed file is present with its size and SHA-256, and nothing else
// is there. The error is for a bundle that cannot be read at all; mismatches are Problems.
func Verify(p string) (*Verification, error) {
	st, err := os.Stat(p)
	if err != nil {
		return nil, fmt.Errorf("evidence bundle %s: %w", p, err)
	}
	var found map[string]File
	var manifest, hashFile []byte
	if st.IsDir() {
		found, manifest, hashFile, err = readDir(p)
	} else {
		var f *os.File
		if f, err = os.Open(p); err != nil {
			return nil, fmt.Errorf("evidence bundle %s: %w", p, err)
		}
		defer f.Close()
		found, manifest, hashFile, err = readTarGz(f)
	}
	if err != nil {
		return nil, fmt.Errorf("evidence bundle %s: %w", p, err)
	}
	return check(found, manifest, hashFile)
}

// VerifyTarGz is Verify for a .tar.gz stream.
func VerifyTarGz(r io.Reader) (*Verification, error) {
	found, manifest, hashFile, err := readTarGz(r)
	if err != nil {
		return nil, err
	}
	return check(found, manifest, hashFile)
}

func check(found map[string]File, manifest, hashFile []byte) (*Verification, error) {
	if manifest == nil {
		return nil, fmt.Errorf("no %s: not an evidence bundle, or capture did not finish", ManifestFile)
	}
	sum := sha256.Sum256(manifest)
	v := &Verification{ManifestSHA256: hex.EncodeToString(sum[:])}
	if hashFile == nil {
		v.Problems = append(v.Problems, ManifestHashFile+" is missing")
	} else if want, _, _ := strings.Cut(strings.TrimSpace(string(hashFile)), " "); want != v.ManifestSHA256 {
		v.Problems = append(v.Problems, fmt.Sprintf("%s does not match %s: recorded %.64s, found %s", ManifestFile, ManifestHashFile, want, v.ManifestSHA256))
	}
	m, err := ParseManifest(manifest)
	if err != nil {
		v.Problems = append(v.Problems, err.Error())
		return v, nil
	}
	v.Manifest = m
	for _, f := range m.Files {
		got, ok := found[f.Path]
		switch {
		case !ok:
			v.Problems = append(v.Problems, f.Path+": missing")
		case got.Size != f.Size:
			v.Problems = append(v.Problems, fmt.Sprintf("%s: size %d, manifest says %d", f.Path, got.Size, f.Size))
		case got.SHA256 != f.SHA256:
			v.Problems = append(v.Problems, fmt.Sprintf("%s: sha256 %s, manifest says %s", f.Path, got.SHA256, f.SHA256))
		}
		delete(found, f.Path)
	}
	extra := make([]string, 0, len(found))
	for p := range found {
		extra = append(extra, p)
	}
	sort.Strings(extra)
	for _, p := range extra {
		v.Problems = append(v.Problems, p+": not in the manifest")
	}
	return v, nil
}

// hashReader hashes r, reading at most limit bytes.
func hashReader(r io.Reader, limit int64) (File, error) {
	h := sha256.New()
	n, err := io.Copy(h, io.LimitReader(r, limit+1))
	if err != nil {
		return File{}, err
	}
	if n > limit {
		return File{}, fmt.Errorf("over the %d-byte limit of a bundle", int64(MaxBundleBytes))
	}
	return File{Size: n, SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}

// readSmall reads the manifest or its hash file, bounded.
func readSmall(r io.Reader, name string) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxManifestBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxManifestBytes {
		return nil, fmt.Errorf("%s is over %d bytes", name, MaxManifestBytes)
	}
	return data, nil
}

type budget struct {
	files int
	bytes int64
}

func (b *budget) take(name string, size int64) error {
	b.files++
	b.bytes += size
	if b.files > MaxBundleFiles+2 {
		return fmt.Errorf("more than %d files", MaxBundleFiles)
	}
	if b.bytes > MaxBundleBytes {
		return fmt.Errorf("%s: the bundle's files are over %d bytes together", name, int64(MaxBundleBytes))
	}
	return nil
}

func readTarGz(r io.Reader) (map[string]File, []byte, []byte, error) {
	gz, err := gzip.NewReader(r)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("not a gzip file: %w", err)
	}
	defer gz.Close()
	tr := tar.NewReader(gz)
	found := map[string]File{}
	var manifest, hashFile []byte
	var b budget
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, nil, nil, fmt.Errorf("reading the archive: %w", err)
		}
		switch hdr.Typeflag {
		case tar.TypeDir:
			continue
		case tar.TypeReg:
		default:
			return nil, nil, nil, fmt.Errorf("%.80q: entry type %q; a bundle holds regular files only", hdr.Name, hdr.Typeflag)
		}
		name := strings.TrimPrefix(hdr.Name, "./")
		if err := b.take(name, max(hdr.Size, 0)); err != nil {
			return nil, nil, nil, err
		}
		if _, dup := found[name]; dup || (name == ManifestFile && manifest != nil) || (name == ManifestHashFile && hashFile != nil) {
			return nil, nil, nil, fmt.Errorf("%.80q appears twice in the archive", name)
		}
		switch name {
		case ManifestFile:
			if manifest, err = readSmall(tr, name); err != nil {
				return nil, nil, nil, err
			}
		case ManifestHashFile:
			if hashFile, err = readSmall(tr, name); err != nil {
				return nil, nil, nil, err
			}
		default:
			if err := checkEvidencePath(name); err != nil {
				return nil, nil, nil, err
			}
			f, err := hashReader(tr, MaxBundleBytes)
			if err != nil {
				return nil, nil, nil, fmt.Errorf("%s: %w", name, err)
			}
			found[name] = f
		}
	}
	// Read the gzip trailer, so a truncated or corrupted stream is an error.
	if _, err := io.Copy(io.Discard, io.LimitReader(gz, 1<<20)); err != nil {
		return nil, nil, nil, fmt.Errorf("reading the archive: %w", err)
	}
	return found, manifest, hashFile, nil
}

func readDir(root string) (map[string]File, []byte, []byte, error) {
	found := map[string]File{}
	var manifest, hashFile []byte
	var b budget
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		name := filepath.ToSlash(rel)
		if !d.Type().IsRegular() {
			return fmt.Errorf("%s is not a regular file; a bundle holds regular files only", name)
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		if err := b.take(name, info.Size()); err != nil {
			return err
		}
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		switch name {
		case ManifestFile:
			manifest, err = readSmall(f, name)
			return err
		case ManifestHashFile:
			hashFile, err = readSmall(f, name)
			return err
		}
		if err := checkEvidencePath(name); err != nil {
			return err
		}
		h, err := hashReader(f, MaxBundleBytes)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		found[name] = h
		return nil
	})
	return found, manifest, hashFile, err
}
