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

// attrChanges is every attribute change the sensor supports.
var attrChanges = []event.Type{
	event.TypeChmod, event.TypeFchmod, event.TypeFchmodat,
	event.TypeChown, event.TypeLchown, event.TypeFchown, event.TypeFchownat,
}

func filenameArg(s string) event.Arg { return event.Arg{Name: "filename", Kind: event.ArgPath, Str: s} }

// checkAttr compares an attribute change's details: the fd (nil for the
// path-based calls) and the arguments in Falco's order.
func checkAttr(t *testing.T, ev *event.Event, res int64, fd *event.FD, args ...event.Arg) {
	t.Helper()
	if ev.Exec != nil || ev.Clone != nil || ev.Exit != nil || ev.Drop != nil {
		t.Errorf("%s event carries other details: %+v", ev.Type, ev)
	}
	if !reflect.DeepEqual(ev.Syscall.FD, fd) {
		t.Errorf("%s fd = %+v, want %+v", ev.Type, ev.Syscall.FD, fd)
	}
	if ev.Syscall.Res != res {
		t.Errorf("%s res = %d, want %d", ev.Type, ev.Syscall.Res, res)
	}
	if !reflect.DeepEqual(ev.Syscall.Args, args) {
		t.Errorf("%s args:\n got %+v\nwant %+v", ev.Type, ev.Syscall.Args, args)
	}
}

// waitFDCall waits for the event of type typ that pid made on fd num.
func (c *collector) waitFDCall(t *testing.T, pid int, typ event.Type, num int64) *event.Event {
	t.Helper()
	return c.wait(t, fmt.Sprintf("%s of fd %d", typ, num), func(e *event.Event) bool {
		return isType(e, pid, typ) && e.Syscall != nil && e.Syscall.FD != nil && e.Syscall.FD.Num == num
	})
}

func statOf(t *testing.T, path string) unix.Stat_t {
	t.Helper()
	var st unix.Stat_t
	if err := unix.Lstat(path, &st); err != nil {
		t.Fatal(err)
	}
	return st
}

// TestChmodRelativeToCwd: the path resolved against the cwd, the mode as
// passed.
func TestChmodRelativeToCwd(t *testing.T) {
	c := startSensor(t, Options{Syscalls: []event.Type{event.TypeChmod}})
	dir := testDir(t)
	file := filepath.Join(dir, "f")
	writeFile(t, file)
	mkdirs(t, filepath.Join(dir, "a"))
	pid, res := runFileOps(t, dir, "chmod|a/../f|0o640")
	if res[0] != 0 || statOf(t, file).Mode&0o777 != 0o640 {
		t.Fatalf("helper results %v", res)
	}
	ev := c.waitPathOp(t, pid, event.TypeChmod, file)
	checkAttr(t, ev, 0, nil, resArg(0), filenameArg(file), modeArg(0o640))
}

// TestChmodFailed: ENOENT gives res -2 and the resolved path all the same.
func TestChmodFailed(t *testing.T) {
	c := startSensor(t, Options{Syscalls: attrChanges})
	dir := testDir(t)
	enoent := -int64(unix.ENOENT)
	pid, res := runFileOps(t, dir, "chmod|missing|0o600")
	if res[0] != enoent {
		t.Fatalf("helper results %v, want ENOENT", res)
	}
	missing := filepath.Join(dir, "missing")
	ev := c.waitPathOp(t, pid, event.TypeChmod, missing)
	checkAttr(t, ev, enoent, nil, resArg(enoent), filenameArg(missing), modeArg(0o600))
}

// TestFchmod: the fd argument's file, from the kernel, as an opened file.
func TestFchmod(t *testing.T) {
	c := startSensor(t, Options{Syscalls: []event.Type{event.TypeFchmod}})
	dir := testDir(t)
	file := filepath.Join(dir, "f")
	writeFile(t, file)
	pid, res := runFileOps(t, dir, fmt.Sprintf("openat|cwd|f|%#x|0", unix.O_RDONLY), "fchmod|$0|0o600")
	fd := res[0]
	if fd < 0 || res[1] != 0 {
		t.Fatalf("helper results %v", res)
	}
	dev, ino := statFile(t, file)
	ev := c.waitFDCall(t, pid, event.TypeFchmod, fd)
	checkAttr(t, ev, 0, &event.FD{Num: fd, Type: event.FDFile, Name: file, Dev: dev, Ino: ino},
		resArg(0), fdArg("fd", fd), modeArg(0o600))
}

// TestFchmodat: relative to a dirfd.
func TestFchmodat(t *testing.T) {
	c := startSensor(t, Options{Syscalls: []event.Type{event.TypeFchmodat}})
	dir := testDir(t)
	file := filepath.Join(dir, "sub", "f")
	writeFile(t, file)
	pid, res := runFileOps(t, "/",
		fmt.Sprintf("openat|cwd|%s|%#x|0", dir, unix.O_PATH|unix.O_DIRECTORY),
		"fchmodat|$0|sub/f|0o604")
	dirfd := res[0]
	if dirfd < 0 || res[1] != 0 || statOf(t, file).Mode&0o777 != 0o604 {
		t.Fatalf("helper results %v", res)
	}
	ev := c.waitPathOp(t, pid, event.TypeFchmodat, file)
	checkAttr(t, ev, 0, nil, resArg(0), fdArg("dirfd", dirfd), filenameArg(file), modeArg(0o604))
}

