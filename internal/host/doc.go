// Package host reads facts about the running host that several stages
// share: the boot id, the hostname, the host's namespaces (init's, or the
// agent's own where init's cannot be read), and the mapping between the kernel's
// boot-time clock (CLOCK_BOOTTIME, as BPF's bpf_ktime_get_boot_ns and a
// task's start_boottime use) and wall-clock time.
//
// Contract: pure Go over the proc filesystem and clock_gettime; no state
// outside the values it returns.
package host
