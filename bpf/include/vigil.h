/* SPDX-License-Identifier: (GPL-2.0-only OR Apache-2.0) */
/*
 * Wire structures shared by the BPF programs and the Go sensor. The Go side
 * never re-declares them: bpf2go generates its types from this file's BTF
 * (see internal/sensor/kernel/gen.go), and a test checks the sizes.
 */
#ifndef VIGIL_H
#define VIGIL_H

#define VIGIL_COMM_LEN 16
/* Longest path assembled from dentry components, and most components. */
#define VIGIL_PATH_MAX 4096
#define VIGIL_PATH_COMPONENTS 64
#define VIGIL_NAME_MAX 256
/* Cgroup paths (exec and clone records): most components walked, and most
 * bytes per path; deeper or longer paths are truncated and flagged. */
#define VIGIL_CGROUP_COMPONENTS 32
#define VIGIL_CGROUP_MAX 1024
/* argv bytes captured per exec; longer argument lists are truncated and
 * flagged (VIGIL_F_ARGS_TRUNC). Must be a power of two. */
#define VIGIL_ARGS_MAX 8192
#define VIGIL_FILENAME_MAX 4096
/* Per-CPU scratch used to assemble a record; a power of two. */
#define VIGIL_SCRATCH 32768

/* Record kinds: the first u32 after the timestamps tells which struct. */
enum vigil_kind {
	VIGIL_KIND_EXEC = 1,
	VIGIL_KIND_CLONE = 2,
	VIGIL_KIND_EXIT = 3,
	VIGIL_KIND_SYSCALL = 4, /* a system call; its syscall field says which struct */
	VIGIL_KIND_MAX = 5,     /* size of the drop counter array */
};

/* System calls behind exec and clone records (arch-independent). */
enum vigil_syscall {
	VIGIL_SC_NONE = 0, /* kernel-internal (kernel threads) */
	VIGIL_SC_EXECVE = 1,
	VIGIL_SC_EXECVEAT = 2,
	VIGIL_SC_CLONE = 3,
	VIGIL_SC_CLONE3 = 4,
	VIGIL_SC_FORK = 5,
	VIGIL_SC_VFORK = 6,
	VIGIL_SC_OTHER = 7,
	VIGIL_SC_OPEN = 8,
	VIGIL_SC_OPENAT = 9,
	VIGIL_SC_OPENAT2 = 10,
	VIGIL_SC_CREAT = 11,
	VIGIL_SC_UNLINK = 12,
	VIGIL_SC_UNLINKAT = 13,
	VIGIL_SC_MKDIR = 14,
	VIGIL_SC_MKDIRAT = 15,
	VIGIL_SC_RMDIR = 16,
	VIGIL_SC_RENAME = 17,
	VIGIL_SC_RENAMEAT = 18,
	VIGIL_SC_RENAMEAT2 = 19,
	VIGIL_SC_LINK = 20,
	VIGIL_SC_LINKAT = 21,
	VIGIL_SC_SYMLINK = 22,
	VIGIL_SC_SYMLINKAT = 23,
	VIGIL_SC_CHMOD = 24,
	VIGIL_SC_FCHMOD = 25,
	VIGIL_SC_FCHMODAT = 26,
	VIGIL_SC_CHOWN = 27,
	VIGIL_SC_LCHOWN = 28,
	VIGIL_SC_FCHOWN = 29,
	VIGIL_SC_FCHOWNAT = 30,
	/* sockets and descriptors (bpf/net.bpf.c, struct vigil_sock) */
	VIGIL_SC_SOCKET = 31,
	VIGIL_SC_CONNECT = 32,
	VIGIL_SC_ACCEPT = 33,
	VIGIL_SC_ACCEPT4 = 34,
	VIGIL_SC_BIND = 35,
	VIGIL_SC_LISTEN = 36,
	VIGIL_SC_SENDTO = 37,
	VIGIL_SC_SENDMSG = 38,
	VIGIL_SC_RECVFROM = 39,
	VIGIL_SC_RECVMSG = 40,
	VIGIL_SC_DUP = 41,
	VIGIL_SC_DUP2 = 42,
	VIGIL_SC_DUP3 = 43,
	/* privileges, namespaces, modules, memory, signals (bpf/misc.bpf.c,
	 * struct vigil_generic) */
	VIGIL_SC_PTRACE = 50,
	VIGIL_SC_INIT_MODULE = 51,
	VIGIL_SC_FINIT_MODULE = 52,
	VIGIL_SC_DELETE_MODULE = 53,
	VIGIL_SC_SETUID = 54,
	VIGIL_SC_SETGID = 55,
	VIGIL_SC_SETRESUID = 56,
	VIGIL_SC_SETRESGID = 57,
	VIGIL_SC_SETREUID = 58,
	VIGIL_SC_SETREGID = 59,
	VIGIL_SC_CAPSET = 60,
	VIGIL_SC_SETNS = 61,
	VIGIL_SC_UNSHARE = 62,
	VIGIL_SC_MOUNT = 63,
	VIGIL_SC_UMOUNT2 = 64,
	VIGIL_SC_PIVOT_ROOT = 65,
	VIGIL_SC_CHROOT = 66,
	VIGIL_SC_BPF = 67,
	VIGIL_SC_MEMFD_CREATE = 68,
	VIGIL_SC_MPROTECT = 69,
	VIGIL_SC_MMAP = 70,
	VIGIL_SC_USERFAULTFD = 71,
	VIGIL_SC_KILL = 72,
	VIGIL_SC_TKILL = 73,
	VIGIL_SC_TGKILL = 74,
	VIGIL_SC_PRCTL = 75,
	VIGIL_SC_EXECVE_FAIL = 76,   /* execve returned an error */
	VIGIL_SC_EXECVEAT_FAIL = 77, /* execveat returned an error */
};

