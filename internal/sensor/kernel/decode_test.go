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

// execRecord builds an exec record the way the BPF program lays it out,
// without cgroup sections.
func execRecord(exe, cwd, filename, args string, flags uint32) []byte {
	return execRecordCgroups(exe, cwd, filename, "", "", args, flags)
}

// execRecordCgroups builds an exec record with cgroup v2 and v1 sections.
func execRecordCgroups(exe, cwd, filename, cg, cgV1, args string, flags uint32) []byte {
	h := processVigilExec{
		Task: processVigilTask{
			Ktime: 2e9, StartBoottime: 1e9, CgroupId: 7, Kind: kindExec, Flags: flags,
			Pid: 42, Tid: 42, Ppid: 1, Uid: 1000, Gid: 1000, Euid: 0, Egid: 0,
			Loginuid: 1000, Sid: 42, Tty: 34816, Comm: comm("true"),
			Mntns: 4026532001, Pidns: 4026532002, Vpid: 1, Vtid: 1,
		},
		Syscall:     uint32(processVigilSyscallVIGIL_SC_EXECVE),
		ExeLen:      uint16(len(exe)),
		CwdLen:      uint16(len(cwd)),
		FilenameLen: uint16(len(filename)),
		CgroupLen:   uint16(len(cg)),
		CgroupV1Len: uint16(len(cgV1)),
		ArgsLen:     uint16(len(args)),
	}
	b := bytesOf(&h)
	return append(b, exe+cwd+filename+cg+cgV1+args...)
}

// cloneRecord builds a clone record with cgroup v2 and v1 sections.
func cloneRecord(c processVigilClone, cg, cgV1 string) []byte {
	c.Task.Kind = kindClone
	c.CgroupLen = uint16(len(cg))
	c.CgroupV1Len = uint16(len(cgV1))
	return append(bytesOf(&c), cg+cgV1...)
}

