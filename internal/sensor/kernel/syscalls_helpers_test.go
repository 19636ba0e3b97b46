package kernel

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/vigil-sec/vigil/internal/event"
)

// fileOps runs open-family system calls for the tests, one per argument,
// and prints each result (fd or -errno) on its own line. An operation is
// "|"-separated:
//
//	open|PATH|FLAGS|MODE               raw open(2) (glibc's open calls openat)
//	openat|DIRFD|PATH|FLAGS|MODE
//	openat2|DIRFD|PATH|FLAGS|MODE|RESOLVE
//	creat|PATH|MODE
//	memfd|NAME                         memfd_create(2)
//	reopen|$N|FLAGS                    openat of /proc/self/fd/<result N>
//	unlink|PATH
//	unlinkat|DIRFD|PATH|FLAGS
//	mkdir|PATH|MODE
//	mkdirat|DIRFD|PATH|MODE
//	rmdir|PATH
//	rename|OLD|NEW                     raw rename(2), link(2), symlink(2)
//	renameat|DIRFD|OLD|DIRFD|NEW
//	renameat2|DIRFD|OLD|DIRFD|NEW|FLAGS
//	link|OLD|NEW
//	linkat|DIRFD|OLD|DIRFD|NEW|FLAGS
//	symlink|TARGET|LINKPATH
//	symlinkat|TARGET|DIRFD|LINKPATH
//	chmod|PATH|MODE                    raw chmod(2), chown(2), lchown(2)
//	fchmod|FD|MODE
//	fchmodat|DIRFD|PATH|MODE
//	chown|PATH|UID|GID                 UID, GID 0xffffffff: unchanged
//	lchown|PATH|UID|GID
//	fchown|FD|UID|GID
//	fchownat|DIRFD|PATH|UID|GID|FLAGS
//
// DIRFD is "cwd" (AT_FDCWD) or "$N", the result of operation N. Numbers
// take Go's prefixes (0o644, 0x241).
func fileOps(ops []string) int {
	var results []int64
	num := func(s string) uint64 {
		v, err := strconv.ParseUint(s, 0, 64)
		if err != nil {
			panic(fmt.Sprintf("bad number %q", s))
		}
		return v
	}
	dirfd := func(s string) int {
		if s == "cwd" {
			return unix.AT_FDCWD
		}
		return int(results[num(strings.TrimPrefix(s, "$"))])
	}
	for _, op := range ops {
		f := strings.Split(op, "|")
		var r int64
		switch f[0] {
		case "open":
			r = rawPathCall(unix.SYS_OPEN, f[1], uintptr(num(f[2])), uintptr(num(f[3])), 0)
		case "openat":
			p, _ := unix.BytePtrFromString(f[2])
			r = result(unix.Syscall6(unix.SYS_OPENAT, uintptr(dirfd(f[1])), uintptr(unsafe.Pointer(p)),
				uintptr(num(f[3])), uintptr(num(f[4])), 0, 0))
		case "openat2":
			how := unix.OpenHow{Flags: num(f[3]), Mode: num(f[4]), Resolve: num(f[5])}
			fd, err := unix.Openat2(dirfd(f[1]), f[2], &how)
			r = int64(fd)
			if err != nil {
				r = -int64(err.(unix.Errno))
			}
		case "creat":
			r = rawPathCall(unix.SYS_CREAT, f[1], uintptr(num(f[2])), 0, 0)
		case "reopen":
			p, _ := unix.BytePtrFromString(fmt.Sprintf("/proc/self/fd/%d", dirfd(f[1])))
			r = result(unix.Syscall6(unix.SYS_OPENAT, uintptr(dirfd("cwd")), uintptr(unsafe.Pointer(p)),
				uintptr(num(f[2])), 0, 0, 0))
		case "unlink":
			r = rawPathCall(unix.SYS_UNLINK, f[1], 0, 0, 0)
		case "unlinkat":
			p, _ := unix.BytePtrFromString(f[2])
			r = result(unix.Syscall(unix.SYS_UNLINKAT, uintptr(dirfd(f[1])), uintptr(unsafe.Pointer(p)), uintptr(num(f[3]))))
		case "mkdir":
			r = rawPathCall(unix.SYS_MKDIR, f[1], uintptr(num(f[2])), 0, 0)
		case "mkdirat":
			p, _ := unix.BytePtrFromString(f[2])
			r = result(unix.Syscall(unix.SYS_MKDIRAT, uintptr(dirfd(f[1])), uintptr(unsafe.Pointer(p)), uintptr(num(f[3]))))
		case "rmdir":
			r = rawPathCall(unix.SYS_RMDIR, f[1], 0, 0, 0)
		case "rename":
			r = rawPairCall(unix.SYS_RENAME, unix.AT_FDCWD, f[1], unix.AT_FDCWD, f[2], 0, false)
		case "renameat":
			r = rawPairCall(unix.SYS_RENAMEAT, dirfd(f[1]), f[2], dirfd(f[3]), f[4], 0, true)
		case "renameat2":
			r = rawPairCall(unix.SYS_RENAMEAT2, dirfd(f[1]), f[2], dirfd(f[3]), f[4], uintptr(num(f[5])), true)
		case "link":
			r = rawPairCall(unix.SYS_LINK, unix.AT_FDCWD, f[1], unix.AT_FDCWD, f[2], 0, false)
		case "linkat":
			r = rawPairCall(unix.SYS_LINKAT, dirfd(f[1]), f[2], dirfd(f[3]), f[4], uintptr(num(f[5])), true)
		case "symlink":
			r = rawPairCall(unix.SYS_SYMLINK, unix.AT_FDCWD, f[1], unix.AT_FDCWD, f[2], 0, false)
		case "symlinkat":
			t, _ := unix.BytePtrFromString(f[1])
			l, _ := unix.BytePtrFromString(f[3])
			r = result(unix.Syscall(unix.SYS_SYMLINKAT, uintptr(unsafe.Pointer(t)), uintptr(dirfd(f[2])), uintptr(unsafe.Pointer(l))))
		case "chmod":
			r = rawPathCall(unix.SYS_CHMOD, f[1], uintptr(num(f[2])), 0, 0)
		case "fchmod":
			r = result(unix.Syscall(unix.SYS_FCHMOD, uintptr(dirfd(f[1])), uintptr(num(f[2])), 0))
		case "fchmodat":
			p, _ := unix.BytePtrFromString(f[2])
			r = result(unix.Syscall(unix.SYS_FCHMODAT, uintptr(dirfd(f[1])), uintptr(unsafe.Pointer(p)), uintptr(num(f[3]))))
		case "chown":
			r = rawPathCall(unix.SYS_CHOWN, f[1], uintptr(num(f[2])), uintptr(num(f[3])), 0)
		case "lchown":
			r = rawPathCall(unix.SYS_LCHOWN, f[1], uintptr(num(f[2])), uintptr(num(f[3])), 0)
		case "fchown":
			r = result(unix.Syscall(unix.SYS_FCHOWN, uintptr(dirfd(f[1])), uintptr(num(f[2])), uintptr(num(f[3]))))
		case "fchownat":
			p, _ := unix.BytePtrFromString(f[2])
			r = result(unix.Syscall6(unix.SYS_FCHOWNAT, uintptr(dirfd(f[1])), uintptr(unsafe.Pointer(p)),
				uintptr(num(f[3])), uintptr(num(f[4])), uintptr(num(f[5])), 0))
		case "memfd":
			fd, err := unix.MemfdCreate(f[1], 0)
			r = int64(fd)
			if err != nil {
				r = -int64(err.(unix.Errno))
			}
		default:
			fmt.Fprintln(os.Stderr, "unknown operation", op)
			return 2
		}
		results = append(results, r)
		fmt.Println(r)
	}
	return 0
}

