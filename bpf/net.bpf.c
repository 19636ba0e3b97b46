// SPDX-License-Identifier: (GPL-2.0-only OR Apache-2.0)
/*
 * Sockets and descriptors: socket, connect, accept, accept4, bind, listen,
 * sendto, sendmsg, recvfrom, recvmsg, dup, dup2, dup3. Exit-only programs
 * on syscalls/sys_exit_NAME, as in syscalls.bpf.c: the arguments come from
 * the registers the syscall entry saved, the rest from the kernel's objects
 * after the call. Shares the process object's ring buffer, drop counters
 * and scratch (map replacements).
 *
 * Each record (struct vigil_sock) describes one descriptor as the kernel
 * sees it after the call: for a socket, its family, type, protocol, state
 * and endpoints from struct sock (not raceable); for another file, its
 * inode and path. The address the caller passed (connect, bind, sendto's
 * destination, sendmsg's msg_name) or received (recvfrom's src_addr,
 * recvmsg's msg_name) is read from the caller's memory at exit: a racing
 * thread could have changed it, so it is only a fallback for what the kernel
 * does not hold (an unconnected datagram socket's peer).
 *
 * sendto/sendmsg are reported only for non-stream sockets called with a
 * destination and recvfrom/recvmsg only for non-stream sockets that
 * returned a source address: the programs return before any record work
 * otherwise (a TCP data transfer costs one fd lookup).
 */
#include "common.h"
#include <bpf/bpf_endian.h>

/* The socket families (bit 1 << AF_x) whose connect calls are reported:
 * every one unless the loader narrows it to those the rules can match. In
 * .data, not .rodata, so that a reload of the rules can change it. */
volatile __u64 connect_families = ~0ULL;
/* The same for socket(2) calls, by the domain asked for: judged before any
 * other work, from the argument alone. */
volatile __u64 socket_families = ~0ULL;

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Keep the wire type in BTF so bpf2go generates its Go type. */
const struct vigil_sock *unused_sock __attribute__((unused));

#define AF_UNIX 1
#define AF_INET 2
#define AF_INET6 10
#define SOCK_STREAM 1
#define S_IFMT 00170000
#define S_IFSOCK 0140000
/* sizeof(sun_path) */
#define UNIX_PATH_MAX 108
/* iovec entries summed for sendmsg/recvmsg's size */
#define NET_IOV_MAX 8

_Static_assert(sizeof(struct vigil_sock) + UNIX_PATH_MAX + 1 <= HEAD_MASK,
	       "sock sections overflow HEAD_MASK");
_Static_assert(sizeof(struct vigil_sock) % 8 == 0, "vigil_sock is not 8-byte aligned");

/* The fdkind values of struct vigil_sock. */
enum {
	FDKIND_NONE = 0,
	FDKIND_SOCKET = 1,
	FDKIND_FILE = 2,
};

/* What one call's program hands to emit_sock. */
struct net_args {
	__u32 sc;            /* enum vigil_syscall */
	__s32 fd;            /* the fd argument; -1 for socket */
	long descfd;         /* the fd the record describes */
	__u64 arg;           /* struct vigil_sock's arg */
	__u32 flags;         /* struct vigil_sock's flags */
	__u16 domain;        /* socket: the domain argument */
	bool dgram_only;     /* drop the call on a stream socket (send*, recv*) */
	bool queue;          /* accept: read the listening fd's queue */
	const void *uaddr;   /* the caller's sockaddr, user memory; NULL if none */
	__u32 ulen;          /* its length */
	const struct iovec *iov; /* sendmsg/recvmsg: the caller's iovecs */
	__u64 iovlen;
};




/* The socket behind a file, or NULL when it is no socket. */
static __always_inline struct socket *file_socket(struct file *f)
{
	if (!f)
		return NULL;
	__u32 mode = BPF_CORE_READ(f, f_inode, i_mode);
	if ((mode & S_IFMT) != S_IFSOCK)
		return NULL;
	return BPF_CORE_READ(f, private_data);
}

