package fields

import (
	"testing"

	"github.com/vigil-sec/vigil/internal/event"
)

// pathOpEventOf builds an unlink/unlinkat/mkdir/mkdirat/rmdir event as the
// sensor produces it: no descriptor, res first, paths resolved.
func pathOpEventOf(t event.Type, res int64, args ...event.Arg) *event.Event {
	all := append([]event.Arg{{Name: "res", Kind: event.ArgErrno, Num: res}}, args...)
	return &event.Event{Time: evTime, Type: t, Host: "vm", Process: baseProcess(), Ancestors: ancestors(),
		Syscall: &event.Syscall{Res: res, Args: all}}
}

func pathArg(name, p string) event.Arg { return event.Arg{Name: name, Kind: event.ArgPath, Str: p} }
func dirfdArg(n int64) event.Arg       { return event.Arg{Name: "dirfd", Kind: event.ArgFD, Num: n} }
func modeArg(m int64) event.Arg        { return event.Arg{Name: "mode", Kind: event.ArgMode, Num: m} }
func uintArg(name string, v int64) event.Arg {
	return event.Arg{Name: name, Kind: event.ArgUint, Num: v}
}

// unlinkEvent: unlink("/tmp/x") = 0.
func unlinkEvent() *event.Event {
	return pathOpEventOf(event.TypeUnlink, 0, pathArg("path", "/tmp/x"))
}

// unlinkatEvent: unlinkat(AT_FDCWD, "cache/old", AT_REMOVEDIR) = 0 in /root.
func unlinkatEvent() *event.Event {
	return pathOpEventOf(event.TypeUnlinkat, 0, dirfdArg(atFDCWD), pathArg("name", "/root/cache/old"), uintArg("flags", 0x200))
}

// unlinkatFailedEvent: unlinkat(5, "gone", 0) = -ENOENT, 5 being /srv.
func unlinkatFailedEvent() *event.Event {
	return pathOpEventOf(event.TypeUnlinkat, -2, dirfdArg(5), pathArg("name", "/srv/gone"), uintArg("flags", 0))
}

// mkdirEvent: mkdir("/var/tmp/build", 0755) = 0.
func mkdirEvent() *event.Event {
	return pathOpEventOf(event.TypeMkdir, 0, pathArg("path", "/var/tmp/build"), modeArg(0o755))
}

// mkdiratEvent: mkdirat(7, "in", 0700) = -EEXIST, 7 being /srv/data.
func mkdiratEvent() *event.Event {
	return pathOpEventOf(event.TypeMkdirat, -17, dirfdArg(7), pathArg("path", "/srv/data/in"), modeArg(0o700))
}

// rmdirEvent: rmdir("/var/log") = -ENOTEMPTY.
func rmdirEvent() *event.Event {
	return pathOpEventOf(event.TypeRmdir, -39, pathArg("path", "/var/log"))
}

func pathOpEvents() []*event.Event {
	return []*event.Event{unlinkEvent(), unlinkatEvent(), unlinkatFailedEvent(), mkdirEvent(), mkdiratEvent(), rmdirEvent()}
}

// noFD: the fd fields of an event without a descriptor.
var noFD = []want{
	{"fd.num", na}, {"fd.type", na}, {"fd.typechar", na}, {"fd.name", na}, {"fd.nameraw", na},
	{"fd.directory", na}, {"fd.filename", na}, {"fd.dev", na}, {"fd.dev.major", na}, {"fd.dev.minor", na},
	{"fd.ino", na}, {"fd.uid", na},
}

// common: what every one of these events has.
func pathOpCommon(typ string, res int64, resName string) []want {
	failed := res < 0
	var errs uint64
	if failed {
		errs = 1
	}
	return append([]want{
		{"evt.type", typ},
		{"syscall.type", typ},
		{"evt.category", "file"},
		{"evt.dir", "<"},
		{"evt.res", resName},
		{"evt.rawres", res},
		{"evt.failed", failed},
		{"evt.count.error", errs},
		{"evt.count.exit", 1},
		{"evt.is_open_read", false},
		{"evt.is_open_write", false},
		{"evt.is_open_exec", false},
		{"proc.name", "sh"},
	}, noFD...)
}

