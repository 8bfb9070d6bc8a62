package syscalls

import (
	"strings"

	"golang.org/x/sys/unix"
)

type flagName struct {
	bit  uint64
	name string
}

// Open flags by name, with this architecture's values (they differ between amd64 and arm64).
var openFlags = []flagName{
	{unix.O_CREAT, "O_CREAT"}, {unix.O_EXCL, "O_EXCL"}, {unix.O_NOCTTY, "O_NOCTTY"}, {unix.O_TRUNC, "O_TRUNC"},
	{unix.O_APPEND, "O_APPEND"}, {unix.O_NONBLOCK, "O_NONBLOCK"}, {unix.O_DSYNC, "O_DSYNC"}, {unix.O_DIRECT, "O_DIRECT"},
	{unix.O_LARGEFILE, "O_LARGEFILE"}, {unix.O_DIRECTORY, "O_DIRECTORY"}, {unix.O_NOFOLLOW, "O_NOFOLLOW"},
	{unix.O_NOATIME, "O_NOATIME"}, {unix.O_CLOEXEC, "O_CLOEXEC"}, {unix.O_PATH, "O_PATH"},
}

// OpenFlagString renders open flags as Falco does: the access mode, then the other flags,
// joined by '|'.
func OpenFlagString(f uint64) string {
	var parts []string
	switch {
	case f&unix.O_PATH != 0:
	case f&unix.O_ACCMODE == unix.O_WRONLY:
		parts = append(parts, "O_WRONLY")
	case f&unix.O_ACCMODE == unix.O_RDWR:
		parts = append(parts, "O_RDWR")
	default:
		parts = append(parts, "O_RDONLY")
	}
	for _, fl := range openFlags {
		if f&fl.bit == fl.bit && fl.bit != 0 {
			if fl.name == "O_DIRECTORY" && f&unix.O_TMPFILE == unix.O_TMPFILE {
				parts = append(parts, "O_TMPFILE")
				continue
			}
			parts = append(parts, fl.name)
		}
	}
	return strings.Join(parts, "|")
}

var modeFlags = []flagName{
	{0o4000, "S_ISUID"}, {0o2000, "S_ISGID"}, {0o1000, "S_ISVTX"},
	{0o400, "S_IRUSR"}, {0o200, "S_IWUSR"}, {0o100, "S_IXUSR"},
	{0o040, "S_IRGRP"}, {0o020, "S_IWGRP"}, {0o010, "S_IXGRP"},
	{0o004, "S_IROTH"}, {0o002, "S_IWOTH"}, {0o001, "S_IXOTH"},
}

// ModeString renders file mode bits as Falco does (S_ISUID|S_IRUSR|...).
func ModeString(m uint64) string {
	var parts []string
	for _, fl := range modeFlags {
		if m&fl.bit != 0 {
			parts = append(parts, fl.name)
		}
	}
	return strings.Join(parts, "|")
}

var ptraceRequests = map[uint64]string{
	unix.PTRACE_TRACEME: "PTRACE_TRACEME", unix.PTRACE_PEEKTEXT: "PTRACE_PEEKTEXT", unix.PTRACE_PEEKDATA: "PTRACE_PEEKDATA",
	unix.PTRACE_PEEKUSR: "PTRACE_PEEKUSR", unix.PTRACE_POKETEXT: "PTRACE_POKETEXT", unix.PTRACE_POKEDATA: "PTRACE_POKEDATA",
	unix.PTRACE_POKEUSR: "PTRACE_POKEUSR", unix.PTRACE_CONT: "PTRACE_CONT", unix.PTRACE_KILL: "PTRACE_KILL",
	unix.PTRACE_SINGLESTEP: "PTRACE_SINGLESTEP", unix.PTRACE_ATTACH: "PTRACE_ATTACH", unix.PTRACE_DETACH: "PTRACE_DETACH",
	unix.PTRACE_SYSCALL: "PTRACE_SYSCALL", unix.PTRACE_SETOPTIONS: "PTRACE_SETOPTIONS", unix.PTRACE_SEIZE: "PTRACE_SEIZE",
	unix.PTRACE_INTERRUPT: "PTRACE_INTERRUPT", unix.PTRACE_LISTEN: "PTRACE_LISTEN",
}
