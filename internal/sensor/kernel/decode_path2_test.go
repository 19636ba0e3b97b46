package kernel

import (
	"errors"
	"reflect"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/vigil-sec/vigil/internal/event"
)

// path2Record builds a path-pair record the way the BPF program lays it
// out: the fixed part, both names, then each name's base components.
func path2Record(sc uint32, ret int64, olddirfd, newdirfd int32, flags uint64, oldName, newName, oldBase, newBase string, rflags uint32) []byte {
	p := syscallsVigilPath2{
		Syscall: sc, Olddirfd: olddirfd, Newdirfd: newdirfd, Ret: ret, Flags: flags,
		OldLen: uint16(len(oldName)), NewLen: uint16(len(newName)),
		OldbaseLen: uint16(len(oldBase)), NewbaseLen: uint16(len(newBase)),
	}
	p.Task.Ktime, p.Task.StartBoottime, p.Task.Kind, p.Task.Flags = 3e9, 1e9, kindSyscall, rflags
	p.Task.Pid, p.Task.Tid, p.Task.Ppid, p.Task.Uid, p.Task.Comm = 42, 43, 1, 1000, comm("mv")
	return append(bytesOf(&p), oldName+newName+oldBase+newBase...)
}

func TestDecodePath2(t *testing.T) {
	d := testDecoder()
	const cwd = int32(unix.AT_FDCWD)
	both := flagOldBase | flagNewBase
	for _, tc := range []struct {
		name string
		raw  []byte
		typ  event.Type
		res  int64
		args []event.Arg
	}{{
		name: "rename: both relative to the cwd",
		raw:  path2Record(scRename, 0, cwd, cwd, 0, "a/../f\x00", "g\x00", "tmp\x00", "tmp\x00", both),
		typ:  event.TypeRename,
		args: []event.Arg{resArg(0), pArg("oldpath", "/tmp/f"), pArg("newpath", "/tmp/g")},
	}, {
		name: "rename failure: absolute names cleaned",
		raw:  path2Record(scRename, -2, cwd, cwd, 0, "/x//y/\x00", "/z/./w\x00", "", "", 0),
		typ:  event.TypeRename,
		res:  -2,
		args: []event.Arg{resArg(-2), pArg("oldpath", "/x/y"), pArg("newpath", "/z/w")},
	}, {
		name: "renameat: two dirfds",
		raw:  path2Record(scRenameat, 0, 3, 4, 0, "f\x00", "g\x00", "src\x00d\x00", "dst\x00d\x00", both),
		typ:  event.TypeRenameat,
		args: []event.Arg{resArg(0), fdArg("olddirfd", 3), pArg("oldpath", "/d/src/f"),
			fdArg("newdirfd", 4), pArg("newpath", "/d/dst/g")},
	}, {
		name: "renameat2: truncated new base, flags",
		raw: path2Record(scRenameat2, 0, cwd, 5, unix.RENAME_EXCHANGE, "/a\x00", "b\x00", "", "c\x00",
			flagNewBase|flagNewTrunc),
		typ: event.TypeRenameat2,
		args: []event.Arg{resArg(0), fdArg("olddirfd", int64(cwd)), pArg("oldpath", "/a"),
			fdArg("newdirfd", 5), pArg("newpath", ".../c/b"), uArg("flags", unix.RENAME_EXCHANGE)},
	}, {
		name: "link: old base only",
		raw:  path2Record(scLink, -17, cwd, cwd, 0, "f\x00", "/l\x00", "\x00", "", flagOldBase),
		typ:  event.TypeLink,
		res:  -17,
		args: []event.Arg{resArg(-17), pArg("oldpath", "/f"), pArg("newpath", "/l")},
	}, {
		name: "linkat: no base for a bad dirfd",
		raw:  path2Record(scLinkat, -9, 99, cwd, unix.AT_SYMLINK_FOLLOW, "f\x00", "l\x00", "", "home\x00", flagNewBase),
		typ:  event.TypeLinkat,
		res:  -9,
		args: []event.Arg{resArg(-9), fdArg("olddir", 99), pArg("oldpath", "f"),
			fdArg("newdir", int64(cwd)), pArg("newpath", "/home/l"), uArg("flags", unix.AT_SYMLINK_FOLLOW)},
	}, {
		name: "symlink: target as written",
		raw:  path2Record(scSymlink, 0, cwd, cwd, 0, "../x//y\x00", "ln\x00", "", "tmp\x00", flagNewBase),
		typ:  event.TypeSymlink,
		args: []event.Arg{resArg(0), pArg("target", "../x//y"), pArg("linkpath", "/tmp/ln")},
	}, {
		name: "symlinkat: unreadable names",
		raw:  path2Record(scSymlinkat, -14, cwd, 7, 0, "", "", "", "", 0),
		typ:  event.TypeSymlinkat,
		res:  -14,
		args: []event.Arg{resArg(-14), pArg("target", ""), fdArg("linkdirfd", 7), pArg("linkpath", "")},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			ev, err := d.Decode(tc.raw)
			if err != nil {
				t.Fatal(err)
			}
			want := &event.Event{
				Time: d.Clock.Wall(3e9),
				Type: tc.typ,
				Host: "h",
				Process: event.Process{
					PID: 42, TID: 43, PPID: 1, Name: "mv", UID: 1000, StartTime: d.Clock.Wall(1e9),
				},
				Syscall: &event.Syscall{Res: tc.res, Args: tc.args},
			}
			if !reflect.DeepEqual(ev, want) {
				t.Errorf("got  %+v\n     %+v\nwant %+v\n     %+v", ev, ev.Syscall, want, want.Syscall)
			}
			if !ev.Type.IsPathPair() {
				t.Errorf("%s is not a path pair", ev.Type)
			}
		})
	}
}

func TestDecodePath2Malformed(t *testing.T) {
	d := testDecoder()
	ok := path2Record(scRenameat, 0, 3, 4, 0, "f\x00", "g\x00", "a\x00", "b\x00", flagOldBase|flagNewBase)
	for name, raw := range map[string][]byte{
		"header cut":   ok[:path2Size-1],
		"sections cut": ok[:len(ok)-1],
	} {
		if _, err := d.Decode(raw); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: err = %v, want ErrMalformed", name, err)
		}
	}
}
