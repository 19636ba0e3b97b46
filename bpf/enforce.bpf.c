/* SPDX-License-Identifier: (GPL-2.0-only OR Apache-2.0) */
/*
 * In-kernel enforcement of prevention policies (internal/enforce/kernel).
 *
 * Network: cgroup sock_addr programs (connect4/6, sendmsg4/6, bind4/6)
 * attached once at the cgroup v2 root return 0 (the caller gets EPERM)
 * when an enforcing rule matches. Kill: one tracepoint program, attached
 * to syscalls/sys_enter_<name> of each system call a kill rule names,
 * sends SIGKILL to the caller. Every match is reported on the decisions
 * ring buffer.
 *
 * The rule set is double-buffered: userspace fills the generation the
 * programs do not use, then flips gen_cur; a program reads gen_cur once.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_endian.h>
#include "enforce.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define AF_INET 2
#define AF_INET6 10
#define SIGKILL 9

/* Set by the loader before load. The agent (self_tgid) and the host's
 * init (tgid 1) are never denied nor killed. */
const volatile __u32 self_tgid = 0;
/* The host's pid namespace inode: callers in it are "host", the others
 * "containers". */
const volatile __u32 host_pidns = 0;

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} gen_cur SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, struct enf_gen);
} gens SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2 * ENF_MAX_NET_RULES);
	__type(key, __u32);
	__type(value, struct enf_net_rule);
} net_rules SEC(".maps");

/* (generation, syscall number) -> policies with a kill rule on it */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, ENF_MAX_KILL);
	__type(key, struct enf_kill_key);
	__type(value, __u64);
} kill_rules SEC(".maps");

/* (generation, executable) -> policies selecting it */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, ENF_MAX_BINARIES);
	__type(key, struct enf_bin_key);
	__type(value, __u64);
} binaries SEC(".maps");

/* v2 cgroup id -> policies selecting it and its descendants; maintained
 * by userspace independently of the generations. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, ENF_MAX_CGROUPS);
	__type(key, __u64);
	__type(value, __u64);
} cgroups SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20); /* resized by the loader */
} decisions SEC(".maps");

/* Decisions that did not fit in the ring buffer. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} lost SEC(".maps");

/* Forces the record type into the object's BTF for bpf2go. */
const struct enf_decision *unused_decision __attribute__((unused));

extern void *bpf_rdonly_cast(const void *obj, __u32 btf_id) __ksym;

static __always_inline bool exempt(struct task_struct *task)
{
	__u32 tgid = task->tgid;
	return tgid <= 1 || (self_tgid != 0 && tgid == self_tgid);
}

/* The inode of the caller's pid namespace (the one it was created in). */
static __always_inline __u32 task_pidns(struct task_struct *task)
{
	struct pid *pid = task->thread_pid;
	__u32 level = pid->level;
	__u64 addr = (__u64)pid + bpf_core_field_offset(struct pid, numbers) +
		     (__u64)level * bpf_core_type_size(struct upid);
	struct upid *up = bpf_rdonly_cast((void *)addr, bpf_core_type_id_kernel(struct upid));
	return up->ns->ns.inum;
}

/* Policies selecting the caller's cgroup or one of its ancestors (below
 * the root, up to ENF_CGROUP_DEPTH levels). */
static __always_inline __u64 cgroup_bits(__u64 cgid)
{
	__u64 bits = 0;
	__u64 *m = bpf_map_lookup_elem(&cgroups, &cgid);
	if (m)
		bits |= *m;
	for (int l = 1; l < ENF_CGROUP_DEPTH; l++) {
		__u64 id = bpf_get_current_ancestor_cgroup_id(l);
		if (id == 0 || id == cgid)
			break;
		m = bpf_map_lookup_elem(&cgroups, &id);
		if (m)
			bits |= *m;
	}
	return bits;
}

/* Policies selecting the caller's executable in generation gen. */
static __always_inline __u64 binary_bits(struct task_struct *task, __u32 gen)
{
	struct enf_bin_key k = {};
	struct inode *inode = task->mm->exe_file->f_inode;
	k.ino = inode->i_ino;
	k.dev = inode->i_sb->s_dev;
	k.gen = gen;
	if (k.ino == 0)
		return 0;
	__u64 *m = bpf_map_lookup_elem(&binaries, &k);
	return m ? *m : 0;
}

/* The policies among wanted whose scope conditions all hold for the
 * caller. Each condition is evaluated only when a candidate needs it. */
