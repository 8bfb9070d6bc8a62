package image_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/eksguard/eksguard/internal/testregistry"
	"github.com/eksguard/eksguard/pkg/image"
	"github.com/eksguard/eksguard/pkg/image/imagetest"
	"github.com/eksguard/eksguard/pkg/image/secret"
	"github.com/eksguard/eksguard/pkg/imagefs"
	"github.com/eksguard/eksguard/pkg/inventory"
	"github.com/eksguard/eksguard/pkg/target"
	rimage "github.com/eksguard/eksguard/rules/image"
)

func scanRef(t *testing.T, ref string, opts image.Options) *target.Image {
	t.Helper()
	r, err := image.ParseRef(ref)
	if err != nil {
		t.Fatal(err)
	}
	im, err := image.Open(context.Background(), r, opts)
	if err != nil {
		t.Fatal(err)
	}
	tg, err := image.Scan(context.Background(), im, imagefs.Limits{}, secret.Default)
	if err != nil {
		t.Fatal(err)
	}
	return tg
}

func setuidPaths(tg *target.Image) []string {
	var out []string
	for _, e := range rimage.SpecialFiles(tg.FS) {
		out = append(out, e.Path)
	}
	return out
}

// edgeSpec has whiteouts, an opaque directory, hard links, a symlink chain, a distroless
// dpkg status.d and an apk database.
var edgeSpec = imagetest.Spec{Layers: []imagetest.Layer{
	{Files: []imagetest.Entry{
		{Path: "etc/os-release", Content: "ID=distroless\nVERSION_ID=\"12\"\nPRETTY_NAME=\"Distroless\"\n"},
		{Path: "var/lib/dpkg/status.d/libc6", Content: "Package: libc6\nVersion: 2.36-9+deb12u10\nArchitecture: amd64\nSource: glibc\n"},
		{Path: "var/lib/dpkg/status.d/libc6.md5sums", Content: "abc  lib/x\n"},
		{Path: "var/lib/dpkg/status.d/tzdata", Content: "Package: tzdata\nVersion: 2024a-0+deb12u1\nArchitecture: all\n"},
		{Path: "usr/bin/sudo", Mode: "4755", Content: "sudo-binary"},
		{Path: "usr/bin/sudoedit", Type: "hardlink", Link: "usr/bin/sudo"},
		{Path: "a/b/c/target", Content: "t"},
		{Path: "l1", Type: "symlink", Link: "l2"},
		{Path: "l2", Type: "symlink", Link: "/a/b/../b/c"},
		{Path: "cache/old1", Size: 100},
		{Path: "cache/keep", Size: 10},
	}},
	{Files: []imagetest.Entry{
		{Path: "var/lib/dpkg/status.d/tzdata", Type: "whiteout"},
		{Path: "cache", Type: "opaque"},
		{Path: "cache/new", Size: 5},
		{Path: "lib/apk/db/installed", Content: "C:Q1abc=\nP:musl\nV:1.2.5-r0\nA:x86_64\nL:MIT\no:musl\n\nP:busybox\nV:1.36.1-r29\nA:x86_64\no:busybox\n\n"},
	}},
}}

