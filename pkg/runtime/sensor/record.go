package sensor

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// Record kinds.
const (
	KindSyscall = 1 // a traced syscall returned
	KindExec    = 2 // a process image was replaced (sched_process_exec)
	KindExit    = 3 // a process (thread group leader) exited
)

// Record flags, as the BPF program sets them.
const (
	FlagTrunc1   = 1   // Str1 was cut at the kernel buffer (4,096 bytes)
	FlagTrunc2   = 2   // Str2 was cut at the kernel buffer
	FlagResolved = 4   // Str1 is the kernel's resolved path of the opened file or executable, see Path1
	FlagFault1   = 8   // Str1 could not be read from the process's memory
	FlagFault2   = 16  // Str2 could not be read
	FlagSock     = 32  // Sock describes the call's socket
	FlagOverlay  = 64  // exec: the executable is on an overlayfs
	FlagUpper    = 128 // exec: the executable exists in the overlayfs's upper (writable) layer
)

// HeaderSize is the size of a record's fixed part.
const HeaderSize = 160

// MaxString is the kernel buffer of one string of a record.
const MaxString = 4096

const magic = 0xEB

// Record is one decoded ring-buffer record. Str1 and Str2 point into the raw bytes given to
// Decode and are valid as long as those are.
type Record struct {
	Kind     uint8
	Flags    uint16
	BootNs   uint64
	Cgroup   uint64
	Pid      uint32
	Tid      uint32
	Ppid     uint32
	UID      uint32
	GID      uint32
	LoginUID uint32
	TTY      uint32
	Nr       int32
	Ret      int64
	Num      [3]uint64
	Comm     string
	Str1     []byte
	Str2     []byte
	FFlags   uint32
	CapEff   uint64 // the task's effective capabilities (bit N: capability N)
	Sock     Sock   // with FlagSock
}

// Sock is what the kernel's socket of a call says: family (AF_*), protocol (IPPROTO_*),
// type (SOCK_*), local and remote port and address (IPv4 in the first 4 bytes).
type Sock struct {
	Family       uint16
	Proto, Type  uint8
	LPort, RPort uint16
	LAddr, RAddr [16]byte
}

// ErrShort and friends describe records that cannot be decoded.
var (
	ErrShort = errors.New("record shorter than its header")
	ErrMagic = errors.New("record does not start with the sensor's magic byte")
)

// Decode reads one raw ring-buffer record into r, reusing nothing of a previous record. It
// checks every length against the bytes present, so a record that is short, cut or made
// up fails with an error and never reads out of bounds.
func Decode(raw []byte, r *Record) error {
	if len(raw) < HeaderSize {
		return fmt.Errorf("%w: %d bytes, want at least %d", ErrShort, len(raw), HeaderSize)
	}
	if raw[0] != magic {
		return ErrMagic
	}
	le := binary.LittleEndian
	r.Kind = raw[1]
	if r.Kind < KindSyscall || r.Kind > KindExit {
		return fmt.Errorf("unknown record kind %d", r.Kind)
	}
	r.Flags = le.Uint16(raw[2:])
	size := le.Uint32(raw[4:])
	r.BootNs = le.Uint64(raw[8:])
	r.Cgroup = le.Uint64(raw[16:])
	r.Pid = le.Uint32(raw[24:])
	r.Tid = le.Uint32(raw[28:])
	r.Ppid = le.Uint32(raw[32:])
	r.UID = le.Uint32(raw[36:])
	r.GID = le.Uint32(raw[40:])
	r.LoginUID = le.Uint32(raw[44:])
	r.TTY = le.Uint32(raw[48:])
	r.Nr = int32(le.Uint32(raw[52:]))
	r.Ret = int64(le.Uint64(raw[56:]))
	r.Num[0] = le.Uint64(raw[64:])
	r.Num[1] = le.Uint64(raw[72:])
	r.Num[2] = le.Uint64(raw[80:])
	comm := raw[88:104]
	n := 0
	for n < len(comm) && comm[n] != 0 {
		n++
	}
	r.Comm = string(comm[:n])
	l1 := int(le.Uint16(raw[104:]))
	l2 := int(le.Uint16(raw[106:]))
	r.FFlags = le.Uint32(raw[108:])
	r.CapEff = le.Uint64(raw[112:])
	r.Sock = Sock{}
	if r.Flags&FlagSock != 0 {
		r.Sock = Sock{Family: le.Uint16(raw[120:]), Proto: raw[122], Type: raw[123], LPort: le.Uint16(raw[124:]), RPort: le.Uint16(raw[126:])}
		copy(r.Sock.LAddr[:], raw[128:144])
		copy(r.Sock.RAddr[:], raw[144:160])
	}
	if l1 > MaxString || l2 > MaxString {
		return fmt.Errorf("string lengths %d and %d exceed the %d-byte kernel buffer", l1, l2, MaxString)
	}
	if int(size) != HeaderSize+l1+l2 || len(raw) < int(size) {
		return fmt.Errorf("record size %d does not match its %d bytes and string lengths %d+%d", size, len(raw), l1, l2)
	}
	r.Str1 = raw[HeaderSize : HeaderSize+l1]
	r.Str2 = raw[HeaderSize+l1 : HeaderSize+l1+l2]
	return nil
}

