package kernel

import (
	"errors"
	"reflect"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/vigil-sec/vigil/internal/event"
)

// sockRecord builds a socket or descriptor record followed by section.
func sockRecord(r netVigilSock, section string) []byte {
	r.Task.Kind = kindSyscall
	r.PathLen = uint16(len(section))
	return append(bytesOf(&r), section...)
}

func v4(a, b, c, d byte) (out [16]uint8) {
	out[0], out[1], out[2], out[3] = a, b, c, d
	return out
}

func v6loop() (out [16]uint8) {
	out[15] = 1
	return out
}

func TestDecodeNet(t *testing.T) {
	d := testDecoder()
	tcp4 := netVigilSock{Family: unix.AF_INET, Type: unix.SOCK_STREAM, Protocol: unix.IPPROTO_TCP,
		Fdkind: fdKindSocket, Ino: 9, Dev: 8}
	for _, tc := range []struct {
		name string
		raw  []byte
		typ  event.Type
		fd   *event.FD
		args []event.Arg
	}{{
		name: "connect ipv4",
		raw: sockRecord(func() netVigilSock {
			r := tcp4
			r.Syscall, r.Fd, r.State = scConnect, 3, tcpEstablished
			r.Laddr, r.Lport, r.Raddr, r.Rport = v4(10, 0, 0, 1), 40000, v4(1, 2, 3, 4), 80
			r.UaddrFamily, r.Uaddr, r.Uport = unix.AF_INET, v4(1, 2, 3, 4), 80
			return r
		}(), ""),
		typ: event.TypeConnect,
		fd: &event.FD{Num: 3, Type: event.FDIPv4, Name: "10.0.0.1:40000->1.2.3.4:80", Dev: 8, Ino: 9,
			Sock: &event.Socket{Family: 2, Type: 1, Proto: 6, Local: ap("10.0.0.1:40000"), Remote: ap("1.2.3.4:80"),
				Role: event.RoleClient, Connected: true}},
		args: []event.Arg{resArg(0), tupleArg("10.0.0.1:40000->1.2.3.4:80"), fdArg("fd", 3), sockAddrArg("1.2.3.4:80")},
	}, {
		name: "accept4 ipv6 mapped",
		raw: sockRecord(func() netVigilSock {
			r := tcp4
			r.Family = unix.AF_INET6
			r.Syscall, r.Fd, r.Ret, r.State, r.Flags = scAccept4, 3, 5, tcpEstablished, unix.SOCK_CLOEXEC
			r.Arg = 3<<32 | 4
			mapped := [16]uint8{10: 0xff, 11: 0xff, 12: 127, 15: 1}
			r.Laddr, r.Lport, r.Raddr, r.Rport = mapped, 80, mapped, 50000
			return r
		}(), ""),
		typ: event.TypeAccept4,
		fd: &event.FD{Num: 5, Type: event.FDIPv6, Name: "127.0.0.1:50000->127.0.0.1:80", Dev: 8, Ino: 9,
			Sock: &event.Socket{Family: 10, Type: 1, Proto: 6, Local: ap("127.0.0.1:80"), Remote: ap("127.0.0.1:50000"),
				Role: event.RoleServer, Connected: true}},
		args: []event.Arg{fdArg("fd", 5), tupleArg("127.0.0.1:50000->127.0.0.1:80"), uintArg("queuepct", 75),
			uintArg("queuelen", 3), uintArg("queuemax", 4), netArg("flags", event.ArgInt, unix.SOCK_CLOEXEC)},
	}, {
		name: "accept failed",
		raw:  sockRecord(netVigilSock{Syscall: scAccept, Fd: 3, Ret: -11}, ""),
		typ:  event.TypeAccept,
		args: []event.Arg{fdArg("fd", -11), tupleArg(""), uintArg("queuepct", 0), uintArg("queuelen", 0), uintArg("queuemax", 0)},
	}, {
		name: "recvfrom ipv6 from user source",
		raw: sockRecord(netVigilSock{Syscall: scRecvfrom, Fd: 4, Ret: 5, Arg: 64, Family: unix.AF_INET6,
			Type: unix.SOCK_DGRAM, Protocol: unix.IPPROTO_UDP, Fdkind: fdKindSocket,
			Laddr: v6loop(), Lport: 53, UaddrFamily: unix.AF_INET6, Uaddr: v6loop(), Uport: 40001}, ""),
		typ: event.TypeRecvfrom,
		fd: &event.FD{Num: 4, Type: event.FDIPv6, Name: "::1:40001->::1:53",
			Sock: &event.Socket{Family: 10, Type: 2, Proto: 17, Local: ap("[::1]:53"), Remote: ap("[::1]:40001"),
				Role: event.RoleServer}},
		args: []event.Arg{netArg("res", event.ArgInt, 5), tupleArg("::1:40001->::1:53"), fdArg("fd", 4), uintArg("size", 64)},
	}, {
		name: "sendto unbound",
		raw: sockRecord(netVigilSock{Syscall: scSendto, Fd: 4, Ret: 3, Arg: 3, Family: unix.AF_INET,
			Type: unix.SOCK_DGRAM, Protocol: unix.IPPROTO_UDP, Fdkind: fdKindSocket,
			UaddrFamily: unix.AF_INET, Uaddr: v4(8, 8, 8, 8), Uport: 53}, ""),
		typ: event.TypeSendto,
		fd: &event.FD{Num: 4, Type: event.FDIPv4,
			Sock: &event.Socket{Family: 2, Type: 2, Proto: 17, Remote: ap("8.8.8.8:53"), Role: event.RoleClient}},
		args: []event.Arg{netArg("res", event.ArgInt, 3), fdArg("fd", 4), uintArg("size", 3), tupleArg("0.0.0.0:0->8.8.8.8:53")},
	}, {
		name: "bind unix abstract",
		raw: sockRecord(netVigilSock{Syscall: scBind, Fd: 3, Family: unix.AF_UNIX, Type: unix.SOCK_DGRAM,
			Fdkind: fdKindSocket, UaddrFamily: unix.AF_UNIX}, "\x00name\x00"),
		typ: event.TypeBind,
		fd: &event.FD{Num: 3, Type: event.FDUnix, Name: "@name",
			Sock: &event.Socket{Family: 1, Type: 2, Role: event.RoleServer, Path: "@name"}},
		args: []event.Arg{resArg(0), sockAddrArg("@name"), fdArg("fd", 3)},
	}, {
		name: "listen",
		raw: sockRecord(func() netVigilSock {
			r := tcp4
			r.Syscall, r.Fd, r.Arg, r.State, r.Lport = scListen, 3, 128, tcpListen, 8080
			return r
		}(), ""),
		typ: event.TypeListen,
		fd: &event.FD{Num: 3, Type: event.FDIPv4, Name: "0.0.0.0:8080", Dev: 8, Ino: 9,
			Sock: &event.Socket{Family: 2, Type: 1, Proto: 6, Local: ap("0.0.0.0:8080"), Role: event.RoleServer}},
		args: []event.Arg{resArg(0), fdArg("fd", 3), netArg("backlog", event.ArgInt, 128)},
	}, {
		name: "socket",
		raw: sockRecord(netVigilSock{Syscall: scSocket, Fd: -1, Ret: 3, Family: unix.AF_NETLINK, Type: unix.SOCK_RAW,
			Fdkind: fdKindSocket, Arg: unix.SOCK_RAW | unix.SOCK_CLOEXEC | 9<<32}, ""),
		typ: event.TypeSocket,
		fd:  &event.FD{Num: 3, Type: event.FDNetlink, Sock: &event.Socket{Family: 16, Type: 3}},
		args: []event.Arg{fdArg("fd", 3), netArg("domain", event.ArgSockFamily, unix.AF_NETLINK),
			netArg("type", event.ArgSockType, unix.SOCK_RAW|unix.SOCK_CLOEXEC), netArg("proto", event.ArgInt, 9)},
	}, {
		name: "dup2 server socket",
		raw: sockRecord(func() netVigilSock {
			r := tcp4
			r.Syscall, r.Fd, r.Ret, r.Arg, r.State = scDup2, 5, 0, 0, tcpEstablished
			r.Laddr, r.Lport, r.Raddr, r.Rport = v4(10, 0, 0, 1), 22, v4(10, 0, 0, 2), 45000
			return r
		}(), ""),
		typ: event.TypeDup2,
		fd: &event.FD{Num: 0, Type: event.FDIPv4, Name: "10.0.0.2:45000->10.0.0.1:22", Dev: 8, Ino: 9,
			Sock: &event.Socket{Family: 2, Type: 1, Proto: 6, Local: ap("10.0.0.1:22"), Remote: ap("10.0.0.2:45000"),
				Role: event.RoleServer, Connected: true}},
		args: []event.Arg{fdArg("res", 0), fdArg("oldfd", 5), fdArg("newfd", 0)},
	}, {
		name: "dup3 file",
		raw: sockRecord(netVigilSock{Syscall: scDup3, Fd: 3, Ret: 7, Arg: 7, Flags: unix.O_CLOEXEC, Fdkind: fdKindFile,
			Ino: 5, Dev: 6, I_mode: 0o100644, Task: processVigilTask{Flags: flagFDPath}}, "passwd\x00etc\x00"),
		typ: event.TypeDup3,
		fd:  &event.FD{Num: 7, Type: event.FDFile, Name: "/etc/passwd", Dev: 6, Ino: 5},
		args: []event.Arg{fdArg("res", 7), fdArg("oldfd", 3), fdArg("newfd", 7),
			netArg("flags", event.ArgInt, unix.O_CLOEXEC)},
	}, {
		name: "dup failed",
		raw:  sockRecord(netVigilSock{Syscall: scDup, Fd: 99, Ret: -9}, ""),
		typ:  event.TypeDup,
		fd:   &event.FD{Num: 99},
		args: []event.Arg{fdArg("res", -9), fdArg("oldfd", 99)},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			ev, err := d.Decode(tc.raw)
			if err != nil {
				t.Fatal(err)
			}
			if ev.Type != tc.typ || ev.Syscall == nil {
				t.Fatalf("got %s %+v", ev.Type, ev)
			}
			if !reflect.DeepEqual(ev.Syscall.FD, tc.fd) {
				t.Errorf("fd:\n got %+v %+v\nwant %+v %+v", ev.Syscall.FD, sockOf(ev.Syscall.FD), tc.fd, sockOf(tc.fd))
			}
			if !reflect.DeepEqual(ev.Syscall.Args, tc.args) {
				t.Errorf("args:\n got %+v\nwant %+v", ev.Syscall.Args, tc.args)
			}
		})
	}
}

