package db

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/md5"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/eksguard/eksguard/internal/testenv"
)

// zipDir packs the .json files of a directory (first n when n > 0) as OSV lays out
// <Ecosystem>/all.zip: one record per entry.
func zipDir(t *testing.T, dir string, n int) []byte {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no records in %s: %v", dir, err)
	}
	sort.Strings(files)
	if n > 0 && n < len(files) {
		files = files[:n]
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		w, err := zw.Create(filepath.Base(f))
		if err != nil {
			t.Fatal(err)
		}
		w.Write(data)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// osvServer serves archives like OSV's bucket: ETag, x-goog-hash MD5, Range requests.
type osvServer struct {
	mu        sync.Mutex
	archives  map[string][]byte // "/Go/all.zip" -> data
	badMD5    map[string]bool
	interrupt map[string]bool // send half, then drop the connection (once)
	ranges    []string        // Range headers seen
}

func (s *osvServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	data, ok := s.archives[r.URL.Path]
	bad, cut := s.badMD5[r.URL.Path], s.interrupt[r.URL.Path]
	if rg := r.Header.Get("Range"); rg != "" {
		s.ranges = append(s.ranges, r.URL.Path+" "+rg)
	}
	delete(s.interrupt, r.URL.Path)
	s.mu.Unlock()
	if !ok {
		http.NotFound(w, r)
		return
	}
	sum := md5.Sum(data)
	if bad {
		sum[0] ^= 0xff
	}
	w.Header().Set("ETag", fmt.Sprintf(`"%x"`, md5.Sum(data)))
	w.Header().Set("X-Goog-Hash", "crc32c=AAAAAA==,md5="+base64.StdEncoding.EncodeToString(sum[:]))
	if cut && r.Header.Get("Range") == "" {
		w.Header().Set("Content-Length", fmt.Sprint(len(data)))
		w.WriteHeader(http.StatusOK)
		w.Write(data[:len(data)/2])
		w.(http.Flusher).Flush()
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			conn.Close()
		}
		return
	}
	http.ServeContent(w, r, "all.zip", time.Unix(1700000000, 0), bytes.NewReader(data))
}

func (s *osvServer) set(path string, data []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.archives[path] = data
}

func recordsOf(t *testing.T, dir string) Info {
	t.Helper()
	d, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	return d.Info()
}

func TestUpdate(t *testing.T) {
	vulndb := filepath.Join(testenv.Path(t, "EKSGUARD_GO_VULNDB"), "data", "osv")
	goAll := zipDir(t, vulndb, 0)
	goFirst := zipDir(t, vulndb, 500)
	debian := zipDir(t, "../match/testdata/debian/osv", 0)
	nGo, _ := filepath.Glob(filepath.Join(vulndb, "*.json"))

	srv := &osvServer{archives: map[string][]byte{"/Go/all.zip": goFirst, "/Debian/all.zip": debian}, badMD5: map[string]bool{}, interrupt: map[string]bool{}}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	dir := t.TempDir()
	var progress bytes.Buffer
	opts := UpdateOptions{BaseURL: ts.URL, Ecosystems: []string{"Debian", "Amazon Linux", "Go"}, Progress: &progress}
	ctx := context.Background()

	// 1. A first update: two archives, one ecosystem the server does not publish.
	res, err := Update(ctx, dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	if res.Info.Records != 510 || res.Info.ByEcosystem["Debian"] != 10 || len(res.Skipped) != 1 || !strings.Contains(res.Skipped[0], "Amazon Linux") {
		t.Fatalf("first update: %+v skipped %v", res.Info, res.Skipped)
	}
	if !strings.Contains(progress.String(), "Go") || !strings.Contains(progress.String(), "100%") {
		t.Fatalf("no progress bar: %q", progress.String())
	}

	// 2. Nothing changed: both archives revalidated, not downloaded again.
	res, err = Update(ctx, dir, opts)
	if err != nil || len(res.Reused) != 2 {
		t.Fatalf("revalidation: %v %+v", err, res)
	}

	// 3. A new Go archive, and the connection drops half-way: the old database stays.
	srv.set("/Go/all.zip", goAll)
	srv.interrupt["/Go/all.zip"] = true
	if _, err := Update(ctx, dir, opts); err == nil || !strings.Contains(err.Error(), "interrupted") || !strings.Contains(err.Error(), "not changed") {
		t.Fatalf("interrupted update: %v", err)
	}
	if info := recordsOf(t, dir); info.Records != 510 {
		t.Fatalf("old database changed: %+v", info)
	}
	if fi, err := os.Stat(filepath.Join(dir, "download", "Go.zip.part")); err != nil || fi.Size() != int64(len(goAll)/2) {
		t.Fatalf("partial download not kept: %v", err)
	}

	// 4. The next update resumes with a Range request and completes.
	res, err = Update(ctx, dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(srv.ranges) != 1 || !strings.Contains(srv.ranges[0], fmt.Sprintf("bytes=%d-", len(goAll)/2)) {
		t.Fatalf("no resume: %v", srv.ranges)
	}
	if res.Info.Records != len(nGo)+10 {
		t.Fatalf("after resume: %d records, want %d", res.Info.Records, len(nGo)+10)
	}
	for _, s := range res.Info.Sources {
		if s.Kind != "update" || s.SHA256 == "" || s.Records == 0 {
			t.Fatalf("source %+v", s)
		}
	}

	// 5. A corrupt archive (right size and checksum, not a zip): refused, old database kept.
	garbage := bytes.Repeat([]byte("not a zip "), 1000)
	srv.set("/Debian/all.zip", garbage)
	if _, err := Update(ctx, dir, opts); err == nil || !strings.Contains(err.Error(), "Debian") || !strings.Contains(err.Error(), "zip") {
		t.Fatalf("corrupt archive: %v", err)
	}
	if info := recordsOf(t, dir); info.Records != len(nGo)+10 {
		t.Fatalf("old database changed: %+v", info)
	}
	// A truncated zip (the end of the archive cut off, sizes and checksums consistent).
	srv.set("/Debian/all.zip", debian[:len(debian)-40])
	if _, err := Update(ctx, dir, opts); err == nil || !strings.Contains(err.Error(), "Debian") {
		t.Fatalf("truncated archive: %v", err)
	}

	// 6. A checksum that does not match: the download is discarded.
	srv.set("/Debian/all.zip", debian)
	srv.badMD5["/Debian/all.zip"] = true
	if _, err := Update(ctx, dir, opts); err == nil || !strings.Contains(err.Error(), "MD5") {
		t.Fatalf("bad checksum: %v", err)
	}
	if info := recordsOf(t, dir); info.Records != len(nGo)+10 {
		t.Fatalf("old database changed: %+v", info)
	}
	if _, err := os.Stat(filepath.Join(dir, FileName+".new")); !os.IsNotExist(err) {
		t.Fatalf("temporary database left behind: %v", err)
	}

	// 7. A server that is down.
	ts.Close()
	if _, err := Update(ctx, dir, UpdateOptions{BaseURL: ts.URL, Ecosystems: []string{"Go"}, Client: &http.Client{Timeout: 2 * time.Second}}); err == nil {
		t.Fatal("update from a closed server succeeded")
	}
	if info := recordsOf(t, dir); info.Records != len(nGo)+10 {
		t.Fatalf("old database changed: %+v", info)
	}
}