func TestEdgeCasesFromOCILayout(t *testing.T) {
	dir := t.TempDir()
	if err := edgeSpec.WriteLayout(dir); err != nil {
		t.Fatal(err)
	}
	tg := scanRef(t, "oci:"+dir, image.Options{})
	if len(tg.FS.Problems) > 0 {
		t.Fatal(tg.FS.Problems)
	}
	got := map[string]inventory.Package{}
	for _, p := range tg.Inventory.Packages {
		got[p.Name] = p
	}
	if _, ok := got["tzdata"]; ok {
		t.Error("tzdata was deleted by a whiteout but is still listed")
	}
	if p := got["libc6"]; p.Version != "2.36-9+deb12u10" || p.Layer != tg.Layers[0].Digest || p.Source == nil || p.Source.Name != "glibc" {
		t.Errorf("libc6: %+v", p)
	}
	if p := got["musl"]; p.Type != inventory.TypeAPK || p.Layer != tg.Layers[1].Digest || p.Licenses[0] != "MIT" {
		t.Errorf("musl: %+v", p)
	}
	if tg.Inventory.OS == nil || tg.Inventory.OS.ID != "distroless" {
		t.Errorf("os: %+v", tg.Inventory.OS)
	}
	if s := strings.Join(setuidPaths(tg), " "); s != "/usr/bin/sudo /usr/bin/sudoedit" {
		t.Errorf("setuid: %s", s)
	}
	if e, err := tg.FS.Stat("/l1/target"); err != nil || e.Path != "/a/b/c/target" {
		t.Errorf("symlink chain: %+v %v", e, err)
	}
	ents, _ := tg.FS.ReadDir("/cache")
	if len(ents) != 1 || ents[0].Path != "/cache/new" {
		t.Errorf("opaque dir: %+v", ents)
	}
}

// TestDockerArchive reads `docker save` output (written by go-containerregistry's tarball).
func TestDockerArchive(t *testing.T) {
	img, err := edgeSpec.Image()
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "img.tar")
	if err := image.Write(context.Background(), img, image.Ref{Kind: image.KindDockerArchive, Path: file}, "example.com/edge:1", image.Options{}); err != nil {
		t.Fatal(err)
	}
	tg := scanRef(t, "docker-archive:"+file, image.Options{})
	if len(tg.FS.Problems) > 0 || len(tg.Inventory.Packages) != 3 {
		t.Fatalf("problems %v, packages %+v", tg.FS.Problems, tg.Inventory.Packages)
	}
}

// TestGoBinary builds a Go binary (this module's ocipack, which has dependencies) and
// finds its modules and Go version in an image.
func TestGoBinary(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go toolchain")
	}
	bin := filepath.Join(t.TempDir(), "ocipack")
	cmd := exec.Command("go", "build", "-o", bin, "../../hack/ocipack")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	spec := imagetest.Spec{Layers: []imagetest.Layer{{Files: []imagetest.Entry{{Path: "usr/local/bin/ocipack", Mode: "0755", From: bin}}}}}
	dir := t.TempDir()
	if err := spec.WriteLayout(dir); err != nil {
		t.Fatal(err)
	}
	// A per-file limit far below the binary's size: the Go reader streams, so it still reads it.
	r, _ := image.ParseRef("oci:" + dir)
	im, err := image.Open(context.Background(), r, image.Options{})
	if err != nil {
		t.Fatal(err)
	}
	tg, err := image.Scan(context.Background(), im, imagefs.Limits{MaxFileBytes: 1 << 20}, secret.Default)
	if err != nil {
		t.Fatal(err)
	}
	var ggcr, stdlib, main bool
	for _, p := range tg.Inventory.Packages {
		switch {
		case p.Name == "github.com/google/go-containerregistry" && p.Version == "v0.22.1":
			ggcr = p.PURL == "pkg:golang/github.com/google/go-containerregistry@v0.22.1" && p.Path == "/usr/local/bin/ocipack"
		case p.Name == inventory.GoStdlib:
			stdlib = strings.HasPrefix("go"+p.Version, strings.Fields(goVersion(t))[2])
		case p.Name == "github.com/eksguard/eksguard":
			main = true
		}
	}
	if !ggcr || !stdlib || !main {
		t.Fatalf("ggcr %v stdlib %v main %v: %+v", ggcr, stdlib, main, tg.Inventory.Packages)
	}
}