enum vigil_flags {
	VIGIL_F_EXE_UPPER = 1 << 0,    /* executable on an overlayfs upper layer */
	VIGIL_F_EXE_MEMFD = 1 << 1,    /* executable is a memfd */
	VIGIL_F_EXE_DELETED = 1 << 2,  /* executable was unlinked */
	VIGIL_F_ARGS_TRUNC = 1 << 3,   /* argv longer than VIGIL_ARGS_MAX */
	VIGIL_F_EXE_TRUNC = 1 << 4,    /* exe path deeper than the walk limit */
	VIGIL_F_CWD_TRUNC = 1 << 5,    /* cwd path deeper than the walk limit */
	VIGIL_F_THREAD = 1 << 6,       /* clone created a thread */
	VIGIL_F_KTHREAD = 1 << 7,      /* task is a kernel thread */
	/* open family: what the path section of a vigil_open holds */
	VIGIL_F_FD_PATH = 1 << 8,      /* the opened file's path, from its fd */
	VIGIL_F_BASE_PATH = 1 << 9,    /* the directory a relative name starts from */
	VIGIL_F_PATH_TRUNC = 1 << 10,  /* that path is deeper than the walk limit */
	VIGIL_F_PATH_PSEUDO = 1 << 11, /* that path's leaf is an internal object (memfd) */
	/* path pairs: which base directories a vigil_path2 holds */
	VIGIL_F_OLD_BASE = 1 << 12,    /* the old name's base directory */
	VIGIL_F_OLD_TRUNC = 1 << 13,   /* that path is deeper than the walk limit */
	VIGIL_F_NEW_BASE = 1 << 14,    /* the new name's base directory */
	VIGIL_F_NEW_TRUNC = 1 << 15,   /* that path is deeper than the walk limit */
	/* open family: the record's fkey identifies the opened file */
	VIGIL_F_FKEY = 1 << 16,
	/* exec and clone: the cgroup path sections */
	VIGIL_F_CGROUP_TRUNC = 1 << 17,    /* v2 path deeper or longer than the walk limit */
	VIGIL_F_CGROUP_V1 = 1 << 18,       /* a v1 path is present (an empty one is the root) */
	VIGIL_F_CGROUP_V1_TRUNC = 1 << 19, /* v1 path deeper or longer than the walk limit */
};

