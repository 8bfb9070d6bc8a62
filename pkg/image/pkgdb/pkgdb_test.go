package pkgdb

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/eksguard/eksguard/pkg/inventory"
)

const dpkgStatus = `Package: libc6
Status: install ok installed
Priority: optional
Architecture: amd64
Multi-Arch: same
Source: glibc
Version: 2.36-9+deb12u10
Description: GNU C Library: Shared libraries
 Contains the standard libraries.

Package: removed-pkg
Status: deinstall ok config-files
Version: 1.0-1
Architecture: amd64

Package: libgcc-s1
Status: install ok installed
Architecture: amd64
Source: gcc-12 (12.2.0-14)
Version: 12.2.0-14
`

func TestDpkg(t *testing.T) {
	ps, err := Dpkg(strings.NewReader(dpkgStatus), "/var/lib/dpkg/status")
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 2 {
		t.Fatalf("%+v", ps)
	}
	if ps[0].Name != "libc6" || ps[0].Source.Name != "glibc" || ps[0].Source.Version != "" || ps[0].Arch != "amd64" {
		t.Errorf("%+v %+v", ps[0], ps[0].Source)
	}
	if ps[1].Source.Name != "gcc-12" || ps[1].Source.Version != "12.2.0-14" {
		t.Errorf("%+v", ps[1].Source)
	}
	FinishPURLs(ps, &inventory.OS{ID: "debian", VersionID: "12"})
	if ps[1].PURL != "pkg:deb/debian/libgcc-s1@12.2.0-14?arch=amd64&distro=debian-12&upstream=gcc-12%4012.2.0-14" {
		t.Errorf("purl %s", ps[1].PURL)
	}
	// A long line is an error, not an allocation without bound.
	if _, err := Dpkg(strings.NewReader("Package: x\nDescription: "+strings.Repeat("a", 2<<20)+"\n"), "s"); err == nil {
		t.Error("no error for a 2 MiB line")
	}
}

func TestAPKAndOSRelease(t *testing.T) {
	ps, err := APK(strings.NewReader("P:musl\nV:1.2.5-r0\nA:x86_64\no:musl\nL:MIT\n\nP:libcrypto3\nV:3.3.2-r0\no:openssl\n"), "/lib/apk/db/installed")
	if err != nil || len(ps) != 2 || ps[0].Source != nil || ps[1].Source.Name != "openssl" {
		t.Fatalf("%+v %v", ps, err)
	}
	os, err := OSRelease(strings.NewReader("NAME=\"Alpine Linux\"\nID=alpine\nVERSION_ID=3.20.3\nPRETTY_NAME=\"Alpine Linux v3.20\"\nID_LIKE=\"rhel fedora\"\n"))
	if err != nil || os.ID != "alpine" || os.VersionID != "3.20.3" || os.PrettyName != "Alpine Linux v3.20" || len(os.IDLike) != 2 {
		t.Fatalf("%+v %v", os, err)
	}
	if _, err := OSRelease(strings.NewReader("NAME=x\n")); err == nil {
		t.Error("os-release without ID accepted")
	}
}

func TestPasswd(t *testing.T) {
	m, err := Passwd(strings.NewReader("root:x:0:0::/root:/bin/sh\n# comment\nbad line\nnobody:x:65534:65534::/:/usr/sbin/nologin\nneg:x:-1:0::/:\n"))
	if err != nil || len(m) != 2 || m["nobody"] != 65534 {
		t.Fatalf("%v %v", m, err)
	}
}

func writeSeeds(t testing.TB, name string, seeds ...string) {
	if os.Getenv("EKSGUARD_WRITE_SEEDS") != "1" {
		return
	}
	dir := filepath.Join("testdata", "fuzz", name)
	os.MkdirAll(dir, 0o755)
	for i, s := range seeds {
		os.WriteFile(filepath.Join(dir, fmt.Sprintf("seed%d", i)), []byte("go test fuzz v1\n[]byte("+strconv.Quote(s)+")\n"), 0o644)
	}
}

