// Package sensor loads eksguard's eBPF programs (CO-RE, built with bpf2go and committed),
// attaches them to the raw syscall-exit tracepoint and the sched exec/exit tracepoints, and
// streams their records from one ring buffer. The kernel side
// never waits for user space: when the ring buffer is full a record is counted as lost.
package sensor

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/link"
	"github.com/cilium/ebpf/ringbuf"
	"github.com/cilium/ebpf/rlimit"
	"golang.org/x/sys/unix"
)

// Options configure a sensor.
type Options struct {
	// RingBytes is the ring buffer size (a power of two, at least a page); 0 means 16 MiB.
	RingBytes uint32
	// Syscalls limits tracing to these syscall names (execs are always followed); nil traces
	// every one in Traced, an empty non-nil list none.
	Syscalls []string
}

// Sensor is a loaded and attached set of programs.
type Sensor struct {
	objs     sensorObjects
	links    []link.Link
	rd       *ringbuf.Reader
	bootWall int64 // wall-clock ns at boot time 0
	// Notes say what could not be traced.
	Notes []string
	// Traced names the syscalls whose exits emit events.
	Traced []string
}

// ErrUnsupported wraps the reasons a sensor cannot load here (no BTF, no privilege).
var ErrUnsupported = errors.New("eBPF sensor unavailable")

// Check says why a sensor cannot run on this machine, or nil.
func Check() error {
	if _, err := os.Stat("/sys/kernel/btf/vmlinux"); err != nil {
		return fmt.Errorf("%w: the kernel has no BTF (/sys/kernel/btf/vmlinux): %v", ErrUnsupported, err)
	}
	return nil
}

// Open loads the programs, fills the syscall table and attaches everything.
func Open(opt Options) (*Sensor, error) {
	if err := Check(); err != nil {
		return nil, err
	}
	if err := rlimit.RemoveMemlock(); err != nil {
		return nil, fmt.Errorf("%w: raising the locked-memory limit: %v", ErrUnsupported, err)
	}
	spec, err := loadSensor()
	if err != nil {
		return nil, fmt.Errorf("reading the BPF object: %w", err)
	}
	if opt.RingBytes != 0 {
		spec.Maps["events"].MaxEntries = opt.RingBytes
	}
	s := &Sensor{}
	if err := spec.LoadAndAssign(&s.objs, nil); err != nil {
		var ve *ebpf.VerifierError
		if errors.As(err, &ve) {
			return nil, fmt.Errorf("%w: the kernel rejected the programs: %+v", ErrUnsupported, ve)
		}
		return nil, fmt.Errorf("%w: loading the programs (root or CAP_BPF, CAP_PERFMON and CAP_SYS_RESOURCE are needed): %v", ErrUnsupported, err)
	}
	ok := false
	defer func() {
		if !ok {
			s.Close()
		}
	}()
	want := map[string]bool{}
	for _, n := range opt.Syscalls {
		want[n] = true
	}
	exits := 0
	for i := range Traced {
		sc := &Traced[i]
		nr, has := numbers[sc.Name]
		if !has || (opt.Syscalls != nil && !want[sc.Name] && sc.Name != "execve" && sc.Name != "execveat") {
			continue
		}
		if nr >= 1024 {
			s.Notes = append(s.Notes, fmt.Sprintf("syscall %s (%d) is beyond the table", sc.Name, nr))
			continue
		}
		c := sensorConf{On: 1, Flags: sc.Flags, P1: sc.P1, P2: sc.P2, N0: sc.N[0], N1: sc.N[1], N2: sc.N[2], Sockfd: sc.Sock}
		if sc.Open {
			c.Open = 1
		}
		if err := s.objs.Config.Put(uint32(nr), c); err != nil {
			return nil, fmt.Errorf("filling the syscall table: %w", err)
		}
		if sc.Flags&cNoExitEvent == 0 {
			s.Traced = append(s.Traced, sc.Name)
			exits++
		}
	}
	// One program at every syscall's exit, filtering by number; none at all when no loaded
	// rule needs a syscall event (execs come from sched_process_exec).
	if exits > 0 {
		l, err := link.AttachRawTracepoint(link.RawTracepointOptions{Name: "sys_exit", Program: s.objs.SysExit})
		if err != nil {
			return nil, fmt.Errorf("%w: attaching raw_syscalls/sys_exit: %v", ErrUnsupported, err)
		}
		s.links = append(s.links, l)
	}
	for _, tp := range []struct {
		name string
		prog *ebpf.Program
	}{{"sched_process_exec", s.objs.ProcExec}, {"sched_process_exit", s.objs.ProcExit}} {
		l, err := link.Tracepoint("sched", tp.name, tp.prog, nil)
		if err != nil {
			return nil, fmt.Errorf("%w: attaching sched/%s: %v (is tracefs mounted?)", ErrUnsupported, tp.name, err)
		}
		s.links = append(s.links, l)
	}
	s.rd, err = ringbuf.NewReader(s.objs.Events)
	if err != nil {
		return nil, fmt.Errorf("opening the ring buffer: %w", err)
	}
	var ts unix.Timespec
	unix.ClockGettime(unix.CLOCK_BOOTTIME, &ts)
	s.bootWall = time.Now().UnixNano() - ts.Nano()
	ok = true
	return s, nil
}

// WallNs converts a record's boot-time nanoseconds to Unix nanoseconds.
func (s *Sensor) WallNs(boot uint64) int64 { return s.bootWall + int64(boot) }

// Lost holds the kernel-side loss counters.
type Lost struct {
	RingBuffer uint64 // records dropped because the ring buffer was full
}

// Total is the sum of the counters.
func (l Lost) Total() uint64 { return l.RingBuffer }

// Lost reads the loss counters (summed over CPUs).
func (s *Sensor) Lost() (Lost, error) {
	var out Lost
	for i, dst := range []*uint64{&out.RingBuffer} {
		var per []uint64
		if err := s.objs.Lost.Lookup(uint32(i), &per); err != nil {
			return out, err
		}
		for _, v := range per {
			*dst += v
		}
	}
	return out, nil
}

// PollInterval is how often the reader looks at the ring buffer when the kernel has not
// woken it (it wakes it only once 256 KiB are waiting): the longest an alert waits.
const PollInterval = 10 * time.Millisecond

// Read calls fn with each raw record until ctx ends or fn returns an error. The bytes are
// valid only during the call.
func (s *Sensor) Read(ctx context.Context, fn func(raw []byte) error) error {
	var rec ringbuf.Record
	s.rd.SetDeadline(time.Now().Add(PollInterval))
	for {
		if err := s.rd.ReadInto(&rec); err != nil {
			if errors.Is(err, os.ErrDeadlineExceeded) {
				if ctx.Err() != nil {
					return nil
				}
				s.rd.SetDeadline(time.Now().Add(PollInterval))
				continue
			}
			if errors.Is(err, ringbuf.ErrClosed) && ctx.Err() != nil {
				return nil
			}
			return err
		}
		if err := fn(rec.RawSample); err != nil {
			return err
		}
	}
}

// Close detaches the programs and frees the maps.
func (s *Sensor) Close() error {
	for _, l := range s.links {
		l.Close()
	}
	s.links = nil
	if s.rd != nil {
		s.rd.Close()
	}
	return s.objs.Close()
}
