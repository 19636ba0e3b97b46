package fields

import (
	"testing"

	"github.com/vigil-sec/vigil/internal/event"
)

// attrFD is the descriptor fchmod and fchown act on: 3, /etc/shadow.
func attrFD() *event.FD {
	return &event.FD{Num: 3, Type: event.FDFile, Name: "/etc/shadow", Dev: 2049, Ino: 1234}
}

func fdArg(n int64) event.Arg { return event.Arg{Name: "fd", Kind: event.ArgFD, Num: n} }

// chmodEvent: chmod("/tmp/x", 04755) = 0.
func chmodEvent() *event.Event {
	return pathOpEventOf(event.TypeChmod, 0, pathArg("filename", "/tmp/x"), modeArg(0o4755))
}

// fchmodEvent: fchmod(3, 0600) = 0, 3 being /etc/shadow.
func fchmodEvent() *event.Event {
	ev := pathOpEventOf(event.TypeFchmod, 0, fdArg(3), modeArg(0o600))
	ev.Syscall.FD = attrFD()
	return ev
}

// fchmodatEvent: fchmodat(AT_FDCWD, "bin/tool", 0777) = -EPERM in /root.
func fchmodatEvent() *event.Event {
	return pathOpEventOf(event.TypeFchmodat, -1, dirfdArg(atFDCWD), pathArg("filename", "/root/bin/tool"), modeArg(0o100777))
}

// chownEvent: chown("/etc/passwd", 0, -1) = 0.
func chownEvent() *event.Event {
	return pathOpEventOf(event.TypeChown, 0, pathArg("path", "/etc/passwd"), uintArg("uid", 0), uintArg("gid", 0xffffffff))
}

// lchownEvent: lchown("/tmp/link", 1000, 1000) = -ENOENT.
func lchownEvent() *event.Event {
	return pathOpEventOf(event.TypeLchown, -2, pathArg("path", "/tmp/link"), uintArg("uid", 1000), uintArg("gid", 1000))
}

// fchownEvent: fchown(3, 0, 42) = 0, 3 being /etc/shadow.
func fchownEvent() *event.Event {
	ev := pathOpEventOf(event.TypeFchown, 0, fdArg(3), uintArg("uid", 0), uintArg("gid", 42))
	ev.Syscall.FD = attrFD()
	return ev
}

// fchownatEvent: fchownat(5, "f", 0, 0, AT_SYMLINK_NOFOLLOW|AT_EMPTY_PATH|1) = 0,
// 5 being /srv.
func fchownatEvent() *event.Event {
	return pathOpEventOf(event.TypeFchownat, 0, dirfdArg(5), pathArg("pathname", "/srv/f"),
		uintArg("uid", 0), uintArg("gid", 0), uintArg("flags", 0x1101))
}

// withFD: the fd fields of fchmod and fchown on /etc/shadow.
var withFD = []want{
	{"fd.num", int64(3)}, {"fd.type", "file"}, {"fd.typechar", "f"}, {"fd.name", "/etc/shadow"},
	{"fd.directory", "/etc"}, {"fd.filename", "shadow"}, {"fd.dev", int64(2049)}, {"fd.dev.major", int64(8)},
	{"fd.dev.minor", int64(1)}, {"fd.ino", int64(1234)}, {"fd.nameraw", na},
}

func attrCommon(typ string, res int64, resName string, fd bool) []want {
	w := pathOpCommon(typ, res, resName)
	if fd {
		w = w[:len(w)-len(noFD)]
		w = append(w, withFD...)
	}
	return append(w, want{"evt.type.is." + typ, 1})
}

const chmod4755Names = "S_IXOTH|S_IROTH|S_IXGRP|S_IRGRP|S_IXUSR|S_IWUSR|S_IRUSR|S_ISUID"

func TestChmodValues(t *testing.T) {
	c := newTestCatalog()
	check(t, c, chmodEvent(), append(attrCommon("chmod", 0, "SUCCESS", false), []want{
		{"evt.arg.res", "0"},
		{"evt.arg.filename", "/tmp/x"},
		{"evt.arg[1]", "/tmp/x"},
		{"evt.arg.mode", chmod4755Names},
		{"evt.arg[2]", chmod4755Names},
		{"evt.arg[3]", na},
		{"evt.args", "res=0 filename=/tmp/x mode=04755(" + chmod4755Names + ")"},
		{"evt.rawarg.filename", "/tmp/x"},
		{"evt.rawarg.mode", uint64(0o4755)},
		{"evt.rawarg.uid", na},
		{"evt.rawarg.flags", na},
		{"fs.path.name", "/tmp/x"},
		{"fs.path.source", na},
		{"fs.path.target", na},
	}...))
}

func TestFchmodValues(t *testing.T) {
	c := newTestCatalog()
	check(t, c, fchmodEvent(), append(attrCommon("fchmod", 0, "SUCCESS", true), []want{
		{"evt.arg.fd", "<f>/etc/shadow"},
		{"evt.arg[1]", "<f>/etc/shadow"},
		{"evt.arg.mode", "S_IWUSR|S_IRUSR"},
		{"evt.args", "res=0 fd=3(<f>/etc/shadow) mode=0600(S_IWUSR|S_IRUSR)"},
		{"evt.rawarg.fd", int64(3)},
		{"evt.rawarg.mode", uint64(0o600)},
		{"evt.arg.filename", na},
		{"fs.path.name", "/etc/shadow"},
	}...))
}

