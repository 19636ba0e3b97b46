package kernel

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/vigil-sec/vigil/internal/event"
	"github.com/vigil-sec/vigil/internal/testutil"
)

// openFamily is the open family of system calls.
var openFamily = []event.Type{event.TypeOpen, event.TypeOpenat, event.TypeOpenat2, event.TypeCreat}

// statFile returns the device (new_encode_dev form, as stat(2) gives it)
// and inode of path.
func statFile(t *testing.T, path string) (uint32, uint64) {
	t.Helper()
	var st syscall.Stat_t
	if err := syscall.Stat(path, &st); err != nil {
		t.Fatal(err)
	}
	return uint32(st.Dev), st.Ino
}

// testDir is a fresh directory without symlinks in its path, so kernel paths
// compare equal to it.
func testDir(t *testing.T) string {
	t.Helper()
	return evalDir(t, t.TempDir())
}

func writeFile(t *testing.T, path string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte("vigil"), 0o644); err != nil {
		t.Fatal(err)
	}
}

// fdArg, pathArg... build the expected arguments.
func fdArg(name string, n int64) event.Arg { return event.Arg{Name: name, Kind: event.ArgFD, Num: n} }
func nameArg(s string) event.Arg           { return event.Arg{Name: "name", Kind: event.ArgPath, Str: s} }
func flagsArg(n int64) event.Arg           { return event.Arg{Name: "flags", Kind: event.ArgOpenFlags, Num: n} }
func modeArg(n int64) event.Arg            { return event.Arg{Name: "mode", Kind: event.ArgMode, Num: n} }
func devIno(dev uint32, ino uint64) []event.Arg {
	return []event.Arg{{Name: "dev", Kind: event.ArgUint, Num: int64(dev)}, {Name: "ino", Kind: event.ArgUint, Num: int64(ino)}}
}

func checkSyscall(t *testing.T, ev *event.Event, want *event.Syscall) {
	t.Helper()
	if ev.Exec != nil || ev.Clone != nil || ev.Exit != nil || ev.Drop != nil {
		t.Errorf("%s event carries other details: %+v", ev.Type, ev)
	}
	if !reflect.DeepEqual(ev.Syscall.Args, want.Args) {
		t.Errorf("%s args:\n got %+v\nwant %+v", ev.Type, ev.Syscall.Args, want.Args)
	}
	if ev.Syscall.Res != want.Res {
		t.Errorf("%s res = %d, want %d", ev.Type, ev.Syscall.Res, want.Res)
	}
	if *ev.Syscall.FD != *want.FD {
		t.Errorf("%s fd:\n got %+v\nwant %+v", ev.Type, *ev.Syscall.FD, *want.FD)
	}
}

func TestOpenatAbsolute(t *testing.T) {
	c := startSensor(t, Options{Syscalls: openFamily})
	dir := testDir(t)
	file := filepath.Join(dir, "file")
	writeFile(t, file)
	dev, ino := statFile(t, file)

	before := time.Now()
	pid, res := runFileOps(t, "/", fmt.Sprintf("openat|cwd|%s|0|0", file))
	fd := res[0]
	if fd < 0 {
		t.Fatalf("openat failed: %d", fd)
	}
	ev := c.waitOpen(t, pid, event.TypeOpenat, file)
	checkSyscall(t, ev, &event.Syscall{
		Res:  fd,
		Args: append([]event.Arg{fdArg("fd", fd), fdArg("dirfd", unix.AT_FDCWD), nameArg(file), flagsArg(unix.O_RDONLY), modeArg(0)}, devIno(dev, ino)...),
		FD:   &event.FD{Num: fd, Type: event.FDFile, Name: file, NameRaw: file, Dev: dev, Ino: ino},
	})
	p := ev.Process
	if p.PID != uint32(pid) || p.TID != uint32(pid) || p.PPID != uint32(os.Getpid()) || p.UID != uint32(os.Getuid()) {
		t.Errorf("process = %+v", p)
	}
	if p.Name != "exe" { // the helper runs as /proc/self/exe
		t.Errorf("process name %q, want exe", p.Name)
	}
	if ev.Time.Before(before.Add(-time.Second)) || ev.Time.After(time.Now().Add(time.Second)) {
		t.Errorf("event time %v outside the test's run from %v", ev.Time, before)
	}
}

