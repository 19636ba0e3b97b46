package kernel

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/vigil-sec/vigil/internal/event"
	"github.com/vigil-sec/vigil/internal/testutil"
)

func TestExecEventExact(t *testing.T) {
	c := startSensor(t, Options{})
	dir, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	token := fmt.Sprintf("vigil-exec-%d", time.Now().UnixNano())
	// Run the command in a cgroup of its own, so the cgroup id is not the
	// root's (1) by coincidence.
	cg := filepath.Join(cgroup2Mount(t), token)
	if err := os.Mkdir(cg, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.Remove(cg) })
	cgDir, err := os.Open(cg)
	if err != nil {
		t.Fatal(err)
	}
	defer cgDir.Close()
	var cgStat syscall.Stat_t
	if err := syscall.Fstat(int(cgDir.Fd()), &cgStat); err != nil {
		t.Fatal(err)
	}
	before := time.Now()
	cmd := exec.Command("/bin/echo", token, "two words", "")
	cmd.Dir = dir
	cmd.SysProcAttr = &syscall.SysProcAttr{UseCgroupFD: true, CgroupFD: int(cgDir.Fd())}
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	pid := cmd.Process.Pid
	ev := c.wait(t, "execve of /bin/echo", func(e *event.Event) bool { return isType(e, pid, event.TypeExecve) })

	exe, err := filepath.EvalSymlinks("/bin/echo")
	if err != nil {
		t.Fatal(err)
	}
	stat := selfStat(t)
	sid, _ := strconv.Atoi(stat[6])
	tty, _ := strconv.Atoi(stat[7])
	loginuid := event.NoLoginUID
	if b, err := os.ReadFile("/proc/self/loginuid"); err == nil {
		v, _ := strconv.ParseUint(strings.TrimSpace(string(b)), 10, 32)
		loginuid = uint32(v)
	}
	var exeStat syscall.Stat_t
	if err := syscall.Stat(exe, &exeStat); err != nil {
		t.Fatal(err)
	}
	capEff, capPrm, capInh := selfCaps(t)
	// echo shares the test's namespaces and v1 cgroups; its v2 cgroup is
	// the one made above, which CgroupFD put it in.
	_, cgV1 := selfCgroups(t)
	want := event.Process{
		PID:       uint32(pid),
		TID:       uint32(pid),
		PPID:      uint32(os.Getpid()),
		ExecID:    ev.Process.ExecID, // checked below
		Name:      "echo",
		Exe:       exe,
		Args:      []string{"/bin/echo", token, "two words", ""},
		Cwd:       dir,
		UID:       uint32(os.Getuid()),
		GID:       uint32(os.Getgid()),
		EUID:      uint32(os.Geteuid()),
		EGID:      uint32(os.Getegid()),
		LoginUID:  loginuid,
		SID:       uint32(sid),
		TTY:       uint32(tty),
		StartTime: ev.Process.StartTime, // checked below
		CgroupID:  cgStat.Ino,

		MntNS: nsInode(t, "self", "mnt"),
		PidNS: nsInode(t, "self", "pid"),
		// the pid as the test's (and echo's) pid namespace numbers it
		VPID:         uint32(pid),
		VTID:         uint32(pid),
		CgroupPath:   path.Join(cgroup2Root(t), token),
		CgroupV1Path: cgV1,

		// root keeps its capability sets across exec
		CapEffective:   capEff,
		CapPermitted:   capPrm,
		CapInheritable: capInh,
		ExeIno:         exeStat.Ino,
		ExeCtime:       time.Unix(exeStat.Ctim.Unix()),
		ExeMtime:       time.Unix(exeStat.Mtim.Unix()),
	}
	if !reflect.DeepEqual(ev.Process, want) {
		t.Errorf("process:\n got %+v\nwant %+v", ev.Process, want)
	}
	if ev.Exec == nil || ev.Exec.Filename != "/bin/echo" {
		t.Errorf("exec = %+v, want filename /bin/echo", ev.Exec)
	}
	if ev.Process.ExecID == "" || len(ev.Process.ExecID) != 22 {
		t.Errorf("exec id %q, want 22 characters", ev.Process.ExecID)
	}
	// The kernel's timestamps are on the same clock as ours, give or take
	// the clock sampling error: the event cannot predate the command.
	if ev.Process.StartTime.Before(before.Add(-time.Second)) || ev.Time.Before(ev.Process.StartTime) {
		t.Errorf("start %v, event %v, test began %v", ev.Process.StartTime, ev.Time, before)
	}
	if ev.Host == "" {
		t.Error("empty host")
	}

	exit := c.wait(t, "procexit of echo", func(e *event.Event) bool { return isType(e, pid, event.TypeProcExit) })
	if *exit.Exit != (event.Exit{Code: 0}) {
		t.Errorf("exit = %+v, want code 0", *exit.Exit)
	}
}

