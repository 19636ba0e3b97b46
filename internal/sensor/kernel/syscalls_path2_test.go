package kernel

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/vigil-sec/vigil/internal/event"
)

// pathPairs is every path-pair call the sensor supports.
var pathPairs = []event.Type{
	event.TypeRename, event.TypeRenameat, event.TypeRenameat2, event.TypeLink, event.TypeLinkat,
	event.TypeSymlink, event.TypeSymlinkat,
}

func pArg(name, s string) event.Arg { return event.Arg{Name: name, Kind: event.ArgPath, Str: s} }
func uArg(name string, n int64) event.Arg {
	return event.Arg{Name: name, Kind: event.ArgUint, Num: n}
}

// waitPair waits for the path-pair event of type typ that pid made with
// the given res.
func (c *collector) waitPair(t *testing.T, pid int, typ event.Type, res int64) *event.Event {
	t.Helper()
	return c.wait(t, fmt.Sprintf("%s res %d", typ, res), func(e *event.Event) bool {
		return isType(e, pid, typ) && e.Syscall != nil && e.Syscall.Res == res
	})
}

// TestRenameatTwoDirfds: each relative name is resolved against its own
// dirfd's path.
func TestRenameatTwoDirfds(t *testing.T) {
	c := startSensor(t, Options{Syscalls: []event.Type{event.TypeRenameat}})
	dir := testDir(t)
	src, dst := filepath.Join(dir, "src"), filepath.Join(dir, "dst")
	mkdirs(t, src, dst)
	writeFile(t, filepath.Join(src, "f"))
	pid, res := runFileOps(t, "/",
		fmt.Sprintf("openat|cwd|%s|%#x|0", src, unix.O_PATH|unix.O_DIRECTORY),
		fmt.Sprintf("openat|cwd|%s|%#x|0", dst, unix.O_RDONLY|unix.O_DIRECTORY),
		"renameat|$0|./f|$1|g")
	if res[0] < 0 || res[1] < 0 || res[2] != 0 || !exists(filepath.Join(dst, "g")) {
		t.Fatalf("helper results %v", res)
	}
	ev := c.waitPair(t, pid, event.TypeRenameat, 0)
	checkPathOp(t, ev, 0, resArg(0), fdArg("olddirfd", res[0]), pArg("oldpath", filepath.Join(src, "f")),
		fdArg("newdirfd", res[1]), pArg("newpath", filepath.Join(dst, "g")))
}

// TestRenameFailed: ENOENT, both names resolved against the cwd.
func TestRenameFailed(t *testing.T) {
	c := startSensor(t, Options{Syscalls: pathPairs})
	dir := testDir(t)
	enoent := -int64(unix.ENOENT)
	pid, res := runFileOps(t, dir, "rename|missing|"+dir+"//other")
	if res[0] != enoent {
		t.Fatalf("helper results %v, want ENOENT", res)
	}
	ev := c.waitPair(t, pid, event.TypeRename, enoent)
	checkPathOp(t, ev, enoent, resArg(enoent), pArg("oldpath", filepath.Join(dir, "missing")),
		pArg("newpath", filepath.Join(dir, "other")))
}

// TestRenameat2: flags as passed (RENAME_NOREPLACE), names against the cwd.
func TestRenameat2(t *testing.T) {
	c := startSensor(t, Options{Syscalls: []event.Type{event.TypeRenameat2}})
	dir := testDir(t)
	writeFile(t, filepath.Join(dir, "a"))
	pid, res := runFileOps(t, dir, fmt.Sprintf("renameat2|cwd|a|cwd|b|%#x", unix.RENAME_NOREPLACE))
	if res[0] != 0 {
		t.Fatalf("helper results %v", res)
	}
	ev := c.waitPair(t, pid, event.TypeRenameat2, 0)
	checkPathOp(t, ev, 0, resArg(0), fdArg("olddirfd", unix.AT_FDCWD), pArg("oldpath", filepath.Join(dir, "a")),
		fdArg("newdirfd", unix.AT_FDCWD), pArg("newpath", filepath.Join(dir, "b")), uArg("flags", unix.RENAME_NOREPLACE))
}