// TestOpenatRelativeToDirfd opens a directory with O_PATH, then a file
// relative to it: fd.name is the file's absolute path, from the kernel.
func TestOpenatRelativeToDirfd(t *testing.T) {
	c := startSensor(t, Options{Syscalls: []event.Type{event.TypeOpenat}})
	dir := testDir(t)
	file := filepath.Join(dir, "sub", "file")
	writeFile(t, file)
	dev, ino := statFile(t, file)
	ddev, dino := statFile(t, dir)

	pid, res := runFileOps(t, "/",
		fmt.Sprintf("openat|cwd|%s|%#x|0", dir, unix.O_PATH|unix.O_DIRECTORY),
		"openat|$0|sub/file|0|0",
		"openat|$0|sub/missing|0|0")
	dirfd, fd := res[0], res[1]
	if dirfd < 0 || fd < 0 || res[2] != -int64(unix.ENOENT) {
		t.Fatalf("helper results %v", res)
	}
	ev := c.waitOpen(t, pid, event.TypeOpenat, dir)
	checkSyscall(t, ev, &event.Syscall{
		Res:  dirfd,
		Args: append([]event.Arg{fdArg("fd", dirfd), fdArg("dirfd", unix.AT_FDCWD), nameArg(dir), flagsArg(unix.O_PATH | unix.O_DIRECTORY), modeArg(0)}, devIno(ddev, dino)...),
		FD:   &event.FD{Num: dirfd, Type: event.FDDirectory, Name: dir, NameRaw: dir, Dev: ddev, Ino: dino},
	})
	ev = c.waitOpen(t, pid, event.TypeOpenat, "sub/file")
	checkSyscall(t, ev, &event.Syscall{
		Res:  fd,
		Args: append([]event.Arg{fdArg("fd", fd), fdArg("dirfd", dirfd), nameArg("sub/file"), flagsArg(0), modeArg(0)}, devIno(dev, ino)...),
		FD:   &event.FD{Num: fd, Type: event.FDFile, Name: file, NameRaw: "sub/file", Dev: dev, Ino: ino},
	})
	// A failed call is resolved against the dirfd's path.
	ev = c.waitOpen(t, pid, event.TypeOpenat, "sub/missing")
	enoent := -int64(unix.ENOENT)
	checkSyscall(t, ev, &event.Syscall{
		Res:  enoent,
		Args: append([]event.Arg{fdArg("fd", enoent), fdArg("dirfd", dirfd), nameArg("sub/missing"), flagsArg(0), modeArg(0)}, devIno(0, 0)...),
		FD:   &event.FD{Num: enoent, Type: event.FDFile, Name: filepath.Join(dir, "sub/missing"), NameRaw: "sub/missing"},
	})
}

// TestOpenRelativeToCwd calls open(2) itself (glibc's open() calls openat).
func TestOpenRelativeToCwd(t *testing.T) {
	c := startSensor(t, Options{Syscalls: []event.Type{event.TypeOpen}})
	dir := testDir(t)
	file := filepath.Join(dir, "rel", "file")
	writeFile(t, file)
	dev, ino := statFile(t, file)

	pid, res := runFileOps(t, dir, "open|rel/file|0|0")
	fd := res[0]
	if fd < 0 {
		t.Fatalf("open failed: %d", fd)
	}
	ev := c.waitOpen(t, pid, event.TypeOpen, "rel/file")
	checkSyscall(t, ev, &event.Syscall{
		Res:  fd,
		Args: append([]event.Arg{fdArg("fd", fd), nameArg("rel/file"), flagsArg(0), modeArg(0)}, devIno(dev, ino)...),
		FD:   &event.FD{Num: fd, Type: event.FDFile, Name: file, NameRaw: "rel/file", Dev: dev, Ino: ino},
	})
}

