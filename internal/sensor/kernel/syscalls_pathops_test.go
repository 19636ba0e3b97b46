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

// pathOps is every path operation the sensor supports.
var pathOps = []event.Type{event.TypeUnlink, event.TypeUnlinkat, event.TypeMkdir, event.TypeMkdirat, event.TypeRmdir}

func resArg(n int64) event.Arg         { return event.Arg{Name: "res", Kind: event.ArgErrno, Num: n} }
func pathArg(s string) event.Arg       { return event.Arg{Name: "path", Kind: event.ArgPath, Str: s} }
func unlinkFlagsArg(n int64) event.Arg { return event.Arg{Name: "flags", Kind: event.ArgUint, Num: n} }

// checkPathOp compares a path operation's details: no fd, the arguments
// in Falco's order.
func checkPathOp(t *testing.T, ev *event.Event, res int64, args ...event.Arg) {
	t.Helper()
	if ev.Exec != nil || ev.Clone != nil || ev.Exit != nil || ev.Drop != nil {
		t.Errorf("%s event carries other details: %+v", ev.Type, ev)
	}
	if ev.Syscall.FD != nil {
		t.Errorf("%s has an fd: %+v", ev.Type, *ev.Syscall.FD)
	}
	if ev.Syscall.Res != res {
		t.Errorf("%s res = %d, want %d", ev.Type, ev.Syscall.Res, res)
	}
	if !reflect.DeepEqual(ev.Syscall.Args, args) {
		t.Errorf("%s args:\n got %+v\nwant %+v", ev.Type, ev.Syscall.Args, args)
	}
}

func mkdirs(t *testing.T, dirs ...string) {
	t.Helper()
	for _, d := range dirs {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
}

func exists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil
}

// TestUnlinkatRelativeToDirfd: the name is resolved against the dirfd's
// path, from the kernel, though the file is gone by the call's exit.
func TestUnlinkatRelativeToDirfd(t *testing.T) {
	c := startSensor(t, Options{Syscalls: []event.Type{event.TypeUnlinkat}})
	dir := testDir(t)
	file := filepath.Join(dir, "sub", "file")
	writeFile(t, file)
	pid, res := runFileOps(t, "/",
		fmt.Sprintf("openat|cwd|%s|%#x|0", dir, unix.O_PATH|unix.O_DIRECTORY),
		"unlinkat|$0|sub/file|0")
	dirfd := res[0]
	if dirfd < 0 || res[1] != 0 || exists(file) {
		t.Fatalf("helper results %v", res)
	}
	ev := c.waitPathOp(t, pid, event.TypeUnlinkat, file)
	checkPathOp(t, ev, 0, resArg(0), fdArg("dirfd", dirfd), nameArg(file), unlinkFlagsArg(0))
}

// TestUnlinkatRemoveDir: unlinkat(AT_REMOVEDIR) relative to the cwd.
func TestUnlinkatRemoveDir(t *testing.T) {
	c := startSensor(t, Options{Syscalls: pathOps})
	dir := testDir(t)
	sub := filepath.Join(dir, "d")
	mkdirs(t, sub)
	pid, res := runFileOps(t, dir, fmt.Sprintf("unlinkat|cwd|d|%#x", unix.AT_REMOVEDIR))
	if res[0] != 0 || exists(sub) {
		t.Fatalf("helper results %v", res)
	}
	ev := c.waitPathOp(t, pid, event.TypeUnlinkat, sub)
	checkPathOp(t, ev, 0, resArg(0), fdArg("dirfd", unix.AT_FDCWD), nameArg(sub), unlinkFlagsArg(512))
}

// TestMkdirRelativeToCwd: the new directory's path, resolved against the
// cwd; the mode as passed.
func TestMkdirRelativeToCwd(t *testing.T) {
	c := startSensor(t, Options{Syscalls: []event.Type{event.TypeMkdir}})
	dir := testDir(t)
	mkdirs(t, filepath.Join(dir, "a"))
	pid, res := runFileOps(t, dir, "mkdir|a/../newdir|0o750")
	made := filepath.Join(dir, "newdir")
	if res[0] != 0 || !exists(made) {
		t.Fatalf("helper results %v", res)
	}
	ev := c.waitPathOp(t, pid, event.TypeMkdir, made)
	checkPathOp(t, ev, 0, resArg(0), pathArg(made), modeArg(0o750))
}

