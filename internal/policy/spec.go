package policy

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/vigil-sec/vigil/internal/rules"
)

// Mode says whether a policy acts or only reports.
type Mode uint8

const (
	// Enforce blocks or kills and reports what it did.
	Enforce Mode = iota
	// Audit blocks nothing and reports what enforce would have done.
	Audit
)

func (m Mode) String() string {
	if m == Audit {
		return "audit"
	}
	return "enforce"
}

// Kind is what a policy matches.
type Kind uint8

const (
	KindExec      Kind = iota + 1 // exec of listed paths
	KindExecAllow                 // exec of any path not listed
	KindOpen                      // open of listed paths
	KindConnect                   // connect/sendmsg to listed destinations
	KindBind                      // bind to listed ports
	KindSyscall                   // any call of listed system calls
)

var kindKeys = map[Kind]string{
	KindExec: "exec", KindExecAllow: "exec_allow", KindOpen: "open",
	KindConnect: "connect", KindBind: "bind", KindSyscall: "syscall",
}

// String returns the match key of the kind ("exec_allow").
func (k Kind) String() string {
	if s, ok := kindKeys[k]; ok {
		return s
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Action is what an enforcing policy does.
type Action string

const (
	ActionDeny Action = "deny" // the call fails with EPERM
	ActionKill Action = "kill" // the caller gets SIGKILL
)

// Where is the part of the host a policy covers.
type Where uint8

const (
	WhereAny        Where = iota // host and containers
	WhereHost                    // processes outside containers
	WhereContainers              // processes in containers
)

func (w Where) String() string {
	switch w {
	case WhereHost:
		return "host"
	case WhereContainers:
		return "containers"
	}
	return "any"
}

// Access is the kind of open a KindOpen policy denies.
type Access uint8

const (
	AccessAny   Access = iota // every open
	AccessRead                // opens for reading (O_RDONLY, O_RDWR)
	AccessWrite               // opens for writing (O_WRONLY, O_RDWR, O_CREAT, O_TRUNC)
)

func (a Access) String() string {
	switch a {
	case AccessRead:
		return "read"
	case AccessWrite:
		return "write"
	}
	return "any"
}

// Proto is a transport protocol of a network match.
type Proto uint8

const (
	ProtoAny Proto = iota
	ProtoTCP
	ProtoUDP
)

func (p Proto) String() string {
	switch p {
	case ProtoTCP:
		return "tcp"
	case ProtoUDP:
		return "udp"
	}
	return "any"
}

// PortRange is an inclusive range of ports; {0, 0} is any port.
type PortRange struct{ Lo, Hi uint16 }

// Any reports whether the range is every port.
func (r PortRange) Any() bool { return r.Lo == 0 && r.Hi == 0 }

// Contains reports whether p is in the range.
func (r PortRange) Contains(p uint16) bool { return r.Any() || (p >= r.Lo && p <= r.Hi) }

// NetMatch is one network destination (connect) or local port (bind): an
// address prefix (invalid = any address; always invalid for bind), a port
// range and a protocol.
type NetMatch struct {
	Prefix netip.Prefix
	Ports  PortRange
	Proto  Proto
}

// Scope narrows where a policy applies. Every set field must hold; the
// zero Scope is everywhere. Patterns are globs in Falco's sense (* and ?
// also match '/'); label values are globs too.
type Scope struct {
	Where Where
	// Container selectors (a host process never matches them).
	Images, Names   []string
	ContainerLabels map[string]string
	// Kubernetes selectors (a process outside a pod never matches them).
	Namespaces []string
	PodLabels  map[string]string
	// Binaries match the process's executable path; Ancestors match the
	// executable of any of its ancestors.
	Binaries, Ancestors []string
}

// HasContainerSelector reports whether the scope selects containers by
// image, name, labels or Kubernetes namespace or pod labels.
func (s *Scope) HasContainerSelector() bool {
	return len(s.Images) > 0 || len(s.Names) > 0 || len(s.ContainerLabels) > 0 ||
		len(s.Namespaces) > 0 || len(s.PodLabels) > 0
}

// Policy is one prevention policy.
type Policy struct {
	Name        string
	Description string
	Pos         rules.Pos // where it is defined
	Mode        Mode
	Priority    rules.Priority
	Tags        []string
	Scope       Scope
	Kind        Kind
	Action      Action
	// Paths are the path patterns of exec, exec_allow and open policies:
	// an exact path, a glob, or a directory ending in "/" (everything
	// below it).
	Paths []string
	// Access is the kind of open an open policy denies.
	Access Access
	// Net are the destinations (connect) or local ports (bind).
	Net []NetMatch
	// Syscalls are the system calls of a syscall policy.
	Syscalls []string
}

// Set is a loaded, valid set of policies, names unique, in file order.
type Set struct {
	Policies []*Policy
}

// ByKind returns the policies of the given kinds, in order.
func (s *Set) ByKind(kinds ...Kind) []*Policy {
	var out []*Policy
	for _, p := range s.Policies {
		for _, k := range kinds {
			if p.Kind == k {
				out = append(out, p)
				break
			}
		}
	}
	return out
}

// Describe renders the match of p in one line, for alerts and listings:
// "exec /tmp/*", "connect 10.0.0.0/8 port 22 tcp".
func (p *Policy) Describe() string {
	var b strings.Builder
	b.WriteString(p.Kind.String())
	switch p.Kind {
	case KindExec, KindExecAllow, KindOpen:
		b.WriteString(" " + strings.Join(p.Paths, ","))
		if p.Kind == KindOpen && p.Access != AccessAny {
			b.WriteString(" (" + p.Access.String() + ")")
		}
	case KindConnect, KindBind:
		for i, n := range p.Net {
			if i > 0 {
				b.WriteString(";")
			}
			if n.Prefix.IsValid() {
				b.WriteString(" " + n.Prefix.String())
			}
			if !n.Ports.Any() {
				if n.Ports.Lo == n.Ports.Hi {
					fmt.Fprintf(&b, " port %d", n.Ports.Lo)
				} else {
					fmt.Fprintf(&b, " ports %d-%d", n.Ports.Lo, n.Ports.Hi)
				}
			}
			if n.Proto != ProtoAny {
				b.WriteString(" " + n.Proto.String())
			}
		}
	case KindSyscall:
		b.WriteString(" " + strings.Join(p.Syscalls, ","))
	}
	return b.String()
}
