package kernel

import (
	"errors"
	"reflect"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/vigil-sec/vigil/internal/event"
)

// genericRecord builds a generic record the way bpf/misc.bpf.c lays it
// out: the fixed part, then the three sections (kpath: which are kernel
// path components).
func genericRecord(sc uint32, ret int64, args [6]uint64, extra [4]uint64, secs [3]string, kpath, rflags uint32) []byte {
	g := miscVigilGeneric{Syscall: sc, Kpath: kpath, Ret: ret, Args: args, Extra: extra}
	for i, s := range secs {
		g.StrLen[i] = uint16(len(s))
	}
	g.Task.Ktime, g.Task.StartBoottime, g.Task.Kind, g.Task.Flags = 3e9, 1e9, kindSyscall, rflags
	g.Task.Pid, g.Task.Tid, g.Task.Ppid, g.Task.Uid, g.Task.Comm = 42, 43, 1, 1000, comm("x")
	return append(bytesOf(&g), secs[0]+secs[1]+secs[2]...)
}

func TestDecodeMisc(t *testing.T) {
	d := testDecoder()
	const m1 = 0xffffffff // (u32)-1 as the registers hold it
	neg := func(n int64) uint64 { return uint64(n) }
	for _, tc := range []struct {
		name string
		raw  []byte
		typ  event.Type
		res  int64
		args []event.Arg
		fd   *event.FD
		exec *event.Exec
	}{{
		name: "ptrace attach",
		raw:  genericRecord(scPtrace, 0, [6]uint64{16, 1234, 0x10, 0x20}, [4]uint64{}, [3]string{}, 0, 0),
		typ:  event.TypePtrace,
		args: []event.Arg{resArg(0), hexArg("addr", 0x10), hexArg("data", 0x20),
			kindArg("request", event.ArgPtraceReq, 16), intArg("pid", 1234)},
	}, {
		name: "ptrace pid is a signed int",
		raw:  genericRecord(scPtrace, -3, [6]uint64{16, m1}, [4]uint64{}, [3]string{}, 0, 0),
		typ:  event.TypePtrace,
		res:  -3,
		args: []event.Arg{resArg(-3), hexArg("addr", 0), hexArg("data", 0),
			kindArg("request", event.ArgPtraceReq, 16), intArg("pid", -1)},
	}, {
		name: "init_module",
		raw:  genericRecord(scInitModule, -8, [6]uint64{0x1000, 7, 0x2000}, [4]uint64{}, [3]string{"foo=1\x00"}, 0, 0),
		typ:  event.TypeInitModule,
		res:  -8,
		args: []event.Arg{resArg(-8), kindArg("length", event.ArgUint, 7), strArg("uargs", event.ArgString, "foo=1")},
	}, {
		name: "finit_module: the file from the kernel",
		raw: genericRecord(scFinitModule, 0, [6]uint64{3, 0x2000, 2}, [4]uint64{},
			[3]string{"\x00", "m.ko\x00lib\x00"}, 1<<1, 0),
		typ:  event.TypeFinitModule,
		args: []event.Arg{resArg(0), fdArg("fd", 3), strArg("uargs", event.ArgString, ""), kindArg("flags", event.ArgModuleFlags, 2)},
		fd:   &event.FD{Num: 3, Type: event.FDFile, Name: "/lib/m.ko"},
	}, {
		name: "delete_module",
		raw:  genericRecord(scDeleteModule, -2, [6]uint64{0x1000, unix.O_NONBLOCK}, [4]uint64{}, [3]string{"nf_x\x00"}, 0, 0),
		typ:  event.TypeDeleteModule,
		res:  -2,
		args: []event.Arg{resArg(-2), strArg("name", event.ArgString, "nf_x"), kindArg("flags", event.ArgModuleFlags, unix.O_NONBLOCK)},
	}, {
		name: "setuid",
		raw:  genericRecord(scSetuid, 0, [6]uint64{1000}, [4]uint64{}, [3]string{}, 0, 0),
		typ:  event.TypeSetuid,
		args: []event.Arg{resArg(0), uidArg("uid", 1000)},
	}, {
		name: "setresgid: -1 kept as the u32",
		raw:  genericRecord(scSetresgid, -1, [6]uint64{m1, 5, neg(-1)}, [4]uint64{}, [3]string{}, 0, 0),
		typ:  event.TypeSetresgid,
		res:  -1,
		args: []event.Arg{resArg(-1), gidArg("rgid", m1), gidArg("egid", 5), gidArg("sgid", m1)},
	}, {
		name: "setregid",
		raw:  genericRecord(scSetregid, 0, [6]uint64{1, 2}, [4]uint64{}, [3]string{}, 0, 0),
		typ:  event.TypeSetregid,
		args: []event.Arg{resArg(0), gidArg("rgid", 1), gidArg("egid", 2)},
	}, {
		name: "capset: extra is effective, permitted, inheritable",
		raw:  genericRecord(scCapset, 0, [6]uint64{0x100, 0x200}, [4]uint64{0x1ff, 0x3ff, 0x0, 0x20080522}, [3]string{}, 0, 0),
		typ:  event.TypeCapset,
		args: []event.Arg{resArg(0), kindArg("cap_inheritable", event.ArgCapSet, 0),
			kindArg("cap_permitted", event.ArgCapSet, 0x3ff), kindArg("cap_effective", event.ArgCapSet, 0x1ff)},
	}, {
		name: "setns of a namespace file",
		raw:  genericRecord(scSetns, 0, [6]uint64{4, unix.CLONE_NEWNET}, [4]uint64{4026531840, 1}, [3]string{"net\x00"}, 0, 0),
		typ:  event.TypeSetns,
		args: []event.Arg{resArg(0), fdArg("fd", 4), kindArg("nstype", event.ArgCloneFlags, unix.CLONE_NEWNET)},
		fd:   &event.FD{Num: 4, Type: event.FDUnknown, Name: "net:[4026531840]"},
	}, {
		name: "setns of another file: its path",
		raw:  genericRecord(scSetns, -22, [6]uint64{4}, [4]uint64{}, [3]string{"f\x00tmp\x00"}, 1, 0),
		typ:  event.TypeSetns,
		res:  -22,
		args: []event.Arg{resArg(-22), fdArg("fd", 4), kindArg("nstype", event.ArgCloneFlags, 0)},
		fd:   &event.FD{Num: 4, Type: event.FDFile, Name: "/tmp/f"},
	}, {
		name: "unshare",
		raw:  genericRecord(scUnshare, 0, [6]uint64{unix.CLONE_NEWNS | unix.CLONE_NEWUSER}, [4]uint64{}, [3]string{}, 0, 0),
		typ:  event.TypeUnshare,
		args: []event.Arg{resArg(0), kindArg("flags", event.ArgCloneFlags, unix.CLONE_NEWNS|unix.CLONE_NEWUSER)},
	}, {
		name: "mount",
		raw: genericRecord(scMount, 0, [6]uint64{1, 2, 3, unix.MS_RDONLY | unix.MS_NOSUID}, [4]uint64{},
			[3]string{"/dev/sda1\x00", "/mnt/x\x00", "ext4\x00"}, 0, 0),
		typ: event.TypeMount,
		args: []event.Arg{resArg(0), strArg("dev", event.ArgString, "/dev/sda1"), strArg("dir", event.ArgPath, "/mnt/x"),
			strArg("type", event.ArgString, "ext4"), kindArg("flags", event.ArgMountFlags, unix.MS_RDONLY|unix.MS_NOSUID)},
	}, {
		name: "mount with unreadable strings",
		raw:  genericRecord(scMount, -14, [6]uint64{}, [4]uint64{}, [3]string{}, 0, 0),
		typ:  event.TypeMount,
		res:  -14,
		args: []event.Arg{resArg(-14), strArg("dev", event.ArgString, ""), strArg("dir", event.ArgPath, ""),
			strArg("type", event.ArgString, ""), kindArg("flags", event.ArgMountFlags, 0)},
	}, {
		name: "umount2",
		raw:  genericRecord(scUmount2, 0, [6]uint64{1, unix.MNT_DETACH}, [4]uint64{}, [3]string{"rel/dir\x00"}, 0, 0),
		typ:  event.TypeUmount2,
		args: []event.Arg{resArg(0), strArg("name", event.ArgPath, "rel/dir"), kindArg("flags", event.ArgUmountFlags, unix.MNT_DETACH)},
	}, {
		name: "pivot_root",
		raw:  genericRecord(scPivotRoot, -22, [6]uint64{}, [4]uint64{}, [3]string{"/new\x00", "/new/old\x00"}, 0, 0),
		typ:  event.TypePivotRoot,
		res:  -22,
		args: []event.Arg{resArg(-22), strArg("new_root", event.ArgPath, "/new"), strArg("put_old", event.ArgPath, "/new/old")},
	}, {
		name: "chroot",
		raw:  genericRecord(scChroot, 0, [6]uint64{}, [4]uint64{}, [3]string{"/srv\x00"}, 0, 0),
		typ:  event.TypeChroot,
		args: []event.Arg{resArg(0), strArg("path", event.ArgPath, "/srv")},
	}, {
		name: "bpf: res is an int",
		raw:  genericRecord(scBpf, 7, [6]uint64{5, 0x1000, 128}, [4]uint64{1}, [3]string{}, 0, 0),
		typ:  event.TypeBpf,
		res:  7,
		args: []event.Arg{intArg("res", 7), kindArg("cmd", event.ArgBpfCmd, 5)},
	}, {
		name: "memfd_create",
		raw:  genericRecord(scMemfdCreate, 5, [6]uint64{0x1000, unix.MFD_CLOEXEC}, [4]uint64{}, [3]string{"x\x00"}, 0, 0),
		typ:  event.TypeMemfdCreate,
		res:  5,
		args: []event.Arg{fdArg("fd", 5), strArg("name", event.ArgString, "x"), kindArg("flags", event.ArgMemfdFlags, unix.MFD_CLOEXEC)},
	}, {
		name: "mprotect",
		raw:  genericRecord(scMprotect, 0, [6]uint64{0x7f0000000000, 8192, 7}, [4]uint64{1}, [3]string{}, 0, 0),
		typ:  event.TypeMprotect,
		args: []event.Arg{resArg(0), hexArg("addr", 0x7f0000000000), kindArg("len", event.ArgUint, 8192), kindArg("prot", event.ArgProt, 7)},
	}, {
		name: "mmap anonymous: no fd",
		raw:  genericRecord(scMmap, 0x7f0000001000, [6]uint64{0, 4096, 7, 0x22, m1, 0}, [4]uint64{}, [3]string{}, 0, 0),
		typ:  event.TypeMmap,
		res:  0x7f0000001000,
		args: []event.Arg{hexArg("res", 0x7f0000001000), hexArg("addr", 0), kindArg("length", event.ArgUint, 4096),
			kindArg("prot", event.ArgProt, 7), kindArg("flags", event.ArgMmapFlags, 0x22), fdArg("fd", -1), kindArg("offset", event.ArgUint, 0)},
	}, {
		name: "mmap of a memfd",
		raw: genericRecord(scMmap, -1, [6]uint64{0, 4096, 7, 0x2, 3, 8192}, [4]uint64{},
			[3]string{"memfd:p (deleted)\x00"}, 1, flagPathPseudo),
		typ: event.TypeMmap,
		res: -1,
		args: []event.Arg{hexArg("res", -1), hexArg("addr", 0), kindArg("length", event.ArgUint, 4096),
			kindArg("prot", event.ArgProt, 7), kindArg("flags", event.ArgMmapFlags, 0x2), fdArg("fd", 3), kindArg("offset", event.ArgUint, 8192)},
		fd: &event.FD{Num: 3, Type: event.FDMemfd, Name: "/memfd:p (deleted)"},
	}, {
		name: "userfaultfd",
		raw:  genericRecord(scUserfaultfd, -1, [6]uint64{unix.O_CLOEXEC}, [4]uint64{}, [3]string{}, 0, 0),
		typ:  event.TypeUserfaultfd,
		res:  -1,
		args: []event.Arg{fdArg("res", -1), kindArg("flags", event.ArgFlags, unix.O_CLOEXEC)},
	}, {
		name: "kill of a process group",
		raw:  genericRecord(scKill, 0, [6]uint64{neg(-5), 9}, [4]uint64{}, [3]string{}, 0, 0),
		typ:  event.TypeKill,
		args: []event.Arg{resArg(0), intArg("pid", -5), kindArg("sig", event.ArgSignal, 9)},
	}, {
		name: "tkill",
		raw:  genericRecord(scTkill, -3, [6]uint64{99, 15}, [4]uint64{}, [3]string{}, 0, 0),
		typ:  event.TypeTkill,
		res:  -3,
		args: []event.Arg{resArg(-3), intArg("tid", 99), kindArg("sig", event.ArgSignal, 15)},
	}, {
		name: "tgkill",
		raw:  genericRecord(scTgkill, 0, [6]uint64{10, 11, 23}, [4]uint64{}, [3]string{}, 0, 0),
		typ:  event.TypeTgkill,
		args: []event.Arg{resArg(0), intArg("pid", 10), intArg("tid", 11), kindArg("sig", event.ArgSignal, 23)},
	}, {
		name: "prctl PR_SET_NAME",
		raw:  genericRecord(scPrctl, 0, [6]uint64{unix.PR_SET_NAME, 0xc000012345}, [4]uint64{}, [3]string{"vigil-x\x00"}, 0, 0),
		typ:  event.TypePrctl,
		args: []event.Arg{intArg("res", 0), kindArg("option", event.ArgPrctlOption, unix.PR_SET_NAME),
			strArg("arg2_str", event.ArgString, "vigil-x"), intArg("arg2_int", 0)},
	}, {
		name: "prctl with a number",
		raw:  genericRecord(scPrctl, 1, [6]uint64{unix.PR_SET_DUMPABLE, 1}, [4]uint64{}, [3]string{}, 0, 0),
		typ:  event.TypePrctl,
		res:  1,
		args: []event.Arg{intArg("res", 1), kindArg("option", event.ArgPrctlOption, unix.PR_SET_DUMPABLE),
			strArg("arg2_str", event.ArgString, ""), intArg("arg2_int", 1)},
	}, {
		name: "failed execve",
		raw:  genericRecord(scExecveFail, -2, [6]uint64{0x1000}, [4]uint64{}, [3]string{"/no/such\x00"}, 0, 0),
		typ:  event.TypeExecve,
		res:  -2,
		args: []event.Arg{resArg(-2)},
		exec: &event.Exec{Filename: "/no/such"},
	}, {
		name: "failed execveat",
		raw:  genericRecord(scExecveatFail, -13, [6]uint64{3, 0x1000}, [4]uint64{}, [3]string{"rel\x00"}, 0, 0),
		typ:  event.TypeExecveat,
		res:  -13,
		args: []event.Arg{resArg(-13)},
		exec: &event.Exec{Filename: "rel"},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			ev, err := d.Decode(tc.raw)
			if err != nil {
				t.Fatal(err)
			}
			if ev.Type != tc.typ || ev.Process.PID != 42 || ev.Process.TID != 43 || ev.Process.Name != "x" {
				t.Errorf("type %s pid %d tid %d name %q", ev.Type, ev.Process.PID, ev.Process.TID, ev.Process.Name)
			}
			if ev.Syscall == nil {
				t.Fatal("no syscall details")
			}
			if ev.Syscall.Res != tc.res {
				t.Errorf("res = %d, want %d", ev.Syscall.Res, tc.res)
			}
			if !reflect.DeepEqual(ev.Syscall.Args, tc.args) {
				t.Errorf("args:\n got %+v\nwant %+v", ev.Syscall.Args, tc.args)
			}
			if !reflect.DeepEqual(ev.Syscall.FD, tc.fd) {
				t.Errorf("fd = %+v, want %+v", ev.Syscall.FD, tc.fd)
			}
			if !reflect.DeepEqual(ev.Exec, tc.exec) {
				t.Errorf("exec = %+v, want %+v", ev.Exec, tc.exec)
			}
		})
	}
}

