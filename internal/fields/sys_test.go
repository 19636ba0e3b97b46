package fields

import (
	"net/netip"
	"testing"
	"time"

	"github.com/vigil-sec/vigil/internal/event"
)

// The socket, descriptor and misc events as the sensor produces them
// (docs/dev/issue4-contract.md).

func sysEvent(t event.Type, res int64, fd *event.FD, args ...event.Arg) *event.Event {
	return &event.Event{Time: evTime, Type: t, Host: "vm", Process: baseProcess(), Ancestors: ancestors(),
		Syscall: &event.Syscall{Res: res, Args: args, FD: fd}}
}

func numArg(name string, k event.ArgKind, n int64) event.Arg {
	return event.Arg{Name: name, Kind: k, Num: n}
}

func strArg(name string, k event.ArgKind, s string) event.Arg {
	return event.Arg{Name: name, Kind: k, Str: s}
}

// connectEvent: connect(3, 93.184.216.34:443) = -EINPROGRESS from
// 10.0.0.5:40000, a TCP client.
func connectEvent() *event.Event {
	fd := &event.FD{Num: 3, Type: event.FDIPv4, Name: "10.0.0.5:40000->93.184.216.34:443",
		Sock: &event.Socket{Family: afInet, Type: 1, Proto: 6, Role: event.RoleClient,
			Local: netip.MustParseAddrPort("10.0.0.5:40000"), Remote: netip.MustParseAddrPort("93.184.216.34:443")}}
	return sysEvent(event.TypeConnect, -115, fd, numArg("res", event.ArgErrno, -115),
		strArg("tuple", event.ArgTuple, "10.0.0.5:40000->93.184.216.34:443"), numArg("fd", event.ArgFD, 3),
		strArg("addr", event.ArgSockAddr, "93.184.216.34:443"))
}

// acceptEvent: accept4 on a server at [::ffff:127.0.0.1]:22 from
// 127.0.0.1:50000, new fd 5.
func acceptEvent() *event.Event {
	fd := &event.FD{Num: 5, Type: event.FDIPv6, Name: "127.0.0.1:50000->127.0.0.1:22",
		Sock: &event.Socket{Family: afInet6, Type: 1, Proto: 6, Role: event.RoleServer, Connected: true,
			Local: netip.MustParseAddrPort("[::ffff:127.0.0.1]:22"), Remote: netip.MustParseAddrPort("127.0.0.1:50000")}}
	return sysEvent(event.TypeAccept4, 5, fd, numArg("fd", event.ArgFD, 5),
		strArg("tuple", event.ArgTuple, "127.0.0.1:50000->127.0.0.1:22"), numArg("queuepct", event.ArgUint, 0),
		numArg("queuelen", event.ArgUint, 0), numArg("queuemax", event.ArgUint, 128), numArg("flags", event.ArgInt, 0x80000))
}

// sendtoEvent: a UDP datagram to 8.8.8.8:53 from an unconnected socket.
func sendtoEvent() *event.Event {
	fd := &event.FD{Num: 4, Type: event.FDIPv4, Name: "192.168.1.2:33333->8.8.8.8:53",
		Sock: &event.Socket{Family: afInet, Type: 2, Proto: 17, Role: event.RoleClient, NameChanged: true,
			Local: netip.MustParseAddrPort("192.168.1.2:33333"), Remote: netip.MustParseAddrPort("8.8.8.8:53")}}
	return sysEvent(event.TypeSendto, 40, fd, numArg("res", event.ArgInt, 40), numArg("fd", event.ArgFD, 4),
		numArg("size", event.ArgUint, 40), strArg("tuple", event.ArgTuple, "192.168.1.2:33333->8.8.8.8:53"))
}

// socketEvent: socket(AF_PACKET, SOCK_RAW|SOCK_CLOEXEC, 768) = 6.
func socketEvent() *event.Event {
	fd := &event.FD{Num: 6, Type: event.FDUnknown, Sock: &event.Socket{Family: 17, Type: 3}}
	return sysEvent(event.TypeSocket, 6, fd, numArg("fd", event.ArgFD, 6), numArg("domain", event.ArgSockFamily, 17),
		numArg("type", event.ArgSockType, 3|kSockCloexec), numArg("proto", event.ArgInt, 768))
}

