package eventjson

import (
	"time"

	"github.com/vigil-sec/vigil/internal/event"
)

// fixture is an event with a golden file testdata/<name>.golden.
type fixture struct {
	name string
	ev   *event.Event
	// decoded is what Decode returns for the golden line, when it differs
	// from ev (strings with invalid UTF-8).
	decoded *event.Event
}

// testBoot is the boot id of the fixtures.
func testBoot() [16]byte {
	return [16]byte{0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}
}

// testTime is the time of the first fixture.
func testTime() time.Time { return time.Date(2025, 11, 23, 21, 11, 5, 123456789, time.UTC) }

func testAncestors() []event.Ancestor {
	return []event.Ancestor{
		{PID: 812, ExecID: event.NewExecID(testBoot(), 812, 5_000_000_000), Name: "bash", Exe: "/usr/bin/bash", Args: []string{"-bash"}},
		{PID: 790, ExecID: event.NewExecID(testBoot(), 790, 4_000_000_000), Name: "sshd", Exe: "/usr/sbin/sshd", Args: []string{"sshd: root@pts/0"}},
		{PID: 1, ExecID: event.NewExecID(testBoot(), 1, 1_000_000), Name: "systemd", Exe: "/usr/lib/systemd/systemd", Args: []string{"/sbin/init", "splash"}},
	}
}

func testProcess(pid uint32) event.Process {
	return event.Process{
		PID:       pid,
		TID:       pid,
		PPID:      812,
		ExecID:    event.NewExecID(testBoot(), pid, 9_876_543_210),
		Name:      "sh",
		Exe:       "/usr/bin/dash",
		Args:      []string{"sh", "-c", "echo hi > /tmp/x && cat /etc/passwd"},
		Cwd:       "/root",
		UID:       0,
		GID:       0,
		EUID:      0,
		EGID:      0,
		LoginUID:  event.NoLoginUID,
		SID:       812,
		TTY:       34816,
		StartTime: testTime().Add(-1500 * time.Millisecond),
		CgroupID:  1234,
	}
}

