package kernel

import (
	"fmt"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/vigil-sec/vigil/internal/event"
)

// netCalls is every socket and descriptor call the sensor supports.
var netCalls = []event.Type{
	event.TypeSocket, event.TypeConnect, event.TypeAccept, event.TypeAccept4,
	event.TypeBind, event.TypeListen, event.TypeSendto, event.TypeSendmsg,
	event.TypeRecvfrom, event.TypeRecvmsg, event.TypeDup, event.TypeDup2, event.TypeDup3,
}

func netArg(name string, kind event.ArgKind, n int64) event.Arg {
	return event.Arg{Name: name, Kind: kind, Num: n}
}
func tupleArg(s string) event.Arg { return event.Arg{Name: "tuple", Kind: event.ArgTuple, Str: s} }
func sockAddrArg(s string) event.Arg {
	return event.Arg{Name: "addr", Kind: event.ArgSockAddr, Str: s}
}

// checkNet compares a socket or descriptor event's details. A socket's
// Dev and Ino (sockfs) are checked to be set, then left out.
func checkNet(t *testing.T, ev *event.Event, res int64, fd *event.FD, args ...event.Arg) {
	t.Helper()
	if ev.Exec != nil || ev.Clone != nil || ev.Exit != nil || ev.Drop != nil {
		t.Errorf("%s event carries other details: %+v", ev.Type, ev)
	}
	got := ev.Syscall.FD
	if got != nil && got.Sock != nil {
		if got.Ino == 0 {
			t.Errorf("%s socket fd has no inode: %+v", ev.Type, got)
		}
		c := *got
		c.Dev, c.Ino = 0, 0
		s := *got.Sock
		c.Sock = &s
		got = &c
	}
	if !reflect.DeepEqual(got, fd) {
		t.Errorf("%s fd:\n got %+v %+v\nwant %+v %+v", ev.Type, got, sockOf(got), fd, sockOf(fd))
	}
	if ev.Syscall.Res != res {
		t.Errorf("%s res = %d, want %d", ev.Type, ev.Syscall.Res, res)
	}
	if !reflect.DeepEqual(ev.Syscall.Args, args) {
		t.Errorf("%s args:\n got %+v\nwant %+v", ev.Type, ev.Syscall.Args, args)
	}
}

func sockOf(fd *event.FD) any {
	if fd == nil || fd.Sock == nil {
		return nil
	}
	return *fd.Sock
}

func ap(s string) netip.AddrPort { return netip.MustParseAddrPort(s) }

