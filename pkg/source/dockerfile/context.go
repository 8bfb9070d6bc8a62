package dockerfile

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"github.com/moby/patternmatcher"
	"github.com/moby/patternmatcher/ignorefile"

	"github.com/eksguard/eksguard/pkg/bounded"
	"github.com/eksguard/eksguard/pkg/target"
)

// MaxIgnoreBytes caps a .dockerignore file, and MaxIgnorePatterns its patterns (each
// becomes a regular expression); real ones are a few hundred bytes and a few dozen lines.
const (
	MaxIgnoreBytes    = 256 << 10
	MaxIgnorePatterns = 2000
)

// maxContextLevels bounds how far above the Dockerfile the search for a .dockerignore goes.
const maxContextLevels = 16

// ContextLoader returns a loader of the build context of the Dockerfile at path, for
// target.Dockerfile.Context: it runs once, on first call.
func ContextLoader(path string) func() *target.BuildContext {
	var (
		once sync.Once
		bc   *target.BuildContext
	)
	return func() *target.BuildContext {
		once.Do(func() { bc = loadContext(path) })
		return bc
	}
}

// loadContext finds the build context of the Dockerfile at path. The context of a
// `docker build` is not in the Dockerfile: it is taken to be the nearest directory at or
// above the file's that holds a .dockerignore (the search stops at a repository root, a
// directory holding .git), else the file's own directory. A Dockerfile-specific ignore
// file (<Dockerfile>.dockerignore beside it) wins over the context's, as in BuildKit.
func loadContext(path string) *target.BuildContext {
	own := filepath.Dir(path)
	bc := &target.BuildContext{Dir: own}
	exists := func(p string) bool { _, err := os.Lstat(p); return err == nil }
	ignore := ""
	if exists(path + ".dockerignore") {
		ignore = path + ".dockerignore"
	}
	for dir, i := own, 0; i < maxContextLevels; i++ {
		if exists(filepath.Join(dir, ".dockerignore")) {
			bc.Dir = dir
			if ignore == "" {
				ignore = filepath.Join(dir, ".dockerignore")
			}
			break
		}
		abs, err := filepath.Abs(dir)
		if err != nil || exists(filepath.Join(dir, ".git")) || filepath.Dir(abs) == abs {
			break
		}
		dir = filepath.Join(dir, "..")
	}
	root := bc.Dir
	bc.Exists = func(rel string) bool { return exists(filepath.Join(root, filepath.FromSlash(rel))) }
	bc.Excluded = func(string) bool { return false }
	if ignore == "" {
		return bc
	}
	bc.IgnoreFile = ignore
	data, err := bounded.ReadFile(ignore, MaxIgnoreBytes)
	if err != nil {
		bc.IgnoreErr = err.Error()
		return bc
	}
	pm, err := ParseIgnore(data)
	if err != nil {
		bc.IgnoreErr = fmt.Sprintf("%s: %v", ignore, err)
		return bc
	}
	bc.Excluded = func(rel string) bool {
		ok, err := pm.MatchesOrParentMatches(filepath.FromSlash(rel))
		return err == nil && ok
	}
	return bc
}

// ParseIgnore reads a .dockerignore with the rules Docker applies (comments, ! exceptions,
// ** globs, cleaned paths, the last matching pattern wins).
func ParseIgnore(data []byte) (*patternmatcher.PatternMatcher, error) {
	patterns, err := ignorefile.ReadAll(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	if len(patterns) > MaxIgnorePatterns {
		return nil, fmt.Errorf("%d patterns, over the limit of %d", len(patterns), MaxIgnorePatterns)
	}
	return patternmatcher.New(patterns)
}
