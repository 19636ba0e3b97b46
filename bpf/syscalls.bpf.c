// SPDX-License-Identifier: (GPL-2.0-only OR Apache-2.0)
/*
 * System calls, from the per-syscall tracepoints (syscalls/sys_enter_NAME and
 * sys_exit_NAME). The loader attaches the pair of each system call user space
 * asked for and nothing else: that is the in-kernel filter, so a system call
 * nobody asked for runs no BPF at all (no raw sys_enter catch-all).
 *
 * Entry saves the arguments per thread, the path read from user memory once,
 * as close as possible to the kernel's own copy; exit joins them with the
 * result and what the kernel resolved (the opened file's path, inode and
 * device) into one record.
 *
 * This object shares the ring buffer, the drop counters and the per-CPU
 * scratch with the process object (the loader passes them as map
 * replacements). Sharing the scratch is safe: these programs run with
 * preemption disabled and none of the hooks nests inside another.
 */
#include "common.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Keep the wire types in BTF so bpf2go generates their Go types. */
const struct vigil_open *unused_open __attribute__((unused));
const struct vigil_fkey *unused_fkey __attribute__((unused));

/*
 * The file verdict cache. When the loader enables it, the open family's
 * programs key each successfully opened file (struct vigil_fkey) and return
 * at once when user space has stored that key: no loaded rule can care
 * about that file opened by that call, whatever the process or the flags
 * (engine.FileVerdict). A miss costs the key's few loads; a hit saves the
 * record (the name read, the path walk, the ring buffer). Renames and
 * mounts bump the generation, which is part of the key, so a file whose
 * path may have changed is looked at afresh. Bounded (LRU).
 */
const volatile bool file_verdicts = false;

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct vigil_fkey);
	__type(value, __u8);
} file_verdict_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} fs_gen SEC(".maps");

/* Attached to the exit of every call that can change a path (rename
 * family, mount, umount, move_mount, pivot_root) while verdicts are on:
 * a successful one bumps the generation. */
SEC("tracepoint/syscalls/sys_exit_rename")
int trace_fs_gen(struct trace_event_raw_sys_exit *ctx)
{
	if (ctx->ret != 0)
		return 0;
	__u32 zero = 0;
	__u64 *gen = bpf_map_lookup_elem(&fs_gen, &zero);
	if (gen)
		__sync_fetch_and_add(gen, 1);
	return 0;
}

/* What the open family's programs learn first, before any other work: the
 * file the call opened and, with the verdict cache on, its key. */
struct opened {
	struct file *f;
	struct vigil_fkey key;
	bool keyed; /* key is set (and was not in the cache) */
};


/* Fills k for file fp opened by syscall sc of task; false when a field is
 * missing. fp came from a probe read: bpf_rdonly_cast turns it into a BTF
 * pointer, so the fields below are plain loads (a fault reads as 0). */
static __always_inline bool file_key(struct vigil_fkey *k, struct task_struct *task,
				     struct file *fp, __u32 sc)
{
	struct file *f = bpf_rdonly_cast(fp, bpf_core_type_id_kernel(struct file));
	struct dentry *d = f->f_path.dentry;
	if (!d)
		return false;
	k->dentry = (__u64)d;
	k->parent = (__u64)d->d_parent;
	k->inode = (__u64)d->d_inode;
	k->mnt = (__u64)f->f_path.mnt;
	k->root_dentry = (__u64)task->fs->root.dentry;
	k->root_mnt = (__u64)task->fs->root.mnt;
	k->name_hash = d->d_name.hash;
	k->syscall = sc;
	__u32 zero = 0;
	__u64 *gen = bpf_map_lookup_elem(&fs_gen, &zero);
	k->gen = gen ? *gen : 0;
	return true;
}

/* The open family's first step: finds the opened file and, with the
 * verdict cache on, looks its key up; true when the cache says no rule
 * cares, and the program is done. It runs before anything else (no
 * argument, scratch or agent check), so that a hit costs the least. */
