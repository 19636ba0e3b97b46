package engine

import (
	"golang.org/x/sys/unix"

	"github.com/vigil-sec/vigil/internal/event"
)

// sockField reports whether a field's value is the same for every connect
// of one socket family: the descriptor's type and the event type.
func sockField(name string) bool {
	switch name {
	case "fd.type", "fd.typechar", "evt.type":
		return true
	}
	return false
}

// familyFD is a socket family ConnectFamilies can leave out, with its
// descriptor type.
type familyFD struct {
	family int
	fd     event.FDType
}

func connectFamilyTable() [4]familyFD {
	return [4]familyFD{
		{unix.AF_UNIX, event.FDUnix},
		{unix.AF_INET, event.FDIPv4},
		{unix.AF_INET6, event.FDIPv6},
		{unix.AF_NETLINK, event.FDNetlink},
	}
}

// socketField reports whether a field's value is the same for every
// socket(2) call asking for one domain: the domain argument and the event
// type. The descriptor's fields are not: a failed call has none.
func socketField(name string) bool {
	switch name {
	case "evt.arg.domain", "evt.type":
		return true
	}
	return false
}

// SocketFamilies returns the socket families (bit 1<<AF_x) whose socket(2)
// calls some enabled rule could match, judged with only the event type and
// the domain argument known (three-valued logic): the kernel sensor drops
// the other families' socket calls. Families other than unix, inet, inet6
// and netlink are always kept; so is every family when a rule's condition
// cannot be judged.
func (e *Engine) SocketFamilies() uint64 {
	mask := ^uint64(0)
	t := event.TypeSocket
	if int(t) >= len(e.byType) {
		return mask
	}
	for _, f := range connectFamilyTable() {
		ev := &event.Event{Type: t, Syscall: &event.Syscall{Res: -1, Args: []event.Arg{
			{Name: "fd", Kind: event.ArgFD, Num: -1},
			{Name: "domain", Kind: event.ArgSockFamily, Num: int64(f.family)},
			{Name: "type", Kind: event.ArgSockType},
			{Name: "proto", Kind: event.ArgInt},
		}}}
		needed := false
		for _, r := range e.byType[t] {
			if r.cond == nil || partialWith(r.cond, ev, socketField) != triFalse {
				needed = true
				break
			}
		}
		if !needed {
			mask &^= 1 << f.family
		}
	}
	return mask
}

// ConnectFamilies returns the socket families (bit 1<<AF_x) whose connect
// events some enabled rule could match, judged with only the event type
// and the descriptor's type known (three-valued logic): the kernel sensor
// drops the other families' connects. Families other than unix, inet,
// inet6 and netlink are always kept; so is every family when a rule's
// condition cannot be judged.
func (e *Engine) ConnectFamilies() uint64 {
	mask := ^uint64(0)
	t := event.TypeConnect
	if int(t) >= len(e.byType) {
		return mask
	}
	for _, f := range connectFamilyTable() {
		ev := &event.Event{Type: t, Syscall: &event.Syscall{FD: &event.FD{Type: f.fd, Sock: &event.Socket{Family: uint16(f.family)}}}}
		needed := false
		for _, r := range e.byType[t] {
			if r.cond == nil || partialWith(r.cond, ev, sockField) != triFalse {
				needed = true
				break
			}
		}
		if !needed {
			mask &^= 1 << f.family
		}
	}
	return mask
}