func TestDecodeNetMalformed(t *testing.T) {
	d := testDecoder()
	full := sockRecord(netVigilSock{Syscall: scBind, Family: unix.AF_UNIX, Fdkind: fdKindSocket}, "/s\x00")
	for name, raw := range map[string][]byte{
		"header cut":  full[:sockSize-1],
		"path cut":    full[:len(full)-1],
		"no syscall":  full[:taskSize+2],
		"bad syscall": sockRecord(netVigilSock{Syscall: 999}, ""),
	} {
		if _, err := d.Decode(raw); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: err = %v, want ErrMalformed", name, err)
		}
	}
}

// FuzzDecodeNet: no record panics; a decoded one is a net event whose FD
// is nil only for a failed socket, accept or accept4.
func FuzzDecodeNet(f *testing.F) {
	f.Add(sockRecord(netVigilSock{Syscall: scConnect, Fd: 3, Family: unix.AF_INET, Fdkind: fdKindSocket, Rport: 80}, ""))
	f.Add(sockRecord(netVigilSock{Syscall: scBind, Fd: 3, Family: unix.AF_UNIX, Fdkind: fdKindSocket, UaddrFamily: 1}, "\x00ab"))
	f.Add(sockRecord(netVigilSock{Syscall: scDup, Fd: 3, Ret: 4, Fdkind: fdKindFile, Task: processVigilTask{Flags: flagFDPath}}, "a\x00"))
	f.Add(sockRecord(netVigilSock{Syscall: scAccept, Ret: -1}, ""))
	f.Add(sockRecord(netVigilSock{Syscall: scRecvmsg, Family: unix.AF_INET6, Fdkind: fdKindSocket, UaddrFamily: 10}, ""))
	d := testDecoder()
	f.Fuzz(func(t *testing.T, raw []byte) {
		ev, err := d.Decode(raw)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error %v does not wrap ErrMalformed", err)
			}
			return
		}
		if !ev.Type.IsNet() {
			return
		}
		failedNew := ev.Syscall.Res < 0 &&
			(ev.Type == event.TypeSocket || ev.Type == event.TypeAccept || ev.Type == event.TypeAccept4)
		if (ev.Syscall.FD == nil) != failedNew {
			t.Fatalf("%s res %d: fd %+v", ev.Type, ev.Syscall.Res, ev.Syscall.FD)
		}
	})
}
