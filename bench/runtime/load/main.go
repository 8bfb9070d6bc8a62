// Command load is the syscall-heavy workload of bench/runtime: open/close pairs of one file
// and fork+exec of /bin/true, timed from inside so the sensor's start is not counted; and,
// with -flood, an offered-load generator: several threads each calling a cheap traced
// syscall (an open of a path that does not exist) as fast as they can.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

func main() {
	opens := flag.Int("opens", 1000000, "open/close pairs")
	execs := flag.Int("execs", 10000, "fork+exec of /bin/true")
	file := flag.String("file", "/etc/hostname", "file to open")
	flood := flag.Duration("flood", 0, "instead of the workload: offer failed opens for this long")
	threads := flag.Int("threads", 2, "generator threads of -flood")
	flag.Parse()
	if *flood > 0 {
		floodOpens(*flood, *threads)
		return
	}
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

// floodOpens calls open on a missing path from n threads for d and prints
// "flood CALLS SECONDS RATE". A failed open is the cheapest call the stable rules trace:
// each one is an event for the sensor (its path read from the caller's memory).
func floodOpens(d time.Duration, n int) {
	path, _ := unix.BytePtrFromString("/nonexistent-eksguard-flood/x")
	var total atomic.Uint64
	var wg sync.WaitGroup
	start := time.Now()
	end := start.Add(d) // each thread watches the clock: a busy machine may not run a timer's goroutine in time
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			runtime.LockOSThread()
			var c uint64
			for time.Now().Before(end) {
				for j := 0; j < 256; j++ {
					unix.RawSyscall6(unix.SYS_OPENAT, uintptr(0xffffffffffffff9c), uintptr(unsafePointer(path)), unix.O_RDONLY, 0, 0, 0)
				}
				c += 256
			}
			total.Add(c)
		}()
	}
	wg.Wait()
	el := time.Since(start).Seconds()
	fmt.Printf("flood %d %.3f %.0f\n", total.Load(), el, float64(total.Load())/el)
}

func threadSys() time.Duration {
	var ru unix.Rusage
	unix.Getrusage(unix.RUSAGE_THREAD, &ru)
	return time.Duration(ru.Stime.Nano())
}
