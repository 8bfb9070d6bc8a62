package manifest

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/eksguard/eksguard/pkg/bounded"
	"github.com/eksguard/eksguard/pkg/finding"
)

// Input is one file to read, or stdin.
type Input struct {
	Name string // path as the user sees it; "-" is stdin
	// Dockerfile is set when the input is read as a Dockerfile, not as manifests.
	Dockerfile bool
}

// Select says which files a walk picks up in directories.
type Select int

// Walk selections.
const (
	Manifests   Select = 1 << iota // *.yaml, *.yml, *.json
	Dockerfiles                    // Dockerfile, *.Dockerfile, Dockerfile.*, Containerfile
)

// IsDockerfileName reports whether a file is read as a Dockerfile: Dockerfile,
// Containerfile, NAME.Dockerfile, NAME.Containerfile, Dockerfile.NAME and
// Containerfile.NAME (any case; Dockerfile.dockerignore, editor leftovers and notes or
// scripts such as Dockerfile.5.md excluded).
func IsDockerfileName(path string) bool {
	name := filepath.Base(path)
	if len(name) < 10 {
		return false
	}
	name = strings.ToLower(name)
	for _, base := range [...]string{"dockerfile", "containerfile"} {
		switch {
		case name == base:
			return true
		case strings.HasSuffix(name, "."+base) && len(name) > len(base)+1:
			return true
		case strings.HasPrefix(name, base+".") && len(name) > len(base)+1:
			// The last extension decides: Dockerfile.5.md is a manual page, Dockerfile.build.sh
			// a script.
			switch name[strings.LastIndexByte(name, '.')+1:] {
			case "dockerignore", "orig", "rej", "bak", "swp", "md", "txt", "yaml", "yml", "json", "sh",
				"go", "py", "js", "ts", "rb", "java", "rs", "bzl", "bazel", "toml", "lock", "html", "png", "svg",
				"xml", "plist", "tmlanguage", "tmpreferences", "sublime-syntax", "cson", "vim", "el":
				return false // notes, scripts and sources about Dockerfiles, not Dockerfiles
			}
			return true
		}
	}
	return false
}

// IsManifestName reports whether a file found while walking a directory is read as a
// manifest. Files named on the command line are always read.
func IsManifestName(name string) bool {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".yaml", ".yml", ".json":
		return true
	}
	return false
}

// Walk lists the inputs under paths in a stable order: files as given, directories walked
// in lexical order. Directory symlinks are followed once each (loops end), hidden
// directories (.git and the like) are skipped. Unreadable paths become input errors.
func Walk(paths []string, visit func(Input)) []finding.InputError {
	return WalkSelect(paths, Manifests|Dockerfiles, visit)
}

// WalkSelect is Walk picking up only the selected kinds of files in directories. A file
// named on the command line is always read: as a Dockerfile when its name says so or
// when only Dockerfiles are selected, as manifests otherwise.
func WalkSelect(paths []string, sel Select, visit func(Input)) []finding.InputError {
	var errs []finding.InputError
	seen := map[string]bool{} // real paths of directories already walked
	var walkDir func(dir string)
	walkDir = func(dir string) {
		real, err := filepath.EvalSymlinks(dir)
		if err == nil {
			// Absolute, so that "dir" and a link to it by absolute path are one directory.
			real, err = filepath.Abs(real)
		}
		if err != nil {
			errs = append(errs, finding.InputError{Input: dir, Message: err.Error()})
			return
		}
		if seen[real] {
			return
		}
		seen[real] = true
		entries, err := os.ReadDir(dir)
		if err != nil {
			errs = append(errs, finding.InputError{Input: dir, Message: err.Error()})
			return
		}
		sort.Slice(entries, func(i, j int) bool { return entries[i].Name() < entries[j].Name() })
		for _, e := range entries {
			p := filepath.Join(dir, e.Name())
			mode := e.Type()
			if mode&fs.ModeSymlink != 0 {
				st, err := os.Stat(p)
				if err != nil {
					errs = append(errs, finding.InputError{Input: p, Message: "broken symlink: " + err.Error()})
					continue
				}
				mode = st.Mode().Type()
			}
			switch {
			case mode.IsDir():
				if strings.HasPrefix(e.Name(), ".") {
					continue
				}
				walkDir(p)
			case mode.IsRegular():
				if sel&Manifests != 0 && IsManifestName(e.Name()) {
					visit(Input{Name: p})
				} else if sel&Dockerfiles != 0 && IsDockerfileName(e.Name()) {
					visit(Input{Name: p, Dockerfile: true})
				}
			}
		}
	}
	for _, p := range paths {
		if p == "-" {
			visit(Input{Name: "-", Dockerfile: sel == Dockerfiles})
			continue
		}
		st, err := os.Stat(p)
		if err != nil {
			errs = append(errs, finding.InputError{Input: p, Message: err.Error()})
			continue
		}
		switch {
		case st.IsDir():
			walkDir(p)
		case st.Mode().IsRegular():
			visit(Input{Name: p, Dockerfile: sel == Dockerfiles || sel&Dockerfiles != 0 && IsDockerfileName(p)})
		default:
			errs = append(errs, finding.InputError{Input: p, Message: "not a regular file or directory"})
		}
	}
	return errs
}

// Read returns an input's bytes, at most limit of them; a larger input is an error.
func Read(in Input, stdin io.Reader, limit int64) ([]byte, error) {
	if in.Name == "-" {
		if stdin == nil {
			return nil, errors.New("no standard input")
		}
		return readAll(stdin, limit)
	}
	if data, ok, err := readRegular(in.Name, limit); ok {
		return data, err
	}
	f, err := os.Open(in.Name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return readAll(f, limit)
}

func readAll(r io.Reader, limit int64) ([]byte, error) {
	data, err := bounded.ReadAll(r, limit)
	if _, ok := err.(*bounded.TooLargeError); ok {
		return nil, fmt.Errorf("input is over the %d-byte limit", limit)
	}
	return data, err
}
