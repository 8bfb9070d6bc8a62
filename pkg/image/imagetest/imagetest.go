// Package imagetest builds small images from a declarative description, for tests and
// rule fixtures: a YAML file lists the configuration and the layers' entries, and Build
// writes a real OCI image layout that the scanner then reads like any other.
package imagetest

import (
	"archive/tar"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"sigs.k8s.io/yaml"

	"github.com/eksguard/eksguard/pkg/image"
	"github.com/eksguard/eksguard/pkg/image/secret"
	"github.com/eksguard/eksguard/pkg/imagefs"
	"github.com/eksguard/eksguard/pkg/target"
)

// Spec describes an image.
type Spec struct {
	Config *Config `json:"config,omitempty"` // nil: a default config (user 1000, a healthcheck)
	Layers []Layer `json:"layers"`
}

// Config is the image configuration.
type Config struct {
	User        string            `json:"user,omitempty"`
	Env         []string          `json:"env,omitempty"`
	Labels      map[string]string `json:"labels,omitempty"`
	Healthcheck []string          `json:"healthcheck,omitempty"`
	// History lists extra empty-layer history entries (e.g. "ADD https://... /x").
	History []string `json:"history,omitempty"`
}

// Layer is one layer.
type Layer struct {
	CreatedBy string  `json:"createdBy,omitempty"`
	Files     []Entry `json:"files"`
}

// Entry is one tar entry.
type Entry struct {
	Path string `json:"path"`
	// Type: file (default), dir, symlink, hardlink, whiteout (of Path), opaque (Path is the dir).
	Type    string `json:"type,omitempty"`
	Mode    string `json:"mode,omitempty"` // octal, e.g. "4755"; default 644 (files), 755 (dirs)
	UID     int    `json:"uid,omitempty"`
	GID     int    `json:"gid,omitempty"`
	Content string `json:"content,omitempty"`
	Size    int    `json:"size,omitempty"`     // filler bytes when Content is empty
	Link    string `json:"link,omitempty"`     // symlink or hard link target
	From    string `json:"fromFile,omitempty"` // read content from this host file
}

// Load reads a spec from a YAML file.
func Load(file string) (*Spec, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	var s Spec
	if err := yaml.UnmarshalStrict(data, &s); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	return &s, nil
}

// LayerTar renders a layer's entries as a tar stream.
func LayerTar(l Layer) ([]byte, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range l.Files {
		h := &tar.Header{Name: e.Path, Uid: e.UID, Gid: e.GID, ModTime: time.Unix(1700000000, 0), Format: tar.FormatPAX}
		mode := int64(0644)
		var body []byte
		switch e.Type {
		case "", "file":
			h.Typeflag = tar.TypeReg
			body = []byte(e.Content)
			if e.From != "" {
				b, err := os.ReadFile(e.From)
				if err != nil {
					return nil, err
				}
				body = b
			} else if e.Content == "" && e.Size > 0 {
				body = bytes.Repeat([]byte{'x'}, e.Size)
			}
			h.Size = int64(len(body))
		case "dir":
			h.Typeflag, mode = tar.TypeDir, 0755
		case "symlink":
			h.Typeflag, h.Linkname, mode = tar.TypeSymlink, e.Link, 0777
		case "hardlink":
			h.Typeflag, h.Linkname = tar.TypeLink, e.Link
		case "whiteout":
			h.Typeflag = tar.TypeReg
			h.Name = filepath.Join(filepath.Dir(e.Path), ".wh."+filepath.Base(e.Path))
		case "opaque":
			h.Typeflag = tar.TypeReg
			h.Name = filepath.Join(e.Path, ".wh..wh..opq")
		default:
			return nil, fmt.Errorf("%s: unknown type %q", e.Path, e.Type)
		}
		if e.Mode != "" {
			m, err := strconv.ParseInt(e.Mode, 8, 64)
			if err != nil {
				return nil, fmt.Errorf("%s: mode %q: %w", e.Path, e.Mode, err)
			}
			mode = m
		}
		h.Mode = mode
		if err := tw.WriteHeader(h); err != nil {
			return nil, err
		}
		if _, err := tw.Write(body); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Image builds the go-containerregistry image of a spec.
func (s *Spec) Image() (v1.Image, error) {
	img := empty.Image
	cfg, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	cfg = cfg.DeepCopy()
	cfg.OS, cfg.Architecture = "linux", "amd64"
	c := s.Config
	if c == nil {
		c = &Config{User: "1000", Healthcheck: []string{"CMD", "true"}}
	}
	cfg.Config.User, cfg.Config.Env, cfg.Config.Labels = c.User, c.Env, c.Labels
	if c.Healthcheck != nil {
		cfg.Config.Healthcheck = &v1.HealthConfig{Test: c.Healthcheck}
	}
	for _, h := range c.History {
		cfg.History = append(cfg.History, v1.History{CreatedBy: h, EmptyLayer: true})
	}
	if img, err = mutate.ConfigFile(img, cfg); err != nil {
		return nil, err
	}
	for i, l := range s.Layers {
		data, err := LayerTar(l)
		if err != nil {
			return nil, fmt.Errorf("layer %d: %w", i, err)
		}
		layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil })
		if err != nil {
			return nil, err
		}
		by := l.CreatedBy
		if by == "" {
			by = fmt.Sprintf("layer %d", i)
		}
		if img, err = mutate.Append(img, mutate.Addendum{Layer: layer, History: v1.History{CreatedBy: by}}); err != nil {
			return nil, err
		}
	}
	return img, nil
}

// WriteLayout writes the spec as an OCI image layout in dir.
func (s *Spec) WriteLayout(dir string) error {
	img, err := s.Image()
	if err != nil {
		return err
	}
	return image.Write(context.Background(), img, image.Ref{Kind: image.KindOCI, Path: dir}, "test", image.Options{})
}

// Target builds the spec as an OCI layout in a temporary directory under tmp and scans it
// as eksguard would.
func (s *Spec) Target(tmp string) (*target.Image, error) {
	dir, err := os.MkdirTemp(tmp, "oci-")
	if err != nil {
		return nil, err
	}
	if err := s.WriteLayout(dir); err != nil {
		return nil, err
	}
	im, err := image.Open(context.Background(), image.Ref{Kind: image.KindOCI, Path: dir}, image.Options{})
	if err != nil {
		return nil, err
	}
	t, err := image.Scan(context.Background(), im, imagefs.Limits{}, secret.Default)
	if err != nil {
		return nil, err
	}
	if len(t.FS.Problems) > 0 {
		return t, fmt.Errorf("problems: %v", t.FS.Problems)
	}
	t.Name = "fixture:" + strings.TrimPrefix(filepath.Base(dir), "oci-")
	return t, nil
}
