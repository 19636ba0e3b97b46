// Package enforce carries out prevention policies (package policy) with
// the mechanisms this host offers, and reports every decision.
//
// Contract:
//
//   - FileGuard enforces exec, exec_allow and open policies with fanotify
//     permission events (package enforce/fanotify): an exec or open a
//     policy denies fails with EPERM before the program runs or the file
//     is read. It marks only what its policies need: each file an exec or
//     open policy names (an inode mark; its directory is watched with
//     inotify so that a file created or renamed to that name later is
//     marked too, moments after); for a pattern, the filesystem that holds
//     its fixed prefix; for exec_allow, every real filesystem; and the root
//     filesystem of each container an exec policy's scope can cover
//     (ContainerSeen). Decisions are taken on fanotify's worker goroutines
//     from the policies current at the time (Load swaps them atomically);
//     every request is answered, allow on timeout (fail open) unless
//     configured otherwise, and the agent's own process and PID 1 are
//     never blocked.
//   - The agent that runs a FileGuard executes no program itself (see
//     package fanotify: an exec of a marked file by the listener's own
//     process can deadlock it); vigil run never does.
//   - Subjects (the process that acts) are read from /proc: its container
//     from its cgroup (or, for runtimes Vigil does not know, its pid
//     namespace), the container's metadata from the container cache
//     without waiting, and, only when a policy's scope names binaries or
//     ancestors, its executable and its ancestors' executables.
//   - For a process in a container whose root is visible from the agent
//     (runc, containerd and CRI-O bundles on the host), paths are matched
//     as the container sees them: the container's root prefix is removed.
//   - Every decision (deny, or audit's would-deny) is handed to
//     Options.Emit as an event.Event of type vigil_enforce, for the
//     pipeline to complete with the process table and report.
//   - NetKill (net.go) enforces connect, bind and syscall policies in the
//     kernel (package enforce/kernel): cgroup sock_addr programs and
//     bpf_send_signal on the calls' tracepoints; container selectors are
//     resolved to cgroup ids as containers are seen.
package enforce
