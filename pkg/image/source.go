// Package image opens container images (registry references, OCI image layouts,
// docker-archive tarballs and plain root filesystems) and reads them into a merged virtual
// filesystem with analysers, without extracting anything to disk.
package image

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/eksguard/eksguard/pkg/imagefs"
)

// Source kinds.
const (
	KindRegistry      = "registry"
	KindOCI           = "oci"
	KindDockerArchive = "docker-archive"
	KindDir           = "dir"
)

// Caps on image metadata (hostile-inputs A13-A15).
const (
	MaxManifestBytes = 8 << 20 // manifest, index, config, docker-archive manifest.json
	MaxTokenBytes    = 1 << 20
	MaxIndexDepth    = 4
	MaxIndexEntries  = 1000
)

// Options say how to open an image.
type Options struct {
	// Platform picks the image of a multi-platform index: os/arch[/variant] (default
	// linux/amd64).
	Platform string
	// Keychain supplies registry credentials (default: Keychain(), docker config files and
	// ECR for *.dkr.ecr.<region>.amazonaws.com hosts).
	Keychain authn.Keychain
	// Transport is the base HTTP transport (default http.DefaultTransport).
	Transport http.RoundTripper
	// Progress receives progress lines for registry pulls that take more than a moment.
	Progress io.Writer
}

// Ref is a parsed image reference.
type Ref struct {
	Kind string // one of the Kind constants
	Path string // file or directory for oci, docker-archive, dir
	Name string // registry reference
}

func (r Ref) String() string {
	if r.Kind == KindRegistry {
		return r.Name
	}
	return r.Kind + ":" + r.Path
}

// ParseRef reads REF: oci:DIR, docker-archive:FILE, dir:ROOTFS or a registry reference.
func ParseRef(s string) (Ref, error) {
	for _, k := range []string{KindOCI, KindDockerArchive, KindDir} {
		if p, ok := strings.CutPrefix(s, k+":"); ok {
			if p == "" {
				return Ref{}, fmt.Errorf("image %q: %s: needs a path", s, k)
			}
			return Ref{Kind: k, Path: p}, nil
		}
	}
	if _, err := name.ParseReference(s); err != nil {
		return Ref{}, fmt.Errorf("image %q: %w", s, err)
	}
	return Ref{Kind: KindRegistry, Name: s}, nil
}

// Layer describes one layer of an image.
type Layer struct {
	Digest    string `json:"digest"`           // digest of the stored blob
	DiffID    string `json:"diffId,omitempty"` // digest of the uncompressed tar
	Size      int64  `json:"size"`             // stored (compressed) size
	MediaType string `json:"mediaType,omitempty"`
	CreatedBy string `json:"createdBy,omitempty"` // the history entry that made it
}

// Image is an opened image: its configuration and the layers to read.
type Image struct {
	Ref      Ref
	Digest   string // manifest digest; empty for dir
	Platform string
	Config   *v1.ConfigFile // nil for dir
	Layers   []Layer
	img      v1.Image // nil for dir
	opts     Options
}

// Img returns the go-containerregistry image (nil for a dir source).
func (im *Image) Img() v1.Image { return im.img }

// ParsePlatform reads os/arch[/variant].
func ParsePlatform(s string) (v1.Platform, error) {
	if s == "" {
		s = "linux/amd64"
	}
	p, err := v1.ParsePlatform(s)
	if err != nil {
		return v1.Platform{}, fmt.Errorf("--platform %q: %w", s, err)
	}
	if p.OS == "" || p.Architecture == "" {
		return v1.Platform{}, fmt.Errorf("--platform %q: want os/arch[/variant]", s)
	}
	return *p, nil
}

// Open opens the image ref names.
func Open(ctx context.Context, ref Ref, opts Options) (*Image, error) {
	plat, err := ParsePlatform(opts.Platform)
	if err != nil {
		return nil, err
	}
	im := &Image{Ref: ref, opts: opts}
	switch ref.Kind {
	case KindDir:
		st, err := os.Stat(ref.Path)
		if err != nil {
			return nil, fmt.Errorf("image %s: %w", ref, err)
		}
		if !st.IsDir() {
			return nil, fmt.Errorf("image %s: not a directory", ref)
		}
		return im, nil
	case KindRegistry:
		im.img, err = openRemote(ctx, ref.Name, plat, opts)
	case KindOCI:
		im.img, err = openLayout(ref.Path, plat)
	case KindDockerArchive:
		im.img, err = openArchive(ref.Path)
	default:
		err = fmt.Errorf("unknown image source %q", ref.Kind)
	}
	if err != nil {
		return nil, fmt.Errorf("image %s: %w", ref, err)
	}
	if err := im.load(plat); err != nil {
		return nil, fmt.Errorf("image %s: %w", ref, err)
	}
	return im, nil
}