// unixConnectEvent: connect to /run/docker.sock.
func unixConnectEvent() *event.Event {
	fd := &event.FD{Num: 3, Type: event.FDUnix, Name: "/run/docker.sock",
		Sock: &event.Socket{Family: afUnix, Type: 1, Role: event.RoleClient, Path: "/run/docker.sock", Connected: true}}
	return sysEvent(event.TypeConnect, 0, fd, numArg("res", event.ArgErrno, 0), numArg("fd", event.ArgFD, 3),
		strArg("addr", event.ArgSockAddr, "/run/docker.sock"))
}

func TestSocketFields(t *testing.T) {
	c := newTestCatalog()
	check(t, c, connectEvent(), []want{
		{"evt.arg.res", "EINPROGRESS"}, {"evt.arg[0]", "EINPROGRESS"},
		{"evt.arg.tuple", "10.0.0.5:40000->93.184.216.34:443"},
		{"evt.arg.fd", "<4>10.0.0.5:40000->93.184.216.34:443"}, {"evt.arg.addr", "93.184.216.34:443"},
		{"evt.args", "res=-115(EINPROGRESS) tuple=10.0.0.5:40000->93.184.216.34:443 fd=3(<4>10.0.0.5:40000->93.184.216.34:443) addr=93.184.216.34:443"},
		{"evt.res", "EINPROGRESS"}, {"evt.rawres", -115},
		{"fd.num", 3}, {"fd.type", "ipv4"}, {"fd.typechar", "4"}, {"fd.name", "10.0.0.5:40000->93.184.216.34:443"},
		{"fd.cip", "10.0.0.5"}, {"fd.sip", "93.184.216.34"}, {"fd.lip", "10.0.0.5"}, {"fd.rip", "93.184.216.34"},
		{"fd.cport", 40000}, {"fd.sport", 443}, {"fd.lport", 40000}, {"fd.rport", 443},
		{"fd.cnet", "10.0.0.5"}, {"fd.snet", "93.184.216.34"},
		{"fd.ip", []string{"10.0.0.5", "93.184.216.34"}}, {"fd.net", []string{"10.0.0.5", "93.184.216.34"}},
		{"fd.port", []string{"40000", "443"}},
		{"fd.l4proto", "tcp"}, {"fd.sockfamily", "ip"}, {"fd.is_server", false}, {"fd.connected", false},
		{"fd.name_changed", false}, {"fd.sip.name", na}, {"fd.cip.name", na},
		{"fd.directory", na}, {"fd.filename", na},
	})
	check(t, c, acceptEvent(), []want{
		{"evt.arg.fd", "<6>127.0.0.1:50000->127.0.0.1:22"}, {"evt.arg.queuemax", "128"}, {"evt.arg.flags", "524288"},
		{"fd.sip", "127.0.0.1"}, {"fd.cip", "127.0.0.1"}, {"fd.sport", 22}, {"fd.cport", 50000},
		{"fd.lport", 22}, {"fd.rport", 50000}, {"fd.is_server", true}, {"fd.connected", true}, {"fd.type", "ipv6"},
		{"evt.res", "SUCCESS"}, {"evt.rawres", 5},
	})
	check(t, c, sendtoEvent(), []want{
		{"evt.arg.res", "40"}, {"evt.arg.size", "40"}, {"fd.l4proto", "udp"}, {"fd.name_changed", true},
		{"fd.sip", "8.8.8.8"}, {"fd.sport", 53},
	})
	check(t, c, socketEvent(), []want{
		{"evt.arg.domain", "AF_PACKET"}, {"evt.arg.type", "SOCK_RAW|SOCK_CLOEXEC"}, {"evt.arg.proto", "768"},
		{"evt.args", "fd=6 domain=17(AF_PACKET) type=524291(SOCK_RAW|SOCK_CLOEXEC) proto=768"},
		{"evt.rawarg.domain", 17},
		{"fd.sockfamily", na}, {"fd.sip", na}, {"fd.lip", na}, {"fd.l4proto", na}, {"fd.connected", false},
	})
	check(t, c, unixConnectEvent(), []want{
		{"fd.name", "/run/docker.sock"}, {"fd.sockfamily", "unix"}, {"fd.typechar", "u"}, {"fd.sip", na},
		{"fd.l4proto", na}, {"fd.is_server", na}, {"evt.arg.addr", "/run/docker.sock"}, {"evt.arg.res", "0"},
	})
	check(t, c, openatEvent(), []want{{"fd.sip", na}, {"fd.ip", na}, {"fd.connected", na}, {"fd.name_changed", false}})
}

