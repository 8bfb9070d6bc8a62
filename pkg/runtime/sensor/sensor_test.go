package sensor

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/eksguard/eksguard/internal/testenv"
)

func TestHeaderLayout(t *testing.T) {
	if got := unsafe.Sizeof(sensorHdr{}); got != HeaderSize {
		t.Fatalf("BPF header is %d bytes, the decoder reads %d", got, HeaderSize)
	}
}

// collect runs the sensor while fn runs and returns the records of processes whose comm is
// one of comms.
func collect(t *testing.T, fn func()) []Record {
	t.Helper()
	testenv.EBPF(t)
	s, err := Open(Options{RingBytes: 1 << 22})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, n := range s.Notes {
		t.Log(n)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var recs []Record
	done := make(chan error, 1)
	go func() {
		done <- s.Read(ctx, func(raw []byte) error {
			var r Record
			cp := append([]byte(nil), raw...)
			if err := Decode(cp, &r); err != nil {
				t.Errorf("decode: %v", err)
				return nil
			}
			recs = append(recs, r)
			return nil
		})
	}()
	fn()
	time.Sleep(200 * time.Millisecond)
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	lost, _ := s.Lost()
	t.Logf("%d records, lost %+v", len(recs), lost)
	return recs
}

func TestSensorSeesExecOpenMkdir(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "secret")
	os.WriteFile(target, []byte("x"), 0o600)
	link := filepath.Join(dir, "innocent")
	os.Symlink(target, link)
	long := filepath.Join(dir, strings.Repeat("a", 200), strings.Repeat("b", 200))
	recs := collect(t, func() {
		exec.Command("/bin/cat", link).Run()
		exec.Command("/bin/mkdir", "-p", long).Run()
	})
	var sawExec, sawOpen, sawMkdir bool
	for _, r := range recs {
		switch {
		case r.Kind == KindExec && r.Comm == "cat":
			sawExec = strings.Contains(string(r.Str2), link)
		case r.Kind == KindSyscall && r.Comm == "cat" && r.Path1() == target:
			sawOpen = r.Flags&FlagResolved != 0 && r.Ret >= 0
		case r.Kind == KindSyscall && r.Comm == "mkdir" && Lookup(r.Nr) != nil && strings.HasPrefix(Lookup(r.Nr).Name, "mkdir"):
			sawMkdir = true
		}
	}
	if !sawExec || !sawOpen || !sawMkdir {
		t.Fatalf("exec %v, resolved open of the symlink's target %v, mkdir %v", sawExec, sawOpen, sawMkdir)
	}
}