func TestUnlinkValues(t *testing.T) {
	c := newTestCatalog()
	check(t, c, unlinkEvent(), append(pathOpCommon("unlink", 0, "SUCCESS"), []want{
		{"evt.type.is.unlink", 1},
		{"evt.arg.res", "0"},
		{"evt.arg[0]", "0"},
		{"evt.arg.path", "/tmp/x"},
		{"evt.arg[1]", "/tmp/x"},
		{"evt.arg[2]", na},
		{"evt.arg.name", na},
		{"evt.arg.flags", na},
		{"evt.arg.mode", na},
		{"evt.arg.fd", na},
		{"evt.args", "res=0 path=/tmp/x"},
		{"evt.info", "res=0 path=/tmp/x"},
		{"evt.rawarg.path", "/tmp/x"},
		{"evt.rawarg.name", na},
		{"evt.rawarg.flags", na},
		{"evt.rawarg.mode", na},
		{"evt.rawarg.fd", na},
	}...))
}

func TestUnlinkatValues(t *testing.T) {
	c := newTestCatalog()
	check(t, c, unlinkatEvent(), append(pathOpCommon("unlinkat", 0, "SUCCESS"), []want{
		{"evt.type.is.unlinkat", 1},
		{"evt.type.is.unlink", 0},
		{"evt.arg.res", "0"},
		{"evt.arg[1]", "AT_FDCWD"},
		{"evt.arg.name", "/root/cache/old"},
		{"evt.arg[2]", "/root/cache/old"},
		{"evt.arg.flags", "AT_REMOVEDIR"},
		{"evt.arg[3]", "AT_REMOVEDIR"},
		{"evt.arg.path", na},
		{"evt.args", "res=0 dirfd=-100(AT_FDCWD) name=/root/cache/old flags=512(AT_REMOVEDIR)"},
		{"evt.rawarg.name", "/root/cache/old"},
		{"evt.rawarg.flags", 0x200},
		{"evt.rawarg.mode", na},
	}...))

	check(t, c, unlinkatFailedEvent(), append(pathOpCommon("unlinkat", -2, "ENOENT"), []want{
		{"evt.arg.res", "ENOENT"},
		{"evt.arg[0]", "ENOENT"},
		{"evt.arg[1]", "5"},
		{"evt.arg.name", "/srv/gone"},
		{"evt.arg.flags", "0"},
		{"evt.args", "res=-2(ENOENT) dirfd=5 name=/srv/gone flags=0"},
		{"evt.rawarg.flags", 0},
	}...))

	// Flags Falco's driver does not record are dropped.
	ev := unlinkatEvent()
	ev.Syscall.Args[3].Num = 0x200 | 0x100
	check(t, c, ev, []want{{"evt.arg.flags", "AT_REMOVEDIR"}, {"evt.rawarg.flags", 0x200}})
	ev.Syscall.Args[3].Num = 0x100
	check(t, c, ev, []want{{"evt.arg.flags", "0"}, {"evt.rawarg.flags", 0}})

	// A path the sensor could not resolve: joined to the working
	// directory for AT_FDCWD, shown as is for another dirfd.
	ev = unlinkatEvent()
	ev.Syscall.Args[2].Str = "cache/old"
	check(t, c, ev, []want{{"evt.arg.name", "/root/cache/old"}, {"evt.rawarg.name", "cache/old"},
		{"evt.args", "res=0 dirfd=-100(AT_FDCWD) name=cache/old(/root/cache/old) flags=512(AT_REMOVEDIR)"}})
	ev = unlinkatFailedEvent()
	ev.Syscall.Args[2].Str = "gone"
	check(t, c, ev, []want{{"evt.arg.name", "gone"}})
}