static __always_inline bool cached_open(struct trace_event_raw_sys_exit *ctx, __u32 sc,
					struct opened *o)
{
	o->f = NULL;
	o->keyed = false;
	long ret = ctx->ret;
	if (ret < 0)
		return false;
	struct task_struct *task = bpf_get_current_task_btf();
	o->f = task_fd(task, ret);
	if (!file_verdicts || !o->f || !file_key(&o->key, task, o->f, sc))
		return false;
	if (bpf_map_lookup_elem(&file_verdict_map, &o->key))
		return true;
	o->keyed = true;
	return false;
}
const struct vigil_path2 *unused_path2 __attribute__((unused));

#define AT_FDCWD -100
#define O_WRONLY 01
#define O_CREAT 0100
#define O_TRUNC 01000
/* struct open_how as of Linux 5.6 (OPEN_HOW_SIZE_VER0) */
#define OPEN_HOW_SIZE 24

_Static_assert(sizeof(struct vigil_open) + VIGIL_FILENAME_MAX + VIGIL_PATH_MAX <= HEAD_MASK,
	       "open sections overflow HEAD_MASK");

/*
 * The call's arguments as its exit sees them. There is no entry program:
 * the arguments are read from the registers the syscall entry saved
 * (pt_regs), which these calls leave untouched, and the name from the
 * caller's memory at exit, as Falco's modern probe does. One program per
 * call instead of two, and no per-call map update: the cost of the entry
 * tracepoint and of a 4 KiB map value per call is gone. The name is what
 * the caller's memory holds when the call returns (a racing thread could
 * have changed it); the path of an opened file comes from the kernel.
 */

struct open_args {
	struct opened *opened; /* the open family: what cached_open found */
	const char *name;
	const void *how;
	__u64 how_size;
	__u64 flags;
	__u64 mode;
	__u32 uid;
	__u32 gid;
	__s32 dirfd;
	bool no_fd;  /* the call opens no fd: ret is 0 or -errno */
	bool fd_arg; /* dirfd is the call's fd argument: report its file */
};




static __always_inline int emit_open(struct trace_event_raw_sys_exit *ctx, __u32 sc,
				     struct open_args *a)
{
	__u64 id = bpf_get_current_pid_tgid();
	if (is_agent(id >> 32))
		return 0;
	struct scratch *s = get_scratch();
	if (!s) {
		count_drop(VIGIL_KIND_SYSCALL);
		return 0;
	}
	struct task_struct *task = bpf_get_current_task_btf();
	struct vigil_open *r = (struct vigil_open *)s->buf;
	long ret = ctx->ret;

	/* the file the open family opened, and its verdict cache key */
	struct file *opened = a->opened ? a->opened->f : NULL;
	bool keyed = a->opened && a->opened->keyed;
	if (keyed)
		r->fkey = a->opened->key;
	else
		__builtin_memset(&r->fkey, 0, sizeof(r->fkey));

	fill_current_task(&r->task, VIGIL_KIND_SYSCALL);
	if (keyed)
		r->task.flags |= VIGIL_F_FKEY;
	r->syscall = sc;
	r->dirfd = a->dirfd;
	r->ret = ret;
	r->flags = a->flags;
	r->mode = a->mode;
	r->resolve = 0;
	if (a->how && a->how_size >= OPEN_HOW_SIZE) {
		struct open_how how = {};
		if (bpf_probe_read_user(&how, OPEN_HOW_SIZE, a->how) == 0) {
			r->flags = how.flags;
			r->mode = how.mode;
			r->resolve = how.resolve;
		}
	}
	r->ino = 0;
	r->dev = 0;
	r->i_mode = 0;
	r->uid = a->uid;
	r->gid = a->gid;
	r->_pad = 0;

	/* the name as passed, from the caller's memory */
	__u32 off = sizeof(*r);
	long n = bpf_probe_read_user_str(&s->buf[off], VIGIL_FILENAME_MAX, a->name);
	if (n < 0)
		n = 0;
	r->name_len = n;
	bool relative = n > 1 && s->buf[off & SCRATCH_MASK] != '/';
	off += n;