func TestForkWithoutExec(t *testing.T) {
	c := startSensor(t, Options{})
	cmd := exec.Command("/bin/sh", "-c", "( exit 7 ); true")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	sh := cmd.Process.Pid
	clone := c.wait(t, "clone from sh", func(e *event.Event) bool {
		return e.Type.IsClone() && e.Process.PPID == uint32(sh) && !e.Clone.Thread
	})
	child := int(clone.Process.PID)
	if clone.Process.TID != clone.Process.PID || clone.Process.Name != "sh" {
		t.Errorf("clone child = %+v", clone.Process)
	}
	if clone.Process.ExecID == "" {
		t.Error("clone without exec id")
	}
	exit := c.wait(t, "procexit of the subshell", func(e *event.Event) bool { return isType(e, child, event.TypeProcExit) })
	if exit.Exit.Code != 7 || exit.Exit.Signal != 0 {
		t.Errorf("exit = %+v, want code 7", *exit.Exit)
	}
	if ev := c.find(func(e *event.Event) bool { return isType(e, child, event.TypeExecve, event.TypeExecveat) }); ev != nil {
		t.Errorf("subshell exec'd: %+v", ev.Process)
	}
}

func TestThreadClone(t *testing.T) {
	c := startSensor(t, Options{})
	cmd := helperCmd("threads")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("helper: %v: %s", err, out)
	}
	pid := cmd.Process.Pid
	ev := c.wait(t, "thread clone", func(e *event.Event) bool {
		return isType(e, pid, event.TypeClone, event.TypeClone3) && e.Clone.Thread
	})
	if ev.Process.TID == ev.Process.PID {
		t.Errorf("thread has tid == pid: %+v", ev.Process)
	}
	if ev.Clone.Flags&unix.CLONE_THREAD == 0 {
		t.Errorf("flags %#x lack CLONE_THREAD", ev.Clone.Flags)
	}
	if ev.Process.ExecID != "" {
		t.Errorf("thread clone carries exec id %q; the process keeps its own", ev.Process.ExecID)
	}
	// Threads do not exit as processes: one procexit for the helper.
	c.wait(t, "helper exit", func(e *event.Event) bool { return isType(e, pid, event.TypeProcExit) })
	if exits := c.all(func(e *event.Event) bool { return e.Type == event.TypeProcExit && e.Process.PID == uint32(pid) }); len(exits) != 1 {
		t.Errorf("%d procexit events for one process", len(exits))
	}
}

func TestExitBySignal(t *testing.T) {
	c := startSensor(t, Options{})
	cmd := exec.Command("/bin/sleep", "60")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pid := cmd.Process.Pid
	c.wait(t, "execve of sleep", func(e *event.Event) bool { return isType(e, pid, event.TypeExecve) })
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	ev := c.wait(t, "procexit of sleep", func(e *event.Event) bool { return isType(e, pid, event.TypeProcExit) })
	if *ev.Exit != (event.Exit{Signal: int32(syscall.SIGKILL)}) {
		t.Errorf("exit = %+v, want signal 9", *ev.Exit)
	}
}

func TestReparentedOrphan(t *testing.T) {
	c := startSensor(t, Options{})
	token := fmt.Sprintf("vigil-orphan-%d", time.Now().UnixNano())
	// The middle shell exits at once; its child sleeps, then execs echo
	// as an orphan that the subreaper helper has adopted.
	cmd := helperCmd("subreaper", fmt.Sprintf(`/bin/sh -c "sleep 0.3; exec /bin/echo %s" & exit 0`, token))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("helper: %v: %s", err, out)
	}
	helper := uint32(cmd.Process.Pid)
	ev := c.wait(t, "orphan's execve", func(e *event.Event) bool {
		return e.Type == event.TypeExecve && e.Exec.Filename == "/bin/echo" && hasArg(e, token)
	})
	if ev.Process.PPID != helper {
		t.Errorf("orphan's ppid = %d, want the subreaper %d", ev.Process.PPID, helper)
	}
	// It was born as the child of the middle shell, which exited first.
	born := c.wait(t, "orphan's clone", func(e *event.Event) bool {
		return e.Type.IsClone() && e.Process.PID == ev.Process.PID && !e.Clone.Thread
	})
	if born.Process.PPID == helper {
		t.Errorf("orphan born with ppid %d, want the middle shell", born.Process.PPID)
	}
	middleExit := c.wait(t, "middle shell's exit", func(e *event.Event) bool {
		return isType(e, int(born.Process.PPID), event.TypeProcExit)
	})
	if !middleExit.Time.Before(ev.Time) {
		t.Errorf("middle shell exited at %v, after the orphan's exec at %v", middleExit.Time, ev.Time)
	}
}

