package sensor

import "golang.org/x/sys/unix"

// arm64 has only the *at forms of open, mkdir, unlink, rename, link, symlink and chmod.
var numbers = map[string]int{
	"execve": unix.SYS_EXECVE, "execveat": unix.SYS_EXECVEAT,
	"openat": unix.SYS_OPENAT, "openat2": unix.SYS_OPENAT2,
	"mkdirat": unix.SYS_MKDIRAT, "unlinkat": unix.SYS_UNLINKAT,
	"renameat": unix.SYS_RENAMEAT, "renameat2": unix.SYS_RENAMEAT2,
	"linkat": unix.SYS_LINKAT, "symlinkat": unix.SYS_SYMLINKAT,
	"fchmod": unix.SYS_FCHMOD, "fchmodat": unix.SYS_FCHMODAT,
	"connect": unix.SYS_CONNECT, "accept": unix.SYS_ACCEPT, "accept4": unix.SYS_ACCEPT4,
	"socket": unix.SYS_SOCKET, "dup": unix.SYS_DUP, "dup3": unix.SYS_DUP3,
	"ptrace": unix.SYS_PTRACE, "setuid": unix.SYS_SETUID, "setgid": unix.SYS_SETGID,
	"setreuid": unix.SYS_SETREUID, "setregid": unix.SYS_SETREGID, "setresuid": unix.SYS_SETRESUID, "setresgid": unix.SYS_SETRESGID,
	"memfd_create": unix.SYS_MEMFD_CREATE, "init_module": unix.SYS_INIT_MODULE, "finit_module": unix.SYS_FINIT_MODULE,
}