/*
 * What identifies an opened file for the file verdict cache: the same key
 * means the same path (from the same root), the same file and the same
 * system call, as long as no rename or mount happened in between (the
 * generation). User space stores the keys of files no rule can care about
 * in the file_verdicts map; the open family's programs return early on a
 * hit. Kernel pointers are used as identities only, never dereferenced by
 * user space.
 */
struct vigil_fkey {
	__u64 dentry;      /* the opened file's dentry */
	__u64 parent;      /* its d_parent */
	__u64 inode;       /* its inode */
	__u64 mnt;         /* its vfsmount */
	__u64 root_dentry; /* the task's root (chroot, container) */
	__u64 root_mnt;
	__u64 gen;         /* file system generation (renames, mounts) */
	__u32 name_hash;   /* d_name.hash */
	__u32 syscall;     /* enum vigil_syscall */
};

/* Common head of every record: who did it and when. */
struct vigil_task {
	__u64 ktime;          /* bpf_ktime_get_boot_ns() at the event */
	__u64 start_boottime; /* thread-group leader's start, boot ns */
	__u64 cgroup_id;      /* cgroup v2 id of the task */
	__u32 kind;           /* enum vigil_kind */
	__u32 flags;          /* enum vigil_flags */
	__u32 pid;            /* tgid */
	__u32 tid;
	__u32 ppid;           /* real parent's tgid */
	__u32 uid, gid, euid, egid;
	__u32 loginuid;
	__u32 sid;
	__u32 tty;            /* new_encode_dev() of the controlling tty, 0 if none */
	char comm[VIGIL_COMM_LEN];
	/* capability sets of the task's credentials (kernel_cap_t) */
	__u64 cap_effective;
	__u64 cap_permitted;
	__u64 cap_inheritable;
	/* namespaces, as inode numbers (/proc/PID/ns/mnt, /proc/PID/ns/pid:
	 * the task's active pid namespace), and the tgid and tid as that pid
	 * namespace numbers them; 0 when unknown (an exiting task has no
	 * nsproxy) */
	__u32 mntns;
	__u32 pidns;
	__u32 vpid;
	__u32 vtid;
};

/*
 * Exec record; followed by exe_len + cwd_len + filename_len + cgroup_len +
 * cgroup_v1_len + args_len bytes: exe and cwd as NUL-terminated path
 * components from the leaf up to the root, the filename as passed to exec
 * (NUL-terminated), the cgroup paths (as below), then argv as the kernel
 * lays it out (NUL-separated).
 *
 * Cgroup paths, in exec and clone records: kernfs node names from the leaf
 * up to the hierarchy's root (excluded), each NUL-terminated as exe's
 * components; no components is the root. cgroup is the task's cgroup v2
 * path; cgroup_v1 its path in a v1 hierarchy: the memory controller's when
 * memory is bound to a v1 hierarchy, else the first controller's whose
 * cgroup is not its v1 hierarchy's root; VIGIL_F_CGROUP_V1 says whether
 * there is one.
 */
struct vigil_exec {
	struct vigil_task task;
	__u32 syscall; /* enum vigil_syscall */
	__u16 exe_len;
	__u16 cwd_len;
	__u16 filename_len;
	__u16 args_len;
	__u16 cgroup_len;
	__u16 cgroup_v1_len;
	/* the executable's inode number and times (ns since the epoch); 0
	 * when there is no exe */
	__u64 exe_ino;
	__u64 exe_ctime;
	__u64 exe_mtime;
};

/* Clone record: task is the new task (child). Followed by cgroup_len +
 * cgroup_v1_len bytes: the child's cgroup paths, as in exec records. */
struct vigil_clone {
	struct vigil_task task;
	__u64 clone_flags;
	__u32 syscall;    /* enum vigil_syscall */
	__u32 parent_tid; /* the thread that called clone */
	__u16 cgroup_len;
	__u16 cgroup_v1_len;
	__u32 _pad;
};

/* Exit record: the last thread of a process exited. */
struct vigil_exit {
	struct vigil_task task;
	__u32 exit_code; /* task->exit_code: status << 8 | signal | 0x80 if core */
	__u32 _pad;
};

