package input

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

type got struct {
	recs []string
	bad  []string
}

func split(t *testing.T, data []byte, max int) got {
	t.Helper()
	var g got
	err := Split(bytes.NewReader(data), max, func(rec []byte, line int) error {
		g.recs = append(g.recs, string(rec)+"@"+itoa(line))
		return nil
	}, func(e *RecordError) { g.bad = append(g.bad, e.Error()) })
	if err != nil {
		g.bad = append(g.bad, "fatal: "+err.Error())
	}
	return g
}

func itoa(n int) string { return strings.TrimSpace(strings.Repeat(" ", 0) + string(rune('0'+n%10))) }

func TestSplitLines(t *testing.T) {
	in := "{\"a\":1}\n\n  {\"b\":2}  \r\n" + `{"c":"` + strings.Repeat("x", 100) + "\"}\n{\"d\":4}"
	g := split(t, []byte(in), 64)
	if want := []string{`{"a":1}@1`, `{"b":2}@3`, `{"d":4}@5`}; !reflect.DeepEqual(g.recs, want) {
		t.Errorf("records %q, want %q", g.recs, want)
	}
	if len(g.bad) != 1 || !strings.Contains(g.bad[0], "line 4: record longer than 64 bytes") {
		t.Errorf("bad %q", g.bad)
	}
}

func TestSplitCloudTrailFile(t *testing.T) {
	in := "{\n  \"Records\": [\n    {\"eventName\":\"A\",\"s\":\"]},{\\\"\"},\n    {\"eventName\":\"B\",\"n\":[1,{\"x\":2}]}\n  ],\n  \"extra\": {\"k\": [1]}\n}\n{\"eventName\":\"C\"}\n"
	g := split(t, []byte(in), 1024)
	want := []string{`{"eventName":"A","s":"]},{\""}@1`, `{"eventName":"B","n":[1,{"x":2}]}@2`, `{"eventName":"C"}@8`}
	if !reflect.DeepEqual(g.recs, want) || len(g.bad) != 0 {
		t.Errorf("records %q bad %q, want %q", g.recs, g.bad, want)
	}
	// An oversized record is skipped and the others still come through.
	big := `{"Records":[{"eventName":"` + strings.Repeat("y", 200) + `"},{"eventName":"Z"}]}`
	g = split(t, []byte(big), 64)
	if !reflect.DeepEqual(g.recs, []string{`{"eventName":"Z"}@2`}) || len(g.bad) != 1 {
		t.Errorf("records %q bad %q", g.recs, g.bad)
	}
	// A truncated file is an error naming where it stopped, after the complete records.
	g = split(t, []byte(`{"Records":[{"eventName":"A"},{"eventName":"B"`), 64)
	if !reflect.DeepEqual(g.recs, []string{`{"eventName":"A"}@1`}) || len(g.bad) != 1 || !strings.Contains(g.bad[0], "record 2") {
		t.Errorf("records %q bad %q", g.recs, g.bad)
	}
}

func TestSplitGzip(t *testing.T) {
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	zw.Write([]byte("{\"a\":1}\n{\"b\":2}\n"))
	zw.Close()
	g := split(t, b.Bytes(), 64)
	if len(g.recs) != 2 || len(g.bad) != 0 {
		t.Errorf("records %q bad %q", g.recs, g.bad)
	}
	g = split(t, b.Bytes()[:12], 64)
	if len(g.bad) == 0 {
		t.Error("truncated gzip gave no error")
	}
}

func TestFilesAndFollow(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "sub"), 0o755)
	os.WriteFile(filepath.Join(dir, "b.log"), nil, 0o644)
	os.WriteFile(filepath.Join(dir, "sub", "a.json.gz"), nil, 0o644)
	os.Symlink("/etc", filepath.Join(dir, "link"))
	files, errs := Files([]string{dir, "-", filepath.Join(dir, "missing")})
	want := []string{filepath.Join(dir, "b.log"), filepath.Join(dir, "sub", "a.json.gz"), "-"}
	if !reflect.DeepEqual(files, want) || len(errs) != 1 {
		t.Errorf("files %q errs %v", files, errs)
	}

	path := filepath.Join(dir, "grow.log")
	os.WriteFile(path, []byte("{\"n\":1}\n{\"n\":"), 0o644)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	rd, err := Follow(ctx, path, 10*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	recs := make(chan string, 10)
	go func() {
		Split(rd, 64, func(rec []byte, _ int) error { recs <- string(rec); return nil }, func(*RecordError) {})
		close(recs)
	}()
	if r := <-recs; r != `{"n":1}` {
		t.Fatalf("first record %q", r)
	}
	f, _ := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	f.Write([]byte("2}\n"))
	f.Close()
	// Follow polls until the line appears; go test's -timeout bounds a follower that never sees it.
	if r := <-recs; r != `{"n":2}` {
		t.Fatalf("second record %q", r)
	}
	cancel()
	for range recs {
	}
}

// An oversized record is reduced to its top-level members of at most MaxMember bytes.
func TestSplitReducesOversizedRecord(t *testing.T) {
	big := strings.Repeat("x", 1<<20)
	for _, c := range []struct{ line, want string }{
		{`{"kind":"Event","requestObject":{"data":"` + big + `"},"verb":"create","user":{"username":"u"}}`, `{"kind":"Event","verb":"create","user":{"username":"u"}}`},
		{`{"requestObject":"` + big + `","verb":"get"}`, `{"verb":"get"}`},
		{`{"verb":"get","responseObject":["` + big + `"]}`, `{"verb":"get"}`},
	} {
		g := split(t, []byte(c.line+"\n{\"n\":1}\n"), 1<<19)
		if len(g.recs) > 0 && !json.Valid([]byte(strings.TrimSuffix(g.recs[0], "@1"))) {
			t.Errorf("reduced record is not JSON: %.200q", g.recs[0])
		}
		if len(g.recs) != 2 || g.recs[0] != c.want+"@1" || len(g.bad) != 1 || !strings.Contains(g.bad[0], "evaluated without its members over 65536 bytes (") {
			t.Errorf("records %.200q bad %q", g.recs, g.bad)
		}
	}
	// Still too big without its large members, or not an object: skipped.
	g := split(t, []byte(`"`+big+`"`+"\n"), 1<<19)
	if len(g.recs) != 0 || len(g.bad) != 1 || !strings.Contains(g.bad[0], "skipped") {
		t.Errorf("records %q bad %q", g.recs, g.bad)
	}
}
