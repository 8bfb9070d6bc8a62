// Command ocipack packs a root filesystem directory into a one-layer OCI image layout with
// eksguard's own code (pkg/image.TarDir). The test set-up uses it for the Debian image.
//
//	go run ./hack/ocipack -rootfs DIR -out LAYOUT [-tag NAME] [-exclude PATH]... [-add-layer DIR]...
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/eksguard/eksguard/pkg/image"
)

type list []string

func (l *list) String() string     { return strings.Join(*l, ",") }
func (l *list) Set(s string) error { *l = append(*l, s); return nil }

func main() {
	var rootfs, out, tag string
	var exclude, extra list
	flag.StringVar(&rootfs, "rootfs", "", "root filesystem directory (the first layer)")
	flag.StringVar(&out, "out", "", "OCI layout directory to write")
	flag.StringVar(&tag, "tag", "latest", "ref name annotation")
	flag.Var(&exclude, "exclude", "path relative to a layer directory to leave out (repeatable)")
	flag.Var(&extra, "add-layer", "directory to add as a further layer (repeatable)")
	flag.Parse()
	if rootfs == "" || out == "" {
		flag.Usage()
		os.Exit(2)
	}
	if err := run(append([]string{rootfs}, extra...), exclude, out, tag); err != nil {
		fmt.Fprintln(os.Stderr, "ocipack:", err)
		os.Exit(1)
	}
}

func run(dirs, exclude []string, out, tag string) error {
	img := empty.Image
	cfg, err := img.ConfigFile()
	if err != nil {
		return err
	}
	cfg = cfg.DeepCopy()
	cfg.OS, cfg.Architecture = "linux", "amd64"
	cfg.Config.Cmd = []string{"bash"}
	cfg.Config.Env = []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}
	if img, err = mutate.ConfigFile(img, cfg); err != nil {
		return err
	}
	for _, d := range dirs {
		tmp, err := os.CreateTemp("", "ocipack-*.tar")
		if err != nil {
			return err
		}
		defer os.Remove(tmp.Name())
		if err := image.TarDir(tmp, d, exclude); err != nil {
			return fmt.Errorf("%s: %w", d, err)
		}
		if err := tmp.Close(); err != nil {
			return err
		}
		layer, err := tarball.LayerFromFile(tmp.Name(), tarball.WithCompressedCaching)
		if err != nil {
			return err
		}
		img, err = mutate.Append(img, mutate.Addendum{Layer: layer, History: v1.History{CreatedBy: "ocipack " + d}})
		if err != nil {
			return err
		}
	}
	return image.Write(context.Background(), img, image.Ref{Kind: image.KindOCI, Path: out}, tag, image.Options{})
}
