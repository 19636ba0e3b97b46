package fields

import (
	"testing"

	"github.com/vigil-sec/vigil/internal/event"
)

const atFDCWD = -100

// openSyscall builds the Syscall detail of an open-family event, with the
// parameters of Falco's exit event for t. flags and resolve are kernel
// values; dirfd and resolve are ignored where t has no such parameter.
func openSyscall(t event.Type, res, dirfd int64, name string, flags, mode, resolve uint64, fd event.FD) *event.Syscall {
	fdArg := event.Arg{Name: "fd", Kind: event.ArgFD, Num: res}
	dirfdArg := event.Arg{Name: "dirfd", Kind: event.ArgFD, Num: dirfd}
	nameArg := event.Arg{Name: "name", Kind: event.ArgPath, Str: name}
	flagsArg := event.Arg{Name: "flags", Kind: event.ArgOpenFlags, Num: int64(flags)}
	modeArg := event.Arg{Name: "mode", Kind: event.ArgMode, Num: int64(mode)}
	resolveArg := event.Arg{Name: "resolve", Kind: event.ArgResolve, Num: int64(resolve)}
	devArg := event.Arg{Name: "dev", Kind: event.ArgUint, Num: int64(fd.Dev)}
	inoArg := event.Arg{Name: "ino", Kind: event.ArgUint, Num: int64(fd.Ino)}
	var args []event.Arg
	switch t {
	case event.TypeOpen:
		args = []event.Arg{fdArg, nameArg, flagsArg, modeArg, devArg, inoArg}
	case event.TypeOpenat:
		args = []event.Arg{fdArg, dirfdArg, nameArg, flagsArg, modeArg, devArg, inoArg}
	case event.TypeOpenat2:
		args = []event.Arg{fdArg, dirfdArg, nameArg, flagsArg, modeArg, resolveArg, devArg, inoArg}
	case event.TypeCreat:
		args = []event.Arg{fdArg, nameArg, modeArg, devArg, inoArg}
	}
	fd.Num = res
	if fd.NameRaw == "" {
		fd.NameRaw = name
	}
	return &event.Syscall{Res: res, Args: args, FD: &fd}
}

func openEventOf(t event.Type, s *event.Syscall) *event.Event {
	return &event.Event{Time: evTime, Type: t, Host: "vm", Process: baseProcess(), Ancestors: ancestors(), Syscall: s}
}

// openatEvent: sh opens /etc/shadow for reading (openat(AT_FDCWD,
// "/etc/shadow", O_RDONLY|O_CLOEXEC) = 3).
func openatEvent() *event.Event {
	return openEventOf(event.TypeOpenat, openSyscall(event.TypeOpenat, 3, atFDCWD, "/etc/shadow", kOCloexec, 0, 0,
		event.FD{Type: event.FDFile, Name: "/etc/shadow", Dev: 2049, Ino: 1234}))
}

// openatFailedEvent: a relative path, refused (openat(AT_FDCWD,
// "x/../.ssh//id_rsa", O_WRONLY|O_CREAT|O_TRUNC, 0755) = -EACCES), the
// working directory being /root.
func openatFailedEvent() *event.Event {
	return openEventOf(event.TypeOpenat, openSyscall(event.TypeOpenat, -13, atFDCWD, "x/../.ssh//id_rsa",
		kOWronly|kOCreat|kOTrunc, 0o755, 0, event.FD{Type: event.FDFile, Name: "/root/.ssh/id_rsa"}))
}

// openatDirfdEvent: a path relative to a directory descriptor
// (openat(5, "conf//app.yaml", O_RDWR|O_APPEND) = 7), with a mode the
// caller did not mean (no O_CREAT).
func openatDirfdEvent() *event.Event {
	return openEventOf(event.TypeOpenat, openSyscall(event.TypeOpenat, 7, 5, "conf//app.yaml", kORdwr|kOAppend, 0o644, 0,
		event.FD{Type: event.FDFile, Name: "/srv/conf/app.yaml", Dev: 0xfd00, Ino: 77}))
}

