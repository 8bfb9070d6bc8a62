// SPDX-License-Identifier: GPL-2.0
// eksguard runtime sensor: the raw syscall-exit tracepoint and the sched exec/exit
// tracepoints feed one ring buffer. The kernel side never waits: when the ring buffer is full the event is
// counted as lost and dropped. Which syscalls are traced, and which of their arguments
// are paths or numbers, is a table user space fills (config), so this program knows no
// syscall numbers and runs on any architecture.
#include "core.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

char LICENSE[] SEC("license") = "GPL";

/* bpf_rdonly_cast makes a kernel address a typed pointer whose fields are read with plain
 * loads the kernel guards (as for bpf_get_current_task_btf), instead of a helper call each. */
extern void *bpf_rdonly_cast(const void *obj, __u32 btf_id) __ksym;
#define KCAST(type, p) ((type *)bpf_rdonly_cast((const void *)(p), bpf_core_type_id_kernel(type)))

#define STRMAX 4096           /* one string of an event: a path, a command line */
#define MAXNR 1024            /* syscall numbers the config table covers */
#define SOCKMAX 128           /* sockaddr bytes kept */
#define WAKEUP_BYTES (256 << 10) /* pending bytes that wake the reader */

/* Event header flags. */
#define F_TRUNC1 1            /* string 1 was cut at STRMAX */
#define F_TRUNC2 2            /* string 2 was cut at STRMAX */
#define F_RESOLVED 4          /* string 1 is the kernel's resolved path of the opened file or executable */
#define F_FAULT1 8            /* string 1 could not be read from user memory */
#define F_FAULT2 16           /* string 2 could not be read */
#define F_SOCK 32             /* the sk_* fields describe the call's socket */
#define F_OVERLAY 64          /* exec: the executable is on an overlayfs */
#define F_UPPER 128           /* exec: ... and exists in its upper (writable) layer */
/* With F_RESOLVED, string 1 holds the components leaf first, each followed by '/'. */

/* Config flags. */
#define C_NO_EXIT_EVENT 1     /* the exit of this syscall emits nothing (execve: sched_process_exec does) */
#define C_STR2_SOCKADDR 2     /* string 2 is a sockaddr whose length is arg n2 (a pointer for accept) */
#define C_SOCKLEN_PTR 4       /* arg n2 points to the sockaddr length (accept) instead of being it */

#define NONE 255

/* Event types (the same numbers as the Go decoder). */
#define ET_SYSCALL 1
#define ET_EXEC 2
#define ET_EXIT 3

struct conf {
	__u8 on;
	__u8 flags;
	__u8 p1, p2;          /* argument index of string 1 and 2, or NONE */
	__u8 n0, n1, n2;      /* argument index of numbers 0..2, or NONE */
	__u8 open;            /* 1 when the syscall opens a file (resolved path wanted) */
	__u8 sockfd;          /* the socket's fd: argument index, SOCK_RET the return value, or NONE */
};

#define SOCK_RET 6

struct hdr {
	__u8 magic;           /* 0xEB */
	__u8 type;
	__u16 flags;
	__u32 size;           /* bytes in the record */
	__u64 ts;             /* boot-time ns */
	__u64 cgroup;
	__u32 pid, tid, ppid;
	__u32 uid, gid, loginuid;
	__u32 tty;
	__s32 nr;
	__s64 ret;
	__u64 num[3];
	char comm[16];
	__u16 len1, len2;     /* string lengths without NUL */
	__u32 fflags;         /* the opened file's f_flags (F_RESOLVED) */
	__u64 cap_eff;        /* the task's effective capabilities */
	__u16 sk_family;      /* F_SOCK: the socket's family, */
	__u8 sk_proto;        /* protocol (IPPROTO_*), */
	__u8 sk_type;         /* type (SOCK_*), */
	__u16 sk_lport;       /* local port, */
	__u16 sk_rport;       /* remote port (host order), */
	__u8 sk_laddr[16];    /* local and remote address (IPv4 in the first 4 bytes) */
	__u8 sk_raddr[16];
};

struct ev {
	struct hdr h;
	char data[2 * STRMAX];
};


struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 16 << 20);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, MAXNR);
	__type(key, __u32);
	__type(value, struct conf);
} config SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ev);
} scratch SEC(".maps");

/* Loss counters, per CPU: 0 ring buffer full. */
#define L_RINGBUF 0
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} lost SEC(".maps");

static __always_inline void count_lost(__u32 what)
{
	__u64 *n = bpf_map_lookup_elem(&lost, &what);
	if (n)
		*n += 1;
}

struct exec_ctx {
	__u64 common;
	__u32 filename_loc;
	__s32 pid;
	__s32 old_pid;
};

static __always_inline void fill_hdr(struct hdr *h, __u8 type)
{
	/* A BTF pointer: the reads below are plain loads the kernel guards, not helper calls. */
	struct task_struct *task = bpf_get_current_task_btf();
	__u64 pt = bpf_get_current_pid_tgid();
	h->magic = 0xEB;
	h->type = type;
	h->flags = 0;
	h->ts = bpf_ktime_get_boot_ns();
	h->cgroup = bpf_get_current_cgroup_id();
	h->pid = pt >> 32;
	h->tid = (__u32)pt;
	h->ppid = task->real_parent->tgid;
	const struct cred *cred = task->cred;
	h->uid = cred->euid.val;
	h->gid = cred->egid.val;
	h->cap_eff = 0;
	bpf_probe_read_kernel(&h->cap_eff, sizeof(h->cap_eff), &cred->cap_effective);
	h->loginuid = (__u32)-1;
	if (bpf_core_field_exists(task->loginuid))
		h->loginuid = task->loginuid.val;
	h->tty = 0;
	struct tty_struct *tty = task->signal->tty;
	if (tty) {
		struct tty_driver *drv = tty->driver;
		int major = drv->major;
		int minor = drv->minor_start + tty->index;
		/* new_encode_dev, as /proc/PID/stat's tty_nr */
		h->tty = (minor & 0xff) | (major << 8) | ((minor & ~0xff) << 12);
	}
	h->nr = -1;
	h->ret = 0;
	h->num[0] = h->num[1] = h->num[2] = 0;
	h->len1 = h->len2 = 0;
	h->fflags = 0;
	bpf_get_current_comm(h->comm, sizeof(h->comm));
}

static __always_inline struct ev *get_scratch(void)
{
	__u32 zero = 0;
	return bpf_map_lookup_elem(&scratch, &zero);
}

static __always_inline int emit(struct ev *e)
{
	__u64 size = sizeof(struct hdr) + (__u64)e->h.len1 + (__u64)e->h.len2;
	if (size > sizeof(struct ev))
		size = sizeof(struct ev);
	e->h.size = size;
	/* Wake the reader only when a batch is waiting: a wakeup per record costs more than the
	 * record. User space also polls every few milliseconds, so a quiet node is not delayed. */
	__u64 flags = bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) >= WAKEUP_BYTES ? BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP;
	if (bpf_ringbuf_output(&events, e, size, flags))
		count_lost(L_RINGBUF);
	return 0;
}

/* read_user_str copies a NUL-terminated user string to dst (STRMAX bytes of room) and
 * returns its length without NUL; sets the truncation or fault flag. */
static __always_inline __u16 read_user_str(struct ev *e, char *dst, __u64 ptr, __u16 trunc, __u16 fault)
{
	if (!ptr)
		return 0;
	long n = bpf_probe_read_user_str(dst, STRMAX, (const void *)ptr);
	if (n <= 0) {
		e->h.flags |= fault;
		return 0;
	}
	if (n == STRMAX)
		e->h.flags |= trunc;
	return (__u16)(n - 1);
}

/* A syscall's number and arguments, read from the saved user registers at its exit: they
 * still hold what the call was made with, so nothing is kept between entry and exit. */
struct sysargs {
	__s64 nr;
	__u64 a[6];
};

