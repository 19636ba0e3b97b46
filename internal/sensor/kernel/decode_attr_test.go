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

// attrRecord builds an attribute-change record the way the BPF program
// lays it out: an open record with the mode or the uid and gid.
func attrRecord(sc uint32, ret int64, dirfd int32, flags, mode uint64, uid, gid uint32, name, comps string, rflags uint32) []byte {
	o := syscallsVigilOpen{
		Syscall: sc, Dirfd: dirfd, Ret: ret, Flags: flags, Mode: mode, Uid: uid, Gid: gid,
		NameLen: uint16(len(name)), PathLen: uint16(len(comps)),
	}
	o.Task.Ktime, o.Task.StartBoottime, o.Task.Kind, o.Task.Flags = 3e9, 1e9, kindSyscall, rflags
	o.Task.Pid, o.Task.Tid, o.Task.Ppid, o.Task.Uid, o.Task.Comm = 42, 43, 1, 1000, comm("chmod")
	if rflags&flagFDPath != 0 {
		o.Dev, o.Ino, o.I_mode = 0x801, 1234, 0o100644
	}
	return append(bytesOf(&o), name+comps...)
}

// hasFD reports whether events of type t carry an FD.
func hasFD(t event.Type) bool {
	return t.IsOpen() || t == event.TypeFchmod || t == event.TypeFchown
}

func uintArg(name string, n int64) event.Arg {
	return event.Arg{Name: name, Kind: event.ArgUint, Num: n}
}

func TestDecodeAttr(t *testing.T) {
	d := testDecoder()
	const cwd = int32(unix.AT_FDCWD)
	for _, tc := range []struct {
		name string
		raw  []byte
		typ  event.Type
		args []event.Arg
		fd   *event.FD
	}{{
		name: "chmod relative to the cwd",
		raw:  attrRecord(scChmod, 0, cwd, 0, 0o750, 0, 0, "a/../f\x00", "tmp\x00", flagBasePath),
		typ:  event.TypeChmod,
		args: []event.Arg{resArg(0), {Name: "filename", Kind: event.ArgPath, Str: "/tmp/f"}, modeArg(0o750)},
	}, {
		name: "chmod failure: absolute name cleaned",
		raw:  attrRecord(scChmod, -2, cwd, 0, 0o644, 0, 0, "/tmp//x/./y\x00", "", 0),
		typ:  event.TypeChmod,
		args: []event.Arg{resArg(-2), {Name: "filename", Kind: event.ArgPath, Str: "/tmp/x/y"}, modeArg(0o644)},
	}, {
		name: "fchmod: the fd's file",
		raw:  attrRecord(scFchmod, 0, 3, 0, 0o600, 0, 0, "", "f\x00tmp\x00", flagFDPath),
		typ:  event.TypeFchmod,
		args: []event.Arg{resArg(0), fdArg("fd", 3), modeArg(0o600)},
		fd:   &event.FD{Num: 3, Type: event.FDFile, Name: "/tmp/f", Dev: 0x801, Ino: 1234},
	}, {
		name: "fchmod of a bad fd",
		raw:  attrRecord(scFchmod, -9, 99, 0, 0o600, 0, 0, "", "", 0),
		typ:  event.TypeFchmod,
		args: []event.Arg{resArg(-9), fdArg("fd", 99), modeArg(0o600)},
		fd:   &event.FD{Num: 99, Type: event.FDFile},
	}, {
		name: "fchmodat relative to a dirfd",
		raw:  attrRecord(scFchmodat, 0, 5, 0, 0o700, 0, 0, "sub/f\x00", "data\x00srv\x00", flagBasePath),
		typ:  event.TypeFchmodat,
		args: []event.Arg{resArg(0), fdArg("dirfd", 5), {Name: "filename", Kind: event.ArgPath, Str: "/srv/data/sub/f"}, modeArg(0o700)},
	}, {
		name: "chown: gid unchanged keeps its 32 bits",
		raw:  attrRecord(scChown, 0, cwd, 0, 0, 65534, 0xffffffff, "/etc/f\x00", "", 0),
		typ:  event.TypeChown,
		args: []event.Arg{resArg(0), pathArg("/etc/f"), uintArg("uid", 65534), uintArg("gid", 0xffffffff)},
	}, {
		name: "lchown relative, truncated base",
		raw:  attrRecord(scLchown, -1, cwd, 0, 0, 0, 0, "l\x00", "c\x00b\x00", flagBasePath|flagPathTrunc),
		typ:  event.TypeLchown,
		args: []event.Arg{resArg(-1), pathArg(".../b/c/l"), uintArg("uid", 0), uintArg("gid", 0)},
	}, {
		name: "fchown of a directory",
		raw: func() []byte {
			r := attrRecord(scFchown, 0, 4, 0, 0, 5, 6, "", "d\x00", flagFDPath)
			binary.NativeEndian.PutUint32(r[unsafe.Offsetof(syscallsVigilOpen{}.I_mode):], 0o040755)
			return r
		}(),
		typ:  event.TypeFchown,
		args: []event.Arg{resArg(0), fdArg("fd", 4), uintArg("uid", 5), uintArg("gid", 6)},
		fd:   &event.FD{Num: 4, Type: event.FDDirectory, Name: "/d", Dev: 0x801, Ino: 1234},
	}, {
		name: "fchownat AT_SYMLINK_NOFOLLOW",
		raw:  attrRecord(scFchownat, 0, 5, unix.AT_SYMLINK_NOFOLLOW, 0, 1, 2, "ln\x00", "srv\x00", flagBasePath),
		typ:  event.TypeFchownat,
		args: []event.Arg{resArg(0), fdArg("dirfd", 5), {Name: "pathname", Kind: event.ArgPath, Str: "/srv/ln"},
			uintArg("uid", 1), uintArg("gid", 2), uintArg("flags", 0x100)},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			ev, err := d.Decode(tc.raw)
			if err != nil {
				t.Fatal(err)
			}
			if ev.Type != tc.typ || ev.Syscall == nil {
				t.Fatalf("type %s, syscall %v", ev.Type, ev.Syscall)
			}
			if ev.Syscall.Res != tc.args[0].Num {
				t.Errorf("res = %d, want %d", ev.Syscall.Res, tc.args[0].Num)
			}
			if !reflect.DeepEqual(ev.Syscall.Args, tc.args) {
				t.Errorf("args:\n got %+v\nwant %+v", ev.Syscall.Args, tc.args)
			}
			if !reflect.DeepEqual(ev.Syscall.FD, tc.fd) {
				t.Errorf("fd = %+v, want %+v", ev.Syscall.FD, tc.fd)
			}
			if !ev.Type.IsAttrChange() || !ev.Type.IsSyscall() {
				t.Errorf("%s is not an attribute change", ev.Type)
			}
		})
	}
}

func TestDecodeAttrMalformed(t *testing.T) {
	d := testDecoder()
	ok := attrRecord(scFchownat, 0, -100, 0, 0, 1, 2, "name\x00", "tmp\x00", flagBasePath)
	for name, raw := range map[string][]byte{
		"header cut":   ok[:openSize-1],
		"sections cut": ok[:len(ok)-1],
	} {
		if _, err := d.Decode(raw); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: err = %v, want ErrMalformed", name, err)
		}
	}
}