// openatDirEvent: opendir("/tmp") (openat(AT_FDCWD, "/tmp",
// O_RDONLY|O_NONBLOCK|O_CLOEXEC|O_DIRECTORY) = 4), with whatever was in
// the mode register.
func openatDirEvent() *event.Event {
	return openEventOf(event.TypeOpenat, openSyscall(event.TypeOpenat, 4, atFDCWD, "/tmp", kONonblock|kOCloexec|kODirectory, 0o755, 0,
		event.FD{Type: event.FDDirectory, Name: "/tmp", Dev: 2049, Ino: 2}))
}

// openEvent: open("data.txt", O_RDONLY) = 3 in /root.
func openEvent() *event.Event {
	return openEventOf(event.TypeOpen, openSyscall(event.TypeOpen, 3, 0, "data.txt", 0, 0, 0,
		event.FD{Type: event.FDFile, Name: "/root/data.txt", Dev: 2049, Ino: 5}))
}

// openFailedEvent: open("../etc//passwdx", O_RDONLY) = -ENOENT in /root.
func openFailedEvent() *event.Event {
	return openEventOf(event.TypeOpen, openSyscall(event.TypeOpen, -2, 0, "../etc//passwdx", 0, 0, 0,
		event.FD{Type: event.FDFile, Name: "/etc/passwdx"}))
}

// creatEvent: creat("run.sh", 0755) = 3 in /root.
func creatEvent() *event.Event {
	return openEventOf(event.TypeCreat, openSyscall(event.TypeCreat, 3, 0, "run.sh", 0, 0o755, 0,
		event.FD{Type: event.FDFile, Name: "/root/run.sh", Dev: 2049, Ino: 99}))
}

// openat2Event: openat2(AT_FDCWD, "/etc/hosts", {O_RDONLY,
// RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS}) = 5.
func openat2Event() *event.Event {
	return openEventOf(event.TypeOpenat2, openSyscall(event.TypeOpenat2, 5, atFDCWD, "/etc/hosts", 0, 0,
		kResolveBeneath|kResolveNoSymlinks, event.FD{Type: event.FDFile, Name: "/etc/hosts", Dev: 2049, Ino: 3}))
}

func TestOpenatValues(t *testing.T) {
	c := newTestCatalog()
	check(t, c, openatEvent(), []want{
		{"evt.type", "openat"},
		{"evt.type.is.openat", 1},
		{"evt.type.is.open", 0},
		{"syscall.type", "openat"},
		{"evt.category", "file"},
		{"evt.dir", "<"},
		{"evt.res", "SUCCESS"},
		{"evt.rawres", 3},
		{"evt.failed", false},
		{"evt.count.error", 0},
		{"evt.count.exit", 1},
		{"evt.is_open_read", true},
		{"evt.is_open_write", false},
		{"evt.is_open_exec", false},
		{"proc.name", "sh"},
		{"user.name", "root"},

		{"fd.num", 3},
		{"fd.type", "file"},
		{"fd.typechar", "f"},
		{"fd.name", "/etc/shadow"},
		{"fd.nameraw", "/etc/shadow"},
		{"fd.directory", "/etc"},
		{"fd.filename", "shadow"},
		{"fd.dev", 2049},
		{"fd.dev.major", 8},
		{"fd.dev.minor", 1},
		{"fd.ino", 1234},
		{"fd.uid", "43213"},

		{"evt.arg.fd", "<f>/etc/shadow"},
		{"evt.arg[0]", "<f>/etc/shadow"},
		{"evt.arg[1]", "AT_FDCWD"},
		{"evt.arg.name", "/etc/shadow"},
		{"evt.arg.flags", "O_RDONLY|O_CLOEXEC"},
		{"evt.arg[3]", "O_RDONLY|O_CLOEXEC"},
		{"evt.arg.mode", "0"},
		{"evt.arg.dev", "801"},
		{"evt.arg.ino", "1234"},
		{"evt.arg[6]", "1234"},
		{"evt.arg.resolve", na},
		{"evt.arg.res", na},
		{"evt.arg.exe", na},
		{"evt.args", "fd=3(<f>/etc/shadow) dirfd=-100(AT_FDCWD) name=/etc/shadow flags=4097(O_RDONLY|O_CLOEXEC) mode=0 dev=801 ino=1234"},
		{"evt.info", "fd=3(<f>/etc/shadow) dirfd=-100(AT_FDCWD) name=/etc/shadow flags=4097(O_RDONLY|O_CLOEXEC) mode=0 dev=801 ino=1234"},

		{"evt.rawarg.fd", 3},
		{"evt.rawarg.name", "/etc/shadow"},
		{"evt.rawarg.flags", ppmORdonly | ppmOCloexec},
		{"evt.rawarg.mode", 0},
		{"evt.rawarg.dev", 2049},
		{"evt.rawarg.ino", 1234},
		{"evt.rawarg.resolve", na},
	})
}

