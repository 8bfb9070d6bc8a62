// Package startup releases what only start-up needed.
package startup

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// ReleaseExecutablePages drops this process's resident pages of its own executable's
// read-only mappings (code and read-only data), once start-up is done.
//
// Package initialisation touches a large part of the binary once: the type registrations
// of the Kubernetes API packages and the AWS SDK's schemas run over tens of MiB of code and
// tables that no scan needs again. Those pages stay resident, and counted in the process's
// RSS, until the process ends. They are clean copies of the executable file: madvise
// MADV_DONTNEED only unmaps them from this process, and a page used again is mapped back
// from the page cache on first touch (a minor fault). Writable mappings (initialised data)
// are never touched. Errors are ignored: the pages then stay, as without this call.
func ReleaseExecutablePages() {
	exe, err := os.Executable()
	if err != nil {
		return
	}
	f, err := os.Open("/proc/self/maps")
	if err != nil {
		return
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// 00400000-0152c000 r-xp 00000000 fd:01 1234 /path/to/eksguard
		fields := strings.Fields(sc.Text())
		if len(fields) < 6 || fields[5] != exe || (fields[1] != "r-xp" && fields[1] != "r--p") {
			continue
		}
		lo, hi, ok := strings.Cut(fields[0], "-")
		if !ok {
			continue
		}
		start, err1 := strconv.ParseUint(lo, 16, 64)
		end, err2 := strconv.ParseUint(hi, 16, 64)
		if err1 != nil || err2 != nil || end <= start {
			continue
		}
		syscall.Syscall(syscall.SYS_MADVISE, uintptr(start), uintptr(end-start), syscall.MADV_DONTNEED)
	}
}