	/* the kernel's side: the opened file, or where a relative name starts */
	struct path root = task->fs->root;
	struct file *f = NULL;
	if (a->fd_arg)
		f = task_fd(task, a->dirfd);
	else if (!a->no_fd)
		f = opened;
	struct dentry *dentry = NULL;
	struct vfsmount *mnt = NULL;
	__u32 what = 0;
	if (f) {
		struct path fpath;
		BPF_CORE_READ_INTO(&fpath, f, f_path);
		dentry = fpath.dentry;
		mnt = fpath.mnt;
		what = VIGIL_F_FD_PATH;
		struct inode *inode = BPF_CORE_READ(f, f_inode);
		__u32 kdev = BPF_CORE_READ(inode, i_sb, s_dev);
		r->ino = BPF_CORE_READ(inode, i_ino);
		r->dev = encode_dev(kdev >> 20, kdev & 0xfffff);
		r->i_mode = BPF_CORE_READ(inode, i_mode);
	} else if (relative) {
		if (r->dirfd == AT_FDCWD) {
			dentry = task->fs->pwd.dentry;
			mnt = task->fs->pwd.mnt;
			what = VIGIL_F_BASE_PATH;
		} else if ((f = task_fd(task, r->dirfd))) {
			dentry = BPF_CORE_READ(f, f_path.dentry);
			mnt = BPF_CORE_READ(f, f_path.mnt);
			what = VIGIL_F_BASE_PATH;
		}
	}
	__u32 mark = off;
	if (what) {
		bool trunc, pseudo;
		off = write_path(off, dentry, mnt, &root, &trunc, &pseudo);
		r->task.flags |= what;
		if (trunc)
			r->task.flags |= VIGIL_F_PATH_TRUNC;
		if (pseudo)
			r->task.flags |= VIGIL_F_PATH_PSEUDO;
	}
	r->path_len = off - mark;
	submit(s->buf, off & SCRATCH_MASK, VIGIL_KIND_SYSCALL);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_open")
int trace_exit_open(struct trace_event_raw_sys_exit *ctx)
{
	struct opened o;
	if (cached_open(ctx, VIGIL_SC_OPEN, &o))
		return 0;
	struct pt_regs *regs = user_regs();
	struct open_args a = {
		.opened = &o,
		.name = (const char *)sys_arg(regs, 0),
		.flags = sys_arg(regs, 1),
		.mode = sys_arg(regs, 2),
		.dirfd = AT_FDCWD,
	};
	return emit_open(ctx, VIGIL_SC_OPEN, &a);
}

SEC("tracepoint/syscalls/sys_exit_openat")
int trace_exit_openat(struct trace_event_raw_sys_exit *ctx)
{
	struct opened o;
	if (cached_open(ctx, VIGIL_SC_OPENAT, &o))
		return 0;
	struct pt_regs *regs = user_regs();
	struct open_args a = {
		.opened = &o,
		.dirfd = (__s32)sys_arg(regs, 0),
		.name = (const char *)sys_arg(regs, 1),
		.flags = sys_arg(regs, 2),
		.mode = sys_arg(regs, 3),
	};
	return emit_open(ctx, VIGIL_SC_OPENAT, &a);
}

SEC("tracepoint/syscalls/sys_exit_openat2")
int trace_exit_openat2(struct trace_event_raw_sys_exit *ctx)
{
	struct opened o;
	if (cached_open(ctx, VIGIL_SC_OPENAT2, &o))
		return 0;
	struct pt_regs *regs = user_regs();
	struct open_args a = {
		.opened = &o,
		.dirfd = (__s32)sys_arg(regs, 0),
		.name = (const char *)sys_arg(regs, 1),
		.how = (const void *)sys_arg(regs, 2),
		.how_size = sys_arg(regs, 3),
	};
	return emit_open(ctx, VIGIL_SC_OPENAT2, &a);
}

SEC("tracepoint/syscalls/sys_exit_creat")
int trace_exit_creat(struct trace_event_raw_sys_exit *ctx)
{
	struct opened o;
	if (cached_open(ctx, VIGIL_SC_CREAT, &o))
		return 0;
	struct pt_regs *regs = user_regs();
	struct open_args a = {
		.opened = &o,
		.name = (const char *)sys_arg(regs, 0),
		.flags = O_CREAT | O_WRONLY | O_TRUNC,
		.mode = sys_arg(regs, 1),
		.dirfd = AT_FDCWD,
	};
	return emit_open(ctx, VIGIL_SC_CREAT, &a);
}

/*
 * Path operations: one name, no fd opened. They reuse the open record; the
 * path section is the base directory of a relative name, success or not.
 */

SEC("tracepoint/syscalls/sys_exit_unlink")
int trace_exit_unlink(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs = user_regs();
	struct open_args a = {
		.name = (const char *)sys_arg(regs, 0),
		.dirfd = AT_FDCWD,
		.no_fd = true,
	};
	return emit_open(ctx, VIGIL_SC_UNLINK, &a);
}

SEC("tracepoint/syscalls/sys_exit_unlinkat")
int trace_exit_unlinkat(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs = user_regs();
	struct open_args a = {
		.dirfd = (__s32)sys_arg(regs, 0),
		.name = (const char *)sys_arg(regs, 1),
		.flags = (__u32)sys_arg(regs, 2),
		.no_fd = true,
	};
	return emit_open(ctx, VIGIL_SC_UNLINKAT, &a);
}

SEC("tracepoint/syscalls/sys_exit_mkdir")
int trace_exit_mkdir(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs = user_regs();
	struct open_args a = {
		.name = (const char *)sys_arg(regs, 0),
		.mode = (__u32)sys_arg(regs, 1),
		.dirfd = AT_FDCWD,
		.no_fd = true,
	};
	return emit_open(ctx, VIGIL_SC_MKDIR, &a);
}

SEC("tracepoint/syscalls/sys_exit_mkdirat")
int trace_exit_mkdirat(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs = user_regs();
	struct open_args a = {
		.dirfd = (__s32)sys_arg(regs, 0),
		.name = (const char *)sys_arg(regs, 1),
		.mode = (__u32)sys_arg(regs, 2),
		.no_fd = true,
	};
	return emit_open(ctx, VIGIL_SC_MKDIRAT, &a);
}

SEC("tracepoint/syscalls/sys_exit_rmdir")
int trace_exit_rmdir(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs = user_regs();
	struct open_args a = {
		.name = (const char *)sys_arg(regs, 0),
		.dirfd = AT_FDCWD,
		.no_fd = true,
	};
	return emit_open(ctx, VIGIL_SC_RMDIR, &a);
}

/*
 * Attribute changes (chmod and chown families). The path-based ones are path
 * operations; fchmod and fchown report the file behind their fd argument,
 * as an opened file.
 */

SEC("tracepoint/syscalls/sys_exit_chmod")
int trace_exit_chmod(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs = user_regs();
	struct open_args a = {
		.name = (const char *)sys_arg(regs, 0),
		.mode = (__u32)sys_arg(regs, 1),
		.dirfd = AT_FDCWD,
		.no_fd = true,
	};
	return emit_open(ctx, VIGIL_SC_CHMOD, &a);
}

SEC("tracepoint/syscalls/sys_exit_fchmod")
int trace_exit_fchmod(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs = user_regs();
	struct open_args a = {
		.dirfd = (__s32)sys_arg(regs, 0),
		.mode = (__u32)sys_arg(regs, 1),
		.fd_arg = true,
	};
	return emit_open(ctx, VIGIL_SC_FCHMOD, &a);
}

SEC("tracepoint/syscalls/sys_exit_fchmodat")
int trace_exit_fchmodat(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs = user_regs();
	struct open_args a = {
		.dirfd = (__s32)sys_arg(regs, 0),
		.name = (const char *)sys_arg(regs, 1),
		.mode = (__u32)sys_arg(regs, 2),
		.no_fd = true,
	};
	return emit_open(ctx, VIGIL_SC_FCHMODAT, &a);
}

SEC("tracepoint/syscalls/sys_exit_chown")
int trace_exit_chown(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs = user_regs();
	struct open_args a = {
		.name = (const char *)sys_arg(regs, 0),
		.uid = (__u32)sys_arg(regs, 1),
		.gid = (__u32)sys_arg(regs, 2),
		.dirfd = AT_FDCWD,
		.no_fd = true,
	};
	return emit_open(ctx, VIGIL_SC_CHOWN, &a);
}

SEC("tracepoint/syscalls/sys_exit_lchown")
int trace_exit_lchown(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs = user_regs();
	struct open_args a = {
		.name = (const char *)sys_arg(regs, 0),
		.uid = (__u32)sys_arg(regs, 1),
		.gid = (__u32)sys_arg(regs, 2),
		.dirfd = AT_FDCWD,
		.no_fd = true,
	};
	return emit_open(ctx, VIGIL_SC_LCHOWN, &a);
}

SEC("tracepoint/syscalls/sys_exit_fchown")
int trace_exit_fchown(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs = user_regs();
	struct open_args a = {
		.dirfd = (__s32)sys_arg(regs, 0),
		.uid = (__u32)sys_arg(regs, 1),
		.gid = (__u32)sys_arg(regs, 2),
		.fd_arg = true,
	};
	return emit_open(ctx, VIGIL_SC_FCHOWN, &a);
}

SEC("tracepoint/syscalls/sys_exit_fchownat")
int trace_exit_fchownat(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs = user_regs();
	struct open_args a = {
		.dirfd = (__s32)sys_arg(regs, 0),
		.name = (const char *)sys_arg(regs, 1),
		.uid = (__u32)sys_arg(regs, 2),
		.gid = (__u32)sys_arg(regs, 3),
		.flags = (__u32)sys_arg(regs, 4),
		.no_fd = true,
	};
	return emit_open(ctx, VIGIL_SC_FCHOWNAT, &a);
}

/*
 * Path pairs (rename, link, symlink families): two names, no fd opened.
 * Layout in the scratch: the record, the old name, the new name (each up to
 * VIGIL_FILENAME_MAX, read at an offset masked with HEAD_MASK), then the
 * base directory of each relative name. The walks stop themselves at
 * HEAD_MASK (flagging the path truncated), which two full-length names and
 * a full-length first base can reach only together.
 */
_Static_assert(sizeof(struct vigil_path2) + 2 * VIGIL_FILENAME_MAX <= HEAD_MASK,
	       "path2 names overflow HEAD_MASK");
_Static_assert(HEAD_MASK + VIGIL_FILENAME_MAX < VIGIL_SCRATCH,
	       "path2 name read overflows the scratch");
_Static_assert(HEAD_MASK + VIGIL_NAME_MAX < VIGIL_SCRATCH,
	       "path component overflows the scratch");

struct path2_args {
	const char *old;
	const char *new;
	__u64 flags;
	__s32 olddirfd;
	__s32 newdirfd;
	bool old_literal; /* symlink's target: stored as written, never resolved */
};

/* The directory a relative name passed with dirfd starts from. */
static __always_inline bool name_base(struct task_struct *task, __s32 dirfd,
				      struct dentry **dentry, struct vfsmount **mnt)
{
	if (dirfd == AT_FDCWD) {
		*dentry = task->fs->pwd.dentry;
		*mnt = task->fs->pwd.mnt;
		return true;
	}
	struct file *f = task_fd(task, dirfd);
	if (!f)
		return false;
	*dentry = BPF_CORE_READ(f, f_path.dentry);
	*mnt = BPF_CORE_READ(f, f_path.mnt);
	return true;
}

static __always_inline int emit_path2(struct trace_event_raw_sys_exit *ctx, __u32 sc,
				      struct path2_args *a)
{
	__u64 id = bpf_get_current_pid_tgid();
	if (is_agent(id >> 32))
		return 0;
	struct scratch *s = get_scratch();
	if (!s) {
		count_drop(VIGIL_KIND_SYSCALL);
		return 0;
	}
	struct task_struct *task = bpf_get_current_task_btf();
	struct vigil_path2 *r = (struct vigil_path2 *)s->buf;

