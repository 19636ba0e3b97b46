package kernel

import (
	"encoding/binary"
	"errors"
	"reflect"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/vigil-sec/vigil/internal/event"
)

// openRecord builds an open-family record the way the BPF program lays it
// out: the fixed part, the name as passed, then path components.
func openRecord(sc uint32, ret int64, dirfd int32, flags, mode uint64, name, comps string, rflags uint32) []byte {
	o := syscallsVigilOpen{
		Syscall: sc, Dirfd: dirfd, Ret: ret, Flags: flags, Mode: mode,
		NameLen: uint16(len(name)), PathLen: uint16(len(comps)),
	}
	o.Task.Ktime, o.Task.StartBoottime, o.Task.Kind, o.Task.Flags = 3e9, 1e9, kindSyscall, rflags
	o.Task.Pid, o.Task.Tid, o.Task.Ppid, o.Task.Uid, o.Task.Comm = 42, 43, 1, 1000, comm("cat")
	if ret >= 0 {
		o.Dev, o.Ino, o.I_mode = 0x801, 1234, 0o100644
	}
	return append(bytesOf(&o), name+comps...)
}

func TestDecodeOpen(t *testing.T) {
	d := testDecoder()
	const cwd = int32(unix.AT_FDCWD)
	for _, tc := range []struct {
		name string
		raw  []byte
		typ  event.Type
		args []event.Arg
		fd   event.FD
	}{{
		name: "openat success: fd path from the kernel, mode as passed",
		raw:  openRecord(scOpenat, 3, cwd, unix.O_RDONLY|unix.O_CLOEXEC, 0o777, "../etc/passwd\x00", "passwd\x00etc\x00", flagFDPath),
		typ:  event.TypeOpenat,
		args: append([]event.Arg{fdArg("fd", 3), fdArg("dirfd", -100), nameArg("../etc/passwd"), flagsArg(unix.O_RDONLY | unix.O_CLOEXEC), modeArg(0o777)}, devIno(0x801, 1234)...),
		fd:   event.FD{Num: 3, Type: event.FDFile, Name: "/etc/passwd", NameRaw: "../etc/passwd", Dev: 0x801, Ino: 1234},
	}, {
		name: "open failure: relative name joined to the cwd",
		raw:  openRecord(scOpen, -2, cwd, 0, 0, "a/../b\x00", "tmp\x00", flagBasePath),
		typ:  event.TypeOpen,
		args: append([]event.Arg{fdArg("fd", -2), nameArg("a/../b"), flagsArg(0), modeArg(0)}, devIno(0, 0)...),
		fd:   event.FD{Num: -2, Type: event.FDFile, Name: "/tmp/b", NameRaw: "a/../b"},
	}, {
		name: "openat2 failure: absolute name cleaned, mode and resolve as passed",
		raw:  openRecord(scOpenat2, -40, 7, unix.O_CREAT|unix.O_WRONLY, 0o100644, "/tmp//x/./y\x00", "", 0),
		typ:  event.TypeOpenat2,
		args: append([]event.Arg{fdArg("fd", -40), fdArg("dirfd", 7), nameArg("/tmp//x/./y"), flagsArg(unix.O_CREAT | unix.O_WRONLY), modeArg(0o100644),
			{Name: "resolve", Kind: event.ArgResolve}}, devIno(0, 0)...),
		fd: event.FD{Num: -40, Type: event.FDFile, Name: "/tmp/x/y", NameRaw: "/tmp//x/./y"},
	}, {
		name: "creat: no flags parameter",
		raw:  openRecord(scCreat, 4, cwd, unix.O_CREAT|unix.O_WRONLY|unix.O_TRUNC, 0o640, "f\x00", "f\x00", flagFDPath),
		typ:  event.TypeCreat,
		args: append([]event.Arg{fdArg("fd", 4), nameArg("f"), modeArg(0o640)}, devIno(0x801, 1234)...),
		fd:   event.FD{Num: 4, Type: event.FDFile, Name: "/f", NameRaw: "f", Dev: 0x801, Ino: 1234},
	}, {
		name: "failure without a base: the relative name as is",
		raw:  openRecord(scOpenat, -9, 99, 0, 0, "rel\x00", "", 0),
		typ:  event.TypeOpenat,
		args: append([]event.Arg{fdArg("fd", -9), fdArg("dirfd", 99), nameArg("rel"), flagsArg(0), modeArg(0)}, devIno(0, 0)...),
		fd:   event.FD{Num: -9, Type: event.FDFile, Name: "rel", NameRaw: "rel"},
	}, {
		name: "truncated base",
		raw:  openRecord(scOpenat, -2, cwd, 0, 0, "x\x00", "c\x00b\x00", flagBasePath|flagPathTrunc),
		typ:  event.TypeOpenat,
		args: append([]event.Arg{fdArg("fd", -2), fdArg("dirfd", -100), nameArg("x"), flagsArg(0), modeArg(0)}, devIno(0, 0)...),
		fd:   event.FD{Num: -2, Type: event.FDFile, Name: ".../b/c/x", NameRaw: "x"},
	}, {
		name: "unreadable name",
		raw:  openRecord(scOpenat, -14, cwd, 0, 0, "", "", 0),
		typ:  event.TypeOpenat,
		args: append([]event.Arg{fdArg("fd", -14), fdArg("dirfd", -100), nameArg(""), flagsArg(0), modeArg(0)}, devIno(0, 0)...),
		fd:   event.FD{Num: -14, Type: event.FDFile},
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
					PID: 42, TID: 43, PPID: 1, Name: "cat", UID: 1000, StartTime: d.Clock.Wall(1e9),
				},
				Syscall: &event.Syscall{Res: tc.fd.Num, Args: tc.args, FD: &tc.fd},
			}
			if !reflect.DeepEqual(ev, want) {
				t.Errorf("got  %+v\n     %+v %+v\nwant %+v\n     %+v %+v", ev, ev.Syscall, ev.Syscall.FD, want, want.Syscall, want.Syscall.FD)
			}
		})
	}
}