// TestChown: to (uid, -1): the gid stays, reported as 0xffffffff.
func TestChown(t *testing.T) {
	c := startSensor(t, Options{Syscalls: []event.Type{event.TypeChown, event.TypeLchown}})
	dir := testDir(t)
	file := filepath.Join(dir, "f")
	writeFile(t, file)
	gid := statOf(t, file).Gid
	pid, res := runFileOps(t, dir, "chown|f|65534|0xffffffff")
	if st := statOf(t, file); res[0] != 0 || st.Uid != 65534 || st.Gid != gid {
		t.Fatalf("helper results %v", res)
	}
	ev := c.waitPathOp(t, pid, event.TypeChown, file)
	checkAttr(t, ev, 0, nil, resArg(0), pathArg(file), uintArg("uid", 65534), uintArg("gid", 0xffffffff))
}

// TestLchown: the link itself, relative to the cwd.
func TestLchown(t *testing.T) {
	c := startSensor(t, Options{Syscalls: []event.Type{event.TypeLchown}})
	dir := testDir(t)
	link := filepath.Join(dir, "ln")
	if err := os.Symlink("nowhere", link); err != nil {
		t.Fatal(err)
	}
	pid, res := runFileOps(t, dir, "lchown|ln|0xffffffff|65534")
	if res[0] != 0 || statOf(t, link).Gid != 65534 {
		t.Fatalf("helper results %v", res)
	}
	ev := c.waitPathOp(t, pid, event.TypeLchown, link)
	checkAttr(t, ev, 0, nil, resArg(0), pathArg(link), uintArg("uid", 0xffffffff), uintArg("gid", 65534))
}

// TestFchown: a directory's fd.
func TestFchown(t *testing.T) {
	c := startSensor(t, Options{Syscalls: []event.Type{event.TypeFchown}})
	dir := testDir(t)
	sub := filepath.Join(dir, "d")
	mkdirs(t, sub)
	pid, res := runFileOps(t, dir, fmt.Sprintf("openat|cwd|d|%#x|0", unix.O_RDONLY|unix.O_DIRECTORY), "fchown|$0|1|2")
	fd := res[0]
	if fd < 0 || res[1] != 0 {
		t.Fatalf("helper results %v", res)
	}
	dev, ino := statFile(t, sub)
	ev := c.waitFDCall(t, pid, event.TypeFchown, fd)
	checkAttr(t, ev, 0, &event.FD{Num: fd, Type: event.FDDirectory, Name: sub, Dev: dev, Ino: ino},
		resArg(0), fdArg("fd", fd), uintArg("uid", 1), uintArg("gid", 2))
}

// TestFchownatNoFollow: AT_SYMLINK_NOFOLLOW on a symlink changes the link;
// the path is the link's.
func TestFchownatNoFollow(t *testing.T) {
	c := startSensor(t, Options{Syscalls: []event.Type{event.TypeFchownat}})
	dir := testDir(t)
	target := filepath.Join(dir, "t")
	writeFile(t, target)
	link := filepath.Join(dir, "ln")
	if err := os.Symlink("t", link); err != nil {
		t.Fatal(err)
	}
	pid, res := runFileOps(t, "/",
		fmt.Sprintf("openat|cwd|%s|%#x|0", dir, unix.O_PATH|unix.O_DIRECTORY),
		fmt.Sprintf("fchownat|$0|ln|65534|65534|%#x", unix.AT_SYMLINK_NOFOLLOW))
	dirfd := res[0]
	if dirfd < 0 || res[1] != 0 || statOf(t, link).Uid != 65534 || statOf(t, target).Uid == 65534 {
		t.Fatalf("helper results %v", res)
	}
	ev := c.wait(t, "fchownat", func(e *event.Event) bool {
		if !isType(e, pid, event.TypeFchownat) || e.Syscall == nil {
			return false
		}
		a, ok := e.Syscall.Arg("pathname")
		return ok && a.Str == link
	})
	checkAttr(t, ev, 0, nil, resArg(0), fdArg("dirfd", dirfd), event.Arg{Name: "pathname", Kind: event.ArgPath, Str: link},
		uintArg("uid", 65534), uintArg("gid", 65534), uintArg("flags", unix.AT_SYMLINK_NOFOLLOW))
}

// TestAttrNotRequested: with only fchmodat requested, the other attribute
// changes are not captured.
func TestAttrNotRequested(t *testing.T) {
	c := startSensor(t, Options{Syscalls: []event.Type{event.TypeFchmodat}})
	dir := testDir(t)
	writeFile(t, filepath.Join(dir, "f"))
	pid, _ := runFileOps(t, dir,
		fmt.Sprintf("openat|cwd|f|%#x|0", unix.O_RDONLY),
		"chmod|f|0o600", "fchmod|$0|0o600", "chown|f|1|1", "lchown|f|2|2", "fchown|$0|3|3",
		"fchownat|cwd|f|4|4|0", "fchmodat|cwd|f|0o644")
	c.waitPathOp(t, pid, event.TypeFchmodat, filepath.Join(dir, "f"))
	if ev := c.find(func(e *event.Event) bool {
		return e.Syscall != nil && e.Type != event.TypeFchmodat
	}); ev != nil {
		t.Errorf("%s captured without being requested: %+v", ev.Type, ev.Syscall.Args)
	}
}
