package bounded

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestReadAll(t *testing.T) {
	if b, err := ReadAll(strings.NewReader("12345"), 5); err != nil || string(b) != "12345" {
		t.Errorf("at the limit: %q, %v", b, err)
	}
	var tl *TooLargeError
	if _, err := ReadAll(strings.NewReader("123456"), 5); !errors.As(err, &tl) || tl.Limit != 5 {
		t.Errorf("over the limit: %v", err)
	}
}

func TestReadFileNamesThePath(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "big.json")
	if err := os.WriteFile(p, []byte("0123456789"), 0o644); err != nil {
		t.Fatal(err)
	}
	if b, err := ReadFile(p, 10); err != nil || len(b) != 10 {
		t.Errorf("at the limit: %d bytes, %v", len(b), err)
	}
	var tl *TooLargeError
	for _, c := range []struct {
		path  string
		limit int64
		large bool
	}{{p, 9, true}, {filepath.Join(dir, "missing"), 9, false}, {dir, 9, false}} {
		_, err := ReadFile(c.path, c.limit)
		if err == nil || !strings.Contains(err.Error(), c.path) || errors.As(err, &tl) != c.large {
			t.Errorf("%s: %v", c.path, err)
		}
	}
}

func TestJSONDepth(t *testing.T) {
	for in, want := range map[string]int{
		``: 0, `1`: 0, `{}`: 1, `[[{}]]`: 3, `{"a":"[[[["}`: 1, `{"a":"\"[["}`: 1, `[{"a":[1]},[2]]`: 3,
	} {
		if got := JSONDepth([]byte(in)); got != want {
			t.Errorf("JSONDepth(%s) = %d, want %d", in, got, want)
		}
	}
}
