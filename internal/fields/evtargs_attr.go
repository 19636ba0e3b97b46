package fields

import (
	"github.com/vigil-sec/vigil/internal/event"
)

// Parameters of the exit events of the calls that change a file's mode or
// owner, in the order and with the types of Falco's event table
// (driver/event_table.c):
//
//	chmod    (PPME_SYSCALL_CHMOD_X):    res, filename, mode
//	fchmod   (PPME_SYSCALL_FCHMOD_X):   res, fd, mode
//	fchmodat (PPME_SYSCALL_FCHMODAT_X): res, dirfd, filename, mode
//	chown    (PPME_SYSCALL_CHOWN_X):    res, path, uid, gid
//	lchown   (PPME_SYSCALL_LCHOWN_X):   res, path, uid, gid
//	fchown   (PPME_SYSCALL_FCHOWN_X):   res, fd, uid, gid
//	fchownat (PPME_SYSCALL_FCHOWNAT_X): res, dirfd, pathname, uid, gid, flags
//
// res is PT_ERRNO; fd and dirfd PT_FD; filename, path and pathname
// PT_FSPATH (PT_FSRELPATH for the *at calls); mode PT_MODE printed in octal
// (PF_OCT) and resolved with the chmod_mode table (S_IXOTH ... S_ISUID);
// uid and gid PT_UINT32 in decimal (4294967295, (uid_t)-1, leaves the id
// unchanged); flags PT_FLAGS32 (fchownat_flags: AT_SYMLINK_NOFOLLOW,
// AT_EMPTY_PATH). fchmod and fchown carry the descriptor they act on
// (event.Syscall.FD); the other calls have none.

// Falco's PPM_S_* mode bits (chmod_mode_to_scap keeps these only; their
// values are the kernel's) and PPM_AT_* fchownat flags.
const (
	ppmChmodModeMask     = 07777
	ppmAtSymlinkNofollow = 0x100
	ppmFchownatFlagSet   = ppmAtSymlinkNofollow | ppmAtEmptyPath
)

// chmodModeNames is Falco's chmod_mode table (userspace/libscap's
// flags_table), in its order.
var chmodModeNames = []nameValue{
	{"S_IXOTH", 0o1},
	{"S_IWOTH", 0o2},
	{"S_IROTH", 0o4},
	{"S_IXGRP", 0o10},
	{"S_IWGRP", 0o20},
	{"S_IRGRP", 0o40},
	{"S_IXUSR", 0o100},
	{"S_IWUSR", 0o200},
	{"S_IRUSR", 0o400},
	{"S_ISVTX", 0o1000},
	{"S_ISGID", 0o2000},
	{"S_ISUID", 0o4000},
}

// fchownatFlagNames is Falco's fchownat_flags table, in its order.
var fchownatFlagNames = []nameValue{
	{"AT_SYMLINK_NOFOLLOW", ppmAtSymlinkNofollow},
	{"AT_EMPTY_PATH", ppmAtEmptyPath},
}

// attrMode is the mode parameter of chmod, fchmod and fchmodat as Falco's
// driver records it (chmod_mode_to_scap): the permission bits only.
func attrMode(ev *event.Event) (uint32, bool) {
	a, ok := syscallArg(ev, "mode", event.ArgMode)
	if !ok {
		return 0, false
	}
	return uint32(a.Num) & ppmChmodModeMask, true
}

func argAttrMode(s *argScratch, ev *event.Event) (string, string, bool) {
	v, ok := attrMode(ev)
	if !ok {
		return "", "", false
	}
	c := &s.attrMode
	if !c.valid || c.v != v {
		c.v, c.valid = v, true
		s.buf = appendOctal(s.buf[:0], uint64(v))
		c.raw = string(s.buf)
		c.names = renderFlagNames(v, chmodModeNames)
	}
	return c.raw, c.names, true
}

// attrID is the uid or gid parameter of the chown calls, a 32-bit number.
func attrID(ev *event.Event, name string) (uint32, bool) {
	a, ok := syscallArg(ev, name, event.ArgUint)
	if !ok {
		return 0, false
	}
	return uint32(a.Num), true
}

