package fields

import (
	"sort"
	"strings"
	"testing"

	"github.com/vigil-sec/vigil/internal/event"
)

func TestCatalogIntegrity(t *testing.T) {
	c := newTestCatalog()
	if len(c.dups) > 0 {
		t.Fatalf("fields registered twice: %v", c.dups)
	}
	fields := c.Fields()
	if !sort.SliceIsSorted(fields, func(i, j int) bool { return fields[i].Name < fields[j].Name }) {
		t.Error("Fields() is not sorted by name")
	}
	fields[0] = nil // the slice is the caller's
	if c.Fields()[0] == nil {
		t.Error("Fields() returns the catalog's own slice")
	}
	avail := 0
	for _, f := range c.Fields() {
		switch {
		case f.Name == "" || strings.ToLower(f.Name) != f.Name && !strings.Contains(f.Name, "ID"):
			t.Errorf("bad name %q", f.Name)
		case f.Desc == "":
			t.Errorf("%s: no description", f.Name)
		case f.Kind < KindString || f.Kind > KindStrings:
			t.Errorf("%s: bad kind %d", f.Name, f.Kind)
		case f.Available && (f.Bind == nil || f.Unavailable != ""):
			t.Errorf("%s: available but Bind=%v Unavailable=%q", f.Name, f.Bind != nil, f.Unavailable)
		case !f.Available && (f.Bind != nil || f.Unavailable == ""):
			t.Errorf("%s: unavailable but Bind=%v Unavailable=%q", f.Name, f.Bind != nil, f.Unavailable)
		case f.ArgRequired && f.Arg == ArgNone:
			t.Errorf("%s: argument required but ArgNone", f.Name)
		}
		if f.Available {
			avail++
		}
		if g, arg, ok := c.Lookup(f.Name); !ok || g != f || arg != "" {
			t.Errorf("Lookup(%q) = %v, %q, %v", f.Name, g, arg, ok)
		}
	}
	t.Logf("%d fields: %d available, %d not yet", len(fields), avail, len(fields)-avail)
}

func TestLookup(t *testing.T) {
	c := newTestCatalog()
	for _, tt := range []struct {
		name, field, arg string
	}{
		{"proc.name", "proc.name", ""},
		{"evt.arg.flags", "evt.arg", "flags"},
		{"evt.args", "evt.args", ""},
		{"evt.arg.a.b", "evt.arg", "a.b"},
		{"evt.type", "evt.type", ""},
		{"evt.type.is.open", "evt.type.is", "open"},
		{"evt.rawarg.fd", "evt.rawarg", "fd"},
		{"thread.cgroup.cpuacct", "thread.cgroup", "cpuacct"},
		{"thread.cgroups", "thread.cgroups", ""},
		{"k8s.pod.label.app.kubernetes.io/name", "k8s.pod.label", "app.kubernetes.io/name"},
		{"k8s.pod.labels", "k8s.pod.labels", ""},
		{"container.label.maintainer", "container.label", "maintainer"},
		{"container.mount.source", "container.mount.source", ""},
		{"proc.sid.exe", "proc.sid.exe", ""},
		{"proc.exe_ino.ctime", "proc.exe_ino.ctime", ""},
		{"fd.sip.name", "fd.sip.name", ""},
	} {
		f, arg, ok := c.Lookup(tt.name)
		if !ok || f.Name != tt.field || arg != tt.arg {
			name := "<nil>"
			if f != nil {
				name = f.Name
			}
			t.Errorf("Lookup(%q) = %s, %q, %v; want %s, %q", tt.name, name, arg, ok, tt.field, tt.arg)
		}
	}
	for _, name := range []string{
		"", "proc", "proc.", "proc.nam", "proc.name.x", "evt.type.", "evt.arg.", "evt.arg",
		"proc.aname[2]", "PROC.NAME", "evt.typ", "container.mount.x", "foo.bar",
	} {
		f, arg, ok := c.Lookup(name)
		if name == "evt.arg" { // the bare field exists (it requires an argument at Bind)
			if !ok || f.Name != "evt.arg" || arg != "" {
				t.Errorf("Lookup(evt.arg) = %v, %q, %v", f, arg, ok)
			}
			continue
		}
		if ok {
			t.Errorf("Lookup(%q) = %s, %q; want not found", name, f.Name, arg)
		}
	}
}

