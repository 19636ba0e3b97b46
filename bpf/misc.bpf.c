// SPDX-License-Identifier: (GPL-2.0-only OR Apache-2.0)
/*
 * Privileges, namespaces, modules, memory and signals: ptrace, the module
 * calls, the set*id family, capset, setns, unshare, mount, umount2,
 * pivot_root, chroot, bpf, memfd_create, mprotect, mmap, userfaultfd, the
 * kill family, prctl, and failed execve/execveat. Exit-only programs on
 * syscalls/sys_exit_NAME, as in syscalls.bpf.c, emitting struct
 * vigil_generic. Shares the process object's ring buffer, drop counters and
 * scratch (map replacements).
 *
 * Every record carries the six raw argument registers (args[]) and the
 * result; what else a call needs goes in its string sections and extra[]:
 *
 *	init_module    section 0: uargs (user)
 *	finit_module   section 0: uargs (user); section 1: fd's path (kernel)
 *	delete_module  section 0: name (user)
 *	capset         extra[0..2]: effective, permitted, inheritable as
 *	               passed (64-bit from v2/v3's two data structs); extra[3]:
 *	               the header's version (0 if unreadable)
 *	setns          fd on nsfs: section 0 the namespace type ("uts", kernel
 *	               string), extra[0] its inode number, extra[1] 1; any
 *	               other file: section 0 its path (kernel)
 *	mount          sections 0, 1, 2: dev, dir, type (user)
 *	umount2        section 0: name (user)
 *	pivot_root     sections 0, 1: new_root, put_old (user)
 *	chroot         section 0: path (user)
 *	bpf            extra[0]: BPF_PROG_LOAD's prog_type (0 otherwise)
 *	memfd_create   section 0: name (user)
 *	mprotect       extra[0]: 1 anonymous VMA, 2 file-backed, 0 unknown
 *	mmap           section 0: the mapped file's path (kernel) when fd >= 0
 *	               and not MAP_ANONYMOUS
 *	prctl          section 0: PR_SET_NAME/PR_GET_NAME's name (user)
 *	execve(at)     section 0: the filename (user); only on failure
 *
 * mprotect and mmap are filtered in the kernel, before any other work:
 * mprotect only when prot has PROT_EXEC and PROT_WRITE or the VMA at addr
 * is anonymous (bpf_find_vma; reported when the VMA cannot be looked up),
 * mmap only when prot has PROT_EXEC and PROT_WRITE or MAP_ANONYMOUS.
 */
#include "common.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

const struct vigil_generic *unused_generic __attribute__((unused));

#define PROT_WRITE 0x2
#define PROT_EXEC 0x4
#define MAP_ANONYMOUS 0x20
#define PR_SET_NAME 15
#define PR_GET_NAME 16
#define BPF_PROG_LOAD_CMD 5
#define NSFS_MAGIC 0x6e736673
#define CAP_V1 0x19980330
/* prctl's names are TASK_COMM_LEN bytes */
#define PRCTL_NAME_MAX 16

_Static_assert(sizeof(struct vigil_generic) + 3 * VIGIL_FILENAME_MAX <= HEAD_MASK,
	       "generic sections overflow HEAD_MASK");
_Static_assert(HEAD_MASK + VIGIL_FILENAME_MAX < VIGIL_SCRATCH,
	       "generic string read overflows the scratch");




/* A record being assembled in the scratch buffer. */
struct gen {
	struct scratch *s;
	struct vigil_generic *r;
	__u32 off; /* next section's offset */
};

/*
 * Starts a record for the current task: the head, the syscall, the result
 * and the six argument registers. False when the caller is the agent or
 * there is no scratch.
 */
static __always_inline bool gen_start(struct gen *g, __u32 sc, long ret, struct pt_regs *regs)
{
	__u64 id = bpf_get_current_pid_tgid();
	if (is_agent(id >> 32))
		return false;
	struct scratch *s = get_scratch();
	if (!s) {
		count_drop(VIGIL_KIND_SYSCALL);
		return false;
	}
	struct vigil_generic *r = (struct vigil_generic *)s->buf;
	fill_current_task(&r->task, VIGIL_KIND_SYSCALL);
	r->syscall = sc;
	r->kpath = 0;
	r->ret = ret;
	for (int i = 0; i < 6; i++)
		r->args[i] = sys_arg(regs, i);
	for (int i = 0; i < 4; i++)
		r->extra[i] = 0;
	r->str_len[0] = 0;
	r->str_len[1] = 0;
	r->str_len[2] = 0;
	r->_pad = 0;
	g->s = s;
	g->r = r;
	g->off = sizeof(*r);
	return true;
}

/* Appends a NUL-terminated string from user memory as section i (at most
 * max bytes); an unreadable string is an empty section. */
