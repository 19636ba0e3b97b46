package kernel

// The BPF objects are generated from bpf/ and committed, so `go build` needs
// no clang. Regenerate with `make generate` (which installs the toolchain
// when missing); TestGeneratedObjectsFresh fails when they are stale.
//
// Four objects: process (always loaded), and three of system calls, each
// loaded only when Options.Syscalls asks for one of its calls: syscalls
// (files), net (sockets and descriptors) and misc (privileges, namespaces,
// modules, memory, signals). They share process's ring buffer, drop
// counters and scratch maps.
//
//go:generate go tool bpf2go -tags linux -target amd64 -cc clang -cflags "-O2 -g -Wall -Werror -I../../../bpf/include" -type vigil_task -type vigil_exec -type vigil_clone -type vigil_exit -type vigil_kind -type vigil_syscall -type vigil_flags process ../../../bpf/process.bpf.c
//go:generate go tool bpf2go -tags linux -target amd64 -cc clang -cflags "-O2 -g -Wall -Werror -I../../../bpf/include" -type vigil_open -type vigil_path2 -type vigil_fkey syscalls ../../../bpf/syscalls.bpf.c
//go:generate go tool bpf2go -tags linux -target amd64 -cc clang -cflags "-O2 -g -Wall -Werror -I../../../bpf/include" -type vigil_sock net ../../../bpf/net.bpf.c
//go:generate go tool bpf2go -tags linux -target amd64 -cc clang -cflags "-O2 -g -Wall -Werror -I../../../bpf/include" -type vigil_generic misc ../../../bpf/misc.bpf.c
