package state

import (
	"net/netip"
	"testing"

	"github.com/vigil-sec/vigil/internal/event"
)

func sendto(pid uint32, fd int64, ino uint64, dst string) *event.Event {
	local := netip.MustParseAddrPort("10.0.0.1:40000")
	remote := netip.MustParseAddrPort(dst)
	return &event.Event{
		Type:    event.TypeSendto,
		Process: event.Process{PID: pid, TID: pid},
		Syscall: &event.Syscall{Res: 3, FD: &event.FD{
			Num: fd, Type: event.FDIPv4, Ino: ino,
			Name: local.String() + "->" + remote.String(),
			Sock: &event.Socket{Family: 2, Type: 2, Proto: 17, Local: local, Remote: remote, Role: event.RoleClient},
		}},
	}
}

func TestSocketNameChanged(t *testing.T) {
	s := newSockNames(8)
	steps := []struct {
		ev   *event.Event
		want bool
	}{
		{sendto(1, 3, 100, "1.1.1.1:53"), true},  // first destination
		{sendto(1, 3, 100, "1.1.1.1:53"), false}, // same again
		{sendto(1, 3, 100, "8.8.8.8:53"), true},  // new destination
		{sendto(1, 3, 100, "8.8.8.8:53"), false},
		{sendto(2, 3, 100, "8.8.8.8:53"), true}, // another process's descriptor
		{sendto(1, 3, 101, "8.8.8.8:53"), true}, // fd 3 reused for another socket
		{sendto(1, 4, 100, "8.8.8.8:53"), true}, // a dup of the socket is another descriptor
	}
	for i, st := range steps {
		s.update(st.ev)
		if got := st.ev.Syscall.FD.Sock.NameChanged; got != st.want {
			t.Errorf("step %d: NameChanged = %v, want %v", i, got, st.want)
		}
	}
}

func TestSocketNamesBounded(t *testing.T) {
	s := newSockNames(8)
	for i := range 100 {
		s.update(sendto(uint32(i), 3, 1, "1.1.1.1:53"))
		if n := s.len(); n > 8 {
			t.Fatalf("after %d sockets: %d names remembered, want at most 8", i+1, n)
		}
	}
	// the most recent survive: no change reported for them
	ev := sendto(99, 3, 1, "1.1.1.1:53")
	s.update(ev)
	if ev.Syscall.FD.Sock.NameChanged {
		t.Error("most recent socket forgotten")
	}
}

func TestSocketNameIgnoresOthers(t *testing.T) {
	s := newSockNames(8)
	for _, ev := range []*event.Event{
		{Type: event.TypeOpenat, Syscall: &event.Syscall{FD: &event.FD{Num: 3, Name: "/etc/passwd"}}},
		{Type: event.TypeConnect, Syscall: &event.Syscall{Res: -111, FD: &event.FD{Num: -1, Sock: &event.Socket{}}}},
		{Type: event.TypeSocket},
	} {
		s.update(ev)
	}
	if s.len() != 0 {
		t.Errorf("%d names remembered, want 0", s.len())
	}
}