func TestMiscArgs(t *testing.T) {
	c := newTestCatalog()
	for _, tt := range []struct {
		ev    *event.Event
		cases []want
	}{
		{sysEvent(event.TypePtrace, 0, nil, numArg("res", event.ArgErrno, 0), numArg("addr", event.ArgHex, 0x7ffd1000),
			numArg("data", event.ArgHex, 0), numArg("request", event.ArgPtraceReq, 16), numArg("pid", event.ArgInt, 812)),
			[]want{{"evt.arg.request", "PTRACE_ATTACH"}, {"evt.arg.addr", "7FFD1000"}, {"evt.arg.pid", "812"},
				{"evt.rawarg.request", 11},
				{"evt.args", "res=0 addr=7FFD1000 data=0 request=11(PTRACE_ATTACH) pid=812"}}},
		{sysEvent(event.TypePtrace, 0, nil, numArg("request", event.ArgPtraceReq, 0)),
			[]want{{"evt.arg.request", "PTRACE_TRACEME"}, {"evt.arg.addr", na}}},
		{sysEvent(event.TypeUnshare, 0, nil, numArg("res", event.ArgErrno, 0), numArg("flags", event.ArgCloneFlags, kCloneNewNS|kCloneNewUser)),
			[]want{{"evt.arg.flags", "CLONE_NEWNS|CLONE_NEWUSER"}, {"evt.rawarg.flags", 1<<5 | 1<<20}}},
		{sysEvent(event.TypeSetns, -1, &event.FD{Num: 4, Type: event.FDFile, Name: "mnt:[4026531840]"}, numArg("res", event.ArgErrno, -1),
			numArg("fd", event.ArgFD, 4), numArg("nstype", event.ArgCloneFlags, kCloneNewNS)),
			[]want{{"evt.arg.res", "EPERM"}, {"evt.arg.fd", "<f>mnt:[4026531840]"}, {"evt.arg.nstype", "CLONE_NEWNS"}, {"evt.res", "EPERM"}}},
		{sysEvent(event.TypeMount, 0, nil, numArg("res", event.ArgErrno, 0), strArg("dev", event.ArgString, "/dev/sda1"),
			strArg("dir", event.ArgPath, "/mnt"), strArg("type", event.ArgString, "ext4"), numArg("flags", event.ArgMountFlags, 1|2|4096)),
			[]want{{"evt.arg.flags", "RDONLY|NOSUID|BIND"}, {"evt.arg.dir", "/mnt"}, {"evt.arg.type", "ext4"}}},
		{sysEvent(event.TypeUmount2, 0, nil, numArg("res", event.ArgErrno, 0), strArg("name", event.ArgPath, "/mnt"),
			numArg("flags", event.ArgUmountFlags, 2)),
			[]want{{"evt.arg.flags", "DETACH"}, {"evt.arg.name", "/mnt"}}},
		{sysEvent(event.TypeKill, 0, nil, numArg("res", event.ArgErrno, 0), numArg("pid", event.ArgInt, 1), numArg("sig", event.ArgSignal, 9)),
			[]want{{"evt.arg.sig", "SIGKILL"}, {"evt.arg[2]", "SIGKILL"}, {"evt.rawarg.sig", 9}}},
		{sysEvent(event.TypeTgkill, 0, nil, numArg("res", event.ArgErrno, 0), numArg("pid", event.ArgInt, 1),
			numArg("tid", event.ArgInt, 2), numArg("sig", event.ArgSignal, 15)),
			[]want{{"evt.arg.sig", "SIGTERM"}, {"evt.arg.tid", "2"}}},
		{sysEvent(event.TypeMmap, 0x7f0000000000, nil, numArg("res", event.ArgHex, 0x7f0000000000), numArg("addr", event.ArgHex, 0),
			numArg("length", event.ArgUint, 4096), numArg("prot", event.ArgProt, 7), numArg("flags", event.ArgMmapFlags, 0x22),
			numArg("fd", event.ArgFD, -1), numArg("offset", event.ArgUint, 0)),
			[]want{{"evt.arg.prot", "PROT_READ|PROT_WRITE|PROT_EXEC"}, {"evt.arg.flags", "MAP_PRIVATE|MAP_ANONYMOUS"},
				{"evt.arg.res", "7F0000000000"}, {"evt.arg.fd", "EPERM"}}},
		{sysEvent(event.TypeMprotect, 0, nil, numArg("res", event.ArgErrno, 0), numArg("addr", event.ArgHex, 0x1000),
			numArg("len", event.ArgUint, 4096), numArg("prot", event.ArgProt, 0)),
			[]want{{"evt.arg.prot", "PROT_NONE"}, {"evt.arg.len", "4096"}}},
		{sysEvent(event.TypeMemfdCreate, 3, &event.FD{Num: 3, Type: event.FDMemfd, Name: "memfd:x"}, numArg("fd", event.ArgFD, 3),
			strArg("name", event.ArgString, "x"), numArg("flags", event.ArgMemfdFlags, 3)),
			[]want{{"evt.arg.flags", "MFD_CLOEXEC|MFD_ALLOW_SEALING"}, {"evt.arg.fd", "<m>memfd:x"}, {"evt.arg.name", "x"}}},
		{sysEvent(event.TypeCapset, 0, nil, numArg("res", event.ArgErrno, 0), numArg("cap_inheritable", event.ArgCapSet, 0),
			numArg("cap_permitted", event.ArgCapSet, 1<<21|1), numArg("cap_effective", event.ArgCapSet, 1<<21)),
			[]want{{"evt.arg.cap_permitted", "CAP_CHOWN CAP_SYS_ADMIN"}, {"evt.arg.cap_effective", "CAP_SYS_ADMIN"},
				{"evt.arg.cap_inheritable", "0"}}},
		{sysEvent(event.TypeSetresuid, 0, nil, numArg("res", event.ArgErrno, 0), numArg("ruid", event.ArgUID, -1),
			numArg("euid", event.ArgUID, 0), numArg("suid", event.ArgUID, 0xffffffff)),
			[]want{{"evt.arg.ruid", "-1"}, {"evt.arg.euid", "0"}, {"evt.arg.suid", "-1"}}},
		{sysEvent(event.TypeSetuid, 0, nil, numArg("res", event.ArgErrno, 0), numArg("uid", event.ArgUID, 1000)),
			[]want{{"evt.arg.uid", "1000"}}},
		{sysEvent(event.TypePrctl, 0, nil, numArg("res", event.ArgInt, 0), numArg("option", event.ArgPrctlOption, 15),
			strArg("arg2_str", event.ArgString, "kworker"), numArg("arg2_int", event.ArgInt, 0)),
			[]want{{"evt.arg.option", "PR_SET_NAME"}, {"evt.arg.arg2_str", "kworker"}}},
		{sysEvent(event.TypeBpf, 4, nil, numArg("res", event.ArgInt, 4), numArg("cmd", event.ArgBpfCmd, 5)),
			[]want{{"evt.arg.cmd", "BPF_PROG_LOAD"}, {"evt.arg.res", "4"}}},
		{sysEvent(event.TypeBpf, -1, nil, numArg("res", event.ArgInt, -1), numArg("cmd", event.ArgBpfCmd, 0)),
			[]want{{"evt.arg.cmd", "BPF_MAP_CREATE"}, {"evt.arg.res", "EPERM"}}},
		{sysEvent(event.TypeFinitModule, 0, &event.FD{Num: 3, Type: event.FDFile, Name: "/tmp/x.ko"}, numArg("res", event.ArgErrno, 0),
			numArg("fd", event.ArgFD, 3), strArg("uargs", event.ArgString, ""), numArg("flags", event.ArgModuleFlags, 2)),
			[]want{{"evt.arg.flags", "MODULE_INIT_IGNORE_VERMAGIC"}, {"evt.arg.fd", "<f>/tmp/x.ko"}, {"fd.name", "/tmp/x.ko"}}},
		{sysEvent(event.TypeDeleteModule, 0, nil, numArg("res", event.ArgErrno, 0), strArg("name", event.ArgString, "x"),
			numArg("flags", event.ArgModuleFlags, kONonblock)),
			[]want{{"evt.arg.flags", "O_NONBLOCK"}, {"evt.arg.name", "x"}}},
		{sysEvent(event.TypeDup2, 1, &event.FD{Num: 1, Type: event.FDIPv4, Name: "1.2.3.4:5->6.7.8.9:80"},
			numArg("res", event.ArgFD, 1), numArg("oldfd", event.ArgFD, 3), numArg("newfd", event.ArgFD, 1)),
			[]want{{"evt.arg.res", "<4>1.2.3.4:5->6.7.8.9:80"}, {"evt.arg.oldfd", "3"}, {"evt.rawres", 1}, {"fd.num", 1}}},
		{sysEvent(event.TypeUserfaultfd, 5, nil, numArg("res", event.ArgFD, 5), numArg("flags", event.ArgFlags, 0x80000)),
			[]want{{"evt.arg.flags", "524288"}}},
		{sysEvent(event.TypeChroot, 0, nil, numArg("res", event.ArgErrno, 0), strArg("path", event.ArgPath, "/srv")),
			[]want{{"evt.arg.path", "/srv"}}},
	} {
		check(t, c, tt.ev, tt.cases)
	}
}

