// Package fields is Vigil's field catalog: every field a Falco rule may
// name in a condition or an output (proc.name, evt.type, user.uid, fd.name,
// ...), with its type, its meaning, and an accessor that reads it from an
// event.
//
// Contract:
//
//   - Names, types and meanings are Falco's (libsinsp's filter checks).
//     Where Vigil's data differs from what Falco has, the field's Desc says
//     so; docs/fields.md lists every field and is generated from the
//     catalog (go test ./internal/fields -run TestFieldsDoc -update).
//   - Every field Falco documents for the evt, process/thread, user, group,
//     fd, fs.path, fdlist, container and k8s classes is known to Lookup. A
//     field Vigil cannot produce yet has Available false, no Bind, and an
//     Unavailable reason, so a rule using it is refused by name instead of
//     evaluating to false. Bind returns an *UnavailableError for an
//     argument Vigil cannot produce yet (evt.arg.request), and a plain
//     error for a malformed one (proc.aname[x]).
//   - Accessors report ok=false exactly where Falco prints <NA>. They never
//     panic, whatever the event: nil, zero, a nil Exec, empty Args, fewer
//     ancestors than an index.
//   - Scalar accessors do not allocate. Accessors that build a string
//     (proc.cmdline, proc.args, evt.args, ...) keep a small cache per bound
//     accessor, keyed by the identity of their inputs, so evaluating the
//     same event again does not allocate either.
//   - Ancestor fields without an index (proc.aname, proc.aexe,
//     proc.aexepath, proc.acmdline, proc.aargs, proc.apid) have Kind
//     KindStrings: the values of every ancestor, parent first, the process
//     itself excluded, which Falco's comparisons test for any match. With an
//     index they yield one value (Field.KindFor tells which kind) and their
//     accessor sets both the scalar function and Strs. evt.rawarg too has
//     the kind of its argument (a number for evt.rawarg.flags).
//   - File descriptor fields (fd.*) and the open family's arguments read the
//     event's Syscall detail, mirroring libsinsp for a call that failed and
//     created no descriptor (fd.num -1, fd.type <NA>, ...). Kernel values
//     (open flags, modes, resolve flags) are converted to Falco's encodings
//     and names as Falco's driver and libsinsp do (openflags.go).
//
// Concurrency: a Catalog and every accessor bound from it are used from one
// goroutine at a time (they share caches and the evt.num counter); build
// one Catalog per goroutine. The package keeps no state outside the
// Catalogs it returns.
package fields