func TestOpenatFailed(t *testing.T) {
	c := newTestCatalog()
	check(t, c, openatFailedEvent(), []want{
		{"evt.res", "EACCES"},
		{"evt.rawres", -13},
		{"evt.failed", true},
		{"evt.count.error", 1},
		{"evt.is_open_read", false},
		{"evt.is_open_write", true},
		{"evt.is_open_exec", true},

		// libsinsp's extract_from_null_fd.
		{"fd.num", -1},
		{"fd.type", na},
		{"fd.typechar", "f"},
		{"fd.name", "/root/.ssh/id_rsa"},
		{"fd.nameraw", "x/../.ssh/id_rsa"},
		{"fd.directory", "/root/.ssh"},
		{"fd.filename", na},
		{"fd.dev", na},
		{"fd.dev.major", na},
		{"fd.ino", na},
		{"fd.uid", "4321-1"},

		{"evt.arg.fd", "EACCES"},
		{"evt.arg.name", "/root/.ssh/id_rsa"},
		{"evt.arg.flags", "O_TRUNC|O_CREAT|O_WRONLY"},
		{"evt.arg.mode", "0755"},
		{"evt.arg.dev", "0"},
		{"evt.args", "fd=-13(EACCES) dirfd=-100(AT_FDCWD) name=x/../.ssh//id_rsa(/root/.ssh/id_rsa) flags=262(O_TRUNC|O_CREAT|O_WRONLY) mode=0755 dev=0 ino=0"},
		{"evt.rawarg.fd", -13},
		{"evt.rawarg.flags", 262},
		{"evt.rawarg.mode", 0o755},
		{"evt.rawarg.name", "x/../.ssh//id_rsa"},
	})

	// An error Falco does not name.
	ev := openatFailedEvent()
	ev.Syscall.Res, ev.Syscall.FD.Num, ev.Syscall.Args[0].Num = -600, -600, -600
	check(t, c, ev, []want{{"evt.res", "-600"}, {"evt.rawres", -600}, {"evt.arg.fd", "-600"}, {"fd.num", -1}})
	ev.Syscall.Res, ev.Syscall.FD.Num, ev.Syscall.Args[0].Num = -512, -512, -512
	check(t, c, ev, []want{{"evt.res", "ERESTARTSYS"}, {"evt.arg.fd", "ERESTARTSYS"}})
}

