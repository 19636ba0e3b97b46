package fields

import (
	"net/netip"

	"github.com/vigil-sec/vigil/internal/event"
)

// This file adds the socket fields of Falco's fd class
// (sinsp_filter_check_fd: fd.sip, fd.cport, fd.l4proto, fd.net...) for
// the socket and descriptor calls (socket .. dup3), whose
// event.Syscall.FD.Sock describes the socket after the call.
//
// Falco names the ends of a connection client and server; event.Socket
// says which end the acting process is (Role): connect, sendto and
// sendmsg make it the client, accept, bind, listen, recvfrom and recvmsg
// the server. Local is the process's end, Remote the peer. With an
// unknown role (a socket just created) the client and server fields are
// <NA>, the local and remote ones are not.

// Address families.
const (
	afUnix  = 1
	afInet  = 2
	afInet6 = 10
)

// eventSock returns the socket the event is about; nil when none.
func eventSock(ev *event.Event) *event.Socket {
	fd := eventFD(ev)
	if fd == nil {
		return nil
	}
	return fd.Sock
}

// ipSock returns the event's socket when it is an IPv4 or IPv6 one.
func ipSock(ev *event.Event) *event.Socket {
	s := eventSock(ev)
	if s == nil || (s.Family != afInet && s.Family != afInet6) {
		return nil
	}
	return s
}

// sockEnd selects one end of a connection.
type sockEnd uint8

const (
	endClient sockEnd = iota
	endServer
	endLocal
	endRemote
)

// endpoint returns the address of one end of the event's IP socket.
func endpoint(ev *event.Event, end sockEnd) (netip.AddrPort, bool) {
	s := ipSock(ev)
	if s == nil {
		return netip.AddrPort{}, false
	}
	var ap netip.AddrPort
	switch end {
	case endLocal:
		ap = s.Local
	case endRemote:
		ap = s.Remote
	case endClient, endServer:
		switch {
		case s.Role == event.RoleClient && end == endClient, s.Role == event.RoleServer && end == endServer:
			ap = s.Local
		case s.Role == event.RoleClient, s.Role == event.RoleServer:
			ap = s.Remote
		default:
			return netip.AddrPort{}, false
		}
	}
	if !ap.IsValid() {
		return netip.AddrPort{}, false
	}
	return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port()), true
}

// addrCache formats an address, remembering the last one.
type addrCache struct {
	a     netip.Addr
	s     string
	valid bool
}

func (c *addrCache) get(a netip.Addr) string {
	if !c.valid || c.a != a {
		c.a, c.s, c.valid = a, a.String(), true
	}
	return c.s
}

// bothEnds lists the client and server ends (local and remote when the
// role is unknown), for fd.ip, fd.net and fd.port.
func bothEnds(ev *event.Event) (a, b netip.AddrPort, ok bool) {
	s := ipSock(ev)
	if s == nil {
		return a, b, false
	}
	a, b = s.Local, s.Remote
	return netip.AddrPortFrom(a.Addr().Unmap(), a.Port()), netip.AddrPortFrom(b.Addr().Unmap(), b.Port()), true
}

// l4proto is Falco's fd.l4proto of an IP socket.
func l4proto(s *event.Socket) (string, bool) {
	switch s.Proto {
	case 6:
		return "tcp", true
	case 17:
		return "udp", true
	case 1, 58:
		return "icmp", true
	}
	switch s.Type {
	case 1:
		return "tcp", true
	case 2:
		return "udp", true
	case 3:
		return "raw", true
	}
	return "", false
}

