package kernel

import (
	"fmt"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"
)

// netOps runs socket and descriptor system calls for the tests (helper
// mode "netops"), one per argument, and prints each result (fd, byte
// count, port or -errno) on its own line of the original stdout, kept on a
// high descriptor so that dup2 onto fd 1 does not swallow the results. An
// operation is "|"-separated:
//
//	socket|DOMAIN|TYPE|PROTO
//	bind|$N|ADDR
//	listen|$N|BACKLOG
//	connect|$N|ADDR
//	accept|$N                     accept(2); accept4|$N|FLAGS
//	port|$N                       getsockname's port (no event)
//	sendto|$N|ADDR|DATA
//	sendmsg|$N|ADDR|DATA
//	recvfrom|$N                   into a 64-byte buffer, with src_addr
//	recvmsg|$N                    into a 64-byte buffer, with msg_name
//	open|PATH                     O_RDONLY
//	dup|$N                        dup(2); dup2|$N|NEWFD; dup3|$N|NEWFD|FLAGS
//	close|$N
//
// ADDR is IP:PORT (IPv6 unbracketed: ::1:80; PORT may be $N, the result
// of operation N) or unix:PATH (unix:@NAME for an abstract name). $N is
// the result of operation N; numbers take Go's prefixes.
func netOps(ops []string) int {
	out, err := unix.FcntlInt(1, unix.F_DUPFD_CLOEXEC, 100)
	if err != nil {
		fmt.Fprintln(os.Stderr, "fcntl:", err)
		return 1
	}
	w := os.NewFile(uintptr(out), "results")
	var results []int64
	num := func(s string) int64 {
		if strings.HasPrefix(s, "$") {
			i, err := strconv.Atoi(s[1:])
			if err != nil || i >= len(results) {
				panic(fmt.Sprintf("bad reference %q", s))
			}
			return results[i]
		}
		v, err := strconv.ParseInt(s, 0, 64)
		if err != nil {
			panic(fmt.Sprintf("bad number %q", s))
		}
		return v
	}
	for _, op := range ops {
		f := strings.Split(op, "|")
		var r int64
		switch f[0] {
		case "socket":
			r = result(unix.Syscall(unix.SYS_SOCKET, uintptr(num(f[1])), uintptr(num(f[2])), uintptr(num(f[3]))))
		case "bind", "connect":
			sa := sockaddrOf(f[2], num)
			nr := uintptr(unix.SYS_BIND)
			if f[0] == "connect" {
				nr = unix.SYS_CONNECT
			}
			r = result(unix.Syscall(nr, uintptr(num(f[1])), uintptr(unsafe.Pointer(&sa[0])), uintptr(len(sa))))
		case "listen":
			r = result(unix.Syscall(unix.SYS_LISTEN, uintptr(num(f[1])), uintptr(num(f[2])), 0))
		case "accept":
			r = result(unix.Syscall(unix.SYS_ACCEPT, uintptr(num(f[1])), 0, 0))
		case "accept4":
			r = result(unix.Syscall6(unix.SYS_ACCEPT4, uintptr(num(f[1])), 0, 0, uintptr(num(f[2])), 0, 0))
		case "port":
			sa, err := unix.Getsockname(int(num(f[1])))
			switch sa := sa.(type) {
			case *unix.SockaddrInet4:
				r = int64(sa.Port)
			case *unix.SockaddrInet6:
				r = int64(sa.Port)
			default:
				panic(fmt.Sprintf("getsockname: %v %v", sa, err))
			}
		case "sendto":
			sa := sockaddrOf(f[2], num)
			data := []byte(f[3])
			r = result(unix.Syscall6(unix.SYS_SENDTO, uintptr(num(f[1])), uintptr(unsafe.Pointer(&data[0])), uintptr(len(data)),
				0, uintptr(unsafe.Pointer(&sa[0])), uintptr(len(sa))))
		case "sendmsg":
			sa := sockaddrOf(f[2], num)
			data := []byte(f[3])
			iov := unix.Iovec{Base: &data[0]}
			iov.SetLen(len(data))
			msg := unix.Msghdr{Name: &sa[0], Namelen: uint32(len(sa)), Iov: &iov, Iovlen: 1}
			r = result(unix.Syscall(unix.SYS_SENDMSG, uintptr(num(f[1])), uintptr(unsafe.Pointer(&msg)), 0))
		case "recvfrom":
			var buf [64]byte
			var from [128]byte
			fromLen := uint32(len(from))
			r = result(unix.Syscall6(unix.SYS_RECVFROM, uintptr(num(f[1])), uintptr(unsafe.Pointer(&buf[0])), uintptr(len(buf)),
				0, uintptr(unsafe.Pointer(&from[0])), uintptr(unsafe.Pointer(&fromLen))))
		case "recvmsg":
			var buf [64]byte
			var from [128]byte
			iov := unix.Iovec{Base: &buf[0]}
			iov.SetLen(len(buf))
			msg := unix.Msghdr{Name: &from[0], Namelen: uint32(len(from)), Iov: &iov, Iovlen: 1}
			r = result(unix.Syscall(unix.SYS_RECVMSG, uintptr(num(f[1])), uintptr(unsafe.Pointer(&msg)), 0))
		case "open":
			cwd := unix.AT_FDCWD
			p, _ := unix.BytePtrFromString(f[1])
			r = result(unix.Syscall6(unix.SYS_OPENAT, uintptr(cwd), uintptr(unsafe.Pointer(p)), unix.O_RDONLY, 0, 0, 0))
		case "dup":
			r = result(unix.Syscall(unix.SYS_DUP, uintptr(num(f[1])), 0, 0))
		case "dup2":
			r = result(unix.Syscall(unix.SYS_DUP2, uintptr(num(f[1])), uintptr(num(f[2])), 0))
		case "dup3":
			r = result(unix.Syscall(unix.SYS_DUP3, uintptr(num(f[1])), uintptr(num(f[2])), uintptr(num(f[3]))))
		case "close":
			r = result(unix.Syscall(unix.SYS_CLOSE, uintptr(num(f[1])), 0, 0))
		default:
			fmt.Fprintln(os.Stderr, "unknown operation", op)
			return 2
		}
		results = append(results, r)
		fmt.Fprintln(w, r)
	}
	return 0
}

