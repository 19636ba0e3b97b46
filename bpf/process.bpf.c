// SPDX-License-Identifier: (GPL-2.0-only OR Apache-2.0)
/*
 * Process lifecycle: exec, clone (processes and threads) and exit, from the
 * scheduler's raw tracepoints only (no kprobes), so it loads on any kernel
 * with BTF and ring buffers (5.8+).
 */
#include "common.h"

_Static_assert(sizeof(struct vigil_exec) + 2 * (VIGIL_PATH_MAX + VIGIL_NAME_MAX) +
		       VIGIL_FILENAME_MAX + 2 * (VIGIL_CGROUP_MAX + VIGIL_NAME_MAX) <= HEAD_MASK,
	       "exec sections overflow HEAD_MASK");
_Static_assert(sizeof(struct vigil_clone) + 2 * (VIGIL_CGROUP_MAX + VIGIL_NAME_MAX) <= HEAD_MASK,
	       "clone sections overflow HEAD_MASK");
_Static_assert(sizeof(struct vigil_task) % 8 == 0 && sizeof(struct vigil_exec) % 8 == 0 &&
		       sizeof(struct vigil_clone) % 8 == 0,
	       "wire records are not 8-byte aligned");
_Static_assert(HEAD_MASK + VIGIL_FILENAME_MAX < VIGIL_SCRATCH &&
		       HEAD_MASK + VIGIL_NAME_MAX < VIGIL_SCRATCH &&
		       HEAD_MASK + VIGIL_ARGS_MAX < VIGIL_SCRATCH,
	       "scratch too small");

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Keep the wire types in BTF so bpf2go generates their Go constants. */
const enum vigil_flags *unused_flags __attribute__((unused));
const enum vigil_kind *unused_kind __attribute__((unused));
const enum vigil_syscall *unused_syscall __attribute__((unused));
const struct vigil_task *unused_task __attribute__((unused));
const struct vigil_exec *unused_exec __attribute__((unused));
const struct vigil_clone *unused_clone __attribute__((unused));
const struct vigil_exit *unused_exit __attribute__((unused));

/*
 * Threads inside execveat(2), keyed by tid. The syscall number in the saved
 * registers is not reliable by the time sched_process_exec fires (it reads
 * as execve after an execveat on x86 6.x), so the per-syscall tracepoints
 * mark the caller; they fire only for execveat, which is rare.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, __u8);
} execveat_tids SEC(".maps");

SEC("tracepoint/syscalls/sys_enter_execveat")
int trace_enter_execveat(void *ctx)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	__u8 one = 1;
	bpf_map_update_elem(&execveat_tids, &tid, &one, BPF_ANY);
	return 0;
}

/* Also fires after a successful exec, under the new tid: harmless. */
SEC("tracepoint/syscalls/sys_exit_execveat")
int trace_exit_execveat(void *ctx)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	bpf_map_delete_elem(&execveat_tids, &tid);
	return 0;
}

/* Which exec syscall brought the image in; old_tid is the caller's tid
 * before exec (it changes when a non-leader thread execs). */
static __always_inline __u32 exec_syscall(__u32 old_tid)
{
	if (bpf_map_lookup_elem(&execveat_tids, &old_tid)) {
		bpf_map_delete_elem(&execveat_tids, &old_tid);
		return VIGIL_SC_EXECVEAT;
	}
	return VIGIL_SC_EXECVE;
}

/*
 * Cgroup paths. A cgroup is a kernfs directory: its path is the names of
 * its kernfs node and the node's ancestors up to the hierarchy's root
 * (whose own name is not part of the path).
 */

/* State of one cgroup path walk, advanced by kn_step under bpf_loop (in a
 * map, as struct path_walk, so every iteration verifies alike). */
struct kn_walk {
	__u64 kn;    /* next node to write (a kernel pointer kept as an integer) */
	__u32 off;   /* next write offset in the scratch buffer */
	__u32 start; /* where this path began */
	__u8 done;   /* reached the hierarchy's root */
	__u8 trunc;  /* stopped early: too deep, too long or unreadable */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct kn_walk);
} kn_walk_map SEC(".maps");