/* Copies the caller's sockaddr (user memory) into uaddr_family, uport and
 * uaddr; a unix path is left to write_unix_path. */
static __always_inline void read_uaddr(struct vigil_sock *r, const void *uaddr, __u32 ulen)
{
	if (!uaddr || ulen < sizeof(__u16))
		return;
	struct sockaddr_in6 sa = {};
	__u32 n = ulen;
	if (n > sizeof(sa))
		n = sizeof(sa);
	if (bpf_probe_read_user(&sa, n, uaddr) != 0)
		return;
	r->uaddr_family = sa.sin6_family;
	if (sa.sin6_family == AF_INET && ulen >= 8) {
		struct sockaddr_in *in = (struct sockaddr_in *)&sa;
		r->uport = bpf_ntohs(in->sin_port);
		__builtin_memcpy(r->uaddr, &in->sin_addr, 4);
	} else if (sa.sin6_family == AF_INET6 && ulen >= 24) {
		r->uport = bpf_ntohs(sa.sin6_port);
		__builtin_memcpy(r->uaddr, &sa.sin6_addr, 16);
	}
}

/*
 * Writes a unix socket's sun_path at off: the kernel's (the socket's own
 * bound address, else its peer's), else the caller's sockaddr (user memory,
 * r->path_user). The n bytes of sun_path are copied raw (an abstract name
 * starts with a NUL) and a NUL added. Returns the new offset.
 */
static __always_inline __u32 write_unix_path(struct scratch *s, struct vigil_sock *r, __u32 off,
					     struct sock *sk, const void *uaddr, __u32 ulen)
{
	struct unix_address *ua = NULL;
	if (sk) {
		struct unix_sock *u = (struct unix_sock *)sk;
		ua = BPF_CORE_READ(u, addr);
		if (!ua) {
			struct unix_sock *peer = (struct unix_sock *)BPF_CORE_READ(u, peer);
			if (peer)
				ua = BPF_CORE_READ(peer, addr);
		}
	}
	long n = 0;
	long err = -1;
	if (ua) {
		n = (long)BPF_CORE_READ(ua, len) - (long)sizeof(__u16);
		if (n > UNIX_PATH_MAX)
			n = UNIX_PATH_MAX;
		if (n > 0) {
			const void *p = (const void *)ua +
					bpf_core_field_offset(struct unix_address, name) +
					sizeof(__u16);
			err = bpf_probe_read_kernel(&s->buf[off], n & 127, p);
		}
	} else if (uaddr && r->uaddr_family == AF_UNIX) {
		n = (long)ulen - (long)sizeof(__u16);
		if (n > UNIX_PATH_MAX)
			n = UNIX_PATH_MAX;
		if (n > 0) {
			err = bpf_probe_read_user(&s->buf[off], n & 127, uaddr + sizeof(__u16));
			r->path_user = 1;
		}
	}
	if (err != 0 || n <= 0) {
		r->path_user = 0;
		return off;
	}
	s->buf[(off + n) & SCRATCH_MASK] = 0;
	r->path_len = n + 1;
	return off + n + 1;
}

/* Fills the socket part of the record from the kernel's struct sock. */
static __always_inline void fill_sock(struct vigil_sock *r, struct socket *sock, struct sock *sk)
{
	r->type = BPF_CORE_READ(sock, type);
	if (!sk)
		return;
	r->family = BPF_CORE_READ(sk, __sk_common.skc_family);
	r->protocol = BPF_CORE_READ(sk, sk_protocol);
	r->state = BPF_CORE_READ(sk, __sk_common.skc_state);
	if (r->family == AF_INET) {
		bpf_core_read(r->laddr, 4, &sk->__sk_common.skc_rcv_saddr);
		bpf_core_read(r->raddr, 4, &sk->__sk_common.skc_daddr);
	} else if (r->family == AF_INET6) {
		bpf_core_read(r->laddr, 16, &sk->__sk_common.skc_v6_rcv_saddr);
		bpf_core_read(r->raddr, 16, &sk->__sk_common.skc_v6_daddr);
	} else {
		return;
	}
	r->lport = BPF_CORE_READ(sk, __sk_common.skc_num);
	r->rport = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
}