func TestBindErrors(t *testing.T) {
	c := newTestCatalog()
	for _, tt := range []struct {
		field, arg  string
		unavailable bool // an *UnavailableError rather than a plain error
	}{
		{"proc.aname", "x", false},
		{"proc.aname", "-1", false},
		{"proc.aname", "1.5", false},
		{"proc.aname", "99999999999", false},
		{"proc.apid", " 1", false},
		{"proc.args", "a", false},
		{"proc.name", "1", false},
		{"evt.type", "x", false},
		{"evt.arg", "", false},
		{"evt.arg", "bad-name", false},
		{"evt.arg", "-1", false},
		{"evt.type.is", "", false},
		{"evt.arg", "data", true}, // sendto's payload is never captured
		{"evt.arg", "img", true},
		{"evt.arg", "fdlimit", true},
		{"evt.arg", "env", true},
		{"evt.arg", "pgid", true},
		{"evt.arg", "reaper_tid", true},
		{"evt.arg", "ratio", true},
		{"evt.arg", "7", true},
		{"evt.arg", "15", true},
		{"evt.arg", "99", true},
		{"evt.type.is", "read", true},
		{"evt.arg", "creat_flags", true},
		{"evt.arg", "5", true}, // creat_flags for creat
		{"evt.rawarg", "", false},
		{"evt.rawarg", "0", false},
		{"evt.rawarg", "a-b", false},
		{"evt.rawarg", "exe", true},
		{"evt.rawarg", "res", true},
		{"evt.rawarg", "msgcontrol", true},
		{"evt.rawarg", "dirfd", true}, // execveat's is not captured
		{"evt.arg", "dirfd", true},
		{"evt.type.is", "3", true},
		{"evt.type.is", "unknown", true},
	} {
		f, _, ok := c.Lookup(tt.field)
		if !ok {
			t.Fatalf("Lookup(%q) failed", tt.field)
		}
		acc, err := f.Bind(tt.arg)
		if err == nil {
			t.Errorf("Bind(%s, %q) succeeded: %+v", tt.field, tt.arg, acc)
			continue
		}
		if got := isUnavailable(err); got != tt.unavailable {
			t.Errorf("Bind(%s, %q): %v; UnavailableError=%v, want %v", tt.field, tt.arg, err, got, tt.unavailable)
		}
		if !strings.Contains(err.Error(), tt.field) {
			t.Errorf("Bind(%s, %q): error %q does not name the field", tt.field, tt.arg, err)
		}
	}
}

func TestKindFor(t *testing.T) {
	c := newTestCatalog()
	for _, tt := range []struct {
		field, arg string
		kind       Kind
	}{
		{"proc.aname", "", KindStrings},
		{"proc.aname", "2", KindString},
		{"proc.apid", "", KindStrings},
		{"proc.apid", "1", KindUint},
		{"proc.acmdline", "0", KindString},
		{"proc.name", "", KindString},
		{"fd.types", "0", KindStrings},
		{"evt.rawarg", "flags", KindUint},
		{"evt.rawarg", "fd", KindInt},
		{"evt.rawarg", "name", KindString},
		{"fd.num", "", KindInt},
		{"user.loginuid", "", KindInt},
	} {
		f, _, _ := c.Lookup(tt.field)
		if got := f.KindFor(tt.arg); got != tt.kind {
			t.Errorf("%s.KindFor(%q) = %v, want %v", tt.field, tt.arg, got, tt.kind)
		}
		if f.Available {
			acc, err := f.Bind(tt.arg)
			if err != nil {
				t.Fatal(err)
			}
			// The function matching KindFor is set.
			var set bool
			switch tt.kind {
			case KindString:
				set = acc.Str != nil
			case KindUint:
				set = acc.Uint != nil
			case KindInt:
				set = acc.Int != nil
			case KindStrings:
				set = acc.Strs != nil
			}
			if !set {
				t.Errorf("%s[%s]: accessor for %v not set", tt.field, tt.arg, tt.kind)
			}
		}
	}
	var nilField *Field
	if nilField.KindFor("") != 0 {
		t.Error("KindFor on a nil field")
	}
}