func TestOpenatVariants(t *testing.T) {
	c := newTestCatalog()
	check(t, c, openatDirfdEvent(), []want{
		{"evt.is_open_read", true},
		{"evt.is_open_write", true},
		{"evt.is_open_exec", false},
		{"fd.num", 7},
		{"fd.name", "/srv/conf/app.yaml"},
		{"fd.nameraw", "conf/app.yaml"},
		{"fd.directory", "/srv/conf"},
		{"fd.filename", "app.yaml"},
		{"fd.dev.major", 253},
		{"fd.dev.minor", 0},
		{"evt.arg.fd", "<f>/srv/conf/app.yaml"},
		{"evt.arg[1]", "5"},
		{"evt.arg.name", "/srv/conf/app.yaml"},
		{"evt.arg.flags", "O_APPEND|O_RDWR"},
		{"evt.arg.mode", "0"}, // no O_CREAT: Falco records no mode
		{"evt.arg.dev", "FD00"},
		{"evt.rawarg.mode", 0},
		{"evt.rawarg.flags", ppmORdwr | ppmOAppend},
	})
	// As in Falco, an O_DIRECTORY open also reads as O_TMPFILE (the
	// kernel's O_TMPFILE includes O_DIRECTORY), which keeps its mode.
	check(t, c, openatDirEvent(), []want{
		{"fd.type", "directory"},
		{"fd.typechar", "d"},
		{"fd.name", "/tmp"},
		{"fd.directory", "/tmp"},
		{"fd.filename", na},
		{"evt.is_open_read", true},
		{"evt.is_open_exec", true},
		{"evt.arg.fd", "<d>/tmp"},
		{"evt.arg.flags", "O_DIRECTORY|O_NONBLOCK|O_RDONLY|O_CLOEXEC|O_TMPFILE"},
		{"evt.arg.mode", "0755"},
		{"evt.rawarg.flags", ppmORdonly | ppmONonblock | ppmODirectory | ppmOCloexec | ppmOTmpfile},
	})

	// Other descriptor types.
	ev := openatEvent()
	ev.Syscall.FD.Type = event.FDMemfd
	check(t, c, ev, []want{{"fd.type", "memfd"}, {"fd.typechar", "m"}, {"fd.directory", na}, {"fd.filename", na}, {"evt.arg.fd", "<m>/etc/shadow"}})
	ev.Syscall.FD.Type = event.FDUnknown
	check(t, c, ev, []want{{"fd.type", "unknown"}, {"fd.typechar", "o"}, {"evt.arg.fd", "<o>/etc/shadow"}})

	// A relative path without a descriptor detail: joined to the cwd.
	ev = openatFailedEvent()
	ev.Syscall.FD = nil
	check(t, c, ev, []want{{"evt.arg.name", "/root/.ssh/id_rsa"}, {"fd.name", na}, {"fd.num", na}, {"evt.res", "EACCES"}})
	ev = openatDirfdEvent()
	ev.Syscall.FD = nil
	check(t, c, ev, []want{{"evt.arg.name", "conf//app.yaml"}, {"evt.arg.fd", "7"}})

	// Invalid access mode 3 reads as O_RDONLY, as in Falco's driver;
	// O_DSYNC also shows O_SYNC; flags Falco has no name for are dropped.
	ev = openatEvent()
	ev.Syscall.Args[3].Num = kOAccmode | kODsync | kONofollow | kONoatime | kOPath | kONoctty | kOFasync
	check(t, c, ev, []want{{"evt.arg.flags", "O_SYNC|O_DSYNC|O_RDONLY"}, {"evt.is_open_read", true}, {"evt.is_open_write", false}})
	ev.Syscall.Args[3].Num = kOSync | kOExcl | kOCreat | kOLargefile | kODirect | kOWronly
	check(t, c, ev, []want{{"evt.arg.flags", "O_LARGEFILE|O_DIRECT|O_SYNC|O_EXCL|O_DSYNC|O_CREAT|O_WRONLY"}})
}

