package kernel

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"net/netip"
	"os"

	"golang.org/x/sys/unix"
)

// MaxPolicies is the number of policy indexes (0..MaxPolicies-1).
const MaxPolicies = 64

// MaxNetRules is the most network rules of all policies together.
const MaxNetRules = 256

// maxKillEntries and maxBinaries bound one generation's entries (the
// kernel maps hold two generations).
const (
	maxKillEntries = 512
	maxBinaries    = 1024
)

// Where restricts a policy to the host, to containers, or neither.
type Where uint8

const (
	// WhereAny applies the policy to every process.
	WhereAny Where = iota
	// WhereHost applies it to processes in the host's pid namespace
	// (Options.HostPidNS).
	WhereHost
	// WhereContainers applies it to processes in any other pid namespace.
	WhereContainers
)

func (w Where) String() string {
	switch w {
	case WhereAny:
		return "any"
	case WhereHost:
		return "host"
	case WhereContainers:
		return "containers"
	}
	return fmt.Sprintf("Where(%d)", uint8(w))
}

// NetOp is what a network rule matches, and what a caller did in a
// Decision.
type NetOp uint8

const (
	// NetConnect matches connect(2) (TCP, UDP, ICMP ping sockets) and, for
	// unconnected UDP sockets, sendto/sendmsg with a destination.
	NetConnect NetOp = iota + 1
	// NetBind matches bind(2).
	NetBind
	// NetSendmsg appears only in Decisions: a UDP datagram sent with a
	// destination address (matched by NetConnect rules).
	NetSendmsg
)

func (o NetOp) String() string {
	switch o {
	case 0:
		return "none"
	case NetConnect:
		return "connect"
	case NetBind:
		return "bind"
	case NetSendmsg:
		return "sendmsg"
	}
	return fmt.Sprintf("NetOp(%d)", uint8(o))
}

// Proto is a transport protocol; ProtoAny (0) matches every protocol.
type Proto uint8

const (
	ProtoAny Proto = 0
	ProtoTCP Proto = unix.IPPROTO_TCP
	ProtoUDP Proto = unix.IPPROTO_UDP
)

func (p Proto) String() string {
	switch p {
	case ProtoAny:
		return "any"
	case ProtoTCP:
		return "tcp"
	case ProtoUDP:
		return "udp"
	}
	return fmt.Sprintf("proto(%d)", uint8(p))
}

// NetRule denies (or audits) one kind of socket address.
type NetRule struct {
	// Op is NetConnect or NetBind.
	Op NetOp
	// Prefix is the address range; the zero (invalid) Prefix matches every
	// address, IPv4 and IPv6. An IPv4 prefix also matches IPv4-mapped IPv6
	// addresses (::ffff:a.b.c.d) given to an IPv6 socket.
	Prefix netip.Prefix
	// PortLo..PortHi is the port range (inclusive); both 0 match any port,
	// PortHi 0 with PortLo set means the single port PortLo.
	PortLo, PortHi uint16
	// Proto is ProtoAny, ProtoTCP or ProtoUDP.
	Proto Proto
}

// Policy is one prevention policy: its scope and rules.
type Policy struct {
	// Index is the policy's bit, 0..MaxPolicies-1, unique in a Load.
	Index int
	// Audit reports matches without denying or killing.
	Audit bool
	// Where restricts the policy to the host or to containers.
	Where Where
	// CgroupSelector restricts the policy to processes whose v2 cgroup, or
	// one of its ancestors, has the policy's bit (SetCgroupScope).
	CgroupSelector bool
	// BinarySelector restricts the policy to processes running one of
	// Binaries (matched by device and inode, stat'ed at Load; a path
	// that does not exist is skipped with a warning).
	BinarySelector bool
	Binaries       []string
	// Net are the network rules.
	Net []NetRule
	// Kill are system call names (as in the syscalls/sys_enter_<name>
	// tracepoints, e.g. "mkdir", "ptrace") whose callers are killed.
	Kill []string
}

// ruleRef locates a kernel network rule in the policies given to Load.
type ruleRef struct {
	policy, rule int
}

// compiled is a rule set ready to be written to one generation.
type compiled struct {
	gen      enforceEnfGen
	net      []enforceEnfNetRule
	netRefs  []ruleRef
	kill     map[int32]uint64 // syscall number -> policies
	sysNames map[int32]string
	binaries map[enforceEnfBinKey]uint64
}