/*
 * Open family record (kind VIGIL_KIND_SYSCALL; syscall OPEN, OPENAT,
 * OPENAT2 or CREAT), made at the syscall's exit from what its entry saved.
 * The path operations (UNLINK, UNLINKAT, MKDIR, MKDIRAT, RMDIR) use it too:
 * they open no fd, so ino, dev and i_mode stay 0, ret is 0 or -errno, flags
 * are unlinkat's (AT_REMOVEDIR) and mode mkdir's; the path section is the
 * base directory of a relative name whatever the result.
 * The attribute changes use it too: CHMOD, FCHMODAT, CHOWN, LCHOWN and
 * FCHOWNAT as the path operations (mode is chmod's, uid and gid chown's,
 * flags fchownat's); FCHMOD and FCHOWN pass an fd instead of a name: dirfd
 * is that fd, name_len 0, and ino, dev, i_mode and the path section
 * (VIGIL_F_FD_PATH) are its file's, as for an opened file.
 * Followed by name_len + path_len bytes: the path as the caller passed it,
 * read from user memory (NUL-terminated), then path components from the leaf
 * up to the root (each NUL-terminated, as exec's exe) from the kernel: the
 * opened file's path (VIGIL_F_FD_PATH) when the call succeeded, else the
 * directory a relative name starts from (VIGIL_F_BASE_PATH: the cwd, or
 * dirfd's path), else nothing.
 */
struct vigil_open {
	struct vigil_task task;
	__u32 syscall;  /* enum vigil_syscall */
	__s32 dirfd;    /* as passed; AT_FDCWD (-100) for open and creat */
	__s64 ret;      /* the new fd, or -errno */
	__u64 flags;    /* as passed (open_how.flags); O_CREAT|O_WRONLY|O_TRUNC for creat */
	__u64 mode;     /* as passed (open_how.mode), unmasked */
	__u64 resolve;  /* open_how.resolve (openat2), else 0 */
	__u64 ino;      /* opened file's inode number; 0 on failure */
	__u32 dev;      /* new_encode_dev() of its superblock's s_dev; 0 on failure */
	__u32 i_mode;   /* its inode's i_mode (file type and permissions); 0 on failure */
	__u32 uid;      /* chown family: as passed ((u32)-1: unchanged), else 0 */
	__u32 gid;      /* chown family: as passed ((u32)-1: unchanged), else 0 */
	__u16 name_len; /* bytes of the name as passed, NUL included; 0 if unreadable */
	__u16 path_len; /* bytes of the path components */
	__u32 _pad;
	struct vigil_fkey fkey; /* with VIGIL_F_FKEY: the opened file's cache key */
};

/*
 * Path pair record (kind VIGIL_KIND_SYSCALL; syscall RENAME, RENAMEAT,
 * RENAMEAT2, LINK, LINKAT, SYMLINK or SYMLINKAT), made at the syscall's exit.
 * Followed by old_len + new_len + oldbase_len + newbase_len bytes: the old
 * and the new name as the caller passed them, read from user memory (each
 * NUL-terminated; symlink's target is the old name), then the base
 * directory of each relative name as path components from the leaf up to
 * the root (each NUL-terminated, as exec's exe): the cwd for AT_FDCWD, else
 * the dirfd's path (VIGIL_F_OLD_BASE, VIGIL_F_NEW_BASE). A symlink's target
 * is the link's content, never resolved: it has no base.
 */
struct vigil_path2 {
	struct vigil_task task;
	__u32 syscall;     /* enum vigil_syscall */
	__s32 olddirfd;    /* as passed; AT_FDCWD (-100) when the call has none */
	__s32 newdirfd;    /* as passed; AT_FDCWD (-100) when the call has none */
	__u32 _pad;
	__s64 ret;         /* 0 or -errno */
	__u64 flags;       /* as passed (renameat2, linkat), else 0 */
	__u16 old_len;     /* bytes of the old name, NUL included; 0 if unreadable */
	__u16 new_len;     /* bytes of the new name, NUL included; 0 if unreadable */
	__u16 oldbase_len; /* bytes of the old name's base path components */
	__u16 newbase_len; /* bytes of the new name's base path components */
};