func TestDecodeExec(t *testing.T) {
	d := testDecoder()
	raw := execRecordCgroups("true\x00bin\x00usr\x00", "tmp\x00", "/bin/true\x00",
		"cri-abc.scope\x00kubepods.slice\x00", "", "/bin/true\x00-x\x00\x00", flagExeUpper|flagCgroupV1)
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
			MntNS: 4026532001, PidNS: 4026532002, VPID: 1, VTID: 1,
			CgroupPath: "/kubepods.slice/cri-abc.scope", CgroupV1Path: "/",
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

func TestDecodeCgroupPaths(t *testing.T) {
	d := testDecoder()
	for _, tc := range []struct {
		name     string
		cg, cgV1 string
		flags    uint32
		v2, v1   string
	}{
		{"root, no v1", "", "", 0, "/", ""},
		{"v1 root", "", "", flagCgroupV1, "/", "/"},
		{"both", "b\x00a\x00", "s.scope\x00u.slice\x00", flagCgroupV1, "/a/b", "/u.slice/s.scope"},
		{"v2 truncated", "d\x00c\x00", "", flagCgroupTrunc, ".../c/d", ""},
		{"v1 truncated", "x\x00", "y\x00", flagCgroupV1 | flagCgroupV1Trunc, "/x", ".../y"},
		{"v1 bytes without flag", "x\x00", "y\x00", 0, "/x", ""},
	} {
		raw := execRecordCgroups("true\x00", "", "", tc.cg, tc.cgV1, "true\x00", tc.flags)
		ev, err := d.Decode(raw)
		if err != nil {
			t.Fatalf("%s: exec: %v", tc.name, err)
		}
		if ev.Process.CgroupPath != tc.v2 || ev.Process.CgroupV1Path != tc.v1 || ev.Process.Exe != "/true" ||
			len(ev.Process.Args) != 1 || ev.Process.Args[0] != "true" {
			t.Errorf("%s: exec: cgroup %q, v1 %q, exe %q, args %q; want %q, %q", tc.name,
				ev.Process.CgroupPath, ev.Process.CgroupV1Path, ev.Process.Exe, ev.Process.Args, tc.v2, tc.v1)
		}
		ev, err = d.Decode(cloneRecord(processVigilClone{Task: processVigilTask{Pid: 3, Tid: 3, Flags: tc.flags}}, tc.cg, tc.cgV1))
		if err != nil {
			t.Fatalf("%s: clone: %v", tc.name, err)
		}
		if ev.Process.CgroupPath != tc.v2 || ev.Process.CgroupV1Path != tc.v1 {
			t.Errorf("%s: clone: cgroup %q, v1 %q; want %q, %q", tc.name,
				ev.Process.CgroupPath, ev.Process.CgroupV1Path, tc.v2, tc.v1)
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
		c := processVigilClone{Task: processVigilTask{Kind: kindClone, Pid: 9, Tid: 10, Flags: tc.flags,
			Mntns: 11, Pidns: 12, Vpid: 2, Vtid: 3}, Syscall: uint32(tc.sc), CloneFlags: 0x11}
		ev, err := d.Decode(bytesOf(&c))
		if err != nil {
			t.Fatal(err)
		}
		if ev.Type != tc.typ || ev.Clone.Thread != tc.thread || ev.Clone.Flags != 0x11 {
			t.Errorf("syscall %d: got %s %+v", tc.sc, ev.Type, *ev.Clone)
		}
		wantCgroup := "/" // an empty section is the root cgroup
		if tc.thread {
			wantCgroup = "" // a thread's record has none: its process's apply
		}
		if p := ev.Process; p.MntNS != 11 || p.PidNS != 12 || p.VPID != 2 || p.VTID != 3 || p.CgroupPath != wantCgroup || p.CgroupV1Path != "" {
			t.Errorf("syscall %d: namespaces and cgroups %+v", tc.sc, p)
		}
		if (ev.Process.ExecID == "") != tc.thread {
			t.Errorf("syscall %d: exec id %q for thread=%v", tc.sc, ev.Process.ExecID, tc.thread)
		}
	}
}

func TestDecodeMalformed(t *testing.T) {
	d := testDecoder()
	exec := execRecord("a\x00", "", "", "x\x00", 0)
	execCg := execRecordCgroups("a\x00", "", "", "c\x00", "d\x00", "", flagCgroupV1)
	clone := cloneRecord(processVigilClone{}, "c\x00", "d\x00")
	for name, raw := range map[string][]byte{
		"empty":             nil,
		"short header":      make([]byte, taskSize-1),
		"unknown kind":      bytesOf(&processVigilTask{Kind: 99}),
		"exec sections cut": exec[:len(exec)-1],
		"exec header cut":   exec[:execSize-1],
		"clone cut":         bytesOf(&processVigilClone{Task: processVigilTask{Kind: kindClone}})[:cloneSize-1],
		"exit cut":          bytesOf(&processVigilExit{Task: processVigilTask{Kind: kindExit}})[:exitSize-1],
		"exec cgroup cut":   execCg[:len(execCg)-1],
		"clone cgroup cut":  clone[:len(clone)-1],
		"clone v2 cut":      clone[:cloneSize+1],
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
	f.Add(execRecordCgroups("true\x00bin\x00", "", "/bin/true\x00", "s.scope\x00u.slice\x00", "x\x00", "true\x00", flagCgroupV1))
	f.Add(execRecordCgroups("", "", "", "b\x00", "", "", flagCgroupTrunc|flagCgroupV1|flagCgroupV1Trunc))
	f.Add(cloneRecord(processVigilClone{Task: processVigilTask{Flags: flagCgroupV1}}, "a\x00", ""))
	f.Add(cloneRecord(processVigilClone{Task: processVigilTask{Flags: flagThread | flagCgroupTrunc}}, "c\x00b\x00", "d\x00"))
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
		// A failed exec carries a Syscall; sockets, descriptors and the
		// misc calls may or may not describe an fd; the open family and
		// fchmod/fchown always do; the rest never.
		failedExec := ev.Type.IsExec() && ev.Syscall != nil && ev.Syscall.Res < 0
		if (ev.Type.IsSyscall() || failedExec) != (ev.Syscall != nil) {
			t.Fatalf("decoded an event with the wrong details: %+v", ev)
		}
		if ev.Syscall != nil && !ev.Type.IsNet() && !ev.Type.IsMisc() && hasFD(ev.Type) != (ev.Syscall.FD != nil) {
			t.Fatalf("decoded an event with the wrong fd detail: %+v %+v", ev, ev.Syscall)
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
