package dockerfile

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func write(t *testing.T, dir, name, data string) string {
	t.Helper()
	p := filepath.Join(dir, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestContext(t *testing.T) {
	repo := t.TempDir()
	write(t, repo, ".git/HEAD", "ref: refs/heads/main\n")
	write(t, repo, ".dockerignore", ".git\n.env\n")
	write(t, repo, ".npmrc", "registry=https://registry.example.com/\n")
	// A Dockerfile below the repository root is built with the root as context.
	deep := write(t, repo, "deploy/web/Dockerfile", "FROM scratch\n")
	bc := ContextLoader(deep)()
	if bc.Dir != repo || bc.IgnoreFile != filepath.Join(repo, ".dockerignore") || bc.IgnoreErr != "" {
		t.Fatalf("deep: %+v", bc)
	}
	if !bc.Excluded(".git") || !bc.Excluded(".git/config") || bc.Excluded(".npmrc") || !bc.Exists(".npmrc") || bc.Exists(".aws") {
		t.Errorf("deep: wrong matches")
	}
	// A Dockerfile-specific ignore file wins over the context's.
	own := write(t, repo, "api.Dockerfile", "FROM scratch\n")
	write(t, repo, "api.Dockerfile.dockerignore", "*\n!src\n")
	bc = ContextLoader(own)()
	if bc.IgnoreFile != own+".dockerignore" || !bc.Excluded(".npmrc") || bc.Excluded("src/main.go") {
		t.Errorf("specific: %+v", bc)
	}
	// The search stops at the repository root: an ignore file above it is not taken.
	outer := t.TempDir()
	write(t, outer, ".dockerignore", ".git\n")
	inner := write(t, outer, "checkout/.git/HEAD", "x")
	df := write(t, filepath.Dir(filepath.Dir(inner)), "Dockerfile", "FROM scratch\n")
	bc = ContextLoader(df)()
	if bc.IgnoreFile != "" || bc.Dir != filepath.Dir(df) || bc.Excluded(".git") {
		t.Errorf("bounded: %+v", bc)
	}
	// An unreadable ignore file (a directory here, or over the size limit) is reported.
	bad := t.TempDir()
	if err := os.Mkdir(filepath.Join(bad, "Dockerfile.dockerignore"), 0o755); err != nil {
		t.Fatal(err)
	}
	bc = ContextLoader(write(t, bad, "Dockerfile", "FROM scratch\n"))()
	if bc.IgnoreErr == "" {
		t.Errorf("unreadable: %+v", bc)
	}
	big := t.TempDir()
	write(t, big, ".dockerignore", strings.Repeat("x\n", MaxIgnoreBytes))
	if bc = ContextLoader(write(t, big, "Dockerfile", "FROM scratch\n"))(); bc.IgnoreErr == "" {
		t.Errorf("oversized: %+v", bc)
	}
	many := t.TempDir()
	write(t, many, ".dockerignore", strings.Repeat("**/a*b?c\n", MaxIgnorePatterns+1))
	if bc = ContextLoader(write(t, many, "Dockerfile", "FROM scratch\n"))(); !strings.Contains(bc.IgnoreErr, "patterns, over the limit") {
		t.Errorf("too many patterns: %+v", bc)
	}
}