/*
 * Socket and descriptor record (kind VIGIL_KIND_SYSCALL; syscall SOCKET,
 * CONNECT, ACCEPT, ACCEPT4, BIND, LISTEN, SENDTO, SENDMSG, RECVFROM, RECVMSG,
 * DUP, DUP2, DUP3), made at the syscall's exit. It describes the descriptor
 * the call created or used (the new fd for socket/accept/accept4, the old fd
 * for dup*, else the fd argument) as the kernel sees it after the call, plus
 * the address the caller passed or received.
 * From the kernel (not raceable): ret, ino, dev, i_mode, family, type,
 * protocol, state, the local and remote address and port, the accept queue,
 * a bound or connected unix socket's path, a file's path. From the caller's
 * memory, read at exit (a racing thread could have changed it): the uaddr_*
 * fields, a unix path when the kernel has none (path_user), and the size
 * of sendmsg/recvmsg (the iovec lengths).
 * Followed by path_len bytes: for a unix socket, its sun_path (NUL-
 * terminated; a leading NUL byte for an abstract name is kept); for a file
 * descriptor (dup family), the file's path components from the leaf up to
 * the root (each NUL-terminated, as exec's exe; VIGIL_F_FD_PATH).
 */
struct vigil_sock {
	struct vigil_task task;
	__u32 syscall;   /* enum vigil_syscall */
	__s32 fd;        /* the fd argument (dup*: oldfd); -1 for socket */
	__s64 ret;       /* new fd, byte count, 0, or -errno */
	/* listen: backlog; send*, recv*: size; dup2, dup3: newfd;
	 * accept, accept4: the listening socket's queue after the call,
	 * sk_ack_backlog << 32 | sk_max_ack_backlog;
	 * socket: its type argument (with flags) | protocol argument << 32 */
	__u64 arg;
	__u64 ino;       /* the described fd's inode number; 0 if none */
	__u32 dev;       /* new_encode_dev() of its superblock's s_dev */
	__u32 i_mode;    /* its inode's i_mode */
	__u16 family;    /* AF_* of the socket (socket: the domain argument) */
	__u16 type;      /* SOCK_* of the socket (sock->type, no flags) */
	__u16 protocol;  /* IPPROTO_* of the sock (sk_protocol) */
	__u8 state;      /* sk_state (TCP_ESTABLISHED...), 0 if no sock */
	__u8 fdkind;     /* 0 none, 1 socket, 2 other file */
	__u8 laddr[16];  /* local address (IPv4 in the first 4 bytes) */
	__u8 raddr[16];  /* remote address */
	__u16 lport;     /* host byte order */
	__u16 rport;
	__u16 uaddr_family; /* family of the address passed or received, 0 if none */
	__u16 uport;
	__u8 uaddr[16];  /* that address (connect, bind, sendto/sendmsg dest, recvfrom/recvmsg source) */
	__u16 path_len;
	__u8 path_user;  /* 1: the unix path is the caller's address, not the kernel's */
	__u8 _pad2;
	__u32 flags;     /* accept4, dup3: the flags argument */
};

/*
 * Generic record (kind VIGIL_KIND_SYSCALL; syscall PTRACE .. EXECVEAT_FAIL):
 * the raw arguments, the result, and up to three string sections.
 * Followed by str_len[0] + str_len[1] + str_len[2] bytes; section i is a
 * NUL-terminated string read from user memory, or when bit i of kpath is
 * set, path components from the kernel from the leaf up to the root (each
 * NUL-terminated, as exec's exe). What each argument and section holds is
 * per syscall (bpf/misc.bpf.c and internal/sensor/kernel/decode_misc.go).
 */
struct vigil_generic {
	struct vigil_task task;
	__u32 syscall;  /* enum vigil_syscall */
	__u32 kpath;    /* bit i: section i is kernel path components */
	__s64 ret;      /* result: >= 0 or -errno */
	__u64 args[6];  /* the raw syscall arguments, or values read for them */
	__u64 extra[4]; /* per-syscall values read from memory (capset data, bpf attr, vma) */
	__u16 str_len[3];
	__u16 _pad;
};

#endif /* VIGIL_H */
