// Package users resolves numeric user and group ids to names, home
// directories and shells, from the passwd and group files of the host
// (/etc/passwd and /etc/group by default).
//
// Contract:
//
//   - New never fails and never touches the filesystem; files are read on
//     the first lookup. A missing or unreadable file means "no names" for
//     its kind: lookups report not-found, without errors or log lines, and
//     the file is picked up once it appears.
//   - The files are re-read when their modification time, size or inode
//     changes. The check runs lazily, inside a lookup, at most once per
//     second; there are no goroutines and no watches.
//   - Malformed lines are skipped and counted (Stats), never fatal. Blank
//     lines and '#' comments are ignored. When an id appears on several
//     lines the first one wins, as getpwuid(3) and getgrgid(3) do.
//   - Lookups do not allocate.
//
// Concurrency: a DB is used from one goroutine (the pipeline's); it has no
// locks. The package keeps no state outside the DBs it returns.
//
// The database is the host's: a process in a container whose image has
// its own /etc/passwd is resolved with the host's names, which may differ.
package users
