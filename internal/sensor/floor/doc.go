// Package floor is the cost floor of Vigil's benchmarks: it attaches a
// program that does nothing to every system call entry and exit: the cost
// floor of any tracepoint-based agent.
//
// Contract:
//   - Start loads bpf/floor.bpf.c (compiled by bpf2go and embedded) and
//     attaches its two programs to the raw tracepoints sys_enter and
//     sys_exit; they return at once and read, write and send nothing.
//   - Close detaches and releases everything; it is safe to call more than
//     once and after a failed Start left nothing behind.
//   - It needs root (CAP_BPF and CAP_PERFMON) and raw tracepoints; no BTF.
package floor
