package fields

import (
	"fmt"
	"path"
	"strconv"
	"strings"

	"github.com/vigil-sec/vigil/internal/event"
)

// Parameters of the exit events of the open family, in the order and with
// the types of Falco's event table (driver/event_table.c):
//
//	open    (PPME_SYSCALL_OPEN_X):     fd, name, flags, mode, dev, ino
//	openat  (PPME_SYSCALL_OPENAT_2_X): fd, dirfd, name, flags, mode, dev, ino
//	openat2 (PPME_SYSCALL_OPENAT2_X):  fd, dirfd, name, flags, mode, resolve, dev, ino
//	creat   (PPME_SYSCALL_CREAT_X):    fd, name, mode, dev, ino, creat_flags
//
// fd and dirfd are PT_FD, name PT_FSPATH (PT_FSRELPATH for the *at calls),
// flags PT_FLAGS32 (file_flags), mode PT_UINT32 printed in octal, resolve
// PT_FLAGS32 (openat2_flags), dev PT_UINT32 printed in hexadecimal, ino
// PT_UINT64, creat_flags PT_FLAGS16 (overlayfs layer bits, which Vigil does
// not capture). The values come from event.Syscall.Args by name; an
// argument that is missing or of another kind than expected is <NA>.

// openScratch holds the caches of the open family's renderers.
type openScratch struct {
	flags, resolve struct {
		v          uint32
		raw, names string
		valid      bool
	}
	mode, dev, ino struct {
		v     uint64
		s     string
		valid bool
	}
	fdres struct {
		c    byte
		name string
		out  string
	}
	join struct{ cwd, file, out string }
	buf  []byte
}

// syscallArg returns the argument name of ev if it has the kind want.
func syscallArg(ev *event.Event, name string, want event.ArgKind) (event.Arg, bool) {
	if ev == nil || ev.Syscall == nil {
		return event.Arg{}, false
	}
	a, ok := ev.Syscall.Arg(name)
	if !ok || a.Kind != want {
		return event.Arg{}, false
	}
	return a, true
}

// renderFD renders a PT_FD parameter as sinsp_evt::render_fd: the number;
// resolved, "<c>name" for the descriptor the event created (the only one
// Vigil knows: Falco would also resolve a dirfd from its descriptor table),
// AT_FDCWD for -100, and the name of the error for another negative value.
func renderFD(s *argScratch, ev *event.Event, name string, num int64) (string, string) {
	raw := s.itoa(0, num)
	switch {
	case num == -100:
		return raw, "AT_FDCWD"
	case num < 0:
		return raw, errnoName(num)
	}
	if fd := eventFD(ev); fd != nil && name == "fd" && fd.Num == num {
		c := fd.Type.Char()
		o := &s.open.fdres
		if o.out == "" || o.c != c || o.name != fd.Name {
			o.c, o.name = c, fd.Name
			o.out = "<" + string(rune(c)) + ">" + fd.Name
		}
		return raw, o.out
	}
	return raw, ""
}

func argOpenFD(name string) argRender {
	return func(s *argScratch, ev *event.Event) (string, string, bool) {
		a, ok := syscallArg(ev, name, event.ArgFD)
		if !ok {
			return "", "", false
		}
		raw, res := renderFD(s, ev, name, a.Num)
		return raw, res, true
	}
}

// argOpenName renders the path parameter: as passed; resolved, when it is
// relative, the path it designates. Falco joins it to the working
// directory or the dirfd directory, which is how it computes fd.name; Vigil
// shows fd.name, the path the sensor resolved, and joins it to the
// process's working directory only when the event has no descriptor.
func argOpenName(s *argScratch, ev *event.Event) (string, string, bool) {
	a, ok := syscallArg(ev, "name", event.ArgPath)
	if !ok {
		return "", "", false
	}
	p := a.Str
	if p == "" || p[0] == '/' {
		return p, "", true
	}
	if fd := eventFD(ev); fd != nil && fd.Name != "" {
		return p, fd.Name, true
	}
	if dirfd, ok := syscallArg(ev, "dirfd", event.ArgFD); ok && dirfd.Num != -100 {
		return p, "", true // relative to a directory Vigil cannot name
	}
	cwd := ev.Process.Cwd
	if cwd == "" {
		return p, "", true
	}
	j := &s.open.join
	if j.out == "" || j.cwd != cwd || j.file != p {
		j.cwd, j.file, j.out = cwd, p, path.Join(cwd, p)
	}
	return p, j.out, true
}

func argOpenFlags(s *argScratch, ev *event.Event) (string, string, bool) {
	a, ok := syscallArg(ev, "flags", event.ArgOpenFlags)
	if !ok {
		return "", "", false
	}
	v := openFlagsToPPM(uint64(a.Num))
	c := &s.open.flags
	if !c.valid || c.v != v {
		c.v, c.valid = v, true
		c.raw, c.names = strconv.FormatUint(uint64(v), 10), renderFlagNames(v, fileFlagNames[:])
	}
	return c.raw, c.names, true
}

