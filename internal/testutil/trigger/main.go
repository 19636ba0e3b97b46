// Command trigger performs, for real, the actions that detection rules
// describe, so that end-to-end tests can assert the alerts. Tests build it
// and often copy it under another name (nginx, sshd, ssh) because rules
// look at the process name. It is a test tool, not part of the agent.
//
// Usage: trigger OP [ARG...]
//
//	memfd-exec BIN [ARG...]  copy BIN into a memfd and execveat it
//	ptrace-attach            start a child, PTRACE_ATTACH to it, detach, kill it
//	ptrace-traceme           PTRACE_TRACEME
//	sleep-open SECONDS PATH  wait, then open PATH read-only
//	spawn [-uid N] CMD...    run CMD as a child (optionally as user N) and wait
//	netns-connect IP:PORT    in a new network namespace, put IP on lo, listen on
//	                         IP:PORT and connect to it over TCP
//	dup-socket               connect a TCP socket over loopback and dup2 it onto
//	                         stdout (a reverse shell's first step)
//	packet-socket            open an AF_PACKET socket
//	mprotect-rwx             map a page and make it writable and executable
package main

import (
	"errors"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: trigger OP [ARG...]")
		os.Exit(2)
	}
	if err := run(os.Args[1], os.Args[2:]); err != nil {
		fmt.Fprintf(os.Stderr, "trigger %s: %v\n", os.Args[1], err)
		os.Exit(1)
	}
}

func run(op string, args []string) error {
	switch op {
	case "memfd-exec":
		if len(args) < 1 {
			return errors.New("want BIN [ARG...]")
		}
		return memfdExec(args[0], args)
	case "ptrace-attach":
		return ptraceAttach()
	case "ptrace-traceme":
		_, _, errno := unix.RawSyscall(unix.SYS_PTRACE, unix.PTRACE_TRACEME, 0, 0)
		if errno != 0 {
			return fmt.Errorf("PTRACE_TRACEME: %w", errno)
		}
		return nil
	case "sleep-open":
		if len(args) != 2 {
			return errors.New("want SECONDS PATH")
		}
		secs, err := strconv.ParseFloat(args[0], 64)
		if err != nil {
			return err
		}
		time.Sleep(time.Duration(secs * float64(time.Second)))
		f, err := os.Open(args[1])
		if err != nil {
			return err
		}
		return f.Close()
	case "spawn":
		return spawn(args)
	case "netns-connect":
		if len(args) != 1 {
			return errors.New("want IP:PORT")
		}
		ap, err := netip.ParseAddrPort(args[0])
		if err != nil || !ap.Addr().Is4() {
			return fmt.Errorf("want an IPv4 IP:PORT, got %q", args[0])
		}
		return netnsConnect(ap)
	case "dup-socket":
		return dupSocket()
	case "packet-socket":
		fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_RAW, 0)
		if err != nil {
			return fmt.Errorf("socket(AF_PACKET): %w", err)
		}
		return unix.Close(fd)
	case "mprotect-rwx":
		mem, err := unix.Mmap(-1, 0, os.Getpagesize(), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS)
		if err != nil {
			return fmt.Errorf("mmap: %w", err)
		}
		defer unix.Munmap(mem)
		if err := unix.Mprotect(mem, unix.PROT_READ|unix.PROT_WRITE|unix.PROT_EXEC); err != nil {
			return fmt.Errorf("mprotect: %w", err)
		}
		return nil
	}
	return fmt.Errorf("unknown op %q", op)
}

// dupSocket connects a TCP socket to a listener on 127.0.0.1 and dup2s it
// onto this process's stdout.
func dupSocket() error {
	ln, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(ln)
	if err := unix.Bind(ln, &unix.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		return err
	}
	if err := unix.Listen(ln, 1); err != nil {
		return err
	}
	sa, err := unix.Getsockname(ln)
	if err != nil {
		return err
	}
	c, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(c)
	if err := unix.Connect(c, sa); err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	if err := unix.Dup2(c, 1); err != nil {
		return fmt.Errorf("dup2: %w", err)
	}
	return nil
}

