package kernel

import (
	"errors"
	"reflect"
	"testing"
	"time"
	"unsafe"

	"github.com/vigil-sec/vigil/internal/event"
	"github.com/vigil-sec/vigil/internal/host"
)

func testDecoder() *Decoder {
	return &Decoder{Host: "h", Clock: host.Clock{BootWall: time.Unix(1_700_000_000, 0).UTC()}}
}

func bytesOf[T any](v *T) []byte {
	return append([]byte(nil), unsafe.Slice((*byte)(unsafe.Pointer(v)), unsafe.Sizeof(*v))...)
}

func comm(s string) (c [16]int8) {
	for i := 0; i < len(s) && i < 15; i++ {
		c[i] = int8(s[i])
	}
	return c
}

// execRecord builds an exec record the way the BPF program lays it out.
func execRecord(exe, cwd, filename, args string, flags uint32) []byte {
	h := processVigilExec{
		Task: processVigilTask{
			Ktime: 2e9, StartBoottime: 1e9, CgroupId: 7, Kind: kindExec, Flags: flags,
			Pid: 42, Tid: 42, Ppid: 1, Uid: 1000, Gid: 1000, Euid: 0, Egid: 0,
			Loginuid: 1000, Sid: 42, Tty: 34816, Comm: comm("true"),
		},
		Syscall:     uint32(processVigilSyscallVIGIL_SC_EXECVE),
		ExeLen:      uint16(len(exe)),
		CwdLen:      uint16(len(cwd)),
		FilenameLen: uint16(len(filename)),
		ArgsLen:     uint16(len(args)),
	}
	b := bytesOf(&h)
	return append(b, exe+cwd+filename+args...)
}

func TestDecodeExec(t *testing.T) {
	d := testDecoder()
	raw := execRecord("true\x00bin\x00usr\x00", "tmp\x00", "/bin/true\x00", "/bin/true\x00-x\x00\x00", flagExeUpper)
	ev, err := d.Decode(raw)
	if err != nil {
		t.Fatal(err)
	}
	want := &event.Event{
		Time: d.Clock.Wall(2e9),
		Type: event.TypeExecve,
		Host: "h",
		Process: event.Process{
			PID: 42, TID: 42, PPID: 1, ExecID: event.NewExecID([16]byte{}, 42, 2e9),
			Name: "true", Exe: "/usr/bin/true", Args: []string{"/bin/true", "-x", ""}, Cwd: "/tmp",
			UID: 1000, GID: 1000, LoginUID: 1000, SID: 42, TTY: 34816,
			StartTime: d.Clock.Wall(1e9), CgroupID: 7, ExeUpperLayer: true,
		},
		Exec: &event.Exec{Filename: "/bin/true"},
	}
	if !reflect.DeepEqual(ev, want) {
		t.Errorf("got  %+v\nwant %+v", ev, want)
	}
}

func TestJoinPath(t *testing.T) {
	for _, tc := range []struct {
		comps string
		trunc bool
		want  string
	}{
		{"", false, "/"},
		{"etc\x00", false, "/etc"},
		{"passwd\x00etc\x00", false, "/etc/passwd"},
		{"memfd:x\x00", false, "/memfd:x"},
		{"c\x00b\x00", true, ".../b/c"},
		{"", true, "..."},
		{"a b\x00dir with space\x00", false, "/dir with space/a b"},
	} {
		if got := joinPath(tc.comps, tc.trunc); got != tc.want {
			t.Errorf("joinPath(%q, %v) = %q, want %q", tc.comps, tc.trunc, got, tc.want)
		}
	}
}