static __always_inline void gen_user_str(struct gen *g, int i, const void *p, __u32 max)
{
	long n = 0;
	if (p)
		n = bpf_probe_read_user_str(&g->s->buf[g->off & HEAD_MASK], max, p);
	if (n < 0)
		n = 0;
	if (i >= 0 && i < 3)
		g->r->str_len[i] = n;
	g->off += n;
}

/* Appends a NUL-terminated string from kernel memory as section i. */
static __always_inline void gen_kernel_str(struct gen *g, int i, const void *p)
{
	long n = 0;
	if (p)
		n = bpf_probe_read_kernel_str(&g->s->buf[g->off & HEAD_MASK], VIGIL_NAME_MAX, p);
	if (n < 0)
		n = 0;
	if (i >= 0 && i < 3)
		g->r->str_len[i] = n;
	g->off += n;
}

/* Appends the path of file f as section i: components from the kernel. */
static __always_inline void gen_file_path(struct gen *g, int i, struct file *f)
{
	if (!f)
		return;
	struct task_struct *task = bpf_get_current_task_btf();
	struct path root = task->fs->root;
	struct path fpath;
	BPF_CORE_READ_INTO(&fpath, f, f_path);
	bool trunc, pseudo;
	__u32 mark = g->off;
	g->off = write_path(g->off, fpath.dentry, fpath.mnt, &root, &trunc, &pseudo);
	g->r->kpath |= 1U << i;
	if (trunc)
		g->r->task.flags |= VIGIL_F_PATH_TRUNC;
	if (pseudo)
		g->r->task.flags |= VIGIL_F_PATH_PSEUDO;
	if (i >= 0 && i < 3)
		g->r->str_len[i] = g->off - mark;
}

static __always_inline void gen_submit(struct gen *g)
{
	submit(g->s->buf, g->off & SCRATCH_MASK, VIGIL_KIND_SYSCALL);
}

/* A call whose record is its arguments and result only. */
static __always_inline int emit_plain(struct trace_event_raw_sys_exit *ctx, __u32 sc)
{
	struct gen g;
	if (!gen_start(&g, sc, ctx->ret, user_regs()))
		return 0;
	gen_submit(&g);
	return 0;
}

/* A call with user strings in its first n arguments' positions given by
 * the mask of argument indexes (bit k: argument k is a string). */
