package kernel

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/vigil-sec/vigil/internal/event"
)

func intArg(name string, n int64) event.Arg { return event.Arg{Name: name, Kind: event.ArgInt, Num: n} }
func hexArg(name string, n int64) event.Arg { return event.Arg{Name: name, Kind: event.ArgHex, Num: n} }
func kindArg(name string, k event.ArgKind, n int64) event.Arg {
	return event.Arg{Name: name, Kind: k, Num: n}
}
func strArg(name string, k event.ArgKind, s string) event.Arg {
	return event.Arg{Name: name, Kind: k, Str: s}
}

// checkMisc compares a generic call's details: result, fd and arguments.
func checkMisc(t *testing.T, ev *event.Event, res int64, fd *event.FD, args ...event.Arg) {
	t.Helper()
	if ev.Clone != nil || ev.Exit != nil || ev.Drop != nil || (ev.Exec != nil && !ev.Type.IsExec()) {
		t.Errorf("%s event carries other details: %+v", ev.Type, ev)
	}
	if ev.Syscall == nil {
		t.Fatalf("%s event has no syscall details", ev.Type)
	}
	if ev.Syscall.Res != res {
		t.Errorf("%s res = %d, want %d", ev.Type, ev.Syscall.Res, res)
	}
	if !reflect.DeepEqual(ev.Syscall.FD, fd) {
		t.Errorf("%s fd = %+v, want %+v", ev.Type, ev.Syscall.FD, fd)
	}
	if !reflect.DeepEqual(ev.Syscall.Args, args) {
		t.Errorf("%s args:\n got %+v\nwant %+v", ev.Type, ev.Syscall.Args, args)
	}
}

// waitCall waits for the call of type typ that pid made whose argument
// name has the number n.
func (c *collector) waitCall(t *testing.T, pid int, typ event.Type, name string, n int64) *event.Event {
	t.Helper()
	return c.wait(t, fmt.Sprintf("%s with %s %d", typ, name, n), func(e *event.Event) bool {
		if !isType(e, pid, typ) || e.Syscall == nil {
			return false
		}
		a, ok := e.Syscall.Arg(name)
		return ok && a.Num == n
	})
}

// waitRes waits for the call of type typ that pid made with result res.
func (c *collector) waitRes(t *testing.T, pid int, typ event.Type, res int64) *event.Event {
	t.Helper()
	return c.wait(t, fmt.Sprintf("%s with result %d", typ, res), func(e *event.Event) bool {
		return isType(e, pid, typ) && e.Syscall != nil && e.Syscall.Res == res
	})
}

// countCalls counts pid's calls of type typ once its process has exited
// and every earlier record has been read.
func (c *collector) countCalls(t *testing.T, pid int, typ event.Type) int {
	t.Helper()
	c.wait(t, "procexit", func(e *event.Event) bool { return isType(e, pid, event.TypeProcExit) })
	return len(c.all(func(e *event.Event) bool { return isType(e, pid, typ) && e.Syscall != nil }))
}

// TestMiscPtrace: PTRACE_ATTACH and PTRACE_DETACH of a child, then kill.
func TestMiscPtrace(t *testing.T) {
	c := startSensor(t, Options{Syscalls: []event.Type{event.TypePtrace, event.TypeKill}})
	pid, res := runMiscOps(t, testDir(t), nil,
		"child", "ptrace|16|$0|0|0", "wait|$0", "ptrace|17|$0|0|0", "kill|$0|9", "wait|$0")
	child := res[0]
	if res[1] != 0 || res[2] != 0 || res[3] != 0 || res[4] != 0 {
		t.Fatalf("helper results %v", res)
	}
	for _, req := range []int64{unix.PTRACE_ATTACH, unix.PTRACE_DETACH} {
		ev := c.waitCall(t, pid, event.TypePtrace, "request", req)
		checkMisc(t, ev, 0, nil, resArg(0), hexArg("addr", 0), hexArg("data", 0),
			kindArg("request", event.ArgPtraceReq, req), intArg("pid", child))
	}
	ev := c.waitCall(t, pid, event.TypeKill, "pid", child)
	checkMisc(t, ev, 0, nil, resArg(0), intArg("pid", child), kindArg("sig", event.ArgSignal, 9))
}