func TestExecDeletedFile(t *testing.T) {
	c := startSensor(t, Options{})
	dir := t.TempDir()
	bin := filepath.Join(dir, "vanishing")
	copyFile(t, "/bin/true", bin, 0o755)
	token := fmt.Sprintf("vigil-deleted-%d", time.Now().UnixNano())
	// Open the file, unlink it, then exec it through the descriptor.
	script := fmt.Sprintf(`exec 3<%s; rm %s; exec /proc/self/fd/3 %s`, bin, bin, token)
	if out, err := exec.Command("/bin/sh", "-c", script).CombinedOutput(); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	ev := c.wait(t, "exec of the deleted file", func(e *event.Event) bool {
		return e.Type.IsExec() && e.Exec.Filename == "/proc/self/fd/3" && hasArg(e, token)
	})
	realBin := filepath.Join(evalDir(t, dir), "vanishing")
	if ev.Process.Exe != realBin || !ev.Process.ExeDeleted {
		t.Errorf("exe %q deleted=%v, want %q deleted", ev.Process.Exe, ev.Process.ExeDeleted, realBin)
	}
	if ev.Exec.Filename != "/proc/self/fd/3" {
		t.Errorf("filename %q", ev.Exec.Filename)
	}
	if ev.Process.ExeFromMemfd || ev.Process.ExeUpperLayer {
		t.Errorf("unexpected flags: %+v", ev.Process)
	}
}

func TestArgv(t *testing.T) {
	c := startSensor(t, Options{})
	for _, tc := range []struct {
		name      string
		argLen    int
		truncated bool
	}{
		{"3KiB argument kept whole", 3 << 10, false},
		{"20KiB argument truncated and marked", 20 << 10, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			token := fmt.Sprintf("vigil-argv-%d", time.Now().UnixNano())
			long := strings.Repeat("x", tc.argLen)
			cmd := exec.Command("/bin/true", token, long, "after")
			if err := cmd.Run(); err != nil {
				t.Fatal(err)
			}
			ev := c.wait(t, "execve with long argv", func(e *event.Event) bool {
				return isType(e, cmd.Process.Pid, event.TypeExecve)
			})
			if ev.Process.ArgsTruncated != tc.truncated {
				t.Errorf("truncated = %v, want %v", ev.Process.ArgsTruncated, tc.truncated)
			}
			full := []string{"/bin/true", token, long, "after"}
			if !tc.truncated {
				if !reflect.DeepEqual(ev.Process.Args, full) {
					t.Errorf("args differ: got %d args, lengths %v", len(ev.Process.Args), lens(ev.Process.Args))
				}
				return
			}
			got := strings.Join(ev.Process.Args, "\x00")
			if want := strings.Join(full, "\x00"); !strings.HasPrefix(want, got) || len(got) < 4<<10 {
				t.Errorf("truncated args (%d bytes) are not a >=4KiB prefix of argv", len(got))
			}
		})
	}
}

func lens(ss []string) []int {
	out := make([]int, len(ss))
	for i, s := range ss {
		out[i] = len(s)
	}
	return out
}

func TestMemfdExecveat(t *testing.T) {
	c := startSensor(t, Options{})
	token := fmt.Sprintf("vigil-memfd-%d", time.Now().UnixNano())
	cmd := helperCmd("memfd", "/bin/true", token)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("helper: %v: %s", err, out)
	}
	ev := c.wait(t, "execveat of a memfd", func(e *event.Event) bool { return isType(e, cmd.Process.Pid, event.TypeExecveat) })
	if !ev.Process.ExeFromMemfd || ev.Process.Exe != "/memfd:vigil-test" {
		t.Errorf("exe %q memfd=%v, want /memfd:vigil-test from memfd", ev.Process.Exe, ev.Process.ExeFromMemfd)
	}
	if !reflect.DeepEqual(ev.Process.Args, []string{"/bin/true", token}) {
		t.Errorf("args %q", ev.Process.Args)
	}
	if ev.Process.ExeDeleted {
		t.Error("memfd reported as a deleted file")
	}
}

