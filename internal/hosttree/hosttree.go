// Package hosttree builds fixture host filesystems for node tests: files with real modes and
// owners, symbolic links and a fake /proc, written into a directory from a small YAML spec.
// A spec may start from a named profile (profiles/*.yaml: al2023, bottlerocket, al2-misconfigured)
// and add, replace or remove files.
package hosttree

import (
	"embed"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

//go:embed profiles/*.yaml
var profiles embed.FS

// File is one entry of a host tree.
type File struct {
	Path    string `json:"path"`
	Mode    string `json:"mode,omitempty"`  // octal, default 0644 (0755 for dirs)
	Owner   string `json:"owner,omitempty"` // uid:gid, default 0:0
	Content string `json:"content,omitempty"`
	Link    string `json:"link,omitempty"` // a symbolic link to this target
	Dir     bool   `json:"dir,omitempty"`
}

// Proc is one fake process: /proc/<pid>/cmdline and comm.
type Proc struct {
	PID  int      `json:"pid"`
	Comm string   `json:"comm,omitempty"` // default: base name of args[0]
	Args []string `json:"args"`
}

// Spec describes a host tree.
type Spec struct {
	Base   string   `json:"base,omitempty"`
	Files  []File   `json:"files,omitempty"`
	Procs  []Proc   `json:"procs,omitempty"`
	Remove []string `json:"remove,omitempty"` // host paths (files or procs "/proc/<pid>") of the base to drop
	// NoProc leaves /proc out entirely (a host scanned without its process table).
	NoProc bool `json:"noProc,omitempty"`
}

// Parse reads a spec.
func Parse(data []byte) (*Spec, error) {
	var s Spec
	if err := yaml.UnmarshalStrict(data, &s); err != nil {
		return nil, err
	}
	return &s, nil
}

// Profile returns a named profile.
func Profile(name string) (*Spec, error) {
	data, err := profiles.ReadFile("profiles/" + name + ".yaml")
	if err != nil {
		return nil, fmt.Errorf("unknown host profile %q", name)
	}
	return Parse(data)
}

// resolve merges the spec over its base.
func (s *Spec) resolve() (*Spec, error) {
	if s.Base == "" {
		return s, nil
	}
	b, err := Profile(s.Base)
	if err != nil {
		return nil, err
	}
	b, err = b.resolve()
	if err != nil {
		return nil, err
	}
	drop := map[string]bool{}
	for _, r := range s.Remove {
		drop[r] = true
	}
	for _, f := range s.Files {
		drop[f.Path] = true
	}
	for _, p := range s.Procs {
		drop["/proc/"+strconv.Itoa(p.PID)] = true
	}
	out := &Spec{NoProc: s.NoProc || b.NoProc}
	for _, f := range b.Files {
		if !drop[f.Path] {
			out.Files = append(out.Files, f)
		}
	}
	for _, p := range b.Procs {
		if !drop["/proc/"+strconv.Itoa(p.PID)] {
			out.Procs = append(out.Procs, p)
		}
	}
	out.Files = append(out.Files, s.Files...)
	out.Procs = append(out.Procs, s.Procs...)
	return out, nil
}

// Build writes the tree under root (an empty directory) with real modes and owners.
func (s *Spec) Build(root string) error {
	r, err := s.resolve()
	if err != nil {
		return err
	}
	var files []File
	for _, f := range r.Files {
		if !r.NoProc || !strings.HasPrefix(path.Clean("/"+f.Path), "/proc/") {
			files = append(files, f)
		}
	}
	if !r.NoProc {
		if err := os.MkdirAll(filepath.Join(root, "proc"), 0o555); err != nil {
			return err
		}
		for _, p := range r.Procs {
			comm := p.Comm
			if comm == "" && len(p.Args) > 0 {
				comm = path.Base(p.Args[0])
			}
			dir := "/proc/" + strconv.Itoa(p.PID)
			files = append(files,
				File{Path: dir + "/cmdline", Mode: "0444", Content: strings.Join(p.Args, "\x00") + "\x00"},
				File{Path: dir + "/comm", Mode: "0444", Content: comm + "\n"})
		}
	}
	for _, f := range files {
		if err := write(root, f); err != nil {
			return fmt.Errorf("%s: %v", f.Path, err)
		}
	}
	return nil
}

func write(root string, f File) error {
	full := filepath.Join(root, filepath.FromSlash(path.Clean("/"+f.Path)))
	if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
		return err
	}
	uid, gid := 0, 0
	if f.Owner != "" {
		u, g, ok := strings.Cut(f.Owner, ":")
		var e1, e2 error
		uid, e1 = strconv.Atoi(u)
		gid, e2 = strconv.Atoi(g)
		if !ok || e1 != nil || e2 != nil {
			return fmt.Errorf("owner %q is not uid:gid", f.Owner)
		}
	}
	if f.Link != "" {
		os.Remove(full)
		if err := os.Symlink(f.Link, full); err != nil {
			return err
		}
		return os.Lchown(full, uid, gid)
	}
	mode := uint64(0o644)
	if f.Dir {
		mode = 0o755
	}
	if f.Mode != "" {
		m, err := strconv.ParseUint(f.Mode, 8, 32)
		if err != nil {
			return fmt.Errorf("mode %q is not octal", f.Mode)
		}
		mode = m
	}
	if f.Dir {
		if err := os.MkdirAll(full, 0o755); err != nil {
			return err
		}
	} else if err := os.WriteFile(full, []byte(f.Content), 0o600); err != nil {
		return err
	}
	if err := os.Chown(full, uid, gid); err != nil {
		return err
	}
	return os.Chmod(full, fileMode(uint32(mode)))
}

// fileMode turns Unix mode bits into an os.FileMode.
func fileMode(m uint32) os.FileMode {
	fm := os.FileMode(m & 0o777)
	if m&0o4000 != 0 {
		fm |= os.ModeSetuid
	}
	if m&0o2000 != 0 {
		fm |= os.ModeSetgid
	}
	if m&0o1000 != 0 {
		fm |= os.ModeSticky
	}
	return fm
}

// BuildFile builds the tree a spec file describes into a new temporary directory of t.
func BuildFile(specFile, root string) error {
	data, err := os.ReadFile(specFile)
	if err != nil {
		return err
	}
	s, err := Parse(data)
	if err != nil {
		return fmt.Errorf("%s: %v", specFile, err)
	}
	return s.Build(root)
}

// BuildT builds a spec (YAML text) into a new temporary directory of the test and returns it.
func BuildT(tb testing.TB, spec string) string {
	tb.Helper()
	s, err := Parse([]byte(spec))
	if err != nil {
		tb.Fatal(err)
	}
	root := tb.TempDir()
	if err := s.Build(root); err != nil {
		tb.Fatal(err)
	}
	return root
}