// TestMiscPtraceTraceme: PTRACE_TRACEME, the helper's last call (the test
// binary becomes its tracer and never resumes it from a stop: no async
// preemption signals).
func TestMiscPtraceTraceme(t *testing.T) {
	c := startSensor(t, Options{Syscalls: []event.Type{event.TypePtrace}})
	pid, res := runMiscOps(t, testDir(t), []string{"GODEBUG=asyncpreemptoff=1"}, "ptrace|0|0|0|0")
	if res[0] != 0 {
		t.Fatalf("helper results %v", res)
	}
	ev := c.waitCall(t, pid, event.TypePtrace, "request", unix.PTRACE_TRACEME)
	checkMisc(t, ev, 0, nil, resArg(0), hexArg("addr", 0), hexArg("data", 0),
		kindArg("request", event.ArgPtraceReq, unix.PTRACE_TRACEME), intArg("pid", 0))
}

func uidArg(name string, n int64) event.Arg { return event.Arg{Name: name, Kind: event.ArgUID, Num: n} }
func gidArg(name string, n int64) event.Arg { return event.Arg{Name: name, Kind: event.ArgGID, Num: n} }

// TestMiscSetuidFamily: each set*id call to the current ids, (uid_t)-1
// as passed, then setuid(0) failing once the thread gave up root.
func TestMiscSetuidFamily(t *testing.T) {
	c := startSensor(t, Options{Syscalls: []event.Type{
		event.TypeSetuid, event.TypeSetgid, event.TypeSetresuid, event.TypeSetresgid,
		event.TypeSetreuid, event.TypeSetregid,
	}})
	const unchanged = 0xffffffff
	pid, res := runMiscOps(t, testDir(t), nil,
		"setuid|0", "setgid|0", "setresuid|-1|0|-1", "setresgid|0|-1|0",
		"setreuid|0|-1", "setregid|-1|0", "setresuid|65534|65534|65534", "setuid|0")
	eperm := -int64(unix.EPERM)
	if want := []int64{0, 0, 0, 0, 0, 0, 0, eperm}; !reflect.DeepEqual(res, want) {
		t.Fatalf("helper results %v, want %v", res, want)
	}
	checkMisc(t, c.waitRes(t, pid, event.TypeSetuid, 0), 0, nil, resArg(0), uidArg("uid", 0))
	checkMisc(t, c.waitRes(t, pid, event.TypeSetgid, 0), 0, nil, resArg(0), gidArg("gid", 0))
	checkMisc(t, c.waitCall(t, pid, event.TypeSetresuid, "ruid", unchanged), 0, nil,
		resArg(0), uidArg("ruid", unchanged), uidArg("euid", 0), uidArg("suid", unchanged))
	checkMisc(t, c.waitRes(t, pid, event.TypeSetresgid, 0), 0, nil,
		resArg(0), gidArg("rgid", 0), gidArg("egid", unchanged), gidArg("sgid", 0))
	checkMisc(t, c.waitRes(t, pid, event.TypeSetreuid, 0), 0, nil, resArg(0), uidArg("ruid", 0), uidArg("euid", unchanged))
	checkMisc(t, c.waitRes(t, pid, event.TypeSetregid, 0), 0, nil, resArg(0), gidArg("rgid", unchanged), gidArg("egid", 0))
	checkMisc(t, c.waitCall(t, pid, event.TypeSetresuid, "ruid", 65534), 0, nil,
		resArg(0), uidArg("ruid", 65534), uidArg("euid", 65534), uidArg("suid", 65534))
	ev := c.waitRes(t, pid, event.TypeSetuid, eperm)
	checkMisc(t, ev, eperm, nil, resArg(eperm), uidArg("uid", 0))
	if ev.Process.UID != 65534 || ev.Process.EUID != 65534 {
		t.Errorf("failed setuid by uid %d euid %d, want 65534", ev.Process.UID, ev.Process.EUID)
	}
}

