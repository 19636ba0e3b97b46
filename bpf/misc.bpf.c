// SPDX-License-Identifier: (GPL-2.0-only OR Apache-2.0)
/*
 * Privileges, namespaces, modules, memory and signals: ptrace, the module
 * calls, the set*id family, capset, setns, unshare, mount, umount2,
 * pivot_root, chroot, bpf, memfd_create, mprotect, mmap, userfaultfd, the
 * kill family, prctl, and failed execve/execveat. Exit-only programs on
 * syscalls/sys_exit_NAME, as in syscalls.bpf.c, emitting struct
 * vigil_generic. Shares the process object's ring buffer, drop counters and
 * scratch (map replacements).
 */
#include "common.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

const struct vigil_generic *unused_generic __attribute__((unused));

SEC("tracepoint/syscalls/sys_exit_ptrace")
int trace_exit_ptrace(struct trace_event_raw_sys_exit *ctx)
{
	return 0; /* TODO(misc helper) */
}