func TestDecodePathOp(t *testing.T) {
	d := testDecoder()
	const cwd = int32(unix.AT_FDCWD)
	for _, tc := range []struct {
		name string
		raw  []byte
		typ  event.Type
		res  int64
		args []event.Arg
	}{{
		name: "unlink success: relative name resolved against the cwd",
		raw:  openRecord(scUnlink, 0, cwd, 0, 0, "a/../f\x00", "tmp\x00", flagBasePath),
		typ:  event.TypeUnlink,
		args: []event.Arg{resArg(0), pathArg("/tmp/f")},
	}, {
		name: "unlink failure: absolute name cleaned",
		raw:  openRecord(scUnlink, -2, cwd, 0, 0, "/tmp//x/./y\x00", "", 0),
		typ:  event.TypeUnlink,
		res:  -2,
		args: []event.Arg{resArg(-2), pathArg("/tmp/x/y")},
	}, {
		name: "unlinkat AT_REMOVEDIR relative to a dirfd",
		raw:  openRecord(scUnlinkat, 0, 5, unix.AT_REMOVEDIR, 0, "sub/d\x00", "data\x00srv\x00", flagBasePath),
		typ:  event.TypeUnlinkat,
		args: []event.Arg{resArg(0), fdArg("dirfd", 5), nameArg("/srv/data/sub/d"), unlinkFlagsArg(512)},
	}, {
		name: "unlinkat without a base: the name as passed",
		raw:  openRecord(scUnlinkat, -9, 99, 0, 0, "rel\x00", "", 0),
		typ:  event.TypeUnlinkat,
		res:  -9,
		args: []event.Arg{resArg(-9), fdArg("dirfd", 99), nameArg("rel"), unlinkFlagsArg(0)},
	}, {
		name: "mkdir with a truncated base",
		raw:  openRecord(scMkdir, 0, cwd, 0, 0o750, "n\x00", "c\x00b\x00", flagBasePath|flagPathTrunc),
		typ:  event.TypeMkdir,
		args: []event.Arg{resArg(0), pathArg(".../b/c/n"), modeArg(0o750)},
	}, {
		name: "mkdirat failure",
		raw:  openRecord(scMkdirat, -17, 3, 0, 0o700, "d\x00", "home\x00", flagBasePath),
		typ:  event.TypeMkdirat,
		res:  -17,
		args: []event.Arg{resArg(-17), fdArg("dirfd", 3), pathArg("/home/d"), modeArg(0o700)},
	}, {
		name: "rmdir of an unreadable name",
		raw:  openRecord(scRmdir, -14, cwd, 0, 0, "", "", 0),
		typ:  event.TypeRmdir,
		res:  -14,
		args: []event.Arg{resArg(-14), pathArg("")},
	}, {
		name: "rmdir relative to the root",
		raw:  openRecord(scRmdir, 0, cwd, 0, 0, "d\x00", "", flagBasePath),
		typ:  event.TypeRmdir,
		args: []event.Arg{resArg(0), pathArg("/d")},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			raw := tc.raw
			// A path operation opens no fd: no inode.
			o := (*syscallsVigilOpen)(unsafe.Pointer(&raw[0]))
			o.Dev, o.Ino, o.I_mode = 0, 0, 0
			ev, err := d.Decode(raw)
			if err != nil {
				t.Fatal(err)
			}
			want := &event.Event{
				Time: d.Clock.Wall(3e9),
				Type: tc.typ,
				Host: "h",
				Process: event.Process{
					PID: 42, TID: 43, PPID: 1, Name: "cat", UID: 1000, StartTime: d.Clock.Wall(1e9),
				},
				Syscall: &event.Syscall{Res: tc.res, Args: tc.args},
			}
			if !reflect.DeepEqual(ev, want) {
				t.Errorf("got  %+v\n     %+v\nwant %+v\n     %+v", ev, ev.Syscall, want, want.Syscall)
			}
		})
	}
}

