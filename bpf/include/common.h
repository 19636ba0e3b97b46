/* SPDX-License-Identifier: (GPL-2.0-only OR Apache-2.0) */
/*
 * Helpers shared by Vigil's BPF programs: configuration, the ring buffer and
 * its loss counters, per-CPU scratch, task identity and path resolution.
 */
#ifndef VIGIL_COMMON_H
#define VIGIL_COMMON_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "vigil.h"

/* Set by the loader before load (cilium/ebpf VariableSpec.Set). */
const volatile __u32 agent_tgid = 0;
/* Bytes waiting in the ring buffer above which a record wakes the reader;
 * below it the reader is not woken (it polls on a short deadline), so busy
 * hosts pay one wake-up per batch. 0 wakes on every record. */
const volatile __u64 wakeup_bytes = 0;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 23); /* resized by the loader */
} events SEC(".maps");

/* Records that did not fit in the ring buffer, by enum vigil_kind. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, VIGIL_KIND_MAX);
	__type(key, __u32);
	__type(value, __u64);
} drops SEC(".maps");

struct scratch {
	__u8 buf[VIGIL_SCRATCH];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct scratch);
} scratch_map SEC(".maps");

static __always_inline struct scratch *get_scratch(void)
{
	__u32 zero = 0;
	return bpf_map_lookup_elem(&scratch_map, &zero);
}

static __always_inline void count_drop(__u32 kind)
{
	__u64 *n = bpf_map_lookup_elem(&drops, &kind);
	if (n)
		__sync_fetch_and_add(n, 1);
}

/* Wakes the reader once per wakeup_bytes of queued data: when a record of
 * size bytes (plus its 8-byte header) makes the queue cross a multiple of
 * it. Waking on every record while the queue is above the mark would cost
 * one forced wakeup per record exactly when the reader lags (a storm): it
 * tripled the cost of a record. The reader drains the queue before it
 * sleeps, so the first crossing after that wakes it; below the mark it
 * wakes at its poll interval. */
static __always_inline __u64 ringbuf_flags(__u64 size)
{
	if (wakeup_bytes == 0)
		return 0;
	__u64 avail = bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA);
	if (avail / wakeup_bytes != (avail + size + 8) / wakeup_bytes)
		return BPF_RB_FORCE_WAKEUP;
	return BPF_RB_NO_WAKEUP;
}

/* Sends size bytes of data as one record, counting a loss on failure. */
static __always_inline void submit(void *data, __u64 size, __u32 kind)
{
	if (bpf_ringbuf_output(&events, data, size, ringbuf_flags(size)) < 0)
		count_drop(kind);
}

static __always_inline bool is_agent(__u32 tgid)
{
	return agent_tgid != 0 && tgid == agent_tgid;
}

/* The kernel's new_encode_dev(), as /proc/PID/stat reports tty_nr. */
static __always_inline __u32 encode_dev(__u32 major, __u32 minor)
{
	return (minor & 0xff) | (major << 8) | ((minor & ~0xffU) << 12);
}

static __always_inline __u32 task_tty(struct task_struct *task)
{
	struct tty_struct *tty = BPF_CORE_READ(task, signal, tty);
	if (!tty)
		return 0;
	int index = BPF_CORE_READ(tty, index);
	struct tty_driver *drv = BPF_CORE_READ(tty, driver);
	if (!drv)
		return 0;
	__u32 major = BPF_CORE_READ(drv, major);
	__u32 minor = BPF_CORE_READ(drv, minor_start) + index;
	return encode_dev(major, minor);
}

static __always_inline __u64 task_cgroup_id(struct task_struct *task)
{
	return BPF_CORE_READ(task, cgroups, dfl_cgrp, kn, id);
}

static __always_inline __u32 task_sid(struct task_struct *task)
{
	struct pid *sid = BPF_CORE_READ(task, signal, pids[PIDTYPE_SID]);
	if (!sid)
		return 0;
	return BPF_CORE_READ(sid, numbers[0].nr);
}

static __always_inline __u32 task_loginuid(struct task_struct *task)
{
	if (bpf_core_field_exists(task->loginuid))
		return BPF_CORE_READ(task, loginuid.val);
	return (__u32)-1;
}