func rawPathCall(nr uintptr, path string, a1, a2, a3 uintptr) int64 {
	p, _ := unix.BytePtrFromString(path)
	return result(unix.Syscall6(nr, uintptr(unsafe.Pointer(p)), a1, a2, a3, 0, 0))
}

// rawPairCall makes a two-name call: (old, new) when !at, else
// (olddirfd, old, newdirfd, new, flags).
func rawPairCall(nr uintptr, olddirfd int, old string, newdirfd int, new string, flags uintptr, at bool) int64 {
	o, _ := unix.BytePtrFromString(old)
	n, _ := unix.BytePtrFromString(new)
	if !at {
		return result(unix.Syscall(nr, uintptr(unsafe.Pointer(o)), uintptr(unsafe.Pointer(n)), 0))
	}
	return result(unix.Syscall6(nr, uintptr(olddirfd), uintptr(unsafe.Pointer(o)),
		uintptr(newdirfd), uintptr(unsafe.Pointer(n)), flags, 0))
}

func result(r1, _ uintptr, errno unix.Errno) int64 {
	if errno != 0 {
		return -int64(errno)
	}
	return int64(r1)
}

// openLoop opens and closes PATH N times (openat(2) O_RDONLY, close(2))
// and prints the nanoseconds per open+close.
func openLoop(args []string) int {
	n, err := strconv.Atoi(args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	p, _ := unix.BytePtrFromString(args[0])
	cwd := unix.AT_FDCWD
	start := time.Now()
	for i := 0; i < n; i++ {
		fd, _, errno := unix.RawSyscall6(unix.SYS_OPENAT, uintptr(cwd), uintptr(unsafe.Pointer(p)), unix.O_RDONLY, 0, 0, 0)
		if errno != 0 {
			fmt.Fprintln(os.Stderr, "openat:", errno)
			return 1
		}
		unix.RawSyscall(unix.SYS_CLOSE, fd, 0, 0)
	}
	fmt.Println(time.Since(start).Nanoseconds() / int64(max(n, 1)))
	return 0
}

// runFileOps runs the fileops helper in dir and returns its pid and the
// result of each operation.
func runFileOps(t *testing.T, dir string, ops ...string) (int, []int64) {
	t.Helper()
	cmd := helperCmd("fileops", ops...)
	cmd.Dir = dir
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("fileops helper: %v: %s", err, stderr.String())
	}
	var res []int64
	for _, l := range strings.Fields(string(out)) {
		v, err := strconv.ParseInt(l, 10, 64)
		if err != nil {
			t.Fatalf("fileops output %q: %v", out, err)
		}
		res = append(res, v)
	}
	if len(res) != len(ops) {
		t.Fatalf("fileops: %d results for %d operations", len(res), len(ops))
	}
	return cmd.Process.Pid, res
}

// waitOpen waits for the open-family event of type typ that pid made with
// the raw name nameRaw.
func (c *collector) waitOpen(t *testing.T, pid int, typ event.Type, nameRaw string) *event.Event {
	t.Helper()
	return c.wait(t, fmt.Sprintf("%s of %q", typ, nameRaw), func(e *event.Event) bool {
		return isType(e, pid, typ) && e.Syscall != nil && e.Syscall.FD != nil && e.Syscall.FD.NameRaw == nameRaw
	})
}

// waitPathOp waits for the path operation of type typ that pid made on
// path (the path argument as reported: resolved when relative).
func (c *collector) waitPathOp(t *testing.T, pid int, typ event.Type, path string) *event.Event {
	t.Helper()
	return c.wait(t, fmt.Sprintf("%s of %q", typ, path), func(e *event.Event) bool {
		if !isType(e, pid, typ) || e.Syscall == nil {
			return false
		}
		for _, name := range []string{"path", "name", "filename", "pathname"} {
			if a, ok := e.Syscall.Arg(name); ok {
				return a.Str == path
			}
		}
		return false
	})
}
