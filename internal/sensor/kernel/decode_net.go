package kernel

import (
	"net/netip"
	"strconv"
	"strings"
	"unsafe"

	"github.com/vigil-sec/vigil/internal/event"
)

// sockSize is the fixed part of a socket and descriptor record.
const sockSize = int(unsafe.Sizeof(netVigilSock{}))

// Socket and descriptor system calls (bpf/net.bpf.c).
const (
	scSocket   = uint32(processVigilSyscallVIGIL_SC_SOCKET)
	scConnect  = uint32(processVigilSyscallVIGIL_SC_CONNECT)
	scAccept   = uint32(processVigilSyscallVIGIL_SC_ACCEPT)
	scAccept4  = uint32(processVigilSyscallVIGIL_SC_ACCEPT4)
	scBind     = uint32(processVigilSyscallVIGIL_SC_BIND)
	scListen   = uint32(processVigilSyscallVIGIL_SC_LISTEN)
	scSendto   = uint32(processVigilSyscallVIGIL_SC_SENDTO)
	scSendmsg  = uint32(processVigilSyscallVIGIL_SC_SENDMSG)
	scRecvfrom = uint32(processVigilSyscallVIGIL_SC_RECVFROM)
	scRecvmsg  = uint32(processVigilSyscallVIGIL_SC_RECVMSG)
	scDup      = uint32(processVigilSyscallVIGIL_SC_DUP)
	scDup2     = uint32(processVigilSyscallVIGIL_SC_DUP2)
	scDup3     = uint32(processVigilSyscallVIGIL_SC_DUP3)
)

// Values of the kernel's ABI the net records carry.
const (
	afUnix    = 1
	afInet    = 2
	afInet6   = 10
	afNetlink = 16

	sockTypeMask   = 0xf // SOCK_TYPE_MASK: SOCK_* without SOCK_NONBLOCK|SOCK_CLOEXEC
	tcpEstablished = 1   // TCP_ESTABLISHED, also a connected datagram or unix socket
	tcpListen      = 10  // TCP_LISTEN

	sIFIFO = 0o010000

	// struct vigil_sock's fdkind.
	fdKindSocket = 1
	fdKindFile   = 2

	// The kernel's default ip_local_port_range: the ephemeral ports the
	// dup family's role guess takes for the client's.
	ephemeralLow  = 32768
	ephemeralHigh = 60999
)