// falcoOpenMode is the mode parameter as Falco's driver records it.
func falcoOpenMode(ev *event.Event) (uint32, bool) {
	a, ok := syscallArg(ev, "mode", event.ArgMode)
	if !ok {
		return 0, false
	}
	if ev.Type == event.TypeCreat {
		return openModeToPPM(kOCreat, uint64(a.Num)), true
	}
	k, _ := openFlags(ev)
	return openModeToPPM(k, uint64(a.Num)), true
}

func argOpenMode(s *argScratch, ev *event.Event) (string, string, bool) {
	v, ok := falcoOpenMode(ev)
	if !ok {
		return "", "", false
	}
	c := &s.open.mode
	if !c.valid || c.v != uint64(v) {
		c.v, c.valid = uint64(v), true
		s.buf = appendOctal(s.buf[:0], uint64(v))
		c.s = string(s.buf)
	}
	return c.s, "", true
}

func argOpenResolve(s *argScratch, ev *event.Event) (string, string, bool) {
	a, ok := syscallArg(ev, "resolve", event.ArgResolve)
	if !ok {
		return "", "", false
	}
	v := resolveToPPM(uint64(a.Num))
	c := &s.open.resolve
	if !c.valid || c.v != v {
		c.v, c.valid = v, true
		c.raw, c.names = strconv.FormatUint(uint64(v), 10), renderFlagNames(v, resolveFlagNames[:])
	}
	return c.raw, c.names, true
}

func argOpenDev(s *argScratch, ev *event.Event) (string, string, bool) {
	a, ok := syscallArg(ev, "dev", event.ArgUint)
	if !ok {
		return "", "", false
	}
	v := uint64(uint32(a.Num))
	c := &s.open.dev
	if !c.valid || c.v != v {
		c.v, c.valid = v, true
		s.buf = appendHexUpper(s.buf[:0], v)
		c.s = string(s.buf)
	}
	return c.s, "", true
}

func argOpenIno(s *argScratch, ev *event.Event) (string, string, bool) {
	a, ok := syscallArg(ev, "ino", event.ArgUint)
	if !ok {
		return "", "", false
	}
	v := uint64(a.Num)
	c := &s.open.ino
	if !c.valid || c.v != v {
		c.v, c.valid, c.s = v, true, strconv.FormatUint(v, 10)
	}
	return c.s, "", true
}

// openArgTables returns the parameter lists of the open family.
func openArgTables() (open, openat, openat2, creat []argDef) {
	fd := argDef{"fd", 0, argOpenFD("fd")}
	open = []argDef{fd, {"name", 1, argOpenName}, {"flags", 2, argOpenFlags}, {"mode", 3, argOpenMode},
		{"dev", 4, argOpenDev}, {"ino", 5, argOpenIno}}
	openat = []argDef{fd, {"dirfd", 1, argOpenFD("dirfd")}, {"name", 2, argOpenName}, {"flags", 3, argOpenFlags},
		{"mode", 4, argOpenMode}, {"dev", 5, argOpenDev}, {"ino", 6, argOpenIno}}
	openat2 = []argDef{fd, {"dirfd", 1, argOpenFD("dirfd")}, {"name", 2, argOpenName}, {"flags", 3, argOpenFlags},
		{"mode", 4, argOpenMode}, {"resolve", 5, argOpenResolve}, {"dev", 6, argOpenDev}, {"ino", 7, argOpenIno}}
	creat = []argDef{fd, {"name", 1, argOpenName}, {"mode", 2, argOpenMode}, {"dev", 3, argOpenDev},
		{"ino", 4, argOpenIno}, unavailableArg("creat_flags", 5)}
	return open, openat, openat2, creat
}

// evt.rawarg: one parameter with its raw type (Falco's TYPE_ARGRAW). Vigil
// has it for the parameters of the open family, and for flags, which exec
// and clone events have too. Numbers are Falco's encodings (PPM_O_*,
// PPM_S_*, PPM_RESOLVE_*, PPM_CL_*, PPM_EXE_*), as Falco's rules compare
// them.

// rawArgKinds are the kinds of the parameters evt.rawarg supports.
var rawArgKinds = map[string]Kind{
	"fd": KindInt, "dirfd": KindInt, "name": KindString, "path": KindString, "flags": KindUint, "mode": KindUint,
	"resolve": KindUint, "dev": KindUint, "ino": KindUint,
	"olddirfd": KindInt, "newdirfd": KindInt, "olddir": KindInt, "newdir": KindInt, "linkdirfd": KindInt,
	"oldpath": KindString, "newpath": KindString, "linkpath": KindString, "target": KindString,
	"filename": KindString, "pathname": KindString, "uid": KindUint, "gid": KindUint,
	"oldfd": KindInt, "newfd": KindInt, "request": KindUint, "domain": KindUint, "proto": KindUint,
	"sig": KindUint, "nstype": KindUint, "prot": KindUint, "cmd": KindUint, "option": KindUint,
	"ruid": KindUint, "euid": KindUint, "suid": KindUint, "rgid": KindUint, "egid": KindUint, "sgid": KindUint,
	"cap_inheritable": KindUint, "cap_permitted": KindUint, "cap_effective": KindUint,
}

