package eventjson

import (
	"net/netip"
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

	ev = &event.Event{Time: testTime().Add(9 * time.Second), Type: event.TypeEnforce, Host: "vm", Process: testProcess(4321),
		Ancestors: testAncestors(), Enforcement: &event.Enforcement{Policy: "no-exec-from-tmp", Mode: "enforce",
			Action: "deny", Match: "exec", Target: "/tmp/x", Result: "denied", Mechanism: "fanotify"}}
	fs = append(fs, fixture{name: "vigil_enforce", ev: ev})

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

	fs = append(fs, netFixtures()...)
	fs = append(fs, miscFixtures()...)
	fs = append(fs, execFixtures()...)
	fs = append(fs, containerFixtures()...)
	return fs
}

// containerProcess is testProcess run in a container: namespaces, cgroup
// paths, in-namespace ids and the container id set.
func containerProcess(pid uint32) event.Process {
	p := testProcess(pid)
	p.MntNS, p.PidNS = 4026532301, 4026532304
	p.VPID, p.VTID = 1, 1
	p.CgroupPath = "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod3e41dc6b_08a8_44db_bc2a_3724b18ab19a.slice/cri-containerd-" + testContainerID + ".scope"
	p.CgroupV1Path = "/kubepods/burstable/pod3e41dc6b-08a8-44db-bc2a-3724b18ab19a/" + testContainerID
	p.ContainerID = testContainerID
	return p
}

const testContainerID = "3ad7b26ded6d8e7b23da7d48fe889434573036c27ae5a74837233de441c3601e"

// containerFixtures are events in containers: one described by the
// runtime (a Kubernetes pod), one whose metadata is unknown.
func containerFixtures() []fixture {
	var fs []fixture
	ev := &event.Event{Time: testTime().Add(20 * time.Second), Type: event.TypeExecve, Host: "node-1",
		Process: containerProcess(7001), Ancestors: testAncestors()[2:], Exec: &event.Exec{Filename: "/bin/sh"}}
	ev.Container = &event.Container{
		ID: testContainerID, Runtime: "containerd", Name: "coredns",
		Image: "registry.k8s.io/coredns/coredns:v1.11.1", ImageRepository: "registry.k8s.io/coredns/coredns",
		ImageTag: "v1.11.1", ImageDigest: "sha256:1eeb4c7316bacb1d4c8ead65571cd92dd21e27359f0d4917f1a5822a73b75db1",
		Labels: map[string]string{
			"io.kubernetes.pod.name": "coredns-5d78c9869d-x2xkz", "io.kubernetes.pod.namespace": "kube-system",
			"io.kubernetes.container.name": "coredns", "tier": "control-plane", "empty": "", "quote\"d": "<&>",
		},
		Privileged: true,
		Mounts: []event.Mount{
			{Source: "/var/lib/kubelet/pods/3e41dc6b/volumes/kubernetes.io~configmap/config-volume", Dest: "/etc/coredns",
				Type: "bind", Options: []string{"rbind", "rprivate", "ro"}, Propagation: "rprivate"},
			{Source: "/proc", Dest: "/host/proc", Type: "bind", Options: []string{"rbind"}, ReadWrite: true, Propagation: "rslave"},
			{Source: "tmpfs", Dest: "/run/secrets", Type: "tmpfs", ReadWrite: true},
		},
		Created: testTime().Add(-time.Hour),
		Pod: &event.Pod{Name: "coredns-5d78c9869d-x2xkz", Namespace: "kube-system", UID: "3e41dc6b-08a8-44db-bc2a-3724b18ab19a",
			Labels: map[string]string{"k8s-app": "kube-dns", "pod-template-hash": "5d78c9869d"}},
		MetadataKnown: true,
	}
	fs = append(fs, fixture{name: "execve_container", ev: ev})

	// A container no runtime source described: id and runtime only.
	ev = &event.Event{Time: testTime().Add(21 * time.Second), Type: event.TypeOpenat, Host: "node-1",
		Process: containerProcess(7002), Ancestors: testAncestors()[2:],
		Syscall: &event.Syscall{Res: 3, Args: []event.Arg{{Name: "fd", Kind: event.ArgFD, Num: 3}},
			FD: &event.FD{Num: 3, Type: event.FDFile, Name: "/etc/shadow", NameRaw: "/etc/shadow"}}}
	ev.Process.VPID, ev.Process.VTID = 12, 14
	ev.Process.CgroupV1Path = ""
	ev.Container = &event.Container{ID: testContainerID, Runtime: "containerd"}
	fs = append(fs, fixture{name: "openat_container_no_metadata", ev: ev})
	return fs
}