/* kernfs_node before Linux 6.15 renamed parent to __parent. */
struct kernfs_node___pre615 {
	struct kernfs_node *parent;
} __attribute__((preserve_access_index));

/*
 * A kernfs node's parent and name pointer. One read where name follows the
 * parent pointer (as in every kernel with BTF), else two. 0 on success.
 */
static __always_inline long kn_parent_name(struct kernfs_node *kn, struct kernfs_node **parent,
					   const char **name)
{
	__u32 parent_off = bpf_core_field_exists(kn->__parent) ?
				   bpf_core_field_offset(struct kernfs_node, __parent) :
				   bpf_core_field_offset(struct kernfs_node___pre615, parent);
	__u32 name_off = bpf_core_field_offset(struct kernfs_node, name);
	if (name_off == parent_off + 8) {
		__u64 v[2];
		long err = bpf_probe_read_kernel(v, sizeof(v), (void *)kn + parent_off);
		*parent = (struct kernfs_node *)v[0];
		*name = (const char *)v[1];
		return err;
	}
	long err = bpf_probe_read_kernel(parent, sizeof(*parent), (void *)kn + parent_off);
	return err ?: bpf_probe_read_kernel(name, sizeof(*name), (void *)kn + name_off);
}

/* One step: writes one component, or stops at the root. 1 stops the loop. */
static long kn_step(__u32 i, void *ctx)
{
	__u32 zero = 0;
	struct kn_walk *w = bpf_map_lookup_elem(&kn_walk_map, &zero);
	if (!w)
		return 1;
	struct kernfs_node *parent;
	const char *name;
	if (kn_parent_name((struct kernfs_node *)w->kn, &parent, &name) != 0) {
		w->trunc = 1;
		return 1;
	}
	if (!parent) {
		w->done = 1; /* the root: no component of its own */
		return 1;
	}
	struct scratch *s = get_scratch();
	if (!s || i >= VIGIL_CGROUP_COMPONENTS || w->off - w->start >= VIGIL_CGROUP_MAX ||
	    w->off > HEAD_MASK) {
		w->trunc = 1;
		return 1;
	}
	long n = bpf_probe_read_kernel_str(&s->buf[w->off & HEAD_MASK], VIGIL_NAME_MAX, name);
	if (n <= 0) {
		w->trunc = 1;
		return 1;
	}
	w->off += n;
	w->kn = (__u64)parent;
	return 0;
}

/*
 * Writes the path of the cgroup whose kernfs node is kn into the scratch
 * buffer from offset off, leaf first, each component NUL-terminated, at
 * most VIGIL_CGROUP_COMPONENTS of them. Returns the new offset; *trunc
 * when the walk stopped early (or kn is NULL).
 */
static __always_inline __u32 write_cgroup(__u32 off, struct kernfs_node *kn, bool *trunc)
{
	__u32 zero = 0;
	struct kn_walk *w = bpf_map_lookup_elem(&kn_walk_map, &zero);
	if (!w || !kn) {
		*trunc = true;
		return off;
	}
	w->kn = (__u64)kn;
	w->off = off;
	w->start = off;
	w->done = 0;
	w->trunc = 0;
	bpf_loop(VIGIL_CGROUP_COMPONENTS + 1, kn_step, NULL, 0);
	*trunc = !w->done || w->trunc;
	return w->off;
}

/* Most controller slots looked at in a css_set (the kernel has 16 at most). */
#define VIGIL_CGROUP_SUBSYS_MAX 32

/* The cgroup of the css in slot id of cset (a kernel css_set's subsys[]),
 * or NULL. */
static __always_inline struct cgroup *cset_cgroup(struct css_set *cset, __u32 id)
{
	struct cgroup_subsys_state *css = NULL;
	bpf_probe_read_kernel(&css, sizeof(css),
			      (void *)cset + bpf_core_field_offset(struct css_set, subsys) +
				      id * sizeof(css));
	if (!css)
		return NULL;
	return BPF_CORE_READ(css, cgroup);
}

