// Command load is the syscall-heavy workload of bench/runtime: open/close pairs of one file
// and fork+exec of /bin/true, timed from inside so the sensor's start is not counted.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"time"

	"golang.org/x/sys/unix"
)

func main() {
	opens := flag.Int("opens", 1000000, "open/close pairs")
	execs := flag.Int("execs", 10000, "fork+exec of /bin/true")
	file := flag.String("file", "/etc/hostname", "file to open")
	flag.Parse()
	// The open phase runs on one locked thread, so its system time (RUSAGE_THREAD) is the
	// kernel's cost of the calls, a figure the machine's load disturbs far less than wall time.
	runtime.LockOSThread()
	sys0 := threadSys()
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
	openSys := threadSys() - sys0
	runtime.UnlockOSThread()
	start = time.Now()
	for i := 0; i < *execs; i++ {
		if err := exec.Command("/bin/true").Run(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
	execT := time.Since(start)
	fmt.Printf("opens %d %.3f execs %d %.3f opensys %.3f\n", *opens, openT.Seconds(), *execs, execT.Seconds(), openSys.Seconds())
}

func threadSys() time.Duration {
	var ru unix.Rusage
	unix.Getrusage(unix.RUSAGE_THREAD, &ru)
	return time.Duration(ru.Stime.Nano())
}