func memfdExec(bin string, argv []string) error {
	b, err := os.ReadFile(bin)
	if err != nil {
		return err
	}
	fd, err := unix.MemfdCreate("trigger", 0)
	if err != nil {
		return fmt.Errorf("memfd_create: %w", err)
	}
	if _, err := unix.Write(fd, b); err != nil {
		return fmt.Errorf("write memfd: %w", err)
	}
	argvp, err := syscall.SlicePtrFromStrings(argv)
	if err != nil {
		return err
	}
	envp, err := syscall.SlicePtrFromStrings(os.Environ())
	if err != nil {
		return err
	}
	empty := []byte{0}
	_, _, errno := unix.Syscall6(unix.SYS_EXECVEAT, uintptr(fd), uintptr(unsafe.Pointer(&empty[0])),
		uintptr(unsafe.Pointer(&argvp[0])), uintptr(unsafe.Pointer(&envp[0])), unix.AT_EMPTY_PATH, 0)
	return fmt.Errorf("execveat: %w", errno)
}

func ptraceAttach() error {
	child := exec.Command("sleep", "10")
	if err := child.Start(); err != nil {
		return err
	}
	defer func() {
		_ = child.Process.Kill()
		_ = child.Wait()
	}()
	// ptrace requests must come from one thread.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	pid := child.Process.Pid
	if err := unix.PtraceAttach(pid); err != nil {
		return fmt.Errorf("PTRACE_ATTACH %d: %w", pid, err)
	}
	var ws unix.WaitStatus
	if _, err := unix.Wait4(pid, &ws, 0, nil); err != nil {
		return fmt.Errorf("wait for tracee: %w", err)
	}
	if err := unix.PtraceDetach(pid); err != nil {
		return fmt.Errorf("PTRACE_DETACH: %w", err)
	}
	return nil
}

func spawn(args []string) error {
	var cred *syscall.Credential
	if len(args) >= 2 && args[0] == "-uid" {
		uid, err := strconv.ParseUint(args[1], 10, 32)
		if err != nil {
			return err
		}
		cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(uid)}
		args = args[2:]
	}
	if len(args) == 0 {
		return errors.New("want CMD...")
	}
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	return cmd.Run()
}

// netnsConnect makes a TCP connection to ap inside a new network namespace
// where ap's address is on the loopback interface, so that a test can
// connect to a public-looking address without a network.
func netnsConnect(ap netip.AddrPort) error {
	// The namespace belongs to this thread; every socket call below runs
	// on it.
	runtime.LockOSThread()
	if err := unix.Unshare(unix.CLONE_NEWNET); err != nil {
		return fmt.Errorf("unshare(CLONE_NEWNET): %w", err)
	}
	ctl, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(ctl)
	ifr, err := unix.NewIfreq("lo")
	if err != nil {
		return err
	}
	if err := ifr.SetInet4Addr(ap.Addr().AsSlice()); err != nil {
		return err
	}
	if err := unix.IoctlIfreq(ctl, unix.SIOCSIFADDR, ifr); err != nil {
		return fmt.Errorf("SIOCSIFADDR lo: %w", err)
	}
	ifr, _ = unix.NewIfreq("lo")
	if err := unix.IoctlIfreq(ctl, unix.SIOCGIFFLAGS, ifr); err != nil {
		return fmt.Errorf("SIOCGIFFLAGS lo: %w", err)
	}
	ifr.SetUint16(ifr.Uint16() | unix.IFF_UP)
	if err := unix.IoctlIfreq(ctl, unix.SIOCSIFFLAGS, ifr); err != nil {
		return fmt.Errorf("SIOCSIFFLAGS lo: %w", err)
	}

	sa := &unix.SockaddrInet4{Port: int(ap.Port()), Addr: ap.Addr().As4()}
	ln, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(ln)
	_ = unix.SetsockoptInt(ln, unix.SOL_SOCKET, unix.SO_REUSEADDR, 1)
	if err := unix.Bind(ln, sa); err != nil {
		return fmt.Errorf("bind %s: %w", ap, err)
	}
	if err := unix.Listen(ln, 1); err != nil {
		return err
	}
	c, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(c)
	if err := unix.Connect(c, sa); err != nil {
		return fmt.Errorf("connect %s: %w", ap, err)
	}
	nfd, _, err := unix.Accept4(ln, unix.SOCK_CLOEXEC)
	if err != nil {
		return fmt.Errorf("accept: %w", err)
	}
	return unix.Close(nfd)
}