func FuzzDpkg(f *testing.F) {
	seeds := []string{dpkgStatus, "Package: a\nVersion: 1\nSource: (\n\n\n", "Package:\n Version: x\n"}
	writeSeeds(f, "FuzzDpkg", seeds...)
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		ps, _ := Dpkg(strings.NewReader(string(b)), "p")
		for _, p := range ps {
			if p.Name == "" || p.Version == "" {
				t.Fatalf("package without name or version: %+v", p)
			}
		}
		FinishPURLs(ps, nil)
	})
}

func FuzzAPK(f *testing.F) {
	seeds := []string{"P:musl\nV:1.2.5-r0\nA:x86_64\no:musl\n\n", "P:\nV:\n:\nX", "P:a\nV:1\no:a\nL:\n"}
	writeSeeds(f, "FuzzAPK", seeds...)
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		ps, _ := APK(strings.NewReader(string(b)), "p")
		for _, p := range ps {
			if p.Name == "" || p.Version == "" {
				t.Fatalf("package without name or version: %+v", p)
			}
		}
		FinishPURLs(ps, &inventory.OS{ID: "alpine"})
	})
}

func FuzzOSRelease(f *testing.F) {
	seeds := []string{"ID=debian\nVERSION_ID=\"12\"\n", "ID='x\\\"'\nID_LIKE=\n", "=\n\"\n"}
	writeSeeds(f, "FuzzOSRelease", seeds...)
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		os, err := OSRelease(strings.NewReader(string(b)))
		if err == nil && os.ID == "" {
			t.Fatal("no error and no ID")
		}
	})
}

func FuzzPasswd(f *testing.F) {
	seeds := []string{"root:x:0:0::/root:/bin/sh\n", "a:b:99999999999999999999:\n::::\n"}
	writeSeeds(f, "FuzzPasswd", seeds...)
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, _ := Passwd(strings.NewReader(string(b)))
		for _, id := range m {
			if id < 0 {
				t.Fatal("negative id")
			}
		}
	})
}

func TestSourceRPM(t *testing.T) {
	for in, want := range map[string]string{
		"bash-5.1.8-6.el9.src.rpm":               "bash|5.1.8-6.el9",
		"python3.11-3.11.7-1.el9_3.src.rpm":      "python3.11|3.11.7-1.el9_3",
		"kernel-5.14.0-427.13.1.el9_4.nosrc.rpm": "kernel|5.14.0-427.13.1.el9_4",
		"no-version.src.rpm":                     "",
		"bash.rpm":                               "",
	} {
		n, v, ok := SourceRPM(in)
		got := ""
		if ok {
			got = n + "|" + v
		}
		if got != want {
			t.Errorf("%s: %q, want %q", in, got, want)
		}
	}
}

func TestRPMPURL(t *testing.T) {
	ps := []inventory.Package{
		{Type: inventory.TypeRPM, Name: "bash", Version: "5.1.8-9.el9", Arch: "x86_64", Vendor: "Red Hat, Inc.",
			Source: &inventory.Source{Name: "bash-src", Version: "5.1.8-9.el9"}},
		{Type: inventory.TypeRPM, Name: "nodejs", Version: "1:18.20.2-1.module+el8.10.0+21318+5ea5b1f6", Arch: "x86_64", Vendor: "Red Hat, Inc."},
		{Type: inventory.TypeRPM, Name: "tool", Version: "1.0-1", Arch: "noarch", Vendor: "Someone"},
	}
	FinishPURLs(ps, nil)
	for i, want := range []string{
		"pkg:rpm/rhel/bash@5.1.8-9.el9?arch=x86_64&upstream=bash-src-5.1.8-9.el9.src.rpm",
		"pkg:rpm/rhel/nodejs@18.20.2-1.module%2Bel8.10.0%2B21318%2B5ea5b1f6?arch=x86_64&epoch=1",
		"pkg:rpm/tool@1.0-1?arch=noarch",
	} {
		if ps[i].PURL != want {
			t.Errorf("%s: %s, want %s", ps[i].Name, ps[i].PURL, want)
		}
	}
	FinishPURLs(ps[:1], &inventory.OS{ID: "almalinux", VersionID: "9.4"})
	if want := "pkg:rpm/almalinux/bash@5.1.8-9.el9?arch=x86_64&distro=almalinux-9.4&upstream=bash-src-5.1.8-9.el9.src.rpm"; ps[0].PURL != want {
		t.Errorf("%s, want %s", ps[0].PURL, want)
	}
}