// TestMkdirat: relative to a dirfd, then an absolute name (cleaned) that
// exists already (EEXIST).
func TestMkdirat(t *testing.T) {
	c := startSensor(t, Options{Syscalls: []event.Type{event.TypeMkdirat}})
	dir := testDir(t)
	pid, res := runFileOps(t, "/",
		fmt.Sprintf("openat|cwd|%s|%#x|0", dir, unix.O_RDONLY|unix.O_DIRECTORY),
		"mkdirat|$0|made|0o700",
		fmt.Sprintf("mkdirat|$0|%s//made/.|0o755", dir))
	dirfd, eexist := res[0], -int64(unix.EEXIST)
	made := filepath.Join(dir, "made")
	if dirfd < 0 || res[1] != 0 || res[2] != eexist || !exists(made) {
		t.Fatalf("helper results %v", res)
	}
	ev := c.wait(t, "mkdirat", func(e *event.Event) bool { return isType(e, pid, event.TypeMkdirat) && e.Syscall.Res == 0 })
	checkPathOp(t, ev, 0, resArg(0), fdArg("dirfd", dirfd), pathArg(made), modeArg(0o700))
	// The second has the same path, cleaned.
	ev = c.wait(t, "mkdirat EEXIST", func(e *event.Event) bool {
		return isType(e, pid, event.TypeMkdirat) && e.Syscall.Res == eexist
	})
	checkPathOp(t, ev, eexist, resArg(eexist), fdArg("dirfd", dirfd), pathArg(made), modeArg(0o755))
}

// TestUnlinkFailed: ENOENT gives res -2, and the path resolved against the
// cwd all the same.
func TestUnlinkFailed(t *testing.T) {
	c := startSensor(t, Options{Syscalls: pathOps})
	dir := testDir(t)
	enoent := -int64(unix.ENOENT)
	pid, res := runFileOps(t, dir, "unlink|missing")
	if res[0] != enoent {
		t.Fatalf("helper results %v, want ENOENT", res)
	}
	missing := filepath.Join(dir, "missing")
	ev := c.waitPathOp(t, pid, event.TypeUnlink, missing)
	checkPathOp(t, ev, enoent, resArg(enoent), pathArg(missing))
}

func TestUnlink(t *testing.T) {
	c := startSensor(t, Options{Syscalls: []event.Type{event.TypeUnlink}})
	dir := testDir(t)
	file := filepath.Join(dir, "f")
	writeFile(t, file)
	pid, res := runFileOps(t, "/", "unlink|"+dir+"/./f")
	if res[0] != 0 || exists(file) {
		t.Fatalf("helper results %v", res)
	}
	ev := c.waitPathOp(t, pid, event.TypeUnlink, file)
	checkPathOp(t, ev, 0, resArg(0), pathArg(file))
}

// TestRmdir: a relative empty directory is removed; a non-empty one by
// absolute path is refused (ENOTEMPTY).
func TestRmdir(t *testing.T) {
	c := startSensor(t, Options{Syscalls: []event.Type{event.TypeRmdir}})
	dir := testDir(t)
	gone, full := filepath.Join(dir, "gone"), filepath.Join(dir, "full")
	mkdirs(t, gone)
	writeFile(t, filepath.Join(full, "f"))
	pid, res := runFileOps(t, dir, "rmdir|gone", "rmdir|"+full)
	enotempty := -int64(unix.ENOTEMPTY)
	if res[0] != 0 || res[1] != enotempty || exists(gone) {
		t.Fatalf("helper results %v", res)
	}
	ev := c.waitPathOp(t, pid, event.TypeRmdir, gone)
	checkPathOp(t, ev, 0, resArg(0), pathArg(gone))
	ev = c.waitPathOp(t, pid, event.TypeRmdir, full)
	checkPathOp(t, ev, enotempty, resArg(enotempty), pathArg(full))
}

// TestPathOpsNotRequested: with only unlinkat requested, the other path
// operations (and the open family) are not captured.
func TestPathOpsNotRequested(t *testing.T) {
	c := startSensor(t, Options{Syscalls: []event.Type{event.TypeUnlinkat}})
	dir := testDir(t)
	pid, _ := runFileOps(t, dir,
		"mkdir|d|0o755", "mkdirat|cwd|e|0o755", "rmdir|d", "creat|f|0o600", "unlink|f",
		fmt.Sprintf("unlinkat|cwd|e|%#x", unix.AT_REMOVEDIR))
	// The helper's calls come in order: once the last is seen, the earlier
	// ones would have been.
	c.waitPathOp(t, pid, event.TypeUnlinkat, filepath.Join(dir, "e"))
	if ev := c.find(func(e *event.Event) bool {
		return e.Syscall != nil && e.Type != event.TypeUnlinkat
	}); ev != nil {
		t.Errorf("%s captured without being requested: %+v", ev.Type, ev.Syscall.Args)
	}
}