// Path1 returns string 1 as a path. A resolved path comes from the kernel as its components
// leaf first, each followed by '/' ("shadow/etc/"); Path1 turns it into "/etc/shadow".
func (r *Record) Path1() string {
	if r.Flags&FlagResolved == 0 {
		return string(r.Str1)
	}
	return ReversePath(r.Str1)
}

// ReversePath turns kernel components "c/b/a/" into "/a/b/c" (and "" into "/").
func ReversePath(b []byte) string {
	out := make([]byte, 0, len(b)+1)
	end := len(b)
	for end > 0 {
		for end > 0 && b[end-1] == '/' {
			end--
		}
		if end == 0 {
			break
		}
		start := end
		for start > 0 && b[start-1] != '/' {
			start--
		}
		out = append(out, '/')
		out = append(out, b[start:end]...)
		end = start
	}
	if len(out) == 0 {
		return "/"
	}
	return string(out)
}

// Encode lays a record out as the BPF program does (the inverse of Decode), for tests,
// fuzz seeds and replays.
func Encode(r *Record) []byte {
	le := binary.LittleEndian
	b := make([]byte, HeaderSize, HeaderSize+len(r.Str1)+len(r.Str2))
	b[0], b[1] = magic, r.Kind
	le.PutUint16(b[2:], r.Flags)
	le.PutUint32(b[4:], uint32(HeaderSize+len(r.Str1)+len(r.Str2)))
	le.PutUint64(b[8:], r.BootNs)
	le.PutUint64(b[16:], r.Cgroup)
	for i, v := range []uint32{r.Pid, r.Tid, r.Ppid, r.UID, r.GID, r.LoginUID, r.TTY, uint32(r.Nr)} {
		le.PutUint32(b[24+4*i:], v)
	}
	le.PutUint64(b[56:], uint64(r.Ret))
	for i, v := range r.Num {
		le.PutUint64(b[64+8*i:], v)
	}
	copy(b[88:104], r.Comm)
	le.PutUint16(b[104:], uint16(len(r.Str1)))
	le.PutUint16(b[106:], uint16(len(r.Str2)))
	le.PutUint32(b[108:], r.FFlags)
	le.PutUint64(b[112:], r.CapEff)
	if r.Flags&FlagSock != 0 {
		le.PutUint16(b[120:], r.Sock.Family)
		b[122], b[123] = r.Sock.Proto, r.Sock.Type
		le.PutUint16(b[124:], r.Sock.LPort)
		le.PutUint16(b[126:], r.Sock.RPort)
		copy(b[128:144], r.Sock.LAddr[:])
		copy(b[144:160], r.Sock.RAddr[:])
	}
	b = append(b, r.Str1...)
	return append(b, r.Str2...)
}
