/* SPDX-License-Identifier: (GPL-2.0-only OR Apache-2.0) */
/*
 * Wire structures of the enforcement programs (bpf/enforce.bpf.c) shared
 * with internal/enforce/kernel, whose Go types bpf2go generates from this
 * file's BTF (see that package's gen.go).
 */
#ifndef VIGIL_ENFORCE_H
#define VIGIL_ENFORCE_H

/* Policies are bits of a u64 mask. */
#define ENF_MAX_POLICIES 64
/* Network rules per generation, scanned in order. */
#define ENF_MAX_NET_RULES 256
/* (generation, syscall) kill entries and (generation, binary) entries. */
#define ENF_MAX_KILL 1024
#define ENF_MAX_BINARIES 2048
/* Cgroups userspace can select. */
#define ENF_MAX_CGROUPS 16384
/* Ancestor levels of the caller's cgroup looked up (level 0, the root, is
 * never looked up). */
#define ENF_CGROUP_DEPTH 16

enum enf_action {
	ENF_ACTION_DENY = 1,
	ENF_ACTION_KILL = 2,
};

/* What the caller did (decision records). */
enum enf_op {
	ENF_OP_NONE = 0, /* kill records */
	ENF_OP_CONNECT = 1,
	ENF_OP_SENDMSG = 2,
	ENF_OP_BIND = 3,
};

/* What a network rule matches: connect covers connect and sendmsg. */
enum enf_rule_op {
	ENF_RULE_CONNECT = 1,
	ENF_RULE_BIND = 2,
};

/* One network rule. family 0 matches any address; otherwise the address
 * masked with mask must equal addr (both in network byte order, an IPv4
 * address in addr[0]). port_lo = port_hi = 0 matches any port. */
struct enf_net_rule {
	__u32 addr[4];
	__u32 mask[4];
	__u16 port_lo;
	__u16 port_hi;
	__u8 policy;
	__u8 op;     /* enum enf_rule_op */
	__u8 family; /* 0, AF_INET or AF_INET6 */
	__u8 proto;  /* 0 (any), IPPROTO_TCP or IPPROTO_UDP */
};

/* One generation of the rule set: which policies exist and their scope
 * conditions, as masks of policy bits. */
struct enf_gen {
	__u64 active;     /* policies in use */
	__u64 audit;      /* audit (report only) */
	__u64 host;       /* apply in the host's pid namespace only */
	__u64 containers; /* apply outside it only */
	__u64 cgroup_sel; /* need the caller's cgroup (or an ancestor) selected */
	__u64 binary_sel; /* need the caller's executable selected */
	__u64 net;        /* have network rules */
	__u64 kill;       /* have kill rules */
	__u32 net_rules;  /* network rules in use */
	__u32 pad;
};

struct enf_kill_key {
	__u32 gen;
	__s32 nr; /* system call number */
};

/* An executable: the kernel's inode number and s_dev (MAJOR << 20 | MINOR). */
struct enf_bin_key {
	__u64 ino;
	__u32 dev;
	__u32 gen;
};

/* One decision record on the ring buffer. */
struct enf_decision {
	__u64 ktime;     /* CLOCK_BOOTTIME ns */
	__u64 cgroup_id; /* v2 cgroup of the caller */
	__u32 pid;       /* thread id */
	__u32 tgid;
	__u32 uid;
	__u32 pidns;
	__u32 rule;       /* network rule index (network records) */
	__s32 syscall_nr; /* kill records; -1 otherwise */
	__s32 signal_err; /* bpf_send_signal's result (enforced kills) */
	__u8 policy;
	__u8 action; /* enum enf_action */
	__u8 audit;
	__u8 op; /* enum enf_op */
	__u16 family;
	__u16 port; /* host byte order */
	__u8 proto;
	__u8 gen; /* generation of the rule set that matched */
	__u8 pad[2];
	__u32 addr[4]; /* network byte order; IPv4 in addr[0] */
	char comm[16];
};

#endif /* VIGIL_ENFORCE_H */