/*
 * The kernfs node of the cgroup v1 path of a task whose css_set is cset and
 * cgroup v2 cgroup dfl: the memory controller's cgroup when memory is bound
 * to a v1 hierarchy, else the first slot's cgroup that is on a v1 hierarchy
 * and not its root; NULL when none. The default (v2) root's subsys_mask
 * holds the controllers not bound to v1, so a pure cgroup v2 host reads no
 * slot.
 */
static __always_inline struct kernfs_node *cgroup_v1_kn(struct css_set *cset, struct cgroup *dfl)
{
	struct cgroup_root *dfl_root = BPF_CORE_READ(dfl, root);
	if (!dfl_root)
		return NULL;
	__u32 nslots = bpf_core_field_size(cset->subsys) / sizeof(void *);
	__u32 v1 = ~BPF_CORE_READ(dfl_root, subsys_mask);
	if (nslots < 32)
		v1 &= (1U << nslots) - 1;
	if (!v1)
		return NULL;
	if (bpf_core_enum_value_exists(enum cgroup_subsys_id, memory_cgrp_id)) {
		__u32 id = bpf_core_enum_value(enum cgroup_subsys_id, memory_cgrp_id);
		if (id < VIGIL_CGROUP_SUBSYS_MAX && (v1 & (1U << id))) {
			struct cgroup *cg = cset_cgroup(cset, id);
			if (cg && BPF_CORE_READ(cg, root) != dfl_root)
				return BPF_CORE_READ(cg, kn);
		}
	}
	for (__u32 id = 0; id < VIGIL_CGROUP_SUBSYS_MAX; id++) {
		if (!(v1 & (1U << id)))
			continue;
		struct cgroup *cg = cset_cgroup(cset, id);
		if (cg && BPF_CORE_READ(cg, level) != 0 && BPF_CORE_READ(cg, root) != dfl_root)
			return BPF_CORE_READ(cg, kn);
	}
	return NULL;
}

/*
 * Writes the task's cgroup v2 and v1 paths from offset off (the sections
 * of exec and clone records), setting their lengths and flags. Returns the
 * new offset.
 */
static __always_inline __u32 write_cgroups(__u32 off, struct task_struct *task,
					   struct vigil_task *t, __u16 *v2_len, __u16 *v1_len)
{
	bool trunc;
	struct css_set *cset = BPF_CORE_READ(task, cgroups);
	struct cgroup *dfl = cset ? BPF_CORE_READ(cset, dfl_cgrp) : NULL;
	__u32 mark = off;
	off = write_cgroup(off, dfl ? BPF_CORE_READ(dfl, kn) : NULL, &trunc);
	if (trunc)
		t->flags |= VIGIL_F_CGROUP_TRUNC;
	*v2_len = off - mark;

	mark = off;
	struct kernfs_node *kn = dfl ? cgroup_v1_kn(cset, dfl) : NULL;
	if (kn) {
		t->flags |= VIGIL_F_CGROUP_V1;
		off = write_cgroup(off, kn, &trunc);
		if (trunc)
			t->flags |= VIGIL_F_CGROUP_V1_TRUNC;
	}
	*v1_len = off - mark;
	return off;
}