// TestMiscSyscallsTable: every generic call has a row, with its event type.
func TestMiscSyscallsTable(t *testing.T) {
	for sc := scPtrace; sc <= scExecveatFail; sc++ {
		k, ok := kindOfSyscall(sc)
		if !ok {
			t.Errorf("syscall %d has no row", sc)
			continue
		}
		want := event.TypePtrace + event.Type(sc-scPtrace)
		switch sc {
		case scExecveFail:
			want = event.TypeExecve
		case scExecveatFail:
			want = event.TypeExecveat
		}
		if k.typ != want {
			t.Errorf("syscall %d: type %s, want %s", sc, k.typ, want)
		}
	}
	if got := exitTracepoint(event.TypeUmount2); got != "sys_exit_umount" {
		t.Errorf("umount2's tracepoint %q, want sys_exit_umount", got)
	}
	if got := exitTracepoint(event.TypeExecve); got != "sys_exit_execve" {
		t.Errorf("execve's tracepoint %q, want sys_exit_execve", got)
	}
}

func TestDecodeMiscMalformed(t *testing.T) {
	d := testDecoder()
	full := genericRecord(scMount, 0, [6]uint64{}, [4]uint64{}, [3]string{"a\x00", "b\x00", "c\x00"}, 0, 0)
	for name, raw := range map[string][]byte{
		"header cut":         full[:genericSize-1],
		"sections cut":       full[:len(full)-1],
		"successful exec":    genericRecord(scExecveFail, 0, [6]uint64{}, [4]uint64{}, [3]string{"/x\x00"}, 0, 0),
		"syscall number cut": full[:taskSize+2],
	} {
		if _, err := d.Decode(raw); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: err = %v, want ErrMalformed", name, err)
		}
	}
}

