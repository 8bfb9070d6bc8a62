package image

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"syscall"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/match"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// TarDir writes the tree under root as a tar stream, in lexical order, with modes, owners,
// times, symlinks and hard links (by inode) as they are on disk. Nothing outside root is
// read: the walk goes through os.Root and never follows symlinks.
func TarDir(w io.Writer, root string, exclude []string) error {
	r, err := os.OpenRoot(root)
	if err != nil {
		return err
	}
	defer r.Close()
	tw := tar.NewWriter(w)
	inodes := map[[2]uint64]string{}
	err = fs.WalkDir(r.FS(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p == "." || slices.Contains(exclude, p) {
			return nil
		}
		st, err := r.Lstat(p)
		if err != nil {
			return err
		}
		link := ""
		if st.Mode()&fs.ModeSymlink != 0 {
			if link, err = r.Readlink(p); err != nil {
				return err
			}
		}
		h, err := tar.FileInfoHeader(st, link)
		if err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		h.Name = p
		if st.IsDir() {
			h.Name += "/"
		}
		h.Uname, h.Gname = "", ""
		h.Format = tar.FormatPAX
		h.AccessTime, h.ChangeTime = st.ModTime(), st.ModTime()
		if sys, ok := st.Sys().(*syscall.Stat_t); ok && st.Mode().IsRegular() && sys.Nlink > 1 {
			key := [2]uint64{uint64(sys.Dev), sys.Ino}
			if first, ok := inodes[key]; ok {
				h.Typeflag, h.Linkname, h.Size = tar.TypeLink, first, 0
			} else {
				inodes[key] = p
			}
		}
		if err := tw.WriteHeader(h); err != nil {
			return err
		}
		if h.Typeflag == tar.TypeReg {
			f, err := r.OpenFile(p, os.O_RDONLY|syscall.O_NOFOLLOW, 0)
			if err != nil {
				return err
			}
			_, err = io.Copy(tw, f)
			f.Close()
			if err != nil {
				return fmt.Errorf("%s: %w", p, err)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	return tw.Close()
}

// Write stores img at dst: a registry reference, an OCI layout directory (created, or the
// image added to it) or a docker-archive file (written to a temporary file and renamed).
func Write(ctx context.Context, img v1.Image, dst Ref, tag string, opts Options) error {
	switch dst.Kind {
	case KindRegistry:
		ref, err := name.ParseReference(dst.Name)
		if err != nil {
			return err
		}
		kc := opts.Keychain
		if kc == nil {
			kc = Keychain()
		}
		base := opts.Transport
		if base == nil {
			base = defaultTransport()
		}
		return remote.Write(ref, img, remote.WithContext(ctx), remote.WithAuthFromKeychain(kc),
			remote.WithTransport(&guardTransport{base: base, registry: ref.Context().RegistryStr()}))
	case KindOCI:
		annotations := map[string]string{}
		if tag != "" {
			annotations["org.opencontainers.image.ref.name"] = tag
		}
		if _, err := os.Stat(filepath.Join(dst.Path, "index.json")); err == nil {
			p, err := layout.FromPath(dst.Path)
			if err != nil {
				return err
			}
			if tag != "" {
				return p.ReplaceImage(img, match.Annotation("org.opencontainers.image.ref.name", tag), layout.WithAnnotations(annotations))
			}
			return p.AppendImage(img)
		}
		p, err := layout.Write(dst.Path, empty.Index)
		if err != nil {
			return err
		}
		return p.AppendImage(img, layout.WithAnnotations(annotations))
	case KindDockerArchive:
		tmp, err := os.CreateTemp(filepath.Dir(dst.Path), ".eksguard-*.tar")
		if err != nil {
			return err
		}
		tmpName := tmp.Name()
		defer os.Remove(tmpName)
		var t name.Tag
		if tag == "" {
			tag = "eksguard/defanged:latest"
		}
		t, err = name.NewTag(tag)
		if err != nil {
			tmp.Close()
			return err
		}
		if err := tarball.Write(t, img, tmp); err != nil {
			tmp.Close()
			return err
		}
		if err := tmp.Close(); err != nil {
			return err
		}
		return os.Rename(tmpName, dst.Path)
	}
	return errors.New("cannot write an image to a " + dst.Kind + " destination")
}
