// SPDX-License-Identifier: (GPL-2.0-only OR Apache-2.0)
/*
 * Sockets and descriptors: socket, connect, accept, accept4, bind, listen,
 * sendto, sendmsg, recvfrom, recvmsg, dup, dup2, dup3. Exit-only programs
 * on syscalls/sys_exit_NAME, as in syscalls.bpf.c. Shares the process
 * object's ring buffer, drop counters and scratch (map replacements).
 */
#include "common.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

const struct vigil_sock *unused_sock __attribute__((unused));

SEC("tracepoint/syscalls/sys_exit_socket")
int trace_exit_socket(struct trace_event_raw_sys_exit *ctx)
{
	return 0; /* TODO(net helper) */
}