// TestOpenFailedResolvedFromCwd: ENOENT gives res -2, and fd.name is the
// name resolved against the caller's cwd (from the kernel).
func TestOpenFailedResolvedFromCwd(t *testing.T) {
	c := startSensor(t, Options{Syscalls: openFamily})
	dir := testDir(t)
	enoent := -int64(unix.ENOENT)
	pid, res := runFileOps(t, dir,
		"open|missing/../nofile|0|0",
		fmt.Sprintf("openat|cwd|%s/./missing|0|0", dir))
	if res[0] != enoent || res[1] != enoent {
		t.Fatalf("helper results %v, want ENOENT", res)
	}
	ev := c.waitOpen(t, pid, event.TypeOpen, "missing/../nofile")
	checkSyscall(t, ev, &event.Syscall{
		Res:  enoent,
		Args: append([]event.Arg{fdArg("fd", enoent), nameArg("missing/../nofile"), flagsArg(0), modeArg(0)}, devIno(0, 0)...),
		FD:   &event.FD{Num: enoent, Type: event.FDFile, Name: filepath.Join(dir, "nofile"), NameRaw: "missing/../nofile"},
	})
	// An absolute name needs no base; it is cleaned.
	raw := dir + "/./missing"
	ev = c.waitOpen(t, pid, event.TypeOpenat, raw)
	checkSyscall(t, ev, &event.Syscall{
		Res:  enoent,
		Args: append([]event.Arg{fdArg("fd", enoent), fdArg("dirfd", unix.AT_FDCWD), nameArg(raw), flagsArg(0), modeArg(0)}, devIno(0, 0)...),
		FD:   &event.FD{Num: enoent, Type: event.FDFile, Name: filepath.Join(dir, "missing"), NameRaw: raw},
	})
}

func TestCreat(t *testing.T) {
	c := startSensor(t, Options{Syscalls: []event.Type{event.TypeCreat}})
	dir := testDir(t)
	pid, res := runFileOps(t, dir, "creat|newfile|0o640")
	fd := res[0]
	if fd < 0 {
		t.Fatalf("creat failed: %d", fd)
	}
	file := filepath.Join(dir, "newfile")
	dev, ino := statFile(t, file)
	ev := c.waitOpen(t, pid, event.TypeCreat, "newfile")
	// Falco's creat has no flags parameter.
	checkSyscall(t, ev, &event.Syscall{
		Res:  fd,
		Args: append([]event.Arg{fdArg("fd", fd), nameArg("newfile"), modeArg(0o640)}, devIno(dev, ino)...),
		FD:   &event.FD{Num: fd, Type: event.FDFile, Name: file, NameRaw: "newfile", Dev: dev, Ino: ino},
	})
}

// TestOpenat2 passes a struct open_how with RESOLVE_NO_SYMLINKS: allowed
// through a plain path, refused (ELOOP) through a symlink.
func TestOpenat2(t *testing.T) {
	c := startSensor(t, Options{Syscalls: []event.Type{event.TypeOpenat2}})
	dir := testDir(t)
	file := filepath.Join(dir, "file")
	writeFile(t, file)
	link := filepath.Join(dir, "link")
	if err := os.Symlink(file, link); err != nil {
		t.Fatal(err)
	}
	dev, ino := statFile(t, file)
	flags := int64(unix.O_RDONLY | unix.O_CLOEXEC)
	pid, res := runFileOps(t, "/",
		fmt.Sprintf("openat2|cwd|%s|%#x|0|%#x", file, flags, unix.RESOLVE_NO_SYMLINKS),
		fmt.Sprintf("openat2|cwd|%s|%#x|0|%#x", link, flags, unix.RESOLVE_NO_SYMLINKS))
	fd, eloop := res[0], -int64(unix.ELOOP)
	if fd < 0 || res[1] != eloop {
		t.Fatalf("helper results %v, want an fd and ELOOP", res)
	}
	resolve := event.Arg{Name: "resolve", Kind: event.ArgResolve, Num: unix.RESOLVE_NO_SYMLINKS}
	ev := c.waitOpen(t, pid, event.TypeOpenat2, file)
	checkSyscall(t, ev, &event.Syscall{
		Res:  fd,
		Args: append([]event.Arg{fdArg("fd", fd), fdArg("dirfd", unix.AT_FDCWD), nameArg(file), flagsArg(flags), modeArg(0), resolve}, devIno(dev, ino)...),
		FD:   &event.FD{Num: fd, Type: event.FDFile, Name: file, NameRaw: file, Dev: dev, Ino: ino},
	})
	ev = c.waitOpen(t, pid, event.TypeOpenat2, link)
	checkSyscall(t, ev, &event.Syscall{
		Res:  eloop,
		Args: append([]event.Arg{fdArg("fd", eloop), fdArg("dirfd", unix.AT_FDCWD), nameArg(link), flagsArg(flags), modeArg(0), resolve}, devIno(0, 0)...),
		FD:   &event.FD{Num: eloop, Type: event.FDFile, Name: link, NameRaw: link},
	})
}