func TestFchmodatValues(t *testing.T) {
	c := newTestCatalog()
	const all = "S_IXOTH|S_IWOTH|S_IROTH|S_IXGRP|S_IWGRP|S_IRGRP|S_IXUSR|S_IWUSR|S_IRUSR"
	check(t, c, fchmodatEvent(), append(attrCommon("fchmodat", -1, "EPERM", false), []want{
		{"evt.arg.res", "EPERM"},
		{"evt.arg[1]", "AT_FDCWD"},
		{"evt.arg.filename", "/root/bin/tool"},
		{"evt.arg[2]", "/root/bin/tool"},
		{"evt.arg.mode", all},
		{"evt.args", "res=-1(EPERM) dirfd=-100(AT_FDCWD) filename=/root/bin/tool mode=0777(" + all + ")"},
		{"evt.rawarg.mode", uint64(0o777)}, // the file type bits are not recorded
		{"fs.path.name", "/root/bin/tool"},
	}...))
}

func TestChownValues(t *testing.T) {
	c := newTestCatalog()
	check(t, c, chownEvent(), append(attrCommon("chown", 0, "SUCCESS", false), []want{
		{"evt.arg.path", "/etc/passwd"},
		{"evt.arg.uid", "0"},
		{"evt.arg.gid", "4294967295"},
		{"evt.arg[2]", "0"},
		{"evt.arg[3]", "4294967295"},
		{"evt.arg.mode", na},
		{"evt.args", "res=0 path=/etc/passwd uid=0 gid=4294967295"},
		{"evt.rawarg.uid", uint64(0)},
		{"evt.rawarg.gid", uint64(0xffffffff)},
		{"evt.rawarg.path", "/etc/passwd"},
		{"fs.path.name", "/etc/passwd"},
	}...))
}

func TestLchownValues(t *testing.T) {
	c := newTestCatalog()
	check(t, c, lchownEvent(), append(attrCommon("lchown", -2, "ENOENT", false), []want{
		{"evt.args", "res=-2(ENOENT) path=/tmp/link uid=1000 gid=1000"},
		{"evt.rawarg.uid", uint64(1000)},
		{"fs.path.name", "/tmp/link"},
	}...))
}

func TestFchownValues(t *testing.T) {
	c := newTestCatalog()
	check(t, c, fchownEvent(), append(attrCommon("fchown", 0, "SUCCESS", true), []want{
		{"evt.arg.fd", "<f>/etc/shadow"},
		{"evt.arg.uid", "0"},
		{"evt.arg.gid", "42"},
		{"evt.args", "res=0 fd=3(<f>/etc/shadow) uid=0 gid=42"},
		{"evt.rawarg.gid", uint64(42)},
		{"evt.rawarg.flags", na},
		{"fs.path.name", "/etc/shadow"},
	}...))
}

func TestFchownatValues(t *testing.T) {
	c := newTestCatalog()
	check(t, c, fchownatEvent(), append(attrCommon("fchownat", 0, "SUCCESS", false), []want{
		{"evt.arg[1]", "5"},
		{"evt.arg[2]", "/srv/f"}, // evt.arg.pathname: refused while execveat lacks it
		{"evt.arg[2]", "/srv/f"},
		{"evt.arg.flags", "AT_SYMLINK_NOFOLLOW|AT_EMPTY_PATH"},
		{"evt.args", "res=0 dirfd=5 pathname=/srv/f uid=0 gid=0 flags=4352(AT_SYMLINK_NOFOLLOW|AT_EMPTY_PATH)"},
		{"evt.rawarg.flags", uint64(0x1100)}, // unknown bits dropped, as Falco's driver does
		{"fs.path.name", "/srv/f"},
	}...))
	ev := pathOpEventOf(event.TypeFchownat, 0, dirfdArg(5), pathArg("pathname", "/srv/f"),
		uintArg("uid", 0), uintArg("gid", 0), uintArg("flags", 0))
	check(t, c, ev, []want{{"evt.arg.flags", "0"}, {"evt.rawarg.flags", uint64(0)}})
}

// Relative paths (should the sensor hold one) are joined to the cwd only
// when the call used it.
func TestAttrRelativePath(t *testing.T) {
	c := newTestCatalog()
	ev := pathOpEventOf(event.TypeChmod, 0, pathArg("filename", "x"), modeArg(0o644))
	ev.Process.Cwd = "/home/u"
	check(t, c, ev, []want{{"evt.arg.filename", "/home/u/x"}, {"evt.rawarg.filename", "x"}})
	ev = pathOpEventOf(event.TypeFchownat, 0, dirfdArg(5), pathArg("pathname", "x"),
		uintArg("uid", 1), uintArg("gid", 1), uintArg("flags", 0))
	ev.Process.Cwd = "/home/u"
	check(t, c, ev, []want{{"evt.arg[2]", "x"}})
}

// evt.arg.pathname and evt.rawarg.pathname stay refused: execveat has a
// pathname parameter Vigil does not capture yet.
func TestAttrPathnameRefused(t *testing.T) {
	c := newTestCatalog()
	for _, base := range []string{"evt.arg", "evt.rawarg"} {
		f, _, ok := c.Lookup(base)
		if !ok {
			t.Fatalf("Lookup(%q) failed", base)
		}
		if _, err := f.Bind("pathname"); err == nil || !isUnavailable(err) {
			t.Errorf("%s.pathname: Bind = %v, want an UnavailableError", base, err)
		}
	}
}
