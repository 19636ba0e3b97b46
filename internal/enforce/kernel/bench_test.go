package kernel

import (
	"strconv"
	"strings"
	"testing"
)

// BenchmarkConnectHook measures the latency the network programs add to
// connect(2): a child reconnects one UDP socket to 127.0.0.1:9 (no packet
// is sent) b.N times and reports ns per connect ("ns/connect"), with no
// programs attached, with the programs and no rules, with 256 rules that
// apply to the caller and match none of its connects (every rule is
// scanned), and with 256 rules of a policy whose cgroup selector excludes
// the caller (no rule is scanned).
func BenchmarkConnectHook(b *testing.B) {
	nonMatching := func(cgroupSel bool) []Policy {
		var ps []Policy
		for i := 0; i < 4; i++ {
			p := Policy{Index: i, CgroupSelector: cgroupSel}
			for j := 0; j < MaxNetRules/4; j++ {
				p.Net = append(p.Net, NetRule{Op: NetConnect, Prefix: netip4("10.0.0.0/8"), PortLo: uint16(1000 + j)})
			}
			ps = append(ps, p)
		}
		return ps
	}
	cases := []struct {
		name     string
		enforcer bool
		policies []Policy
	}{
		{"detached", false, nil},
		{"no-rules", true, nil},
		{"256-rules-scanned", true, nonMatching(false)},
		{"256-rules-out-of-scope", true, nonMatching(true)},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			if c.enforcer {
				e := newEnforcer(b, Options{})
				if err := e.Load(c.policies); err != nil {
					b.Fatal(err)
				}
			} else {
				newEnforcer(b, Options{}).Close() // root check, trigger built
			}
			b.ResetTimer()
			r := trigger(b, "connect-loop", "udp", "127.0.0.1:9", strconv.Itoa(b.N))
			b.StopTimer()
			if r.code != 0 {
				b.Fatalf("%v", r)
			}
			f := strings.Fields(r.out)
			if len(f) < 1 {
				b.Fatalf("output %q", r.out)
			}
			ns, err := strconv.ParseFloat(f[0], 64)
			if err != nil {
				b.Fatalf("output %q", r.out)
			}
			b.ReportMetric(ns, "ns/connect")
		})
	}
}
