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

#define AT_FDCWD -100
#define O_WRONLY 01
#define O_CREAT 0100
#define O_TRUNC 01000
/* struct open_how as of Linux 5.6 (OPEN_HOW_SIZE_VER0) */
#define OPEN_HOW_SIZE 24

_Static_assert(sizeof(struct vigil_open) + VIGIL_FILENAME_MAX + VIGIL_PATH_MAX <= HEAD_MASK,
	       "open sections overflow HEAD_MASK");

/* What a system call's entry saved for its exit. */
struct open_entry {
	__u64 name_ptr; /* user pointers, to read again at exit when entry could not */
	__u64 how_ptr;
	__u64 how_size;
	__u64 flags;
	__u64 mode;
	__u64 resolve;
	__u32 syscall; /* enum vigil_syscall */
	__s32 dirfd;
	__u16 name_len; /* bytes in name with the NUL; 0: unread */
	__u8 how_read;
	__u8 _pad[5];
	char name[VIGIL_FILENAME_MAX];
};

_Static_assert(sizeof(struct open_entry) < VIGIL_SCRATCH, "entry does not fit the scratch");

/*
 * Threads inside an open-family call, keyed by tid. A plain hash without
 * preallocation rather than an LRU: memory follows the calls in flight, and
 * an LRU can evict a long-blocked call's entry (an open of a FIFO) before it
 * is full, because every CPU keeps free nodes of its own. When full, the
 * entry is not saved and its exit counts VIGIL_LOSS_SYSCALL_ENTRY.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 8192);
	__type(key, __u32);
	__type(value, struct open_entry);
} open_entries SEC(".maps");

static __always_inline void read_how(struct open_entry *e)
{
	struct open_how how = {};
	if (e->how_size < OPEN_HOW_SIZE)
		return; /* the call fails with EINVAL */
	if (bpf_probe_read_user(&how, OPEN_HOW_SIZE, (void *)e->how_ptr) != 0)
		return;
	e->flags = how.flags;
	e->mode = how.mode;
	e->resolve = how.resolve;
	e->how_read = 1;
}

static __always_inline int save_entry(__u32 sc, __s32 dirfd, const char *name, __u64 flags,
				      __u64 mode, const void *how, __u64 how_size)
{
	__u64 id = bpf_get_current_pid_tgid();
	if (is_agent(id >> 32))
		return 0;
	__u32 tid = (__u32)id;
	struct scratch *s = get_scratch();
	if (!s)
		return 0;
	/* assembled in the scratch: too big for the stack */
	struct open_entry *e = (struct open_entry *)s->buf;
	e->name_ptr = (__u64)name;
	e->how_ptr = (__u64)how;
	e->how_size = how_size;
	e->flags = flags;
	e->mode = mode;
	e->resolve = 0;
	e->syscall = sc;
	e->dirfd = dirfd;
	e->how_read = 0;
	if (how)
		read_how(e);
	/* Fails when the page is not resident yet; exit reads it again. */
	long n = bpf_probe_read_user_str(e->name, sizeof(e->name), name);
	e->name_len = n > 0 ? n : 0;
	bpf_map_update_elem(&open_entries, &tid, e, BPF_ANY);
	return 0;
}

/* The file behind descriptor fd of task, or NULL. The task side is read
 * through BTF (plain loads); the fd array's slot with a probe read. */
static __always_inline struct file *task_fd(struct task_struct *task, long fd)
{
	if (fd < 0)
		return NULL;
	struct fdtable *fdt = task->files->fdt;
	if (!fdt || fd >= fdt->max_fds)
		return NULL;
	struct file **fds = fdt->fd;
	struct file *f = NULL;
	bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]);
	return f;
}