func TestSplitArgs(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"", []string{}},
		{"ls\x00", []string{"ls"}},
		{"ls\x00-l\x00", []string{"ls", "-l"}},
		{"echo\x00\x00", []string{"echo", ""}},
		{"echo\x00partial", []string{"echo", "partial"}}, // truncated: no final NUL
	} {
		if got := splitArgs(tc.in); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("splitArgs(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestDecodeExit(t *testing.T) {
	d := testDecoder()
	for _, tc := range []struct {
		code uint32
		want event.Exit
	}{
		{0, event.Exit{}},
		{3 << 8, event.Exit{Code: 3}},
		{255 << 8, event.Exit{Code: 255}},
		{9, event.Exit{Signal: 9}},
		{11 | 0x80, event.Exit{Signal: 11, CoreDumped: true}},
	} {
		x := processVigilExit{Task: processVigilTask{Kind: kindExit, Pid: 5, Tid: 5}, ExitCode: tc.code}
		ev, err := d.Decode(bytesOf(&x))
		if err != nil {
			t.Fatal(err)
		}
		if ev.Type != event.TypeProcExit || *ev.Exit != tc.want {
			t.Errorf("exit code %#x: got %s %+v, want %+v", tc.code, ev.Type, *ev.Exit, tc.want)
		}
	}
}

func TestDecodeClone(t *testing.T) {
	d := testDecoder()
	for _, tc := range []struct {
		sc     processVigilSyscall
		flags  uint32
		typ    event.Type
		thread bool
	}{
		{processVigilSyscallVIGIL_SC_CLONE, 0, event.TypeClone, false},
		{processVigilSyscallVIGIL_SC_CLONE3, flagThread, event.TypeClone3, true},
		{processVigilSyscallVIGIL_SC_FORK, 0, event.TypeFork, false},
		{processVigilSyscallVIGIL_SC_VFORK, 0, event.TypeVfork, false},
		{processVigilSyscallVIGIL_SC_NONE, 0, event.TypeClone, false},
	} {
		c := processVigilClone{Task: processVigilTask{Kind: kindClone, Pid: 9, Tid: 10, Flags: tc.flags}, Syscall: uint32(tc.sc), CloneFlags: 0x11}
		ev, err := d.Decode(bytesOf(&c))
		if err != nil {
			t.Fatal(err)
		}
		if ev.Type != tc.typ || ev.Clone.Thread != tc.thread || ev.Clone.Flags != 0x11 {
			t.Errorf("syscall %d: got %s %+v", tc.sc, ev.Type, *ev.Clone)
		}
		if (ev.Process.ExecID == "") != tc.thread {
			t.Errorf("syscall %d: exec id %q for thread=%v", tc.sc, ev.Process.ExecID, tc.thread)
		}
	}
}

func TestDecodeMalformed(t *testing.T) {
	d := testDecoder()
	exec := execRecord("a\x00", "", "", "x\x00", 0)
	for name, raw := range map[string][]byte{
		"empty":             nil,
		"short header":      make([]byte, taskSize-1),
		"unknown kind":      bytesOf(&processVigilTask{Kind: 99}),
		"exec sections cut": exec[:len(exec)-1],
		"exec header cut":   exec[:execSize-1],
		"clone cut":         bytesOf(&processVigilClone{Task: processVigilTask{Kind: kindClone}})[:cloneSize-1],
		"exit cut":          bytesOf(&processVigilExit{Task: processVigilTask{Kind: kindExit}})[:exitSize-1],
	} {
		if _, err := d.Decode(raw); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: err = %v, want ErrMalformed", name, err)
		}
	}
}

// TestDecodeUnaligned decodes a record that does not start on an 8-byte
// boundary (the copying path).
func TestDecodeUnaligned(t *testing.T) {
	raw := execRecord("x\x00", "", "", "x\x00", 0)
	buf := make([]byte, len(raw)+1)
	copy(buf[1:], raw)
	ev, err := testDecoder().Decode(buf[1:])
	if err != nil || ev.Process.Exe != "/x" {
		t.Fatalf("got %+v, %v", ev, err)
	}
}