// tcpPair checks a TCP connect and accept over loopback in family: the
// client's and the server's view of one connection, and the bind, listen
// and socket calls on the way.
func tcpPair(t *testing.T, domain int, ip string) {
	c := startSensor(t, Options{Syscalls: netCalls})
	bracket := ip
	fdType := event.FDIPv4
	if domain == unix.AF_INET6 {
		bracket = "[" + ip + "]"
		fdType = event.FDIPv6
	}
	pid, res := runNetOps(t, "/",
		fmt.Sprintf("socket|%d|%d|0", domain, unix.SOCK_STREAM), // 0 server
		fmt.Sprintf("bind|$0|%s:0", ip),                         // 1
		"listen|$0|16",                                          // 2
		"port|$0",                                               // 3 server port
		fmt.Sprintf("socket|%d|%d|0", domain, unix.SOCK_STREAM), // 4 client
		fmt.Sprintf("connect|$4|%s:$3", ip),                     // 5
		"port|$4",                                               // 6 client port
		"accept|$0",                                             // 7
	)
	srv, sport, cli, cport, conn := res[0], res[3], res[4], res[6], res[7]
	if srv < 0 || res[1] != 0 || res[2] != 0 || cli < 0 || res[5] != 0 || conn < 0 {
		t.Fatalf("helper results %v", res)
	}
	server := ap(fmt.Sprintf("%s:%d", bracket, sport))
	client := ap(fmt.Sprintf("%s:%d", bracket, cport))
	name := fmt.Sprintf("%s:%d->%s:%d", ip, cport, ip, sport)
	family := uint16(domain)

	ev := c.waitFDCall(t, pid, event.TypeConnect, cli)
	checkNet(t, ev, 0, &event.FD{Num: cli, Type: fdType, Name: name, Sock: &event.Socket{
		Family: family, Type: unix.SOCK_STREAM, Proto: unix.IPPROTO_TCP,
		Local: client, Remote: server, Role: event.RoleClient, Connected: true}},
		resArg(0), tupleArg(name), fdArg("fd", cli), sockAddrArg(fmt.Sprintf("%s:%d", ip, sport)))

	ev = c.waitFDCall(t, pid, event.TypeAccept, conn)
	checkNet(t, ev, conn, &event.FD{Num: conn, Type: fdType, Name: name, Sock: &event.Socket{
		Family: family, Type: unix.SOCK_STREAM, Proto: unix.IPPROTO_TCP,
		Local: server, Remote: client, Role: event.RoleServer, Connected: true}},
		fdArg("fd", conn), tupleArg(name), uintArg("queuepct", 0), uintArg("queuelen", 0), uintArg("queuemax", 16))

	local := fmt.Sprintf("%s:%d", ip, sport)
	listening := &event.Socket{Family: family, Type: unix.SOCK_STREAM, Proto: unix.IPPROTO_TCP,
		Local: server, Role: event.RoleServer}
	ev = c.waitFDCall(t, pid, event.TypeBind, srv)
	checkNet(t, ev, 0, &event.FD{Num: srv, Type: fdType, Name: local, Sock: listening},
		resArg(0), sockAddrArg(ip+":0"), fdArg("fd", srv))
	ev = c.waitFDCall(t, pid, event.TypeListen, srv)
	checkNet(t, ev, 0, &event.FD{Num: srv, Type: fdType, Name: local, Sock: listening},
		resArg(0), fdArg("fd", srv), netArg("backlog", event.ArgInt, 16))

	ev = c.waitFDCall(t, pid, event.TypeSocket, cli)
	checkNet(t, ev, cli, &event.FD{Num: cli, Type: fdType, Sock: &event.Socket{
		Family: family, Type: unix.SOCK_STREAM, Proto: unix.IPPROTO_TCP}},
		fdArg("fd", cli), netArg("domain", event.ArgSockFamily, int64(domain)),
		netArg("type", event.ArgSockType, unix.SOCK_STREAM), netArg("proto", event.ArgInt, 0))
}

// TestNetTCPConnectAcceptIPv4: both ends of a loopback connection, bind,
// listen and socket.
func TestNetTCPConnectAcceptIPv4(t *testing.T) { tcpPair(t, unix.AF_INET, "127.0.0.1") }

// TestNetTCPConnectAcceptIPv6: the same over ::1, unbracketed in names.
func TestNetTCPConnectAcceptIPv6(t *testing.T) { tcpPair(t, unix.AF_INET6, "::1") }