func goVersion(t *testing.T) string {
	out, err := exec.Command("go", "version").Output()
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

func pushSpec(t *testing.T, s imagetest.Spec, ref string) v1.Image {
	t.Helper()
	img, err := s.Image()
	if err != nil {
		t.Fatal(err)
	}
	r, _ := image.ParseRef(ref)
	if err := image.Write(context.Background(), img, r, "", image.Options{}); err != nil {
		t.Fatal(err)
	}
	return img
}

// TestRegistryPullAndPlatform pushes images and a two-platform index to a real registry and
// reads them back, picking the platform.
func TestRegistryPullAndPlatform(t *testing.T) {
	reg := testregistry.Start(t)
	pushSpec(t, edgeSpec, reg+"/edge:1")
	tg := scanRef(t, reg+"/edge:1", image.Options{})
	if len(tg.Inventory.Packages) != 3 || tg.Digest == "" {
		t.Fatalf("%+v", tg.Inventory)
	}
	// A multi-platform index: amd64 and arm64 images that differ by one file.
	mk := func(arch string) v1.Image {
		s := imagetest.Spec{Layers: []imagetest.Layer{{Files: []imagetest.Entry{{Path: "arch-" + arch, Content: arch}}}}}
		img, err := s.Image()
		if err != nil {
			t.Fatal(err)
		}
		cfg, _ := img.ConfigFile()
		cfg = cfg.DeepCopy()
		cfg.Architecture = arch
		img, _ = mutate.ConfigFile(img, cfg)
		return img
	}
	idx := mutate.AppendManifests(empty.Index,
		mutate.IndexAddendum{Add: mk("amd64"), Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: "amd64"}}},
		mutate.IndexAddendum{Add: mk("arm64"), Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: "arm64"}}})
	ref, _ := name.ParseReference(reg + "/multi:1")
	if err := remote.WriteIndex(ref, idx); err != nil {
		t.Fatal(err)
	}
	for _, arch := range []string{"amd64", "arm64"} {
		tg := scanRef(t, reg+"/multi:1", image.Options{Platform: "linux/" + arch})
		if _, err := tg.FS.Lstat("/arch-" + arch); err != nil || tg.Platform != "linux/"+arch {
			t.Errorf("%s: picked %s", arch, tg.Platform)
		}
	}
	r, _ := image.ParseRef(reg + "/multi:1")
	if _, err := image.Open(context.Background(), r, image.Options{Platform: "linux/s390x"}); err == nil {
		t.Error("no error for a platform the index lacks")
	}
}

// TestCredentialsDoNotFollowRedirects puts an authenticating front in front of the real
// registry that redirects blob downloads to another host: the pull works, the front sees the
// credentials, and the other host never does.
func TestCredentialsDoNotFollowRedirects(t *testing.T) {
	reg := testregistry.Start(t)
	pushSpec(t, edgeSpec, reg+"/edge:1")
	backend, _ := url.Parse("http://" + reg)
	var mu sync.Mutex
	var leaked, used []string
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		if a := r.Header.Get("Authorization"); a != "" {
			leaked = append(leaked, r.URL.Path+" "+a)
		}
		mu.Unlock()
		httputil.NewSingleHostReverseProxy(backend).ServeHTTP(w, r)
	}))
	defer other.Close()
	// The front is reached as "127.0.0.1:PORT", the other host as "localhost:PORT" (a DNS
	// name: go-containerregistry refuses redirects to private IP literals outright).
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		want := "Basic " + base64.StdEncoding.EncodeToString([]byte("alice:s3cret"))
		if r.Header.Get("Authorization") != want {
			w.Header().Set("WWW-Authenticate", `Basic realm="test"`)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		mu.Lock()
		used = append(used, r.URL.Path)
		mu.Unlock()
		if strings.Contains(r.URL.Path, "/blobs/") {
			http.Redirect(w, r, strings.Replace(other.URL, "127.0.0.1", "localhost", 1)+r.URL.Path, http.StatusTemporaryRedirect)
			return
		}
		httputil.NewSingleHostReverseProxy(backend).ServeHTTP(w, r)
	}))
	defer front.Close()
	frontHost := strings.TrimPrefix(front.URL, "http://")
	kc := staticKeychain{host: frontHost, auth: &authn.Basic{Username: "alice", Password: "s3cret"}}
	tg := scanRef(t, frontHost+"/edge:1", image.Options{Keychain: kc})
	if len(tg.Inventory.Packages) != 3 {
		t.Fatalf("pull through the redirecting registry failed: %+v", tg.Inventory)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(used) == 0 {
		t.Fatal("the front never saw credentials: the test proves nothing")
	}
	if len(leaked) > 0 {
		t.Fatalf("credentials followed a redirect to another host: %v", leaked)
	}
}