func FuzzDecode(f *testing.F) {
	f.Add(execRecord("true\x00bin\x00", "tmp\x00", "/bin/true\x00", "/bin/true\x00", 0))
	f.Add(execRecord("", "", "", "", flagArgsTrunc|flagExeTrunc))
	f.Add(bytesOf(&processVigilClone{Task: processVigilTask{Kind: kindClone}}))
	f.Add(bytesOf(&processVigilExit{Task: processVigilTask{Kind: kindExit}, ExitCode: 9}))
	f.Add(openRecord(scOpenat, 3, -100, 0x80000, 0, "/etc/passwd\x00", "passwd\x00etc\x00", flagFDPath))
	f.Add(openRecord(scOpen, -2, -100, 0, 0, "a/b\x00", "tmp\x00", flagBasePath|flagPathTrunc))
	f.Add(openRecord(scOpenat2, -40, 5, 0x41, 0o644, "x\x00", "", 0))
	f.Add(openRecord(scCreat, 4, -100, 0x241, 0o600, "f\x00", "memfd:f\x00", flagFDPath|flagPathPseudo))
	f.Add(openRecord(scUnlinkat, 0, 5, 0x200, 0, "sub/d\x00", "tmp\x00", flagBasePath))
	f.Add(openRecord(scUnlink, -2, -100, 0, 0, "x\x00", "b\x00a\x00", flagBasePath|flagPathTrunc))
	f.Add(openRecord(scMkdir, 0, -100, 0, 0o755, "/a//b\x00", "", 0))
	f.Add(openRecord(scMkdirat, -17, 3, 0, 0o700, "d\x00", "", 0))
	f.Add(openRecord(scRmdir, 0, -100, 0, 0, "\x00", "", 0))
	f.Add(path2Record(scRename, 0, -100, -100, 0, "a\x00", "b\x00", "tmp\x00", "tmp\x00", flagOldBase|flagNewBase))
	f.Add(path2Record(scRenameat2, -2, 3, 4, 1, "/a\x00", "b\x00", "", "c\x00", flagNewBase|flagNewTrunc))
	f.Add(path2Record(scLinkat, 0, 3, -100, 0x400, "f\x00", "/l\x00", "d\x00", "", flagOldBase))
	f.Add(path2Record(scSymlinkat, -17, -100, 5, 0, "../t\x00", "ln\x00", "", "srv\x00", flagNewBase))
	f.Add(path2Record(scSymlink, 0, -100, -100, 0, "", "", "", "", 0))
	f.Add(attrRecord(scChmod, 0, -100, 0, 0o755, 0, 0, "a/f\x00", "tmp\x00", flagBasePath))
	f.Add(attrRecord(scFchmod, 0, 3, 0, 0o600, 0, 0, "", "f\x00tmp\x00", flagFDPath))
	f.Add(attrRecord(scFchmodat, -2, 4, 0, 0o644, 0, 0, "x\x00", "", 0))
	f.Add(attrRecord(scChown, 0, -100, 0, 0, 1000, 0xffffffff, "/a//b\x00", "", 0))
	f.Add(attrRecord(scLchown, -1, -100, 0, 0, 0, 0, "l\x00", "b\x00a\x00", flagBasePath|flagPathTrunc))
	f.Add(attrRecord(scFchown, -9, 77, 0, 0, 5, 6, "", "", 0))
	f.Add(attrRecord(scFchownat, 0, 5, 0x100, 0, 1, 2, "ln\x00", "srv\x00", flagBasePath))
	f.Add([]byte{1, 2, 3})
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
		if ev.Type.IsSyscall() != (ev.Syscall != nil) || (ev.Syscall != nil && hasFD(ev.Type) != (ev.Syscall.FD != nil)) {
			t.Fatalf("decoded an event without type details: %+v", ev)
		}
	})
}

func BenchmarkDecodeExec(b *testing.B) {
	d := testDecoder()
	raw := execRecord("bash\x00bin\x00usr\x00", "project\x00home\x00", "/usr/bin/bash\x00",
		"/usr/bin/bash\x00-c\x00make test && ./run --flag=value\x00", 0)
	b.ReportAllocs()
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		if _, err := d.Decode(raw); err != nil {
			b.Fatal(err)
		}
	}
}