/* Sum of the first NET_IOV_MAX iovec lengths (user memory). */
static __always_inline __u64 iov_size(const struct iovec *iov, __u64 cnt)
{
	__u64 size = 0;
	if (!iov)
		return 0;
#pragma unroll
	for (int i = 0; i < NET_IOV_MAX; i++) {
		if (i >= cnt)
			break;
		struct iovec v;
		if (bpf_probe_read_user(&v, sizeof(v), &iov[i]) != 0)
			break;
		size += v.iov_len;
	}
	return size;
}

static __always_inline int emit_sock(struct trace_event_raw_sys_exit *ctx, struct net_args *a)
{
	__u64 id = bpf_get_current_pid_tgid();
	if (is_agent(id >> 32))
		return 0;
	struct task_struct *task = bpf_get_current_task_btf();
	struct file *f = task_fd(task, a->descfd);
	struct socket *sock = file_socket(f);
	if (a->dgram_only && (!sock || BPF_CORE_READ(sock, type) == SOCK_STREAM))
		return 0;
	if (a->sc == VIGIL_SC_CONNECT && connect_families != ~0ULL) {
		struct sock *sk0 = sock ? BPF_CORE_READ(sock, sk) : NULL;
		__u16 fam = sk0 ? BPF_CORE_READ(sk0, __sk_common.skc_family) : 0;
		if (fam < 64 && !(connect_families & (1ULL << fam)))
			return 0;
	}

	struct scratch *s = get_scratch();
	if (!s) {
		count_drop(VIGIL_KIND_SYSCALL);
		return 0;
	}
	struct vigil_sock *r = (struct vigil_sock *)s->buf;
	__builtin_memset(&r->syscall, 0, sizeof(*r) - sizeof(r->task));
	fill_current_task(&r->task, VIGIL_KIND_SYSCALL);
	r->syscall = a->sc;
	r->fd = a->fd;
	r->ret = ctx->ret;
	r->arg = a->arg;
	r->flags = a->flags;
	r->family = a->domain;
	if (a->iov)
		r->arg = iov_size(a->iov, a->iovlen);
	if (a->queue) {
		struct socket *lsock = file_socket(task_fd(task, a->fd));
		struct sock *lsk = lsock ? BPF_CORE_READ(lsock, sk) : NULL;
		if (lsk)
			r->arg = (__u64)BPF_CORE_READ(lsk, sk_ack_backlog) << 32 |
				 BPF_CORE_READ(lsk, sk_max_ack_backlog);
	}
	read_uaddr(r, a->uaddr, a->ulen);

	__u32 off = sizeof(*r);
	struct sock *sk = NULL;
	if (f) {
		struct inode *inode = BPF_CORE_READ(f, f_inode);
		__u32 kdev = BPF_CORE_READ(inode, i_sb, s_dev);
		r->ino = BPF_CORE_READ(inode, i_ino);
		r->dev = encode_dev(kdev >> 20, kdev & 0xfffff);
		r->i_mode = BPF_CORE_READ(inode, i_mode);
		r->fdkind = sock ? FDKIND_SOCKET : FDKIND_FILE;
	}
	if (sock) {
		sk = BPF_CORE_READ(sock, sk);
		fill_sock(r, sock, sk);
	}
	if (r->family == AF_UNIX || (!sock && r->uaddr_family == AF_UNIX)) {
		off = write_unix_path(s, r, off, sk, a->uaddr, a->ulen);
	} else if (f && !sock) {
		/* a file (dup family): its path from the kernel */
		struct path root = task->fs->root;
		struct path fpath;
		BPF_CORE_READ_INTO(&fpath, f, f_path);
		bool trunc, pseudo;
		off = write_path(off, fpath.dentry, fpath.mnt, &root, &trunc, &pseudo);
		r->task.flags |= VIGIL_F_FD_PATH;
		if (trunc)
			r->task.flags |= VIGIL_F_PATH_TRUNC;
		if (pseudo)
			r->task.flags |= VIGIL_F_PATH_PSEUDO;
		r->path_len = off - sizeof(*r);
	}
	submit(s->buf, off & SCRATCH_MASK, VIGIL_KIND_SYSCALL);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_socket")
int trace_exit_socket(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs = user_regs();
	__u64 domain = sys_arg(regs, 0);
	if (socket_families != ~0ULL && domain < 64 && !(socket_families & (1ULL << domain)))
		return 0;
	__u64 type = (__u32)sys_arg(regs, 1);
	__u64 proto = (__u32)sys_arg(regs, 2);
	struct net_args a = {
		.sc = VIGIL_SC_SOCKET,
		.fd = -1,
		.descfd = ctx->ret,
		.domain = domain,
		.arg = type | proto << 32,
	};
	return emit_sock(ctx, &a);
}

SEC("tracepoint/syscalls/sys_exit_connect")
int trace_exit_connect(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs = user_regs();
	struct net_args a = {
		.sc = VIGIL_SC_CONNECT,
		.fd = sys_arg(regs, 0),
		.uaddr = (const void *)sys_arg(regs, 1),
		.ulen = sys_arg(regs, 2),
	};
	a.descfd = a.fd;
	return emit_sock(ctx, &a);
}

SEC("tracepoint/syscalls/sys_exit_bind")
int trace_exit_bind(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs = user_regs();
	struct net_args a = {
		.sc = VIGIL_SC_BIND,
		.fd = sys_arg(regs, 0),
		.uaddr = (const void *)sys_arg(regs, 1),
		.ulen = sys_arg(regs, 2),
	};
	a.descfd = a.fd;
	return emit_sock(ctx, &a);
}

SEC("tracepoint/syscalls/sys_exit_listen")
int trace_exit_listen(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs = user_regs();
	struct net_args a = {
		.sc = VIGIL_SC_LISTEN,
		.fd = sys_arg(regs, 0),
		.arg = (__u32)sys_arg(regs, 1),
	};
	a.descfd = a.fd;
	return emit_sock(ctx, &a);
}

/* accept and accept4: the new socket, and the listening socket's queue.
 * The peer's address comes from the new sock, not from the caller's
 * upeer_sockaddr. */
static __always_inline int emit_accept(struct trace_event_raw_sys_exit *ctx, __u32 sc,
				       __u32 flags)
{
	struct pt_regs *regs = user_regs();
	struct net_args a = {
		.sc = sc,
		.fd = sys_arg(regs, 0),
		.descfd = ctx->ret,
		.flags = flags,
		.queue = true,
	};
	return emit_sock(ctx, &a);
}

SEC("tracepoint/syscalls/sys_exit_accept")
int trace_exit_accept(struct trace_event_raw_sys_exit *ctx)
{
	return emit_accept(ctx, VIGIL_SC_ACCEPT, 0);
}

SEC("tracepoint/syscalls/sys_exit_accept4")
int trace_exit_accept4(struct trace_event_raw_sys_exit *ctx)
{
	return emit_accept(ctx, VIGIL_SC_ACCEPT4, sys_arg(user_regs(), 3));
}

SEC("tracepoint/syscalls/sys_exit_sendto")
int trace_exit_sendto(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs = user_regs();
	const void *dest = (const void *)sys_arg(regs, 4);
	if (!dest)
		return 0; /* no destination: the socket's peer, not reported */
	struct net_args a = {
		.sc = VIGIL_SC_SENDTO,
		.fd = sys_arg(regs, 0),
		.arg = sys_arg(regs, 2),
		.dgram_only = true,
		.uaddr = dest,
		.ulen = sys_arg(regs, 5),
	};
	a.descfd = a.fd;
	return emit_sock(ctx, &a);
}

SEC("tracepoint/syscalls/sys_exit_sendmsg")
int trace_exit_sendmsg(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs = user_regs();
	struct user_msghdr mh;
	if (bpf_probe_read_user(&mh, sizeof(mh), (const void *)sys_arg(regs, 1)) != 0 ||
	    !mh.msg_name)
		return 0;
	struct net_args a = {
		.sc = VIGIL_SC_SENDMSG,
		.fd = sys_arg(regs, 0),
		.dgram_only = true,
		.uaddr = mh.msg_name,
		.ulen = mh.msg_namelen,
		.iov = mh.msg_iov,
		.iovlen = mh.msg_iovlen,
	};
	a.descfd = a.fd;
	return emit_sock(ctx, &a);
}

SEC("tracepoint/syscalls/sys_exit_recvfrom")
int trace_exit_recvfrom(struct trace_event_raw_sys_exit *ctx)
{
	if (ctx->ret < 0)
		return 0; /* no source address */
	struct pt_regs *regs = user_regs();
	const void *src = (const void *)sys_arg(regs, 4);
	const int *lenp = (const int *)sys_arg(regs, 5);
	int ulen = 0;
	if (!src || !lenp || bpf_probe_read_user(&ulen, sizeof(ulen), lenp) != 0 || ulen <= 0)
		return 0;
	struct net_args a = {
		.sc = VIGIL_SC_RECVFROM,
		.fd = sys_arg(regs, 0),
		.arg = sys_arg(regs, 2),
		.dgram_only = true,
		.uaddr = src,
		.ulen = ulen,
	};
	a.descfd = a.fd;
	return emit_sock(ctx, &a);
}

SEC("tracepoint/syscalls/sys_exit_recvmsg")
int trace_exit_recvmsg(struct trace_event_raw_sys_exit *ctx)
{
	if (ctx->ret < 0)
		return 0; /* no source address */
	struct pt_regs *regs = user_regs();
	struct user_msghdr mh;
	/* msg_namelen as the kernel wrote it back */
	if (bpf_probe_read_user(&mh, sizeof(mh), (const void *)sys_arg(regs, 1)) != 0 ||
	    !mh.msg_name || mh.msg_namelen <= 0)
		return 0;
	struct net_args a = {
		.sc = VIGIL_SC_RECVMSG,
		.fd = sys_arg(regs, 0),
		.dgram_only = true,
		.uaddr = mh.msg_name,
		.ulen = mh.msg_namelen,
		.iov = mh.msg_iov,
		.iovlen = mh.msg_iovlen,
	};
	a.descfd = a.fd;
	return emit_sock(ctx, &a);
}

/* The dup family describes oldfd's file (after the call the new fd holds
 * the same one). */
static __always_inline int emit_dup(struct trace_event_raw_sys_exit *ctx, __u32 sc,
				    bool has_new, bool has_flags)
{
	struct pt_regs *regs = user_regs();
	struct net_args a = {
		.sc = sc,
		.fd = sys_arg(regs, 0),
	};
	a.descfd = a.fd;
	if (has_new)
		a.arg = (__u32)sys_arg(regs, 1);
	if (has_flags)
		a.flags = sys_arg(regs, 2);
	return emit_sock(ctx, &a);
}

SEC("tracepoint/syscalls/sys_exit_dup")
int trace_exit_dup(struct trace_event_raw_sys_exit *ctx)
{
	return emit_dup(ctx, VIGIL_SC_DUP, false, false);
}

SEC("tracepoint/syscalls/sys_exit_dup2")
int trace_exit_dup2(struct trace_event_raw_sys_exit *ctx)
{
	return emit_dup(ctx, VIGIL_SC_DUP2, true, false);
}

SEC("tracepoint/syscalls/sys_exit_dup3")
int trace_exit_dup3(struct trace_event_raw_sys_exit *ctx)
{
	return emit_dup(ctx, VIGIL_SC_DUP3, true, true);
}