// rawArgKind returns the kind of evt.rawarg.NAME.
func rawArgKind(name string) Kind {
	if k, ok := rawArgKinds[name]; ok {
		return k
	}
	return KindString
}

// hasArg reports whether Falco's events of type t (as argTables lists them)
// have the parameter name.
func hasArg(tables [][]argDef, t int, name string) bool {
	for _, d := range tables[t] {
		if d.name == name {
			return true
		}
	}
	return false
}

func bindRawArg(key string) (Accessor, error) { return bindRawArgFor(key, nil) }

// bindRawArgFor binds evt.rawarg.NAME for events of the given types (nil:
// every type), as bindEvtArgFor.
func bindRawArgFor(key string, types []event.Type) (Accessor, error) {
	switch {
	case key == "":
		return Accessor{}, fmt.Errorf("evt.rawarg requires an argument name, as in evt.rawarg.flags")
	case key[0] >= '0' && key[0] <= '9':
		return Accessor{}, fmt.Errorf("evt.rawarg[%s]: evt.rawarg takes an argument name, not a position (as in Falco)", key)
	case !validArgName(key):
		return Accessor{}, fmt.Errorf("evt.rawarg: %q is not a valid argument name", key)
	}
	tables := argTables()
	found := false
	var missing []string
	in := typeFilter(types)
	for t, defs := range tables {
		if !in(t) {
			continue
		}
		for _, d := range defs {
			if d.name != key {
				continue
			}
			found = true
			if d.render == nil {
				missing = append(missing, event.Type(t).String())
			}
		}
	}
	switch {
	case !found:
		return Accessor{}, &UnavailableError{Field: "evt.rawarg", Arg: key,
			Reason: "no event type Vigil captures has this argument yet"}
	case len(missing) > 0:
		return Accessor{}, &UnavailableError{Field: "evt.rawarg", Arg: key,
			Reason: "not captured yet for " + strings.Join(missing, ", ")}
	}
	kind, ok := rawArgKinds[key]
	if !ok {
		var types []string
		for t := range tables {
			if hasArg(tables, t, key) {
				types = append(types, event.Type(t).String())
			}
		}
		return Accessor{}, &UnavailableError{Field: "evt.rawarg", Arg: key,
			Reason: "raw values are not supported yet for this argument of " + strings.Join(types, ", ") + "; use evt.arg"}
	}
	hasT := make([]bool, len(tables))
	for t := range tables {
		hasT[t] = in(t) && hasArg(tables, t, key)
	}
	has := func(ev *event.Event) bool { return ev != nil && int(ev.Type) < len(hasT) && hasT[ev.Type] }
	switch kind {
	case KindInt:
		return Accessor{Int: func(ev *event.Event) (int64, bool) {
			if !has(ev) {
				return 0, false
			}
			a, ok := syscallArg(ev, key, event.ArgFD)
			return a.Num, ok
		}}, nil
	case KindString:
		return Accessor{Str: func(ev *event.Event) (string, bool) {
			if !has(ev) {
				return "", false
			}
			a, ok := syscallArg(ev, key, event.ArgPath)
			return a.Str, ok
		}}, nil
	}
	return Accessor{Uint: func(ev *event.Event) (uint64, bool) {
		if !has(ev) {
			return 0, false
		}
		return rawUint(ev, key)
	}}, nil
}

// rawUint is the raw value of a numeric parameter.
func rawUint(ev *event.Event, key string) (uint64, bool) {
	if ev.Type.IsPathOp() {
		return rawPathOpUint(ev, key)
	}
	if ev.Type.IsPathPair() {
		return rawPathPairUint(ev, key)
	}
	if ev.Type.IsAttrChange() {
		return rawAttrUint(ev, key)
	}
	if ev.Type.IsNet() || ev.Type.IsMisc() {
		return rawSysUint(ev, key)
	}
	switch key {
	case "flags":
		switch {
		case ev.Type.IsExec():
			if process(ev) == nil {
				return 0, false
			}
			var v uint64
			if ev.Process.ExeUpperLayer {
				v |= ppmExeUpperLayer
			}
			if ev.Process.ExeFromMemfd {
				v |= ppmExeFromMemfd
			}
			return v, true
		case ev.Type.IsClone():
			if process(ev) == nil {
				return 0, false
			}
			var flags uint64
			if ev.Clone != nil {
				flags = ev.Clone.Flags
			}
			return uint64(cloneFlagsToPPM(flags)), true
		}
		a, ok := syscallArg(ev, "flags", event.ArgOpenFlags)
		return uint64(openFlagsToPPM(uint64(a.Num))), ok
	case "mode":
		v, ok := falcoOpenMode(ev)
		return uint64(v), ok
	case "resolve":
		a, ok := syscallArg(ev, "resolve", event.ArgResolve)
		return uint64(resolveToPPM(uint64(a.Num))), ok
	case "dev":
		a, ok := syscallArg(ev, "dev", event.ArgUint)
		return uint64(uint32(a.Num)), ok
	case "ino":
		a, ok := syscallArg(ev, "ino", event.ArgUint)
		return uint64(a.Num), ok
	}
	return 0, false
}
