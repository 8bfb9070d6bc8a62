// Command eksguard checks Kubernetes manifests (and, as it grows, images, clusters, nodes
// and AWS accounts) against the Amazon EKS security best practices.
package main

import (
	"os"
	"runtime/debug"

	"github.com/eksguard/eksguard/internal/cli"
)

func main() {
	// Scans allocate many short-lived objects while the live heap stays small (a bounded
	// window of files), so collect less often than Go's default unless the user chose.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	os.Exit(cli.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
