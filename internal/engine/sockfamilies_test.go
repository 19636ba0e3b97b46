package engine

import (
	"testing"

	"golang.org/x/sys/unix"

	"github.com/vigil-sec/vigil/internal/rules"
)

func TestConnectFamilies(t *testing.T) {
	const unixOnly = `
- rule: runtime socket
  desc: d
  condition: evt.type = connect and fd.typechar = u and fd.name endswith /docker.sock
  output: o
  priority: WARNING
`
	const inet = `
- rule: outbound
  desc: d
  condition: evt.type = connect and fd.type in (ipv4, ipv6) and fd.sip != "127.0.0.1"
  output: o
  priority: WARNING
`
	const anyConnect = `
- rule: any connect by nc
  desc: d
  condition: evt.type = connect and proc.name = nc
  output: o
  priority: WARNING
`
	bit := func(f int) uint64 { return 1 << f }
	all := ^uint64(0)
	for _, tc := range []struct {
		name, src  string
		keep, drop []int
	}{
		{"unix only", unixOnly, []int{unix.AF_UNIX, unix.AF_PACKET}, []int{unix.AF_INET, unix.AF_INET6, unix.AF_NETLINK}},
		{"inet", inet, []int{unix.AF_INET, unix.AF_INET6}, []int{unix.AF_UNIX, unix.AF_NETLINK}},
		{"any", anyConnect, []int{unix.AF_UNIX, unix.AF_INET, unix.AF_INET6, unix.AF_NETLINK}, nil},
		{"no connect rule", "", nil, []int{unix.AF_UNIX, unix.AF_INET, unix.AF_INET6, unix.AF_NETLINK}},
	} {
		e := compileFiles(t, []rules.File{{Name: "r.yaml", Data: []byte(tc.src)}})
		m := e.ConnectFamilies()
		for _, f := range tc.keep {
			if m&bit(f) == 0 {
				t.Errorf("%s: family %d dropped, want kept (mask %#x)", tc.name, f, m)
			}
		}
		for _, f := range tc.drop {
			if m&bit(f) != 0 {
				t.Errorf("%s: family %d kept, want dropped (mask %#x)", tc.name, f, m)
			}
		}
		if tc.name == "any" && m != all {
			t.Errorf("any: mask %#x, want all", m)
		}
	}
	// The built-in rules: only unix sockets (the runtime socket rule).
	m := compileFiles(t, builtinRules(t)).ConnectFamilies()
	if m&bit(unix.AF_UNIX) == 0 || m&bit(unix.AF_INET) != 0 || m&bit(unix.AF_INET6) != 0 {
		t.Errorf("built-in rules: mask %#x, want unix without inet and inet6", m)
	}
}

func TestSocketFamilies(t *testing.T) {
	rule := func(cond string) string {
		return "- rule: r\n  desc: d\n  condition: " + cond + "\n  output: o\n  priority: WARNING\n"
	}
	bit := func(f int) uint64 { return 1 << f }
	for _, tc := range []struct {
		name, src  string
		keep, drop []int
	}{
		{"packet only", rule("evt.type = socket and evt.arg.domain contains AF_PACKET"),
			[]int{unix.AF_PACKET, unix.AF_BLUETOOTH}, []int{unix.AF_UNIX, unix.AF_INET, unix.AF_INET6, unix.AF_NETLINK}},
		{"inet by domain", rule("evt.type = socket and evt.arg.domain in (AF_INET, AF_INET6)"),
			[]int{unix.AF_INET, unix.AF_INET6}, []int{unix.AF_UNIX, unix.AF_NETLINK}},
		// The descriptor is unknown (a failed call has none): no family is
		// ruled out by it.
		{"by descriptor", rule("evt.type = socket and fd.typechar = 4"),
			[]int{unix.AF_UNIX, unix.AF_INET, unix.AF_INET6, unix.AF_NETLINK}, nil},
		{"negated", rule("evt.type = socket and not evt.arg.domain contains AF_LOCAL"), // Falco names AF_UNIX so
			[]int{unix.AF_INET, unix.AF_INET6, unix.AF_NETLINK}, []int{unix.AF_UNIX}},
		{"no socket rule", "", nil, []int{unix.AF_UNIX, unix.AF_INET, unix.AF_INET6, unix.AF_NETLINK}},
	} {
		e := compileFiles(t, []rules.File{{Name: "r.yaml", Data: []byte(tc.src)}})
		if r, ok := e.Rule("r"); tc.src != "" && (!ok || !r.Loaded) {
			t.Fatalf("%s: rule not loaded: %+v", tc.name, r)
		}
		m := e.SocketFamilies()
		for _, f := range tc.keep {
			if m&bit(f) == 0 {
				t.Errorf("%s: family %d dropped, want kept (mask %#x)", tc.name, f, m)
			}
		}
		for _, f := range tc.drop {
			if m&bit(f) != 0 {
				t.Errorf("%s: family %d kept, want dropped (mask %#x)", tc.name, f, m)
			}
		}
	}
	// The built-in rules: packet sockets only.
	m := compileFiles(t, builtinRules(t)).SocketFamilies()
	if m&bit(unix.AF_PACKET) == 0 || m&bit(unix.AF_INET) != 0 || m&bit(unix.AF_UNIX) != 0 {
		t.Errorf("built-in rules: mask %#x, want packet without inet and unix", m)
	}
}