// compile validates ps; errors name the policy index and the field.
// warn receives non-fatal problems.
func compile(ps []Policy, warn func(msg string, args ...any)) (*compiled, error) {
	if warn == nil {
		warn = func(string, ...any) {}
	}
	c := &compiled{
		kill:     map[int32]uint64{},
		sysNames: map[int32]string{},
		binaries: map[enforceEnfBinKey]uint64{},
	}
	var seen uint64
	for pi, p := range ps {
		if p.Index < 0 || p.Index >= MaxPolicies {
			return nil, fmt.Errorf("policy #%d: index %d out of range 0..%d", pi, p.Index, MaxPolicies-1)
		}
		bit := uint64(1) << p.Index
		if seen&bit != 0 {
			return nil, fmt.Errorf("policy %d: index used twice", p.Index)
		}
		seen |= bit
		c.gen.Active |= bit
		if p.Audit {
			c.gen.Audit |= bit
		}
		switch p.Where {
		case WhereAny:
		case WhereHost:
			c.gen.Host |= bit
		case WhereContainers:
			c.gen.Containers |= bit
		default:
			return nil, fmt.Errorf("policy %d: invalid where %d", p.Index, p.Where)
		}
		if p.CgroupSelector {
			c.gen.CgroupSel |= bit
		}
		if len(p.Binaries) > 0 && !p.BinarySelector {
			return nil, fmt.Errorf("policy %d: binaries given without BinarySelector", p.Index)
		}
		if p.BinarySelector {
			c.gen.BinarySel |= bit
			for _, path := range p.Binaries {
				k, err := binaryKey(path)
				if errors.Is(err, fs.ErrNotExist) {
					warn("policy binary does not exist; skipped", "policy", p.Index, "path", path)
					continue
				}
				if err != nil {
					return nil, fmt.Errorf("policy %d: binaries: %w", p.Index, err)
				}
				c.binaries[k] |= bit
			}
		}
		for ri, r := range p.Net {
			kr, err := netRule(r)
			if err != nil {
				return nil, fmt.Errorf("policy %d: net rule %d: %w", p.Index, ri, err)
			}
			kr.Policy = uint8(p.Index)
			c.net = append(c.net, kr)
			c.netRefs = append(c.netRefs, ruleRef{policy: p.Index, rule: ri})
			c.gen.Net |= bit
		}
		for _, name := range p.Kill {
			nr, ok := syscallNumber(name)
			if !ok {
				return nil, fmt.Errorf("policy %d: kill: unknown system call %q", p.Index, name)
			}
			c.kill[nr] |= bit
			c.sysNames[nr] = name
			c.gen.Kill |= bit
		}
	}
	if len(c.net) > MaxNetRules {
		return nil, fmt.Errorf("%d network rules: at most %d", len(c.net), MaxNetRules)
	}
	if len(c.kill) > maxKillEntries {
		return nil, fmt.Errorf("%d kill system calls: at most %d", len(c.kill), maxKillEntries)
	}
	if len(c.binaries) > maxBinaries {
		return nil, fmt.Errorf("%d binaries: at most %d", len(c.binaries), maxBinaries)
	}
	c.gen.NetRules = uint32(len(c.net))
	return c, nil
}

func netRule(r NetRule) (enforceEnfNetRule, error) {
	var k enforceEnfNetRule
	switch r.Op {
	case NetConnect:
		k.Op = 1 // ENF_RULE_CONNECT
	case NetBind:
		k.Op = 2 // ENF_RULE_BIND
	default:
		return k, fmt.Errorf("op: %v is not connect or bind", r.Op)
	}
	switch r.Proto {
	case ProtoAny, ProtoTCP, ProtoUDP:
		k.Proto = uint8(r.Proto)
	default:
		return k, fmt.Errorf("proto: %v is not any, tcp or udp", r.Proto)
	}
	lo, hi := r.PortLo, r.PortHi
	if hi == 0 {
		hi = lo
	}
	if lo > hi {
		return k, fmt.Errorf("ports: %d > %d", lo, hi)
	}
	k.PortLo, k.PortHi = lo, hi
	if !r.Prefix.IsValid() {
		return k, nil // any address
	}
	p := r.Prefix.Masked()
	if p.Addr().Is4In6() && p.Bits() >= 96 {
		p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
	}
	addr := p.Addr().AsSlice()
	if p.Addr().Zone() != "" {
		return k, fmt.Errorf("prefix %s: zones are not supported", r.Prefix)
	}
	mask := make([]byte, len(addr))
	for i := 0; i < p.Bits(); i++ {
		mask[i/8] |= 0x80 >> (i % 8)
	}
	k.Family = unix.AF_INET6
	if p.Addr().Is4() {
		k.Family = unix.AF_INET
	}
	for i := 0; i < len(addr)/4; i++ {
		k.Addr[i] = binary.NativeEndian.Uint32(addr[i*4:])
		k.Mask[i] = binary.NativeEndian.Uint32(mask[i*4:])
	}
	return k, nil
}

// binaryKey identifies an executable as the kernel sees it: inode number
// and the superblock's device in the kernel's encoding (MAJOR << 20 |
// MINOR).
func binaryKey(path string) (enforceEnfBinKey, error) {
	var st unix.Stat_t
	if err := unix.Stat(path, &st); err != nil {
		return enforceEnfBinKey{}, &os.PathError{Op: "stat", Path: path, Err: err}
	}
	dev := uint64(st.Dev)
	return enforceEnfBinKey{
		Ino: st.Ino,
		Dev: unix.Major(dev)<<20 | unix.Minor(dev),
	}, nil
}