/* sched_process_exec(struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm) */
SEC("raw_tracepoint/sched_process_exec")
int trace_exec(struct bpf_raw_tracepoint_args *ctx)
{
	struct task_struct *task = (struct task_struct *)ctx->args[0];
	struct linux_binprm *bprm = (struct linux_binprm *)ctx->args[2];
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	bool trunc, pseudo;

	if (is_agent(tgid))
		return 0;
	struct scratch *s = get_scratch();
	if (!s)
		return 0;
	struct vigil_exec *e = (struct vigil_exec *)s->buf;
	fill_task(&e->task, task, VIGIL_KIND_EXEC);
	e->syscall = exec_syscall((__u32)ctx->args[1]);
	e->exe_ino = 0;
	e->exe_ctime = 0;
	e->exe_mtime = 0;

	__u32 off = sizeof(*e);
	__u32 mark;

	/* exe: the file the new image maps (the interpreter for scripts) */
	struct file *exe = BPF_CORE_READ(task, mm, exe_file);
	struct path root;
	BPF_CORE_READ_INTO(&root, task, fs, root);
	mark = off;
	if (exe) {
		struct dentry *d = BPF_CORE_READ(exe, f_path.dentry);
		off = write_path(off, d, BPF_CORE_READ(exe, f_path.mnt), &root,
				 &trunc, &pseudo);
		if (trunc)
			e->task.flags |= VIGIL_F_EXE_TRUNC;
		if (pseudo) {
			char pfx[6] = {};
			bpf_probe_read_kernel(pfx, sizeof(pfx), &s->buf[mark & SCRATCH_MASK]);
			if (pfx[0] == 'm' && pfx[1] == 'e' && pfx[2] == 'm' && pfx[3] == 'f' &&
			    pfx[4] == 'd' && pfx[5] == ':')
				e->task.flags |= VIGIL_F_EXE_MEMFD;
		} else if (dentry_unhashed(d)) {
			e->task.flags |= VIGIL_F_EXE_DELETED;
		}
		if (file_on_upper_layer(exe))
			e->task.flags |= VIGIL_F_EXE_UPPER;
		struct inode *inode = BPF_CORE_READ(exe, f_inode);
		e->exe_ino = BPF_CORE_READ(inode, i_ino);
		e->exe_ctime = inode_ctime_ns(inode);
		e->exe_mtime = inode_mtime_ns(inode);
	}
	e->exe_len = off - mark;

	/* cwd */
	struct path pwd;
	BPF_CORE_READ_INTO(&pwd, task, fs, pwd);
	mark = off;
	off = write_path(off, pwd.dentry, pwd.mnt, &root, &trunc, &pseudo);
	if (trunc)
		e->task.flags |= VIGIL_F_CWD_TRUNC;
	e->cwd_len = off - mark;

	/* filename as passed to exec */
	mark = off;
	const char *filename = BPF_CORE_READ(bprm, filename);
	/* the paths end below HEAD_MASK (see the static asserts) */
	long n = 0;
	if (off <= HEAD_MASK)
		n = bpf_probe_read_kernel_str(&s->buf[off & HEAD_MASK], VIGIL_FILENAME_MAX,
					      filename);
	if (n > 0)
		off += n;
	e->filename_len = off - mark;

	/* cgroup paths (the filename ends below HEAD_MASK too) */
	off = write_cgroups(off, task, &e->task, &e->cgroup_len, &e->cgroup_v1_len);

	/* argv, from the new image's stack */
	unsigned long arg_start = BPF_CORE_READ(task, mm, arg_start);
	unsigned long arg_end = BPF_CORE_READ(task, mm, arg_end);
	__u64 len = arg_end > arg_start ? arg_end - arg_start : 0;
	if (len >= VIGIL_ARGS_MAX) {
		len = VIGIL_ARGS_MAX - 1;
		e->task.flags |= VIGIL_F_ARGS_TRUNC;
	}
	len &= VIGIL_ARGS_MAX - 1;
	if (len > 0 && off <= HEAD_MASK &&
	    bpf_probe_read_user(&s->buf[off & HEAD_MASK], len, (void *)arg_start) == 0)
		e->args_len = len;
	else
		e->args_len = 0;
	off += e->args_len;

	submit(s->buf, off & SCRATCH_MASK, VIGIL_KIND_EXEC);
	return 0;
}