type staticKeychain struct {
	host string
	auth authn.Authenticator
}

func (k staticKeychain) Resolve(r authn.Resource) (authn.Authenticator, error) {
	if r.RegistryStr() == k.host {
		return k.auth, nil
	}
	return authn.Anonymous, nil
}

// TestManifestSizeLimit serves a manifest over the cap: a clear error, no unbounded read.
func TestManifestSizeLimit(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v2/" {
			return
		}
		w.Header().Set("Content-Type", "application/vnd.oci.image.manifest.v1+json")
		w.Write([]byte(`{"schemaVersion":2,"x":"`))
		chunk := strings.Repeat("a", 1<<20)
		for i := 0; i < 20; i++ {
			io.WriteString(w, chunk)
		}
	}))
	defer srv.Close()
	r, _ := image.ParseRef(strings.Replace(strings.TrimPrefix(srv.URL, "http://"), "127.0.0.1", "localhost", 1) + "/big:1")
	_, err := image.Open(context.Background(), r, image.Options{})
	if err == nil || !strings.Contains(err.Error(), "over the limit") {
		t.Fatalf("want a size-limit error, got %v", err)
	}
}

// TestDefang writes defanged copies to every kind of destination and rescans them.
func TestDefang(t *testing.T) {
	reg := testregistry.Start(t)
	pushSpec(t, edgeSpec, reg+"/edge:1")
	ociSrc := t.TempDir()
	if err := edgeSpec.WriteLayout(ociSrc); err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	for _, c := range []struct{ src, dst string }{
		{reg + "/edge:1", reg + "/edge:1-defanged"},
		{"oci:" + ociSrc, "oci:" + filepath.Join(tmp, "out")},
		{"oci:" + ociSrc, "docker-archive:" + filepath.Join(tmp, "out.tar")},
	} {
		src, _ := image.ParseRef(c.src)
		dst, _ := image.ParseRef(c.dst)
		res, err := image.Defang(context.Background(), src, dst, image.Options{}, false, imagefs.Limits{})
		if err != nil {
			t.Fatalf("%s -> %s: %v", c.src, c.dst, err)
		}
		if len(res.Changes) != 2 || res.Changes[0].Path != "/usr/bin/sudo" || res.Changes[0].NewMode != "0755" {
			t.Fatalf("changes: %+v", res.Changes)
		}
		tg := scanRef(t, c.dst, image.Options{})
		if left := setuidPaths(tg); len(left) > 0 {
			t.Fatalf("%s still has setuid files: %v", c.dst, left)
		}
		e, err := tg.FS.Lstat("/usr/bin/sudo")
		if err != nil || e.Size != int64(len("sudo-binary")) || e.Layer != len(tg.Layers)-1 {
			t.Fatalf("sudo after defang: %+v %v", e, err)
		}
		h := tg.Config.History[len(tg.Config.History)-1]
		if !strings.Contains(h.CreatedBy, "eksguard image defang") {
			t.Fatalf("history: %+v", h)
		}
		// The rest of the image is untouched.
		if len(tg.Inventory.Packages) != 3 {
			t.Fatalf("packages after defang: %+v", tg.Inventory.Packages)
		}
	}
	// Refuses to overwrite the source unless forced.
	src, _ := image.ParseRef("oci:" + ociSrc)
	if _, err := image.Defang(context.Background(), src, src, image.Options{}, false, imagefs.Limits{}); err != image.ErrSameImage {
		t.Fatalf("overwrite without --force: %v", err)
	}
	if _, err := image.Defang(context.Background(), src, src, image.Options{}, true, imagefs.Limits{}); err != nil {
		t.Fatal(err)
	}
	if left := setuidPaths(scanRef(t, "oci:"+ociSrc, image.Options{})); len(left) > 0 {
		t.Fatalf("forced in-place defang left %v", left)
	}
}