// decodeNet decodes a socket or descriptor record (struct vigil_sock).
//
// Provenance: the result, the descriptor's inode, the socket's family,
// type, protocol, state, local and remote endpoints, the accept queue and
// a bound or connected unix socket's path come from the kernel after the
// call. The address the caller passed or received (connect's and bind's
// addr argument, sendto/sendmsg's destination, recvfrom/recvmsg's source),
// a unix path the kernel does not hold (path_user) and sendmsg/recvmsg's
// size were read from the caller's memory at exit: a racing thread could
// have changed them. That address fills Sock.Remote only when the kernel
// has no peer (an unconnected datagram socket, a failed connect).
func (d *Decoder) decodeNet(raw []byte, typ event.Type) (*event.Event, error) {
	if len(raw) < sockSize {
		return nil, malformed("sock record of %d bytes, want at least %d", len(raw), sockSize)
	}
	r := record[netVigilSock](raw)
	data := raw[sockSize:]
	if int(r.PathLen) > len(data) {
		return nil, malformed("sock record: path needs %d bytes, %d present", r.PathLen, len(data))
	}
	section := string(data[:r.PathLen])

	a := new(netAlloc)
	ev := &a.ev
	d.fillTask(ev, (*processVigilTask)(unsafe.Pointer(&r.Task)), typ)

	fd := a.describe(r, typ, section)
	var tuple string
	if fd != nil && fd.Sock != nil {
		tuple = sockTuple(fd.Sock, typ)
	}
	addr := userAddr(r, section)

	res := event.Arg{Name: "res", Kind: event.ArgErrno, Num: r.Ret}
	fdArg := event.Arg{Name: "fd", Kind: event.ArgFD, Num: int64(r.Fd)}
	tupleArg := event.Arg{Name: "tuple", Kind: event.ArgTuple, Str: tuple}
	addrArg := event.Arg{Name: "addr", Kind: event.ArgSockAddr, Str: addr}
	size := event.Arg{Name: "size", Kind: event.ArgUint, Num: int64(r.Arg)}
	flags := event.Arg{Name: "flags", Kind: event.ArgInt, Num: int64(int32(r.Flags))}
	// Falco's exit-event parameters, in its order (the contract of
	// docs/dev/issue4-contract.md).
	args := a.args[:0:len(a.args)]
	switch typ {
	case event.TypeSocket:
		args = append(args,
			event.Arg{Name: "fd", Kind: event.ArgFD, Num: r.Ret},
			event.Arg{Name: "domain", Kind: event.ArgSockFamily, Num: int64(r.Family)},
			event.Arg{Name: "type", Kind: event.ArgSockType, Num: int64(uint32(r.Arg))},
			event.Arg{Name: "proto", Kind: event.ArgInt, Num: int64(int32(r.Arg >> 32))})
	case event.TypeConnect:
		args = append(args, res, tupleArg, fdArg, addrArg)
	case event.TypeAccept, event.TypeAccept4:
		qlen, qmax := r.Arg>>32, r.Arg&0xffffffff
		var pct uint64
		if qmax > 0 {
			pct = qlen * 100 / qmax
		}
		args = append(args,
			event.Arg{Name: "fd", Kind: event.ArgFD, Num: r.Ret},
			tupleArg,
			event.Arg{Name: "queuepct", Kind: event.ArgUint, Num: int64(pct)},
			event.Arg{Name: "queuelen", Kind: event.ArgUint, Num: int64(qlen)},
			event.Arg{Name: "queuemax", Kind: event.ArgUint, Num: int64(qmax)})
		if typ == event.TypeAccept4 {
			args = append(args, flags)
		}
	case event.TypeBind:
		args = append(args, res, addrArg, fdArg)
	case event.TypeListen:
		args = append(args, res, fdArg,
			event.Arg{Name: "backlog", Kind: event.ArgInt, Num: int64(int32(r.Arg))})
	case event.TypeSendto, event.TypeSendmsg:
		res.Kind = event.ArgInt
		args = append(args, res, fdArg, size, tupleArg)
	case event.TypeRecvfrom, event.TypeRecvmsg:
		res.Kind = event.ArgInt
		args = append(args, res, tupleArg, fdArg, size)
	default: // dup, dup2, dup3
		res.Kind = event.ArgFD
		fdArg.Name = "oldfd"
		args = append(args, res, fdArg)
		if typ != event.TypeDup {
			args = append(args, event.Arg{Name: "newfd", Kind: event.ArgFD, Num: int64(int32(r.Arg))})
		}
		if typ == event.TypeDup3 {
			args = append(args, flags)
		}
	}
	a.sc = event.Syscall{Res: r.Ret, Args: args, FD: fd}
	ev.Syscall = &a.sc
	return ev, nil
}

// netAlloc holds a socket or descriptor event and its details, allocated
// at once.
type netAlloc struct {
	ev   event.Event
	sc   event.Syscall
	fd   event.FD
	sock event.Socket
	args [6]event.Arg // the most any of these calls has (accept4)
}