func TestOverlayUpperLayer(t *testing.T) {
	c := startSensor(t, Options{})
	base := t.TempDir()
	lower, upper, work, merged := filepath.Join(base, "lower"), filepath.Join(base, "upper"), filepath.Join(base, "work"), filepath.Join(base, "merged")
	for _, d := range []string{lower, upper, work, merged} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	copyFile(t, "/bin/true", filepath.Join(lower, "lowertrue"), 0o755)
	opts := fmt.Sprintf("lowerdir=%s,upperdir=%s,workdir=%s", lower, upper, work)
	if err := unix.Mount("overlay", merged, "overlay", 0, opts); err != nil {
		testutil.SkipOrFail(t, "cannot mount overlayfs: "+err.Error())
	}
	t.Cleanup(func() { _ = unix.Unmount(merged, unix.MNT_DETACH) })
	copyFile(t, "/bin/true", filepath.Join(merged, "uppertrue"), 0o755)

	for _, tc := range []struct {
		name  string
		upper bool
	}{{"lowertrue", false}, {"uppertrue", true}} {
		cmd := exec.Command(filepath.Join(merged, tc.name))
		if err := cmd.Run(); err != nil {
			t.Fatal(err)
		}
		ev := c.wait(t, "exec of "+tc.name, func(e *event.Event) bool { return isType(e, cmd.Process.Pid, event.TypeExecve) })
		if want := filepath.Join(evalDir(t, merged), tc.name); ev.Process.Exe != want {
			t.Errorf("exe %q, want %q", ev.Process.Exe, want)
		}
		if ev.Process.ExeUpperLayer != tc.upper {
			t.Errorf("%s: upper layer = %v, want %v", tc.name, ev.Process.ExeUpperLayer, tc.upper)
		}
	}
}

func TestSelfExcluded(t *testing.T) {
	c := startSensor(t, Options{})
	// This process clones (the command) and its exit is never reported,
	// but the command's own events are.
	cmd := exec.Command("/bin/true")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	c.wait(t, "exec of true", func(e *event.Event) bool { return isType(e, cmd.Process.Pid, event.TypeExecve) })
	self := uint32(os.Getpid())
	if ev := c.find(func(e *event.Event) bool {
		return e.Process.PID == self || (e.Type.IsClone() && e.Process.PPID == self)
	}); ev != nil {
		t.Errorf("agent's own activity reported: %s %+v", ev.Type, ev.Process)
	}
}

func copyFile(t *testing.T, src, dst string, mode os.FileMode) {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, b, mode); err != nil {
		t.Fatal(err)
	}
}

func evalDir(t *testing.T, dir string) string {
	t.Helper()
	d, err := filepath.EvalSymlinks(dir)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestLossIsCountedAndReported overflows a one-page ring buffer while the
// consumer is stalled: the kernel counts what it could not queue, Stats
// shows it, and a drop event reports the same numbers.
func TestLossIsCountedAndReported(t *testing.T) {
	stall := make(chan struct{})
	var stalled bool
	testutil.RequireRoot(t)
	s, err := New(Options{RingBufferBytes: uint32(os.Getpagesize())})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	drops := make(chan *event.Event, 16)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- s.Run(ctx, func(ev *event.Event) {
			if !stalled {
				stalled = true
				<-stall // hold the reader while the kernel keeps producing
			}
			if ev.Type == event.TypeDrop {
				drops <- ev
			}
		})
	}()
	// Far more exec records than one page holds.
	if out, err := exec.Command("/bin/sh", "-c", "i=0; while [ $i -lt 200 ]; do /bin/true; i=$((i+1)); done").CombinedOutput(); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	close(stall)
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	st := s.Stats()
	var lost uint64
	for _, n := range st.Lost {
		lost += n
	}
	if lost == 0 {
		t.Fatalf("no loss counted after overflowing a %d-byte ring buffer: %+v", os.Getpagesize(), st)
	}
	var reported uint64
	for len(drops) > 0 {
		reported += (<-drops).Drop.Total()
	}
	if reported != lost {
		t.Errorf("drop events report %d lost records, the kernel counted %d", reported, lost)
	}
}
