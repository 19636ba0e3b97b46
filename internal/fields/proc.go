package fields

import (
	"strconv"
	"strings"
	"time"

	"github.com/vigil-sec/vigil/internal/event"
)

// process returns the event's process, nil when the event is not about a
// process (a drop event, a zero event): Falco's "no thread info".
func process(ev *event.Event) *event.Process {
	if ev == nil || ev.Process.PID == 0 {
		return nil
	}
	return &ev.Process
}

// level returns the identity of the process n levels up the ancestry:
// 0 is the process itself, 1 its parent, 2 its grandparent.
func level(ev *event.Event, n int) (pid uint32, name, exe string, args []string, ok bool) {
	p := process(ev)
	switch {
	case p == nil || n < 0:
		return 0, "", "", nil, false
	case n == 0:
		return p.PID, p.Name, p.Exe, p.Args, true
	case n-1 < len(ev.Ancestors):
		a := &ev.Ancestors[n-1]
		return a.PID, a.Name, a.Exe, a.Args, true
	}
	return 0, "", "", nil, false
}

// argv0 is Falco's proc.exe: the first command-line argument.
func argv0(args []string) string {
	if len(args) == 0 {
		return ""
	}
	return args[0]
}

// lineKind selects how a command line is assembled from argv.
type lineKind uint8

const (
	lineCmd  lineKind = iota // name + " " + argv[1] + " " + ... (proc.cmdline)
	lineArgs                 // argv[1] + " " + argv[2] + ... (proc.args)
	lineExe                  // argv[0] + " " + argv[1] + " " + ... (proc.exeline)
)

// lineCache remembers the last command line it built, keyed by the
// identity of the argv slice (argv slices are shared and never modified
// once published, see package event) and the name.
type lineCache struct {
	args0 *string
	n     int
	head  string
	out   string
	valid bool
}

func (c *lineCache) line(kind lineKind, name string, args []string) string {
	switch kind {
	case lineCmd:
		if len(args) <= 1 {
			return name
		}
	case lineArgs:
		switch len(args) {
		case 0, 1:
			return ""
		case 2:
			return args[1]
		}
		name = ""
	case lineExe:
		if len(args) == 0 {
			return " "
		}
		name = ""
	}
	if c.valid && c.n == len(args) && c.args0 == &args[0] && c.head == name {
		return c.out
	}
	var b strings.Builder
	n := len(name) + 1
	for _, a := range args {
		n += len(a) + 1
	}
	b.Grow(n)
	switch kind {
	case lineCmd:
		b.WriteString(name)
		for _, a := range args[1:] {
			b.WriteByte(' ')
			b.WriteString(a)
		}
	case lineArgs:
		for i, a := range args[1:] {
			if i > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(a)
		}
	case lineExe:
		b.WriteString(args[0])
		b.WriteByte(' ')
		for i, a := range args[1:] {
			if i > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(a)
		}
	}
	c.args0, c.n, c.head, c.out, c.valid = &args[0], len(args), name, b.String(), true
	return c.out
}

// numCache formats integers, remembering the last one.
type numCache struct {
	v     int64
	s     string
	valid bool
}

func (c *numCache) itoa(v int64) string {
	if c.valid && c.v == v {
		return c.s
	}
	c.v, c.s, c.valid = v, strconv.FormatInt(v, 10), true
	return c.s
}

// ancestorPart extracts one value of an ancestor for the ancestor fields.
type ancestorPart uint8

const (
	partName ancestorPart = iota
	partExe
	partExePath
	partCmdline
	partArgs
	partPID
)