static __always_inline void read_regs(void *regs, struct sysargs *s, bool args)
{
	if (bpf_core_type_exists(struct pt_regs___x86) && bpf_core_field_exists(struct pt_regs___x86, orig_ax)) {
		struct pt_regs___x86 *r = KCAST(struct pt_regs___x86, regs);
		s->nr = r->orig_ax;
		if (!args)
			return;
		s->a[0] = r->di;
		s->a[1] = r->si;
		s->a[2] = r->dx;
		s->a[3] = r->r10;
		s->a[4] = r->r8;
		s->a[5] = r->r9;
	} else {
		/* arm64: x0 holds the return value by now; orig_x0 the first argument */
		struct pt_regs___arm64 *r = KCAST(struct pt_regs___arm64, regs);
		s->nr = r->syscallno;
		if (!args)
			return;
		s->a[0] = r->orig_x0;
		s->a[1] = r->regs[1];
		s->a[2] = r->regs[2];
		s->a[3] = r->regs[3];
		s->a[4] = r->regs[4];
		s->a[5] = r->regs[5];
	}
}

static __always_inline __u64 argn(struct sysargs *a, __u8 i)
{
	switch (i) {
	case 0: return a->a[0];
	case 1: return a->a[1];
	case 2: return a->a[2];
	case 3: return a->a[3];
	case 4: return a->a[4];
	case 5: return a->a[5];
	}
	return 0;
}

#define MAXDEPTH 128        /* path components walked */

/* The walk's state; the loop callback makes typed pointers of the addresses again. */
struct walk {
	__u64 d, root_d, vm, root_m, m;
	__u32 off;
	__u32 done;
	__u32 mnt_off;
	__u32 pad;
};

/* walk_step goes one path component up; it returns 1 to stop. Components are written to
 * the scratch event's data, leaf first, each followed by '/'. */
static long walk_step(__u64 i, struct walk *w)
{
	struct ev *e = get_scratch();
	if (!e)
		return 1;
	if (w->d == w->root_d && w->vm == w->root_m) {
		w->done = 1;
		return 1;
	}
	struct dentry *d = KCAST(struct dentry, w->d);
	struct vfsmount *vm = KCAST(struct vfsmount, w->vm);
	if (d == vm->mnt_root) {
		struct mount *m = KCAST(struct mount, w->m);
		__u64 parent = (__u64)m->mnt_parent;
		if (parent == w->m || !parent) {
			w->done = 1; /* the top of a mount tree the root is not in */
			return 1;
		}
		w->d = (__u64)m->mnt_mountpoint;
		w->m = parent;
		w->vm = parent + w->mnt_off;
		return 0;
	}
	__u64 parent = (__u64)d->d_parent;
	__u32 off = w->off;
	if (off >= STRMAX - 256)
		return 1;
	long n = bpf_probe_read_kernel_str(&e->data[off], 256, d->d_name.name);
	if (parent == w->d || !parent) {
		/* A disconnected dentry (a memfd, an unlinked pseudo file): its own name is all
		 * the path there is ("memfd:NAME"). */
		if (n > 1) {
			off += n - 1;
			if (off < STRMAX) {
				e->data[off] = '/';
				w->off = off + 1;
			}
		}
		w->done = 1;
		return 1;
	}
	if (n <= 1)
		return 1;
	off += n - 1;
	if (off >= STRMAX)
		return 1;
	e->data[off] = '/';
	w->off = off + 1;
	w->d = parent;
	return 0;
}

/* resolve writes the path of file, as the current task sees it from its root, into the
 * scratch event's string 1 (components leaf first) and returns its length, or -1 when the
 * walk did not reach the root. Symbolic links, "..", /proc/self/root and bind mounts are
 * already followed: this is the file that was opened, not the name that was asked for. */
static __always_inline long resolve(struct ev *e, struct file *file)
{
	if (!file)
		return -1;
	struct task_struct *task = bpf_get_current_task_btf();
	struct walk w = {};
	w.mnt_off = bpf_core_field_offset(struct mount, mnt);
	w.root_d = (__u64)task->fs->root.dentry;
	w.root_m = (__u64)task->fs->root.mnt;
	w.d = (__u64)file->f_path.dentry;
	w.vm = (__u64)file->f_path.mnt;
	w.m = w.vm - w.mnt_off;
	bpf_loop(MAXDEPTH, walk_step, &w, 0);
	if (!w.done)
		return -1;
	return w.off;
}