// describe builds the event's FD from the record, or returns nil when the
// call created no descriptor (socket, accept and accept4 failing).
func (a *netAlloc) describe(r *netVigilSock, typ event.Type, section string) *event.FD {
	fd := &a.fd
	switch typ {
	case event.TypeSocket, event.TypeAccept, event.TypeAccept4:
		if r.Ret < 0 {
			return nil
		}
		fd.Num = r.Ret
	case event.TypeDup, event.TypeDup2, event.TypeDup3:
		fd.Num = int64(r.Fd)
		if r.Ret >= 0 {
			fd.Num = r.Ret
		}
	default:
		fd.Num = int64(r.Fd)
	}
	switch r.Fdkind {
	case fdKindFile:
		fd.Dev, fd.Ino = r.Dev, r.Ino
		fd.Type = event.FDFile
		f := r.Task.Flags
		if f&flagFDPath != 0 {
			fd.Name = joinPath(section, f&flagPathTrunc != 0)
		}
		fd.Type = fileFDType(r.I_mode, f&flagPathPseudo != 0, fd.Name)
		return fd
	case fdKindSocket:
	default:
		return fd // no descriptor behind the number (EBADF, or closed since)
	}
	fd.Dev, fd.Ino = r.Dev, r.Ino
	s := &a.sock
	fd.Sock = s
	s.Family = r.Family
	s.Type = r.Type & sockTypeMask
	s.Proto = r.Protocol
	s.Connected = r.State == tcpEstablished
	s.Role = sockRole(typ)
	switch r.Family {
	case afInet, afInet6:
		fd.Type = event.FDIPv4
		if r.Family == afInet6 {
			fd.Type = event.FDIPv6
		}
		local := ipAddr(r.Family, r.Laddr)
		if r.Lport != 0 || !local.IsUnspecified() {
			s.Local = netip.AddrPortFrom(local, r.Lport)
		}
		if r.Rport != 0 {
			s.Remote = netip.AddrPortFrom(ipAddr(r.Family, r.Raddr), r.Rport)
		} else if peerAddr(typ) && (r.UaddrFamily == afInet || r.UaddrFamily == afInet6) {
			s.Remote = netip.AddrPortFrom(ipAddr(r.UaddrFamily, r.Uaddr), r.Uport)
		}
		if s.Role == event.RoleUnknown {
			s.Role = guessRole(s, r.State)
		}
		fd.Name = endpointName(s)
	case afUnix:
		fd.Type = event.FDUnix
		s.Path = unixPath(section)
		fd.Name = s.Path
	case afNetlink:
		fd.Type = event.FDNetlink
	default:
		fd.Type = event.FDUnknown
	}
	return fd
}

// peerAddr says whether the address a call passes or receives is the
// peer's (connect's, the send calls' destination, the receive calls'
// source), as bind's is not.
func peerAddr(typ event.Type) bool {
	switch typ {
	case event.TypeConnect, event.TypeSendto, event.TypeSendmsg, event.TypeRecvfrom, event.TypeRecvmsg:
		return true
	}
	return false
}

// sockRole is the acting process's end for a call (the contract's Role).
func sockRole(typ event.Type) event.SockRole {
	switch typ {
	case event.TypeConnect, event.TypeSendto, event.TypeSendmsg:
		return event.RoleClient
	case event.TypeAccept, event.TypeAccept4, event.TypeBind, event.TypeListen,
		event.TypeRecvfrom, event.TypeRecvmsg:
		return event.RoleServer
	}
	return event.RoleUnknown
}

// guessRole guesses the end of an IP socket the process holds when the
// call does not say (dup family): a listening socket is a server; with both
// ends known, the end whose port is ephemeral is the client, else the
// lower port is the server's.
func guessRole(s *event.Socket, state uint8) event.SockRole {
	if state == tcpListen {
		return event.RoleServer
	}
	if !s.Local.IsValid() || !s.Remote.IsValid() {
		return event.RoleUnknown
	}
	lp, rp := s.Local.Port(), s.Remote.Port()
	switch {
	case ephemeral(lp) && !ephemeral(rp):
		return event.RoleClient
	case ephemeral(rp) && !ephemeral(lp):
		return event.RoleServer
	case lp < rp:
		return event.RoleServer
	}
	return event.RoleClient
}

func ephemeral(port uint16) bool { return port >= ephemeralLow && port <= ephemeralHigh }

