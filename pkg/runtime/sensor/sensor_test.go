package sensor

import (
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/eksguard/eksguard/internal/testenv"
)

func TestHeaderLayout(t *testing.T) {
	if got := unsafe.Sizeof(sensorHdr{}); got != HeaderSize {
		t.Fatalf("BPF header is %d bytes, the decoder reads %d", got, HeaderSize)
	}
}

// collect runs the sensor while fn runs and returns the records of processes whose comm is
// one of comms.
func collect(t *testing.T, fn func()) []Record { return collectWith(t, nil, fn) }

// collectWith is collect with the sensor tracing only the named syscalls (nil: all).
func collectWith(t *testing.T, syscalls []string, fn func()) []Record {
	t.Helper()
	testenv.EBPF(t)
	s, err := Open(Options{RingBytes: 1 << 22, Syscalls: syscalls})
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

// Only the syscalls asked for are reported; their arguments come from the registers at the
// syscall's exit (no state kept from the entry), so check the numbers are the call's own.
func TestSensorTracesOnlyWantedSyscalls(t *testing.T) {
	dir := t.TempDir()
	sub := filepath.Join(dir, "made")
	file := filepath.Join(dir, "f")
	var gotMkdir, gotOpen, gotExec bool
	recs := collectWith(t, []string{"mkdir", "mkdirat"}, func() {
		exec.Command("/bin/mkdir", "-m", "0750", sub).Run()
		exec.Command("/bin/touch", file).Run()
	})
	for _, r := range recs {
		if r.Kind == KindExec && r.Comm == "touch" {
			gotExec = true
		}
		if r.Kind != KindSyscall {
			continue
		}
		sc := Lookup(r.Nr)
		if sc == nil {
			t.Fatalf("record of unknown syscall %d", r.Nr)
		}
		switch {
		case strings.HasPrefix(sc.Name, "open") || sc.Name == "creat":
			gotOpen = true
		case sc.Name == "mkdirat" && r.Comm == "mkdir" && string(r.Str1) == sub:
			// mkdirat(AT_FDCWD, path, mode): the mode the tool passed and the directory fd
			gotMkdir = r.Num[1]&0o7777 == 0o750 && int32(uint32(r.Num[2])) == -100 && r.Ret == 0
		case sc.Name == "mkdir" && r.Comm == "mkdir" && string(r.Str1) == sub:
			gotMkdir = r.Num[1]&0o7777 == 0o750 && r.Ret == 0
		}
	}
	if !gotMkdir || gotOpen || !gotExec {
		t.Fatalf("mkdir with its mode and dirfd %v, an open reported though not asked for %v, exec %v", gotMkdir, gotOpen, gotExec)
	}
}

// With no syscall wanted, nothing is attached at syscall exits: only execs and exits come.
func TestSensorNoSyscalls(t *testing.T) {
	testenv.EBPF(t)
	s, err := Open(Options{RingBytes: 1 << 20, Syscalls: []string{}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if len(s.Traced) != 0 || len(s.links) != 2 {
		t.Fatalf("traced %v, %d links; want none traced and the two sched links", s.Traced, len(s.links))
	}
}

// An exec record carries the number of the syscall that made it, read from the saved
// registers at sched_process_exec (execve here; execveat is told apart the same way).
func TestSensorExecNumber(t *testing.T) {
	recs := collect(t, func() {
		exec.Command("/usr/bin/env", "true").Run()
	})
	for _, r := range recs {
		if r.Kind == KindExec && r.Comm == "true" {
			if sc := Lookup(r.Nr); sc == nil || sc.Name != "execve" {
				t.Fatalf("exec of true: syscall %d (%v), want execve", r.Nr, sc)
			}
			return
		}
	}
	t.Fatal("no exec of true seen")
}

// Sockets as the kernel has them: a TCP connect and a dup of its fd carry the family,
// protocol and both ends; socket(AF_PACKET) its domain; every record the effective
// capabilities (this test runs as root: CAP_SYS_ADMIN is among them).
func TestSensorSocketsAndCaps(t *testing.T) {
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	port := ln.Addr().(*net.TCPAddr).Port
	var local int
	recs := collectWith(t, []string{"connect", "dup", "socket"}, func() {
		c, err := net.Dial("tcp4", ln.Addr().String())
		if err != nil {
			t.Error(err)
			return
		}
		defer c.Close()
		local = c.LocalAddr().(*net.TCPAddr).Port
		f, _ := c.(*net.TCPConn).File()
		if nfd, err := unix.Dup(int(f.Fd())); err == nil {
			unix.Close(nfd)
		}
		f.Close()
		if fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_RAW, 0); err == nil {
			unix.Close(fd)
		} else {
			t.Logf("AF_PACKET socket: %v", err)
		}
	})
	var conn, dup, packet bool
	for _, r := range recs {
		if r.Kind != KindSyscall || r.Pid != uint32(os.Getpid()) {
			continue
		}
		if r.CapEff&(1<<21) == 0 { // CAP_SYS_ADMIN
			t.Errorf("%s record without CAP_SYS_ADMIN in %#x", Lookup(r.Nr).Name, r.CapEff)
		}
		s := r.Sock
		tcp := r.Flags&FlagSock != 0 && s.Family == unix.AF_INET && s.Proto == unix.IPPROTO_TCP &&
			int(s.LPort) == local && int(s.RPort) == port && [4]byte(s.RAddr[:4]) == [4]byte{127, 0, 0, 1}
		switch Lookup(r.Nr).Name {
		case "connect":
			conn = conn || tcp
		case "dup":
			dup = dup || tcp
		case "socket":
			if r.Num[0] == unix.AF_PACKET && r.Ret >= 0 {
				packet = r.Flags&FlagSock != 0 && s.Family == unix.AF_PACKET && s.Type == unix.SOCK_RAW
			}
		}
	}
	if !conn || !dup || !packet {
		t.Fatalf("connect with its socket %v, dup of it %v, AF_PACKET socket %v (local port %d, server %d)", conn, dup, packet, local, port)
	}
}

// An executable in an overlayfs's upper layer (written after the mount, as a file dropped
// into a running container) is told from one only in a lower layer (the image's).
func TestSensorOverlayUpperLayer(t *testing.T) {
	testenv.EBPF(t)
	dir := t.TempDir()
	for _, d := range []string{"lower", "upper", "work", "merged"} {
		os.Mkdir(filepath.Join(dir, d), 0o755)
	}
	bin, err := os.ReadFile("/bin/true")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "lower", "lowertrue"), bin, 0o755); err != nil {
		t.Fatal(err)
	}
	merged := filepath.Join(dir, "merged")
	opts := "lowerdir=" + filepath.Join(dir, "lower") + ",upperdir=" + filepath.Join(dir, "upper") + ",workdir=" + filepath.Join(dir, "work")
	if err := unix.Mount("overlay", merged, "overlay", 0, opts); err != nil {
		t.Skipf("SKIPPING OVERLAY TEST: mounting an overlayfs: %v", err)
	}
	defer unix.Unmount(merged, unix.MNT_DETACH)
	if err := os.WriteFile(filepath.Join(merged, "uppertrue"), bin, 0o755); err != nil {
		t.Fatal(err)
	}
	recs := collectWith(t, []string{}, func() {
		exec.Command(filepath.Join(merged, "lowertrue")).Run()
		exec.Command(filepath.Join(merged, "uppertrue")).Run()
		exec.Command("/bin/true").Run()
	})
	got := map[string]uint16{}
	for _, r := range recs {
		if r.Kind == KindExec {
			got[r.Comm] = r.Flags & (FlagOverlay | FlagUpper)
		}
	}
	if got["lowertrue"] != FlagOverlay || got["uppertrue"] != FlagOverlay|FlagUpper {
		t.Fatalf("overlay flags: lower %d, upper %d (want %d and %d)", got["lowertrue"], got["uppertrue"], FlagOverlay, FlagOverlay|FlagUpper)
	}
	if f, ok := got["true"]; ok && f&FlagUpper != 0 {
		t.Fatalf("/bin/true marked as upper layer: %d", f)
	}
}
