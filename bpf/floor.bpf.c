// SPDX-License-Identifier: (GPL-2.0-only OR Apache-2.0)
/*
 * The cost floor: programs that do nothing, attached to the raw
 * tracepoints of every system call entry and exit. Whatever a
 * tracepoint-based agent does, it pays at least this much per system call;
 * `vigil bench overhead` measures it next to Vigil itself.
 *
 * Self-contained on purpose (no vmlinux.h, no libbpf headers): the object
 * must not change when the agent's headers do.
 */

#define SEC(name) __attribute__((section(name), used))

char LICENSE[] SEC("license") = "Dual BSD/GPL";

SEC("raw_tracepoint/sys_enter")
int floor_sys_enter(void *ctx)
{
	return 0;
}

SEC("raw_tracepoint/sys_exit")
int floor_sys_exit(void *ctx)
{
	return 0;
}