static __always_inline __u64 applicable(struct enf_gen *g, __u32 gen, __u64 wanted,
					struct task_struct *task, __u64 cgid)
{
	__u64 cand = g->active & wanted;
	if (!cand)
		return 0;
	if (cand & (g->host | g->containers)) {
		if (task_pidns(task) == host_pidns)
			cand &= ~g->containers;
		else
			cand &= ~g->host;
	}
	if (cand & g->cgroup_sel)
		cand &= ~(g->cgroup_sel & ~cgroup_bits(cgid));
	if (cand & g->binary_sel)
		cand &= ~(g->binary_sel & ~binary_bits(task, gen));
	return cand;
}

static __always_inline __u32 lowest_bit(__u64 x)
{
	__u32 n = 0;
	if (!(x & 0xffffffffULL)) {
		n += 32;
		x >>= 32;
	}
	if (!(x & 0xffff)) {
		n += 16;
		x >>= 16;
	}
	if (!(x & 0xff)) {
		n += 8;
		x >>= 8;
	}
	if (!(x & 0xf)) {
		n += 4;
		x >>= 4;
	}
	if (!(x & 0x3)) {
		n += 2;
		x >>= 2;
	}
	if (!(x & 0x1))
		n += 1;
	return n;
}

static __always_inline struct enf_gen *current_gen(__u32 *gen)
{
	__u32 zero = 0;
	__u32 *g = bpf_map_lookup_elem(&gen_cur, &zero);
	if (!g)
		return NULL;
	*gen = *g & 1;
	return bpf_map_lookup_elem(&gens, gen);
}

static __always_inline struct enf_decision *reserve(void)
{
	struct enf_decision *d = bpf_ringbuf_reserve(&decisions, sizeof(*d), 0);
	if (!d) {
		__u32 zero = 0;
		__u64 *n = bpf_map_lookup_elem(&lost, &zero);
		if (n)
			*n += 1; /* per CPU */
	}
	return d;
}

static __always_inline void fill_caller(struct enf_decision *d, struct task_struct *task,
					__u64 cgid)
{
	d->ktime = bpf_ktime_get_boot_ns();
	d->cgroup_id = cgid;
	d->pid = task->pid;
	d->tgid = task->tgid;
	d->uid = task->real_cred->uid.val;
	d->pidns = task_pidns(task);
	bpf_probe_read_kernel_str(d->comm, sizeof(d->comm), task->comm);
}

/* ---- network ---- */

struct net_scan {
	__u32 addr[4];
	__u64 cand;  /* applicable policies */
	__u64 audit; /* of which audit */
	__u32 gen;
	__s32 hit;       /* first matching enforcing rule, -1 */
	__s32 audit_hit; /* first matching audit rule, -1 */
	__u16 port;
	__u8 family;
	__u8 proto;
	__u8 op; /* enum enf_rule_op */
	__u8 hit_policy;
	__u8 audit_policy;
};

static long net_step(__u32 i, void *data)
{
	struct net_scan *s = data;
	__u32 idx = s->gen * ENF_MAX_NET_RULES + i;
	struct enf_net_rule *r = bpf_map_lookup_elem(&net_rules, &idx);
	if (!r)
		return 1;
	__u8 policy = r->policy;
	if (policy >= ENF_MAX_POLICIES)
		return 0;
	__u64 bit = 1ULL << policy;
	if (!(s->cand & bit) || r->op != s->op)
		return 0;
	if (r->proto && r->proto != s->proto)
		return 0;
	if ((r->port_lo | r->port_hi) && (s->port < r->port_lo || s->port > r->port_hi))
		return 0;
	if (r->family) {
		if (r->family != s->family)
			return 0;
		if ((s->addr[0] & r->mask[0]) != r->addr[0] ||
		    (s->addr[1] & r->mask[1]) != r->addr[1] ||
		    (s->addr[2] & r->mask[2]) != r->addr[2] ||
		    (s->addr[3] & r->mask[3]) != r->addr[3])
			return 0;
	}
	if (s->audit & bit) {
		if (s->audit_hit < 0) {
			s->audit_hit = i;
			s->audit_policy = policy;
		}
		return 0;
	}
	s->hit = i;
	s->hit_policy = policy;
	return 1;
}

