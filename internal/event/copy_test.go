package event

import (
	"net/netip"
	"reflect"
	"testing"
)

// TestCopyIsDeep: a Copy equals the event, and overwriting the original's
// memory (as a source reusing it does) leaves the Copy unchanged.
func TestCopyIsDeep(t *testing.T) {
	full := func() *Event {
		return &Event{
			Seq: 7, Type: TypeConnect, Host: "h",
			Process:     Process{PID: 1, Name: "n", Args: []string{"a"}},
			Ancestors:   []Ancestor{{PID: 2, Name: "p"}},
			Exec:        &Exec{Filename: "/bin/x"},
			Clone:       &Clone{Thread: true},
			Exit:        &Exit{Code: 3},
			Drop:        &Drop{Lost: map[string]uint64{"syscall": 1}},
			Enforcement: &Enforcement{Policy: "p"},
			Syscall: &Syscall{Res: 3, Args: []Arg{{Name: "fd", Kind: ArgFD, Num: 3}},
				FD: &FD{Num: 3, Name: "1.2.3.4:5", Sock: &Socket{Remote: netip.MustParseAddrPort("1.2.3.4:5")}}},
		}
	}
	ev := full()
	c := ev.Copy()
	if !reflect.DeepEqual(c, full()) {
		t.Fatalf("copy %+v differs from the event", c)
	}
	*ev.Exec, *ev.Clone, *ev.Exit, *ev.Enforcement = Exec{}, Clone{}, Exit{}, Enforcement{}
	*ev.Drop = Drop{}
	ev.Syscall.Args[0] = Arg{}
	*ev.Syscall.FD.Sock = Socket{}
	*ev.Syscall.FD = FD{}
	*ev.Syscall = Syscall{}
	*ev = Event{}
	if !reflect.DeepEqual(c, full()) {
		t.Fatalf("after the original was overwritten the copy is %+v", c)
	}
	if (*Event)(nil).Copy() != nil {
		t.Fatal("nil.Copy() is not nil")
	}
}
