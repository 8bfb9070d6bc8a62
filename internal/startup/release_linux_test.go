package startup

import (
	"os"
	"strconv"
	"strings"
	"testing"
)

// rssFile is this process's resident file-backed memory in KiB (/proc/self/status).
func rssFile(t *testing.T) int {
	t.Helper()
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "RssFile:"); ok {
			n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB"))
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
	}
	t.Fatal("no RssFile in /proc/self/status")
	return 0
}

// TestRelease: the test binary's own pages leave the resident set, and the code runs on
// (pages come back as they are used).
func TestRelease(t *testing.T) {
	before := rssFile(t)
	ReleaseExecutablePages()
	after := rssFile(t)
	t.Logf("RssFile %d KiB before, %d KiB after", before, after)
	if after >= before {
		t.Fatalf("RssFile did not drop: %d KiB before, %d KiB after", before, after)
	}
	// Code and read-only data used again come back: strconv's tables, fmt through t.Logf.
	if strconv.Quote("é\x00") != `"é\x00"` {
		t.Fatal("read-only data changed")
	}
	t.Logf("and after use: %d KiB", rssFile(t))
}