// TestMiscCapset: dropping CAP_NET_RAW from the effective set; the sets
// are reported as passed.
func TestMiscCapset(t *testing.T) {
	c := startSensor(t, Options{Syscalls: []event.Type{event.TypeCapset}})
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	var data [2]unix.CapUserData
	if err := unix.Capget(&hdr, &data[0]); err != nil {
		t.Fatal(err)
	}
	set := func(lo, hi uint32) int64 { return int64(uint64(hi)<<32 | uint64(lo)) }
	eff := set(data[0].Effective, data[1].Effective) &^ (1 << unix.CAP_NET_RAW)
	perm := set(data[0].Permitted, data[1].Permitted)
	inh := set(data[0].Inheritable, data[1].Inheritable)
	pid, res := runMiscOps(t, testDir(t), nil, fmt.Sprintf("capset|%#x|%#x|%#x", eff, perm, inh))
	if res[0] != 0 {
		t.Fatalf("helper results %v", res)
	}
	ev := c.waitRes(t, pid, event.TypeCapset, 0)
	checkMisc(t, ev, 0, nil, resArg(0), kindArg("cap_inheritable", event.ArgCapSet, inh),
		kindArg("cap_permitted", event.ArgCapSet, perm), kindArg("cap_effective", event.ArgCapSet, eff))
	if ev.Process.CapEffective != uint64(eff) {
		t.Errorf("process effective set %#x after capset, want %#x", ev.Process.CapEffective, eff)
	}
}

// TestMiscNamespacesAndMounts: unshare, setns back to the test's UTS
// namespace (named as readlink names it), and in a private mount
// namespace: mount and umount2 of a tmpfs, a failing pivot_root, chroot.
func TestMiscNamespacesAndMounts(t *testing.T) {
	c := startSensor(t, Options{Syscalls: []event.Type{
		event.TypeUnshare, event.TypeSetns, event.TypeMount, event.TypeUmount2,
		event.TypePivotRoot, event.TypeChroot,
	}})
	dir := testDir(t)
	mnt := filepath.Join(dir, "mnt")
	mkdirs(t, mnt)
	utsPath := fmt.Sprintf("/proc/%d/ns/uts", os.Getpid())
	var uts unix.Stat_t // the namespace's nsfs inode, behind the magic link
	if err := unix.Stat(utsPath, &uts); err != nil {
		t.Fatal(err)
	}
	const msRecPrivate = unix.MS_REC | unix.MS_PRIVATE
	pid, res := runMiscOps(t, dir, nil,
		fmt.Sprintf("unshare|%#x", unix.CLONE_NEWUTS),
		"open|"+utsPath,
		fmt.Sprintf("setns|$1|%#x", unix.CLONE_NEWUTS),
		fmt.Sprintf("unshare|%#x", unix.CLONE_NEWNS),
		fmt.Sprintf("mount|none|/|none|%#x", msRecPrivate),
		"mount|vigil-tmpfs|"+mnt+"|tmpfs|0",
		"umount2|"+mnt+fmt.Sprintf("|%#x", unix.UMOUNT_NOFOLLOW),
		"pivot_root|"+mnt+"|"+mnt+"/old",
		"chroot|"+dir)
	fd := res[1]
	if res[0] != 0 || fd < 0 || res[2] != 0 || res[3] != 0 || res[4] != 0 || res[5] != 0 || res[6] != 0 ||
		res[7] >= 0 || res[8] != 0 {
		t.Fatalf("helper results %v", res)
	}
	checkMisc(t, c.waitCall(t, pid, event.TypeUnshare, "flags", unix.CLONE_NEWUTS), 0, nil,
		resArg(0), kindArg("flags", event.ArgCloneFlags, unix.CLONE_NEWUTS))
	checkMisc(t, c.waitCall(t, pid, event.TypeUnshare, "flags", unix.CLONE_NEWNS), 0, nil,
		resArg(0), kindArg("flags", event.ArgCloneFlags, unix.CLONE_NEWNS))
	checkMisc(t, c.waitRes(t, pid, event.TypeSetns, 0), 0,
		&event.FD{Num: fd, Type: event.FDUnknown, Name: fmt.Sprintf("uts:[%d]", uts.Ino)},
		resArg(0), fdArg("fd", fd), kindArg("nstype", event.ArgCloneFlags, unix.CLONE_NEWUTS))
	checkMisc(t, c.waitCall(t, pid, event.TypeMount, "flags", msRecPrivate), 0, nil,
		resArg(0), strArg("dev", event.ArgString, "none"), strArg("dir", event.ArgPath, "/"),
		strArg("type", event.ArgString, "none"), kindArg("flags", event.ArgMountFlags, msRecPrivate))
	checkMisc(t, c.waitCall(t, pid, event.TypeMount, "flags", 0), 0, nil,
		resArg(0), strArg("dev", event.ArgString, "vigil-tmpfs"), strArg("dir", event.ArgPath, mnt),
		strArg("type", event.ArgString, "tmpfs"), kindArg("flags", event.ArgMountFlags, 0))
	checkMisc(t, c.waitRes(t, pid, event.TypeUmount2, 0), 0, nil,
		resArg(0), strArg("name", event.ArgPath, mnt), kindArg("flags", event.ArgUmountFlags, unix.UMOUNT_NOFOLLOW))
	checkMisc(t, c.waitRes(t, pid, event.TypePivotRoot, res[7]), res[7], nil,
		resArg(res[7]), strArg("new_root", event.ArgPath, mnt), strArg("put_old", event.ArgPath, mnt+"/old"))
	checkMisc(t, c.waitRes(t, pid, event.TypeChroot, 0), 0, nil, resArg(0), strArg("path", event.ArgPath, dir))
}