func TestMain(m *testing.M) {
	// Registry pushes and pulls go to loopback only.
	os.Setenv("NO_PROXY", "127.0.0.1,localhost")
	os.Exit(m.Run())
}

// TestLanguagePackages finds npm, Python and Java packages, each with its layer.
func TestLanguagePackages(t *testing.T) {
	var jar bytes.Buffer
	zw := zip.NewWriter(&jar)
	w, _ := zw.Create("META-INF/maven/org.apache.logging.log4j/log4j-core/pom.properties")
	io.WriteString(w, "groupId=org.apache.logging.log4j\nartifactId=log4j-core\nversion=2.14.1\n")
	zw.Close()
	jarFile := filepath.Join(t.TempDir(), "app.jar")
	os.WriteFile(jarFile, jar.Bytes(), 0o644)
	spec := imagetest.Spec{Layers: []imagetest.Layer{
		{Files: []imagetest.Entry{
			{Path: "app/node_modules/lodash/package.json", Content: `{"name":"lodash","version":"4.17.20"}`},
			{Path: "app/package-lock.json", Content: `{"lockfileVersion":3,"packages":{"node_modules/lodash":{"version":"4.17.20"},"node_modules/ms":{"version":"2.1.3"}}}`},
			{Path: "usr/lib/python3/dist-packages/requests-2.31.0.dist-info/METADATA", Content: "Metadata-Version: 2.1\nName: requests\nVersion: 2.31.0\n"},
		}},
		{Files: []imagetest.Entry{{Path: "opt/app.jar", From: jarFile}}},
	}}
	dir := t.TempDir()
	if err := spec.WriteLayout(dir); err != nil {
		t.Fatal(err)
	}
	tg := scanRef(t, "oci:"+dir, image.Options{})
	var got []string
	for _, p := range tg.Inventory.Packages {
		l := "0"
		if p.Layer == tg.Layers[1].Digest {
			l = "1"
		}
		got = append(got, p.Type+":"+p.Name+"@"+p.Version+"/"+l)
	}
	want := "npm:lodash@4.17.20/0 npm:ms@2.1.3/0 pypi:requests@2.31.0/0 maven:org.apache.logging.log4j:log4j-core@2.14.1/1"
	if strings.Join(got, " ") != want {
		t.Fatalf("got  %s\nwant %s", strings.Join(got, " "), want)
	}
}

// TestOCIIndexPlatform picks the platform from an OCI layout holding a two-platform index.
func TestOCIIndexPlatform(t *testing.T) {
	dir := t.TempDir()
	p, err := layout.Write(dir, empty.Index)
	if err != nil {
		t.Fatal(err)
	}
	for _, arch := range []string{"arm64", "amd64"} {
		s := imagetest.Spec{Layers: []imagetest.Layer{{Files: []imagetest.Entry{{Path: "arch-" + arch, Content: arch}}}}}
		img, _ := s.Image()
		cfg, _ := img.ConfigFile()
		cfg = cfg.DeepCopy()
		cfg.Architecture = arch
		img, _ = mutate.ConfigFile(img, cfg)
		if err := p.AppendImage(img, layout.WithPlatform(v1.Platform{OS: "linux", Architecture: arch})); err != nil {
			t.Fatal(err)
		}
	}
	for _, arch := range []string{"amd64", "arm64"} {
		tg := scanRef(t, "oci:"+dir, image.Options{Platform: "linux/" + arch})
		if _, err := tg.FS.Lstat("/arch-" + arch); err != nil {
			t.Errorf("%s: picked %s", arch, tg.Platform)
		}
	}
	r, _ := image.ParseRef("oci:" + dir)
	if _, err := image.Open(context.Background(), r, image.Options{Platform: "linux/ppc64le"}); err == nil || !strings.Contains(err.Error(), "no image for platform") {
		t.Errorf("missing platform: %v", err)
	}
}