func TestOpenAndCreat(t *testing.T) {
	c := newTestCatalog()
	check(t, c, openEvent(), []want{
		{"evt.type", "open"},
		{"evt.is_open_read", true},
		{"fd.name", "/root/data.txt"},
		{"fd.nameraw", "data.txt"},
		{"fd.filename", "data.txt"},
		{"evt.arg.name", "/root/data.txt"},
		{"evt.arg[1]", "/root/data.txt"},
		{"evt.arg.flags", "O_RDONLY"},
		{"evt.rawarg.flags", 1},
		{"evt.args", "fd=3(<f>/root/data.txt) name=data.txt(/root/data.txt) flags=1(O_RDONLY) mode=0 dev=801 ino=5"},
	})
	// A failed open: fd.nameraw is the resolved path, as libsinsp reads
	// the resolved name parameter of open and creat.
	check(t, c, openFailedEvent(), []want{
		{"evt.res", "ENOENT"},
		{"fd.num", -1},
		{"fd.name", "/etc/passwdx"},
		{"fd.nameraw", "/etc/passwdx"},
		{"fd.directory", "/etc"},
		{"evt.arg.fd", "ENOENT"},
	})
	ev := openFailedEvent()
	ev.Syscall.Args[1].Str, ev.Syscall.FD.NameRaw = "/etc/../etc//passwdx", "/etc/../etc//passwdx"
	check(t, c, ev, []want{{"fd.nameraw", "/etc/../etc/passwdx"}, {"evt.arg.name", "/etc/../etc//passwdx"}})

	check(t, c, creatEvent(), []want{
		{"evt.type", "creat"},
		{"evt.category", "file"},
		{"evt.is_open_read", false}, // Falco reads no flags for creat
		{"evt.is_open_write", false},
		{"evt.is_open_exec", true},
		{"fd.name", "/root/run.sh"},
		{"evt.arg.mode", "0755"},
		{"evt.arg[2]", "0755"},
		{"evt.arg.flags", na},
		{"evt.rawarg.flags", na},
		{"evt.rawarg.mode", 0o755},
		{"evt.args", "fd=3(<f>/root/run.sh) name=run.sh(/root/run.sh) mode=0755 dev=801 ino=99"},
	})
	ev = creatEvent()
	ev.Syscall.Args[2].Num = 0o644
	check(t, c, ev, []want{{"evt.is_open_exec", false}, {"evt.arg.mode", "0644"}})
	ev.Syscall.Args[2].Num = 0o104644 // setuid and the file type bits: PPM keeps 07777
	check(t, c, ev, []want{{"evt.arg.mode", "04644"}, {"evt.rawarg.mode", 0o4644}})
}

func TestOpenat2(t *testing.T) {
	c := newTestCatalog()
	check(t, c, openat2Event(), []want{
		{"evt.type", "openat2"},
		{"evt.is_open_read", true},
		{"evt.arg.resolve", "RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS"},
		{"evt.arg[6]", "801"},
		{"evt.rawarg.resolve", ppmResolveBeneath | ppmResolveNoSymlinks},
		{"evt.args", "fd=5(<f>/etc/hosts) dirfd=-100(AT_FDCWD) name=/etc/hosts flags=1(O_RDONLY) mode=0 resolve=9(RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS) dev=801 ino=3"},
	})
	ev := openat2Event()
	ev.Syscall.Args[5].Num = 0
	check(t, c, ev, []want{{"evt.arg.resolve", "0"}})
	ev.Syscall.Args[5].Num = kResolveNoXdev | kResolveNoMagiclinks | kResolveInRoot | kResolveCached
	check(t, c, ev, []want{{"evt.arg.resolve", "RESOLVE_IN_ROOT|RESOLVE_NO_MAGICLINKS|RESOLVE_NO_XDEV|RESOLVE_CACHED"}})
}

// Fields of the open family on other events: the fd fields are <NA>, the
// evt.is_open_* fields false.
func TestOpenFieldsOnOtherEvents(t *testing.T) {
	c := newTestCatalog()
	for _, ev := range []*event.Event{execEvent(), cloneThreadEvent(), exitEvent(event.Exit{}), dropEvent()} {
		check(t, c, ev, []want{
			{"evt.is_open_read", false},
			{"evt.is_open_write", false},
			{"evt.is_open_exec", false},
			{"fd.num", na},
			{"fd.name", na},
			{"fd.typechar", na},
			{"fd.uid", na},
			{"evt.rawarg.fd", na},
			{"evt.rawarg.name", na},
		})
	}
	check(t, c, execEvent(), []want{{"evt.rawarg.flags", ppmExeUpperLayer}})
	check(t, c, cloneThreadEvent(), []want{{"evt.rawarg.flags", 41990659}})
	check(t, c, exitEvent(event.Exit{}), []want{{"evt.rawarg.flags", na}, {"evt.res", na}})
}

