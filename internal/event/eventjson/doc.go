// Package eventjson is Vigil's JSON form of an event.Event: the line format
// that `vigil run --events` writes and `vigil replay` reads back. The schema
// is documented for users in docs/events.md.
//
// Contract:
//
//   - Append and Encoder write one JSON object per event, with the fields in
//     a fixed order and every field present (empty lists as [], never null),
//     except the type-specific object ("exec", "clone", "exit", "drop", "enforcement" or
//     "syscall"), which appears exactly for its event types and is written
//     with zero values when the event lacks it. Details that do not match
//     the event's type are not written. Inside "syscall", "fd" is null when
//     the detail has no descriptor. An exec event also carries "syscall",
//     after "exec", when it has a Syscall detail (a failed exec).
//   - Fields added after the first version of the schema are written only
//     when set, so that events without them keep their original form:
//     process "exe_ino", "exe_ctime", "exe_mtime" (after "exe_deleted"),
//     "cap_effective", "cap_permitted", "cap_inheritable" (unsigned
//     integers, the kernel_cap_t bit masks), then "mnt_ns", "pid_ns",
//     "vpid", "vtid" (unsigned integers), "cgroup_path", "cgroup_v1_path"
//     and "container_id" (strings), each only when non-zero or non-empty;
//     the top-level "container" object, after "process", present exactly
//     when Event.Container is set, with every member always written: "id",
//     "runtime", "name", "image", "image_repository", "image_tag",
//     "image_digest" (strings), "labels" (an object with its keys sorted,
//     {} when none), "privileged", "mounts" (a list of {"source", "dest",
//     "type", "options" (a list of strings), "read_write",
//     "propagation"}), "created" (a time), "pod" (null or {"name",
//     "namespace", "uid", "labels"}) and "metadata_known"; and "socket" at the end of
//     "fd", present exactly when FD.Sock is set. Inside "socket", "family",
//     "type", "proto" (the kernel's numbers), "connected" and
//     "name_changed" are always written, "local" and "remote"
//     ({"ip","port"}, the address in netip's text form) only when valid,
//     "role" ("client" or "server") only when known, "path" only when set.
//   - A system call argument is {"name","kind","value"}: kind is the JSON
//     name of the event.ArgKind (int, uint, fd, path, string, open_flags,
//     mode, resolve, errno, sock_family, sock_type, sock_addr, tuple,
//     ptrace_req, signal, clone_flags, mount_flags, umount_flags, prot,
//     mmap_flags, prctl_option, bpf_cmd, cap_set, hex, memfd_flags,
//     module_flags, uid, gid, flags); value is a JSON string for path,
//     string, sock_addr and tuple (Str), a signed integer for int, fd,
//     errno, signal, uid and gid (Num), and the unsigned integer of Num's
//     bits for the others. An argument of a kind without a name is written
//     with kind "kind(N)", and a socket role without a name as "role(N)",
//     which Decode rejects; a descriptor type without a name as "unknown".
//   - The encoder is hand-written and allocation-free: Append allocates only
//     to grow dst (plus, for a drop event with more than 32 lost kinds, one
//     slice to sort the keys, and for a Type that is not a known one, its
//     name, which Decode then rejects). System call details included.
//   - Strings are escaped exactly as encoding/json's Encoder does with
//     SetEscapeHTML(false): '"' and '\\' are backslash-escaped; \b \f \n \r \t
//     use their short escapes; other bytes below 0x20 become \u00XX; U+2028
//     and U+2029 become \u2028 and \u2029; every byte that is not part of
//     valid UTF-8 becomes \ufffd. '<', '>' and '&' are written as they are,
//     so command lines stay readable.
//   - Times are RFC 3339 with nanoseconds, in UTC ("Z"). The zero time is
//     written as "0001-01-01T00:00:00Z" and decodes back to time.Time{}.
//     Times outside the years 0000-9999 cannot be represented: the encoder
//     writes them as time.Format does and Decode rejects them.
//   - loginuid is -1 for event.NoLoginUID.
//   - Decode accepts what Append writes and round-trips every field of an
//     event exactly, given that its strings are valid UTF-8, its times are
//     in UTC without a monotonic reading (Container.Created included), its
//     container's empty label maps, mount lists and mount option lists are
//     nil, its type-specific detail matches
//     its type, its empty slices and maps are nil (Decode returns nil for an
//     empty "args", "ancestors" or "lost"), its arguments hold Str only for
//     the string kinds and Num only for the others, their kinds,
//     descriptor types and socket roles are named ones, and its socket
//     endpoints are either valid or the zero netip.AddrPort.
//   - Decode rejects, with an error naming the field (a *FieldError, e.g.
//     "process.uid: ..."): invalid JSON; a missing or unparsable "time";
//     a missing or unknown "type"; a missing "process" or "process.pid" (or
//     an ancestor's "pid"); a value of the wrong JSON type; a number that is
//     not an integer or is out of range for its field; a type-specific
//     object that does not belong to the event's type; a drop "total" that
//     is not the sum of "lost"; a system call argument without a kind, of an
//     unknown kind, or whose value does not fit its kind
//     ("syscall.args[2].kind: unknown argument kind ..."); an unknown
//     descriptor type, or a "typechar" that is not its type's; a socket
//     number out of the uint16 range, an endpoint without "ip" or with one
//     netip.ParseAddr rejects, a port above 65535, an unknown "role"
//     ("syscall.fd.socket.remote.ip: ParseAddr(...)"); a "container" that
//     is not an object, a member of it of the wrong JSON type
//     ("container.mounts.options: ..."), an unparsable "created".
//   - Decode is lenient where that keeps old readers working with newer
//     writers: unknown keys are ignored, other missing fields take their
//     zero value (loginuid: event.NoLoginUID; a missing type-specific object
//     for the event's type: a zero detail, except an exec's "syscall": no
//     Syscall; a missing "fd": no descriptor; a missing "socket": no
//     Socket; a missing endpoint: the zero netip.AddrPort, a missing
//     "port": 0; a missing "role" or "unknown": event.RoleUnknown; a
//     missing descriptor "type": unknown; a missing argument "name" or
//     "value": "" or 0; a missing or null "container": no Container; a
//     missing "created": the zero time; a missing "pod": no Pod), null
//     counts as missing, and, as
//     with encoding/json, keys are matched case-insensitively.
//
// There is no package-level state; an Encoder is not safe for concurrent use.
package eventjson