func (c *Catalog) addSockFields() {
	ends := []struct {
		prefix, what string
		end          sockEnd
	}{
		{"c", "client", endClient},
		{"s", "server", endServer},
		{"l", "local", endLocal},
		{"r", "remote", endRemote},
	}
	for _, e := range ends {
		end := e.end
		var ipc, netc addrCache
		c.add(spec{name: "fd." + e.prefix + "ip", kind: KindIP,
			desc: "The " + e.what + " IP address of an IPv4 or IPv6 socket (IPv4-mapped IPv6 addresses shown as IPv4); <NA> for other descriptors" + roleNote(end) + ".",
			acc: Accessor{Str: func(ev *event.Event) (string, bool) {
				ap, ok := endpoint(ev, end)
				if !ok {
					return "", false
				}
				return ipc.get(ap.Addr()), true
			}}})
		c.add(spec{name: "fd." + e.prefix + "port", kind: KindUint, falcoType: "PORT",
			desc: "The " + e.what + " port of an IPv4 or IPv6 socket; <NA> for other descriptors" + roleNote(end) + ".",
			acc: Accessor{Uint: func(ev *event.Event) (uint64, bool) {
				ap, ok := endpoint(ev, end)
				return uint64(ap.Port()), ok
			}}})
		c.add(spec{name: "fd." + e.prefix + "net", kind: KindIPNet,
			desc: "The " + e.what + " IP address, for matching against networks: fd." + e.prefix + "net = \"10.0.0.0/8\" and fd." + e.prefix + "net in (rfc_1918_addresses) test whether the address is in the network(s).",
			acc: Accessor{Str: func(ev *event.Event) (string, bool) {
				ap, ok := endpoint(ev, end)
				if !ok {
					return "", false
				}
				return netc.get(ap.Addr()), true
			}}})
		c.add(spec{name: "fd." + e.prefix + "ip.name", kind: KindString,
			desc: "The domain name of the " + e.what + " IP address. Always <NA>: Vigil keeps no DNS cache (the field is accepted so that rules using it load; a comparison with it never matches).",
			acc:  Accessor{Str: func(*event.Event) (string, bool) { return "", false }}})
	}
	for _, e := range []struct{ name, desc string }{
		{"fd.proto", "Matches the client or the server protocol name of the socket's port (from /etc/services)."},
		{"fd.cproto", "The protocol name of the client port (from /etc/services)."},
		{"fd.sproto", "The protocol name of the server port (from /etc/services)."},
		{"fd.lproto", "The protocol name of the local port (from /etc/services)."},
		{"fd.rproto", "The protocol name of the remote port (from /etc/services)."},
	} {
		c.add(spec{name: e.name, kind: KindString, desc: e.desc, unavailable: "port protocol names (/etc/services) are not resolved yet"})
	}

	var ipa, ipb addrCache
	either := func(ev *event.Event, dst []string) ([]string, bool) {
		a, b, ok := bothEnds(ev)
		dst = dst[:0]
		if !ok {
			return dst, false
		}
		if a.IsValid() {
			dst = append(dst, ipa.get(a.Addr()))
		}
		if b.IsValid() {
			dst = append(dst, ipb.get(b.Addr()))
		}
		return dst, len(dst) > 0
	}
	c.add(spec{name: "fd.ip", kind: KindIP,
		desc: "Matches the client or the server IP address of an IPv4 or IPv6 socket (filters only): fd.ip = 10.0.0.1 is true when either end has the address, fd.ip != 0.0.0.0 when neither has it.",
		acc:  Accessor{Strs: either}})
	c.add(spec{name: "fd.net", kind: KindIPNet,
		desc: "Matches the client or the server IP address against networks (filters only): fd.net = \"127.0.0.0/8\" is true when either end is in the network, fd.net != \"127.0.0.0/8\" when neither is.",
		acc:  Accessor{Strs: either}})
	var pa, pb numCache
	c.add(spec{name: "fd.port", kind: KindStrings, falcoType: "PORT",
		desc: "Matches the client or the server port of an IPv4 or IPv6 socket (filters only): fd.port = 22 or fd.port in (80, 443) test either end. Vigil compares the ports as decimal text, so only =, != and in apply.",
		acc: Accessor{Strs: func(ev *event.Event, dst []string) ([]string, bool) {
			a, b, ok := bothEnds(ev)
			dst = dst[:0]
			if !ok {
				return dst, false
			}
			if a.IsValid() {
				dst = append(dst, pa.itoa(int64(a.Port())))
			}
			if b.IsValid() {
				dst = append(dst, pb.itoa(int64(b.Port())))
			}
			return dst, len(dst) > 0
		}}})

	c.add(spec{name: "fd.l4proto", kind: KindString,
		desc: "The IP protocol of an IPv4 or IPv6 socket: tcp, udp, icmp or raw; <NA> for other descriptors.",
		acc: Accessor{Str: func(ev *event.Event) (string, bool) {
			s := ipSock(ev)
			if s == nil {
				return "", false
			}
			return l4proto(s)
		}}})
	c.add(spec{name: "fd.sockfamily", kind: KindString,
		desc: "The socket family: ip for IPv4 and IPv6 sockets, unix for unix sockets; <NA> for other descriptors (netlink and other sockets included).",
		acc: Accessor{Str: func(ev *event.Event) (string, bool) {
			s := eventSock(ev)
			switch {
			case s == nil:
				return "", false
			case s.Family == afInet || s.Family == afInet6:
				return "ip", true
			case s.Family == afUnix:
				return "unix", true
			}
			return "", false
		}}})
	c.add(spec{name: "fd.is_server", kind: KindBool,
		desc: "'true' when the process is the server end of the IPv4 or IPv6 socket (accept, bind, listen, recvfrom, recvmsg; for dup, the end whose port is not ephemeral); <NA> for other descriptors.",
		acc: Accessor{Bool: func(ev *event.Event) (bool, bool) {
			s := ipSock(ev)
			if s == nil {
				return false, false
			}
			return s.Role == event.RoleServer, true
		}}})
	c.add(spec{name: "fd.connected", kind: KindBool,
		desc: "For a socket, 'true' when it has a peer (an established TCP connection, a connected datagram socket); <NA> for other descriptors.",
		acc: Accessor{Bool: func(ev *event.Event) (bool, bool) {
			s := eventSock(ev)
			if s == nil {
				return false, false
			}
			return s.Connected, true
		}}})
	c.add(spec{name: "fd.name_changed", kind: KindBool,
		desc: "'true' when the event gave its descriptor a name it did not have (a datagram socket's new destination); 'false' for other descriptors; <NA> for events without one.",
		acc: Accessor{Bool: func(ev *event.Event) (bool, bool) {
			fd := eventFD(ev)
			if fd == nil {
				return false, false
			}
			return fd.Sock != nil && fd.Sock.NameChanged, true
		}}})
}

// roleNote qualifies the client and server fields.
func roleNote(end sockEnd) string {
	if end == endClient || end == endServer {
		return ", and when the process's role is unknown (a socket just created)"
	}
	return ""
}
