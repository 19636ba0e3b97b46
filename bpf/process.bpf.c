// SPDX-License-Identifier: (GPL-2.0-only OR Apache-2.0)
/*
 * Process lifecycle: exec, clone (processes and threads) and exit, from the
 * scheduler's raw tracepoints only (no kprobes), so it loads on any kernel
 * with BTF and ring buffers (5.8+).
 */
#include "common.h"

_Static_assert(sizeof(struct vigil_exec) + 2 * (VIGIL_PATH_MAX + VIGIL_NAME_MAX) +
		       VIGIL_FILENAME_MAX <= HEAD_MASK,
	       "exec sections overflow HEAD_MASK");
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
	e->_pad = 0;
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
	struct vigil_clone e;

	if (is_agent(BPF_CORE_READ(parent, tgid)))
		return 0;
	fill_task(&e.task, child, VIGIL_KIND_CLONE);
	if (e.task.pid != e.task.tid)
		e.task.flags |= VIGIL_F_THREAD;
	if (e.task.flags & VIGIL_F_KTHREAD)
		e.syscall = VIGIL_SC_NONE, e.clone_flags = 0;
	else
		e.syscall = clone_syscall(&e.clone_flags);
	e.parent_tid = BPF_CORE_READ(parent, pid);
	submit(&e, sizeof(e), VIGIL_KIND_CLONE);
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