// sockaddrOf encodes ADDR (see netOps) as the kernel's struct sockaddr.
func sockaddrOf(s string, num func(string) int64) []byte {
	if path, ok := strings.CutPrefix(s, "unix:"); ok {
		b := make([]byte, 2+len(path))
		*(*uint16)(unsafe.Pointer(&b[0])) = unix.AF_UNIX
		copy(b[2:], path)
		if path != "" && path[0] == '@' {
			b[2] = 0 // abstract: no terminating NUL
			return b
		}
		return append(b, 0)
	}
	i := strings.LastIndexByte(s, ':')
	ip := netip.MustParseAddr(s[:i])
	port := uint16(num(s[i+1:]))
	if ip.Is4() {
		sa := unix.RawSockaddrInet4{Family: unix.AF_INET, Addr: ip.As4()}
		sa.Port = port>>8 | port<<8
		return unsafe.Slice((*byte)(unsafe.Pointer(&sa)), unsafe.Sizeof(sa))
	}
	sa := unix.RawSockaddrInet6{Family: unix.AF_INET6, Addr: ip.As16()}
	sa.Port = port>>8 | port<<8
	return unsafe.Slice((*byte)(unsafe.Pointer(&sa)), unsafe.Sizeof(sa))
}

// runNetOps runs netOps in a helper process (in dir) and returns its pid
// and results.
func runNetOps(t *testing.T, dir string, ops ...string) (int, []int64) {
	t.Helper()
	cmd := helperCmd("netops", ops...)
	cmd.Dir = dir
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("netops helper: %v: %s", err, stderr.String())
	}
	var res []int64
	for _, l := range strings.Fields(string(out)) {
		v, err := strconv.ParseInt(l, 10, 64)
		if err != nil {
			t.Fatalf("netops output %q: %v", out, err)
		}
		res = append(res, v)
	}
	if len(res) != len(ops) {
		t.Fatalf("netops: %d results for %d operations: %v", len(res), len(ops), res)
	}
	return cmd.Process.Pid, res
}
