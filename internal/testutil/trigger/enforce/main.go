// Command enforce is a test tool for internal/enforce/kernel: it performs
// one network operation or system call that an enforcement rule may deny
// or punish, and reports the outcome in its exit status. Built static
// (CGO_ENABLED=0) it also runs in busybox containers.
//
// Usage: enforce OP [ARG...]
//
//	connect tcp|udp IP:PORT         connect a socket (TCP: then write "hi")
//	sendto IP:PORT                  send one datagram from an unconnected UDP socket
//	bind tcp|udp IP:PORT            bind a socket
//	mkdir PATH                      mkdir(2) (not mkdirat, which unix.Mkdir calls)
//	creat PATH                      creat(2) (not openat: the Go runtime opens files at start)
//	noop                            getpid(2), then exit
//	connect-loop tcp|udp IP:PORT N  N connects (UDP: the same socket
//	                                reconnected; TCP: a new socket each,
//	                                a refused port is fine), prints ns/op
//
// Exit status: 0 success, 3 EPERM, 1 any other error, 2 usage.
package main

import (
	"errors"
	"fmt"
	"net/netip"
	"os"
	"strconv"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	err := run(os.Args[1], os.Args[2:])
	if err == nil {
		fmt.Println("ok")
		return
	}
	fmt.Fprintf(os.Stderr, "enforce %s: %v\n", os.Args[1], err)
	if errors.Is(err, unix.EPERM) {
		os.Exit(3)
	}
	os.Exit(1)
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: enforce OP [ARG...]")
	os.Exit(2)
}

func run(op string, args []string) error {
	switch op {
	case "connect", "bind":
		if len(args) != 2 {
			usage()
		}
		fd, sa, err := socket(args[0], args[1])
		if err != nil {
			return err
		}
		defer unix.Close(fd)
		if op == "bind" {
			return unix.Bind(fd, sa)
		}
		if err := unix.Connect(fd, sa); err != nil {
			return err
		}
		if args[0] == "tcp" {
			_, err = unix.Write(fd, []byte("hi"))
		}
		return err
	case "sendto":
		if len(args) != 1 {
			usage()
		}
		fd, sa, err := socket("udp", args[0])
		if err != nil {
			return err
		}
		defer unix.Close(fd)
		return unix.Sendto(fd, []byte("hi"), 0, sa)
	case "mkdir":
		if len(args) != 1 {
			usage()
		}
		// mkdir(2) itself: unix.Mkdir calls mkdirat
		p, err := unix.BytePtrFromString(args[0])
		if err != nil {
			return err
		}
		if _, _, errno := unix.Syscall(unix.SYS_MKDIR, uintptr(unsafe.Pointer(p)), 0o755, 0); errno != 0 {
			return errno
		}
		return nil
	case "creat":
		if len(args) != 1 {
			usage()
		}
		p, err := unix.BytePtrFromString(args[0])
		if err != nil {
			return err
		}
		fd, _, errno := unix.Syscall(unix.SYS_CREAT, uintptr(unsafe.Pointer(p)), 0o644, 0)
		if errno != 0 {
			return errno
		}
		return unix.Close(int(fd))
	case "noop":
		unix.Getpid()
		return nil
	case "connect-loop":
		if len(args) != 3 {
			usage()
		}
		n, err := strconv.Atoi(args[2])
		if err != nil || n <= 0 {
			usage()
		}
		return connectLoop(args[0], args[1], n)
	}
	usage()
	return nil
}

func socket(proto, addr string) (int, unix.Sockaddr, error) {
	ap, err := netip.ParseAddrPort(addr)
	if err != nil {
		return -1, nil, err
	}
	typ := unix.SOCK_STREAM
	if proto == "udp" {
		typ = unix.SOCK_DGRAM
	} else if proto != "tcp" {
		usage()
	}
	var sa unix.Sockaddr
	family := unix.AF_INET
	if ap.Addr().Is4() {
		sa = &unix.SockaddrInet4{Port: int(ap.Port()), Addr: ap.Addr().As4()}
	} else {
		family = unix.AF_INET6
		sa = &unix.SockaddrInet6{Port: int(ap.Port()), Addr: ap.Addr().As16()}
	}
	fd, err := unix.Socket(family, typ|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return -1, nil, err
	}
	return fd, sa, nil
}

func connectLoop(proto, addr string, n int) error {
	start := time.Now()
	if proto == "udp" {
		fd, sa, err := socket(proto, addr)
		if err != nil {
			return err
		}
		defer unix.Close(fd)
		start = time.Now()
		for i := 0; i < n; i++ {
			if err := unix.Connect(fd, sa); err != nil {
				return err
			}
		}
	} else {
		for i := 0; i < n; i++ {
			fd, sa, err := socket(proto, addr)
			if err != nil {
				return err
			}
			err = unix.Connect(fd, sa)
			unix.Close(fd)
			if err != nil && !errors.Is(err, unix.ECONNREFUSED) {
				return err
			}
		}
	}
	fmt.Printf("%d ns/op\n", time.Since(start).Nanoseconds()/int64(n))
	return nil
}