// TestMiscModules: the module calls, all failing: init_module of garbage,
// finit_module of a text file (its path from the kernel), delete_module
// of a module that does not exist. Never loads a module.
func TestMiscModules(t *testing.T) {
	c := startSensor(t, Options{Syscalls: []event.Type{
		event.TypeInitModule, event.TypeFinitModule, event.TypeDeleteModule,
	}})
	// A kernel without CONFIG_MODULES has none of these calls: the
	// sensor starts all the same, without them.
	if !syscallTracepointExists("sys_exit_init_module") {
		t.Skip("kernel built without module support (no sys_exit_init_module tracepoint)")
	}
	dir := testDir(t)
	file := filepath.Join(dir, "not-a-module.ko")
	writeFile(t, file)
	pid, res := runMiscOps(t, dir, nil,
		"init_module|garbage, not ELF|foo=1",
		"open|"+file,
		"finit_module|$1|bar=2|0",
		fmt.Sprintf("delete_module|vigil_no_such_module|%#x", unix.O_NONBLOCK))
	fd := res[1]
	if res[0] >= 0 || fd < 0 || res[2] >= 0 || res[3] != -int64(unix.ENOENT) {
		t.Fatalf("helper results %v", res)
	}
	checkMisc(t, c.waitRes(t, pid, event.TypeInitModule, res[0]), res[0], nil,
		resArg(res[0]), kindArg("length", event.ArgUint, int64(len("garbage, not ELF"))),
		strArg("uargs", event.ArgString, "foo=1"))
	checkMisc(t, c.waitRes(t, pid, event.TypeFinitModule, res[2]), res[2],
		&event.FD{Num: fd, Type: event.FDFile, Name: file},
		resArg(res[2]), fdArg("fd", fd), strArg("uargs", event.ArgString, "bar=2"),
		kindArg("flags", event.ArgModuleFlags, 0))
	checkMisc(t, c.waitRes(t, pid, event.TypeDeleteModule, res[3]), res[3], nil,
		resArg(res[3]), strArg("name", event.ArgString, "vigil_no_such_module"),
		kindArg("flags", event.ArgModuleFlags, unix.O_NONBLOCK))
}

// TestMiscBpfMemfdUserfaultfd: bpf(BPF_MAP_CREATE), memfd_create with a
// name and MFD_CLOEXEC, userfaultfd.
func TestMiscBpfMemfdUserfaultfd(t *testing.T) {
	c := startSensor(t, Options{Syscalls: []event.Type{event.TypeBpf, event.TypeMemfdCreate, event.TypeUserfaultfd}})
	pid, res := runMiscOps(t, testDir(t), nil,
		"bpf_map", fmt.Sprintf("memfd|vigil-memfd|%#x", unix.MFD_CLOEXEC), fmt.Sprintf("userfaultfd|%#x", unix.O_CLOEXEC))
	if res[0] < 0 || res[1] < 0 {
		t.Fatalf("helper results %v", res)
	}
	checkMisc(t, c.waitRes(t, pid, event.TypeBpf, res[0]), res[0], nil,
		intArg("res", res[0]), kindArg("cmd", event.ArgBpfCmd, unix.BPF_MAP_CREATE))
	checkMisc(t, c.waitRes(t, pid, event.TypeMemfdCreate, res[1]), res[1], nil,
		fdArg("fd", res[1]), strArg("name", event.ArgString, "vigil-memfd"),
		kindArg("flags", event.ArgMemfdFlags, unix.MFD_CLOEXEC))
	// root may still be refused (vm.unprivileged_userfaultfd, LSMs)
	checkMisc(t, c.waitRes(t, pid, event.TypeUserfaultfd, res[2]), res[2], nil,
		fdArg("res", res[2]), kindArg("flags", event.ArgFlags, unix.O_CLOEXEC))
}