/* fd_file returns the file the current task has open as fd. */
static __always_inline struct file *fd_file(long fd)
{
	if (fd < 0)
		return 0;
	struct task_struct *task = bpf_get_current_task_btf();
	struct fdtable *fdt = task->files->fdt;
	if ((unsigned long)fd >= fdt->max_fds)
		return 0;
	struct file *f = 0;
	bpf_probe_read_kernel(&f, sizeof(f), &fdt->fd[fd]);
	if (!f)
		return 0;
	return KCAST(struct file, f);
}

#define OVERLAYFS_SUPER_MAGIC 0x794c7630
#define S_IFMT 0170000
#define S_IFSOCK 0140000
#define AF_INET 2
#define AF_INET6 10

/* read_sock fills the socket fields of the header when fd is a socket. */
static __always_inline void read_sock(struct hdr *h, long fd)
{
	struct file *f = fd_file(fd);
	if (!f)
		return;
	if ((f->f_inode->i_mode & S_IFMT) != S_IFSOCK)
		return;
	struct socket *sock = KCAST(struct socket, f->private_data);
	struct sock *sk = sock->sk;
	if (!sk)
		return;
	h->flags |= F_SOCK;
	h->sk_type = sock->type;
	h->sk_family = sk->__sk_common.skc_family;
	h->sk_proto = sk->sk_protocol;
	h->sk_lport = sk->__sk_common.skc_num;
	h->sk_rport = __builtin_bswap16(sk->__sk_common.skc_dport);
	__builtin_memset(h->sk_laddr, 0, sizeof(h->sk_laddr));
	__builtin_memset(h->sk_raddr, 0, sizeof(h->sk_raddr));
	if (h->sk_family == AF_INET) {
		bpf_probe_read_kernel(h->sk_laddr, 4, &sk->__sk_common.skc_rcv_saddr);
		bpf_probe_read_kernel(h->sk_raddr, 4, &sk->__sk_common.skc_daddr);
	} else if (h->sk_family == AF_INET6) {
		bpf_probe_read_kernel(h->sk_laddr, 16, &sk->__sk_common.skc_v6_rcv_saddr);
		bpf_probe_read_kernel(h->sk_raddr, 16, &sk->__sk_common.skc_v6_daddr);
	}
}

/* sys_exit runs at the exit of every syscall (the raw tracepoint: no per-syscall perf
 * record is built) and keeps only those the table turns on. */
SEC("raw_tracepoint/sys_exit")
int sys_exit(struct bpf_raw_tracepoint_args *ctx)
{
	void *regs = (void *)ctx->args[0];
	__s64 ret = (__s64)ctx->args[1];
	struct sysargs a;
	read_regs(regs, &a, false);
	__u32 nr = (__u32)a.nr;
	if (nr >= MAXNR)
		return 0;
	struct conf *c = bpf_map_lookup_elem(&config, &nr);
	if (!c || !c->on || (c->flags & C_NO_EXIT_EVENT))
		return 0;
	struct ev *e = get_scratch();
	if (!e)
		return 0;
	read_regs(regs, &a, true);
	fill_hdr(&e->h, ET_SYSCALL);
	e->h.nr = nr;
	e->h.ret = ret;
	if (c->n0 != NONE)
		e->h.num[0] = argn(&a, c->n0);
	if (c->n1 != NONE)
		e->h.num[1] = argn(&a, c->n1);
	if (c->n2 != NONE)
		e->h.num[2] = argn(&a, c->n2);
	if (c->sockfd != NONE) {
		long fd = c->sockfd == SOCK_RET ? ret : (long)(int)argn(&a, c->sockfd);
		if (fd >= 0)
			read_sock(&e->h, fd);
	}
	__u32 len1 = 0;
	if (c->open && ret >= 0) {
		struct file *f = fd_file(ret);
		long n = resolve(e, f);
		if (n >= 0) {
			len1 = n;
			e->h.flags |= F_RESOLVED;
			e->h.fflags = f->f_flags;
		}
	}
	if (!(e->h.flags & F_RESOLVED) && c->p1 != NONE)
		len1 = read_user_str(e, e->data, argn(&a, c->p1), F_TRUNC1, F_FAULT1);
	e->h.len1 = len1;
	__u32 off = len1 & (STRMAX - 1);
	__u32 len2 = 0;
	if (c->p2 != NONE) {
		__u64 ptr = argn(&a, c->p2);
		if (c->flags & C_STR2_SOCKADDR) {
			__u64 sl = c->n2 != NONE ? argn(&a, c->n2) : 0;
			/* accept passes a pointer to the length: read it after the call filled it */
			if ((c->flags & C_SOCKLEN_PTR) && sl) {
				__u32 l = 0;
				bpf_probe_read_user(&l, sizeof(l), (const void *)sl);
				sl = l;
			}
			if (sl > SOCKMAX)
				sl = SOCKMAX;
			if (ptr && sl && bpf_probe_read_user(e->data + off, sl & (SOCKMAX * 2 - 1), (const void *)ptr) == 0)
				len2 = sl;
			else if (ptr)
				e->h.flags |= F_FAULT2;
		} else {
			len2 = read_user_str(e, e->data + off, ptr, F_TRUNC2, F_FAULT2);
		}
	}
	e->h.len2 = len2;
	return emit(e);
}