// ancestorField builds the accessor of proc.aname and its siblings: with
// an index, the value at that level (0 is the process itself); without,
// the values of every ancestor (the process excluded).
func ancestorField(part ancestorPart) func(idx int, has bool) Accessor {
	return func(idx int, has bool) Accessor {
		if has {
			var lc lineCache
			var nc numCache
			one := func(ev *event.Event) (string, bool) {
				pid, name, exe, args, ok := level(ev, idx)
				if !ok {
					return "", false
				}
				switch part {
				case partName:
					return name, true
				case partExe:
					return argv0(args), true
				case partExePath:
					return exe, true
				case partCmdline:
					return lc.line(lineCmd, name, args), true
				case partArgs:
					return lc.line(lineArgs, name, args), true
				default:
					return nc.itoa(int64(pid)), true
				}
			}
			acc := Accessor{Strs: func(ev *event.Event, dst []string) ([]string, bool) {
				v, ok := one(ev)
				if !ok {
					return dst[:0], false
				}
				return append(dst[:0], v), true
			}}
			if part == partPID {
				acc.Uint = func(ev *event.Event) (uint64, bool) {
					pid, _, _, _, ok := level(ev, idx)
					return uint64(pid), ok
				}
			} else {
				acc.Str = one
			}
			return acc
		}
		var lcs []lineCache
		var ncs []numCache
		return Accessor{Strs: func(ev *event.Event, dst []string) ([]string, bool) {
			dst = dst[:0]
			if process(ev) == nil {
				return dst, false
			}
			for i := range ev.Ancestors {
				a := &ev.Ancestors[i]
				switch part {
				case partName:
					dst = append(dst, a.Name)
				case partExe:
					dst = append(dst, argv0(a.Args))
				case partExePath:
					dst = append(dst, a.Exe)
				case partCmdline, partArgs:
					if i >= len(lcs) {
						lcs = append(lcs, make([]lineCache, i+1-len(lcs))...)
					}
					kind := lineCmd
					if part == partArgs {
						kind = lineArgs
					}
					dst = append(dst, lcs[i].line(kind, a.Name, a.Args))
				default:
					if i >= len(ncs) {
						ncs = append(ncs, make([]numCache, i+1-len(ncs))...)
					}
					dst = append(dst, ncs[i].itoa(int64(a.PID)))
				}
			}
			return dst, true
		}}
	}
}

// sessionLeader finds the leader of the process's session: the process
// itself or the ancestor whose pid is the session id.
func sessionLeader(ev *event.Event) (name string, args []string, exe string, ok bool) {
	p := process(ev)
	if p == nil || p.SID == 0 {
		return "", nil, "", false
	}
	if p.SID == p.PID {
		return p.Name, p.Args, p.Exe, true
	}
	for i := range ev.Ancestors {
		if a := &ev.Ancestors[i]; a.PID == p.SID {
			return a.Name, a.Args, a.Exe, true
		}
	}
	return "", nil, "", false
}