// TestMiscMmapMprotect: only executable memory that is writable or
// anonymous is reported; a file mapping reports its file.
func TestMiscMmapMprotect(t *testing.T) {
	c := startSensor(t, Options{Syscalls: []event.Type{event.TypeMmap, event.TypeMprotect}})
	dir := testDir(t)
	file := filepath.Join(dir, "lib.so")
	if err := os.WriteFile(file, make([]byte, 4096), 0o644); err != nil {
		t.Fatal(err)
	}
	const (
		r, w, x   = unix.PROT_READ, unix.PROT_WRITE, unix.PROT_EXEC
		anon      = unix.MAP_PRIVATE | unix.MAP_ANONYMOUS
		private   = unix.MAP_PRIVATE
		rwx, rw   = r | w | x, r | w
		rx, rOnly = r | x, r
	)
	pid, res := runMiscOps(t, dir, nil,
		"open|"+file,                                 // 0
		fmt.Sprintf("mmap|%d|%d|-1", rwx, anon),      // 1 reported
		fmt.Sprintf("mmap|%d|%d|$0", rOnly, private), // 2 not: no exec
		fmt.Sprintf("mmap|%d|%d|$0", rx, private),    // 3 not: file, not writable
		fmt.Sprintf("mmap|%d|%d|$0", rwx, private),   // 4 reported, with the file
		fmt.Sprintf("mmap|%d|%d|-1", rw, anon),       // 5 not: no exec
		fmt.Sprintf("mprotect|$5|%d", rwx),           // 6 reported
		fmt.Sprintf("mprotect|$5|%d", rOnly),         // 7 not: no exec
		fmt.Sprintf("mprotect|$5|%d", rx),            // 8 reported: anonymous
		fmt.Sprintf("mprotect|$3|%d", rx),            // 9 not: file, not writable
	)
	fd := res[0]
	for i, v := range res {
		if v < 0 && i != 4 { // /tmp may be noexec: then mmap 4 fails, and is reported all the same
			t.Fatalf("helper results %v", res)
		}
	}
	mmapArgs := func(ret, prot, flags, fd int64) []event.Arg {
		return []event.Arg{hexArg("res", ret), hexArg("addr", 0), kindArg("length", event.ArgUint, 4096),
			kindArg("prot", event.ArgProt, prot), kindArg("flags", event.ArgMmapFlags, flags),
			fdArg("fd", fd), kindArg("offset", event.ArgUint, 0)}
	}
	checkMisc(t, c.waitRes(t, pid, event.TypeMmap, res[1]), res[1], nil, mmapArgs(res[1], rwx, anon, -1)...)
	checkMisc(t, c.waitRes(t, pid, event.TypeMmap, res[4]), res[4],
		&event.FD{Num: fd, Type: event.FDFile, Name: file}, mmapArgs(res[4], rwx, private, fd)...)
	mprotectArgs := func(prot int64) []event.Arg {
		return []event.Arg{resArg(0), hexArg("addr", res[5]), kindArg("len", event.ArgUint, 4096), kindArg("prot", event.ArgProt, prot)}
	}
	checkMisc(t, c.waitCall(t, pid, event.TypeMprotect, "prot", rwx), 0, nil, mprotectArgs(rwx)...)
	checkMisc(t, c.waitCall(t, pid, event.TypeMprotect, "prot", rx), 0, nil, mprotectArgs(rx)...)
	if n := c.countCalls(t, pid, event.TypeMmap); n != 2 {
		t.Errorf("%d mmap events, want 2 (the filtered ones reported)", n)
	}
	if n := c.countCalls(t, pid, event.TypeMprotect); n != 2 {
		t.Errorf("%d mprotect events, want 2 (the filtered ones reported)", n)
	}
}

