package fields

import (
	"path"

	"github.com/vigil-sec/vigil/internal/event"
)

// Parameters of the exit events of the calls that create or remove one
// directory entry, in the order and with the types of Falco's event table
// (driver/event_table.c):
//
//	unlink   (PPME_SYSCALL_UNLINK_2_X):   res, path
//	unlinkat (PPME_SYSCALL_UNLINKAT_2_X): res, dirfd, name, flags
//	mkdir    (PPME_SYSCALL_MKDIR_2_X):    res, path, mode
//	mkdirat  (PPME_SYSCALL_MKDIRAT_X):    res, dirfd, path, mode
//	rmdir    (PPME_SYSCALL_RMDIR_2_X):    res, path
//
// res is PT_ERRNO, dirfd PT_FD, path and name PT_FSPATH (PT_FSRELPATH for
// the *at calls), flags PT_FLAGS32 (unlinkat_flags: AT_REMOVEDIR only), mode
// PT_UINT32 printed in hexadecimal (PF_HEX; unlike open's PF_OCT mode, and
// recorded as the caller passed it). These events have no descriptor
// (event.Syscall.FD is nil): Falco's fd fields are <NA> on them.

// ppmAtRemoveDir is Falco's PPM_AT_REMOVEDIR, the only unlinkat flag its
// driver records (the kernel's AT_REMOVEDIR has the same value).
const ppmAtRemoveDir = 0x200

// argPathOpRes renders a PT_ERRNO result: the number; resolved, the name
// of the error when negative.
func argPathOpRes(s *argScratch, ev *event.Event) (string, string, bool) {
	a, ok := syscallArg(ev, "res", event.ArgErrno)
	if !ok {
		return "", "", false
	}
	raw := s.itoa(0, a.Num)
	if a.Num < 0 {
		return raw, errnoName(a.Num), true
	}
	return raw, "", true
}

// argPathOpPath renders the path parameter name. The sensor records the
// resolved path; should it hold a relative one, it is joined to the working
// directory when the call used it (no dirfd, or AT_FDCWD), as Falco does.
func argPathOpPath(name string) argRender {
	return func(s *argScratch, ev *event.Event) (string, string, bool) {
		a, ok := syscallArg(ev, name, event.ArgPath)
		if !ok {
			return "", "", false
		}
		p := a.Str
		if p == "" || p[0] == '/' {
			return p, "", true
		}
		if dirfd, ok := syscallArg(ev, "dirfd", event.ArgFD); ok && dirfd.Num != -100 {
			return p, "", true
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
}

// unlinkatFlags is the flags parameter of unlinkat as Falco's driver
// records it (unlinkat_flags_to_scap): AT_REMOVEDIR or nothing.
func unlinkatFlags(ev *event.Event) (uint32, bool) {
	a, ok := syscallArg(ev, "flags", event.ArgUint)
	if !ok {
		return 0, false
	}
	return uint32(a.Num) & ppmAtRemoveDir, true
}

func argUnlinkatFlags(s *argScratch, ev *event.Event) (string, string, bool) {
	v, ok := unlinkatFlags(ev)
	if !ok {
		return "", "", false
	}
	if v&ppmAtRemoveDir != 0 {
		return "512", "AT_REMOVEDIR", true
	}
	return "0", "", true
}

// pathOpMode is the mode parameter of mkdir and mkdirat: the caller's
// value, as a 32-bit number.
func pathOpMode(ev *event.Event) (uint32, bool) {
	a, ok := syscallArg(ev, "mode", event.ArgMode)
	if !ok {
		return 0, false
	}
	return uint32(a.Num), true
}

func argPathOpMode(s *argScratch, ev *event.Event) (string, string, bool) {
	v, ok := pathOpMode(ev)
	if !ok {
		return "", "", false
	}
	c := &s.pathMode
	if !c.valid || c.v != v {
		c.v, c.valid = v, true
		s.buf = appendHexUpper(s.buf[:0], uint64(v))
		c.s = string(s.buf)
	}
	return c.s, "", true
}

// pathOpArgTables returns the parameter lists of unlink, unlinkat, mkdir,
// mkdirat and rmdir.
func pathOpArgTables() (unlink, unlinkat, mkdir, mkdirat, rmdir []argDef) {
	res := argDef{"res", 0, argPathOpRes}
	dirfd := argDef{"dirfd", 1, argOpenFD("dirfd")}
	unlink = []argDef{res, {"path", 1, argPathOpPath("path")}}
	unlinkat = []argDef{res, dirfd, {"name", 2, argPathOpPath("name")}, {"flags", 3, argUnlinkatFlags}}
	mkdir = []argDef{res, {"path", 1, argPathOpPath("path")}, {"mode", 2, argPathOpMode}}
	mkdirat = []argDef{res, dirfd, {"path", 2, argPathOpPath("path")}, {"mode", 3, argPathOpMode}}
	rmdir = []argDef{res, {"path", 1, argPathOpPath("path")}}
	return unlink, unlinkat, mkdir, mkdirat, rmdir
}

// rawPathOpUint is evt.rawarg.flags and evt.rawarg.mode for these events.
func rawPathOpUint(ev *event.Event, key string) (uint64, bool) {
	switch {
	case key == "flags" && ev.Type == event.TypeUnlinkat:
		v, ok := unlinkatFlags(ev)
		return uint64(v), ok
	case key == "mode" && (ev.Type == event.TypeMkdir || ev.Type == event.TypeMkdirat):
		v, ok := pathOpMode(ev)
		return uint64(v), ok
	}
	return 0, false
}