// TestNetBindAny: a wildcard bind's name is 0.0.0.0:PORT; accept4 reports
// its flags and the queue.
func TestNetBindAnyAccept4(t *testing.T) {
	c := startSensor(t, Options{Syscalls: []event.Type{event.TypeBind, event.TypeAccept4}})
	pid, res := runNetOps(t, "/",
		fmt.Sprintf("socket|%d|%d|0", unix.AF_INET, unix.SOCK_STREAM),
		"bind|$0|0.0.0.0:0", "listen|$0|7", "port|$0",
		fmt.Sprintf("socket|%d|%d|0", unix.AF_INET, unix.SOCK_STREAM),
		"connect|$4|127.0.0.1:$3",
		fmt.Sprintf("socket|%d|%d|0", unix.AF_INET, unix.SOCK_STREAM),
		"connect|$6|127.0.0.1:$3",
		fmt.Sprintf("accept4|$0|%#x", unix.SOCK_CLOEXEC),
	)
	srv, sport, conn := res[0], res[3], res[8]
	if srv < 0 || res[1] != 0 || res[5] != 0 || res[7] != 0 || conn < 0 {
		t.Fatalf("helper results %v", res)
	}
	ev := c.waitFDCall(t, pid, event.TypeBind, srv)
	name := fmt.Sprintf("0.0.0.0:%d", sport)
	checkNet(t, ev, 0, &event.FD{Num: srv, Type: event.FDIPv4, Name: name, Sock: &event.Socket{
		Family: unix.AF_INET, Type: unix.SOCK_STREAM, Proto: unix.IPPROTO_TCP,
		Local: ap(name), Role: event.RoleServer}},
		resArg(0), sockAddrArg("0.0.0.0:0"), fdArg("fd", srv))
	ev = c.waitFDCall(t, pid, event.TypeAccept4, conn)
	// one connection left in the queue of 7 after this accept
	want := []event.Arg{uintArg("queuepct", 14), uintArg("queuelen", 1), uintArg("queuemax", 7),
		netArg("flags", event.ArgInt, unix.SOCK_CLOEXEC)}
	if got := ev.Syscall.Args[2:]; !reflect.DeepEqual(got, want) {
		t.Errorf("accept4 args %+v, want %+v", got, want)
	}
	if s := ev.Syscall.FD.Sock; s == nil || s.Local.Port() != uint16(sport) || !s.Connected || s.Role != event.RoleServer {
		t.Errorf("accept4 fd %+v", ev.Syscall.FD)
	}
}

// TestNetConnectRefused: the result is -ECONNREFUSED; the peer is the
// address the caller passed.
func TestNetConnectRefused(t *testing.T) {
	c := startSensor(t, Options{Syscalls: []event.Type{event.TypeConnect}})
	pid, res := runNetOps(t, "/",
		fmt.Sprintf("socket|%d|%d|0", unix.AF_INET, unix.SOCK_STREAM),
		"bind|$0|127.0.0.1:0", "port|$0", "close|$0", // a port nobody listens on
		fmt.Sprintf("socket|%d|%d|0", unix.AF_INET, unix.SOCK_STREAM),
		"connect|$4|127.0.0.1:$2",
	)
	refused := -int64(unix.ECONNREFUSED)
	cli, port := res[4], res[2]
	if cli < 0 || res[5] != refused {
		t.Fatalf("helper results %v", res)
	}
	ev := c.waitFDCall(t, pid, event.TypeConnect, cli)
	server := fmt.Sprintf("127.0.0.1:%d", port)
	tuple := "0.0.0.0:0->" + server
	checkNet(t, ev, refused, &event.FD{Num: cli, Type: event.FDIPv4, Sock: &event.Socket{
		Family: unix.AF_INET, Type: unix.SOCK_STREAM, Proto: unix.IPPROTO_TCP,
		Remote: ap(server), Role: event.RoleClient}},
		resArg(refused), tupleArg(tuple), fdArg("fd", cli), sockAddrArg(server))
}