func TestFailedExec(t *testing.T) {
	c := newTestCatalog()
	ev := execEvent()
	ev.Syscall = &event.Syscall{Res: -13, Args: []event.Arg{numArg("res", event.ArgErrno, -13)}}
	check(t, c, ev, []want{{"evt.res", "EACCES"}, {"evt.rawres", -13}, {"evt.arg.res", "EACCES"}, {"evt.failed", true}})
	check(t, c, execEvent(), []want{{"evt.res", "SUCCESS"}, {"evt.rawres", 0}, {"evt.arg.res", "0"}})
}

func TestCapsAndExeIno(t *testing.T) {
	c := newTestCatalog()
	ev := execEvent()
	ev.Process.CapEffective = 1<<21 | 1<<1 | 1<<16
	ev.Process.CapPermitted = 1<<41 - 1
	ev.Process.ExeIno = 1234
	ev.Process.ExeCtime = evStart.Add(-time.Second)
	ev.Process.ExeMtime = evStart.Add(-time.Hour)
	check(t, c, ev, []want{
		{"thread.cap_effective", "CAP_DAC_OVERRIDE CAP_SYS_MODULE CAP_SYS_ADMIN"},
		{"thread.cap_inheritable", ""},
		{"proc.exe_ino", 1234},
		{"proc.exe_ino.ctime", int(evStart.Add(-time.Second).UnixNano())},
		{"proc.exe_ino.mtime", int(evStart.Add(-time.Hour).UnixNano())},
		{"proc.exe_ino.ctime_duration_proc_start", int(time.Second)},
	})
	if got := capNames(ev.Process.CapPermitted); len(got) < 100 || got[:9] != "CAP_CHOWN" {
		t.Errorf("full set = %q", got)
	}
	check(t, c, execEvent(), []want{{"proc.exe_ino", na}, {"proc.exe_ino.ctime", na}, {"proc.exe_ino.ctime_duration_proc_start", na}})
}