func (im *Image) load(plat v1.Platform) error {
	m, err := im.img.Manifest()
	if err != nil {
		return fmt.Errorf("manifest: %w", err)
	}
	if m.Config.Size > MaxManifestBytes {
		return fmt.Errorf("config blob %s is %d bytes, over the limit of %d", m.Config.Digest, m.Config.Size, MaxManifestBytes)
	}
	if len(m.Layers) > 4096 {
		return fmt.Errorf("manifest lists %d layers, over the limit of 4096", len(m.Layers))
	}
	d, err := im.img.Digest()
	if err != nil {
		return fmt.Errorf("digest: %w", err)
	}
	im.Digest = d.String()
	cfg, err := im.img.ConfigFile()
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	im.Config = cfg
	im.Platform = cfg.OS + "/" + cfg.Architecture
	if cfg.Variant != "" {
		im.Platform += "/" + cfg.Variant
	}
	layers, err := im.img.Layers()
	if err != nil {
		return fmt.Errorf("layers: %w", err)
	}
	// History entries that made a layer, in order.
	var made []string
	for _, h := range cfg.History {
		if !h.EmptyLayer {
			made = append(made, h.CreatedBy)
		}
	}
	for i, l := range layers {
		var lm Layer
		if dg, err := l.Digest(); err == nil {
			lm.Digest = dg.String()
		}
		// The DiffID comes from the config: asking some layers for it decompresses them.
		if i < len(cfg.RootFS.DiffIDs) {
			lm.DiffID = cfg.RootFS.DiffIDs[i].String()
		}
		if sz, err := l.Size(); err == nil {
			lm.Size = sz
		}
		if mt, err := l.MediaType(); err == nil {
			lm.MediaType = string(mt)
		}
		if len(made) == len(layers) {
			lm.CreatedBy = made[i]
		}
		im.Layers = append(im.Layers, lm)
	}
	return nil
}

// openRemote resolves a registry reference, picking plat from an index.
func openRemote(ctx context.Context, s string, plat v1.Platform, opts Options) (v1.Image, error) {
	ref, err := name.ParseReference(s)
	if err != nil {
		return nil, err
	}
	kc := opts.Keychain
	if kc == nil {
		kc = Keychain()
	}
	base := opts.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	tr := &guardTransport{base: base, registry: ref.Context().RegistryStr()}
	return remote.Image(ref, remote.WithContext(ctx), remote.WithAuthFromKeychain(kc), remote.WithTransport(tr),
		remote.WithPlatform(plat), remote.WithUserAgent("eksguard"))
}

// guardTransport sits under go-containerregistry's auth transports. It drops credentials
// on any request to a host other than the reference's registry (a redirect to a storage
// backend, or a hostile registry sending the client elsewhere), and caps every response
// that is not a blob at MaxManifestBytes (manifests, indexes, token answers).
type guardTransport struct {
	base     http.RoundTripper
	registry string
}

func (g *guardTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Header.Get("Authorization") != "" && !sameHost(req.URL.Host, g.registry) {
		req = req.Clone(req.Context())
		req.Header.Del("Authorization")
	}
	resp, err := g.base.RoundTrip(req)
	if err != nil || resp.Body == nil {
		return resp, err
	}
	if !strings.Contains(req.URL.Path, "/blobs/") {
		limit := int64(MaxManifestBytes)
		if !strings.HasPrefix(req.URL.Path, "/v2/") {
			limit = MaxTokenBytes
		}
		resp.Body = &limitedBody{rc: resp.Body, left: limit, url: req.URL.Redacted()}
	}
	return resp, nil
}

// sameHost compares host[:port] forms, treating a missing port of the registry name as
// the default HTTPS port Docker Hub's alias maps to.
func sameHost(a, registry string) bool {
	if registry == name.DefaultRegistry {
		registry = "registry-1.docker.io"
	}
	strip := func(h string) string {
		h = strings.ToLower(h)
		h = strings.TrimSuffix(h, ":443")
		return h
	}
	return strip(a) == strip(registry)
}

type limitedBody struct {
	rc   io.ReadCloser
	left int64
	url  string
}

func (l *limitedBody) Read(p []byte) (int, error) {
	if l.left <= 0 {
		// One more byte means the body is over the cap.
		var one [1]byte
		n, _ := l.rc.Read(one[:])
		if n > 0 {
			return 0, fmt.Errorf("response from %s is over the limit of %d bytes", l.url, MaxManifestBytes)
		}
		return 0, io.EOF
	}
	if int64(len(p)) > l.left {
		p = p[:l.left]
	}
	n, err := l.rc.Read(p)
	l.left -= int64(n)
	return n, err
}

func (l *limitedBody) Close() error { return l.rc.Close() }

