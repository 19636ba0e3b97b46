package kernel

import (
	"net/netip"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
	"unsafe"
)

func TestLoadVerifies(t *testing.T) {
	e := newEnforcer(t, Options{})
	if err := e.Load(nil); err != nil {
		t.Fatal(err)
	}
	if s := e.Stats(); s.Loads != 1 || s.NetRules != 0 || len(s.KillSyscalls) != 0 {
		t.Errorf("stats %+v", s)
	}
}

func TestDenyConnect(t *testing.T) {
	e := newEnforcer(t, Options{})
	denied, other := newListener(t), newListener(t)
	err := e.Load([]Policy{{
		Index: 3,
		Net: []NetRule{
			{Op: NetBind, PortLo: 1}, // does not match connects
			{Op: NetConnect, Prefix: netip.MustParsePrefix("127.0.0.0/8"), PortLo: denied.port, Proto: ProtoTCP},
		},
	}})
	if err != nil {
		t.Fatal(err)
	}
	r := trigger(t, "connect", "tcp", denied.addr())
	if r.code != 3 {
		t.Fatalf("connect to the denied port: %v, want exit 3 (EPERM)", r)
	}
	d := waitDecision(t, e, func(d Decision) bool { return d.TGID == uint32(r.pid) })
	want := netip.MustParseAddrPort(denied.addr())
	if d.Policy != 3 || d.Rule != 1 || d.Action != ActionDeny || d.Audit || d.Op != NetConnect ||
		d.Proto != ProtoTCP || d.Addr != want || d.PID != uint32(r.pid) || d.UID != 0 ||
		d.Comm != "enforce" || d.Syscall != -1 {
		t.Errorf("decision %+v", d)
	}
	if cg := selfCgroupID(t, e.Options().CgroupRoot); d.CgroupID != cg {
		t.Errorf("cgroup id %d, want %d", d.CgroupID, cg)
	}
	if d.PidNS != e.Options().HostPidNS {
		t.Errorf("pidns %d, want %d", d.PidNS, e.Options().HostPidNS)
	}
	if time.Since(d.Time) > time.Minute || time.Since(d.Time) < -time.Second {
		t.Errorf("time %v", d.Time)
	}
	if r := trigger(t, "connect", "tcp", other.addr()); r.code != 0 {
		t.Fatalf("connect to another port: %v", r)
	}
	// UDP to the port: the rule is TCP only
	if r := trigger(t, "connect", "udp", denied.addr()); r.code != 0 {
		t.Fatalf("UDP connect: %v", r)
	}
	time.Sleep(200 * time.Millisecond)
	if n := denied.accepted.Load(); n != 0 {
		t.Errorf("denied listener accepted %d connections", n)
	}
	if n := other.accepted.Load(); n != 1 {
		t.Errorf("other listener accepted %d connections, want 1", n)
	}
	// this process is exempt
	c, err := netDial(denied.addr())
	if err != nil {
		t.Errorf("the agent itself was denied: %v", err)
	} else {
		c.Close()
	}
}