static __always_inline int emit_strs(struct trace_event_raw_sys_exit *ctx, __u32 sc, __u32 mask)
{
	struct gen g;
	if (!gen_start(&g, sc, ctx->ret, user_regs()))
		return 0;
	int sec = 0;
	for (int k = 0; k < 6; k++) {
		if (!(mask & (1U << k)) || sec >= 3)
			continue;
		gen_user_str(&g, sec, (const void *)g.r->args[k], VIGIL_FILENAME_MAX);
		sec++;
	}
	gen_submit(&g);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_ptrace")
int trace_exit_ptrace(struct trace_event_raw_sys_exit *ctx)
{
	return emit_plain(ctx, VIGIL_SC_PTRACE);
}

SEC("tracepoint/syscalls/sys_exit_init_module")
int trace_exit_init_module(struct trace_event_raw_sys_exit *ctx)
{
	return emit_strs(ctx, VIGIL_SC_INIT_MODULE, 1U << 2);
}

SEC("tracepoint/syscalls/sys_exit_finit_module")
int trace_exit_finit_module(struct trace_event_raw_sys_exit *ctx)
{
	struct gen g;
	if (!gen_start(&g, VIGIL_SC_FINIT_MODULE, ctx->ret, user_regs()))
		return 0;
	gen_user_str(&g, 0, (const void *)g.r->args[1], VIGIL_FILENAME_MAX);
	gen_file_path(&g, 1, task_fd(bpf_get_current_task_btf(), (__s32)g.r->args[0]));
	gen_submit(&g);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_delete_module")
int trace_exit_delete_module(struct trace_event_raw_sys_exit *ctx)
{
	return emit_strs(ctx, VIGIL_SC_DELETE_MODULE, 1U << 0);
}

SEC("tracepoint/syscalls/sys_exit_setuid")
int trace_exit_setuid(struct trace_event_raw_sys_exit *ctx)
{
	return emit_plain(ctx, VIGIL_SC_SETUID);
}

SEC("tracepoint/syscalls/sys_exit_setgid")
int trace_exit_setgid(struct trace_event_raw_sys_exit *ctx)
{
	return emit_plain(ctx, VIGIL_SC_SETGID);
}

SEC("tracepoint/syscalls/sys_exit_setresuid")
int trace_exit_setresuid(struct trace_event_raw_sys_exit *ctx)
{
	return emit_plain(ctx, VIGIL_SC_SETRESUID);
}

SEC("tracepoint/syscalls/sys_exit_setresgid")
int trace_exit_setresgid(struct trace_event_raw_sys_exit *ctx)
{
	return emit_plain(ctx, VIGIL_SC_SETRESGID);
}

SEC("tracepoint/syscalls/sys_exit_setreuid")
int trace_exit_setreuid(struct trace_event_raw_sys_exit *ctx)
{
	return emit_plain(ctx, VIGIL_SC_SETREUID);
}

SEC("tracepoint/syscalls/sys_exit_setregid")
int trace_exit_setregid(struct trace_event_raw_sys_exit *ctx)
{
	return emit_plain(ctx, VIGIL_SC_SETREGID);
}

/* struct __user_cap_header_struct and __user_cap_data_struct */
struct cap_header {
	__u32 version;
	__s32 pid;
};

struct cap_data {
	__u32 effective;
	__u32 permitted;
	__u32 inheritable;
};

SEC("tracepoint/syscalls/sys_exit_capset")
int trace_exit_capset(struct trace_event_raw_sys_exit *ctx)
{
	struct gen g;
	if (!gen_start(&g, VIGIL_SC_CAPSET, ctx->ret, user_regs()))
		return 0;
	struct cap_header hdr = {};
	struct cap_data d[2] = {};
	if (bpf_probe_read_user(&hdr, sizeof(hdr), (const void *)g.r->args[0]) == 0) {
		/* v1 passes one data struct (32 bits); v2 and v3 two */
		__u32 size = hdr.version == CAP_V1 ? sizeof(d[0]) : sizeof(d);
		if (bpf_probe_read_user(d, size, (const void *)g.r->args[1]) == 0) {
			g.r->extra[0] = d[0].effective | (__u64)d[1].effective << 32;
			g.r->extra[1] = d[0].permitted | (__u64)d[1].permitted << 32;
			g.r->extra[2] = d[0].inheritable | (__u64)d[1].inheritable << 32;
		}
		g.r->extra[3] = hdr.version;
	}
	gen_submit(&g);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_setns")
int trace_exit_setns(struct trace_event_raw_sys_exit *ctx)
{
	struct gen g;
	if (!gen_start(&g, VIGIL_SC_SETNS, ctx->ret, user_regs()))
		return 0;
	struct file *f = task_fd(bpf_get_current_task_btf(), (__s32)g.r->args[0]);
	if (f) {
		struct inode *inode = BPF_CORE_READ(f, f_inode);
		if (BPF_CORE_READ(inode, i_sb, s_magic) == NSFS_MAGIC) {
			/* nsfs dentries are anonymous ("/"): name it as
			 * readlink(2) does, type:[inum] (formatted in Go) */
			struct ns_common *ns = BPF_CORE_READ(inode, i_private);
			gen_kernel_str(&g, 0, BPF_CORE_READ(ns, ops, name));
			g.r->extra[0] = BPF_CORE_READ(inode, i_ino);
			g.r->extra[1] = 1;
		} else {
			gen_file_path(&g, 0, f);
		}
	}
	gen_submit(&g);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_unshare")
int trace_exit_unshare(struct trace_event_raw_sys_exit *ctx)
{
	return emit_plain(ctx, VIGIL_SC_UNSHARE);
}

SEC("tracepoint/syscalls/sys_exit_mount")
int trace_exit_mount(struct trace_event_raw_sys_exit *ctx)
{
	return emit_strs(ctx, VIGIL_SC_MOUNT, 1U << 0 | 1U << 1 | 1U << 2);
}

SEC("tracepoint/syscalls/sys_exit_umount2")
int trace_exit_umount2(struct trace_event_raw_sys_exit *ctx)
{
	return emit_strs(ctx, VIGIL_SC_UMOUNT2, 1U << 0);
}

SEC("tracepoint/syscalls/sys_exit_pivot_root")
int trace_exit_pivot_root(struct trace_event_raw_sys_exit *ctx)
{
	return emit_strs(ctx, VIGIL_SC_PIVOT_ROOT, 1U << 0 | 1U << 1);
}

SEC("tracepoint/syscalls/sys_exit_chroot")
int trace_exit_chroot(struct trace_event_raw_sys_exit *ctx)
{
	return emit_strs(ctx, VIGIL_SC_CHROOT, 1U << 0);
}

SEC("tracepoint/syscalls/sys_exit_bpf")
int trace_exit_bpf(struct trace_event_raw_sys_exit *ctx)
{
	struct gen g;
	if (!gen_start(&g, VIGIL_SC_BPF, ctx->ret, user_regs()))
		return 0;
	if ((__u32)g.r->args[0] == BPF_PROG_LOAD_CMD && g.r->args[2] >= sizeof(__u32)) {
		__u32 prog_type = 0;
		/* union bpf_attr starts with prog_type for BPF_PROG_LOAD */
		bpf_probe_read_user(&prog_type, sizeof(prog_type), (const void *)g.r->args[1]);
		g.r->extra[0] = prog_type;
	}
	gen_submit(&g);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_memfd_create")
int trace_exit_memfd_create(struct trace_event_raw_sys_exit *ctx)
{
	return emit_strs(ctx, VIGIL_SC_MEMFD_CREATE, 1U << 0);
}

/* bpf_find_vma callback: whether the VMA at the address maps a file. */
static long vma_kind(struct task_struct *task, struct vm_area_struct *vma, void *data)
{
	__u64 *kind = data;
	*kind = BPF_CORE_READ(vma, vm_file) ? 2 : 1;
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_mprotect")
int trace_exit_mprotect(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs = user_regs();
	__u64 prot = sys_arg(regs, 2);
	if (!(prot & PROT_EXEC))
		return 0;
	__u64 kind = 0;
	if (!(prot & PROT_WRITE)) {
		if (is_agent(bpf_get_current_pid_tgid() >> 32))
			return 0;
		bpf_find_vma(bpf_get_current_task_btf(), sys_arg(regs, 0), vma_kind, &kind, 0);
		if (kind == 2)
			return 0; /* executable, read-only file mapping: a loader */
	}
	struct gen g;
	if (!gen_start(&g, VIGIL_SC_MPROTECT, ctx->ret, regs))
		return 0;
	g.r->extra[0] = kind;
	gen_submit(&g);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_mmap")
int trace_exit_mmap(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs = user_regs();
	__u64 prot = sys_arg(regs, 2);
	if (!(prot & PROT_EXEC))
		return 0;
	__u64 flags = sys_arg(regs, 3);
	if (!(prot & PROT_WRITE) && !(flags & MAP_ANONYMOUS))
		return 0;
	struct gen g;
	if (!gen_start(&g, VIGIL_SC_MMAP, ctx->ret, regs))
		return 0;
	if (!(flags & MAP_ANONYMOUS))
		gen_file_path(&g, 0, task_fd(bpf_get_current_task_btf(), (__s32)g.r->args[4]));
	gen_submit(&g);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_userfaultfd")
int trace_exit_userfaultfd(struct trace_event_raw_sys_exit *ctx)
{
	return emit_plain(ctx, VIGIL_SC_USERFAULTFD);
}

SEC("tracepoint/syscalls/sys_exit_kill")
int trace_exit_kill(struct trace_event_raw_sys_exit *ctx)
{
	return emit_plain(ctx, VIGIL_SC_KILL);
}

SEC("tracepoint/syscalls/sys_exit_tkill")
int trace_exit_tkill(struct trace_event_raw_sys_exit *ctx)
{
	return emit_plain(ctx, VIGIL_SC_TKILL);
}

SEC("tracepoint/syscalls/sys_exit_tgkill")
int trace_exit_tgkill(struct trace_event_raw_sys_exit *ctx)
{
	return emit_plain(ctx, VIGIL_SC_TGKILL);
}

SEC("tracepoint/syscalls/sys_exit_prctl")
int trace_exit_prctl(struct trace_event_raw_sys_exit *ctx)
{
	struct gen g;
	if (!gen_start(&g, VIGIL_SC_PRCTL, ctx->ret, user_regs()))
		return 0;
	__u32 option = g.r->args[0];
	if (option == PR_SET_NAME || option == PR_GET_NAME)
		gen_user_str(&g, 0, (const void *)g.r->args[1], PRCTL_NAME_MAX);
	gen_submit(&g);
	return 0;
}

/* Failed execs only: a successful one is the process object's exec record. */
static __always_inline int emit_exec_fail(struct trace_event_raw_sys_exit *ctx, __u32 sc, int name_arg)
{
	long ret = ctx->ret;
	if (ret >= 0)
		return 0;
	struct gen g;
	if (!gen_start(&g, sc, ret, user_regs()))
		return 0;
	gen_user_str(&g, 0, (const void *)g.r->args[name_arg & 1], VIGIL_FILENAME_MAX);
	gen_submit(&g);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_execve")
int trace_exit_execve(struct trace_event_raw_sys_exit *ctx)
{
	return emit_exec_fail(ctx, VIGIL_SC_EXECVE_FAIL, 0);
}

SEC("tracepoint/syscalls/sys_exit_execveat")
int trace_exit_execveat(struct trace_event_raw_sys_exit *ctx)
{
	return emit_exec_fail(ctx, VIGIL_SC_EXECVEAT_FAIL, 1);
}