// TestOpenKernelPath: through a symlink, fd.name is the file the kernel
// opened and fd.nameraw what the caller passed.
func TestOpenKernelPath(t *testing.T) {
	c := startSensor(t, Options{Syscalls: []event.Type{event.TypeOpenat}})
	dir := testDir(t)
	file := filepath.Join(dir, "target")
	writeFile(t, file)
	if err := os.Symlink("target", filepath.Join(dir, "link")); err != nil {
		t.Fatal(err)
	}
	dev, ino := statFile(t, file)
	pid, res := runFileOps(t, dir, "openat|cwd|link|0|0")
	ev := c.waitOpen(t, pid, event.TypeOpenat, "link")
	want := event.FD{Num: res[0], Type: event.FDFile, Name: file, NameRaw: "link", Dev: dev, Ino: ino}
	if *ev.Syscall.FD != want {
		t.Errorf("fd:\n got %+v\nwant %+v", *ev.Syscall.FD, want)
	}
}

func TestOpenDirectory(t *testing.T) {
	c := startSensor(t, Options{Syscalls: []event.Type{event.TypeOpenat, event.TypeOpen}})
	dir := testDir(t)
	dev, ino := statFile(t, dir)
	// Without O_DIRECTORY too: the type comes from the inode.
	pid, res := runFileOps(t, dir,
		fmt.Sprintf("openat|cwd|%s|%#x|0", dir, unix.O_RDONLY|unix.O_DIRECTORY),
		"open|.|0|0")
	for _, tc := range []struct {
		typ   event.Type
		raw   string
		flags int64
		fd    int64
	}{
		{event.TypeOpenat, dir, unix.O_DIRECTORY, res[0]},
		{event.TypeOpen, ".", 0, res[1]},
	} {
		ev := c.waitOpen(t, pid, tc.typ, tc.raw)
		want := event.FD{Num: tc.fd, Type: event.FDDirectory, Name: dir, NameRaw: tc.raw, Dev: dev, Ino: ino}
		if *ev.Syscall.FD != want {
			t.Errorf("%s fd:\n got %+v\nwant %+v", tc.typ, *ev.Syscall.FD, want)
		}
		if a, _ := ev.Syscall.Arg("flags"); a.Num != tc.flags {
			t.Errorf("%s flags = %#x, want %#x", tc.typ, a.Num, tc.flags)
		}
	}
}