/* 1 allows, 0 denies (EPERM). */
static __always_inline int check_net(struct bpf_sock_addr *ctx, __u8 op, bool v6)
{
	struct task_struct *task = bpf_get_current_task_btf();
	if (exempt(task))
		return 1;
	__u32 gen;
	struct enf_gen *g = current_gen(&gen);
	if (!g || !(g->active & g->net))
		return 1;

	struct net_scan s = {};
	s.gen = gen;
	s.op = op == ENF_OP_BIND ? ENF_RULE_BIND : ENF_RULE_CONNECT;
	s.proto = ctx->protocol;
	s.port = bpf_ntohs((__u16)ctx->user_port);
	if (!v6) {
		s.family = AF_INET;
		s.addr[0] = ctx->user_ip4;
	} else {
		s.addr[0] = ctx->user_ip6[0];
		s.addr[1] = ctx->user_ip6[1];
		s.addr[2] = ctx->user_ip6[2];
		s.addr[3] = ctx->user_ip6[3];
		if (s.addr[0] == 0 && s.addr[1] == 0 && s.addr[2] == bpf_htonl(0xffff)) {
			/* an IPv4-mapped address: IPv4 rules apply */
			s.family = AF_INET;
			s.addr[0] = s.addr[3];
			s.addr[2] = 0;
			s.addr[3] = 0;
		} else {
			s.family = AF_INET6;
		}
	}
	__u64 cgid = bpf_get_current_cgroup_id();
	s.cand = applicable(g, gen, g->net, task, cgid);
	if (!s.cand)
		return 1;
	s.audit = g->audit;
	s.hit = -1;
	s.audit_hit = -1;
	__u32 n = g->net_rules;
	if (n > ENF_MAX_NET_RULES)
		n = ENF_MAX_NET_RULES;
	bpf_loop(n, net_step, &s, 0);
	if (s.hit < 0 && s.audit_hit < 0)
		return 1;

	struct enf_decision *d = reserve();
	if (d) {
		fill_caller(d, task, cgid);
		d->syscall_nr = -1;
		d->signal_err = 0;
		d->action = ENF_ACTION_DENY;
		d->op = op;
		d->family = s.family;
		d->port = s.port;
		d->proto = s.proto;
		d->addr[0] = s.addr[0];
		d->addr[1] = s.addr[1];
		d->addr[2] = s.addr[2];
		d->addr[3] = s.addr[3];
		d->gen = gen;
		if (s.hit >= 0) {
			d->rule = s.hit;
			d->policy = s.hit_policy;
			d->audit = 0;
		} else {
			d->rule = s.audit_hit;
			d->policy = s.audit_policy;
			d->audit = 1;
		}
		bpf_ringbuf_submit(d, 0);
	}
	return s.hit >= 0 ? 0 : 1;
}

SEC("cgroup/connect4")
int enforce_connect4(struct bpf_sock_addr *ctx)
{
	return check_net(ctx, ENF_OP_CONNECT, false);
}

SEC("cgroup/connect6")
int enforce_connect6(struct bpf_sock_addr *ctx)
{
	return check_net(ctx, ENF_OP_CONNECT, true);
}

SEC("cgroup/sendmsg4")
int enforce_sendmsg4(struct bpf_sock_addr *ctx)
{
	return check_net(ctx, ENF_OP_SENDMSG, false);
}

SEC("cgroup/sendmsg6")
int enforce_sendmsg6(struct bpf_sock_addr *ctx)
{
	return check_net(ctx, ENF_OP_SENDMSG, true);
}

SEC("cgroup/bind4")
int enforce_bind4(struct bpf_sock_addr *ctx)
{
	return check_net(ctx, ENF_OP_BIND, false);
}

SEC("cgroup/bind6")
int enforce_bind6(struct bpf_sock_addr *ctx)
{
	return check_net(ctx, ENF_OP_BIND, true);
}

/* ---- kill ---- */

/* Attached to syscalls/sys_enter_<name> of each system call a kill rule
 * names. The signal is queued now and delivered when the task returns to
 * user space: the system call itself still runs. */
SEC("tracepoint/syscalls/sys_enter")
int enforce_kill(struct trace_event_raw_sys_enter *ctx)
{
	struct task_struct *task = bpf_get_current_task_btf();
	if (exempt(task))
		return 0;
	__u32 gen;
	struct enf_gen *g = current_gen(&gen);
	if (!g || !(g->active & g->kill))
		return 0;
	struct enf_kill_key k = {.gen = gen, .nr = (__s32)ctx->id};
	__u64 *m = bpf_map_lookup_elem(&kill_rules, &k);
	if (!m)
		return 0;
	__u64 cgid = bpf_get_current_cgroup_id();
	__u64 cand = applicable(g, gen, *m, task, cgid);
	if (!cand)
		return 0;
	__u64 enforce = cand & ~g->audit;
	long err = 0;
	if (enforce)
		err = bpf_send_signal(SIGKILL);

	struct enf_decision *d = reserve();
	if (!d)
		return 0;
	fill_caller(d, task, cgid);
	d->rule = 0;
	d->syscall_nr = k.nr;
	d->gen = gen;
	d->signal_err = err;
	d->policy = lowest_bit(enforce ? enforce : cand);
	d->action = ENF_ACTION_KILL;
	d->audit = !enforce;
	d->op = ENF_OP_NONE;
	d->family = 0;
	d->port = 0;
	d->proto = 0;
	d->addr[0] = 0;
	d->addr[1] = 0;
	d->addr[2] = 0;
	d->addr[3] = 0;
	bpf_ringbuf_submit(d, 0);
	return 0;
}
