package fanotify

import (
	"strconv"
	"unsafe"

	"golang.org/x/sys/unix"
)

// These helpers make the system calls with NUL-terminated names built in
// caller-owned buffers: the string forms of golang.org/x/sys/unix copy the
// name to the heap on every call, and they run once per event.

// atFDCWD is AT_FDCWD (-100) as a system call argument.
const atFDCWD = ^uintptr(-unix.AT_FDCWD - 1)

// readlinkFd returns what /proc/self/fd/<fd> points to, "" when it cannot
// be read or does not fit in link. fdDir is /proc/self/fd (a lookup in it
// is cheaper than a walk from /); scratch holds the name.
func readlinkFd(fdDir int, fd int32, scratch, link []byte) string {
	name := strconv.AppendInt(scratch[:0], int64(fd), 10)
	name = append(name, 0)
	n, _, errno := unix.Syscall6(unix.SYS_READLINKAT, uintptr(fdDir),
		uintptr(unsafe.Pointer(&name[0])), uintptr(unsafe.Pointer(&link[0])), uintptr(len(link)), 0, 0)
	if errno != 0 || n == 0 || int(n) >= len(link) {
		return ""
	}
	return string(link[:n])
}

// isTaskOf reports whether thread tid belongs to the thread group whose
// /proc/<pid>/task directory taskDir is open on.
func isTaskOf(taskDir int, tid int32, scratch []byte) bool {
	name := strconv.AppendInt(scratch[:0], int64(tid), 10)
	name = append(name, 0)
	_, _, errno := unix.Syscall6(unix.SYS_FACCESSAT, uintptr(taskDir),
		uintptr(unsafe.Pointer(&name[0])), unix.F_OK, 0, 0, 0)
	return errno == 0
}

// tgidOf reads the thread group id of thread tid from /proc/<tid>/status;
// 0 when the thread is gone or the file is odd. scratch must hold 512
// bytes.
func tgidOf(tid int32, scratch []byte) int {
	name := append(scratch[:0], "/proc/"...)
	name = strconv.AppendInt(name, int64(tid), 10)
	name = append(name, "/status\x00"...)
	fd, _, errno := unix.Syscall6(unix.SYS_OPENAT, atFDCWD,
		uintptr(unsafe.Pointer(&name[0])), uintptr(unix.O_RDONLY|unix.O_CLOEXEC), 0, 0, 0)
	if errno != 0 {
		return 0
	}
	buf := scratch[:cap(scratch)]
	n, err := unix.Read(int(fd), buf)
	unix.Close(int(fd))
	if err != nil || n <= 0 {
		return 0
	}
	return parseTgid(buf[:n])
}

// parseTgid finds "\nTgid:\t<n>\n" in the start of a status file; 0 when
// it is missing, odd or cut short.
func parseTgid(b []byte) int {
	const key = "\nTgid:"
	for i := 0; i+len(key) <= len(b); i++ {
		if b[i] != '\n' || string(b[i:i+len(key)]) != key {
			continue
		}
		v, seen := 0, false
		for _, c := range b[i+len(key):] {
			switch {
			case c == ' ' || c == '\t':
				if seen {
					return v
				}
			case c >= '0' && c <= '9':
				v = v*10 + int(c-'0')
				seen = true
				if v > 1<<31 {
					return 0
				}
			default:
				if seen {
					return v
				}
				return 0
			}
		}
		return 0
	}
	return 0
}