// TestBindForTypes: evt.arg.dirfd is refused for every type (execveat's is
// not captured) but binds for openat.
func TestBindForTypes(t *testing.T) {
	c := newTestCatalog()
	f, _, _ := c.Lookup("evt.arg")
	if _, err := f.Bind("dirfd"); !isUnavailable(err) {
		t.Fatalf("Bind(dirfd) = %v, want unavailable", err)
	}
	acc, err := f.BindFor("dirfd", []event.Type{event.TypeOpenat})
	if err != nil {
		t.Fatal(err)
	}
	if v, ok := acc.Str(openatDirfdEvent()); !ok || v == "" {
		t.Errorf("dirfd = %q, %v", v, ok)
	}
	if _, ok := acc.Str(execEvent()); ok {
		t.Error("dirfd of an execve has a value")
	}
	if _, err := f.BindFor("dirfd", []event.Type{event.TypeExecveat}); !isUnavailable(err) {
		t.Errorf("BindFor(dirfd, execveat) = %v, want unavailable", err)
	}
	r, _, _ := c.Lookup("evt.rawarg")
	if _, err := r.BindFor("dirfd", []event.Type{event.TypeOpenat, event.TypeMkdirat}); err != nil {
		t.Errorf("rawarg: %v", err)
	}
}