// TestMiscKillFamily: signal 0 to itself through kill, tkill and tgkill.
func TestMiscKillFamily(t *testing.T) {
	c := startSensor(t, Options{Syscalls: []event.Type{event.TypeKill, event.TypeTkill, event.TypeTgkill}})
	pid, res := runMiscOps(t, testDir(t), nil, "kill|self|0", "tkill|self|0", "tgkill|self|self|0")
	if !reflect.DeepEqual(res, []int64{0, 0, 0}) {
		t.Fatalf("helper results %v", res)
	}
	sig0 := kindArg("sig", event.ArgSignal, 0)
	// the Go runtime preempts with tgkill(SIGURG): match signal 0
	checkMisc(t, c.waitCall(t, pid, event.TypeKill, "sig", 0), 0, nil, resArg(0), intArg("pid", int64(pid)), sig0)
	ev := c.waitCall(t, pid, event.TypeTkill, "sig", 0)
	tid := int64(ev.Process.TID)
	checkMisc(t, ev, 0, nil, resArg(0), intArg("tid", tid), sig0)
	checkMisc(t, c.waitCall(t, pid, event.TypeTgkill, "sig", 0), 0, nil, resArg(0), intArg("pid", int64(pid)), intArg("tid", tid), sig0)
}

// TestMiscPrctl: PR_SET_NAME's name; the task reports the new comm.
func TestMiscPrctl(t *testing.T) {
	c := startSensor(t, Options{Syscalls: []event.Type{event.TypePrctl}})
	pid, res := runMiscOps(t, testDir(t), nil, "prctl_name|vigil-x")
	if res[0] != 0 {
		t.Fatalf("helper results %v", res)
	}
	ev := c.waitCall(t, pid, event.TypePrctl, "option", unix.PR_SET_NAME)
	checkMisc(t, ev, 0, nil, intArg("res", 0), kindArg("option", event.ArgPrctlOption, unix.PR_SET_NAME),
		strArg("arg2_str", event.ArgString, "vigil-x"), intArg("arg2_int", 0))
	if ev.Process.Name != "vigil-x" {
		t.Errorf("process name %q after PR_SET_NAME, want vigil-x", ev.Process.Name)
	}
}

// TestMiscExecFail: asking for execve and execveat adds the failed calls
// (with the filename as passed) to the successful ones, which the process
// object reports without syscall details.
func TestMiscExecFail(t *testing.T) {
	c := startSensor(t, Options{Syscalls: []event.Type{event.TypeExecve, event.TypeExecveat}})
	dir := testDir(t)
	pid, res := runMiscOps(t, dir, nil, "execve|/nonexistent/vigil-missing", "execveat|cwd|missing-rel|0")
	enoent := -int64(unix.ENOENT)
	if !reflect.DeepEqual(res, []int64{enoent, enoent}) {
		t.Fatalf("helper results %v", res)
	}
	for typ, name := range map[event.Type]string{event.TypeExecve: "/nonexistent/vigil-missing", event.TypeExecveat: "missing-rel"} {
		ev := c.waitRes(t, pid, typ, enoent)
		checkMisc(t, ev, enoent, nil, resArg(enoent))
		if ev.Exec == nil || ev.Exec.Filename != name {
			t.Errorf("failed %s exec details %+v, want filename %q", typ, ev.Exec, name)
		}
	}
	// the helper's own, successful exec: reported once, by the process object
	okExec := c.wait(t, "helper exec", func(e *event.Event) bool { return isType(e, pid, event.TypeExecve) && e.Syscall == nil })
	if okExec.Exec == nil {
		t.Errorf("successful exec without exec details: %+v", okExec)
	}
	c.countCalls(t, pid, event.TypeExecve)
	if n := len(c.all(func(e *event.Event) bool {
		return isType(e, pid, event.TypeExecve, event.TypeExecveat) && e.Syscall != nil && e.Syscall.Res >= 0
	})); n != 0 {
		t.Errorf("%d successful execs reported as failed-exec records", n)
	}
}

// syscallTracepointExists reports whether tracefs has the system call
// tracepoint name.
func syscallTracepointExists(name string) bool {
	for _, root := range []string{"/sys/kernel/tracing", "/sys/kernel/debug/tracing"} {
		if _, err := os.Stat(filepath.Join(root, "events/syscalls", name)); err == nil {
			return true
		}
	}
	return false
}