// ipAddr reads an address of family (AF_INET: the first 4 bytes),
// unmapping IPv4-mapped IPv6 addresses.
func ipAddr(family uint16, b [16]uint8) netip.Addr {
	if family == afInet {
		return netip.AddrFrom4([4]byte(b[:4]))
	}
	return netip.AddrFrom16(b).Unmap()
}

// endpointName is Falco's fd.name of an IP socket: client -> server with
// both ends known, the local end alone, else "".
func endpointName(s *event.Socket) string {
	switch {
	case s.Local.IsValid() && s.Remote.IsValid():
		if s.Role == event.RoleServer {
			return ipPort(s.Remote) + "->" + ipPort(s.Local)
		}
		return ipPort(s.Local) + "->" + ipPort(s.Remote)
	case s.Local.IsValid():
		return ipPort(s.Local)
	}
	return ""
}

// sockTuple renders the tuple argument as Falco does: the acting side
// first for connect and the send calls (local->remote), the peer first
// for accept and the receive calls (remote->local); a missing end is the
// family's zero address. A unix socket's tuple is its path; other
// families have none.
func sockTuple(s *event.Socket, typ event.Type) string {
	switch s.Family {
	case afUnix:
		return s.Path
	case afInet, afInet6:
	default:
		return ""
	}
	zero := netip.IPv4Unspecified()
	if s.Family == afInet6 {
		zero = netip.IPv6Unspecified()
	}
	end := func(ap netip.AddrPort) string {
		if !ap.IsValid() {
			return ipPort(netip.AddrPortFrom(zero, 0))
		}
		return ipPort(ap)
	}
	if sockRole(typ) == event.RoleServer {
		return end(s.Remote) + "->" + end(s.Local)
	}
	return end(s.Local) + "->" + end(s.Remote)
}

// userAddr renders the address the caller passed or received (the addr
// argument): ip:port (IPv6 unbracketed, as Falco prints it) or a unix
// path; "" when there is none.
func userAddr(r *netVigilSock, section string) string {
	switch r.UaddrFamily {
	case afInet, afInet6:
		return ipPort(netip.AddrPortFrom(ipAddr(r.UaddrFamily, r.Uaddr), r.Uport))
	case afUnix:
		if r.Family == afUnix || r.PathUser != 0 {
			return unixPath(section)
		}
	}
	return ""
}

// ipPort renders ip:port without brackets around IPv6 addresses.
func ipPort(ap netip.AddrPort) string {
	return ap.Addr().String() + ":" + strconv.Itoa(int(ap.Port()))
}

// unixPath renders a sun_path section: up to its first NUL, or for an
// abstract name (a leading NUL) '@' and the name up to the next NUL.
func unixPath(section string) string {
	if section == "" {
		return ""
	}
	if section[0] == 0 {
		name := section[1:]
		if i := strings.IndexByte(name, 0); i >= 0 {
			name = name[:i]
		}
		return "@" + name
	}
	if i := strings.IndexByte(section, 0); i >= 0 {
		return section[:i]
	}
	return section
}

// fileFDType is the type of a descriptor that is not a socket, as the open
// family decides it, plus pipes and the anonymous-inode kinds.
func fileFDType(mode uint32, pseudo bool, name string) event.FDType {
	switch {
	case mode&sIFMT == sIFDIR:
		return event.FDDirectory
	case mode&sIFMT == sIFIFO:
		return event.FDPipe
	case pseudo && strings.HasPrefix(name, "/memfd:"):
		return event.FDMemfd
	case pseudo:
		switch strings.TrimPrefix(name, "/") {
		case "[eventfd]":
			return event.FDEvent
		case "[signalfd]":
			return event.FDSignal
		case "[eventpoll]":
			return event.FDEventPoll
		case "inotify":
			return event.FDInotify
		case "[timerfd]":
			return event.FDTimer
		}
	}
	return event.FDFile
}