SEC("tracepoint/sched/sched_process_exec")
int proc_exec(struct exec_ctx *ctx)
{
	struct ev *e = get_scratch();
	if (!e)
		return 0;
	fill_hdr(&e->h, ET_EXEC);
	/* execve or execveat: the syscall number is still in the saved registers */
	struct sysargs a;
	read_regs((void *)bpf_task_pt_regs(bpf_get_current_task_btf()), &a, false);
	e->h.nr = (__s32)a.nr;
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	__u32 len1 = 0;
	struct file *exe = BPF_CORE_READ(task, mm, exe_file);
	long r = resolve(e, exe ? KCAST(struct file, exe) : 0);
	if (exe && bpf_core_type_exists(struct ovl_inode)) {
		struct inode *ino = KCAST(struct file, exe)->f_inode;
		if (ino && ino->i_sb->s_magic == OVERLAYFS_SUPER_MAGIC) {
			e->h.flags |= F_OVERLAY;
			struct ovl_inode *oi = KCAST(struct ovl_inode, (void *)ino - bpf_core_field_offset(struct ovl_inode, vfs_inode));
			if (oi->__upperdentry)
				e->h.flags |= F_UPPER;
		}
	}
	if (r >= 0) {
		len1 = r;
		e->h.flags |= F_RESOLVED;
	} else {
		__u32 off = ctx->filename_loc & 0xFFFF;
		long n = bpf_probe_read_kernel_str(e->data, STRMAX, (void *)ctx + off);
		if (n > 0) {
			len1 = n - 1;
			if (n == STRMAX)
				e->h.flags |= F_TRUNC1;
		} else {
			e->h.flags |= F_FAULT1;
		}
	}
	e->h.len1 = len1;
	__u64 start = BPF_CORE_READ(task, mm, arg_start);
	__u64 end = BPF_CORE_READ(task, mm, arg_end);
	__u64 alen = end > start ? end - start : 0;
	if (alen > STRMAX) {
		alen = STRMAX;
		e->h.flags |= F_TRUNC2;
	}
	__u32 off2 = len1 & (STRMAX - 1);
	__u32 al = alen;
	if (al > STRMAX)
		al = STRMAX;
	if (al && bpf_probe_read_user(e->data + off2, al, (const void *)start) == 0) {
		e->h.len2 = alen;
	} else if (alen) {
		e->h.flags |= F_FAULT2;
	}
	return emit(e);
}

SEC("tracepoint/sched/sched_process_exit")
int proc_exit(void *ctx)
{
	__u64 pt = bpf_get_current_pid_tgid();
	if ((__u32)pt != (pt >> 32))
		return 0; /* a thread, not the process */
	struct ev *e = get_scratch();
	if (!e)
		return 0;
	fill_hdr(&e->h, ET_EXIT);
	return emit(e);
}
