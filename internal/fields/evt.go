package fields

import (
	"time"

	"github.com/vigil-sec/vigil/internal/event"
)

// isSyscall reports whether t is a system call (as opposed to a Falco
// pseudo-event such as procexit or drop).
func isSyscall(t event.Type) bool { return t.IsExec() || t.IsClone() || t.IsSyscall() }

// returnValue is the return value of a system call event: Falco's
// evt.rawres. Vigil reports only successful execs, and clones from the
// child's side, whose return value is 0; the other system calls carry it
// in their Syscall detail. ok is false for events without one (procexit,
// drop, a system call event that lacks its detail).
func returnValue(ev *event.Event) (res int64, ok bool) {
	switch {
	case ev == nil:
		return 0, false
	case ev.Type.IsExec() && ev.Syscall != nil:
		return ev.Syscall.Res, true // a failed exec
	case ev.Type.IsExec() || ev.Type.IsClone():
		return 0, true
	case ev.Type.IsSyscall() && ev.Syscall != nil:
		return ev.Syscall.Res, true
	}
	return 0, false
}

// openFlags returns the kernel open flags of an open, openat or openat2
// event; ok is false when it has none.
func openFlags(ev *event.Event) (flags uint64, ok bool) {
	sc := ev.Syscall
	if sc == nil {
		return 0, false
	}
	// Where the decoder puts it (Falco's order: third for open, fourth for
	// openat and openat2), before searching by name: the open rules ask
	// for the flags of every open, once per rule.
	for _, i := range [2]int{3, 2} {
		if i < len(sc.Args) && sc.Args[i].Kind == event.ArgOpenFlags && sc.Args[i].Name == "flags" {
			return uint64(sc.Args[i].Num), true
		}
	}
	if a, ok := sc.Arg("flags"); ok && a.Kind == event.ArgOpenFlags {
		return uint64(a.Num), true
	}
	return 0, false
}

// ppmOpenFlags returns the flags of an open, openat or openat2 event in
// Falco's encoding; 0 when the event has none (as Falco reads a missing
// flags parameter).
func ppmOpenFlags(ev *event.Event) uint32 {
	if k, ok := openFlags(ev); ok {
		return openFlagsToPPM(k)
	}
	return 0
}

// isOpenExec is Falco's evt.is_open_exec: an open, openat or openat2 that
// may create a file (O_CREAT or O_TMPFILE) with a mode that has an execute
// bit, or a creat whose mode has one.
func isOpenExec(ev *event.Event) bool {
	mode, ok := falcoOpenMode(ev)
	if !ok {
		return false
	}
	if ev.Type != event.TypeCreat && ppmOpenFlags(ev)&(ppmOTmpfile|ppmOCreat) == 0 {
		return false
	}
	return mode&ppmSExec != 0
}

// timeCache formats a timestamp, remembering the last one.
type timeCache struct {
	ns    int64
	s     string
	valid bool
}

func (c *timeCache) format(t time.Time, format func(time.Time) string) string {
	ns := t.UnixNano()
	if !c.valid || c.ns != ns {
		c.ns, c.s, c.valid = ns, format(t), true
	}
	return c.s
}

