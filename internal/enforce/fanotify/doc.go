// Package fanotify is the mechanism behind Vigil's "deny exec" and "deny
// open" policies: a listener for fanotify permission events
// (FAN_OPEN_PERM, FAN_OPEN_EXEC_PERM) that asks a Decider and always
// answers the kernel. Which files to mark and what to decide is the
// policies' business, not this package's.
//
// Contract:
//
//   - Every permission event read is answered exactly once: with the
//     Decider's verdict; with Options.OnTimeout by a watchdog once
//     Options.Timeout has passed without a verdict (a later verdict is
//     ignored); with OnTimeout at once when Options.Queue requests already
//     wait for a worker; or with OnTimeout by Close. Its fd is closed only
//     after the answer, by whoever uses it last. Stats counts each way
//     (Requests == Stats.Answered() once closed). Closing the group also
//     makes the kernel allow whatever was queued but never read.
//   - Requests of the listener's own process (any of its threads, with
//     ReportTID) and of PID 1 are allowed by the reader at once, never
//     given to the Decider (Stats.SelfAllowed): the agent's own opens can
//     never wait for its own decisions.
//   - A request carries the pid (or tid), the path from /proc/self/fd,
//     the device and inode from fstat, the access, the fd (valid during
//     Decide only) and the deadline. Resolving it costs no allocation but
//     the path string.
//   - Decide is called from Options.Workers goroutines concurrently; a
//     decider must be safe for concurrent use. A panicking decider counts
//     as an error and its request is answered OnTimeout.
//   - The reader never calls the decider, so a stuck decider delays
//     nothing but its own requests (until Timeout); it reads through the
//     Go netpoller in 64 KiB batches and stops without closing the fd.
//   - Malformed input (short reads, bad event_len or metadata_len, a
//     metadata version other than FANOTIFY_METADATA_VERSION, events
//     without fd, FAN_Q_OVERFLOW) is counted in Stats.Errors and logged,
//     never a panic; an event whose layout cannot be trusted is not
//     touched.
//   - The group has an unlimited queue: it holds only permission events,
//     each a thread blocked in open or execve, and a bounded one would
//     make the kernel allow, unseen, the events it cannot queue.
//   - Marks (AddMarks, RemoveMarks): MarkInode (the file, or a directory
//     itself), MarkDirChildren (files directly in a directory), MarkMount
//     and MarkFilesystem; errors name the path and kind. An exec of a file
//     marked for both accesses gives two requests, exec then open.
//   - The process that runs a Listener must not itself execute (os/exec,
//     syscall.ForkExec) a file its marks cover, for exec or for open: Go
//     forks with vfork, so the forking thread stays inside clone, not
//     preemptible, until the child's execve returns, and execve waits for
//     this process's answer. Should a garbage collection stop the world
//     in that window (with GOMAXPROCS=1, always), neither the reader nor
//     the watchdog ever runs again: the agent and everything opening
//     marked files hang. Run such programs through an unmarked
//     intermediary (sh -c) or from another process.
//
// Concurrency: Decide runs on Workers goroutines at once. Listener methods
// may be called from any goroutine.
//
// Lifecycle: New -> AddMarks -> Start(ctx) -> Close(). Marked files block
// their openers until Start, so start soon after marking (or mark after
// Start). Start's context ending closes the listener. Close stops the
// reader, answers every pending request, waits up to Timeout for Decide
// calls in progress and closes the group; it works without Start or after
// a partial one and is idempotent. Needs CAP_SYS_ADMIN.
//
// The package keeps no state outside the values it returns.
package fanotify
