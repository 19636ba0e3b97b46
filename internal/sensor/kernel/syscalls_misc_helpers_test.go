package kernel

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"
)

// miscOps runs privilege, namespace, module, memory, signal and prctl
// system calls for the tests (helper mode "miscops"), one per argument, on
// one locked OS thread, and prints each result (the raw return value or
// -errno) on its own line. An operation is "|"-separated:
//
//	child                          start /bin/sleep 30; the result is its pid
//	wait|PID                       wait4(PID, __WALL): 0 or -errno
//	ptrace|REQ|PID|ADDR|DATA       raw ptrace(2)
//	open|PATH                      openat(AT_FDCWD, PATH, O_RDONLY|O_CLOEXEC)
//	init_module|IMAGE|UARGS        init_module(2) of the bytes IMAGE
//	finit_module|FD|UARGS|FLAGS
//	delete_module|NAME|FLAGS
//	setuid|UID  setgid|GID         raw calls: this thread only
//	setresuid|R|E|S  setresgid|R|E|S  setreuid|R|E  setregid|R|E
//	capset|EFF|PERM|INH            capset(2), version 3, 64-bit sets
//	setns|FD|NSTYPE  unshare|FLAGS
//	mount|DEV|DIR|TYPE|FLAGS  umount2|DIR|FLAGS
//	pivot_root|NEW|OLD  chroot|PATH
//	bpf_map                        BPF_MAP_CREATE of a 1-entry array
//	memfd|NAME|FLAGS
//	mmap|PROT|FLAGS|FD             4096 bytes at offset 0; the result is the address
//	mprotect|ADDR|PROT             4096 bytes
//	userfaultfd|FLAGS
//	kill|PID|SIG  tkill|TID|SIG  tgkill|PID|TID|SIG
//	prctl_name|NAME                prctl(PR_SET_NAME, NAME)
//	execve|PATH                    raw execve(PATH, [PATH], env)
//	execveat|DIRFD|PATH|FLAGS
//
// A number takes Go's prefixes and may be negative; "$N" is the result of
// operation N, "self" the helper's pid (tid for tkill and tgkill's TID),
// "cwd" AT_FDCWD.
func miscOps(ops []string) int {
	runtime.LockOSThread()
	var results []int64
	var keep []any // keeps buffers passed to the kernel alive
	num := func(s string) uintptr {
		switch {
		case s == "self":
			return uintptr(unix.Getpid())
		case s == "cwd":
			cwd := int64(unix.AT_FDCWD)
			return uintptr(cwd)
		case strings.HasPrefix(s, "$"):
			i, err := strconv.Atoi(s[1:])
			if err != nil || i >= len(results) {
				panic(fmt.Sprintf("bad reference %q", s))
			}
			return uintptr(results[i])
		}
		v, err := strconv.ParseInt(s, 0, 64)
		if err != nil {
			u, uerr := strconv.ParseUint(s, 0, 64)
			if uerr != nil {
				panic(fmt.Sprintf("bad number %q", s))
			}
			return uintptr(u)
		}
		return uintptr(v)
	}
	cstr := func(s string) *byte {
		p, err := unix.BytePtrFromString(s)
		if err != nil {
			panic(err)
		}
		keep = append(keep, p)
		return p
	}
	str := func(s string) uintptr { return uintptr(unsafe.Pointer(cstr(s))) }
	for _, op := range ops {
		f := strings.Split(op, "|")
		var r int64
		switch f[0] {
		case "child":
			p, err := os.StartProcess("/bin/sleep", []string{"sleep", "30"}, &os.ProcAttr{})
			if err != nil {
				fmt.Fprintln(os.Stderr, "start child:", err)
				return 1
			}
			r = int64(p.Pid)
		case "wait":
			var ws unix.WaitStatus
			r = result(unix.Syscall6(unix.SYS_WAIT4, num(f[1]), uintptr(unsafe.Pointer(&ws)), unix.WALL, 0, 0, 0))
			if r > 0 {
				r = 0
			}
		case "ptrace":
			r = result(unix.Syscall6(unix.SYS_PTRACE, num(f[1]), num(f[2]), num(f[3]), num(f[4]), 0, 0))
		case "open":
			r = result(unix.Syscall6(unix.SYS_OPENAT, num("cwd"), str(f[1]), unix.O_RDONLY|unix.O_CLOEXEC, 0, 0, 0))
		case "init_module":
			img := []byte(f[1])
			keep = append(keep, img)
			r = result(unix.Syscall(unix.SYS_INIT_MODULE, uintptr(unsafe.Pointer(&img[0])), uintptr(len(img)), str(f[2])))
		case "finit_module":
			r = result(unix.Syscall(unix.SYS_FINIT_MODULE, num(f[1]), str(f[2]), num(f[3])))
		case "delete_module":
			r = result(unix.Syscall(unix.SYS_DELETE_MODULE, str(f[1]), num(f[2]), 0))
		case "setuid":
			r = result(unix.RawSyscall(unix.SYS_SETUID, num(f[1]), 0, 0))
		case "setgid":
			r = result(unix.RawSyscall(unix.SYS_SETGID, num(f[1]), 0, 0))
		case "setresuid":
			r = result(unix.RawSyscall(unix.SYS_SETRESUID, num(f[1]), num(f[2]), num(f[3])))
		case "setresgid":
			r = result(unix.RawSyscall(unix.SYS_SETRESGID, num(f[1]), num(f[2]), num(f[3])))
		case "setreuid":
			r = result(unix.RawSyscall(unix.SYS_SETREUID, num(f[1]), num(f[2]), 0))
		case "setregid":
			r = result(unix.RawSyscall(unix.SYS_SETREGID, num(f[1]), num(f[2]), 0))
		case "capset":
			eff, perm, inh := uint64(num(f[1])), uint64(num(f[2])), uint64(num(f[3]))
			hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
			data := [2]unix.CapUserData{
				{Effective: uint32(eff), Permitted: uint32(perm), Inheritable: uint32(inh)},
				{Effective: uint32(eff >> 32), Permitted: uint32(perm >> 32), Inheritable: uint32(inh >> 32)},
			}
			r = result(unix.RawSyscall(unix.SYS_CAPSET, uintptr(unsafe.Pointer(&hdr)), uintptr(unsafe.Pointer(&data[0])), 0))
		case "setns":
			r = result(unix.RawSyscall(unix.SYS_SETNS, num(f[1]), num(f[2]), 0))
		case "unshare":
			r = result(unix.RawSyscall(unix.SYS_UNSHARE, num(f[1]), 0, 0))
		case "mount":
			r = result(unix.Syscall6(unix.SYS_MOUNT, str(f[1]), str(f[2]), str(f[3]), num(f[4]), 0, 0))
		case "umount2":
			r = result(unix.Syscall(unix.SYS_UMOUNT2, str(f[1]), num(f[2]), 0))
		case "pivot_root":
			r = result(unix.Syscall(unix.SYS_PIVOT_ROOT, str(f[1]), str(f[2]), 0))
		case "chroot":
			r = result(unix.Syscall(unix.SYS_CHROOT, str(f[1]), 0, 0))
		case "bpf_map":
			// union bpf_attr for BPF_MAP_CREATE: map_type, key_size,
			// value_size, max_entries
			attr := [16]uint32{2 /* BPF_MAP_TYPE_ARRAY */, 4, 4, 1}
			r = result(unix.Syscall(unix.SYS_BPF, 0 /* BPF_MAP_CREATE */, uintptr(unsafe.Pointer(&attr)), unsafe.Sizeof(attr)))
		case "memfd":
			r = result(unix.Syscall(unix.SYS_MEMFD_CREATE, str(f[1]), num(f[2]), 0))
		case "mmap":
			r = result(unix.Syscall6(unix.SYS_MMAP, 0, 4096, num(f[1]), num(f[2]), num(f[3]), 0))
		case "mprotect":
			r = result(unix.Syscall(unix.SYS_MPROTECT, num(f[1]), 4096, num(f[2])))
		case "userfaultfd":
			r = result(unix.Syscall(unix.SYS_USERFAULTFD, num(f[1]), 0, 0))
		case "kill":
			r = result(unix.RawSyscall(unix.SYS_KILL, num(f[1]), num(f[2]), 0))
		case "tkill":
			tid := num(f[1])
			if f[1] == "self" {
				tid = uintptr(unix.Gettid())
			}
			r = result(unix.RawSyscall(unix.SYS_TKILL, tid, num(f[2]), 0))
		case "tgkill":
			tid := num(f[2])
			if f[2] == "self" {
				tid = uintptr(unix.Gettid())
			}
			r = result(unix.RawSyscall(unix.SYS_TGKILL, num(f[1]), tid, num(f[3])))
		case "prctl_name":
			r = result(unix.RawSyscall(unix.SYS_PRCTL, unix.PR_SET_NAME, str(f[1]), 0))
		case "execve":
			argv := []*byte{cstr(f[1]), nil}
			env := []*byte{nil}
			keep = append(keep, argv, env)
			r = result(unix.Syscall(unix.SYS_EXECVE, str(f[1]), uintptr(unsafe.Pointer(&argv[0])), uintptr(unsafe.Pointer(&env[0]))))
		case "execveat":
			argv := []*byte{cstr(f[2]), nil}
			env := []*byte{nil}
			keep = append(keep, argv, env)
			r = result(unix.Syscall6(unix.SYS_EXECVEAT, num(f[1]), str(f[2]), uintptr(unsafe.Pointer(&argv[0])),
				uintptr(unsafe.Pointer(&env[0])), num(f[3]), 0))
		default:
			fmt.Fprintln(os.Stderr, "unknown operation", op)
			return 2
		}
		results = append(results, r)
		fmt.Println(r)
	}
	runtime.KeepAlive(keep)
	return 0
}

// runMiscOps runs the miscops helper in dir with extra environment
// variables and returns its pid and the result of each operation.
func runMiscOps(t *testing.T, dir string, env []string, ops ...string) (int, []int64) {
	t.Helper()
	cmd := helperCmd("miscops", ops...)
	cmd.Dir = dir
	cmd.Env = append(cmd.Env, env...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("miscops helper: %v: %s", err, stderr.String())
	}
	var res []int64
	for _, l := range strings.Fields(string(out)) {
		v, err := strconv.ParseInt(l, 10, 64)
		if err != nil {
			t.Fatalf("miscops output %q: %v", out, err)
		}
		res = append(res, v)
	}
	if len(res) != len(ops) {
		t.Fatalf("miscops: %d results for %d operations", len(res), len(ops))
	}
	return cmd.Process.Pid, res
}