func (c *Catalog) addProcessFields() {
	procStr := func(name, desc string, fn func(p *event.Process) string) {
		c.add(spec{name: name, kind: KindString, desc: desc, acc: Accessor{Str: func(ev *event.Event) (string, bool) {
			p := process(ev)
			if p == nil {
				return "", false
			}
			return fn(p), true
		}}})
	}
	procUint := func(name, desc string, fn func(p *event.Process) uint64) {
		c.add(spec{name: name, kind: KindUint, desc: desc, acc: Accessor{Uint: func(ev *event.Event) (uint64, bool) {
			p := process(ev)
			if p == nil {
				return 0, false
			}
			return fn(p), true
		}}})
	}
	procBool := func(name, desc string, fn func(p *event.Process) bool) {
		c.add(spec{name: name, kind: KindBool, desc: desc, acc: Accessor{Bool: func(ev *event.Event) (bool, bool) {
			p := process(ev)
			if p == nil {
				return false, false
			}
			return fn(p), true
		}}})
	}
	// Fields of the parent (Falco looks the parent up by ppid; Vigil's
	// process table puts it first among the ancestors).
	parentStr := func(name, desc string, fn func(a *event.Ancestor) string) {
		c.add(spec{name: name, kind: KindString, desc: desc, acc: Accessor{Str: func(ev *event.Event) (string, bool) {
			if process(ev) == nil || len(ev.Ancestors) == 0 {
				return "", false
			}
			return fn(&ev.Ancestors[0]), true
		}}})
	}

	procStr("proc.name", "The process name (task->comm, at most 15 characters) of the process generating the event.",
		func(p *event.Process) string { return p.Name })
	procStr("proc.exe", "The first command-line argument (argv[0]), usually the executable name but any string the caller chose; empty when argv is empty.",
		func(p *event.Process) string { return argv0(p.Args) })
	procStr("proc.exepath", "The full path of the executable file, resolved by the kernel (symlinks resolved).",
		func(p *event.Process) string { return p.Exe })
	procStr("proc.cwd", "The current working directory of the process.",
		func(p *event.Process) string { return p.Cwd })

	c.add(spec{name: "proc.cmdline", kind: KindString,
		desc: "proc.name followed by the arguments (argv[1:]), separated by spaces. Vigil does not cut it at 4096 bytes; argv itself may be truncated by the capture limit.",
		acc:  cmdlineAccessor(lineCmd)})
	c.add(spec{name: "proc.exeline", kind: KindString,
		desc: "proc.exe followed by a space and the arguments (argv[1:]) separated by spaces.",
		acc:  cmdlineAccessor(lineExe)})
	c.add(spec{name: "proc.args", kind: KindString, arg: ArgIndex,
		desc: "The command-line arguments without argv[0], separated by spaces; proc.args[N] is the single argument argv[N+1].",
		bindIdx: func(idx int, has bool) Accessor {
			if !has {
				return cmdlineAccessor(lineArgs)
			}
			return Accessor{Str: func(ev *event.Event) (string, bool) {
				p := process(ev)
				if p == nil || idx+1 >= len(p.Args) {
					return "", false
				}
				return p.Args[idx+1], true
			}}
		}})
	procUint("proc.cmdnargs", "The number of command-line arguments, argv[0] excluded.",
		func(p *event.Process) uint64 {
			if len(p.Args) == 0 {
				return 0
			}
			return uint64(len(p.Args) - 1)
		})
	procUint("proc.cmdlenargs", "The total length in bytes of the command-line arguments (argv[0] excluded), without separators.",
		func(p *event.Process) uint64 {
			n := 0
			for i := 1; i < len(p.Args); i++ {
				n += len(p.Args[i])
			}
			return uint64(n)
		})

	procUint("proc.pid", "The id of the process (thread group) generating the event.",
		func(p *event.Process) uint64 { return uint64(p.PID) })
	procUint("proc.ppid", "The pid of the parent of the process generating the event (0 when the parent is not known).",
		func(p *event.Process) uint64 { return uint64(p.PPID) })
	procUint("proc.sid", "The session id of the process, in the initial pid namespace.",
		func(p *event.Process) uint64 { return uint64(p.SID) })
	procUint("proc.tty", "The controlling terminal of the process as a device number (new_encode_dev); 0 for processes without a terminal.",
		func(p *event.Process) uint64 { return uint64(p.TTY) })
	procBool("proc.is_sid_leader", "'true' if the process is the leader of its session (proc.sid == proc.pid; Falco compares with the pid in the process's namespace).",
		func(p *event.Process) bool { return p.SID == p.PID })
	procBool("proc.is_exe_upper_layer", "'true' if the executable file is on the upper (writable) layer of an overlayfs: in a container, created or modified after the container started.",
		func(p *event.Process) bool { return p.ExeUpperLayer })
	procBool("proc.is_exe_from_memfd", "'true' if the executable file is an anonymous memfd (memfd_create) executed through its file descriptor: a program with no file on disk.",
		func(p *event.Process) bool { return p.ExeFromMemfd })
	// Vigil's own: Falco has no field for it.
	procBool("proc.is_exe_deleted", "(Vigil) 'true' if the executable file had been unlinked when the program was executed (run from a deleted file, e.g. through /proc/self/fd).",
		func(p *event.Process) bool { return p.ExeDeleted })

	c.add(spec{name: "thread.tid", kind: KindUint, desc: "The id of the thread generating the event.",
		acc: Accessor{Uint: func(ev *event.Event) (uint64, bool) {
			if ev == nil || ev.Process.TID == 0 {
				return 0, false
			}
			return uint64(ev.Process.TID), true
		}}})
	procBool("thread.ismain", "'true' if the thread generating the event is the main thread of its process (tid == pid).",
		func(p *event.Process) bool { return p.TID == p.PID })

	parentStr("proc.pname", "The proc.name of the parent process.",
		func(a *event.Ancestor) string { return a.Name })
	parentStr("proc.pexe", "The proc.exe (argv[0]) of the parent process.",
		func(a *event.Ancestor) string { return argv0(a.Args) })
	parentStr("proc.pexepath", "The proc.exepath of the parent process.",
		func(a *event.Ancestor) string { return a.Exe })
	var plc lineCache
	c.add(spec{name: "proc.pcmdline", kind: KindString, desc: "The proc.cmdline of the parent process.",
		acc: Accessor{Str: func(ev *event.Event) (string, bool) {
			if process(ev) == nil || len(ev.Ancestors) == 0 {
				return "", false
			}
			a := &ev.Ancestors[0]
			return plc.line(lineCmd, a.Name, a.Args), true
		}}})

	ancestorDesc := func(what, example string) string {
		return what + " of an ancestor: [0] is the process itself, [1] its parent, [2] its grandparent, and so on; <NA> beyond the known ancestry. " +
			"Without an index (filters only) the values of all the ancestors, the process excluded, any of which may match: " + example + "."
	}
	c.add(spec{name: "proc.aname", kind: KindStrings, arg: ArgIndex,
		desc:    ancestorDesc("The proc.name", "proc.aname=bash matches when any ancestor is named bash"),
		bindIdx: ancestorField(partName)})
	c.add(spec{name: "proc.aexe", kind: KindStrings, arg: ArgIndex,
		desc:    ancestorDesc("The proc.exe (argv[0])", "proc.aexe endswith java"),
		bindIdx: ancestorField(partExe)})
	c.add(spec{name: "proc.aexepath", kind: KindStrings, arg: ArgIndex,
		desc:    ancestorDesc("The proc.exepath", "proc.aexepath endswith java"),
		bindIdx: ancestorField(partExePath)})
	c.add(spec{name: "proc.acmdline", kind: KindStrings, arg: ArgIndex,
		desc:    ancestorDesc("The proc.cmdline", "proc.acmdline contains base64"),
		bindIdx: ancestorField(partCmdline)})
	c.add(spec{name: "proc.aargs", kind: KindStrings, arg: ArgIndex,
		desc:    ancestorDesc("The proc.args", "proc.aargs contains base64"),
		bindIdx: ancestorField(partArgs)})
	c.add(spec{name: "proc.apid", kind: KindStrings, arg: ArgIndex,
		desc:    ancestorDesc("The pid", "proc.apid=1337; without an index the pids are decimal strings"),
		bindIdx: ancestorField(partPID)})

	c.add(spec{name: "proc.sname", kind: KindString,
		desc: "The proc.name of the session leader: the process itself or the ancestor whose pid is proc.sid. <NA> when the leader is not among the known ancestors (Falco also looks at processes outside the ancestry).",
		acc: Accessor{Str: func(ev *event.Event) (string, bool) {
			name, _, _, ok := sessionLeader(ev)
			return name, ok
		}}})
	c.add(spec{name: "proc.sid.exe", kind: KindString,
		desc: "The proc.exe (argv[0]) of the session leader (see proc.sname).",
		acc: Accessor{Str: func(ev *event.Event) (string, bool) {
			_, args, _, ok := sessionLeader(ev)
			return argv0(args), ok
		}}})
	c.add(spec{name: "proc.sid.exepath", kind: KindString,
		desc: "The proc.exepath of the session leader (see proc.sname).",
		acc: Accessor{Str: func(ev *event.Event) (string, bool) {
			_, _, exe, ok := sessionLeader(ev)
			return exe, ok
		}}})

	c.add(spec{name: "proc.loginshellid", kind: KindUint,
		desc: "The pid of the oldest shell (a process whose name ends in \"sh\") among the process and its known ancestors; <NA> when there is none.",
		acc: Accessor{Uint: func(ev *event.Event) (uint64, bool) {
			p := process(ev)
			if p == nil {
				return 0, false
			}
			var pid uint32
			found := false
			if strings.HasSuffix(p.Name, "sh") {
				pid, found = p.PID, true
			}
			for i := range ev.Ancestors {
				if a := &ev.Ancestors[i]; strings.HasSuffix(a.Name, "sh") {
					pid, found = a.PID, true
				}
			}
			return uint64(pid), found
		}}})

	c.add(spec{name: "proc.duration", kind: KindDuration,
		desc: "Nanoseconds since the process started (event time minus the process's start time); 0 if the clock went backwards.",
		acc: Accessor{Uint: func(ev *event.Event) (uint64, bool) {
			p := process(ev)
			if p == nil || p.StartTime.IsZero() || ev.Time.IsZero() {
				return 0, false
			}
			d := ev.Time.Sub(p.StartTime)
			if d < 0 {
				d = 0
			}
			return uint64(d), true
		}}})
	capSet := func(name, what string, get func(p *event.Process) uint64) {
		var cache struct {
			v     uint64
			s     string
			valid bool
		}
		c.add(spec{name: name, kind: KindString,
			desc: "The " + what + " capability set of the thread, as Falco renders it: the names of the capabilities separated by spaces (CAP_CHOWN CAP_DAC_OVERRIDE ...); empty when the set is. thread.cap_effective contains CAP_SYS_ADMIN tests one capability.",
			acc: Accessor{Str: func(ev *event.Event) (string, bool) {
				p := process(ev)
				if p == nil {
					return "", false
				}
				v := get(p)
				if !cache.valid || cache.v != v {
					cache.v, cache.s, cache.valid = v, capNames(v), true
				}
				return cache.s, true
			}}})
	}
	capSet("thread.cap_effective", "effective", func(p *event.Process) uint64 { return p.CapEffective })
	capSet("thread.cap_permitted", "permitted", func(p *event.Process) uint64 { return p.CapPermitted })
	capSet("thread.cap_inheritable", "inheritable", func(p *event.Process) uint64 { return p.CapInheritable })

	c.add(spec{name: "proc.exe_ino", kind: KindInt,
		desc: "The inode number of the executable file; <NA> when unknown.",
		acc: Accessor{Int: func(ev *event.Event) (int64, bool) {
			p := process(ev)
			if p == nil || p.ExeIno == 0 {
				return 0, false
			}
			return int64(p.ExeIno), true
		}}})
	exeTime := func(name, desc string, get func(p *event.Process) time.Time) {
		c.add(spec{name: name, kind: KindAbsTime, desc: desc,
			acc: Accessor{Uint: func(ev *event.Event) (uint64, bool) {
				p := process(ev)
				if p == nil {
					return 0, false
				}
				t := get(p)
				if t.IsZero() || t.UnixNano() <= 0 {
					return 0, false
				}
				return uint64(t.UnixNano()), true
			}}})
	}
	exeTime("proc.exe_ino.ctime", "The last status change time (ctime) of the executable file, in epoch nanoseconds; <NA> when unknown.",
		func(p *event.Process) time.Time { return p.ExeCtime })
	exeTime("proc.exe_ino.mtime", "The last modification time (mtime) of the executable file, in epoch nanoseconds; <NA> when unknown.",
		func(p *event.Process) time.Time { return p.ExeMtime })
	c.add(spec{name: "proc.exe_ino.ctime_duration_proc_start", kind: KindAbsTime,
		desc: "Nanoseconds between the last status change (ctime) of the executable file and the start of the process: small for a file changed just before it ran. <NA> when either is unknown or the ctime is later than the start.",
		acc: Accessor{Uint: func(ev *event.Event) (uint64, bool) {
			p := process(ev)
			if p == nil || p.ExeCtime.IsZero() || p.StartTime.IsZero() {
				return 0, false
			}
			d := p.StartTime.Sub(p.ExeCtime)
			if d < 0 {
				return 0, false
			}
			return uint64(d), true
		}}})

	c.add(spec{name: "proc.pid.ts", kind: KindDuration,
		desc: "The start of the process as an epoch timestamp in nanoseconds (Falco types it RELTIME).",
		acc: Accessor{Uint: func(ev *event.Event) (uint64, bool) {
			p := process(ev)
			if p == nil || p.StartTime.IsZero() {
				return 0, false
			}
			ns := p.StartTime.UnixNano()
			if ns <= 0 {
				return 0, false
			}
			return uint64(ns), true
		}}})
}

// cmdlineAccessor reads proc.cmdline, proc.args or proc.exeline.
func cmdlineAccessor(kind lineKind) Accessor {
	var lc lineCache
	return Accessor{Str: func(ev *event.Event) (string, bool) {
		p := process(ev)
		if p == nil {
			return "", false
		}
		return lc.line(kind, p.Name, p.Args), true
	}}
}