func argAttrID(name string, slot int) argRender {
	return func(s *argScratch, ev *event.Event) (string, string, bool) {
		v, ok := attrID(ev, name)
		if !ok {
			return "", "", false
		}
		return s.itoa(slot, int64(v)), "", true
	}
}

// fchownatFlags is the flags parameter of fchownat as Falco's driver
// records it (fchownat_flags_to_scap): the flags it knows, the others
// dropped.
func fchownatFlags(ev *event.Event) (uint32, bool) {
	a, ok := syscallArg(ev, "flags", event.ArgUint)
	if !ok {
		return 0, false
	}
	return uint32(a.Num) & ppmFchownatFlagSet, true
}

func argFchownatFlags(s *argScratch, ev *event.Event) (string, string, bool) {
	v, ok := fchownatFlags(ev)
	if !ok {
		return "", "", false
	}
	c := &s.attrFlags
	if !c.valid || c.v != v {
		c.v, c.valid = v, true
		c.raw = s.itoa(1, int64(v))
		c.names = renderFlagNames(v, fchownatFlagNames)
	}
	return c.raw, c.names, true
}

// attrArgTables returns the parameter lists of chmod, fchmod, fchmodat,
// chown, lchown, fchown and fchownat.
func attrArgTables() (chmod, fchmod, fchmodat, chown, lchown, fchown, fchownat []argDef) {
	res := argDef{"res", 0, argPathOpRes}
	fd := argDef{"fd", 1, argOpenFD("fd")}
	dirfd := argDef{"dirfd", 1, argOpenFD("dirfd")}
	chmod = []argDef{res, {"filename", 1, argPathPairPath("filename", "")}, {"mode", 2, argAttrMode}}
	fchmod = []argDef{res, fd, {"mode", 2, argAttrMode}}
	fchmodat = []argDef{res, dirfd, {"filename", 2, argPathPairPath("filename", "dirfd")}, {"mode", 3, argAttrMode}}
	chown = []argDef{res, {"path", 1, argPathPairPath("path", "")},
		{"uid", 2, argAttrID("uid", 0)}, {"gid", 3, argAttrID("gid", 1)}}
	lchown = []argDef{res, {"path", 1, argPathPairPath("path", "")},
		{"uid", 2, argAttrID("uid", 0)}, {"gid", 3, argAttrID("gid", 1)}}
	fchown = []argDef{res, fd, {"uid", 2, argAttrID("uid", 0)}, {"gid", 3, argAttrID("gid", 1)}}
	fchownat = []argDef{res, dirfd, {"pathname", 2, argPathPairPath("pathname", "dirfd")},
		{"uid", 3, argAttrID("uid", 0)}, {"gid", 4, argAttrID("gid", 1)}, {"flags", 5, argFchownatFlags}}
	return chmod, fchmod, fchmodat, chown, lchown, fchown, fchownat
}

// rawAttrUint is evt.rawarg.mode, uid, gid and flags for these events.
func rawAttrUint(ev *event.Event, key string) (uint64, bool) {
	switch key {
	case "mode":
		v, ok := attrMode(ev)
		return uint64(v), ok
	case "uid", "gid":
		v, ok := attrID(ev, key)
		return uint64(v), ok
	case "flags":
		if ev.Type != event.TypeFchownat {
			return 0, false
		}
		v, ok := fchownatFlags(ev)
		return uint64(v), ok
	}
	return 0, false
}

// attrPath is Falco's fs.path.name for these events: the path argument,
// or the name of the descriptor fchmod and fchown act on.
func attrPath(ev *event.Event) (string, bool) {
	if fd := ev.Syscall.FD; fd != nil && (ev.Type == event.TypeFchmod || ev.Type == event.TypeFchown) {
		return fd.Name, fd.Name != ""
	}
	for _, a := range ev.Syscall.Args {
		if (a.Name == "filename" || a.Name == "path" || a.Name == "pathname") && a.Kind == event.ArgPath && a.Str != "" {
			return a.Str, true
		}
	}
	return "", false
}
