// Command eksguard checks Kubernetes manifests (and, as it grows, images, clusters, nodes
// and AWS accounts) against the Amazon EKS security best practices.
package main

import (
	"os"
	"runtime/debug"

	"github.com/eksguard/eksguard/internal/cli"
	"github.com/eksguard/eksguard/internal/gctune"
	"github.com/eksguard/eksguard/internal/startup"
)

// gcHeadroom is how far the heap may grow above the live heap between collections.
const gcHeadroom = 64 << 20

func main() {
	// Scans allocate many short-lived objects while the live heap stays small (a bounded
	// window of files), so collect less often than Go's default unless the user chose: up
	// to GOGC=800, but with the heap growing by at most gcHeadroom above what is live, so
	// that what scans keep (the snapshot of cluster-wide rules) is not multiplied by nine.
	// A soft memory limit makes the collector work harder instead of letting that headroom
	// grow past a few hundred MiB on hostile input (huge documents).
	if os.Getenv("GOGC") == "" {
		gctune.Start(gcHeadroom, 100, 800)
		if os.Getenv("GOMEMLIMIT") == "" {
			debug.SetMemoryLimit(256 << 20)
		}
	}
	startup.ReleaseExecutablePages()
	os.Exit(cli.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