// TestTamperedLayer flips a byte of a layer blob in an OCI layout: the scan reports a digest
// mismatch naming the layer, and goes on.
func TestTamperedLayer(t *testing.T) {
	dir := t.TempDir()
	if err := edgeSpec.WriteLayout(dir); err != nil {
		t.Fatal(err)
	}
	r, _ := image.ParseRef("oci:" + dir)
	im, err := image.Open(context.Background(), r, image.Options{})
	if err != nil {
		t.Fatal(err)
	}
	l := im.Layers[1]
	blob := filepath.Join(dir, "blobs", "sha256", strings.TrimPrefix(l.Digest, "sha256:"))
	data, err := os.ReadFile(blob)
	if err != nil {
		t.Fatal(err)
	}
	data[len(data)/2] ^= 0xff
	os.WriteFile(blob, data, 0o644)
	tg, err := image.Scan(context.Background(), im, imagefs.Limits{}, secret.Default)
	if err != nil {
		t.Fatal(err)
	}
	if !tg.FS.Incomplete || len(tg.FS.Problems) == 0 || !strings.Contains(tg.FS.Problems[len(tg.FS.Problems)-1].Error(), "layer "+l.Digest+": digest mismatch") {
		t.Fatalf("problems: %v", tg.FS.Problems)
	}
	// The intact lower layer was still read.
	if _, err := tg.FS.Lstat("/usr/bin/sudo"); err != nil {
		t.Fatal(err)
	}
}

// TestPullProgress: a registry pull reports progress on the given writer.
func TestPullProgress(t *testing.T) {
	reg := testregistry.Start(t)
	pushSpec(t, edgeSpec, reg+"/edge:1")
	old := image.ProgressInterval
	image.ProgressInterval = time.Nanosecond
	defer func() { image.ProgressInterval = old }()
	var buf syncBuffer
	scanRef(t, reg+"/edge:1", image.Options{Progress: &buf})
	if s := buf.String(); !strings.Contains(s, "pulled "+reg+"/edge:1: ") {
		t.Fatalf("progress: %q", s)
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// TestDirSource reads a root filesystem on disk: packages without a layer, setuid bits, and a
// symlink that points out of the root recorded as a link, never followed.
func TestDirSource(t *testing.T) {
	root := t.TempDir()
	os.MkdirAll(filepath.Join(root, "var/lib/dpkg"), 0o755)
	os.WriteFile(filepath.Join(root, "var/lib/dpkg/status"), []byte("Package: a\nStatus: install ok installed\nVersion: 1\n"), 0o644)
	os.MkdirAll(filepath.Join(root, "usr/bin"), 0o755)
	os.WriteFile(filepath.Join(root, "usr/bin/su"), []byte("su"), 0o755)
	os.Chmod(filepath.Join(root, "usr/bin/su"), 0o755|os.ModeSetuid)
	os.Symlink("/etc/shadow", filepath.Join(root, "shadow"))
	tg := scanRef(t, "dir:"+root, image.Options{})
	if len(tg.Inventory.Packages) != 1 || tg.Inventory.Packages[0].Layer != "" || tg.HasConfig {
		t.Fatalf("%+v", tg.Inventory.Packages)
	}
	if s := setuidPaths(tg); len(s) != 1 || s[0] != "/usr/bin/su" {
		t.Fatalf("setuid: %v", s)
	}
	if e, err := tg.FS.Lstat("/shadow"); err != nil || e.Type != imagefs.TypeSymlink {
		t.Fatalf("%+v %v", e, err)
	}
	if _, err := tg.FS.Stat("/shadow"); err == nil {
		t.Fatal("the escaping symlink resolved to something inside the image")
	}
}