func TestDenyConnectFamilies(t *testing.T) {
	e := newEnforcer(t, Options{})
	port := freePort(t)
	err := e.Load([]Policy{
		{Index: 0, Net: []NetRule{{Op: NetConnect, PortLo: port}}}, // any address, any protocol
		{Index: 63, Net: []NetRule{{Op: NetConnect, Prefix: netip.MustParsePrefix("10.1.0.0/16"), Proto: ProtoUDP}}},
		{Index: 7, Net: []NetRule{{Op: NetConnect, Prefix: netip.MustParsePrefix("fd00:1::/32"), PortLo: 1000, PortHi: 2000}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	p := itoa(port)
	cases := []struct {
		args   []string
		code   int
		policy int
		op     NetOp
		addr   string
	}{
		{[]string{"connect", "tcp", "[::1]:" + p}, 3, 0, NetConnect, "[::1]:" + p},
		{[]string{"connect", "udp", "127.0.0.1:" + p}, 3, 0, NetConnect, "127.0.0.1:" + p},
		{[]string{"sendto", "127.0.0.1:" + p}, 3, 0, NetSendmsg, "127.0.0.1:" + p},
		{[]string{"sendto", "[::1]:" + p}, 3, 0, NetSendmsg, "[::1]:" + p},
		{[]string{"connect", "udp", "[::ffff:10.1.2.3]:53"}, 3, 63, NetConnect, "10.1.2.3:53"},
		{[]string{"connect", "udp", "10.1.2.3:53"}, 3, 63, NetConnect, "10.1.2.3:53"},
		{[]string{"connect", "udp", "10.2.2.3:53"}, 0, -1, 0, ""},
		{[]string{"connect", "udp", "[fd00:1:2::1]:1500"}, 3, 7, NetConnect, "[fd00:1:2::1]:1500"},
		{[]string{"connect", "udp", "[fd00:1:2::1]:2001"}, 0, -1, 0, ""},
		{[]string{"connect", "udp", "[fd00:2::1]:1500"}, 0, -1, 0, ""},
	}
	for _, c := range cases {
		r := trigger(t, c.args...)
		if r.code != c.code {
			t.Errorf("%v: %v, want exit %d", c.args, r, c.code)
			continue
		}
		if c.policy < 0 {
			continue
		}
		d := waitDecision(t, e, func(d Decision) bool { return d.TGID == uint32(r.pid) })
		if d.Policy != c.policy || d.Op != c.op || d.Addr != netip.MustParseAddrPort(c.addr) || d.Audit {
			t.Errorf("%v: decision %+v", c.args, d)
		}
	}
}

func TestAuditConnect(t *testing.T) {
	e := newEnforcer(t, Options{})
	l := newListener(t)
	err := e.Load([]Policy{{Index: 1, Audit: true, Net: []NetRule{{Op: NetConnect, PortLo: l.port}}}})
	if err != nil {
		t.Fatal(err)
	}
	r := trigger(t, "connect", "tcp", l.addr())
	if r.code != 0 {
		t.Fatalf("audited connect: %v", r)
	}
	d := waitDecision(t, e, func(d Decision) bool { return d.TGID == uint32(r.pid) })
	if !d.Audit || d.Policy != 1 || d.Action != ActionDeny || d.Addr.Port() != l.port {
		t.Errorf("decision %+v", d)
	}
	time.Sleep(100 * time.Millisecond)
	if l.accepted.Load() != 1 {
		t.Errorf("accepted %d", l.accepted.Load())
	}
}

func TestAuditAndEnforceOverlap(t *testing.T) {
	e := newEnforcer(t, Options{})
	port := freePort(t)
	err := e.Load([]Policy{
		{Index: 0, Audit: true, Net: []NetRule{{Op: NetConnect, PortLo: port}}},
		{Index: 9, Net: []NetRule{{Op: NetConnect, PortLo: port}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	r := trigger(t, "connect", "udp", "127.0.0.1:"+itoa(port))
	if r.code != 3 {
		t.Fatalf("%v, want EPERM", r)
	}
	d := waitDecision(t, e, func(d Decision) bool { return d.TGID == uint32(r.pid) })
	if d.Audit || d.Policy != 9 {
		t.Errorf("enforcing policy should win: %+v", d)
	}
}

func TestDenyBind(t *testing.T) {
	e := newEnforcer(t, Options{})
	port, other := freePort(t), freePort(t)
	if err := e.Load([]Policy{{Index: 2, Net: []NetRule{{Op: NetBind, PortLo: port}}}}); err != nil {
		t.Fatal(err)
	}
	r := trigger(t, "bind", "tcp", "127.0.0.1:"+itoa(port))
	if r.code != 3 {
		t.Fatalf("bind to the denied port: %v", r)
	}
	d := waitDecision(t, e, func(d Decision) bool { return d.TGID == uint32(r.pid) })
	if d.Op != NetBind || d.Policy != 2 || d.Addr.Port() != port || d.Proto != ProtoTCP {
		t.Errorf("decision %+v", d)
	}
	if r := trigger(t, "bind", "udp", "[::1]:"+itoa(port)); r.code != 3 {
		t.Errorf("bind6 to the denied port: %v", r)
	}
	if r := trigger(t, "bind", "tcp", "127.0.0.1:"+itoa(other)); r.code != 0 {
		t.Errorf("bind to another port: %v", r)
	}
	if r := trigger(t, "connect", "udp", "127.0.0.1:"+itoa(port)); r.code != 0 {
		t.Errorf("connect is not bind: %v", r)
	}
}

func TestBinarySelectorNet(t *testing.T) {
	e := newEnforcer(t, Options{})
	port := freePort(t)
	// a copy of the trigger: another inode, not selected
	copyBin := filepath.Join(t.TempDir(), "enforce")
	b, err := os.ReadFile(triggerBin)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(copyBin, b, 0o755); err != nil {
		t.Fatal(err)
	}
	err = e.Load([]Policy{{
		Index: 4, BinarySelector: true, Binaries: []string{triggerBin, "/nonexistent/binary"},
		Net: []NetRule{{Op: NetConnect, PortLo: port}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	addr := "127.0.0.1:" + itoa(port)
	if r := trigger(t, "connect", "udp", addr); r.code != 3 {
		t.Errorf("selected binary: %v, want EPERM", r)
	}
	if r := run(t, copyBin, "connect", "udp", addr); r.code != 0 {
		t.Errorf("other binary: %v, want success", r)
	}
}

func TestWhere(t *testing.T) {
	e := newEnforcer(t, Options{})
	port := freePort(t)
	addr := "127.0.0.1:" + itoa(port)
	if err := e.Load([]Policy{{Index: 0, Where: WhereContainers, Net: []NetRule{{Op: NetConnect, PortLo: port}}}}); err != nil {
		t.Fatal(err)
	}
	if r := trigger(t, "connect", "udp", addr); r.code != 0 {
		t.Errorf("containers-only policy applied to a host process: %v", r)
	}
	if err := e.Load([]Policy{{Index: 0, Where: WhereHost, Net: []NetRule{{Op: NetConnect, PortLo: port}}}}); err != nil {
		t.Fatal(err)
	}
	if r := trigger(t, "connect", "udp", addr); r.code != 3 {
		t.Errorf("host-only policy did not apply to a host process: %v", r)
	}
}

func TestLoadReplaces(t *testing.T) {
	e := newEnforcer(t, Options{})
	p1, p2 := freePort(t), freePort(t)
	a1, a2 := "127.0.0.1:"+itoa(p1), "127.0.0.1:"+itoa(p2)
	if err := e.Load([]Policy{{Index: 0, Net: []NetRule{{Op: NetConnect, PortLo: p1}}}, {Index: 1, BinarySelector: true, Binaries: []string{triggerBin}, Kill: []string{"mkdir"}}}); err != nil {
		t.Fatal(err)
	}
	if r := trigger(t, "connect", "udp", a1); r.code != 3 {
		t.Fatalf("first set: %v", r)
	}
	if s := e.Stats(); len(s.KillSyscalls) != 1 || s.KillSyscalls[0] != "mkdir" {
		t.Errorf("stats %+v", s)
	}
	if err := e.Load([]Policy{{Index: 5, Net: []NetRule{{Op: NetConnect, PortLo: p2}}}, {Index: 1, BinarySelector: true, Binaries: []string{triggerBin}, Kill: []string{"creat"}}}); err != nil {
		t.Fatal(err)
	}
	if r := trigger(t, "connect", "udp", a1); r.code != 0 {
		t.Errorf("old rule still applies: %v", r)
	}
	if r := trigger(t, "connect", "udp", a2); r.code != 3 {
		t.Errorf("new rule does not apply: %v", r)
	}
	dir := filepath.Join(t.TempDir(), "d")
	if r := trigger(t, "mkdir", dir); r.code != 0 {
		t.Errorf("old kill rule still applies: %v", r)
	}
	if s := e.Stats(); len(s.KillSyscalls) != 1 || s.KillSyscalls[0] != "creat" || s.NetRules != 1 || s.Loads != 2 {
		t.Errorf("stats %+v", s)
	}
	// a failed Load leaves the set in force
	if err := e.Load([]Policy{{Index: 64}}); err == nil {
		t.Error("Load accepted index 64")
	}
	if r := trigger(t, "connect", "udp", a2); r.code != 3 {
		t.Errorf("rule lost after a failed Load: %v", r)
	}
	if err := e.Load(nil); err != nil {
		t.Fatal(err)
	}
	if r := trigger(t, "connect", "udp", a2); r.code != 0 {
		t.Errorf("empty set still denies: %v", r)
	}
	if s := e.Stats(); len(s.KillSyscalls) != 0 {
		t.Errorf("kill tracepoints left attached: %v", s.KillSyscalls)
	}
}

func TestCloseStopsEnforcement(t *testing.T) {
	e := newEnforcer(t, Options{})
	port := freePort(t)
	if err := e.Load([]Policy{{Index: 0, Net: []NetRule{{Op: NetConnect, PortLo: port}}}}); err != nil {
		t.Fatal(err)
	}
	addr := "127.0.0.1:" + itoa(port)
	if r := trigger(t, "connect", "udp", addr); r.code != 3 {
		t.Fatalf("%v", r)
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	if r := trigger(t, "connect", "udp", addr); r.code != 0 {
		t.Errorf("still denied after Close: %v", r)
	}
	if err := e.Load(nil); err == nil {
		t.Error("Load after Close succeeded")
	}
}

func TestKill(t *testing.T) {
	e := newEnforcer(t, Options{})
	if err := e.Load([]Policy{{Index: 6, Kill: []string{"mkdir", "creat", "no_such_syscall_tp"}}}); err == nil {
		t.Fatal("unknown system call accepted")
	}
	// Only the trigger is selected: other processes on the host may call
	// mkdir meanwhile.
	if err := e.Load([]Policy{{Index: 6, BinarySelector: true, Binaries: []string{triggerBin}, Kill: []string{"mkdir", "creat"}}}); err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	dir := filepath.Join(tmp, "dir")
	r := trigger(t, "mkdir", dir)
	if r.code != -1 || r.signal != syscall.SIGKILL {
		t.Fatalf("mkdir: %v, want killed by SIGKILL", r)
	}
	d := waitDecision(t, e, func(d Decision) bool { return d.TGID == uint32(r.pid) })
	if d.Action != ActionKill || d.Audit || d.Policy != 6 || d.Syscall != syscall.SYS_MKDIR ||
		d.SyscallName != "mkdir" || d.SignalErr != nil || d.Comm != "enforce" {
		t.Errorf("decision %+v", d)
	}
	// The system call runs to completion before the signal is delivered on
	// the return to user space: the directory exists.
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		t.Errorf("mkdir's effect: %v (doc.go says the directory is created)", err)
	}
	file := filepath.Join(tmp, "file")
	r = trigger(t, "creat", file)
	if r.code != -1 || r.signal != syscall.SIGKILL {
		t.Fatalf("creat: %v, want killed by SIGKILL", r)
	}
	if _, err := os.Stat(file); err != nil {
		t.Errorf("creat's effect: %v (doc.go says the file is created)", err)
	}
	if r := trigger(t, "noop"); r.code != 0 {
		t.Errorf("a process not calling mkdir: %v", r)
	}
}

func TestKillAudit(t *testing.T) {
	e := newEnforcer(t, Options{})
	if err := e.Load([]Policy{{Index: 0, Audit: true, Kill: []string{"mkdir"}}}); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "dir")
	r := trigger(t, "mkdir", dir)
	if r.code != 0 {
		t.Fatalf("audited mkdir: %v", r)
	}
	d := waitDecision(t, e, func(d Decision) bool { return d.TGID == uint32(r.pid) })
	if !d.Audit || d.Action != ActionKill || d.SyscallName != "mkdir" {
		t.Errorf("decision %+v", d)
	}
	// the agent itself is exempt
	p, err := syscall.BytePtrFromString(dir + "2")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, errno := syscall.Syscall(syscall.SYS_MKDIR, uintptr(unsafe.Pointer(p)), 0o755, 0); errno != 0 {
		t.Fatal(errno)
	}
	noDecisionFrom(t, e, uint32(os.Getpid()), 300*time.Millisecond)
}

func TestKillBinarySelector(t *testing.T) {
	e := newEnforcer(t, Options{})
	bb := "/bin/busybox"
	if _, err := os.Stat(bb); err != nil {
		t.Skip("no busybox")
	}
	// every Go program calls openat at start: only busybox is selected
	if err := e.Load([]Policy{{Index: 0, BinarySelector: true, Binaries: []string{bb}, Kill: []string{"openat"}}}); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "file")
	r := run(t, bb, "touch", file)
	if r.code != -1 || r.signal != syscall.SIGKILL {
		t.Fatalf("busybox touch: %v, want killed", r)
	}
	_, err := os.Stat(file)
	t.Logf("after a killed openat(O_CREAT): stat: %v", err)
	if err != nil {
		t.Errorf("openat(O_CREAT)'s effect: %v (doc.go says the file is created)", err)
	}
	if r := trigger(t, "noop"); r.code != 0 {
		t.Errorf("an unselected binary calling openat: %v", r)
	}
}

func TestLostCounted(t *testing.T) {
	// one page of ring buffer and nobody reading Decisions: most of 500
	// audit records cannot be queued
	e := newEnforcer(t, Options{RingBufferBytes: uint32(os.Getpagesize()), DecisionBuffer: 1})
	port := freePort(t)
	if err := e.Load([]Policy{{Index: 0, Audit: true, BinarySelector: true, Binaries: []string{triggerBin},
		Net: []NetRule{{Op: NetConnect, PortLo: port}}}}); err != nil {
		t.Fatal(err)
	}
	if r := trigger(t, "connect-loop", "udp", "127.0.0.1:"+itoa(port), "500"); r.code != 0 {
		t.Fatal(r)
	}
	time.Sleep(100 * time.Millisecond)
	s := e.Stats()
	if s.Lost == 0 || s.Lost+s.Decisions+uint64(len(e.Decisions())) > 500 {
		t.Errorf("stats %+v", s)
	}
	t.Logf("stats %+v", s)
}
