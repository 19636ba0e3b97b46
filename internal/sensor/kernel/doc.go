// Package kernel is Vigil's kernel sensor: it loads the BPF programs of
// bpf/ (compiled by bpf2go and embedded), attaches them to tracepoints,
// reads their ring buffer and decodes each record into an event.Event.
//
// Contract:
//   - Only tracepoints are used (raw tracepoints for the process lifecycle,
//     the per-syscall syscalls/sys_{enter,exit}_NAME tracepoints for system
//     calls), so the sensor loads on kernels that block kprobes and fentry;
//     it needs BTF (CO-RE) and BPF ring buffers.
//   - System calls are opt-in (Options.Syscalls, SupportedSyscalls): only
//     the tracepoints of the requested ones are attached, so the others
//     run no BPF. Their events carry Falco's exit-event arguments; paths
//     passed by the caller are read from user memory at entry (racy by
//     nature), fd.name is the kernel's own path of the opened file.
//   - Lifecycle: New loads and verifies the programs without attaching
//     them; Start attaches; Run reads until its context ends, then detaches
//     every link and drains what the ring buffer still holds before
//     returning; Close releases everything and is safe after a partial
//     start or a failed New.
//   - Nothing is lost silently: records the kernel could not queue are
//     counted per kind in the kernel and reported as TypeDrop events and in
//     Stats; records that fail to decode are counted and reported likewise.
//   - The agent's own process is excluded in the kernel.
//   - Decoding never panics on malformed input (it is fuzzed).
package kernel