// bindArgs lists arguments to bind each available field with, so that
// every accessor is exercised.
func bindArgs(f *Field) []string {
	switch f.Name {
	case "evt.arg":
		return []string{"res", "exe", "args", "tid", "pid", "ptid", "cwd", "comm", "tty", "loginuid",
			"flags", "uid", "gid", "trusted_exepath", "filename", "status", "ret", "sig", "core",
			"fd", "dirfd", "name", "mode", "resolve", "dev", "ino",
			"0", "1", "2", "3", "4", "5", "6", "7", "13", "16", "18", "19", "26", "27"}
	case "evt.rawarg":
		return []string{"fd", "dirfd", "name", "flags", "mode", "resolve", "dev", "ino"}
	case "evt.type.is":
		var out []string
		for _, t := range event.Types() {
			out = append(out, t.String())
		}
		return out
	}
	switch f.Arg {
	case ArgIndex:
		return []string{"", "0", "1", "2", "3", "4", "1000000"}
	case ArgKey:
		return []string{"x"}
	}
	return []string{""}
}

// weirdEvents are events a broken source or table might hand over.
func weirdEvents() map[string]*event.Event {
	emptyArgs := execEvent()
	emptyArgs.Process.Args = []string{}
	emptyAnc := execEvent()
	emptyAnc.Ancestors = []event.Ancestor{{}, {PID: 2}}
	noDetails := []*event.Event{execEvent(), cloneThreadEvent(), exitEvent(event.Exit{}), dropEvent()}
	for _, ev := range noDetails {
		ev.Exec, ev.Clone, ev.Exit, ev.Drop = nil, nil, nil, nil
	}
	bogusType := execEvent()
	bogusType.Type = event.Type(60000)
	threadOnly := &event.Event{Type: event.TypeClone, Process: event.Process{TID: 9}}
	wrongDetails := execEvent()
	wrongDetails.Exit = &event.Exit{Signal: -5, Code: -1}
	wrongDetails.Clone = &event.Clone{Flags: ^uint64(0)}
	hugeSig := exitEvent(event.Exit{Signal: 1 << 30, Code: 1 << 20, CoreDumped: true})
	openNoSyscall := openatEvent()
	openNoSyscall.Syscall = nil
	openNoFD := openatEvent()
	openNoFD.Syscall.FD = nil
	openNoArgs := openatEvent()
	openNoArgs.Syscall.Args = nil
	openWrongKinds := openatEvent()
	for i := range openWrongKinds.Syscall.Args {
		a := &openWrongKinds.Syscall.Args[i]
		a.Kind = event.ArgKind(99 - i)
		a.Num, a.Str = -1<<63, "\xff"
	}
	openBogusFD := openatEvent()
	openBogusFD.Syscall.FD = &event.FD{Num: 1 << 40, Type: event.FDType(250), Dev: ^uint32(0), Ino: ^uint64(0)}
	openBogusFD.Syscall.Res = -1 << 63
	execWithSyscall := execEvent()
	execWithSyscall.Syscall = openatEvent().Syscall
	creatOnlyFD := &event.Event{Type: event.TypeCreat, Syscall: &event.Syscall{Res: -2, FD: &event.FD{Num: -2}}}
	rmdirNoSyscall := rmdirEvent()
	rmdirNoSyscall.Syscall = nil
	unlinkatWrongKinds := unlinkatEvent()
	for i := range unlinkatWrongKinds.Syscall.Args {
		a := &unlinkatWrongKinds.Syscall.Args[i]
		a.Kind = event.ArgKind(99 - i)
		a.Num, a.Str = -1<<63, "\xff"
	}
	mkdiratWithFD := mkdiratEvent()
	mkdiratWithFD.Syscall.FD = &event.FD{Num: -17}
	mkdirNoArgs := mkdirEvent()
	mkdirNoArgs.Syscall.Args = nil
	return map[string]*event.Event{
		"nil":                nil,
		"zero":               {},
		"empty args":         emptyArgs,
		"empty ancestors":    emptyAnc,
		"exec no details":    noDetails[0],
		"clone no detail":    noDetails[1],
		"exit no detail":     noDetails[2],
		"drop no detail":     noDetails[3],
		"bogus type":         bogusType,
		"thread only":        threadOnly,
		"wrong details":      wrongDetails,
		"huge signal":        hugeSig,
		"open no syscall":    openNoSyscall,
		"open no fd":         openNoFD,
		"open no args":       openNoArgs,
		"open bad kinds":     openWrongKinds,
		"open bogus fd":      openBogusFD,
		"exec + syscall":     execWithSyscall,
		"creat only fd":      creatOnlyFD,
		"rmdir no syscall":   rmdirNoSyscall,
		"unlinkat bad kinds": unlinkatWrongKinds,
		"mkdirat with fd":    mkdiratWithFD,
		"mkdir no args":      mkdirNoArgs,
		"unlink":             unlinkEvent(),
		"unlinkat":           unlinkatEvent(),
		"unlinkat relative":  unlinkatFailedEvent(),
		"mkdirat":            mkdiratEvent(),
	}
}