	fill_current_task(&r->task, VIGIL_KIND_SYSCALL);
	r->syscall = sc;
	r->olddirfd = a->olddirfd;
	r->newdirfd = a->newdirfd;
	r->_pad = 0;
	r->ret = ctx->ret;
	r->flags = a->flags;

	/* both names, from the caller's memory */
	__u32 off = sizeof(*r);
	long n = bpf_probe_read_user_str(&s->buf[off], VIGIL_FILENAME_MAX, a->old);
	if (n < 0)
		n = 0;
	r->old_len = n;
	bool old_rel = !a->old_literal && n > 1 && s->buf[off & SCRATCH_MASK] != '/';
	off += n;
	n = bpf_probe_read_user_str(&s->buf[off & HEAD_MASK], VIGIL_FILENAME_MAX, a->new);
	if (n < 0)
		n = 0;
	r->new_len = n;
	bool new_rel = n > 1 && s->buf[off & SCRATCH_MASK] != '/';
	off += n;

	/* the kernel's side: where each relative name starts */
	struct path root = task->fs->root;
	struct dentry *dentry = NULL;
	struct vfsmount *mnt = NULL;
	bool trunc, pseudo;
	__u32 mark = off;
	if (old_rel && name_base(task, a->olddirfd, &dentry, &mnt)) {
		off = write_path(off, dentry, mnt, &root, &trunc, &pseudo);
		r->task.flags |= VIGIL_F_OLD_BASE;
		if (trunc)
			r->task.flags |= VIGIL_F_OLD_TRUNC;
	}
	r->oldbase_len = off - mark;
	mark = off;
	if (new_rel && name_base(task, a->newdirfd, &dentry, &mnt)) {
		off = write_path(off, dentry, mnt, &root, &trunc, &pseudo);
		r->task.flags |= VIGIL_F_NEW_BASE;
		if (trunc)
			r->task.flags |= VIGIL_F_NEW_TRUNC;
	}
	r->newbase_len = off - mark;
	submit(s->buf, off & SCRATCH_MASK, VIGIL_KIND_SYSCALL);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_rename")
int trace_exit_rename(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs = user_regs();
	struct path2_args a = {
		.old = (const char *)sys_arg(regs, 0),
		.new = (const char *)sys_arg(regs, 1),
		.olddirfd = AT_FDCWD,
		.newdirfd = AT_FDCWD,
	};
	return emit_path2(ctx, VIGIL_SC_RENAME, &a);
}

SEC("tracepoint/syscalls/sys_exit_renameat")
int trace_exit_renameat(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs = user_regs();
	struct path2_args a = {
		.olddirfd = (__s32)sys_arg(regs, 0),
		.old = (const char *)sys_arg(regs, 1),
		.newdirfd = (__s32)sys_arg(regs, 2),
		.new = (const char *)sys_arg(regs, 3),
	};
	return emit_path2(ctx, VIGIL_SC_RENAMEAT, &a);
}

SEC("tracepoint/syscalls/sys_exit_renameat2")
int trace_exit_renameat2(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs = user_regs();
	struct path2_args a = {
		.olddirfd = (__s32)sys_arg(regs, 0),
		.old = (const char *)sys_arg(regs, 1),
		.newdirfd = (__s32)sys_arg(regs, 2),
		.new = (const char *)sys_arg(regs, 3),
		.flags = (__u32)sys_arg(regs, 4),
	};
	return emit_path2(ctx, VIGIL_SC_RENAMEAT2, &a);
}

SEC("tracepoint/syscalls/sys_exit_link")
int trace_exit_link(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs = user_regs();
	struct path2_args a = {
		.old = (const char *)sys_arg(regs, 0),
		.new = (const char *)sys_arg(regs, 1),
		.olddirfd = AT_FDCWD,
		.newdirfd = AT_FDCWD,
	};
	return emit_path2(ctx, VIGIL_SC_LINK, &a);
}

SEC("tracepoint/syscalls/sys_exit_linkat")
int trace_exit_linkat(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs = user_regs();
	struct path2_args a = {
		.olddirfd = (__s32)sys_arg(regs, 0),
		.old = (const char *)sys_arg(regs, 1),
		.newdirfd = (__s32)sys_arg(regs, 2),
		.new = (const char *)sys_arg(regs, 3),
		.flags = (__u32)sys_arg(regs, 4),
	};
	return emit_path2(ctx, VIGIL_SC_LINKAT, &a);
}

SEC("tracepoint/syscalls/sys_exit_symlink")
int trace_exit_symlink(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs = user_regs();
	struct path2_args a = {
		.old = (const char *)sys_arg(regs, 0),
		.new = (const char *)sys_arg(regs, 1),
		.olddirfd = AT_FDCWD,
		.newdirfd = AT_FDCWD,
		.old_literal = true,
	};
	return emit_path2(ctx, VIGIL_SC_SYMLINK, &a);
}

SEC("tracepoint/syscalls/sys_exit_symlinkat")
int trace_exit_symlinkat(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs = user_regs();
	struct path2_args a = {
		.old = (const char *)sys_arg(regs, 0),
		.newdirfd = (__s32)sys_arg(regs, 1),
		.new = (const char *)sys_arg(regs, 2),
		.olddirfd = AT_FDCWD,
		.old_literal = true,
	};
	return emit_path2(ctx, VIGIL_SC_SYMLINKAT, &a);
}