// TestOpenCreateFlags: the kernel's O_* flags and the mode, as passed.
func TestOpenCreateFlags(t *testing.T) {
	c := startSensor(t, Options{Syscalls: []event.Type{event.TypeOpenat}})
	dir := testDir(t)
	file := filepath.Join(dir, "created")
	flags := int64(unix.O_WRONLY | unix.O_CREAT | unix.O_TRUNC)
	// Then the same file without O_CREAT, passing a mode all the same:
	// the argument is what the caller passed (Falco's rendering drops it).
	pid, res := runFileOps(t, dir,
		fmt.Sprintf("openat|cwd|%s|%#x|0o600", file, flags),
		"openat|cwd|created|0|0o4755")
	fd := res[0]
	if fd < 0 || res[1] < 0 {
		t.Fatalf("helper results %v", res)
	}
	dev, ino := statFile(t, file)
	ev := c.waitOpen(t, pid, event.TypeOpenat, file)
	checkSyscall(t, ev, &event.Syscall{
		Res:  fd,
		Args: append([]event.Arg{fdArg("fd", fd), fdArg("dirfd", unix.AT_FDCWD), nameArg(file), flagsArg(flags), modeArg(0o600)}, devIno(dev, ino)...),
		FD:   &event.FD{Num: fd, Type: event.FDFile, Name: file, NameRaw: file, Dev: dev, Ino: ino},
	})
	ev = c.waitOpen(t, pid, event.TypeOpenat, "created")
	checkSyscall(t, ev, &event.Syscall{
		Res:  res[1],
		Args: append([]event.Arg{fdArg("fd", res[1]), fdArg("dirfd", unix.AT_FDCWD), nameArg("created"), flagsArg(0), modeArg(0o4755)}, devIno(dev, ino)...),
		FD:   &event.FD{Num: res[1], Type: event.FDFile, Name: file, NameRaw: "created", Dev: dev, Ino: ino},
	})
}

// TestOpenMemfd reopens a memfd through /proc/self/fd: fd.type memfd.
func TestOpenMemfd(t *testing.T) {
	c := startSensor(t, Options{Syscalls: []event.Type{event.TypeOpenat}})
	pid, res := runFileOps(t, "/", "memfd|vigil-open", fmt.Sprintf("reopen|$0|%#x", unix.O_RDWR))
	if res[0] < 0 || res[1] < 0 {
		t.Fatalf("helper results %v, want two fds", res)
	}
	ev := c.waitOpen(t, pid, event.TypeOpenat, fmt.Sprintf("/proc/self/fd/%d", res[0]))
	fd := ev.Syscall.FD
	if fd.Type != event.FDMemfd || fd.Name != "/memfd:vigil-open" || fd.Num != res[1] || fd.Ino == 0 {
		t.Errorf("fd = %+v, want memfd /memfd:vigil-open", *fd)
	}
}

// TestSyscallsNotRequested: with only openat requested, open(2) is not
// captured: its tracepoints are not even attached.
func TestSyscallsNotRequested(t *testing.T) {
	c := startSensor(t, Options{Syscalls: []event.Type{event.TypeOpenat}})
	dir := testDir(t)
	pid, _ := runFileOps(t, dir, "open|by-open|0|0", "creat|by-creat|0o600", "openat|cwd|by-openat|0|0")
	// The helper's calls come in order: once the last is seen, the earlier
	// ones would have been.
	c.waitOpen(t, pid, event.TypeOpenat, "by-openat")
	if ev := c.find(func(e *event.Event) bool {
		return e.Type == event.TypeOpen || e.Type == event.TypeCreat || e.Type == event.TypeOpenat2
	}); ev != nil {
		t.Errorf("%s captured without being requested: %+v", ev.Type, ev.Syscall.FD)
	}
}

// TestNoSyscallsByDefault: without Options.Syscalls no system call event.
func TestNoSyscallsByDefault(t *testing.T) {
	c := startSensor(t, Options{})
	dir := testDir(t)
	cmd := helperCmd("fileops", "openat|cwd|x|0|0")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("helper: %v: %s", err, out)
	}
	c.wait(t, "helper exit", func(e *event.Event) bool { return isType(e, cmd.Process.Pid, event.TypeProcExit) })
	if ev := c.find(func(e *event.Event) bool { return e.Syscall != nil }); ev != nil {
		t.Errorf("%s captured without being requested", ev.Type)
	}
}

