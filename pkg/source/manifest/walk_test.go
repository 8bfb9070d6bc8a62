package manifest

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// tree builds files (path -> content) and symlinks (path -> "->target") under dir.
func tree(t *testing.T, dir string, entries map[string]string) {
	t.Helper()
	for p, c := range entries {
		full := filepath.Join(dir, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if target, ok := strings.CutPrefix(c, "->"); ok {
			if err := os.Symlink(target, full); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := os.WriteFile(full, []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func walkNames(paths ...string) ([]string, []string) {
	var names, errs []string
	for _, e := range Walk(paths, func(in Input) { names = append(names, in.Name) }) {
		errs = append(errs, e.Input+": "+e.Message)
	}
	return names, errs
}

func TestWalk(t *testing.T) {
	root := t.TempDir()
	tree(t, root, map[string]string{
		"a.yaml":             "a",
		"b.yml":              "b",
		"c.json":             "c",
		"d.txt":              "d",
		"E.YAML":             "e",
		"Chart.lock":         "x",
		".hidden/h.yaml":     "h",
		".dotfile.yaml":      "dot",
		"sub/f.yaml":         "f",
		"sub/deeper/g.yml":   "g",
		"sub/loop":           "->" + root, // absolute link back to the root
		"sub/up":             "->..",      // relative link back to the root
		"zlink":              "->sub",     // a second name for sub
		"broken.yaml":        "->nowhere.yaml",
		"linked-file.yaml":   "->a.yaml",
		"dir.yaml/inner.yml": "i", // a directory with a manifest-like name is walked
	})
	names, errs := walkNames(root)
	rel := func(ps []string) []string {
		var out []string
		for _, p := range ps {
			r, _ := filepath.Rel(root, p)
			out = append(out, r)
		}
		return out
	}
	want := []string{".dotfile.yaml", "E.YAML", "a.yaml", "b.yml", "c.json", "dir.yaml/inner.yml", "linked-file.yaml", "sub/deeper/g.yml", "sub/f.yaml"}
	if got := rel(names); !reflect.DeepEqual(got, want) {
		t.Fatalf("visited\n got  %q\n want %q", got, want)
	}
	if len(errs) != 1 || !strings.Contains(errs[0], "broken.yaml: broken symlink") {
		t.Fatalf("errors %q", errs)
	}

	// Named inputs are read whatever their name; a hidden directory named is walked.
	names, errs = walkNames(filepath.Join(root, "d.txt"), filepath.Join(root, ".hidden"), "-", filepath.Join(root, "missing.yaml"))
	if want := []string{filepath.Join(root, "d.txt"), filepath.Join(root, ".hidden", "h.yaml"), "-"}; !reflect.DeepEqual(names, want) || len(errs) != 1 || !strings.HasPrefix(errs[0], filepath.Join(root, "missing.yaml")+": ") {
		t.Fatalf("named: %q %q", names, errs)
	}
}

// TestWalkSymlinkLoopRelativeRoot: a root given as a relative path and a link back to it by
// absolute path are the same directory, walked once.
func TestWalkSymlinkLoopRelativeRoot(t *testing.T) {
	dir := t.TempDir()
	tree(t, dir, map[string]string{
		"root/a/f.yaml": "f",
		"root/a/loop":   "->" + filepath.Join(dir, "root"),
		"root/b/back":   "->../a",
	})
	t.Chdir(dir)
	names, errs := walkNames("root")
	if want := []string{"root/a/f.yaml"}; !reflect.DeepEqual(names, want) || len(errs) != 0 {
		t.Fatalf("visited %q, errors %q", names, errs)
	}
}

func TestWalkSymlinkLoopTerminates(t *testing.T) {
	dir := t.TempDir()
	// a -> b -> a, and a self-loop.
	tree(t, dir, map[string]string{
		"x/a/b":     "->../b",
		"x/b/a":     "->../a",
		"x/b/m.yml": "m",
		"x/self":    "->self",
	})
	names, errs := walkNames(filepath.Join(dir, "x"))
	if len(names) != 1 || filepath.Base(names[0]) != "m.yml" {
		t.Fatalf("visited %q", names)
	}
	if len(errs) != 1 || !strings.Contains(errs[0], "self: broken symlink") {
		t.Fatalf("errors %q", errs)
	}
}

func TestRead(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "f.yaml")
	if err := os.WriteFile(p, []byte("0123456789"), 0o644); err != nil {
		t.Fatal(err)
	}
	if b, err := Read(Input{Name: p}, nil, 10); err != nil || string(b) != "0123456789" {
		t.Fatalf("%q %v", b, err)
	}
	if _, err := Read(Input{Name: p}, nil, 9); err == nil || !strings.Contains(err.Error(), "over the 9-byte limit") {
		t.Fatalf("over the limit: %v", err)
	}
	if b, err := Read(Input{Name: "-"}, strings.NewReader("abc"), 3); err != nil || string(b) != "abc" {
		t.Fatalf("stdin: %q %v", b, err)
	}
	if _, err := Read(Input{Name: "-"}, strings.NewReader("abcd"), 3); err == nil {
		t.Fatal("stdin over the limit")
	}
	if _, err := Read(Input{Name: "-"}, nil, 3); err == nil {
		t.Fatal("no stdin")
	}
	if _, err := Read(Input{Name: filepath.Join(dir, "missing")}, nil, 3); err == nil {
		t.Fatal("missing file")
	}
}