// TestLinkat: an absolute old name and a new name relative to a dirfd.
func TestLinkat(t *testing.T) {
	c := startSensor(t, Options{Syscalls: []event.Type{event.TypeLinkat}})
	dir := testDir(t)
	sub := filepath.Join(dir, "sub")
	mkdirs(t, sub)
	file := filepath.Join(dir, "f")
	writeFile(t, file)
	pid, res := runFileOps(t, "/",
		fmt.Sprintf("openat|cwd|%s|%#x|0", sub, unix.O_PATH|unix.O_DIRECTORY),
		fmt.Sprintf("linkat|cwd|%s/./f|$0|hard|0", dir))
	if res[0] < 0 || res[1] != 0 || !exists(filepath.Join(sub, "hard")) {
		t.Fatalf("helper results %v", res)
	}
	ev := c.waitPair(t, pid, event.TypeLinkat, 0)
	checkPathOp(t, ev, 0, resArg(0), fdArg("olddir", unix.AT_FDCWD), pArg("oldpath", file),
		fdArg("newdir", res[0]), pArg("newpath", filepath.Join(sub, "hard")), uArg("flags", 0))
}

// TestSymlinkRelativeTarget: the target is the link's content, kept as
// written; the link path is resolved against the cwd.
func TestSymlinkRelativeTarget(t *testing.T) {
	c := startSensor(t, Options{Syscalls: []event.Type{event.TypeSymlink}})
	dir := testDir(t)
	pid, res := runFileOps(t, dir, "symlink|../x//y|ln")
	link := filepath.Join(dir, "ln")
	if res[0] != 0 {
		t.Fatalf("helper results %v", res)
	}
	if got, _ := os.Readlink(link); got != "../x//y" {
		t.Fatalf("readlink = %q", got)
	}
	ev := c.waitPair(t, pid, event.TypeSymlink, 0)
	checkPathOp(t, ev, 0, resArg(0), pArg("target", "../x//y"), pArg("linkpath", link))
}

// TestSymlinkat: relative to a dirfd; then again, EEXIST.
func TestSymlinkat(t *testing.T) {
	c := startSensor(t, Options{Syscalls: []event.Type{event.TypeSymlinkat}})
	dir := testDir(t)
	pid, res := runFileOps(t, "/",
		fmt.Sprintf("openat|cwd|%s|%#x|0", dir, unix.O_RDONLY|unix.O_DIRECTORY),
		"symlinkat|target|$0|ln",
		"symlinkat|/abs/t|$0|ln")
	eexist := -int64(unix.EEXIST)
	link := filepath.Join(dir, "ln")
	if res[0] < 0 || res[1] != 0 || res[2] != eexist {
		t.Fatalf("helper results %v", res)
	}
	ev := c.waitPair(t, pid, event.TypeSymlinkat, 0)
	checkPathOp(t, ev, 0, resArg(0), pArg("target", "target"), fdArg("linkdirfd", res[0]), pArg("linkpath", link))
	ev = c.waitPair(t, pid, event.TypeSymlinkat, eexist)
	checkPathOp(t, ev, eexist, resArg(eexist), pArg("target", "/abs/t"), fdArg("linkdirfd", res[0]), pArg("linkpath", link))
}

// TestPathPairsNotRequested: with only link requested, the other path
// pairs are not captured.
func TestPathPairsNotRequested(t *testing.T) {
	c := startSensor(t, Options{Syscalls: []event.Type{event.TypeLink}})
	dir := testDir(t)
	writeFile(t, filepath.Join(dir, "f"))
	pid, res := runFileOps(t, dir,
		"rename|f|g", "renameat|cwd|g|cwd|h", "renameat2|cwd|h|cwd|f|0",
		"symlink|f|s", "symlinkat|f|cwd|s2", "linkat|cwd|f|cwd|l1|0", "link|f|l2")
	for i, r := range res {
		if r != 0 {
			t.Fatalf("helper result %d: %v", i, res)
		}
	}
	c.waitPair(t, pid, event.TypeLink, 0)
	if ev := c.find(func(e *event.Event) bool {
		return e.Syscall != nil && e.Type != event.TypeLink
	}); ev != nil {
		t.Errorf("%s captured without being requested: %+v", ev.Type, ev.Syscall.Args)
	}
}
