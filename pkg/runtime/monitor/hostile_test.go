package monitor

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/eksguard/eksguard/internal/testenv"
	"github.com/eksguard/eksguard/pkg/runtime/sensor"
)

// TestPathTricksResolved: /proc/self/root, ".." and a symbolic link to /etc/shadow are all
// reported as /etc/shadow, the file the kernel opened, so the sensitive-file rule fires on
// each (hostile inputs F8).
func TestPathTricksResolved(t *testing.T) {
	testenv.EBPF(t)
	rs := upstreamRules(t)
	dir := t.TempDir()
	link := filepath.Join(dir, "innocent")
	if err := os.Symlink("/etc/shadow", link); err != nil {
		t.Fatal(err)
	}
	r := start(t, rs)
	tricks := []string{"/proc/self/root/etc/shadow", "/etc/../etc/./shadow", link, "/var/spool/../../etc/shadow"}
	for _, p := range tricks {
		if out, err := exec.Command("/bin/cat", p).CombinedOutput(); err != nil {
			t.Fatalf("cat %s: %v: %s", p, err, out)
		}
	}
	alerts := r.stop(t)
	got := map[string]bool{}
	for _, a := range alerts {
		if a.Rule.Name == "Read sensitive file untrusted" && a.Fields["fd.name"] == "/etc/shadow" {
			got[a.Fields["proc.cmdline"]] = true
		}
	}
	for _, p := range tricks {
		if !got["cat "+p] {
			t.Errorf("cat %s: no alert naming /etc/shadow (got %v)", p, got)
		}
	}
}

// TestRenamedBinary: a copy of cat under another name still reads /etc/shadow and still
// fires; proc.exepath is the copy's real path (hostile inputs F9).
func TestRenamedBinary(t *testing.T) {
	testenv.EBPF(t)
	rs := upstreamRules(t)
	dir := t.TempDir()
	x := filepath.Join(dir, "x")
	data, err := os.ReadFile("/bin/cat")
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(x, data, 0o755)
	r := start(t, rs)
	exec.Command(x, "/etc/shadow").Run()
	alerts := r.stop(t)
	for _, a := range alerts {
		if a.Rule.Name == "Read sensitive file untrusted" && a.Fields["proc.exepath"] == x {
			return
		}
	}
	t.Fatalf("no alert for the renamed binary %s", x)
}

// TestDropsCounted: with a one-page ring buffer that nobody reads during a burst of opens,
// the kernel side drops records without blocking, counts every one, and the loss becomes
// an alert (hostile inputs F7).
func TestDropsCounted(t *testing.T) {
	testenv.EBPF(t)
	s, err := sensor.Open(sensor.Options{RingBytes: 4096, Syscalls: []string{"openat"}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var wg sync.WaitGroup
	for i := 0; i < 2; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 2000; j++ {
				if f, err := os.Open("/dev/null"); err == nil {
					f.Close()
				}
			}
		}()
	}
	wg.Wait()
	lost, err := s.Lost()
	if err != nil {
		t.Fatal(err)
	}
	if lost.RingBuffer == 0 {
		t.Fatalf("4,000 opens into a one-page ring buffer lost nothing: %+v", lost)
	}
	// Reading resumes: what is in the ring buffer is still delivered.
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	n := 0
	s.Read(ctx, func([]byte) error { n++; return nil })
	if n == 0 {
		t.Fatal("nothing read after the burst")
	}
	a := DropAlert(lost, time.Now(), "node-1")
	if a.Rule != DropRule || !strings.Contains(a.Output, "ringbuf=") || a.Fields["lost"] == "0" {
		t.Fatalf("drop alert %+v", a)
	}
	t.Logf("lost %+v, then read %d records", lost, n)
}

// TestFilelessExec: a program run from a memfd (never on disk) is seen as such, and the
// upstream rule "Fileless execution via memfd_create" fires.
func TestFilelessExec(t *testing.T) {
	testenv.EBPF(t)
	rs := upstreamRules(t)
	data, err := os.ReadFile("/bin/true")
	if err != nil {
		t.Fatal(err)
	}
	fd, err := unix.MemfdCreate("payload", 0)
	if err != nil {
		t.Skipf("memfd_create: %v", err)
	}
	f := os.NewFile(uintptr(fd), "memfd")
	defer f.Close()
	f.Write(data)
	r := start(t, rs)
	cmd := exec.Command("/proc/self/fd/3")
	cmd.ExtraFiles = []*os.File{f}
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	alerts := r.stop(t)
	for _, a := range alerts {
		if a.Rule.Name == "Fileless execution via memfd_create" {
			return
		}
	}
	for _, a := range alerts {
		t.Log(a.Rule.Name, a.Output)
	}
	t.Fatalf("no fileless-execution alert among %d", len(alerts))
}
