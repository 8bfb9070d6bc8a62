package gobinary

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/eksguard/eksguard/internal/testenv"
	"github.com/eksguard/eksguard/pkg/inventory"
)

func TestReadTestBinary(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	b, err := ReadBinaryFile(exe)
	if err != nil {
		t.Fatal(err)
	}
	// The matcher needs the platform: GOOS and GOARCH from the build settings, GOARCH on
	// each package.
	if b.GOOS != runtime.GOOS || b.GOARCH != runtime.GOARCH || b.Packages[0].Arch != runtime.GOARCH {
		t.Fatalf("platform %s/%s, stdlib arch %q", b.GOOS, b.GOARCH, b.Packages[0].Arch)
	}
	pkgs := b.Packages
	if pkgs[0].Name != inventory.GoStdlib || pkgs[0].Version != strings.TrimPrefix(runtime.Version(), "go") || pkgs[0].Type != inventory.TypeGolang || pkgs[0].Path != exe {
		t.Fatalf("stdlib: %+v", pkgs[0])
	}
}

func TestReadPinnedModule(t *testing.T) {
	app := testenv.Path(t, "EKSGUARD_VULNAPP")
	bin := filepath.Join(t.TempDir(), "vulnapp")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Dir = app
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	pkgs, err := ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, p := range pkgs {
		if p.Name == "golang.org/x/text" {
			found = p.Version == "v0.3.0" && p.PURL == "pkg:golang/golang.org/x/text@v0.3.0"
		}
	}
	if !found {
		t.Fatalf("golang.org/x/text v0.3.0 not in %+v", pkgs)
	}
}

// TestReadOtherFormats reads Mach-O and PE binaries cross-built by the local toolchain: the
// streaming reader finds the build information in each executable format.
func TestReadOtherFormats(t *testing.T) {
	if testing.Short() {
		t.Skip("cross-builds the runtime")
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module example.com/hello\n\ngo 1.22\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "main.go"), []byte("package main\n\nfunc main() { println(\"hi\") }\n"), 0o644)
	for _, plat := range []struct{ goos, goarch string }{{"darwin", "arm64"}, {"windows", "amd64"}, {"linux", "386"}} {
		bin := filepath.Join(dir, plat.goos+"-"+plat.goarch)
		cmd := exec.Command("go", "build", "-o", bin, ".")
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GOOS="+plat.goos, "GOARCH="+plat.goarch, "CGO_ENABLED=0", "GOFLAGS=-mod=mod")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%s/%s: %v\n%s", plat.goos, plat.goarch, err, out)
		}
		b, err := ReadBinaryFile(bin)
		if err != nil {
			t.Fatalf("%s/%s: %v", plat.goos, plat.goarch, err)
		}
		if b.GOOS != plat.goos || b.GOARCH != plat.goarch || len(b.Packages) != 2 || b.Packages[0].Name != inventory.GoStdlib ||
			b.Packages[1].Name != "example.com/hello" || b.Packages[1].Version != "(devel)" ||
			b.Packages[0].Version != strings.TrimPrefix(runtime.Version(), "go") {
			t.Fatalf("%s/%s: %+v", plat.goos, plat.goarch, b)
		}
	}
}

func TestNotGo(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "script.sh")
	os.WriteFile(p, []byte("#!/bin/sh\necho hi\n"), 0o755)
	if _, err := ReadFile(p); !errors.Is(err, ErrNotGo) || !strings.Contains(err.Error(), p) {
		t.Fatalf("got %v", err)
	}
	if _, err := ReadFile(dir); err == nil {
		t.Fatal("a directory read as a binary")
	}
	// An ELF header and nothing else.
	elf := append([]byte("\x7fELF\x02\x01\x01"), make([]byte, 64)...)
	if _, err := Read(bytes.NewReader(elf), "trunc", ""); !errors.Is(err, ErrNotGo) {
		t.Fatalf("truncated ELF: %v", err)
	}
}

func FuzzRead(f *testing.F) {
	f.Add([]byte("\x7fELF\x02\x01\x01\x00"))
	f.Add([]byte("\xff Go buildinf:\x08\x02"))
	f.Add([]byte("MZ\x90\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		pkgs, err := Read(bytes.NewReader(data), "fuzz", "")
		if err == nil {
			for _, p := range pkgs {
				if p.Type != inventory.TypeGolang || p.Name == "" {
					t.Fatalf("bad package %+v", p)
				}
			}
		}
	})
}