// TestOwnOpensExcluded: the agent's own opens are not reported.
func TestOwnOpensExcluded(t *testing.T) {
	c := startSensor(t, Options{Syscalls: openFamily})
	dir := testDir(t)
	own := filepath.Join(dir, "own")
	if err := os.WriteFile(own, nil, 0o600); err != nil { // openat(O_CREAT) from this process
		t.Fatal(err)
	}
	if f, err := os.Open(own); err == nil {
		f.Close()
	}
	pid, _ := runFileOps(t, dir, "openat|cwd|other|0|0")
	c.waitOpen(t, pid, event.TypeOpenat, "other")
	self := uint32(os.Getpid())
	if ev := c.find(func(e *event.Event) bool {
		return e.Syscall != nil && (e.Process.PID == self || e.Syscall.FD.NameRaw == own)
	}); ev != nil {
		t.Errorf("agent's own %s reported: %+v", ev.Type, ev.Syscall.FD)
	}
}

func TestUnsupportedSyscall(t *testing.T) {
	_, err := New(Options{Syscalls: []event.Type{event.TypeOpenat, event.TypeClone}})
	if err == nil || !strings.Contains(err.Error(), "clone") || !strings.Contains(err.Error(), "openat2") {
		t.Fatalf("New with clone in Syscalls: err = %v, want one naming clone and the supported calls", err)
	}
}

func TestSupportedSyscalls(t *testing.T) {
	got := SupportedSyscalls()
	var misc []event.Type
	for _, t := range event.Types() {
		if t.IsMisc() {
			misc = append(misc, t)
		}
	}
	// failed execs: the successful ones come from the process object
	misc = append(misc, event.TypeExecve, event.TypeExecveat)
	want := slices.Concat(openFamily, pathOps, pathPairs, attrChanges, netCalls, misc)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("SupportedSyscalls() =\n %v\nwant\n %v", got, want)
	}
	got[0] = event.TypeClone // callers get a copy
	if SupportedSyscalls()[0] != event.TypeOpen {
		t.Error("SupportedSyscalls returns shared state")
	}
	for _, typ := range SupportedSyscalls() {
		if !typ.IsSyscall() && !typ.IsExec() {
			t.Errorf("%s is not a syscall event type", typ)
		}
	}
}

// TestOpenInFlightAtAttach: a call entered before the sensor attached (an
// open blocked on a FIFO) returns after: it is still reported whole, since
// the exit program reads the arguments from the saved registers.
func TestOpenInFlightAtAttach(t *testing.T) {
	dir := testDir(t)
	fifo := filepath.Join(dir, "fifo")
	if err := unix.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := helperCmd("fileops", "open|fifo|0|0")
	cmd.Dir = dir
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var waitErr error
	waited := make(chan struct{})
	go func() { waitErr = cmd.Wait(); close(waited) }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-waited
	})
	// Wait until one of its threads sits in open(2).
	inOpen := func() bool {
		tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/syscall", cmd.Process.Pid))
		for _, f := range tasks {
			if b, err := os.ReadFile(f); err == nil && strings.HasPrefix(string(b), fmt.Sprintf("%d ", unix.SYS_OPEN)) {
				return true
			}
		}
		return false
	}
	for deadline := time.Now().Add(10 * time.Second); !inOpen(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("helper never blocked in open(2)")
		}
	}

	c := startSensor(t, Options{Syscalls: []event.Type{event.TypeOpen}})
	// Opening the FIFO for writing (from the agent, not reported) releases it.
	w, err := os.OpenFile(fifo, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	w.Close()
	<-waited
	if waitErr != nil {
		t.Fatalf("helper: %v", waitErr)
	}
	ev := c.wait(t, "open of the fifo", func(e *event.Event) bool { return isType(e, cmd.Process.Pid, event.TypeOpen) })
	want := event.FD{Num: ev.Syscall.Res, Type: event.FDFile, Name: filepath.Join(evalDir(t, dir), "fifo"), NameRaw: "fifo", Dev: ev.Syscall.FD.Dev, Ino: ev.Syscall.FD.Ino}
	if ev.Syscall.Res < 0 || *ev.Syscall.FD != want {
		t.Errorf("res %d fd %+v, want %+v", ev.Syscall.Res, *ev.Syscall.FD, want)
	}
	if a, _ := ev.Syscall.Arg("name"); a.Str != "fifo" {
		t.Errorf("name argument %q, want fifo", a.Str)
	}
	for kind, n := range c.sensor.Stats().Lost {
		if n > 0 {
			t.Errorf("lost %d %s records", n, kind)
		}
	}
}