// udpExchange sends a datagram from a bound client to a server and
// receives it, with sendto/recvfrom or sendmsg/recvmsg.
func udpExchange(t *testing.T, domain int, ip string, msg bool) {
	send, recv := event.TypeSendto, event.TypeRecvfrom
	sendOp, recvOp := "sendto", "recvfrom"
	if msg {
		send, recv = event.TypeSendmsg, event.TypeRecvmsg
		sendOp, recvOp = "sendmsg", "recvmsg"
	}
	c := startSensor(t, Options{Syscalls: []event.Type{send, recv}})
	bracket, fdType := ip, event.FDIPv4
	if domain == unix.AF_INET6 {
		bracket, fdType = "["+ip+"]", event.FDIPv6
	}
	pid, res := runNetOps(t, "/",
		fmt.Sprintf("socket|%d|%d|0", domain, unix.SOCK_DGRAM), // 0 server
		fmt.Sprintf("bind|$0|%s:0", ip),
		"port|$0",
		fmt.Sprintf("socket|%d|%d|0", domain, unix.SOCK_DGRAM), // 3 client
		fmt.Sprintf("bind|$3|%s:0", ip),
		"port|$3",
		fmt.Sprintf("%s|$3|%s:$2|hello", sendOp, ip),
		recvOp+"|$0",
	)
	srv, sport, cli, cport := res[0], res[2], res[3], res[5]
	if srv < 0 || cli < 0 || res[1] != 0 || res[4] != 0 || res[6] != 5 || res[7] != 5 {
		t.Fatalf("helper results %v", res)
	}
	server := ap(fmt.Sprintf("%s:%d", bracket, sport))
	client := ap(fmt.Sprintf("%s:%d", bracket, cport))
	name := fmt.Sprintf("%s:%d->%s:%d", ip, cport, ip, sport)
	sendSize, recvSize := int64(5), int64(64)

	ev := c.waitFDCall(t, pid, send, cli)
	checkNet(t, ev, 5, &event.FD{Num: cli, Type: fdType, Name: name, Sock: &event.Socket{
		Family: uint16(domain), Type: unix.SOCK_DGRAM, Proto: unix.IPPROTO_UDP,
		Local: client, Remote: server, Role: event.RoleClient}},
		netArg("res", event.ArgInt, 5), fdArg("fd", cli), uintArg("size", sendSize), tupleArg(name))
	ev = c.waitFDCall(t, pid, recv, srv)
	checkNet(t, ev, 5, &event.FD{Num: srv, Type: fdType, Name: name, Sock: &event.Socket{
		Family: uint16(domain), Type: unix.SOCK_DGRAM, Proto: unix.IPPROTO_UDP,
		Local: server, Remote: client, Role: event.RoleServer}},
		netArg("res", event.ArgInt, 5), tupleArg(name), fdArg("fd", srv), uintArg("size", recvSize))
}

func TestNetUDPSendtoRecvfromIPv4(t *testing.T) { udpExchange(t, unix.AF_INET, "127.0.0.1", false) }
func TestNetUDPSendtoRecvfromIPv6(t *testing.T) { udpExchange(t, unix.AF_INET6, "::1", false) }
func TestNetUDPSendmsgRecvmsgIPv4(t *testing.T) { udpExchange(t, unix.AF_INET, "127.0.0.1", true) }
func TestNetUDPSendmsgRecvmsgIPv6(t *testing.T) { udpExchange(t, unix.AF_INET6, "::1", true) }

// TestNetSendtoStreamNotReported: sendto with a destination on a TCP
// socket and recvfrom on it are filtered in the kernel; a UDP sendto
// after them is the marker that they would have arrived.
func TestNetSendtoStreamNotReported(t *testing.T) {
	c := startSensor(t, Options{Syscalls: []event.Type{event.TypeSendto, event.TypeRecvfrom}})
	pid, res := runNetOps(t, "/",
		fmt.Sprintf("socket|%d|%d|0", unix.AF_INET, unix.SOCK_STREAM),
		"bind|$0|127.0.0.1:0", "listen|$0|4", "port|$0",
		fmt.Sprintf("socket|%d|%d|0", unix.AF_INET, unix.SOCK_STREAM),
		"connect|$4|127.0.0.1:$3", // 5
		"accept|$0",               // 6
		"sendto|$4|127.0.0.1:$3|tcp",
		"recvfrom|$6",
		fmt.Sprintf("socket|%d|%d|0", unix.AF_INET, unix.SOCK_DGRAM), // 9
		"sendto|$9|127.0.0.1:9|udp",
	)
	tcp, udp := res[4], res[9]
	if res[5] != 0 || res[7] != 3 || res[8] != 3 || res[10] != 3 {
		t.Fatalf("helper results %v", res)
	}
	c.waitFDCall(t, pid, event.TypeSendto, udp)
	time.Sleep(100 * time.Millisecond)
	for _, ev := range c.all(func(e *event.Event) bool { return isType(e, pid, event.TypeSendto, event.TypeRecvfrom) }) {
		if ev.Syscall.FD.Num != udp {
			t.Errorf("%s on stream socket reported (tcp fd %d): %+v", ev.Type, tcp, ev.Syscall)
		}
	}
}