// call returns an event of type typ from process 4321 with a Syscall
// detail, sec seconds after testTime.
func call(sec int, typ event.Type, res int64, fd *event.FD, args ...event.Arg) *event.Event {
	return &event.Event{Time: testTime().Add(time.Duration(sec) * time.Second), Type: typ, Host: "vm", Process: testProcess(4321),
		Ancestors: testAncestors(), Syscall: &event.Syscall{Res: res, Args: args, FD: fd}}
}

func ap(s string) netip.AddrPort { return netip.MustParseAddrPort(s) }

// netFixtures are the socket and descriptor calls. Values are the kernel's
// (x86-64): AF_UNIX 1, AF_INET 2, AF_INET6 10; SOCK_STREAM 1, SOCK_DGRAM 2,
// SOCK_NONBLOCK 0x800, SOCK_CLOEXEC 0x80000; IPPROTO_TCP 6, IPPROTO_UDP 17.
func netFixtures() []fixture {
	var fs []fixture
	// socket(AF_INET, SOCK_STREAM|SOCK_CLOEXEC, 0) = 3: no name yet.
	fs = append(fs, fixture{name: "socket", ev: call(40, event.TypeSocket, 3,
		&event.FD{Num: 3, Type: event.FDIPv4, Sock: &event.Socket{Family: 2, Type: 1, Proto: 6}},
		event.Arg{Name: "fd", Kind: event.ArgFD, Num: 3},
		event.Arg{Name: "domain", Kind: event.ArgSockFamily, Num: 2},
		event.Arg{Name: "type", Kind: event.ArgSockType, Num: 0x80001},
		event.Arg{Name: "proto", Kind: event.ArgInt, Num: 0})})
	// connect(3, 10.0.0.7:443) from 10.0.0.5:40312.
	fs = append(fs, fixture{name: "connect", ev: call(41, event.TypeConnect, 0,
		&event.FD{Num: 3, Type: event.FDIPv4, Name: "10.0.0.5:40312->10.0.0.7:443", Sock: &event.Socket{Family: 2, Type: 1, Proto: 6,
			Local: ap("10.0.0.5:40312"), Remote: ap("10.0.0.7:443"), Role: event.RoleClient, Connected: true}},
		event.Arg{Name: "res", Kind: event.ArgErrno, Num: 0},
		event.Arg{Name: "tuple", Kind: event.ArgTuple, Str: "10.0.0.5:40312->10.0.0.7:443"},
		event.Arg{Name: "fd", Kind: event.ArgFD, Num: 3},
		event.Arg{Name: "addr", Kind: event.ArgSockAddr, Str: "10.0.0.7:443"})})
	// accept(3) = 5 on an IPv6 ssh server: the tuple is peer->local, the
	// name client->server.
	fs = append(fs, fixture{name: "accept", ev: call(42, event.TypeAccept, 5,
		&event.FD{Num: 5, Type: event.FDIPv6, Name: "2001:db8::9:51234->2001:db8::1:22", Sock: &event.Socket{Family: 10, Type: 1, Proto: 6,
			Local: ap("[2001:db8::1]:22"), Remote: ap("[2001:db8::9]:51234"), Role: event.RoleServer, Connected: true}},
		event.Arg{Name: "fd", Kind: event.ArgFD, Num: 5},
		event.Arg{Name: "tuple", Kind: event.ArgTuple, Str: "2001:db8::9:51234->2001:db8::1:22"},
		event.Arg{Name: "queuepct", Kind: event.ArgUint, Num: 0},
		event.Arg{Name: "queuelen", Kind: event.ArgUint, Num: 0},
		event.Arg{Name: "queuemax", Kind: event.ArgUint, Num: 128})})
	// accept4(3, ..., SOCK_NONBLOCK|SOCK_CLOEXEC) failing with EAGAIN: no
	// new socket, no descriptor.
	fs = append(fs, fixture{name: "accept4_eagain", ev: call(43, event.TypeAccept4, -11, nil,
		event.Arg{Name: "fd", Kind: event.ArgFD, Num: -11},
		event.Arg{Name: "tuple", Kind: event.ArgTuple, Str: ""},
		event.Arg{Name: "queuepct", Kind: event.ArgUint, Num: 0},
		event.Arg{Name: "queuelen", Kind: event.ArgUint, Num: 0},
		event.Arg{Name: "queuemax", Kind: event.ArgUint, Num: 0},
		event.Arg{Name: "flags", Kind: event.ArgInt, Num: 0x80800})})
	// bind(4, "/run/app.sock") on a unix stream socket.
	fs = append(fs, fixture{name: "bind_unix", ev: call(44, event.TypeBind, 0,
		&event.FD{Num: 4, Type: event.FDUnix, Name: "/run/app.sock", Sock: &event.Socket{Family: 1, Type: 1,
			Role: event.RoleServer, Path: "/run/app.sock"}},
		event.Arg{Name: "res", Kind: event.ArgErrno, Num: 0},
		event.Arg{Name: "addr", Kind: event.ArgSockAddr, Str: "/run/app.sock"},
		event.Arg{Name: "fd", Kind: event.ArgFD, Num: 4})})
	// listen(3, 128) on 0.0.0.0:8080: only a local address.
	fs = append(fs, fixture{name: "listen", ev: call(45, event.TypeListen, 0,
		&event.FD{Num: 3, Type: event.FDIPv4, Name: "0.0.0.0:8080", Sock: &event.Socket{Family: 2, Type: 1, Proto: 6,
			Local: ap("0.0.0.0:8080"), Role: event.RoleServer}},
		event.Arg{Name: "res", Kind: event.ArgErrno, Num: 0},
		event.Arg{Name: "fd", Kind: event.ArgFD, Num: 3},
		event.Arg{Name: "backlog", Kind: event.ArgInt, Num: 128})})
	// sendto(6, 40 bytes, 8.8.8.8:53) on an unconnected UDP socket: a new
	// destination.
	fs = append(fs, fixture{name: "sendto", ev: call(46, event.TypeSendto, 40,
		&event.FD{Num: 6, Type: event.FDIPv4, Name: "10.0.0.5:53211->8.8.8.8:53", Sock: &event.Socket{Family: 2, Type: 2, Proto: 17,
			Local: ap("10.0.0.5:53211"), Remote: ap("8.8.8.8:53"), Role: event.RoleClient, NameChanged: true}},
		event.Arg{Name: "res", Kind: event.ArgInt, Num: 40},
		event.Arg{Name: "fd", Kind: event.ArgFD, Num: 6},
		event.Arg{Name: "size", Kind: event.ArgUint, Num: 40},
		event.Arg{Name: "tuple", Kind: event.ArgTuple, Str: "10.0.0.5:53211->8.8.8.8:53"})})
	fs = append(fs, fixture{name: "sendmsg", ev: call(47, event.TypeSendmsg, 64,
		&event.FD{Num: 7, Type: event.FDIPv6, Name: "2001:db8::5:33000->2001:db8::53:53", Sock: &event.Socket{Family: 10, Type: 2, Proto: 17,
			Local: ap("[2001:db8::5]:33000"), Remote: ap("[2001:db8::53]:53"), Role: event.RoleClient}},
		event.Arg{Name: "res", Kind: event.ArgInt, Num: 64},
		event.Arg{Name: "fd", Kind: event.ArgFD, Num: 7},
		event.Arg{Name: "size", Kind: event.ArgUint, Num: 64},
		event.Arg{Name: "tuple", Kind: event.ArgTuple, Str: "2001:db8::5:33000->2001:db8::53:53"})})
	// recvfrom(8, 4096) on a syslog server bound to 0.0.0.0:514.
	fs = append(fs, fixture{name: "recvfrom", ev: call(48, event.TypeRecvfrom, 97,
		&event.FD{Num: 8, Type: event.FDIPv4, Name: "10.0.0.9:40000->0.0.0.0:514", Sock: &event.Socket{Family: 2, Type: 2, Proto: 17,
			Local: ap("0.0.0.0:514"), Remote: ap("10.0.0.9:40000"), Role: event.RoleServer, NameChanged: true}},
		event.Arg{Name: "res", Kind: event.ArgInt, Num: 97},
		event.Arg{Name: "tuple", Kind: event.ArgTuple, Str: "10.0.0.9:40000->0.0.0.0:514"},
		event.Arg{Name: "fd", Kind: event.ArgFD, Num: 8},
		event.Arg{Name: "size", Kind: event.ArgUint, Num: 4096})})
	fs = append(fs, fixture{name: "recvmsg", ev: call(49, event.TypeRecvmsg, 48,
		&event.FD{Num: 9, Type: event.FDIPv4, Name: "10.0.0.9:40001->10.0.0.1:123", Sock: &event.Socket{Family: 2, Type: 2, Proto: 17,
			Local: ap("10.0.0.1:123"), Remote: ap("10.0.0.9:40001"), Role: event.RoleServer}},
		event.Arg{Name: "res", Kind: event.ArgInt, Num: 48},
		event.Arg{Name: "tuple", Kind: event.ArgTuple, Str: "10.0.0.9:40001->10.0.0.1:123"},
		event.Arg{Name: "fd", Kind: event.ArgFD, Num: 9},
		event.Arg{Name: "size", Kind: event.ArgUint, Num: 65536})})
	// dup(3) = 10, 3 being /etc/passwd: a file, no socket.
	fs = append(fs, fixture{name: "dup", ev: call(50, event.TypeDup, 10,
		&event.FD{Num: 10, Type: event.FDFile, Name: "/etc/passwd", Dev: 2049, Ino: 393730},
		event.Arg{Name: "res", Kind: event.ArgFD, Num: 10},
		event.Arg{Name: "oldfd", Kind: event.ArgFD, Num: 3})})
	// dup2(5, 0), 5 a TCP connection to 10.0.0.66:4444: a reverse shell.
	fs = append(fs, fixture{name: "dup2", ev: call(51, event.TypeDup2, 0,
		&event.FD{Num: 0, Type: event.FDIPv4, Name: "10.0.0.5:40312->10.0.0.66:4444", Sock: &event.Socket{Family: 2, Type: 1, Proto: 6,
			Local: ap("10.0.0.5:40312"), Remote: ap("10.0.0.66:4444"), Role: event.RoleClient, Connected: true}},
		event.Arg{Name: "res", Kind: event.ArgFD, Num: 0},
		event.Arg{Name: "oldfd", Kind: event.ArgFD, Num: 5},
		event.Arg{Name: "newfd", Kind: event.ArgFD, Num: 0})})
	// dup3(4, 2, O_CLOEXEC), 4 a connected abstract unix socket: no role.
	fs = append(fs, fixture{name: "dup3", ev: call(52, event.TypeDup3, 2,
		&event.FD{Num: 2, Type: event.FDUnix, Name: "@/tmp/.X11-unix/X0", Sock: &event.Socket{Family: 1, Type: 1,
			Connected: true, Path: "@/tmp/.X11-unix/X0"}},
		event.Arg{Name: "res", Kind: event.ArgFD, Num: 2},
		event.Arg{Name: "oldfd", Kind: event.ArgFD, Num: 4},
		event.Arg{Name: "newfd", Kind: event.ArgFD, Num: 2},
		event.Arg{Name: "flags", Kind: event.ArgInt, Num: 0x80000})})
	return fs
}

