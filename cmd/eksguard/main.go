// Command eksguard checks Kubernetes manifests (and, as it grows, images, clusters, nodes
// and AWS accounts) against the Amazon EKS security best practices.
package main

import (
	"os"

	"github.com/eksguard/eksguard/internal/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