// openLayout opens an OCI image layout, descending indexes to the image for plat.
func openLayout(dir string, plat v1.Platform) (v1.Image, error) {
	st, err := os.Stat(filepath.Join(dir, "index.json"))
	if err != nil {
		return nil, fmt.Errorf("not an OCI image layout: %w", err)
	}
	if st.Size() > MaxManifestBytes {
		return nil, fmt.Errorf("index.json is %d bytes, over the limit of %d", st.Size(), MaxManifestBytes)
	}
	idx, err := layout.ImageIndexFromPath(dir)
	if err != nil {
		return nil, err
	}
	return pickImage(idx, plat, 0, map[v1.Hash]bool{})
}

func pickImage(idx v1.ImageIndex, plat v1.Platform, depth int, seen map[v1.Hash]bool) (v1.Image, error) {
	if depth > MaxIndexDepth {
		return nil, fmt.Errorf("indexes nested deeper than %d", MaxIndexDepth)
	}
	im, err := idx.IndexManifest()
	if err != nil {
		return nil, err
	}
	if len(im.Manifests) > MaxIndexEntries {
		return nil, fmt.Errorf("index lists %d manifests, over the limit of %d", len(im.Manifests), MaxIndexEntries)
	}
	var cands []v1.Descriptor
	for _, d := range im.Manifests {
		if d.Size > MaxManifestBytes {
			return nil, fmt.Errorf("manifest %s is %d bytes, over the limit of %d", d.Digest, d.Size, MaxManifestBytes)
		}
		if seen[d.Digest] {
			return nil, fmt.Errorf("index loop at %s", d.Digest)
		}
		if d.Platform != nil && !d.Platform.Satisfies(plat) {
			continue
		}
		cands = append(cands, d)
	}
	for _, d := range cands {
		switch d.MediaType {
		case types.OCIManifestSchema1, types.DockerManifestSchema2:
			return idx.Image(d.Digest)
		case types.OCIImageIndex, types.DockerManifestList:
			seen[d.Digest] = true
			sub, err := idx.ImageIndex(d.Digest)
			if err != nil {
				return nil, err
			}
			img, err := pickImage(sub, plat, depth+1, seen)
			if err == nil {
				return img, nil
			}
			if !errors.Is(err, errNoPlatform) {
				return nil, err
			}
		}
	}
	return nil, fmt.Errorf("%w %s", errNoPlatform, plat.String())
}

var errNoPlatform = errors.New("no image for platform")

// openArchive opens `docker save` output, checking the metadata members' sizes first.
func openArchive(file string) (v1.Image, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("not a docker-archive tarball: %w", err)
		}
		if (h.Name == "manifest.json" || strings.HasSuffix(h.Name, ".json")) && h.Size > MaxManifestBytes {
			f.Close()
			return nil, fmt.Errorf("member %s is %d bytes, over the limit of %d", h.Name, h.Size, MaxManifestBytes)
		}
	}
	f.Close()
	return tarball.ImageFromPath(file, nil)
}

// FSLayers returns the layers to read into the merged filesystem. progress, when not nil,
// is told of every blob byte read.
func (im *Image) FSLayers(progress func(n int)) ([]imagefs.Layer, error) {
	if im.img == nil {
		return nil, errors.New("a dir source has no layers")
	}
	ls, err := im.img.Layers()
	if err != nil {
		return nil, err
	}
	out := make([]imagefs.Layer, len(ls))
	for i, l := range ls {
		l, meta := l, im.Layers[i]
		fl := imagefs.Layer{ID: meta.Digest, Digest: meta.Digest, Size: meta.Size}
		open := l.Compressed
		if im.Ref.Kind == KindDockerArchive && !storedCompressed(meta.MediaType) {
			// docker save stores uncompressed tars: read them as they are (asking the
			// archive for the compressed form would compress them on the fly).
			open, fl.Digest, fl.Size = l.Uncompressed, meta.DiffID, -1
		}
		fl.Open = func() (io.ReadCloser, error) {
			rc, err := open()
			if err != nil || progress == nil {
				return rc, err
			}
			return &progressReader{rc: rc, fn: progress}, nil
		}
		out[i] = fl
	}
	return out, nil
}

// storedCompressed says whether a layer media type is a compressed tar.
func storedCompressed(mt string) bool {
	return mt == string(types.DockerLayer) || strings.Contains(mt, "gzip") || strings.Contains(mt, "zstd")
}

type progressReader struct {
	rc io.ReadCloser
	fn func(int)
}

func (p *progressReader) Read(b []byte) (int, error) {
	n, err := p.rc.Read(b)
	p.fn(n)
	return n, err
}

func (p *progressReader) Close() error { return p.rc.Close() }

// Clock is time.Now, replaceable in tests.
var Clock = time.Now
