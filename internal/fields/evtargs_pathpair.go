package fields

import (
	"path"

	"github.com/vigil-sec/vigil/internal/event"
)

// Parameters of the exit events of the calls that act on two paths, in the
// order and with the types of Falco's event table (driver/event_table.c):
//
//	rename    (PPME_SYSCALL_RENAME_X):    res, oldpath, newpath
//	renameat  (PPME_SYSCALL_RENAMEAT_X):  res, olddirfd, oldpath, newdirfd, newpath
//	renameat2 (PPME_SYSCALL_RENAMEAT2_X): res, olddirfd, oldpath, newdirfd, newpath, flags
//	link      (PPME_SYSCALL_LINK_2_X):    res, oldpath, newpath
//	linkat    (PPME_SYSCALL_LINKAT_2_X):  res, olddir, oldpath, newdir, newpath, flags
//	symlink   (PPME_SYSCALL_SYMLINK_X):   res, target, linkpath
//	symlinkat (PPME_SYSCALL_SYMLINKAT_X): res, target, linkdirfd, linkpath
//
// res is PT_ERRNO; olddirfd, newdirfd, olddir, newdir and linkdirfd PT_FD;
// oldpath, newpath and linkpath PT_FSPATH (PT_FSRELPATH for the *at calls,
// relative to the preceding directory descriptor); target PT_CHARBUF (the
// content of the symbolic link, never resolved); flags PT_FLAGS32
// (renameat2_flags: RENAME_*; linkat_flags: AT_SYMLINK_FOLLOW,
// AT_EMPTY_PATH). These events have no descriptor (event.Syscall.FD is nil).

// Falco's PPM_RENAME_* and PPM_AT_* linkat flags (the kernel's values).
const (
	ppmRenameNoreplace  = 1 << 0
	ppmRenameExchange   = 1 << 1
	ppmRenameWhiteout   = 1 << 2
	ppmAtSymlinkFollow  = 0x400
	ppmAtEmptyPath      = 0x1000
	ppmRenameat2FlagSet = ppmRenameNoreplace | ppmRenameExchange | ppmRenameWhiteout
	ppmLinkatFlagSet    = ppmAtSymlinkFollow | ppmAtEmptyPath
)

// renameat2FlagNames and linkatFlagNames are Falco's flag tables
// (renameat2_flags, linkat_flags in userspace/libscap's flags_table), in
// their order.
var (
	renameat2FlagNames = []flagName{
		{ppmRenameNoreplace, "RENAME_NOREPLACE"},
		{ppmRenameExchange, "RENAME_EXCHANGE"},
		{ppmRenameWhiteout, "RENAME_WHITEOUT"},
	}
	linkatFlagNames = []flagName{
		{ppmAtSymlinkFollow, "AT_SYMLINK_FOLLOW"},
		{ppmAtEmptyPath, "AT_EMPTY_PATH"},
	}
)

type flagName struct {
	v    uint32
	name string
}

