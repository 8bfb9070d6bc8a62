package image

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/match"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/eksguard/eksguard/pkg/imagefs"
)

// DefangAnnotation is the layer annotation that records what `image defang` changed.
const DefangAnnotation = "io.eksguard.image.defang"

// Change is one file whose setuid/setgid bits defang cleared.
type Change struct {
	Path    string `json:"path"`
	OldMode string `json:"oldMode"`
	NewMode string `json:"newMode"`
	Owner   string `json:"owner"` // uid:gid
	Layer   string `json:"layer"` // the layer that had set the bits
}

// DefangResult says what defang wrote.
type DefangResult struct {
	Source      string   `json:"source"`
	Destination string   `json:"destination"`
	Digest      string   `json:"digest"` // of the written image
	Changes     []Change `json:"changes"`
}

// ErrSameImage is returned when the destination is the source and overwriting was not asked for.
var ErrSameImage = errors.New("destination is the source image: pass --force to overwrite it")

// SameImage reports whether two references name the same stored image.
func SameImage(a, b Ref) bool {
	if a.Kind != b.Kind {
		return false
	}
	if a.Kind == KindRegistry {
		ra, err1 := name.ParseReference(a.Name)
		rb, err2 := name.ParseReference(b.Name)
		return err1 == nil && err2 == nil && ra.Name() == rb.Name()
	}
	pa, err1 := filepath.Abs(a.Path)
	pb, err2 := filepath.Abs(b.Path)
	if err1 != nil || err2 != nil {
		return a.Path == b.Path
	}
	if ea, err := filepath.EvalSymlinks(pa); err == nil {
		pa = ea
	}
	if eb, err := filepath.EvalSymlinks(pb); err == nil {
		pb = eb
	}
	return pa == pb
}

// defangContent captures the content of setuid/setgid regular files while the layers
// stream, so the added layer can carry them with the bits cleared.
type defangContent struct{ max int64 }

func (defangContent) Name() string { return "defang" }
func (defangContent) Wants(_ string, e *imagefs.Entry) bool {
	return e.Type == imagefs.TypeReg && e.Mode&(imagefs.ModeSetuid|imagefs.ModeSetgid) != 0
}
func (d defangContent) Analyze(_ string, e *imagefs.Entry, r io.Reader) (any, error) {
	b, err := io.ReadAll(io.LimitReader(r, e.Size))
	if err != nil {
		return nil, err
	}
	return b, nil
}

// Defang writes dst: the image src with one more layer that re-adds every setuid/setgid
// file of the final filesystem with those bits cleared (content, owner and times kept).
// The change list is recorded in the layer's history entry and annotation.
func Defang(ctx context.Context, src, dst Ref, opts Options, force bool, lim imagefs.Limits) (*DefangResult, error) {
	if src.Kind == KindDir {
		return nil, errors.New("defang needs an image (registry, oci: or docker-archive:), not a dir: root filesystem")
	}
	if dst.Kind == KindDir {
		return nil, errors.New("defang writes an image: the destination cannot be dir:")
	}
	if SameImage(src, dst) && !force {
		return nil, ErrSameImage
	}
	im, err := Open(ctx, src, opts)
	if err != nil {
		return nil, err
	}
	ls, err := im.FSLayers(nil)
	if err != nil {
		return nil, err
	}
	f, err := imagefs.NewBuilder(lim, defangContent{}).Build(ctx, ls)
	if err != nil {
		return nil, err
	}
	if f.Incomplete {
		return nil, fmt.Errorf("image %s could not be read whole: %v", src, f.Problems)
	}
	content := map[string][]byte{}
	for _, r := range f.Results("defang") {
		content[r.Path] = r.Value.([]byte)
	}
	res := &DefangResult{Source: src.String(), Destination: dst.String()}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	err = f.Walk(func(e *imagefs.Entry) error {
		if e.Type == imagefs.TypeDir || e.Type == imagefs.TypeSymlink || e.Mode&(imagefs.ModeSetuid|imagefs.ModeSetgid) == 0 {
			return nil
		}
		h := &tar.Header{Name: strings.TrimPrefix(e.Path, "/"), Mode: int64(e.Mode &^ (imagefs.ModeSetuid | imagefs.ModeSetgid)),
			Uid: e.UID, Gid: e.GID, Uname: e.Uname, Gname: e.Gname, ModTime: time.Unix(e.ModTime, 0), Format: tar.FormatPAX}
		var body []byte
		switch e.Type {
		case imagefs.TypeReg:
			b, ok := content[e.Path]
			if !ok {
				return fmt.Errorf("%s: content not available (over the per-file limit of the scan?)", e.Path)
			}
			h.Typeflag, h.Size, body = tar.TypeReg, int64(len(b)), b
		case imagefs.TypeChar, imagefs.TypeBlock, imagefs.TypeFifo:
			return fmt.Errorf("%s: special file with setuid/setgid bits; not rewritten", e.Path)
		}
		if err := tw.WriteHeader(h); err != nil {
			return err
		}
		if _, err := tw.Write(body); err != nil {
			return err
		}
		res.Changes = append(res.Changes, Change{Path: e.Path, OldMode: fmt.Sprintf("%04o", e.Mode), NewMode: fmt.Sprintf("%04o", h.Mode),
			Owner: fmt.Sprintf("%d:%d", e.UID, e.GID), Layer: im.Layers[e.Layer].Digest})
		return nil
	})
	if err != nil {
		return nil, err
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	img := im.img
	if len(res.Changes) > 0 {
		data := buf.Bytes()
		layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil },
			tarball.WithMediaType(layerMediaType(im)))
		if err != nil {
			return nil, err
		}
		var paths []string
		for _, c := range res.Changes {
			paths = append(paths, c.Path+" "+c.OldMode+"->"+c.NewMode)
		}
		summary := fmt.Sprintf("eksguard image defang: cleared setuid/setgid bits on %d files", len(res.Changes))
		img, err = mutate.Append(img, mutate.Addendum{
			Layer:       layer,
			History:     v1.History{CreatedBy: summary, Comment: strings.Join(paths, "; "), Created: v1.Time{Time: time.Now().UTC().Truncate(time.Second)}},
			Annotations: map[string]string{DefangAnnotation: strings.Join(paths, "; ")},
			MediaType:   layerMediaType(im),
		})
		if err != nil {
			return nil, err
		}
	}
	if dst.Kind == KindOCI && SameImage(src, dst) {
		p, err := layout.FromPath(dst.Path)
		if err != nil {
			return nil, err
		}
		old, err := v1.NewHash(im.Digest)
		if err != nil {
			return nil, err
		}
		err = p.ReplaceImage(img, match.Digests(old))
		if err != nil {
			return nil, err
		}
	} else if err := Write(ctx, img, dst, "defanged", opts); err != nil {
		return nil, fmt.Errorf("writing %s: %w", dst, err)
	}
	d, err := img.Digest()
	if err != nil {
		return nil, err
	}
	res.Digest = d.String()
	return res, nil
}

// layerMediaType keeps the new layer in the family (OCI or Docker) of the image's others.
func layerMediaType(im *Image) types.MediaType {
	if mt, err := im.img.MediaType(); err == nil && mt == types.DockerManifestSchema2 {
		return types.DockerLayer
	}
	return types.OCILayer
}