// Malformed open events: arguments of the wrong kind are <NA>.
func TestOpenMalformed(t *testing.T) {
	c := newTestCatalog()
	ev := openatEvent()
	ev.Syscall.Args[2].Kind = event.ArgString // name
	ev.Syscall.Args[3].Kind = event.ArgUint   // flags
	ev.Syscall.Args[4].Kind = event.ArgInt    // mode
	check(t, c, ev, []want{
		{"evt.arg.name", na},
		{"evt.arg.flags", na},
		{"evt.arg.mode", na},
		{"evt.rawarg.flags", na},
		{"evt.is_open_read", false}, // a missing flags parameter reads as 0, as in Falco
		{"evt.is_open_exec", false},
		{"evt.args", "fd=3(<f>/etc/shadow) dirfd=-100(AT_FDCWD) dev=801 ino=1234"},
	})
	ev.Syscall = nil
	check(t, c, ev, []want{{"evt.res", na}, {"evt.failed", na}, {"evt.rawres", na}, {"evt.is_open_read", false}, {"evt.args", ""}})
}

func TestOpenFlagsToPPM(t *testing.T) {
	for _, tt := range []struct {
		kernel uint64
		ppm    uint32
		names  string
	}{
		{0, ppmORdonly, "O_RDONLY"},
		{kOWronly, ppmOWronly, "O_WRONLY"},
		{kORdwr, ppmORdwr, "O_RDWR"},
		{kOAccmode, ppmORdonly, "O_RDONLY"},
		{kOTmpfile | kORdwr, ppmOTmpfile | ppmODirectory | ppmORdwr, "O_DIRECTORY|O_RDWR|O_TMPFILE"},
		{kOCloexec | kOCreat | kOExcl | kOWronly, ppmOCloexec | ppmOCreat | ppmOExcl | ppmOWronly, "O_EXCL|O_CREAT|O_WRONLY|O_CLOEXEC"},
		{1 << 40, ppmORdonly, "O_RDONLY"},
	} {
		if got := openFlagsToPPM(tt.kernel); got != tt.ppm {
			t.Errorf("openFlagsToPPM(%#o) = %#x, want %#x", tt.kernel, got, tt.ppm)
		}
		if got := renderFlagNames(tt.ppm, fileFlagNames[:]); got != tt.names {
			t.Errorf("renderFlagNames(%#x) = %q, want %q", tt.ppm, got, tt.names)
		}
	}
	// Names that do not come from the kernel still render.
	if got := renderFlagNames(0, fileFlagNames[:]); got != "O_NONE" {
		t.Errorf("renderFlagNames(0) = %q", got)
	}
	if got := renderFlagNames(ppmOFCreated|ppmOWronly|ppmOCreat, fileFlagNames[:]); got != "O_CREAT|O_WRONLY|O_F_CREATED" {
		t.Errorf("renderFlagNames(created) = %q", got)
	}
	if got := renderFlagNames(1<<30, fileFlagNames[:]); got != "" {
		t.Errorf("renderFlagNames(unknown bit) = %q", got)
	}
}

func TestPathParts(t *testing.T) {
	for _, tt := range []struct{ name, dir, file string }{
		{"/etc/passwd", "/etc", "passwd"},
		{"/etc", "/", "etc"},
		{"/", "/", "/"},
		{"", "/", "/"},
		{"relative", "/", "/"},
		{"/etc/", "/etc/", "/etc/"},
		{"/a/b/c", "/a/b", "c"},
		{"a/b", "a", "b"},
	} {
		if got := fdDirectory(tt.name); got != tt.dir {
			t.Errorf("fdDirectory(%q) = %q, want %q", tt.name, got, tt.dir)
		}
		if got := fdFilename(tt.name); got != tt.file {
			t.Errorf("fdFilename(%q) = %q, want %q", tt.name, got, tt.file)
		}
	}
	var c dedupCache
	for in, want := range map[string]string{"": "", "/a//b///c": "/a/b/c", "//": "/", "a/b": "a/b", "x//": "x/"} {
		if got := c.get(in); got != want {
			t.Errorf("dedup(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestErrnoName(t *testing.T) {
	for res, want := range map[int64]string{0: "", 1: "", -1: "EPERM", -2: "ENOENT", -13: "EACCES", -41: "", -58: "",
		-125: "ECANCELED", -126: "", -530: "EIOCBRETRY", -531: "", -1 << 40: "", -1 << 63: ""} {
		if got := errnoName(res); got != want {
			t.Errorf("errnoName(%d) = %q, want %q", res, got, want)
		}
	}
}
