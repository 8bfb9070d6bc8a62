package manifest

import (
	"os"
	"path/filepath"
	"testing"
)

func TestIsDockerfileName(t *testing.T) {
	for name, want := range map[string]bool{
		"Dockerfile": true, "dockerfile": true, "Containerfile": true, "api.Dockerfile": true, "build/web.dockerfile": true,
		"Dockerfile.prod": true, "Containerfile.arm64": true, "x.Containerfile": true,
		"Dockerfile.dockerignore": false, "dockerfile.go": false, "Dockerfile.md": false, "Dockerfile.5.md": false, "Dockerfile.build.sh": false, "Dockerfile.ubuntu.22": true, "dockerfile.yaml": false,
		"Dockerfiles": false, "my-dockerfile": false, ".Dockerfile": false, "values.yaml": false, "Makefile": false,
	} {
		if got := IsDockerfileName(name); got != want {
			t.Errorf("IsDockerfileName(%q) = %v, want %v", name, got, want)
		}
	}
}

func TestWalkSelect(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"a.yaml", "Dockerfile", "b/c.Dockerfile", "b/readme.md"} {
		writeFile(t, dir, f)
	}
	count := func(sel Select) (m, d int) {
		WalkSelect([]string{dir}, sel, func(in Input) {
			if in.Dockerfile {
				d++
			} else {
				m++
			}
		})
		return
	}
	if m, d := count(Manifests | Dockerfiles); m != 1 || d != 2 {
		t.Errorf("all: %d manifests, %d Dockerfiles", m, d)
	}
	if m, d := count(Manifests); m != 1 || d != 0 {
		t.Errorf("manifests: %d manifests, %d Dockerfiles", m, d)
	}
	if m, d := count(Dockerfiles); m != 0 || d != 2 {
		t.Errorf("dockerfiles: %d manifests, %d Dockerfiles", m, d)
	}
}

func writeFile(t *testing.T, dir, name string) {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
}
