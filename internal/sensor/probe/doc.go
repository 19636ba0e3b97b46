// Package probe finds out what the running kernel and this process can do
// for Vigil, by really trying each mechanism: it creates maps, loads minimal
// BPF programs built with cilium/ebpf's asm package, attaches them and
// detaches them again, marks a temporary directory with fanotify, and so on.
// Kernel version numbers are never used to decide.
//
// Contract:
//   - Run performs every probe and returns one Result per Feature, in the
//     order of Features. It never panics and never returns an error: a probe
//     that fails reports Available=false and says why in Detail.
//   - Each probe is independent of the others (a failed privileges probe does
//     not stop the BPF probes from trying), bounded in time, and cleans up
//     after itself: file descriptors closed, links detached, temporary cgroups
//     and directories removed. Probes only ever attach programs that do
//     nothing (or allow everything), and cgroup programs go to a temporary
//     child cgroup that holds no process whenever one can be created.
//   - Detail is a single line: how the feature was found, or the error and a
//     hint about why it is missing.
//   - Feature ids are stable: they appear in `vigil doctor` output and in
//     other packages' decisions.
//   - Run tries once to lift RLIMIT_MEMLOCK (needed only before Linux 5.11)
//     and carries on when that is refused.
//   - The package holds no state of its own; cilium/ebpf caches some feature
//     probe results for the life of the process.
package probe