// TestNetSocketArgs: AF_PACKET (root) and AF_INET6 with SOCK_CLOEXEC: the
// arguments as passed, the socket as the kernel made it.
func TestNetSocketArgs(t *testing.T) {
	c := startSensor(t, Options{Syscalls: []event.Type{event.TypeSocket}})
	const ethPAll = 0x0300 // htons(ETH_P_ALL)
	pid, res := runNetOps(t, "/",
		fmt.Sprintf("socket|%d|%d|%d", unix.AF_PACKET, unix.SOCK_RAW, ethPAll),
		fmt.Sprintf("socket|%d|%d|0", unix.AF_INET6, unix.SOCK_STREAM|unix.SOCK_CLOEXEC),
		fmt.Sprintf("socket|%d|%d|0", 12345, unix.SOCK_STREAM),
	)
	if res[1] < 0 || res[2] != -int64(unix.EAFNOSUPPORT) {
		t.Fatalf("helper results %v", res)
	}
	if pkt := res[0]; pkt >= 0 {
		ev := c.waitFDCall(t, pid, event.TypeSocket, pkt)
		// packet sockets keep the protocol in their own state: sk_protocol
		// is 0
		checkNet(t, ev, pkt, &event.FD{Num: pkt, Type: event.FDUnknown, Sock: &event.Socket{
			Family: unix.AF_PACKET, Type: unix.SOCK_RAW}},
			fdArg("fd", pkt), netArg("domain", event.ArgSockFamily, unix.AF_PACKET),
			netArg("type", event.ArgSockType, unix.SOCK_RAW), netArg("proto", event.ArgInt, ethPAll))
	} else {
		t.Logf("AF_PACKET socket not permitted: %d", pkt)
	}
	ev := c.waitFDCall(t, pid, event.TypeSocket, res[1])
	checkNet(t, ev, res[1], &event.FD{Num: res[1], Type: event.FDIPv6, Sock: &event.Socket{
		Family: unix.AF_INET6, Type: unix.SOCK_STREAM, Proto: unix.IPPROTO_TCP}},
		fdArg("fd", res[1]), netArg("domain", event.ArgSockFamily, unix.AF_INET6),
		netArg("type", event.ArgSockType, unix.SOCK_STREAM|unix.SOCK_CLOEXEC), netArg("proto", event.ArgInt, 0))
	// A failed socket has no fd.
	ev = c.wait(t, "failed socket", func(e *event.Event) bool {
		return isType(e, pid, event.TypeSocket) && e.Syscall.Res < 0
	})
	checkNet(t, ev, -int64(unix.EAFNOSUPPORT), nil,
		fdArg("fd", -int64(unix.EAFNOSUPPORT)), netArg("domain", event.ArgSockFamily, 12345),
		netArg("type", event.ArgSockType, unix.SOCK_STREAM), netArg("proto", event.ArgInt, 0))
}

// TestNetUnixConnect: a unix stream connect to a path, and an abstract
// bind.
func TestNetUnixConnect(t *testing.T) {
	c := startSensor(t, Options{Syscalls: []event.Type{event.TypeConnect, event.TypeBind}})
	dir := testDir(t)
	path := filepath.Join(dir, "sock")
	abstract := fmt.Sprintf("@vigil-test-%d", time.Now().UnixNano())
	pid, res := runNetOps(t, dir,
		fmt.Sprintf("socket|%d|%d|0", unix.AF_UNIX, unix.SOCK_STREAM),
		"bind|$0|unix:"+path, "listen|$0|4",
		fmt.Sprintf("socket|%d|%d|0", unix.AF_UNIX, unix.SOCK_STREAM),
		"connect|$3|unix:"+path,
		fmt.Sprintf("socket|%d|%d|0", unix.AF_UNIX, unix.SOCK_DGRAM),
		"bind|$5|unix:"+abstract,
	)
	cli, dg := res[3], res[5]
	if res[1] != 0 || res[4] != 0 || res[6] != 0 {
		t.Fatalf("helper results %v", res)
	}
	ev := c.waitFDCall(t, pid, event.TypeConnect, cli)
	checkNet(t, ev, 0, &event.FD{Num: cli, Type: event.FDUnix, Name: path, Sock: &event.Socket{
		Family: unix.AF_UNIX, Type: unix.SOCK_STREAM, Role: event.RoleClient, Connected: true, Path: path}},
		resArg(0), tupleArg(path), fdArg("fd", cli), sockAddrArg(path))
	ev = c.waitFDCall(t, pid, event.TypeBind, dg)
	checkNet(t, ev, 0, &event.FD{Num: dg, Type: event.FDUnix, Name: abstract, Sock: &event.Socket{
		Family: unix.AF_UNIX, Type: unix.SOCK_DGRAM, Role: event.RoleServer, Path: abstract}},
		resArg(0), sockAddrArg(abstract), fdArg("fd", dg))
}