func (c *Catalog) addEventFields() {
	loc := c.loc
	timeStr := func(name, desc string, format func(time.Time) string) {
		var tc timeCache
		c.add(spec{name: name, kind: KindString, desc: desc, acc: Accessor{Str: func(ev *event.Event) (string, bool) {
			if ev == nil || ev.Time.IsZero() {
				return "", false
			}
			return tc.format(ev.Time, format), true
		}}})
	}
	rawTime := func(name, desc string, fn func(ns int64) uint64) {
		c.add(spec{name: name, kind: KindAbsTime, desc: desc, acc: Accessor{Uint: func(ev *event.Event) (uint64, bool) {
			if ev == nil || ev.Time.IsZero() {
				return 0, false
			}
			ns := ev.Time.UnixNano()
			if ns < 0 {
				return 0, false
			}
			return fn(ns), true
		}}})
	}
	typed := func(ev *event.Event) bool { return ev != nil && ev.Type != event.TypeUnknown }

	c.add(spec{name: "evt.num", kind: KindUint,
		desc: "The event number: the pipeline numbers every event it handles from 1, in order (Event.Seq). Never 0 for a handled event.",
		acc: Accessor{Uint: func(ev *event.Event) (uint64, bool) {
			if ev == nil || ev.Seq == 0 {
				return 0, false
			}
			return ev.Seq, true
		}}})

	timeStr("evt.time", "The event timestamp as a time of day with nanoseconds, in local time (15:04:05.000000000).",
		func(t time.Time) string { return t.In(loc).Format("15:04:05.000000000") })
	timeStr("evt.time.s", "The event timestamp as a time of day without nanoseconds, in local time (15:04:05).",
		func(t time.Time) string { return t.In(loc).Format("15:04:05") })
	timeStr("evt.time.iso8601", "The event timestamp in ISO 8601 with nanoseconds, in UTC (2006-01-02T15:04:05.000000000+0000).",
		func(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000000000-0700") })
	timeStr("evt.datetime", "The event timestamp as a date and time with nanoseconds, in local time (2006-01-02 15:04:05.000000000).",
		func(t time.Time) string { return t.In(loc).Format("2006-01-02 15:04:05.000000000") })
	timeStr("evt.datetime.s", "The event timestamp as a date and time without nanoseconds, in local time (2006-01-02 15:04:05).",
		func(t time.Time) string { return t.In(loc).Format("2006-01-02 15:04:05") })
	rawTime("evt.rawtime", "The event timestamp in nanoseconds since the epoch.",
		func(ns int64) uint64 { return uint64(ns) })
	rawTime("evt.rawtime.s", "The integer part of the event timestamp: seconds since the epoch.",
		func(ns int64) uint64 { return uint64(ns / 1e9) })
	rawTime("evt.rawtime.ns", "The fractional part of the event timestamp, in nanoseconds.",
		func(ns int64) uint64 { return uint64(ns % 1e9) })

	c.add(spec{name: "evt.source", kind: KindString, desc: "The name of the source of the event: \"syscall\" for every event Vigil produces.",
		acc: Accessor{Str: func(ev *event.Event) (string, bool) { return "syscall", typed(ev) }}})
	c.add(spec{name: "evt.is_async", kind: KindBool, desc: "'true' for asynchronous (meta) events; Vigil's events are all synchronous.",
		acc: Accessor{Bool: func(ev *event.Event) (bool, bool) { return false, typed(ev) }}})
	c.add(spec{name: "evt.asynctype", kind: KindString, desc: "The type of an asynchronous event; <NA> for every event Vigil produces.",
		acc: Accessor{Str: func(ev *event.Event) (string, bool) { return "", false }}})
	c.add(spec{name: "evt.pluginname", kind: KindString, desc: "The plugin that produced the event; <NA> (Vigil has no plugins).",
		acc: Accessor{Str: func(ev *event.Event) (string, bool) { return "", false }}})
	c.add(spec{name: "evt.plugininfo", kind: KindString, desc: "A plugin's summary of the event; <NA> (Vigil has no plugins).",
		acc: Accessor{Str: func(ev *event.Event) (string, bool) { return "", false }}})
	c.add(spec{name: "evt.hostname", kind: KindString, desc: "The name of the host the event comes from.",
		acc: Accessor{Str: func(ev *event.Event) (string, bool) {
			if ev == nil || ev.Host == "" {
				return "", false
			}
			return ev.Host, true
		}}})

	c.add(spec{name: "evt.type", kind: KindString, desc: "The name of the event: the system call (execve, clone, ...) or the pseudo-event (procexit, drop).",
		acc: Accessor{Str: func(ev *event.Event) (string, bool) {
			if !typed(ev) {
				return "", false
			}
			return ev.Type.String(), true
		}}})
	c.add(spec{name: "evt.type.is", kind: KindUint, arg: ArgKey, argRequired: true, dotted: true, falcoType: "UINT32",
		desc: "1 for events of the type given as argument (evt.type.is.execve), 0 for others.",
		bindKey: func(key string) (Accessor, error) {
			t, err := event.ParseType(key)
			if err != nil {
				return Accessor{}, &UnavailableError{Field: "evt.type.is", Arg: key, Reason: "Vigil does not capture " + key + " events yet"}
			}
			return Accessor{Uint: func(ev *event.Event) (uint64, bool) {
				if !typed(ev) {
					return 0, false
				}
				if ev.Type == t {
					return 1, true
				}
				return 0, true
			}}, nil
		}})
	c.add(spec{name: "syscall.type", kind: KindString, desc: "For system call events the name of the system call; <NA> for other events (procexit, drop).",
		acc: Accessor{Str: func(ev *event.Event) (string, bool) {
			if ev == nil || !isSyscall(ev.Type) {
				return "", false
			}
			return ev.Type.String(), true
		}}})
	c.add(spec{name: "evt.category", kind: KindString, desc: "The event category: \"process\" for exec, clone and procexit events, \"file\" for the open family, for unlink, unlinkat, mkdir, mkdirat and rmdir, for rename, renameat, renameat2, link, linkat, symlink and symlinkat, and for chmod, fchmod, fchmodat, chown, lchown, fchown and fchownat, \"internal\" for drop events.",
		acc: Accessor{Str: func(ev *event.Event) (string, bool) {
			switch {
			case ev == nil:
				return "", false
			case ev.Type.IsOpen() || ev.Type.IsPathOp() || ev.Type.IsPathPair() || ev.Type.IsAttrChange():
				return "file", true
			case isSyscall(ev.Type) || ev.Type == event.TypeProcExit:
				return "process", true
			case ev.Type == event.TypeDrop:
				return "internal", true
			}
			return "", false
		}}})
	c.add(spec{name: "evt.dir", kind: KindString,
		desc: "The event direction: '<' for exit events (every system call event Vigil produces), '>' for enter events (Falco's procexit and drop events are enter events).",
		acc: Accessor{Str: func(ev *event.Event) (string, bool) {
			switch {
			case !typed(ev):
				return "", false
			case isSyscall(ev.Type):
				return "<", true
			}
			return ">", true
		}}})

	c.add(spec{name: "evt.args", kind: KindString,
		desc: "All the event arguments Vigil has, as name=value separated by spaces, a resolved value in parentheses (sig=9(SIGKILL)). Falco's events carry more arguments than Vigil's; see evt.arg.",
		acc:  evtArgsAccessor()})
	c.add(spec{name: "evt.info", kind: KindString, desc: "The same as evt.args.",
		acc: evtArgsAccessor()})
	c.add(spec{name: "evt.arg", kind: KindString, arg: ArgKey, argRequired: true, dotted: true,
		desc: "One event argument by name (evt.arg.flags) or by position (evt.arg[0]), rendered as Falco renders it: " +
			"execve/execveat: res, exe (argv[0]), args (argv[1:], NUL-separated, shown as '.'), tid, pid, ptid, cwd, comm, tty, loginuid, flags (EXE_UPPER_LAYER, EXE_FROM_MEMFD; EXE_WRITABLE and EXE_LOWER_LAYER are not captured yet), uid (euid), trusted_exepath, gid (egid), and filename for execve; " +
			"clone/clone3/fork/vfork (the child's view): res (0), exe, args, tid, pid, ptid, cwd, comm, flags (CLONE_* names), uid, gid; " +
			"procexit: status, ret, sig, core; " +
			"open: fd, name, flags, mode, dev, ino; openat: fd, dirfd, name, flags, mode, dev, ino; openat2: fd, dirfd, name, flags, mode, resolve, dev, ino; creat: fd, name, mode, dev, ino (creat_flags, overlayfs layer bits, is not captured yet); " +
			"unlink: res, path; unlinkat: res, dirfd, name, flags; mkdir: res, path, mode; mkdirat: res, dirfd, path, mode; rmdir: res, path; " +
			"rename and link: res, oldpath, newpath; renameat: res, olddirfd, oldpath, newdirfd, newpath; renameat2: the same and flags; linkat: res, olddir, oldpath, newdir, newpath, flags; symlink: res, target, linkpath; symlinkat: res, target, linkdirfd, linkpath. " +
			"fd renders as <f>/path (the descriptor's fd.typechar and fd.name), or as the name of the error of a failed call (ENOENT); dirfd as AT_FDCWD, or as the number (Falco adds <d>/path from its descriptor table, which Vigil does not keep) — evt.arg.dirfd is accepted in rules restricted to event types whose dirfd Vigil captures (evt.type=openat), refused otherwise (the dirfd of execveat is not captured); " +
			"name as passed, or fd.name when it is relative; flags as Falco's O_* names joined by | in Falco's order (O_TRUNC|O_CREAT|O_WRONLY; kernel flags Falco has no name for, such as O_NOFOLLOW and O_PATH, are not shown; O_F_CREATED is not captured and never shown); " +
			"mode in octal (0644; 0 unless O_CREAT or O_TMPFILE, as Falco records it); resolve as RESOLVE_* names; dev in hexadecimal (801); ino in decimal; " +
			"for unlink, unlinkat, mkdir, mkdirat and rmdir: res as 0, or as the name of the error (ENOENT); path and name as the absolute path (the sensor resolves a relative one against the working directory or dirfd directory, as Falco displays them); flags (unlinkat) as AT_REMOVEDIR, or 0; mode (mkdir, mkdirat) in hexadecimal, as Falco prints it (1ED for 0755), as the caller passed it; " +
			"for rename, link and symlink and their *at forms: res likewise; olddirfd, newdirfd, olddir, newdir and linkdirfd as dirfd; oldpath, newpath and linkpath as the absolute path; target (symlink, symlinkat) as the caller wrote it, never resolved (the content of the link); flags as RENAME_NOREPLACE|RENAME_EXCHANGE|RENAME_WHITEOUT (renameat2) or AT_SYMLINK_FOLLOW|AT_EMPTY_PATH (linkat), or 0. " +
			"socket .. prctl: the parameters of Falco's exit events (docs/dev/issue4-contract.md), rendered as Falco does: domain as AF_INET, AF_PACKET...; type as SOCK_STREAM|SOCK_CLOEXEC; request as PTRACE_ATTACH...; sig as SIGKILL...; flags of unshare and nstype of setns as CLONE_*; mount flags as RDONLY|NOSUID|BIND... (Falco's names, without MS_); umount2 flags as FORCE|DETACH...; prot as PROT_*; mmap flags as MAP_*; memfd_create flags as MFD_*; option as PR_*; cmd as BPF_*; capability sets as CAP_CHOWN CAP_KILL...; addresses in hexadecimal (7FFD1000); uids and gids in decimal (-1 for (u32)-1); tuple and addr as the sensor renders them; res as the number or the error name. A failed execve/execveat has res as the error name. " +
			"An argument Falco has but Vigil does not capture yet is refused when the rule is loaded, unless the rule's condition restricts it to event types that have it.",
		bindKey: bindEvtArg})
	c.add(spec{name: "evt.rawarg", kind: KindString, arg: ArgKey, argRequired: true, dotted: true, falcoType: "DYNAMIC",
		desc:    "One event argument by name (evt.rawarg.flags), with its raw type: a number for fd, dirfd, olddirfd, newdirfd, olddir, newdir and linkdirfd (-100 for AT_FDCWD), flags, mode, resolve, dev and ino, text for name, path, oldpath, newpath, linkpath and target. Numbers are Falco's encodings: flags as PPM_O_* (O_RDONLY 1, O_WRONLY 2, O_CREAT 4, ...; clone and exec events: PPM_CL_* and PPM_EXE_*), mode and resolve as PPM_S_* and PPM_RESOLVE_* (unlinkat flags: 512 for AT_REMOVEDIR; mkdir and mkdirat mode: the caller's mode bits; renameat2 flags: RENAME_NOREPLACE 1, RENAME_EXCHANGE 2, RENAME_WHITEOUT 4; linkat flags: AT_SYMLINK_FOLLOW 1024, AT_EMPTY_PATH 4096). Vigil has the arguments of the open family, of unlink, unlinkat, mkdir, mkdirat and rmdir, of rename, renameat, renameat2, link, linkat, symlink and symlinkat (but res: use evt.rawres), and flags; other arguments are refused when the rule is loaded (use evt.arg).",
		bindKey: bindRawArg})
	c.fields["evt.arg"].BindFor = bindEvtArgFor
	c.fields["evt.rawarg"].BindFor = bindRawArgFor

	var resNum numCache
	c.add(spec{name: "evt.res", kind: KindString,
		desc: "The return value as a string: \"SUCCESS\", or the name of the error, such as ENOENT (the number, as in -530, for an error Falco does not name). Vigil reports successful execs and the child's side of clones, which are always SUCCESS; <NA> for procexit and drop.",
		acc: Accessor{Str: func(ev *event.Event) (string, bool) {
			res, ok := returnValue(ev)
			switch {
			case !ok:
				return "", false
			case res >= 0:
				return "SUCCESS", true
			}
			if name := errnoName(res); name != "" {
				return name, true
			}
			return resNum.itoa(res), true
		}}})
	c.add(spec{name: "evt.rawres", kind: KindInt,
		desc: "The return value as a number: for the open family the new file descriptor, or -errno (-2 for ENOENT); for unlink, unlinkat, mkdir, mkdirat and rmdir 0 or -errno; 0 for successful execs and clones seen from the child; <NA> for procexit and drop.",
		acc:  Accessor{Int: returnValue}})
	c.add(spec{name: "evt.failed", kind: KindBool, desc: "'true' for events that returned an error; <NA> for events without a return value.",
		acc: Accessor{Bool: func(ev *event.Event) (bool, bool) {
			res, ok := returnValue(ev)
			return res < 0, ok
		}}})
	c.add(spec{name: "evt.count", kind: KindUint, falcoType: "UINT32", desc: "Always 1.",
		acc: Accessor{Uint: func(ev *event.Event) (uint64, bool) { return 1, ev != nil }}})
	c.add(spec{name: "evt.count.error", kind: KindUint, falcoType: "UINT32", desc: "1 for events that returned an error, 0 for others; <NA> for events without a return value.",
		acc: Accessor{Uint: func(ev *event.Event) (uint64, bool) {
			res, ok := returnValue(ev)
			if res < 0 {
				return 1, ok
			}
			return 0, ok
		}}})
	c.add(spec{name: "evt.count.exit", kind: KindUint, falcoType: "UINT32", desc: "1 for exit events; <NA> for enter events (procexit, drop).",
		acc: Accessor{Uint: func(ev *event.Event) (uint64, bool) { return 1, ev != nil && isSyscall(ev.Type) }}})

	// The open family (Falco's TYPE_ISOPEN_* in sinsp_filtercheck_event.cpp):
	// defined, and false, for every other event.
	openBool := func(name, desc string, fn func(ev *event.Event) bool) {
		c.add(spec{name: name, kind: KindBool, desc: desc, acc: Accessor{Bool: func(ev *event.Event) (bool, bool) {
			if !typed(ev) {
				return false, false
			}
			return fn(ev), true
		}}})
	}
	openAt := func(t event.Type) bool { return t == event.TypeOpen || t == event.TypeOpenat || t == event.TypeOpenat2 }
	openBool("evt.is_open_read", "'true' for open, openat and openat2 events that opened the path for reading (O_RDONLY or O_RDWR, whether or not the call succeeded); 'false' for every other event, creat included (as in Falco, which reads the flags of open calls only).",
		func(ev *event.Event) bool { return openAt(ev.Type) && ppmOpenFlags(ev)&ppmORdonly != 0 })
	openBool("evt.is_open_write", "'true' for open, openat and openat2 events that opened the path for writing (O_WRONLY or O_RDWR, whether or not the call succeeded); 'false' for every other event, creat included (as in Falco).",
		func(ev *event.Event) bool { return openAt(ev.Type) && ppmOpenFlags(ev)&ppmOWronly != 0 })
	openBool("evt.is_open_exec", "'true' for open, openat and openat2 events with O_CREAT or O_TMPFILE (which, as in Falco, an O_DIRECTORY open also counts as), and for creat events, whose mode argument has an execute bit: a file created executable. 'false' for every other event.",
		func(ev *event.Event) bool { return ev.Type.IsOpen() && isOpenExec(ev) })
}
