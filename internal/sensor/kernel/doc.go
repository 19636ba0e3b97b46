// Package kernel is Vigil's kernel sensor: it loads the BPF programs of
// bpf/ (compiled by bpf2go and embedded), attaches them to tracepoints,
// reads their ring buffer and decodes each record into an event.Event.
//
// Contract:
//   - Only tracepoints (raw tracepoints) are used, so the sensor loads on
//     kernels that block kprobes and fentry; it needs BTF (CO-RE) and BPF
//     ring buffers (Linux 5.8+).
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
