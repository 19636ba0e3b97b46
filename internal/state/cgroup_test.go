package state

import (
	"testing"

	"github.com/vigil-sec/vigil/internal/event"
)

func TestParseCgroupFile(t *testing.T) {
	for _, tc := range []struct {
		name, in, v2, v1 string
	}{
		{"v2 only", "0::/system.slice/docker-abc.scope\n", "/system.slice/docker-abc.scope", ""},
		{"hybrid", "12:memory:/docker/abc\n11:cpu,cpuacct:/docker/abc\n1:name=systemd:/docker/abc\n0::/docker/abc\n", "/docker/abc", "/docker/abc"},
		{"no memory controller", "5:pids:/\n4:cpu,cpuacct:/vigil/x\n0::/\n", "/", "/vigil/x"},
		{"memory at root", "3:memory:/\n2:pids:/user.slice\n0::/user.slice/session-1.scope", "/user.slice/session-1.scope", "/"},
		{"garbage", "nonsense\n:::\n", "", ""},
		{"empty", "", "", ""},
	} {
		v2, v1 := parseCgroupFile([]byte(tc.in))
		if v2 != tc.v2 || v1 != tc.v1 {
			t.Errorf("%s: got (%q, %q), want (%q, %q)", tc.name, v2, v1, tc.v2, tc.v1)
		}
	}
}

func TestNSInode(t *testing.T) {
	for in, want := range map[string]uint32{
		"mnt:[4026531841]": 4026531841,
		"pid:[4026531836]": 4026531836,
		"mnt:[x]":          0,
		"":                 0,
		"mnt:4026531841":   0,
	} {
		if got := nsInode(in); got != want {
			t.Errorf("nsInode(%q) = %d, want %d", in, got, want)
		}
	}
}

// A syscall event, which carries no cgroup path, gets the one its
// process's exec recorded, and its namespaces.
func TestCgroupPathFilledFromExec(t *testing.T) {
	tb := New(Config{})
	exec := &event.Event{Type: event.TypeExecve, Process: event.Process{
		PID: 10, TID: 10, PPID: 1, Name: "sh", Exe: "/bin/sh",
		CgroupPath: "/vigil/c1", CgroupV1Path: "/vigil/c1", MntNS: 5, PidNS: 6,
	}}
	tb.Apply(exec)
	open := &event.Event{Type: event.TypeOpenat, Process: event.Process{PID: 10, TID: 10}}
	tb.Apply(open)
	p := open.Process
	if p.CgroupPath != "/vigil/c1" || p.CgroupV1Path != "/vigil/c1" || p.MntNS != 5 || p.PidNS != 6 {
		t.Errorf("process = %+v", p)
	}
}