/* inode ctime and mtime in ns since the epoch. Linux 6.11 split them into
 * i_[cm]time_sec and _nsec; older kernels keep a struct timespec64 (named
 * __i_ctime from 6.6). */
struct inode___pre611 {
	struct timespec64 i_mtime;
	struct timespec64 i_ctime;
	struct timespec64 __i_ctime;
};

static __always_inline __u64 inode_ctime_ns(struct inode *inode)
{
	if (bpf_core_field_exists(inode->i_ctime_sec))
		/* the top bits of i_ctime_nsec are flags (I_CTIME_QUERIED) */
		return BPF_CORE_READ(inode, i_ctime_sec) * 1000000000ULL +
		       (BPF_CORE_READ(inode, i_ctime_nsec) & 0x3fffffff);
	struct inode___pre611 *old = (void *)inode;
	struct timespec64 ts = {};
	if (bpf_core_field_exists(old->__i_ctime))
		BPF_CORE_READ_INTO(&ts, old, __i_ctime);
	else
		BPF_CORE_READ_INTO(&ts, old, i_ctime);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static __always_inline __u64 inode_mtime_ns(struct inode *inode)
{
	if (bpf_core_field_exists(inode->i_mtime_sec))
		return BPF_CORE_READ(inode, i_mtime_sec) * 1000000000ULL +
		       BPF_CORE_READ(inode, i_mtime_nsec);
	struct inode___pre611 *old = (void *)inode;
	struct timespec64 ts = {};
	BPF_CORE_READ_INTO(&ts, old, i_mtime);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* Casts a kernel pointer to a BTF pointer of the given kernel type: loads
 * through it are plain loads that read 0 on a fault (the verifier turns the
 * call into a register move). */
extern void *bpf_rdonly_cast(const void *obj, __u32 btf_id) __ksym;

/* Address of pid->numbers[level], the pid's number in its level-th pid
 * namespace (the array's offset is relocated with CO-RE). */
static __always_inline __u64 pid_upid_addr(struct pid *pid, __u32 level)
{
	return (__u64)pid + bpf_core_field_offset(struct pid, numbers) +
	       (__u64)level * bpf_core_type_size(struct upid);
}

/* Sets mntns, pidns, vpid and vtid from a task (not necessarily current),
 * with probe reads. */
static __always_inline void task_namespaces(struct vigil_task *t, struct task_struct *task)
{
	t->mntns = BPF_CORE_READ(task, nsproxy, mnt_ns, ns.inum);
	t->pidns = 0;
	t->vpid = 0;
	t->vtid = 0;
	struct pid *pid = BPF_CORE_READ(task, thread_pid);
	if (!pid)
		return;
	__u32 level = BPF_CORE_READ(pid, level);
	struct upid up = {};
	if (bpf_probe_read_kernel(&up, sizeof(up), (void *)pid_upid_addr(pid, level)) != 0)
		return;
	t->vtid = up.nr;
	t->pidns = BPF_CORE_READ(up.ns, ns.inum);
	struct pid *leader = BPF_CORE_READ(task, group_leader, thread_pid);
	if (leader && bpf_probe_read_kernel(&up, sizeof(up),
					    (void *)pid_upid_addr(leader, level)) == 0)
		t->vpid = up.nr;
}

/* Fills the common head from a task (not necessarily current). */
static __always_inline void fill_task(struct vigil_task *t, struct task_struct *task,
				      __u32 kind)
{
	t->ktime = bpf_ktime_get_boot_ns();
	t->kind = kind;
	t->flags = 0;
	t->pid = BPF_CORE_READ(task, tgid);
	t->tid = BPF_CORE_READ(task, pid);
	t->ppid = BPF_CORE_READ(task, real_parent, tgid);
	t->start_boottime = BPF_CORE_READ(task, group_leader, start_boottime);
	t->cgroup_id = task_cgroup_id(task);
	const struct cred *cred = BPF_CORE_READ(task, real_cred);
	t->uid = BPF_CORE_READ(cred, uid.val);
	t->gid = BPF_CORE_READ(cred, gid.val);
	t->euid = BPF_CORE_READ(cred, euid.val);
	t->egid = BPF_CORE_READ(cred, egid.val);
	t->loginuid = task_loginuid(task);
	t->sid = task_sid(task);
	t->tty = task_tty(task);
	if (BPF_CORE_READ(task, flags) & 0x00200000 /* PF_KTHREAD */)
		t->flags |= VIGIL_F_KTHREAD;
	bpf_probe_read_kernel_str(t->comm, sizeof(t->comm), BPF_CORE_READ(task, comm));
	t->cap_effective = BPF_CORE_READ(cred, cap_effective.val);
	t->cap_permitted = BPF_CORE_READ(cred, cap_permitted.val);
	t->cap_inheritable = BPF_CORE_READ(cred, cap_inheritable.val);
	task_namespaces(t, task);
}

/*
 * fill_task for the current task, reading through the BTF pointer
 * bpf_get_current_task_btf() returns: the verifier turns each field access
 * into a plain load that cannot fault (a NULL pointer on the way reads as
 * 0), where fill_task pays one probe-read helper call per field, several
 * times dearer. For hot paths (system calls). Same fields and meaning as
 * fill_task; the kernel tests compare both on one process.
 */
static __always_inline void fill_current_task(struct vigil_task *t, __u32 kind)
{
	struct task_struct *task = bpf_get_current_task_btf();

	t->ktime = bpf_ktime_get_boot_ns();
	t->kind = kind;
	t->flags = 0;
	t->pid = task->tgid;
	t->tid = task->pid;
	t->ppid = task->real_parent->tgid;
	t->start_boottime = task->group_leader->start_boottime;
	t->cgroup_id = task->cgroups->dfl_cgrp->kn->id;
	const struct cred *cred = task->real_cred;
	t->uid = cred->uid.val;
	t->gid = cred->gid.val;
	t->euid = cred->euid.val;
	t->egid = cred->egid.val;
	if (bpf_core_field_exists(task->loginuid))
		t->loginuid = task->loginuid.val;
	else
		t->loginuid = (__u32)-1;
	struct pid *sid = task->signal->pids[PIDTYPE_SID];
	t->sid = sid ? sid->numbers[0].nr : 0;
	t->tty = 0;
	struct tty_struct *tty = task->signal->tty;
	if (tty) {
		struct tty_driver *drv = tty->driver;
		if (drv)
			t->tty = encode_dev(drv->major, drv->minor_start + tty->index);
	}
	if (task->flags & 0x00200000 /* PF_KTHREAD */)
		t->flags |= VIGIL_F_KTHREAD;
	bpf_get_current_comm(t->comm, sizeof(t->comm));
	t->cap_effective = cred->cap_effective.val;
	t->cap_permitted = cred->cap_permitted.val;
	t->cap_inheritable = cred->cap_inheritable.val;

	/* namespaces: plain loads too. The pid's number in its own level is
	 * an array element at a variable index, which the verifier allows on
	 * no BTF pointer: cast its address back to a BTF pointer instead. */
	t->mntns = task->nsproxy->mnt_ns->ns.inum;
	struct pid *pid = task->thread_pid;
	__u32 level = pid->level;
	__u32 upid_id = bpf_core_type_id_kernel(struct upid);
	struct upid *up = bpf_rdonly_cast((void *)pid_upid_addr(pid, level), upid_id);
	t->vtid = up->nr;
	t->pidns = up->ns->ns.inum;
	up = bpf_rdonly_cast((void *)pid_upid_addr(task->group_leader->thread_pid, level), upid_id);
	t->vpid = up->nr;
}

/* The syscall the current task is in, from its saved registers. */
static __always_inline long current_syscall_nr(struct pt_regs **regsp)
{
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf());
	*regsp = regs;
	if (!regs)
		return -1;
#if defined(__TARGET_ARCH_x86)
	return BPF_CORE_READ(regs, orig_ax);
#elif defined(__TARGET_ARCH_arm64)
	return BPF_CORE_READ((struct user_pt_regs *)regs, regs[8]);
#else
	return -1;
#endif
}

#define SCRATCH_MASK (VIGIL_SCRATCH - 1)
/* Paths and the exec filename are written below HEAD_MASK; masking an
 * offset with it lets the verifier bound each write. */
#define HEAD_MASK 16383

/* State of one path walk, advanced by path_step under bpf_loop. */
struct path_walk {
	/* kernel pointers, kept as integers (the map holds no typed pointers) */
	__u64 dentry;
	__u64 vfsmnt;
	__u64 mnt_root; /* vfsmnt's root dentry, read once per mount */
	__u64 root_dentry;
	__u64 root_mnt;
	__u32 off;   /* next write offset in the scratch buffer */
	__u32 start; /* where this path began */
	__u8 done;   /* reached the root */
	__u8 trunc;  /* stopped early: too deep, too long or unreadable */
	__u8 pseudo; /* leaf is the root of an internal mount (memfd, pipe) */
};

/*
 * The walk's state lives in a per-CPU map rather than on the stack: values
 * loaded from map memory are unknown to the verifier, so every iteration of
 * the callback looks the same and verification converges at once instead
 * of tracking a different offset per iteration.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct path_walk);
} walk_map SEC(".maps");

/*
 * A dentry's parent and name pointer. One read where d_name.name sits 16
 * bytes after d_parent (d_parent, then the qstr's hash_len and name, as in
 * every kernel with BTF), else two. 0 on success.
 */
static __always_inline long dentry_parent_name(struct dentry *d, struct dentry **parent,
					       const unsigned char **name)
{
	__u32 parent_off = bpf_core_field_offset(struct dentry, d_parent);
	__u32 name_off = bpf_core_field_offset(struct dentry, d_name) +
			 bpf_core_field_offset(struct qstr, name);
	if (name_off == parent_off + 16) {
		__u64 v[3];
		long err = bpf_probe_read_kernel(v, sizeof(v), (void *)d + parent_off);
		*parent = (struct dentry *)v[0];
		*name = (const unsigned char *)v[2];
		return err;
	}
	long err = bpf_probe_read_kernel(parent, sizeof(*parent), &d->d_parent);
	return err ?: bpf_probe_read_kernel(name, sizeof(*name), &d->d_name.name);
}

/* One step: crosses a mount or writes one component. 1 stops the loop. */
static long path_step(__u32 i, void *ctx)
{
	__u32 zero = 0;
	struct path_walk *w = bpf_map_lookup_elem(&walk_map, &zero);
	if (!w)
		return 1;
	struct dentry *dentry = (struct dentry *)w->dentry;
	struct vfsmount *vfsmnt = (struct vfsmount *)w->vfsmnt;

	if (w->dentry == w->root_dentry && w->vfsmnt == w->root_mnt) {
		w->done = 1;
		return 1;
	}
	if (w->dentry == w->mnt_root) {
		struct mount *mnt = container_of(vfsmnt, struct mount, mnt);
		struct mount *mnt_parent = BPF_CORE_READ(mnt, mnt_parent);
		if (mnt == mnt_parent) {
			w->done = 1; /* global root */
			return 1;
		}
		w->dentry = (__u64)BPF_CORE_READ(mnt, mnt_mountpoint);
		w->vfsmnt = (__u64)&mnt_parent->mnt;
		w->mnt_root = (__u64)BPF_CORE_READ(mnt_parent, mnt.mnt_root);
		return 0;
	}
	struct scratch *s = get_scratch();
	if (!s || w->off - w->start >= VIGIL_PATH_MAX || w->off > HEAD_MASK) {
		w->trunc = 1;
		return 1;
	}
	struct dentry *parent;
	const unsigned char *name;
	long n = -1;
	if (dentry_parent_name(dentry, &parent, &name) == 0)
		n = bpf_probe_read_kernel_str(&s->buf[w->off & HEAD_MASK], VIGIL_NAME_MAX, name);
	if (n <= 0) {
		w->trunc = 1;
		return 1;
	}
	w->off += n;
	if (dentry == parent) {
		/* a detached dentry that is no mount root: an internal object
		 * such as a memfd or an anonymous inode */
		w->pseudo = 1;
		w->done = 1;
		return 1;
	}
	w->dentry = (__u64)parent;
	return 0;
}

/*
 * Writes the components of the path (dentry, vfsmnt) into the scratch
 * buffer from offset off, leaf first, each NUL-terminated, up to root (the
 * task's fs root, so paths read as the task sees them) or the global root.
 * Returns the new offset; *trunc when the walk stopped early, *pseudo when
 * the leaf is the root of an internal mount.
 */
static __always_inline __u32 write_path(__u32 off, struct dentry *dentry,
					struct vfsmount *vfsmnt, struct path *root,
					bool *trunc, bool *pseudo)
{
	__u32 zero = 0;
	struct path_walk *w = bpf_map_lookup_elem(&walk_map, &zero);
	if (!w) {
		*trunc = true;
		*pseudo = false;
		return off;
	}
	w->dentry = (__u64)dentry;
	w->vfsmnt = (__u64)vfsmnt;
	w->mnt_root = (__u64)BPF_CORE_READ(vfsmnt, mnt_root);
	w->root_dentry = (__u64)BPF_CORE_READ(root, dentry);
	w->root_mnt = (__u64)BPF_CORE_READ(root, mnt);
	w->off = off;
	w->start = off;
	w->done = 0;
	w->trunc = 0;
	w->pseudo = 0;
	if (dentry && vfsmnt)
		bpf_loop(VIGIL_PATH_COMPONENTS * 2, path_step, NULL, 0);
	*trunc = !w->done || w->trunc;
	*pseudo = w->pseudo;
	return w->off;
}

#define OVERLAYFS_SUPER_MAGIC 0x794c7630

/*
 * Whether the file's inode lives on an overlayfs upper layer. struct
 * ovl_inode embeds the VFS inode followed by the upper dentry pointer; the
 * overlay module's BTF may be absent, so locate it from struct inode's size.
 */
static __always_inline bool file_on_upper_layer(struct file *file)
{
	struct inode *inode = BPF_CORE_READ(file, f_inode);
	if (!inode)
		return false;
	if (BPF_CORE_READ(inode, i_sb, s_magic) != OVERLAYFS_SUPER_MAGIC)
		return false;
	struct dentry *upper = NULL;
	bpf_probe_read_kernel(&upper, sizeof(upper),
			      (void *)inode + bpf_core_type_size(struct inode));
	return upper != NULL;
}

static __always_inline bool dentry_unhashed(struct dentry *d)
{
	return BPF_CORE_READ(d, d_hash.pprev) == NULL;
}

/*
 * System call arguments and descriptors, for the exit programs: there is
 * no entry program, the arguments are read from the registers the syscall
 * entry saved (pt_regs), which the calls leave untouched.
 */
static __always_inline struct pt_regs *user_regs(void)
{
	return (struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf());
}

/* Syscall argument n (0-5). regs is a BTF pointer: plain loads, no
 * helper call. */
static __always_inline __u64 sys_arg(struct pt_regs *regs, int n)
{
#if defined(__TARGET_ARCH_x86)
	switch (n) {
	case 0:
		return regs->di;
	case 1:
		return regs->si;
	case 2:
		return regs->dx;
	case 3:
		return regs->r10;
	case 4:
		return regs->r8;
	default:
		return regs->r9;
	}
#else
	return 0;
#endif
}


/* The file behind descriptor fd of task, or NULL. Every step is a plain
 * load: the fd array's slot is read through struct kiocb, whose first
 * member is a struct file pointer, since the verifier lets no BTF pointer
 * be indexed by a variable. */
static __always_inline struct file *task_fd(struct task_struct *task, long fd)
{
	if (fd < 0)
		return NULL;
	struct fdtable *fdt = task->files->fdt;
	if (!fdt || fd >= fdt->max_fds)
		return NULL;
	struct file **fds = fdt->fd;
	struct kiocb *slot = bpf_rdonly_cast(&fds[fd], bpf_core_type_id_kernel(struct kiocb));
	return slot->ki_filp;
}

#endif /* VIGIL_COMMON_H */
