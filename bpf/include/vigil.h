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
	__u32 _pad;
};

/*
 * Exec record; followed by exe_len + cwd_len + filename_len + args_len bytes:
 * exe and cwd as NUL-terminated path components from the leaf up to the
 * root, the filename as passed to exec (NUL-terminated), then argv as the
 * kernel lays it out (NUL-separated).
 */
struct vigil_exec {
	struct vigil_task task;
	__u32 syscall; /* enum vigil_syscall */
	__u16 exe_len;
	__u16 cwd_len;
	__u16 filename_len;
	__u16 args_len;
	__u32 _pad;
};

/* Clone record: task is the new task (child). */
struct vigil_clone {
	struct vigil_task task;
	__u64 clone_flags;
	__u32 syscall;    /* enum vigil_syscall */
	__u32 parent_tid; /* the thread that called clone */
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

#endif /* VIGIL_H */
