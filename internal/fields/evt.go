package fields

import (
	"time"

	"github.com/vigil-sec/vigil/internal/event"
)

// isSyscall reports whether t is a system call (as opposed to a Falco
// pseudo-event such as procexit or drop).
func isSyscall(t event.Type) bool { return t.IsExec() || t.IsClone() }

// hasReturnValue reports whether events of type t carry a return value:
// the exit events of system calls. Vigil reports only successful execs,
// and clones from the child's side, whose return value is 0.
func hasReturnValue(ev *event.Event) bool { return ev != nil && isSyscall(ev.Type) }

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

	seq := &c.seq
	c.add(spec{name: "evt.num", kind: KindUint,
		desc: "The event number: 1 for the first event the catalog reads a field of, then increasing by one for each further event. Never 0. (Falco numbers every event it reads; Vigil's events carry no number yet.)",
		acc: Accessor{Uint: func(ev *event.Event) (uint64, bool) {
			if ev == nil {
				return 0, false
			}
			return seq.num(ev), true
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
	c.add(spec{name: "evt.category", kind: KindString, desc: "The event category: \"process\" for exec, clone and procexit events, \"internal\" for drop events.",
		acc: Accessor{Str: func(ev *event.Event) (string, bool) {
			switch {
			case ev == nil:
				return "", false
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
			"procexit: status, ret, sig, core. An argument Falco has but Vigil does not capture yet is refused when the rule is loaded.",
		bindKey: bindEvtArg})

	c.add(spec{name: "evt.res", kind: KindString,
		desc: "The return value as a string: \"SUCCESS\", or an error code such as ENOENT. Vigil reports successful execs and the child's side of clones, so it is always SUCCESS; <NA> for procexit and drop.",
		acc: Accessor{Str: func(ev *event.Event) (string, bool) {
			if !hasReturnValue(ev) {
				return "", false
			}
			return "SUCCESS", true
		}}})
	c.add(spec{name: "evt.rawres", kind: KindInt,
		desc: "The return value as a number: 0 for the events Vigil reports (successful execs, clones seen from the child); <NA> for procexit and drop.",
		acc: Accessor{Int: func(ev *event.Event) (int64, bool) {
			if !hasReturnValue(ev) {
				return 0, false
			}
			return 0, true
		}}})
	c.add(spec{name: "evt.failed", kind: KindBool, desc: "'true' for events that returned an error; <NA> for events without a return value.",
		acc: Accessor{Bool: func(ev *event.Event) (bool, bool) { return false, hasReturnValue(ev) }}})
	c.add(spec{name: "evt.count", kind: KindUint, falcoType: "UINT32", desc: "Always 1.",
		acc: Accessor{Uint: func(ev *event.Event) (uint64, bool) { return 1, ev != nil }}})
	c.add(spec{name: "evt.count.error", kind: KindUint, falcoType: "UINT32", desc: "1 for events that returned an error, 0 for others; <NA> for events without a return value.",
		acc: Accessor{Uint: func(ev *event.Event) (uint64, bool) { return 0, hasReturnValue(ev) }}})
	c.add(spec{name: "evt.count.exit", kind: KindUint, falcoType: "UINT32", desc: "1 for exit events; <NA> for enter events (procexit, drop).",
		acc: Accessor{Uint: func(ev *event.Event) (uint64, bool) { return 1, ev != nil && isSyscall(ev.Type) }}})
}