static __always_inline int emit_open(struct trace_event_raw_sys_exit *ctx, __u32 sc)
{
	__u64 id = bpf_get_current_pid_tgid();
	if (is_agent(id >> 32))
		return 0;
	__u32 tid = (__u32)id;
	struct open_entry *e = bpf_map_lookup_elem(&open_entries, &tid);
	if (!e) {
		count_drop(VIGIL_LOSS_SYSCALL_ENTRY);
		return 0;
	}
	if (e->syscall != sc) {
		/* stale: another call's entry whose exit was missed */
		bpf_map_delete_elem(&open_entries, &tid);
		count_drop(VIGIL_LOSS_SYSCALL_ENTRY);
		return 0;
	}
	struct scratch *s = get_scratch();
	if (!s) {
		bpf_map_delete_elem(&open_entries, &tid);
		count_drop(VIGIL_KIND_SYSCALL);
		return 0;
	}
	struct task_struct *task = bpf_get_current_task_btf();
	struct vigil_open *r = (struct vigil_open *)s->buf;
	long ret = ctx->ret;

	fill_current_task(&r->task, VIGIL_KIND_SYSCALL);
	if (!e->how_read && e->how_ptr)
		read_how(e);
	r->syscall = sc;
	r->dirfd = e->dirfd;
	r->ret = ret;
	r->flags = e->flags;
	r->mode = e->mode;
	r->resolve = e->resolve;
	r->ino = 0;
	r->dev = 0;
	r->i_mode = 0;
	r->_pad = 0;

	/* the name as passed: saved at entry, else read now */
	__u32 off = sizeof(*r);
	long n;
	if (e->name_len > 0) {
		n = bpf_probe_read_kernel_str(&s->buf[off], VIGIL_FILENAME_MAX, e->name);
	} else {
		n = bpf_probe_read_user_str(&s->buf[off], VIGIL_FILENAME_MAX, (void *)e->name_ptr);
		if (n > 0)
			r->task.flags |= VIGIL_F_NAME_LATE;
	}
	bpf_map_delete_elem(&open_entries, &tid);
	if (n < 0)
		n = 0;
	r->name_len = n;
	bool relative = n > 1 && s->buf[off & SCRATCH_MASK] != '/';
	off += n;

	/* the kernel's side: the opened file, or where a relative name starts */
	struct path root = task->fs->root;
	struct file *f = task_fd(task, ret);
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

SEC("tracepoint/syscalls/sys_enter_open")
int trace_enter_open(struct trace_event_raw_sys_enter *ctx)
{
	return save_entry(VIGIL_SC_OPEN, AT_FDCWD, (const char *)ctx->args[0], ctx->args[1],
			  ctx->args[2], NULL, 0);
}

SEC("tracepoint/syscalls/sys_exit_open")
int trace_exit_open(struct trace_event_raw_sys_exit *ctx)
{
	return emit_open(ctx, VIGIL_SC_OPEN);
}

SEC("tracepoint/syscalls/sys_enter_openat")
int trace_enter_openat(struct trace_event_raw_sys_enter *ctx)
{
	return save_entry(VIGIL_SC_OPENAT, (__s32)ctx->args[0], (const char *)ctx->args[1],
			  ctx->args[2], ctx->args[3], NULL, 0);
}

SEC("tracepoint/syscalls/sys_exit_openat")
int trace_exit_openat(struct trace_event_raw_sys_exit *ctx)
{
	return emit_open(ctx, VIGIL_SC_OPENAT);
}

SEC("tracepoint/syscalls/sys_enter_openat2")
int trace_enter_openat2(struct trace_event_raw_sys_enter *ctx)
{
	return save_entry(VIGIL_SC_OPENAT2, (__s32)ctx->args[0], (const char *)ctx->args[1], 0, 0,
			  (const void *)ctx->args[2], ctx->args[3]);
}

SEC("tracepoint/syscalls/sys_exit_openat2")
int trace_exit_openat2(struct trace_event_raw_sys_exit *ctx)
{
	return emit_open(ctx, VIGIL_SC_OPENAT2);
}

SEC("tracepoint/syscalls/sys_enter_creat")
int trace_enter_creat(struct trace_event_raw_sys_enter *ctx)
{
	return save_entry(VIGIL_SC_CREAT, AT_FDCWD, (const char *)ctx->args[0],
			  O_CREAT | O_WRONLY | O_TRUNC, ctx->args[1], NULL, 0);
}

SEC("tracepoint/syscalls/sys_exit_creat")
int trace_exit_creat(struct trace_event_raw_sys_exit *ctx)
{
	return emit_open(ctx, VIGIL_SC_CREAT);
}