// fixtures returns fresh fixture events, at least one of every type.
func fixtures() []fixture {
	var fs []fixture

	ev := &event.Event{Time: testTime(), Type: event.TypeExecve, Host: "vm", Process: testProcess(4321),
		Ancestors: testAncestors(), Exec: &event.Exec{Filename: "/bin/sh"}}
	fs = append(fs, fixture{name: "execve", ev: ev})

	ev = &event.Event{Time: testTime().Add(time.Second), Type: event.TypeExecveat, Host: "vm", Process: testProcess(4400),
		Ancestors: testAncestors()[1:], Exec: &event.Exec{Filename: "/dev/fd/3"}}
	ev.Process.Name = "3"
	ev.Process.Exe = "/memfd:payload (deleted)"
	ev.Process.Args = []string{"payload", "--beacon", "10.0.0.1:4444"}
	ev.Process.ArgsTruncated = true
	ev.Process.UID, ev.Process.GID, ev.Process.EUID, ev.Process.EGID = 1000, 1000, 0, 0
	ev.Process.LoginUID = 1000
	ev.Process.ExeFromMemfd = true
	ev.Process.ExeDeleted = true
	fs = append(fs, fixture{name: "execveat", ev: ev})

	ev = &event.Event{Time: testTime().Add(2 * time.Second), Type: event.TypeClone, Host: "vm", Process: testProcess(4321),
		Ancestors: testAncestors(), Clone: &event.Clone{Flags: 0x3d0f00, Thread: true}}
	ev.Process.TID = 4322
	fs = append(fs, fixture{name: "clone", ev: ev})

	ev = &event.Event{Time: testTime().Add(3 * time.Second), Type: event.TypeClone3, Host: "node-1", Process: testProcess(5000),
		Ancestors: testAncestors(), Clone: &event.Clone{Flags: 0x200000011}}
	ev.Process.Name = "runc:[2:INIT]"
	ev.Process.Exe = "/usr/bin/runc"
	ev.Process.Args = []string{"runc", "init"}
	ev.Process.ExeUpperLayer = true
	ev.Process.TTY = 0
	ev.Process.CgroupID = 1 << 40
	fs = append(fs, fixture{name: "clone3", ev: ev})

	ev = &event.Event{Time: testTime().Add(4 * time.Second), Type: event.TypeFork, Host: "vm", Process: testProcess(5001),
		Ancestors: testAncestors(), Clone: &event.Clone{}}
	fs = append(fs, fixture{name: "fork", ev: ev})

	ev = &event.Event{Time: testTime().Add(5 * time.Second), Type: event.TypeVfork, Host: "vm", Process: testProcess(5002),
		Ancestors: testAncestors(), Clone: &event.Clone{Flags: 0x4111}}
	fs = append(fs, fixture{name: "vfork", ev: ev})

	ev = &event.Event{Time: testTime().Add(6 * time.Second), Type: event.TypeProcExit, Host: "vm", Process: testProcess(4321),
		Ancestors: testAncestors(), Exit: &event.Exit{Code: 0, Signal: 9, CoreDumped: false}}
	fs = append(fs, fixture{name: "procexit", ev: ev})

	ev = &event.Event{Time: testTime().Add(7 * time.Second), Type: event.TypeProcExit, Host: "vm", Process: testProcess(4322),
		Exit: &event.Exit{Code: 139, Signal: 11, CoreDumped: true}}
	ev.Process.Args = nil
	ev.Process.StartTime = time.Time{}
	ev.Process.ExecID = ""
	fs = append(fs, fixture{name: "procexit_core_no_ancestors", ev: ev})

	ev = &event.Event{Time: testTime().Add(8 * time.Second), Type: event.TypeDrop, Host: "vm",
		Drop: &event.Drop{Lost: map[string]uint64{"execve": 3, "clone": 1}}}
	fs = append(fs, fixture{name: "drop", ev: ev})

	// The open family. Flags and modes are the kernel's values (x86-64):
	// O_WRONLY|O_CREAT|O_TRUNC is 577, O_RDONLY|O_CLOEXEC 524288.
	ev = &event.Event{Time: testTime().Add(10 * time.Second), Type: event.TypeOpenat, Host: "vm", Process: testProcess(4321),
		Ancestors: testAncestors(), Syscall: &event.Syscall{Res: 3,
			Args: []event.Arg{
				{Name: "fd", Kind: event.ArgFD, Num: 3},
				{Name: "dirfd", Kind: event.ArgFD, Num: 5},
				{Name: "name", Kind: event.ArgPath, Str: "conf/app.yaml"},
				{Name: "flags", Kind: event.ArgOpenFlags, Num: 577},
				{Name: "mode", Kind: event.ArgMode, Num: 0o640},
				{Name: "dev", Kind: event.ArgUint, Num: 2049},
				{Name: "ino", Kind: event.ArgUint, Num: 1234},
			},
			FD: &event.FD{Num: 3, Type: event.FDFile, Name: "/srv/conf/app.yaml", NameRaw: "conf/app.yaml", Dev: 2049, Ino: 1234}}}
	fs = append(fs, fixture{name: "openat", ev: ev})

	ev = &event.Event{Time: testTime().Add(11 * time.Second), Type: event.TypeOpenat, Host: "vm", Process: testProcess(4321),
		Ancestors: testAncestors(), Syscall: &event.Syscall{Res: -2,
			Args: []event.Arg{
				{Name: "fd", Kind: event.ArgFD, Num: -2},
				{Name: "dirfd", Kind: event.ArgFD, Num: -100},
				{Name: "name", Kind: event.ArgPath, Str: "../etc/shadow.bak"},
				{Name: "flags", Kind: event.ArgOpenFlags, Num: 524288},
				{Name: "mode", Kind: event.ArgMode, Num: 0},
				{Name: "dev", Kind: event.ArgUint, Num: 0},
				{Name: "ino", Kind: event.ArgUint, Num: 0},
			},
			FD: &event.FD{Num: -2, Type: event.FDFile, Name: "/etc/shadow.bak", NameRaw: "../etc/shadow.bak"}}}
	fs = append(fs, fixture{name: "openat_enoent", ev: ev})

	ev = &event.Event{Time: testTime().Add(12 * time.Second), Type: event.TypeOpen, Host: "vm", Process: testProcess(4321),
		Ancestors: testAncestors(), Syscall: &event.Syscall{Res: 4,
			Args: []event.Arg{
				{Name: "fd", Kind: event.ArgFD, Num: 4},
				{Name: "name", Kind: event.ArgPath, Str: "/etc/passwd"},
				{Name: "flags", Kind: event.ArgOpenFlags, Num: 0},
				{Name: "mode", Kind: event.ArgMode, Num: 0},
				{Name: "dev", Kind: event.ArgUint, Num: 2049},
				{Name: "ino", Kind: event.ArgUint, Num: 393730},
			},
			FD: &event.FD{Num: 4, Type: event.FDFile, Name: "/etc/passwd", NameRaw: "/etc/passwd", Dev: 2049, Ino: 393730}}}
	fs = append(fs, fixture{name: "open", ev: ev})

	// openat2(AT_FDCWD, "/var/lib", {O_RDONLY|O_DIRECTORY|O_CLOEXEC,
	// RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS}): a directory.
	ev = &event.Event{Time: testTime().Add(13 * time.Second), Type: event.TypeOpenat2, Host: "vm", Process: testProcess(4321),
		Ancestors: testAncestors(), Syscall: &event.Syscall{Res: 6,
			Args: []event.Arg{
				{Name: "fd", Kind: event.ArgFD, Num: 6},
				{Name: "dirfd", Kind: event.ArgFD, Num: -100},
				{Name: "name", Kind: event.ArgPath, Str: "/var/lib"},
				{Name: "flags", Kind: event.ArgOpenFlags, Num: 0o2200000},
				{Name: "mode", Kind: event.ArgMode, Num: 0},
				{Name: "resolve", Kind: event.ArgResolve, Num: 0x0c},
				{Name: "dev", Kind: event.ArgUint, Num: 2049},
				{Name: "ino", Kind: event.ArgUint, Num: 131073},
			},
			FD: &event.FD{Num: 6, Type: event.FDDirectory, Name: "/var/lib", NameRaw: "/var/lib", Dev: 2049, Ino: 131073}}}
	fs = append(fs, fixture{name: "openat2", ev: ev})

	ev = &event.Event{Time: testTime().Add(14 * time.Second), Type: event.TypeCreat, Host: "vm", Process: testProcess(4321),
		Ancestors: testAncestors(), Syscall: &event.Syscall{Res: 3,
			Args: []event.Arg{
				{Name: "fd", Kind: event.ArgFD, Num: 3},
				{Name: "name", Kind: event.ArgPath, Str: "run.sh"},
				{Name: "mode", Kind: event.ArgMode, Num: 0o755},
				{Name: "dev", Kind: event.ArgUint, Num: 2049},
				{Name: "ino", Kind: event.ArgUint, Num: 55},
			},
			FD: &event.FD{Num: 3, Type: event.FDFile, Name: "/root/run.sh", NameRaw: "run.sh", Dev: 2049, Ino: 55}}}
	fs = append(fs, fixture{name: "creat", ev: ev})

	// Calls that create or remove a directory entry: no descriptor. A path
	// the caller passed relative is resolved by the sensor (as Falco shows
	// its FSRELPATH parameters); AT_REMOVEDIR is 0x200.
	ev = &event.Event{Time: testTime().Add(15 * time.Second), Type: event.TypeUnlink, Host: "vm", Process: testProcess(4321),
		Ancestors: testAncestors(), Syscall: &event.Syscall{Res: 0,
			Args: []event.Arg{
				{Name: "res", Kind: event.ArgErrno, Num: 0},
				{Name: "path", Kind: event.ArgPath, Str: "/tmp/x"},
			}}}
	fs = append(fs, fixture{name: "unlink", ev: ev})

	// unlinkat(AT_FDCWD, "cache/old", AT_REMOVEDIR) from /root.
	ev = &event.Event{Time: testTime().Add(16 * time.Second), Type: event.TypeUnlinkat, Host: "vm", Process: testProcess(4321),
		Ancestors: testAncestors(), Syscall: &event.Syscall{Res: 0,
			Args: []event.Arg{
				{Name: "res", Kind: event.ArgErrno, Num: 0},
				{Name: "dirfd", Kind: event.ArgFD, Num: -100},
				{Name: "name", Kind: event.ArgPath, Str: "/root/cache/old"},
				{Name: "flags", Kind: event.ArgUint, Num: 0x200},
			}}}
	fs = append(fs, fixture{name: "unlinkat", ev: ev})

	ev = &event.Event{Time: testTime().Add(17 * time.Second), Type: event.TypeMkdir, Host: "vm", Process: testProcess(4321),
		Ancestors: testAncestors(), Syscall: &event.Syscall{Res: 0,
			Args: []event.Arg{
				{Name: "res", Kind: event.ArgErrno, Num: 0},
				{Name: "path", Kind: event.ArgPath, Str: "/var/tmp/build"},
				{Name: "mode", Kind: event.ArgMode, Num: 0o755},
			}}}
	fs = append(fs, fixture{name: "mkdir", ev: ev})

	ev = &event.Event{Time: testTime().Add(18 * time.Second), Type: event.TypeMkdirat, Host: "vm", Process: testProcess(4321),
		Ancestors: testAncestors(), Syscall: &event.Syscall{Res: -17,
			Args: []event.Arg{
				{Name: "res", Kind: event.ArgErrno, Num: -17},
				{Name: "dirfd", Kind: event.ArgFD, Num: 7},
				{Name: "path", Kind: event.ArgPath, Str: "/srv/data/in"},
				{Name: "mode", Kind: event.ArgMode, Num: 0o700},
			}}}
	fs = append(fs, fixture{name: "mkdirat", ev: ev})

	// rmdir("/var/log") failing with ENOTEMPTY.
	ev = &event.Event{Time: testTime().Add(19 * time.Second), Type: event.TypeRmdir, Host: "vm", Process: testProcess(4321),
		Ancestors: testAncestors(), Syscall: &event.Syscall{Res: -39,
			Args: []event.Arg{
				{Name: "res", Kind: event.ArgErrno, Num: -39},
				{Name: "path", Kind: event.ArgPath, Str: "/var/log"},
			}}}
	fs = append(fs, fixture{name: "rmdir_enotempty", ev: ev})

	// Calls on two paths: no descriptor; oldpath, newpath and linkpath
	// resolved by the sensor, a symlink's target as the caller wrote it.
	pair := func(sec int, typ event.Type, res int64, args ...event.Arg) *event.Event {
		return &event.Event{Time: testTime().Add(time.Duration(sec) * time.Second), Type: typ, Host: "vm", Process: testProcess(4321),
			Ancestors: testAncestors(), Syscall: &event.Syscall{Res: res,
				Args: append([]event.Arg{{Name: "res", Kind: event.ArgErrno, Num: res}}, args...)}}
	}
	fs = append(fs, fixture{name: "rename", ev: pair(20, event.TypeRename, 0,
		event.Arg{Name: "oldpath", Kind: event.ArgPath, Str: "/tmp/a"},
		event.Arg{Name: "newpath", Kind: event.ArgPath, Str: "/tmp/b"})})
	// renameat(AT_FDCWD, "a", 5, "b") from /root, 5 being /mnt: -EXDEV.
	fs = append(fs, fixture{name: "renameat_exdev", ev: pair(21, event.TypeRenameat, -18,
		event.Arg{Name: "olddirfd", Kind: event.ArgFD, Num: -100},
		event.Arg{Name: "oldpath", Kind: event.ArgPath, Str: "/root/a"},
		event.Arg{Name: "newdirfd", Kind: event.ArgFD, Num: 5},
		event.Arg{Name: "newpath", Kind: event.ArgPath, Str: "/mnt/b"})})
	// RENAME_NOREPLACE is 1.
	fs = append(fs, fixture{name: "renameat2", ev: pair(22, event.TypeRenameat2, 0,
		event.Arg{Name: "olddirfd", Kind: event.ArgFD, Num: -100},
		event.Arg{Name: "oldpath", Kind: event.ArgPath, Str: "/etc/x"},
		event.Arg{Name: "newdirfd", Kind: event.ArgFD, Num: -100},
		event.Arg{Name: "newpath", Kind: event.ArgPath, Str: "/etc/y"},
		event.Arg{Name: "flags", Kind: event.ArgUint, Num: 1})})
	fs = append(fs, fixture{name: "link", ev: pair(23, event.TypeLink, 0,
		event.Arg{Name: "oldpath", Kind: event.ArgPath, Str: "/etc/shadow"},
		event.Arg{Name: "newpath", Kind: event.ArgPath, Str: "/tmp/s"})})
	// AT_SYMLINK_FOLLOW is 0x400.
	fs = append(fs, fixture{name: "linkat", ev: pair(24, event.TypeLinkat, 0,
		event.Arg{Name: "olddir", Kind: event.ArgFD, Num: -100},
		event.Arg{Name: "oldpath", Kind: event.ArgPath, Str: "/etc/passwd"},
		event.Arg{Name: "newdir", Kind: event.ArgFD, Num: 4},
		event.Arg{Name: "newpath", Kind: event.ArgPath, Str: "/tmp/p"},
		event.Arg{Name: "flags", Kind: event.ArgUint, Num: 0x400})})
	fs = append(fs, fixture{name: "symlink", ev: pair(25, event.TypeSymlink, 0,
		event.Arg{Name: "target", Kind: event.ArgPath, Str: "/etc"},
		event.Arg{Name: "linkpath", Kind: event.ArgPath, Str: "/tmp/etc"})})
	// symlinkat("../shadow", AT_FDCWD, "l") from /root: -EEXIST.
	fs = append(fs, fixture{name: "symlinkat_eexist", ev: pair(26, event.TypeSymlinkat, -17,
		event.Arg{Name: "target", Kind: event.ArgPath, Str: "../shadow"},
		event.Arg{Name: "linkdirfd", Kind: event.ArgFD, Num: -100},
		event.Arg{Name: "linkpath", Kind: event.ArgPath, Str: "/root/l"})})

	// Calls that change a file's mode or owner: fchmod and fchown carry the
	// descriptor they act on, the others their resolved path.
	fs = append(fs, fixture{name: "chmod", ev: pair(27, event.TypeChmod, 0,
		event.Arg{Name: "filename", Kind: event.ArgPath, Str: "/tmp/x"},
		event.Arg{Name: "mode", Kind: event.ArgMode, Num: 0o4755})})
	ev = pair(28, event.TypeFchmod, 0,
		event.Arg{Name: "fd", Kind: event.ArgFD, Num: 3},
		event.Arg{Name: "mode", Kind: event.ArgMode, Num: 0o600})
	ev.Syscall.FD = &event.FD{Num: 3, Type: event.FDFile, Name: "/etc/shadow", Dev: 2049, Ino: 393731}
	fs = append(fs, fixture{name: "fchmod", ev: ev})
	// fchmodat(AT_FDCWD, "bin/tool", 0777) from /root: -EPERM.
	fs = append(fs, fixture{name: "fchmodat_eperm", ev: pair(29, event.TypeFchmodat, -1,
		event.Arg{Name: "dirfd", Kind: event.ArgFD, Num: -100},
		event.Arg{Name: "filename", Kind: event.ArgPath, Str: "/root/bin/tool"},
		event.Arg{Name: "mode", Kind: event.ArgMode, Num: 0o777})})
	// chown("/etc/passwd", 0, -1): the gid unchanged.
	fs = append(fs, fixture{name: "chown", ev: pair(30, event.TypeChown, 0,
		event.Arg{Name: "path", Kind: event.ArgPath, Str: "/etc/passwd"},
		event.Arg{Name: "uid", Kind: event.ArgUint, Num: 0},
		event.Arg{Name: "gid", Kind: event.ArgUint, Num: 0xffffffff})})
	fs = append(fs, fixture{name: "lchown_enoent", ev: pair(31, event.TypeLchown, -2,
		event.Arg{Name: "path", Kind: event.ArgPath, Str: "/tmp/link"},
		event.Arg{Name: "uid", Kind: event.ArgUint, Num: 1000},
		event.Arg{Name: "gid", Kind: event.ArgUint, Num: 1000})})
	ev = pair(32, event.TypeFchown, 0,
		event.Arg{Name: "fd", Kind: event.ArgFD, Num: 3},
		event.Arg{Name: "uid", Kind: event.ArgUint, Num: 0},
		event.Arg{Name: "gid", Kind: event.ArgUint, Num: 42})
	ev.Syscall.FD = &event.FD{Num: 3, Type: event.FDFile, Name: "/etc/shadow", Dev: 2049, Ino: 393731}
	fs = append(fs, fixture{name: "fchown", ev: ev})
	// fchownat(5, "f", 0, 0, AT_SYMLINK_NOFOLLOW), 5 being /srv.
	fs = append(fs, fixture{name: "fchownat", ev: pair(33, event.TypeFchownat, 0,
		event.Arg{Name: "dirfd", Kind: event.ArgFD, Num: 5},
		event.Arg{Name: "pathname", Kind: event.ArgPath, Str: "/srv/f"},
		event.Arg{Name: "uid", Kind: event.ArgUint, Num: 0},
		event.Arg{Name: "gid", Kind: event.ArgUint, Num: 0},
		event.Arg{Name: "flags", Kind: event.ArgUint, Num: 0x100})})

	// Strings that need escaping, including invalid UTF-8 from the kernel.
	raw := []string{
		"quote\" backslash\\ slash/",
		"nl\n cr\r tab\t bs\b ff\f nul\x00 esc\x1b del\x7f",
		"html <script>&amp;</script>",
		"unicode é ü 日本 🐧 \u2028 \u2029 \ufffd",
		"bad \xff\xfe utf8 \xc3 trunc \xed\xa0\x80 surrogate \xe2\x82",
	}
	ev = &event.Event{Time: testTime().Add(9 * time.Second), Type: event.TypeExecve, Host: "h\"o\\st",
		Process: testProcess(6000), Exec: &event.Exec{Filename: "./we\x01ird\n"}}
	ev.Process.Args = raw
	ev.Process.Cwd = "/tmp/\xff"
	dec := &event.Event{Time: ev.Time, Type: ev.Type, Host: ev.Host, Process: ev.Process,
		Exec: &event.Exec{Filename: "./we\x01ird\n"}}
	dec.Process.Args = []string{raw[0], raw[1], raw[2], raw[3],
		"bad \ufffd\ufffd utf8 \ufffd trunc \ufffd\ufffd\ufffd surrogate \ufffd\ufffd"}
	dec.Process.Cwd = "/tmp/\ufffd"
	fs = append(fs, fixture{name: "execve_escaping", ev: ev, decoded: dec})

	return fs
}