func TestDecodePathOpMalformed(t *testing.T) {
	d := testDecoder()
	ok := openRecord(scMkdir, 0, -100, 0, 0o755, "name\x00", "tmp\x00", flagBasePath)
	for name, raw := range map[string][]byte{
		"header cut":   ok[:openSize-1],
		"sections cut": ok[:len(ok)-1],
	} {
		if _, err := d.Decode(raw); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: err = %v, want ErrMalformed", name, err)
		}
	}
}

func TestDecodeOpenFDType(t *testing.T) {
	d := testDecoder()
	for _, tc := range []struct {
		iMode uint32
		comps string
		flags uint32
		want  event.FDType
		name  string
	}{
		{0o040755, "tmp\x00", flagFDPath, event.FDDirectory, "/tmp"},
		{0o100644, "memfd:x\x00", flagFDPath | flagPathPseudo, event.FDMemfd, "/memfd:x"},
		{0o100644, "memfd:x\x00", flagFDPath, event.FDFile, "/memfd:x"}, // a file so named
		{0o010644, "fifo\x00", flagFDPath, event.FDFile, "/fifo"},
	} {
		raw := openRecord(scOpenat, 3, -100, 0, 0, "n\x00", tc.comps, tc.flags)
		binary.NativeEndian.PutUint32(raw[unsafe.Offsetof(syscallsVigilOpen{}.I_mode):], tc.iMode)
		ev, err := d.Decode(raw)
		if err != nil {
			t.Fatal(err)
		}
		if fd := ev.Syscall.FD; fd.Type != tc.want || fd.Name != tc.name {
			t.Errorf("mode %o flags %#x: fd %s %q, want %s %q", tc.iMode, tc.flags, fd.Type, fd.Name, tc.want, tc.name)
		}
	}
}

func TestDecodeOpenMalformed(t *testing.T) {
	d := testDecoder()
	ok := openRecord(scOpenat, 3, -100, 0, 0, "name\x00", "name\x00", flagFDPath)
	badSC := openRecord(99, 3, -100, 0, 0, "", "", 0)
	for name, raw := range map[string][]byte{
		"no syscall number": ok[:taskSize+3],
		"header cut":        ok[:openSize-1],
		"sections cut":      ok[:len(ok)-1],
		"unknown syscall":   badSC,
	} {
		if _, err := d.Decode(raw); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: err = %v, want ErrMalformed", name, err)
		}
	}
}

func BenchmarkDecodeOpen(b *testing.B) {
	d := testDecoder()
	raw := openRecord(scOpenat, 3, -100, unix.O_RDONLY|unix.O_CLOEXEC, 0, "/usr/lib/x86_64-linux-gnu/libc.so.6\x00",
		"libc.so.6\x00x86_64-linux-gnu\x00lib\x00usr\x00", flagFDPath)
	b.ReportAllocs()
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		if _, err := d.Decode(raw); err != nil {
			b.Fatal(err)
		}
	}
}
