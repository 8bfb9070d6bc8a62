// Command gen writes a generated AWS snapshot (internal/awsfixture.Generate) to a directory.
//
//	go run ./bench/aws/gen -nodegroups 50 -roles 500 -repos 200 DIR
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/eksguard/eksguard/internal/awsfixture"
)

func main() {
	ng := flag.Int("nodegroups", 50, "node groups")
	roles := flag.Int("roles", 500, "IAM roles")
	repos := flag.Int("repos", 200, "ECR repositories")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: gen [-nodegroups N] [-roles N] [-repos N] DIR")
		os.Exit(2)
	}
	s := awsfixture.Generate(*ng, *roles, *repos)
	if err := s.Save(flag.Arg(0)); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
	fmt.Fprintf(os.Stderr, "wrote %d files to %s\n", len(s), flag.Arg(0))
}