func TestMkdirValues(t *testing.T) {
	c := newTestCatalog()
	check(t, c, mkdirEvent(), append(pathOpCommon("mkdir", 0, "SUCCESS"), []want{
		{"evt.type.is.mkdir", 1},
		{"evt.arg.res", "0"},
		{"evt.arg.path", "/var/tmp/build"},
		{"evt.arg[1]", "/var/tmp/build"},
		{"evt.arg.mode", "1ED"},
		{"evt.arg[2]", "1ED"},
		{"evt.arg[3]", na},
		{"evt.args", "res=0 path=/var/tmp/build mode=1ED"},
		{"evt.rawarg.path", "/var/tmp/build"},
		{"evt.rawarg.mode", 0o755},
		{"evt.rawarg.flags", na},
	}...))

	check(t, c, mkdiratEvent(), append(pathOpCommon("mkdirat", -17, "EEXIST"), []want{
		{"evt.type.is.mkdirat", 1},
		{"evt.arg.res", "EEXIST"},
		{"evt.arg[1]", "7"},
		{"evt.arg.path", "/srv/data/in"},
		{"evt.arg[2]", "/srv/data/in"},
		{"evt.arg.mode", "1C0"},
		{"evt.arg[3]", "1C0"},
		{"evt.args", "res=-17(EEXIST) dirfd=7 path=/srv/data/in mode=1C0"},
		{"evt.rawarg.mode", 0o700},
		{"evt.rawarg.path", "/srv/data/in"},
	}...))

	// A mode of 0, and one with the sticky and setgid bits.
	ev := mkdirEvent()
	ev.Syscall.Args[2].Num = 0
	check(t, c, ev, []want{{"evt.arg.mode", "0"}, {"evt.rawarg.mode", 0}})
	ev.Syscall.Args[2].Num = 0o3777
	check(t, c, ev, []want{{"evt.arg.mode", "7FF"}, {"evt.rawarg.mode", 0o3777}})
}

func TestRmdirValues(t *testing.T) {
	c := newTestCatalog()
	check(t, c, rmdirEvent(), append(pathOpCommon("rmdir", -39, "ENOTEMPTY"), []want{
		{"evt.type.is.rmdir", 1},
		{"evt.arg.res", "ENOTEMPTY"},
		{"evt.arg[0]", "ENOTEMPTY"},
		{"evt.arg.path", "/var/log"},
		{"evt.arg[1]", "/var/log"},
		{"evt.arg.mode", na},
		{"evt.args", "res=-39(ENOTEMPTY) path=/var/log"},
		{"evt.rawarg.path", "/var/log"},
	}...))
}

// TestPathOpArgsElsewhere: the new parameters are <NA> on the other events.
func TestPathOpArgsElsewhere(t *testing.T) {
	c := newTestCatalog()
	for _, ev := range []*event.Event{execEvent(), forkEvent(), openatEvent(), creatEvent(), exitEvent(event.Exit{}), dropEvent()} {
		check(t, c, ev, []want{{"evt.arg.path", na}, {"evt.rawarg.path", na}})
	}
	check(t, c, openatEvent(), []want{{"evt.arg.name", "/etc/shadow"}, {"evt.rawarg.mode", 0}, {"evt.rawarg.flags", ppmORdonly | ppmOCloexec}})
	check(t, c, creatEvent(), []want{{"evt.arg.mode", "0755"}})
}

func TestFSPath(t *testing.T) {
	c := newTestCatalog()
	for _, tc := range []struct {
		name      string
		ev        *event.Event
		path, raw any
	}{
		{"openat", openatEvent(), "/etc/shadow", "/etc/shadow"},
		{"failed relative openat", openatFailedEvent(), "/root/.ssh/id_rsa", "x/../.ssh//id_rsa"},
		{"unlink", unlinkEvent(), "/tmp/x", na},
		{"unlinkat", unlinkatEvent(), "/root/cache/old", na},
		{"mkdir", mkdirEvent(), "/var/tmp/build", na},
		{"execve", execEvent(), na, na},
	} {
		t.Run(tc.name, func(t *testing.T) {
			check(t, c, tc.ev, []want{{"fs.path.name", tc.path}, {"fs.path.nameraw", tc.raw}})
		})
	}
}
