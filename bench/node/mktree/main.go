// Command mktree builds a fixture host tree (internal/hosttree spec or profile name) into a
// directory, with real modes and owners (run it as root). Used by bench/node/run.sh.
//
//	go run ./bench/node/mktree -profile al2023 DIR
//	go run ./bench/node/mktree -spec rules/node/testdata/sshd/fail/socket-activated.yaml DIR
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/eksguard/eksguard/internal/hosttree"
)

func main() {
	profile := flag.String("profile", "", "profile name: al2023, bottlerocket, al2-misconfigured")
	spec := flag.String("spec", "", "spec file")
	flag.Parse()
	if flag.NArg() != 1 || (*profile == "") == (*spec == "") {
		fmt.Fprintln(os.Stderr, "usage: mktree (-profile NAME | -spec FILE) DIR")
		os.Exit(2)
	}
	dir := flag.Arg(0)
	var err error
	if *spec != "" {
		err = hosttree.BuildFile(*spec, dir)
	} else {
		var s *hosttree.Spec
		if s, err = hosttree.Profile(*profile); err == nil {
			err = s.Build(dir)
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "mktree:", err)
		os.Exit(1)
	}
}
