package db

import (
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// DefaultBaseURL is OSV's public bucket of per-ecosystem archives.
const DefaultBaseURL = "https://osv-vulnerabilities.storage.googleapis.com"

// DefaultEcosystems are the ecosystems that matter to container images.
var DefaultEcosystems = []string{"Debian", "Ubuntu", "Alpine", "Red Hat", "Amazon Linux", "Go", "npm", "PyPI", "Maven"}

// MaxArchiveBytes bounds one downloaded archive.
const MaxArchiveBytes = 8 << 30

// UpdateOptions configure Update.
type UpdateOptions struct {
	BaseURL    string   // DefaultBaseURL when empty; a mirror for air-gapped sites
	Ecosystems []string // DefaultEcosystems when empty
	Client     *http.Client
	// Progress receives a progress bar (stderr); nil for none.
	Progress io.Writer
	// MaxBytes bounds each archive (MaxArchiveBytes when 0).
	MaxBytes int64
}

// UpdateResult says what an update did.
type UpdateResult struct {
	Info    Info
	Skipped []string // ecosystems the server does not publish (404), with why
	Reused  []string // archives unchanged since the last update (not downloaded again)
	Invalid int      // records skipped as invalid
	Errors  []string
}

// archiveState is kept beside each downloaded archive, to resume and to revalidate.
type archiveState struct {
	URL      string `json:"url"`
	ETag     string `json:"etag,omitempty"`
	Modified string `json:"lastModified,omitempty"`
	Size     int64  `json:"size"`
	SHA256   string `json:"sha256,omitempty"`
	Complete bool   `json:"complete"`
	Fetched  time.Time
}

func fileSafe(eco string) string {
	return strings.NewReplacer(" ", "_", "/", "_", ":", "_").Replace(eco)
}

// Update downloads each ecosystem's all.zip into dir/download (resuming an interrupted
// download with a Range request, checking size and, where the server sends one, the MD5
// checksum), then builds a new database from all of them and puts it in place of the old
// one in one rename. Any failure leaves the old database as it was; partial downloads are
// kept for the next run to resume.
func Update(ctx context.Context, dir string, opts UpdateOptions) (*UpdateResult, error) {
	base := strings.TrimRight(opts.BaseURL, "/")
	if base == "" {
		base = DefaultBaseURL
	}
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("base URL %q: want http(s)://host[/path]", opts.BaseURL)
	}
	ecos := opts.Ecosystems
	if len(ecos) == 0 {
		ecos = DefaultEcosystems
	}
	client := opts.Client
	if client == nil {
		// No overall timeout (archives are hundreds of MB on slow links; Ctrl-C cancels),
		// but bounded waits to connect and for the server to answer.
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.DialContext = (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext
		tr.TLSHandshakeTimeout = 30 * time.Second
		tr.ResponseHeaderTimeout = 60 * time.Second
		client = &http.Client{Transport: tr}
	}
	maxBytes := opts.MaxBytes
	if maxBytes == 0 {
		maxBytes = MaxArchiveBytes
	}
	dl := filepath.Join(dir, "download")
	if err := os.MkdirAll(dl, 0o755); err != nil {
		return nil, err
	}
	res := &UpdateResult{}
	type got struct {
		eco, path string
		st        archiveState
	}
	var archives []got
	for _, eco := range ecos {
		src := base + "/" + url.PathEscape(eco) + "/all.zip"
		path := filepath.Join(dl, fileSafe(eco)+".zip")
		st, reused, err := fetch(ctx, client, src, path, maxBytes, eco, opts.Progress)
		if errors.Is(err, errNotPublished) {
			res.Skipped = append(res.Skipped, fmt.Sprintf("%s: not published at %s", eco, src))
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w (the database was not changed)", eco, err)
		}
		if reused {
			res.Reused = append(res.Reused, eco)
		}
		archives = append(archives, got{eco, path, st})
	}
	if len(archives) == 0 {
		return nil, fmt.Errorf("no archive downloaded from %s (the database was not changed)", base)
	}
	w, err := Create(dir)
	if err != nil {
		return nil, err
	}
	for _, a := range archives {
		before, beforeInvalid := w.Added, w.Invalid
		if opts.Progress != nil {
			fmt.Fprintf(opts.Progress, "importing %s\n", a.eco)
		}
		err := WalkZip(a.path, func(name string, data []byte) error {
			if err := w.Add(name, data); err != nil && !isRecordError(err) {
				return err
			}
			return nil
		})
		if err != nil {
			w.Abort()
			// A downloaded archive that does not read is dropped, so the next update
			// downloads it again instead of failing on it forever.
			os.Remove(a.path)
			os.Remove(a.path + ".state")
			return nil, fmt.Errorf("%s: %w (the database was not changed)", a.eco, err)
		}
		w.AddSource(Source{Name: a.eco, Kind: "update", Location: a.st.URL, Records: w.Added - before,
			Invalid: w.Invalid - beforeInvalid, Time: a.st.Fetched, Size: a.st.Size, SHA256: a.st.SHA256,
			ETag: a.st.ETag, Modified: a.st.Modified})
	}
	res.Invalid, res.Errors = w.Invalid, w.Errors
	if err := w.Commit(); err != nil {
		return nil, err
	}
	res.Info = w.Info()
	return res, nil
}

var errNotPublished = errors.New("not published")

func readState(path string) (archiveState, bool) {
	var st archiveState
	data, err := os.ReadFile(path)
	if err != nil || json.Unmarshal(data, &st) != nil {
		return archiveState{}, false
	}
	return st, true
}

func writeState(path string, st archiveState) error {
	data, err := json.Marshal(st)
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// fetch downloads src to path. A complete earlier download is revalidated with
// If-None-Match; a partial one (path.part) is resumed with Range and If-Range.
func fetch(ctx context.Context, client *http.Client, src, path string, maxBytes int64, label string, progress io.Writer) (archiveState, bool, error) {
	part := path + ".part"
	prev, havePrev := readState(path + ".state")
	if havePrev && prev.URL != src {
		havePrev = false
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, src, nil)
	if err != nil {
		return archiveState{}, false, err
	}
	var offset int64
	partState, havePart := readState(part + ".state")
	if fi, err := os.Stat(part); err == nil && havePart && partState.URL == src && fi.Size() > 0 && partState.ETag != "" {
		offset = fi.Size()
		req.Header.Set("Range", "bytes="+strconv.FormatInt(offset, 10)+"-")
		req.Header.Set("If-Range", partState.ETag)
	} else if _, err := os.Stat(path); err == nil && havePrev && prev.Complete && prev.ETag != "" {
		req.Header.Set("If-None-Match", prev.ETag)
	}
	resp, err := client.Do(req)
	if err != nil {
		return archiveState{}, false, fmt.Errorf("download %s: %w", src, err)
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusNotModified:
		return prev, true, nil
	case http.StatusNotFound:
		return archiveState{}, false, errNotPublished
	case http.StatusOK:
		offset = 0
	case http.StatusPartialContent:
		start, _, _, err := contentRange(resp.Header.Get("Content-Range"))
		if err != nil || start != offset {
			return archiveState{}, false, fmt.Errorf("download %s: server answered the range request with %q", src, resp.Header.Get("Content-Range"))
		}
	default:
		return archiveState{}, false, fmt.Errorf("download %s: %s", src, resp.Status)
	}
	total := int64(-1)
	if resp.StatusCode == http.StatusPartialContent {
		_, _, total, _ = contentRange(resp.Header.Get("Content-Range"))
	} else if resp.ContentLength >= 0 {
		total = resp.ContentLength
	}
	if total > maxBytes {
		return archiveState{}, false, fmt.Errorf("download %s: %d bytes (limit %d)", src, total, maxBytes)
	}
	st := archiveState{URL: src, ETag: resp.Header.Get("ETag"), Modified: resp.Header.Get("Last-Modified"), Fetched: time.Now().UTC()}
	flags := os.O_CREATE | os.O_WRONLY | os.O_TRUNC
	if offset > 0 {
		flags = os.O_WRONLY | os.O_APPEND
	}
	f, err := os.OpenFile(part, flags, 0o644)
	if err != nil {
		return archiveState{}, false, err
	}
	if err := writeState(part+".state", st); err != nil {
		f.Close()
		return archiveState{}, false, err
	}
	bar := newBar(progress, label, offset, total)
	n, copyErr := io.Copy(io.MultiWriter(f, bar), io.LimitReader(resp.Body, maxBytes-offset+1))
	bar.done()
	if cerr := f.Close(); copyErr == nil {
		copyErr = cerr
	}
	size := offset + n
	if copyErr == nil && size > maxBytes {
		copyErr = fmt.Errorf("more than %d bytes", maxBytes)
		os.Remove(part)
	}
	if copyErr != nil {
		return archiveState{}, false, fmt.Errorf("download %s interrupted at %d of %d bytes: %v; run `eksguard db update` again to resume", src, size, total, copyErr)
	}
	if total >= 0 && size != total {
		return archiveState{}, false, fmt.Errorf("download %s: got %d bytes, want %d; run `eksguard db update` again to resume", src, size, total)
	}
	// Checksums of the whole file: SHA-256 recorded, MD5 checked when the server sends one
	// (Google Cloud Storage's x-goog-hash, or Content-MD5).
	wantMD5 := serverMD5(resp.Header)
	sum256, sumMD5, err := hashFile(part)
	if err != nil {
		return archiveState{}, false, err
	}
	if wantMD5 != "" && wantMD5 != sumMD5 {
		os.Remove(part)
		os.Remove(part + ".state")
		return archiveState{}, false, fmt.Errorf("download %s: MD5 %s does not match the server's %s (download discarded)", src, sumMD5, wantMD5)
	}
	st.Size, st.SHA256, st.Complete = size, sum256, true
	if err := os.Rename(part, path); err != nil {
		return archiveState{}, false, err
	}
	os.Remove(part + ".state")
	if err := writeState(path+".state", st); err != nil {
		return archiveState{}, false, err
	}
	return st, false, nil
}

func contentRange(h string) (start, end, total int64, err error) {
	// bytes START-END/TOTAL
	rest, ok := strings.CutPrefix(h, "bytes ")
	if !ok {
		return 0, 0, 0, fmt.Errorf("bad Content-Range %q", h)
	}
	rng, tot, ok := strings.Cut(rest, "/")
	s, e, ok2 := strings.Cut(rng, "-")
	if !ok || !ok2 {
		return 0, 0, 0, fmt.Errorf("bad Content-Range %q", h)
	}
	if start, err = strconv.ParseInt(s, 10, 64); err != nil {
		return
	}
	if end, err = strconv.ParseInt(e, 10, 64); err != nil {
		return
	}
	total = -1
	if tot != "*" {
		total, err = strconv.ParseInt(tot, 10, 64)
	}
	return
}

func serverMD5(h http.Header) string {
	for _, v := range h.Values("X-Goog-Hash") {
		for _, part := range strings.Split(v, ",") {
			if b64, ok := strings.CutPrefix(strings.TrimSpace(part), "md5="); ok {
				if raw, err := base64.StdEncoding.DecodeString(b64); err == nil {
					return hex.EncodeToString(raw)
				}
			}
		}
	}
	if v := h.Get("Content-MD5"); v != "" {
		if raw, err := base64.StdEncoding.DecodeString(v); err == nil {
			return hex.EncodeToString(raw)
		}
	}
	return ""
}

func hashFile(path string) (sha string, md string, err error) {
	f, err := os.Open(path)
	if err != nil {
		return "", "", err
	}
	defer f.Close()
	h1, h2 := sha256.New(), md5.New()
	if _, err := io.Copy(io.MultiWriter(h1, h2), f); err != nil {
		return "", "", err
	}
	return hex.EncodeToString(h1.Sum(nil)), hex.EncodeToString(h2.Sum(nil)), nil
}

// bar draws a progress bar on one line, at most every 200 ms.
type bar struct {
	w            io.Writer
	label        string
	done_, total int64
	last         time.Time
}

func newBar(w io.Writer, label string, start, total int64) *bar {
	return &bar{w: w, label: label, done_: start, total: total}
}

func (b *bar) Write(p []byte) (int, error) {
	b.done_ += int64(len(p))
	if b.w != nil && time.Since(b.last) > 200*time.Millisecond {
		b.last = time.Now()
		b.draw()
	}
	return len(p), nil
}

func (b *bar) draw() {
	mib := func(n int64) float64 { return float64(n) / (1 << 20) }
	if b.total > 0 {
		const width = 30
		frac := float64(b.done_) / float64(b.total)
		if frac > 1 {
			frac = 1
		}
		fill := int(frac * width)
		fmt.Fprintf(b.w, "\r%-14s [%s%s] %6.1f/%.1f MiB %3.0f%%", b.label, strings.Repeat("=", fill), strings.Repeat(" ", width-fill), mib(b.done_), mib(b.total), frac*100)
		return
	}
	fmt.Fprintf(b.w, "\r%-14s %6.1f MiB", b.label, mib(b.done_))
}

func (b *bar) done() {
	if b.w != nil {
		b.draw()
		fmt.Fprintln(b.w)
	}
}