// freeLowPort finds a free TCP port on 127.0.0.1 below the ephemeral
// range, so that the dup family's role guess has a server port to find.
func freeLowPort(t *testing.T) int {
	t.Helper()
	for port := 20000 + os.Getpid()%5000; port < 32000; port += 97 {
		l, err := net.Listen("tcp4", fmt.Sprintf("127.0.0.1:%d", port))
		if err == nil {
			l.Close()
			return port
		}
	}
	t.Fatal("no free port below 32000")
	return 0
}

// TestNetDup2SocketOntoStdout: the descriptor is the new fd 1, the
// connected socket behind it, the client by its ephemeral port.
func TestNetDup2SocketOntoStdout(t *testing.T) {
	c := startSensor(t, Options{Syscalls: []event.Type{event.TypeDup2, event.TypeDup3}})
	sport := freeLowPort(t)
	pid, res := runNetOps(t, "/",
		fmt.Sprintf("socket|%d|%d|0", unix.AF_INET, unix.SOCK_STREAM),
		fmt.Sprintf("bind|$0|127.0.0.1:%d", sport), "listen|$0|4", "port|$0",
		fmt.Sprintf("socket|%d|%d|0", unix.AF_INET, unix.SOCK_STREAM),
		"connect|$4|127.0.0.1:$3", "port|$4",
		"dup2|$4|1",
		fmt.Sprintf("dup3|$4|1|%#x", unix.O_CLOEXEC),
	)
	cli, cport := res[4], res[6]
	if res[1] != 0 || res[5] != 0 || res[7] != 1 || res[8] != 1 {
		t.Fatalf("helper results %v", res)
	}
	name := fmt.Sprintf("127.0.0.1:%d->127.0.0.1:%d", cport, sport)
	sock := &event.Socket{Family: unix.AF_INET, Type: unix.SOCK_STREAM, Proto: unix.IPPROTO_TCP,
		Local: ap(fmt.Sprintf("127.0.0.1:%d", cport)), Remote: ap(fmt.Sprintf("127.0.0.1:%d", sport)),
		Role: event.RoleClient, Connected: true}
	fromOld := func(typ event.Type) *event.Event {
		return c.wait(t, typ.String()+" of the socket", func(e *event.Event) bool {
			a, _ := e.Syscall.Arg("oldfd")
			return isType(e, pid, typ) && a.Num == cli && e.Syscall.FD != nil && e.Syscall.FD.Num == 1
		})
	}
	ev := fromOld(event.TypeDup2)
	checkNet(t, ev, 1, &event.FD{Num: 1, Type: event.FDIPv4, Name: name, Sock: sock},
		fdArg("res", 1), fdArg("oldfd", cli), fdArg("newfd", 1))
	ev = fromOld(event.TypeDup3)
	checkNet(t, ev, 1, &event.FD{Num: 1, Type: event.FDIPv4, Name: name, Sock: sock},
		fdArg("res", 1), fdArg("oldfd", cli), fdArg("newfd", 1), netArg("flags", event.ArgInt, unix.O_CLOEXEC))
}