func FuzzDecodeMisc(f *testing.F) {
	f.Add(genericRecord(scMount, 0, [6]uint64{1, 2, 3, 4}, [4]uint64{}, [3]string{"a\x00", "/b\x00", "tmpfs\x00"}, 0, 0))
	f.Add(genericRecord(scFinitModule, -8, [6]uint64{3}, [4]uint64{}, [3]string{"", "m\x00"}, 2, flagPathTrunc))
	f.Add(genericRecord(scSetns, 0, [6]uint64{4}, [4]uint64{1, 1}, [3]string{"uts\x00"}, 0, 0))
	f.Add(genericRecord(scMmap, 0, [6]uint64{0, 1, 7, 2, 3}, [4]uint64{}, [3]string{"x\x00"}, 1, 0))
	f.Add(genericRecord(scExecveatFail, -2, [6]uint64{}, [4]uint64{}, [3]string{"f"}, 0, 0))
	f.Add(genericRecord(scPrctl, 0, [6]uint64{15}, [4]uint64{}, [3]string{"\x00\x00", "", "zz"}, 7, 0))
	d := testDecoder()
	f.Fuzz(func(t *testing.T, raw []byte) {
		ev, err := d.Decode(raw)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error %v does not wrap ErrMalformed", err)
			}
			return
		}
		if ev.Type == event.TypeUnknown || (ev.Exec == nil && ev.Clone == nil && ev.Exit == nil && ev.Syscall == nil) {
			t.Fatalf("decoded an event without type details: %+v", ev)
		}
		if ev.Type.IsMisc() && ev.Syscall == nil {
			t.Fatalf("misc event without syscall details: %+v", ev)
		}
	})
}