// argPathPairPath renders the path parameter name, relative to the
// directory descriptor dirfd ("" when the call has none). The sensor records
// the resolved path; should it hold a relative one, it is joined to the
// working directory when the call used it (no dirfd, or AT_FDCWD), as Falco
// does.
func argPathPairPath(name, dirfd string) argRender {
	return func(s *argScratch, ev *event.Event) (string, string, bool) {
		a, ok := syscallArg(ev, name, event.ArgPath)
		if !ok {
			return "", "", false
		}
		p := a.Str
		if p == "" || p[0] == '/' {
			return p, "", true
		}
		if dirfd != "" {
			if d, ok := syscallArg(ev, dirfd, event.ArgFD); ok && d.Num != -100 {
				return p, "", true
			}
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

// argSymlinkTarget renders the target of symlink and symlinkat: the
// content of the link as the caller wrote it (PT_CHARBUF).
func argSymlinkTarget(s *argScratch, ev *event.Event) (string, string, bool) {
	a, ok := syscallArg(ev, "target", event.ArgPath)
	if !ok {
		return "", "", false
	}
	return a.Str, "", true
}

// pathPairFlags is the flags parameter of renameat2 and linkat as Falco's
// driver records it (renameat2_flags_to_scap, linkat_flags_to_scap): the
// flags it knows, the others dropped.
func pathPairFlags(ev *event.Event) (uint32, bool) {
	a, ok := syscallArg(ev, "flags", event.ArgUint)
	if !ok {
		return 0, false
	}
	switch ev.Type {
	case event.TypeRenameat2:
		return uint32(a.Num) & ppmRenameat2FlagSet, true
	case event.TypeLinkat:
		return uint32(a.Num) & ppmLinkatFlagSet, true
	}
	return 0, false
}

func argPathPairFlags(s *argScratch, ev *event.Event) (string, string, bool) {
	v, ok := pathPairFlags(ev)
	if !ok {
		return "", "", false
	}
	names := renameat2FlagNames
	if ev.Type == event.TypeLinkat {
		names = linkatFlagNames
	}
	c := &s.pairFlags
	if !c.valid || c.v != v || c.t != ev.Type {
		c.t, c.v, c.valid = ev.Type, v, true
		c.raw = s.itoa(1, int64(v))
		b := s.buf[:0]
		for _, f := range names {
			if v&f.v != 0 {
				if len(b) > 0 {
					b = append(b, '|')
				}
				b = append(b, f.name...)
			}
		}
		s.buf = b
		c.names = string(b)
	}
	return c.raw, c.names, true
}

// pathPairArgTables returns the parameter lists of rename, renameat,
// renameat2, link, linkat, symlink and symlinkat.
func pathPairArgTables() (rename, renameat, renameat2, link, linkat, symlink, symlinkat []argDef) {
	res := argDef{"res", 0, argPathOpRes}
	rename = []argDef{res, {"oldpath", 1, argPathPairPath("oldpath", "")}, {"newpath", 2, argPathPairPath("newpath", "")}}
	renameat = []argDef{res,
		{"olddirfd", 1, argOpenFD("olddirfd")}, {"oldpath", 2, argPathPairPath("oldpath", "olddirfd")},
		{"newdirfd", 3, argOpenFD("newdirfd")}, {"newpath", 4, argPathPairPath("newpath", "newdirfd")}}
	renameat2 = append(append([]argDef(nil), renameat...), argDef{"flags", 5, argPathPairFlags})
	link = []argDef{res, {"oldpath", 1, argPathPairPath("oldpath", "")}, {"newpath", 2, argPathPairPath("newpath", "")}}
	linkat = []argDef{res,
		{"olddir", 1, argOpenFD("olddir")}, {"oldpath", 2, argPathPairPath("oldpath", "olddir")},
		{"newdir", 3, argOpenFD("newdir")}, {"newpath", 4, argPathPairPath("newpath", "newdir")},
		{"flags", 5, argPathPairFlags}}
	symlink = []argDef{res, {"target", 1, argSymlinkTarget}, {"linkpath", 2, argPathPairPath("linkpath", "")}}
	symlinkat = []argDef{res, {"target", 1, argSymlinkTarget},
		{"linkdirfd", 2, argOpenFD("linkdirfd")}, {"linkpath", 3, argPathPairPath("linkpath", "linkdirfd")}}
	return rename, renameat, renameat2, link, linkat, symlink, symlinkat
}

// rawPathPairUint is evt.rawarg.flags for these events.
func rawPathPairUint(ev *event.Event, key string) (uint64, bool) {
	if key != "flags" {
		return 0, false
	}
	v, ok := pathPairFlags(ev)
	return uint64(v), ok
}

// pathPairPaths returns the source and target of a rename, link or
// symlink event (Falco's fs.path.source and fs.path.target): oldpath and
// newpath, or the symbolic link's content as written and linkpath.
func pathPairPaths(ev *event.Event) (source, target string) {
	if ev == nil || ev.Syscall == nil || !ev.Type.IsPathPair() {
		return "", ""
	}
	for _, a := range ev.Syscall.Args {
		if a.Kind != event.ArgPath {
			continue
		}
		switch a.Name {
		case "oldpath", "target":
			source = a.Str
		case "newpath", "linkpath":
			target = a.Str
		}
	}
	return source, target
}
