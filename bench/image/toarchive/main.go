// Command toarchive copies an image (any eksguard REF) into a docker-archive tarball, the
// input the image benchmark gives every tool.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/eksguard/eksguard/pkg/image"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: toarchive SRC-REF OUT.tar")
		os.Exit(2)
	}
	if _, err := os.Stat(os.Args[2]); err == nil {
		return
	}
	src, err := image.ParseRef(os.Args[1])
	if err == nil {
		var im *image.Image
		im, err = image.Open(context.Background(), src, image.Options{})
		if err == nil {
			err = image.Write(context.Background(), im.Img(), image.Ref{Kind: image.KindDockerArchive, Path: os.Args[2]}, "eksguard-bench/image:latest", image.Options{})
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "toarchive:", err)
		os.Exit(1)
	}
}