// TestNetDupFile: dup of a file: its path, device and inode from the
// kernel; a failed dup describes nothing.
func TestNetDupFile(t *testing.T) {
	c := startSensor(t, Options{Syscalls: []event.Type{event.TypeDup}})
	dir := testDir(t)
	file := filepath.Join(dir, "f")
	writeFile(t, file)
	pid, res := runNetOps(t, dir, "open|f", "dup|$0", "dup|987")
	if res[0] < 0 || res[1] < 0 || res[2] != -int64(unix.EBADF) {
		t.Fatalf("helper results %v", res)
	}
	dev, ino := statFile(t, file)
	ev := c.waitFDCall(t, pid, event.TypeDup, res[1])
	checkNet(t, ev, res[1], &event.FD{Num: res[1], Type: event.FDFile, Name: file, Dev: dev, Ino: ino},
		fdArg("res", res[1]), fdArg("oldfd", res[0]))
	ev = c.waitFDCall(t, pid, event.TypeDup, 987)
	checkNet(t, ev, -int64(unix.EBADF), &event.FD{Num: 987},
		fdArg("res", -int64(unix.EBADF)), fdArg("oldfd", 987))
}

// TestConnectFamilies: with ConnectFamilies narrowed to AF_UNIX, a TCP
// connect is dropped in the kernel and a unix one reported; widened again
// at run time (a reload), the TCP connect is reported.
func TestConnectFamilies(t *testing.T) {
	c := startSensor(t, Options{Syscalls: []event.Type{event.TypeConnect}, ConnectFamilies: 1 << unix.AF_UNIX})
	ops := []string{
		fmt.Sprintf("socket|%d|%d|0", unix.AF_INET, unix.SOCK_STREAM),
		"bind|$0|127.0.0.1:0", "port|$0", "close|$0", // a port nobody listens on
		fmt.Sprintf("socket|%d|%d|0", unix.AF_INET, unix.SOCK_STREAM),
		"connect|$4|127.0.0.1:$2", // 5: refused, TCP
		fmt.Sprintf("socket|%d|%d|0", unix.AF_UNIX, unix.SOCK_STREAM),
		"connect|$6|unix:@vigil-connect-families-test", // 7: refused, unix
	}
	pid, res := runNetOps(t, "/", ops...)
	c.waitFDCall(t, pid, event.TypeConnect, res[6])
	// The unix connect came after the TCP one, from the same thread: had
	// the TCP one been reported, it would be here already.
	if ev := c.find(func(e *event.Event) bool { return isType(e, pid, event.TypeConnect) && e.Syscall.FD.Num == res[4] }); ev != nil {
		t.Errorf("TCP connect reported with only AF_UNIX wanted: %+v", ev.Syscall)
	}
	if err := c.sensor.SetConnectFamilies(0); err != nil {
		t.Fatal(err)
	}
	pid, res = runNetOps(t, "/", ops...)
	c.waitFDCall(t, pid, event.TypeConnect, res[4])
	c.waitFDCall(t, pid, event.TypeConnect, res[6])
}

// TestSocketFamilies: with SocketFamilies narrowed to AF_UNIX, socket(2)
// calls asking for AF_INET are dropped in the kernel and AF_UNIX ones
// reported; widened again at run time (a reload), both are reported.
func TestSocketFamilies(t *testing.T) {
	c := startSensor(t, Options{Syscalls: []event.Type{event.TypeSocket}, SocketFamilies: 1 << unix.AF_UNIX})
	ops := []string{
		fmt.Sprintf("socket|%d|%d|0", unix.AF_INET, unix.SOCK_STREAM),
		fmt.Sprintf("socket|%d|%d|0", unix.AF_UNIX, unix.SOCK_STREAM),
	}
	pid, res := runNetOps(t, "/", ops...)
	c.waitFDCall(t, pid, event.TypeSocket, res[1])
	// The unix socket came after the inet one, from the same thread: had
	// the inet one been reported, it would be here already.
	if ev := c.find(func(e *event.Event) bool { return isType(e, pid, event.TypeSocket) && e.Syscall.FD.Num == res[0] }); ev != nil {
		t.Errorf("AF_INET socket reported with only AF_UNIX wanted: %+v", ev.Syscall)
	}
	if err := c.sensor.SetSocketFamilies(0); err != nil {
		t.Fatal(err)
	}
	pid, res = runNetOps(t, "/", ops...)
	c.waitFDCall(t, pid, event.TypeSocket, res[0])
	c.waitFDCall(t, pid, event.TypeSocket, res[1])
}