static __always_inline __u32 clone_syscall(__u64 *flags)
{
	struct pt_regs *regs;
	long nr = current_syscall_nr(&regs);
	*flags = 0;
	if (nr < 0 || !regs)
		return VIGIL_SC_NONE;
#if defined(__TARGET_ARCH_x86)
	switch (nr) {
	case 56:
		*flags = BPF_CORE_READ(regs, di);
		return VIGIL_SC_CLONE;
	case 435: {
		void *args = (void *)BPF_CORE_READ(regs, di);
		bpf_probe_read_user(flags, sizeof(*flags), args);
		return VIGIL_SC_CLONE3;
	}
	case 57:
		return VIGIL_SC_FORK;
	case 58:
		return VIGIL_SC_VFORK;
	}
#elif defined(__TARGET_ARCH_arm64)
	switch (nr) {
	case 220:
		*flags = BPF_CORE_READ((struct user_pt_regs *)regs, regs[0]);
		return VIGIL_SC_CLONE;
	case 435: {
		void *args = (void *)BPF_CORE_READ((struct user_pt_regs *)regs, regs[0]);
		bpf_probe_read_user(flags, sizeof(*flags), args);
		return VIGIL_SC_CLONE3;
	}
	}
#endif
	return VIGIL_SC_OTHER;
}

/* sched_process_fork(struct task_struct *parent, struct task_struct *child) */
SEC("raw_tracepoint/sched_process_fork")
int trace_clone(struct bpf_raw_tracepoint_args *ctx)
{
	struct task_struct *parent = (struct task_struct *)ctx->args[0];
	struct task_struct *child = (struct task_struct *)ctx->args[1];

	if (is_agent(BPF_CORE_READ(parent, tgid)))
		return 0;
	struct scratch *s = get_scratch();
	if (!s)
		return 0;
	struct vigil_clone *e = (struct vigil_clone *)s->buf;
	fill_task(&e->task, child, VIGIL_KIND_CLONE);
	if (e->task.pid != e->task.tid)
		e->task.flags |= VIGIL_F_THREAD;
	if (e->task.flags & VIGIL_F_KTHREAD)
		e->syscall = VIGIL_SC_NONE, e->clone_flags = 0;
	else
		e->syscall = clone_syscall(&e->clone_flags);
	e->parent_tid = BPF_CORE_READ(parent, pid);
	e->_pad = 0;
	/* A new thread starts in its process's cgroup (CLONE_INTO_CGROUP does
	 * not combine with CLONE_THREAD): no walk, the sections stay empty and
	 * user space takes the process's paths. */
	__u32 off = sizeof(*e);
	e->cgroup_len = 0;
	e->cgroup_v1_len = 0;
	if (!(e->task.flags & VIGIL_F_THREAD))
		off = write_cgroups(off, child, &e->task, &e->cgroup_len, &e->cgroup_v1_len);
	submit(s->buf, off & SCRATCH_MASK, VIGIL_KIND_CLONE);
	return 0;
}

/*
 * Processes whose exit was already reported. Several threads exiting at once
 * can all see signal->live at 0 by the time they reach the tracepoint (the
 * decrement comes earlier in do_exit), so the first to claim the process
 * reports it. Keyed by tgid and start time, so a reused pid is a new key.
 */
struct exit_key {
	__u64 start_boottime;
	__u32 tgid;
	__u32 _pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 8192);
	__type(key, struct exit_key);
	__type(value, __u8);
} exited SEC(".maps");

/* sched_process_exit(struct task_struct *p[, bool group_dead]): one per
 * thread; only the last thread of a process makes a record. */
SEC("raw_tracepoint/sched_process_exit")
int trace_exit(struct bpf_raw_tracepoint_args *ctx)
{
	struct task_struct *task = (struct task_struct *)ctx->args[0];
	struct vigil_exit e;

	if (BPF_CORE_READ(task, signal, live.counter) != 0)
		return 0;
	if (is_agent(BPF_CORE_READ(task, tgid)))
		return 0;
	struct exit_key key = {
		.start_boottime = BPF_CORE_READ(task, group_leader, start_boottime),
		.tgid = BPF_CORE_READ(task, tgid),
	};
	__u8 one = 1;
	if (bpf_map_update_elem(&exited, &key, &one, BPF_NOEXIST) != 0)
		return 0; /* another thread of this process reported it */
	fill_task(&e.task, task, VIGIL_KIND_EXIT);
	e.exit_code = BPF_CORE_READ(task, exit_code);
	e._pad = 0;
	submit(&e, sizeof(e), VIGIL_KIND_EXIT);
	return 0;
}
