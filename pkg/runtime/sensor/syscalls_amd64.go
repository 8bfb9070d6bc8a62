package sensor

import "golang.org/x/sys/unix"

var numbers = map[string]int{
	"execve": unix.SYS_EXECVE, "execveat": unix.SYS_EXECVEAT,
	"open": unix.SYS_OPEN, "openat": unix.SYS_OPENAT, "openat2": unix.SYS_OPENAT2, "creat": unix.SYS_CREAT,
	"mkdir": unix.SYS_MKDIR, "mkdirat": unix.SYS_MKDIRAT, "rmdir": unix.SYS_RMDIR,
	"unlink": unix.SYS_UNLINK, "unlinkat": unix.SYS_UNLINKAT,
	"rename": unix.SYS_RENAME, "renameat": unix.SYS_RENAMEAT, "renameat2": unix.SYS_RENAMEAT2,
	"link": unix.SYS_LINK, "linkat": unix.SYS_LINKAT, "symlink": unix.SYS_SYMLINK, "symlinkat": unix.SYS_SYMLINKAT,
	"chmod": unix.SYS_CHMOD, "fchmod": unix.SYS_FCHMOD, "fchmodat": unix.SYS_FCHMODAT,
	"connect": unix.SYS_CONNECT, "accept": unix.SYS_ACCEPT, "accept4": unix.SYS_ACCEPT4,
	"socket": unix.SYS_SOCKET, "dup": unix.SYS_DUP, "dup2": unix.SYS_DUP2, "dup3": unix.SYS_DUP3,
	"ptrace": unix.SYS_PTRACE, "setuid": unix.SYS_SETUID, "setgid": unix.SYS_SETGID,
	"setreuid": unix.SYS_SETREUID, "setregid": unix.SYS_SETREGID, "setresuid": unix.SYS_SETRESUID, "setresgid": unix.SYS_SETRESGID,
	"memfd_create": unix.SYS_MEMFD_CREATE, "init_module": unix.SYS_INIT_MODULE, "finit_module": unix.SYS_FINIT_MODULE,
}
