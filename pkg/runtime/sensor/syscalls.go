package sensor

// none marks an argument slot the BPF program leaves empty.
const none = 255

// Config flags (bpf/sensor.c C_*).
const (
	cNoExitEvent  = 1
	cStr2Sockaddr = 2
	cSocklenPtr   = 4
)

// Syscall says how the BPF program reports one syscall: which arguments are strings (paths,
// read from the caller's memory when the call returns) and which are numbers.
type Syscall struct {
	Name   string // as Falco's evt.type names it
	P1, P2 uint8  // argument index of string 1 and 2, or none
	N      [3]uint8
	Open   bool // opens a file: string 1 becomes the kernel's resolved path
	Flags  uint8
	// Sock is where the call's socket fd is, whose family, protocol, ports and addresses
	// the record carries (FlagSock): an argument index, sockRet for the return value, or
	// none (the zero value is argument 0, so every entry sets it).
	Sock uint8
}

// sockRet marks the return value as the socket fd (bpf/sensor.c SOCK_RET).
const sockRet = 6

// Traced are the syscalls the sensor follows, by name. Their numbers come from the
// architecture's table (syscalls_*.go); a syscall the architecture lacks (open, mkdir on
// arm64) is left out there. The number slots are, by convention: N[0] flags or the
// syscall's main number, N[1] mode or a second number, N[2] the directory fd of *at calls
// (AT_FDCWD otherwise) or a socket address length.
var Traced = []Syscall{
	{Name: "execve", P1: none, P2: none, N: [3]uint8{none, none, none}, Flags: cNoExitEvent, Sock: none},
	{Name: "execveat", P1: none, P2: none, N: [3]uint8{none, none, none}, Flags: cNoExitEvent, Sock: none},
	{Name: "open", P1: 0, P2: none, N: [3]uint8{1, 2, none}, Open: true, Sock: none},
	{Name: "openat", P1: 1, P2: none, N: [3]uint8{2, 3, 0}, Open: true, Sock: none},
	{Name: "openat2", P1: 1, P2: none, N: [3]uint8{none, none, 0}, Open: true, Sock: none},
	{Name: "creat", P1: 0, P2: none, N: [3]uint8{none, 1, none}, Open: true, Sock: none},
	{Name: "mkdir", P1: 0, P2: none, N: [3]uint8{none, 1, none}, Sock: none},
	{Name: "mkdirat", P1: 1, P2: none, N: [3]uint8{none, 2, 0}, Sock: none},
	{Name: "rmdir", P1: 0, P2: none, N: [3]uint8{none, none, none}, Sock: none},
	{Name: "unlink", P1: 0, P2: none, N: [3]uint8{none, none, none}, Sock: none},
	{Name: "unlinkat", P1: 1, P2: none, N: [3]uint8{2, none, 0}, Sock: none},
	{Name: "rename", P1: 0, P2: 1, N: [3]uint8{none, none, none}, Sock: none},
	{Name: "renameat", P1: 1, P2: 3, N: [3]uint8{none, 2, 0}, Sock: none},
	{Name: "renameat2", P1: 1, P2: 3, N: [3]uint8{4, 2, 0}, Sock: none},
	{Name: "link", P1: 0, P2: 1, N: [3]uint8{none, none, none}, Sock: none},
	{Name: "linkat", P1: 1, P2: 3, N: [3]uint8{4, 2, 0}, Sock: none},
	{Name: "symlink", P1: 0, P2: 1, N: [3]uint8{none, none, none}, Sock: none},
	{Name: "symlinkat", P1: 0, P2: 2, N: [3]uint8{none, 1, none}, Sock: none},
	{Name: "chmod", P1: 0, P2: none, N: [3]uint8{none, 1, none}, Sock: none},
	{Name: "fchmod", P1: none, P2: none, N: [3]uint8{0, 1, none}, Sock: none},
	{Name: "fchmodat", P1: 1, P2: none, N: [3]uint8{none, 2, 0}, Sock: none},
	{Name: "connect", P1: none, P2: 1, N: [3]uint8{0, none, 2}, Flags: cStr2Sockaddr, Sock: 0},
	{Name: "accept", P1: none, P2: 1, N: [3]uint8{0, none, 2}, Flags: cStr2Sockaddr | cSocklenPtr, Sock: sockRet},
	{Name: "accept4", P1: none, P2: 1, N: [3]uint8{0, none, 2}, Flags: cStr2Sockaddr | cSocklenPtr, Sock: sockRet},
	{Name: "socket", P1: none, P2: none, N: [3]uint8{0, 1, 2}, Sock: sockRet},
	{Name: "dup", P1: none, P2: none, N: [3]uint8{0, none, none}, Sock: sockRet},
	{Name: "dup2", P1: none, P2: none, N: [3]uint8{0, 1, none}, Sock: sockRet},
	{Name: "dup3", P1: none, P2: none, N: [3]uint8{0, 1, 2}, Sock: sockRet},
	{Name: "ptrace", P1: none, P2: none, N: [3]uint8{0, 1, none}, Sock: none},
	{Name: "setuid", P1: none, P2: none, N: [3]uint8{0, none, none}, Sock: none},
	{Name: "setgid", P1: none, P2: none, N: [3]uint8{0, none, none}, Sock: none},
	{Name: "setreuid", P1: none, P2: none, N: [3]uint8{0, 1, none}, Sock: none},
	{Name: "setregid", P1: none, P2: none, N: [3]uint8{0, 1, none}, Sock: none},
	{Name: "setresuid", P1: none, P2: none, N: [3]uint8{0, 1, 2}, Sock: none},
	{Name: "setresgid", P1: none, P2: none, N: [3]uint8{0, 1, 2}, Sock: none},
	{Name: "memfd_create", P1: 0, P2: none, N: [3]uint8{1, none, none}, Sock: none},
	{Name: "init_module", P1: 2, P2: none, N: [3]uint8{none, 1, none}, Sock: none},
	{Name: "finit_module", P1: 1, P2: none, N: [3]uint8{2, 0, none}, Sock: none},
}

// byNr maps this architecture's syscall numbers to the traced syscalls.
var byNr = func() map[int32]*Syscall {
	m := map[int32]*Syscall{}
	for i := range Traced {
		if nr, ok := numbers[Traced[i].Name]; ok {
			m[int32(nr)] = &Traced[i]
		}
	}
	return m
}()

// Lookup returns the traced syscall with number nr on this architecture.
func Lookup(nr int32) *Syscall { return byNr[nr] }
