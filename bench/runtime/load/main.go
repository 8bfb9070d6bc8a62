// Command load is the syscall-heavy workload of bench/runtime: open/close pairs of one file
// and fork+exec of /bin/true, timed from inside so the sensor's start is not counted.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"time"

	"golang.org/x/sys/unix"
)

func main() {
	opens := flag.Int("opens", 1000000, "open/close pairs")
	execs := flag.Int("execs", 10000, "fork+exec of /bin/true")
	file := flag.String("file", "/etc/hostname", "file to open")
	flag.Parse()
	start := time.Now()
	for i := 0; i < *opens; i++ {
		fd, err := unix.Open(*file, unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		unix.Close(fd)
	}
	openT := time.Since(start)
	start = time.Now()
	for i := 0; i < *execs; i++ {
		if err := exec.Command("/bin/true").Run(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
	execT := time.Since(start)
	fmt.Printf("opens %d %.3f execs %d %.3f\n", *opens, openT.Seconds(), *execs, execT.Seconds())
}