// TestOpenProcessIdentity: the task head of a system call record (read
// through BTF by fill_current_task) matches the one of the same process's
// exec record (read by fill_task), field for field.
func TestOpenProcessIdentity(t *testing.T) {
	c := startSensor(t, Options{Syscalls: []event.Type{event.TypeOpenat}})
	dir := testDir(t)
	// In a cgroup of its own, so the cgroup id is not the root's by chance.
	cg := filepath.Join(cgroup2Mount(t), filepath.Base(dir))
	if err := os.Mkdir(cg, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.Remove(cg) })
	cgDir, err := os.Open(cg)
	if err != nil {
		t.Fatal(err)
	}
	defer cgDir.Close()
	// With a terminal of its own, so the tty is not 0 by chance.
	tty := openPTY(t)
	cmd := helperCmd("fileops", "openat|cwd|identity|0|0")
	cmd.Dir = dir
	cmd.Stdin = tty
	// In pid and mount namespaces of its own, so the namespace fields and
	// the in-namespace pid (1) are not the test's by chance.
	cmd.SysProcAttr = &syscall.SysProcAttr{UseCgroupFD: true, CgroupFD: int(cgDir.Fd()), Setsid: true, Setctty: true, Ctty: 0,
		Cloneflags: unix.CLONE_NEWPID | unix.CLONE_NEWNS}
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("helper: %v: %s", err, out)
	}
	pid := cmd.Process.Pid
	exec := c.wait(t, "helper exec", func(e *event.Event) bool { return isType(e, pid, event.TypeExecve) })
	if p := exec.Process; p.VPID != 1 || p.VTID != 1 || p.PidNS == nsInode(t, "self", "pid") || p.MntNS == nsInode(t, "self", "mnt") {
		t.Errorf("exec in new namespaces: vpid %d, vtid %d, pidns %d, mntns %d", p.VPID, p.VTID, p.PidNS, p.MntNS)
	}
	open := c.waitOpen(t, pid, event.TypeOpenat, "identity")
	want := exec.Process
	want.ExecID, want.Exe, want.Args, want.Cwd = "", "", nil, ""
	want.ExeUpperLayer, want.ExeFromMemfd, want.ExeDeleted = false, false, false
	want.ExeIno, want.ExeCtime, want.ExeMtime = 0, time.Time{}, time.Time{}
	// syscall records carry no cgroup paths (the process table has them)
	want.CgroupPath, want.CgroupV1Path = "", ""
	if open.Process.TID != want.TID {
		// The Go runtime may open from another thread than the leader.
		want.TID, want.VTID = open.Process.TID, open.Process.VTID
	}
	if !reflect.DeepEqual(open.Process, want) {
		t.Errorf("openat process:\n got %+v\nwant %+v", open.Process, want)
	}
	if open.Process.VTID == 0 {
		t.Error("openat process without an in-namespace tid")
	}
	if open.Process.CgroupID <= 1 || open.Process.TTY == 0 || open.Process.SID != uint32(pid) {
		t.Errorf("cgroup id %d, tty %d, sid %d: want the helper's own cgroup, terminal and session",
			open.Process.CgroupID, open.Process.TTY, open.Process.SID)
	}
}

// openPTY returns the terminal side of a new pseudo-terminal.
func openPTY(t *testing.T) *os.File {
	t.Helper()
	ptmx, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		testutil.SkipOrFail(t, "no pseudo-terminals: "+err.Error())
	}
	t.Cleanup(func() { ptmx.Close() })
	if err := unix.IoctlSetPointerInt(int(ptmx.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Fatal(err)
	}
	n, err := unix.IoctlGetInt(int(ptmx.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Fatal(err)
	}
	pts, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pts.Close() })
	return pts
}