// allCaps is every capability up to CAP_CHECKPOINT_RESTORE (40).
const allCaps = 1<<41 - 1

// miscFixtures are the privilege, namespace, module, memory, signal and
// process-control calls.
func miscFixtures() []fixture {
	res := func(n int64) event.Arg { return event.Arg{Name: "res", Kind: event.ArgErrno, Num: n} }
	var fs []fixture
	add := func(name string, ev *event.Event) { fs = append(fs, fixture{name: name, ev: ev}) }
	// ptrace(PTRACE_POKETEXT, 1234, addr, data).
	add("ptrace", call(60, event.TypePtrace, 0, nil, res(0),
		event.Arg{Name: "addr", Kind: event.ArgHex, Num: 0x7f3a12345000},
		event.Arg{Name: "data", Kind: event.ArgHex, Num: 0x90909090},
		event.Arg{Name: "request", Kind: event.ArgPtraceReq, Num: 4},
		event.Arg{Name: "pid", Kind: event.ArgInt, Num: 1234}))
	add("init_module", call(61, event.TypeInitModule, 0, nil, res(0),
		event.Arg{Name: "length", Kind: event.ArgUint, Num: 123456},
		event.Arg{Name: "uargs", Kind: event.ArgString, Str: "debug=1"}))
	add("finit_module", call(62, event.TypeFinitModule, 0,
		&event.FD{Num: 3, Type: event.FDFile, Name: "/tmp/rk.ko", Dev: 2049, Ino: 77},
		res(0),
		event.Arg{Name: "fd", Kind: event.ArgFD, Num: 3},
		event.Arg{Name: "uargs", Kind: event.ArgString, Str: ""},
		event.Arg{Name: "flags", Kind: event.ArgModuleFlags, Num: 0}))
	// delete_module("nf_tables", O_NONBLOCK): -ENOENT.
	add("delete_module_enoent", call(63, event.TypeDeleteModule, -2, nil, res(-2),
		event.Arg{Name: "name", Kind: event.ArgString, Str: "nf_tables"},
		event.Arg{Name: "flags", Kind: event.ArgModuleFlags, Num: 0x800}))
	// setuid(0) by a process with all capabilities.
	ev := call(64, event.TypeSetuid, 0, nil, res(0), event.Arg{Name: "uid", Kind: event.ArgUID, Num: 0})
	ev.Process.CapEffective, ev.Process.CapPermitted = allCaps, allCaps
	add("setuid", ev)
	// setgid(0) by uid 1000 without privileges: -EPERM.
	ev = call(65, event.TypeSetgid, -1, nil, res(-1), event.Arg{Name: "gid", Kind: event.ArgGID, Num: 0})
	ev.Process.UID, ev.Process.GID, ev.Process.EUID, ev.Process.EGID = 1000, 1000, 1000, 1000
	add("setgid_eperm", ev)
	// setresuid(-1, 0, -1): only the effective uid.
	add("setresuid", call(66, event.TypeSetresuid, 0, nil, res(0),
		event.Arg{Name: "ruid", Kind: event.ArgUID, Num: -1},
		event.Arg{Name: "euid", Kind: event.ArgUID, Num: 0},
		event.Arg{Name: "suid", Kind: event.ArgUID, Num: -1}))
	add("setresgid", call(67, event.TypeSetresgid, 0, nil, res(0),
		event.Arg{Name: "rgid", Kind: event.ArgGID, Num: 1000},
		event.Arg{Name: "egid", Kind: event.ArgGID, Num: 1000},
		event.Arg{Name: "sgid", Kind: event.ArgGID, Num: 1000}))
	add("setreuid", call(68, event.TypeSetreuid, 0, nil, res(0),
		event.Arg{Name: "ruid", Kind: event.ArgUID, Num: 1000},
		event.Arg{Name: "euid", Kind: event.ArgUID, Num: 0}))
	add("setregid", call(69, event.TypeSetregid, 0, nil, res(0),
		event.Arg{Name: "rgid", Kind: event.ArgGID, Num: 4294967295},
		event.Arg{Name: "egid", Kind: event.ArgGID, Num: 0}))
	// capset raising every permitted capability to effective.
	ev = call(70, event.TypeCapset, 0, nil, res(0),
		event.Arg{Name: "cap_inheritable", Kind: event.ArgCapSet, Num: 0},
		event.Arg{Name: "cap_permitted", Kind: event.ArgCapSet, Num: allCaps},
		event.Arg{Name: "cap_effective", Kind: event.ArgCapSet, Num: allCaps})
	ev.Process.CapEffective, ev.Process.CapPermitted, ev.Process.CapInheritable = allCaps, allCaps, 1<<21 // CAP_SYS_ADMIN
	add("capset", ev)
	// setns(3, CLONE_NEWNET), 3 being a network namespace file.
	add("setns", call(71, event.TypeSetns, 0, &event.FD{Num: 3, Type: event.FDFile, Name: "net:[4026531992]"}, res(0),
		event.Arg{Name: "fd", Kind: event.ArgFD, Num: 3},
		event.Arg{Name: "nstype", Kind: event.ArgCloneFlags, Num: 0x40000000}))
	// unshare(CLONE_NEWNS|CLONE_NEWUSER).
	add("unshare", call(72, event.TypeUnshare, 0, nil, res(0),
		event.Arg{Name: "flags", Kind: event.ArgCloneFlags, Num: 0x10020000}))
	// mount("/dev/sda1", "/mnt", "ext4", MS_RDONLY|MS_NOSUID).
	add("mount", call(73, event.TypeMount, 0, nil, res(0),
		event.Arg{Name: "dev", Kind: event.ArgString, Str: "/dev/sda1"},
		event.Arg{Name: "dir", Kind: event.ArgPath, Str: "/mnt"},
		event.Arg{Name: "type", Kind: event.ArgString, Str: "ext4"},
		event.Arg{Name: "flags", Kind: event.ArgMountFlags, Num: 3}))
	// umount2("/mnt", MNT_DETACH).
	add("umount2", call(74, event.TypeUmount2, 0, nil, res(0),
		event.Arg{Name: "name", Kind: event.ArgPath, Str: "/mnt"},
		event.Arg{Name: "flags", Kind: event.ArgUmountFlags, Num: 2}))
	add("pivot_root", call(75, event.TypePivotRoot, 0, nil, res(0),
		event.Arg{Name: "new_root", Kind: event.ArgPath, Str: "."},
		event.Arg{Name: "put_old", Kind: event.ArgPath, Str: ".old"}))
	add("chroot", call(76, event.TypeChroot, 0, nil, res(0),
		event.Arg{Name: "path", Kind: event.ArgPath, Str: "/host"}))
	// bpf(BPF_PROG_LOAD) = 5, a new program's fd.
	add("bpf", call(77, event.TypeBpf, 5, nil,
		event.Arg{Name: "res", Kind: event.ArgInt, Num: 5},
		event.Arg{Name: "cmd", Kind: event.ArgBpfCmd, Num: 5}))
	// memfd_create("payload", MFD_CLOEXEC) = 4.
	add("memfd_create", call(78, event.TypeMemfdCreate, 4, nil,
		event.Arg{Name: "fd", Kind: event.ArgFD, Num: 4},
		event.Arg{Name: "name", Kind: event.ArgString, Str: "payload"},
		event.Arg{Name: "flags", Kind: event.ArgMemfdFlags, Num: 1}))
	// mprotect(addr, 4096, PROT_READ|PROT_WRITE|PROT_EXEC).
	add("mprotect", call(79, event.TypeMprotect, 0, nil, res(0),
		event.Arg{Name: "addr", Kind: event.ArgHex, Num: 0x7f0000000000},
		event.Arg{Name: "len", Kind: event.ArgUint, Num: 4096},
		event.Arg{Name: "prot", Kind: event.ArgProt, Num: 7}))
	// mmap(NULL, 8192, PROT_READ|PROT_WRITE|PROT_EXEC,
	// MAP_PRIVATE|MAP_ANONYMOUS, -1, 0): the result is the address.
	add("mmap", call(80, event.TypeMmap, 0x7f1234560000, nil,
		event.Arg{Name: "res", Kind: event.ArgHex, Num: 0x7f1234560000},
		event.Arg{Name: "addr", Kind: event.ArgHex, Num: 0},
		event.Arg{Name: "length", Kind: event.ArgUint, Num: 8192},
		event.Arg{Name: "prot", Kind: event.ArgProt, Num: 7},
		event.Arg{Name: "flags", Kind: event.ArgMmapFlags, Num: 0x22},
		event.Arg{Name: "fd", Kind: event.ArgFD, Num: -1},
		event.Arg{Name: "offset", Kind: event.ArgUint, Num: 0}))
	// userfaultfd(O_CLOEXEC|O_NONBLOCK) = 5.
	add("userfaultfd", call(81, event.TypeUserfaultfd, 5, nil,
		event.Arg{Name: "res", Kind: event.ArgFD, Num: 5},
		event.Arg{Name: "flags", Kind: event.ArgFlags, Num: 0x80800}))
	add("kill", call(82, event.TypeKill, 0, nil, res(0),
		event.Arg{Name: "pid", Kind: event.ArgInt, Num: 4400},
		event.Arg{Name: "sig", Kind: event.ArgSignal, Num: 9}))
	add("tkill", call(83, event.TypeTkill, 0, nil, res(0),
		event.Arg{Name: "tid", Kind: event.ArgInt, Num: 4322},
		event.Arg{Name: "sig", Kind: event.ArgSignal, Num: 19}))
	// tgkill(4321, 9999, SIGABRT): no such thread, -ESRCH.
	add("tgkill_esrch", call(84, event.TypeTgkill, -3, nil, res(-3),
		event.Arg{Name: "pid", Kind: event.ArgInt, Num: 4321},
		event.Arg{Name: "tid", Kind: event.ArgInt, Num: 9999},
		event.Arg{Name: "sig", Kind: event.ArgSignal, Num: 6}))
	// prctl(PR_SET_NAME, "kworker/0:1"): a process disguising itself.
	add("prctl", call(85, event.TypePrctl, 0, nil,
		event.Arg{Name: "res", Kind: event.ArgInt, Num: 0},
		event.Arg{Name: "option", Kind: event.ArgPrctlOption, Num: 15},
		event.Arg{Name: "arg2_str", Kind: event.ArgString, Str: "kworker/0:1"},
		event.Arg{Name: "arg2_int", Kind: event.ArgInt, Num: 0}))
	return fs
}

