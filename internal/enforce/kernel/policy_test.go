package kernel

import (
	"encoding/binary"
	"net/netip"
	"strings"
	"testing"
)

func TestCompileErrors(t *testing.T) {
	cases := []struct {
		ps   []Policy
		want string
	}{
		{[]Policy{{Index: 64}}, "policy #0: index 64 out of range"},
		{[]Policy{{Index: -1}}, "index -1 out of range"},
		{[]Policy{{Index: 1}, {Index: 1}}, "policy 1: index used twice"},
		{[]Policy{{Index: 2, Where: 9}}, "policy 2: invalid where"},
		{[]Policy{{Index: 3, Net: []NetRule{{}}}}, "policy 3: net rule 0: op"},
		{[]Policy{{Index: 3, Net: []NetRule{{Op: NetSendmsg}}}}, "policy 3: net rule 0: op"},
		{[]Policy{{Index: 4, Net: []NetRule{{Op: NetConnect}, {Op: NetBind, PortLo: 9, PortHi: 8}}}}, "policy 4: net rule 1: ports: 9 > 8"},
		{[]Policy{{Index: 5, Net: []NetRule{{Op: NetConnect, Proto: 1}}}}, "policy 5: net rule 0: proto"},
		{[]Policy{{Index: 6, Kill: []string{"mkdir", "nosuch"}}}, `policy 6: kill: unknown system call "nosuch"`},
		{[]Policy{{Index: 7, Binaries: []string{"/bin/sh"}}}, "policy 7: binaries given without BinarySelector"},
		{[]Policy{{Index: 8, Net: []NetRule{{Op: NetConnect, Prefix: netip.MustParsePrefix("fe80::/64").Masked()}}}}, ""},
	}
	for _, c := range cases {
		_, err := compile(c.ps, func(string, ...any) {})
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%+v: %v", c.ps, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%+v: error %v, want %q", c.ps, err, c.want)
		}
	}
	var many []NetRule
	for i := 0; i <= MaxNetRules; i++ {
		many = append(many, NetRule{Op: NetConnect})
	}
	if _, err := compile([]Policy{{Index: 0, Net: many}}, nil); err == nil {
		t.Error("more than MaxNetRules rules accepted")
	}
}

func TestNetRuleEncoding(t *testing.T) {
	cases := []struct {
		r      NetRule
		family uint8
		addr   string // first bytes of Addr, then Mask
		mask   []byte
		lo, hi uint16
	}{
		{NetRule{Op: NetConnect}, 0, "", nil, 0, 0},
		{NetRule{Op: NetConnect, Prefix: netip.MustParsePrefix("10.1.2.3/16"), PortLo: 80}, 2, "10.1.0.0", []byte{255, 255, 0, 0}, 80, 80},
		{NetRule{Op: NetBind, Prefix: netip.MustParsePrefix("::ffff:192.168.0.0/120"), PortLo: 1, PortHi: 5}, 2, "192.168.0.0", []byte{255, 255, 255, 0}, 1, 5},
		{NetRule{Op: NetConnect, Prefix: netip.MustParsePrefix("2001:db8::/33")}, 10, "2001:db8::", []byte{255, 255, 255, 255, 128, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, 0, 0},
	}
	for _, c := range cases {
		k, err := netRule(c.r)
		if err != nil {
			t.Fatal(err)
		}
		if k.Family != c.family || k.PortLo != c.lo || k.PortHi != c.hi {
			t.Errorf("%+v: %+v", c.r, k)
		}
		var a, m [16]byte
		for i := range k.Addr {
			binary.NativeEndian.PutUint32(a[i*4:], k.Addr[i])
			binary.NativeEndian.PutUint32(m[i*4:], k.Mask[i])
		}
		if c.addr != "" {
			want := netip.MustParseAddr(c.addr).AsSlice()
			if string(a[:len(want)]) != string(want) || string(m[:len(c.mask)]) != string(c.mask) {
				t.Errorf("%+v: addr %v mask %v", c.r, a, m)
			}
		}
	}
}

func TestDecisionSize(t *testing.T) {
	if n := binary.Size(enforceEnfDecision{}); n != decisionSize {
		t.Errorf("struct enf_decision is %d bytes, decode expects %d", n, decisionSize)
	}
}

func TestDecode(t *testing.T) {
	r := enforceEnfDecision{
		CgroupId: 77, Pid: 10, Tgid: 9, Uid: 1000, Pidns: 5, Rule: 1, SyscallNr: -1,
		Policy: 4, Action: 1, Audit: 1, Op: 3, Family: 10, Port: 8080, Proto: 6, Gen: 1,
	}
	a := netip.MustParseAddr("2001:db8::1").As16()
	for i := range r.Addr {
		r.Addr[i] = binary.NativeEndian.Uint32(a[i*4:])
	}
	copy(r.Comm[:], []int8{'n', 'c', 0})
	b, err := binary.Append(nil, binary.NativeEndian, r)
	if err != nil {
		t.Fatal(err)
	}
	tables := func(g uint8) genTable {
		if g != 1 {
			t.Errorf("generation %d", g)
		}
		return genTable{netRefs: []ruleRef{{0, 0}, {4, 2}}}
	}
	d, err := decode(b, tables)
	if err != nil {
		t.Fatal(err)
	}
	if d.Policy != 4 || d.Rule != 2 || d.Action != ActionDeny || !d.Audit || d.Op != NetBind ||
		d.Proto != ProtoTCP || d.Addr != netip.MustParseAddrPort("[2001:db8::1]:8080") ||
		d.Comm != "nc" || d.CgroupID != 77 || d.PID != 10 || d.TGID != 9 || d.UID != 1000 {
		t.Errorf("%+v", d)
	}
	if _, err := decode(b[:10], tables); err == nil {
		t.Error("short record decoded")
	}
}
