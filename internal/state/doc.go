// Package state keeps the process table: every process of the host with
// its lineage, so that each event can name the program that did it and the
// chain of programs that started that one.
//
// Contract:
//
//   - The table is seeded once from the proc filesystem (Seed), so that
//     processes started before the agent still have an identity and an
//     ancestry, and is then kept current by the events themselves (Apply):
//     exec replaces a process image, clone creates a process that inherits
//     its parent's image, procexit marks a process exited.
//   - Apply completes each event in place: Process gets the image fields the
//     source did not know (ExecID, Exe, Args, ArgsTruncated, Cwd, the exe
//     flags, StartTime when zero), and Ancestors is set to [parent,
//     grandparent, ...] up to pid 1, a process the table does not know, a
//     cycle, or Config.MaxAncestors. After Apply, Process.ExecID is never
//     empty for an event with a pid.
//   - The event is authoritative for what it carries: a ppid that differs
//     from the stored one reparents the process (an event with ppid 0 gets
//     the stored one instead); a non-empty exec id that differs from the
//     stored one replaces the stored image (an exec the table missed); a
//     start time that differs from the stored one by two clock ticks or
//     more means the pid was reused, and the entry is rebuilt. Name and
//     credentials follow events of the thread-group leader only (threads
//     may carry their own comm).
//   - Ancestor entries share the table's strings and Args slices; neither
//     the table nor its callers may mutate them. Each event gets its own
//     Ancestors slice.
//   - Exited processes stay resolvable for Config.GracePeriod of event time
//     (not wall time, so a replay behaves exactly like the live run it
//     records), then disappear; sweeps that free them run at most once per
//     second of event time and cost O(entries freed). Memory is bounded: the
//     table never holds more than Config.MaxProcesses entries; when full it
//     first drops the earliest exited process (in the order their procexit
//     events came), then the least recently used live one (an event uses its
//     process and every ancestor).
//   - A replayed event carries the ancestry recorded with it; the table
//     learns every recorded ancestor it does not know (it never overwrites a
//     known one), so a replay reproduces ancestry even for processes that
//     were seeded, not seen, when the recording was made.
//   - Without a ProcRoot (replay) the table never touches the filesystem.
//     With one, a process an event names but the table does not know is read
//     from /proc once (Stats.ProcReads); when that fails too the entry is
//     built from the event alone (Stats.Misses).
//
// Concurrency: Seed, Apply and Lookup must be called from one goroutine (the
// pipeline's); the table has no locks. Len and Stats read atomic counters
// and may be called from any goroutine.
//
// The package keeps no state outside the Tables it returns.
package state
