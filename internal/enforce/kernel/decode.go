package kernel

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"net/netip"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// Action is what a matching rule does.
type Action uint8

const (
	// ActionDeny refuses a socket operation (EPERM).
	ActionDeny Action = 1
	// ActionKill sends SIGKILL to the caller of a system call.
	ActionKill Action = 2
)

func (a Action) String() string {
	switch a {
	case ActionDeny:
		return "deny"
	case ActionKill:
		return "kill"
	}
	return fmt.Sprintf("Action(%d)", uint8(a))
}

// Decision is one match of a rule, enforced or (Audit) only reported.
type Decision struct {
	// Time is when the kernel matched (wall clock, from CLOCK_BOOTTIME).
	Time time.Time
	// Policy is the policy's index; Rule the index of the rule in its Net
	// (network decisions; -1 for kills).
	Policy int
	Rule   int
	Action Action
	// Audit: the caller was let through (an audit policy matched and no
	// enforcing one did).
	Audit bool
	// The caller.
	PID, TGID, UID uint32
	PidNS          uint32 // inode of its pid namespace
	Comm           string
	CgroupID       uint64 // its v2 cgroup
	// Network decisions: what the caller did, with which protocol, to or
	// on which address (an IPv4-mapped IPv6 address is reported as IPv4).
	Op    NetOp
	Proto Proto
	Addr  netip.AddrPort
	// Kill decisions: the system call (number and name).
	Syscall     int32
	SyscallName string
	// SignalErr is bpf_send_signal's error when the kill could not be sent
	// (nil otherwise, and for audits).
	SignalErr error
}

// decisionSize is sizeof(struct enf_decision).
const decisionSize = 88

// decode decodes one ring buffer record; tables gives the decoding table
// of the generation that matched.
func decode(b []byte, tables func(gen uint8) genTable) (Decision, error) {
	var r enforceEnfDecision
	if len(b) < decisionSize {
		return Decision{}, fmt.Errorf("decision record of %d bytes, want %d", len(b), decisionSize)
	}
	if _, err := binary.Decode(b[:decisionSize], binary.NativeEndian, &r); err != nil {
		return Decision{}, fmt.Errorf("decision record: %w", err)
	}
	if r.Policy >= MaxPolicies {
		return Decision{}, fmt.Errorf("decision record: policy index %d out of range", r.Policy)
	}
	d := Decision{
		Time:     bootToWall(r.Ktime),
		Policy:   int(r.Policy),
		Rule:     -1,
		Action:   Action(r.Action),
		Audit:    r.Audit != 0,
		PID:      r.Pid,
		TGID:     r.Tgid,
		UID:      r.Uid,
		PidNS:    r.Pidns,
		CgroupID: r.CgroupId,
		Proto:    Proto(r.Proto),
		Syscall:  r.SyscallNr,
	}
	comm := make([]byte, len(r.Comm))
	for i, c := range r.Comm {
		comm[i] = byte(c)
	}
	if i := bytes.IndexByte(comm, 0); i >= 0 {
		comm = comm[:i]
	}
	d.Comm = string(comm)
	switch r.Op { // enum enf_op
	case 1:
		d.Op = NetConnect
	case 2:
		d.Op = NetSendmsg
	case 3:
		d.Op = NetBind
	}
	t := tables(r.Gen)
	switch d.Action {
	case ActionDeny:
		var raw [16]byte
		for i, w := range r.Addr {
			binary.NativeEndian.PutUint32(raw[i*4:], w)
		}
		var a netip.Addr
		switch r.Family {
		case unix.AF_INET:
			a = netip.AddrFrom4([4]byte(raw[:4]))
		case unix.AF_INET6:
			a = netip.AddrFrom16(raw)
		default:
			return Decision{}, fmt.Errorf("decision record: address family %d", r.Family)
		}
		d.Addr = netip.AddrPortFrom(a, r.Port)
		if int(r.Rule) < len(t.netRefs) && t.netRefs[r.Rule].policy == d.Policy {
			d.Rule = t.netRefs[r.Rule].rule
		}
	case ActionKill:
		d.SyscallName = t.sysNames[r.SyscallNr]
		if r.SignalErr != 0 {
			d.SignalErr = syscall.Errno(-r.SignalErr)
		}
	default:
		return Decision{}, fmt.Errorf("decision record: action %d", r.Action)
	}
	return d, nil
}

// bootToWall converts a CLOCK_BOOTTIME timestamp to wall time.
func bootToWall(ns uint64) time.Time {
	var ts unix.Timespec
	now := time.Now()
	if err := unix.ClockGettime(unix.CLOCK_BOOTTIME, &ts); err != nil {
		return now
	}
	return now.Add(-time.Duration(ts.Nano() - int64(ns)))
}