func TestNoPanics(t *testing.T) {
	c := newTestCatalog()
	for name, ev := range weirdEvents() {
		for _, f := range c.Fields() {
			if !f.Available {
				continue
			}
			for _, arg := range bindArgs(f) {
				acc, err := f.Bind(arg)
				if err != nil {
					if !isUnavailable(err) && f.Arg != ArgKey {
						t.Errorf("Bind(%s, %q): %v", f.Name, arg, err)
					}
					continue
				}
				func() {
					defer func() {
						if r := recover(); r != nil {
							t.Errorf("%s[%s] panics on the %s event: %v", f.Name, arg, name, r)
						}
					}()
					for _, fn := range []func(){
						func() {
							if acc.Str != nil {
								acc.Str(ev)
							}
						},
						func() {
							if acc.Uint != nil {
								acc.Uint(ev)
							}
						},
						func() {
							if acc.Int != nil {
								acc.Int(ev)
							}
						},
						func() {
							if acc.Bool != nil {
								acc.Bool(ev)
							}
						},
						func() {
							if acc.Strs != nil {
								acc.Strs(ev, nil)
								acc.Strs(ev, make([]string, 3, 10))
							}
						},
					} {
						fn()
					}
				}()
			}
		}
	}
}

// TestZeroEvent: on a zero event (and a nil one) every field is <NA>,
// except the few Falco defines for any event.
func TestZeroEvent(t *testing.T) {
	c := newTestCatalog()
	defined := map[string]bool{"evt.num": true, "evt.count": true}
	for _, ev := range []*event.Event{nil, {}} {
		for _, f := range c.Fields() {
			if !f.Available {
				continue
			}
			for _, arg := range bindArgs(f) {
				acc, err := f.Bind(arg)
				if err != nil {
					continue
				}
				v, ok := read(t, f, arg, acc, ev)
				if ok && !(defined[f.Name] && ev != nil) {
					t.Errorf("%s[%s] on a %v event = %#v, want <NA>", f.Name, arg, ev, v)
				}
			}
		}
	}
}