// execFixtures are a failed exec and an exec with the executable's inode
// and the process's capabilities.
func execFixtures() []fixture {
	var fs []fixture
	// execve("/tmp/missing") failing with ENOENT: process is the caller.
	ev := &event.Event{Time: testTime().Add(90 * time.Second), Type: event.TypeExecve, Host: "vm", Process: testProcess(4321),
		Ancestors: testAncestors(), Exec: &event.Exec{Filename: "/tmp/missing"},
		Syscall: &event.Syscall{Res: -2, Args: []event.Arg{{Name: "res", Kind: event.ArgErrno, Num: -2}}}}
	fs = append(fs, fixture{name: "execve_enoent", ev: ev})
	ev = &event.Event{Time: testTime().Add(91 * time.Second), Type: event.TypeExecveat, Host: "vm", Process: testProcess(4321),
		Ancestors: testAncestors(), Exec: &event.Exec{Filename: "/dev/fd/3"},
		Syscall: &event.Syscall{Res: -13, Args: []event.Arg{{Name: "res", Kind: event.ArgErrno, Num: -13}}}}
	fs = append(fs, fixture{name: "execveat_eacces", ev: ev})
	ev = &event.Event{Time: testTime().Add(92 * time.Second), Type: event.TypeExecve, Host: "vm", Process: testProcess(4500),
		Ancestors: testAncestors(), Exec: &event.Exec{Filename: "/usr/bin/ping"}}
	ev.Process.Name, ev.Process.Exe, ev.Process.Args = "ping", "/usr/bin/ping", []string{"ping", "-c1", "10.0.0.1"}
	ev.Process.UID, ev.Process.GID, ev.Process.EUID, ev.Process.EGID = 1000, 1000, 1000, 1000
	ev.Process.ExeIno = 1573012
	ev.Process.ExeCtime = time.Date(2025, 10, 1, 8, 0, 0, 250000000, time.UTC)
	ev.Process.ExeMtime = time.Date(2025, 9, 30, 17, 45, 12, 0, time.UTC)
	ev.Process.CapEffective, ev.Process.CapPermitted = 1<<13, 1<<13 // CAP_NET_RAW (file capability)
	fs = append(fs, fixture{name: "execve_exe_caps", ev: ev})
	return fs
}
