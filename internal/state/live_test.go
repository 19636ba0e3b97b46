package state

import (
	"fmt"
	"os"
	"os/exec"
	"reflect"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/vigil-sec/vigil/internal/event"
	"github.com/vigil-sec/vigil/internal/host"
)

// Tests over the real /proc. They need no privilege: they only look at
// processes they start and at their ancestors.

func liveConfig(t testing.TB) Config {
	t.Helper()
	boot, err := host.BootID("/proc")
	if err != nil {
		t.Skipf("no /proc: %v", err)
	}
	clock, err := host.NewClock()
	if err != nil {
		t.Fatal(err)
	}
	return Config{ProcRoot: "/proc", BootID: boot, Clock: clock}
}

// shWithChild starts `sh -c 'sleep 30; exit 0'` (the exit keeps sh from
// exec'ing sleep in place) and returns the pids of sh and of its sleep
// child once the child runs sleep. Both are killed when the test ends.
func shWithChild(t *testing.T) (sh, sleep uint32) {
	t.Helper()
	cmd := exec.Command("sh", "-c", "sleep 30; exit 0")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Skipf("cannot start sh: %v", err)
	}
	t.Cleanup(func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		_ = cmd.Wait()
	})
	sh = uint32(cmd.Process.Pid)
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if pid := childRunning(sh, "sleep"); pid != 0 {
			return sh, pid
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("sh (pid %d) did not start sleep", sh)
	return 0, 0
}

// childRunning returns the pid of a child of ppid whose comm is name.
func childRunning(ppid uint32, name string) uint32 {
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, ok := parsePID(e.Name())
		if !ok {
			continue
		}
		var pi procInfo
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil || parseStat(b, &pi) != nil {
			continue
		}
		if pi.ppid == ppid && pi.name == name {
			return pid
		}
	}
	return 0
}

// procChain returns pid's ancestors as /proc tells them, parent first.
func procChain(t *testing.T, pid uint32) []uint32 {
	t.Helper()
	var out []uint32
	for {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			t.Fatalf("read stat of %d: %v", pid, err)
		}
		var pi procInfo
		if err := parseStat(b, &pi); err != nil {
			t.Fatal(err)
		}
		if pi.ppid == 0 {
			return out
		}
		out = append(out, pi.ppid)
		pid = pi.ppid
	}
}

func exeOf(pid uint32) string {
	s, err := os.Readlink("/proc/" + strconv.FormatUint(uint64(pid), 10) + "/exe")
	if err != nil {
		return ""
	}
	return strings.TrimSuffix(s, " (deleted)")
}

func checkLiveAncestry(t *testing.T, ev *event.Event, sh, sleep uint32) {
	t.Helper()
	want := procChain(t, sleep)
	for _, a := range ev.Ancestors {
		t.Logf("ancestor %d %s %s %q %s", a.PID, a.Name, a.Exe, a.Args, a.ExecID)
	}
	if got := ancestorPIDs(ev); !reflect.DeepEqual(got, want) {
		t.Fatalf("ancestors = %v, /proc says %v", got, want)
	}
	if n := len(want); n < 2 || want[n-1] != 1 {
		t.Fatalf("ancestry %v does not end at pid 1", want)
	}
	if p := ev.Process; p.Exe != exeOf(sleep) || !reflect.DeepEqual(p.Args, []string{"sleep", "30"}) || p.ExecID == "" {
		t.Errorf("process = %+v", p)
	}
	a := ev.Ancestors[0]
	if a.PID != sh || a.Name != "sh" || a.Exe != exeOf(sh) || !reflect.DeepEqual(a.Args, []string{"sh", "-c", "sleep 30; exit 0"}) {
		t.Errorf("ancestor[0] = %+v, want sh", a)
	}
	self := ev.Ancestors[1]
	wantArgs := os.Args
	if len(strings.Join(os.Args, "\x00")) >= maxCmdline {
		wantArgs = self.Args // truncated; checked by the synthetic tests
	}
	if self.PID != uint32(os.Getpid()) || self.Exe != exeOf(self.PID) || !reflect.DeepEqual(self.Args, wantArgs) {
		t.Errorf("ancestor[1] = %+v, want the test process %d %q", self, os.Getpid(), os.Args)
	}
	last := ev.Ancestors[len(ev.Ancestors)-1]
	if last.PID != 1 || last.ExecID == "" {
		t.Errorf("last ancestor = %+v", last)
	}
}

func TestSeededAncestryRealProcess(t *testing.T) {
	sh, sleep := shWithChild(t)
	cfg := liveConfig(t)
	tb := New(cfg)
	n, err := tb.Seed()
	if err != nil || n < 3 {
		t.Fatalf("Seed = %d, %v", n, err)
	}
	ev := &event.Event{Time: time.Now(), Type: event.TypeUnknown,
		Process: event.Process{PID: sleep, TID: sleep, PPID: sh, Name: "sleep"}}
	tb.Apply(ev)
	checkLiveAncestry(t, ev, sh, sleep)
	shProc := mustLookup(t, tb, sh)
	if ev.Ancestors[0].ExecID != shProc.ExecID {
		t.Errorf("sh exec id %q, table %q", ev.Ancestors[0].ExecID, shProc.ExecID)
	}
	// The seeded exec id is derived from the start time in /proc.
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/stat", sh))
	var pi procInfo
	if err := parseStat(b, &pi); err != nil {
		t.Fatal(err)
	}
	if want := event.NewExecID(cfg.BootID, sh, pi.startTicks*1e7); shProc.ExecID != want {
		t.Errorf("sh exec id %q, want %q", shProc.ExecID, want)
	}
	st := tb.Stats()
	if st.Misses != 0 || st.ProcReads != 0 || st.Seeded != uint64(n) {
		t.Errorf("Stats = %+v", st)
	}
	if st.SeedErrors != 0 {
		t.Logf("%d processes could not be seeded", st.SeedErrors)
	}
}

func TestUnknownProcessReadFromProc(t *testing.T) {
	sh, sleep := shWithChild(t)
	cfg := liveConfig(t)

	// Not seeded: the process and its ancestors are read on demand.
	tb := New(cfg)
	ev := &event.Event{Time: time.Now(), Type: event.TypeUnknown,
		Process: event.Process{PID: sleep, TID: sleep, PPID: sh, Name: "sleep"}}
	tb.Apply(ev)
	checkLiveAncestry(t, ev, sh, sleep)
	st := tb.Stats()
	if st.Misses != 0 || st.ProcReads != uint64(len(ev.Ancestors)+1) {
		t.Errorf("Stats = %+v with %d ancestors", st, len(ev.Ancestors))
	}
	// Once known, no more reads.
	tb.Apply(&event.Event{Time: time.Now(), Type: event.TypeUnknown,
		Process: event.Process{PID: sleep, TID: sleep, PPID: sh}})
	if st2 := tb.Stats(); st2.ProcReads != st.ProcReads {
		t.Errorf("ProcReads went from %d to %d", st.ProcReads, st2.ProcReads)
	}

	// A start time that does not match /proc: the pid was reused.
	tb = New(cfg)
	ev = &event.Event{Time: time.Now(), Type: event.TypeUnknown,
		Process: event.Process{PID: sleep, TID: sleep, PPID: sh, StartTime: time.Now().Add(-time.Hour)}}
	tb.Apply(ev)
	if st := tb.Stats(); st.Misses != 1 || st.ProcReads != 1 || ev.Process.Exe != "" || ev.Process.ExecID == "" {
		t.Errorf("reused pid: Stats %+v, process %+v", st, ev.Process)
	}

	// A process that is gone.
	done := exec.Command("true")
	if err := done.Run(); err != nil {
		t.Skipf("cannot run true: %v", err)
	}
	gone := uint32(done.Process.Pid)
	if _, err := os.Stat(fmt.Sprintf("/proc/%d", gone)); err == nil {
		t.Skipf("pid %d already reused", gone)
	}
	tb = New(cfg)
	ev = &event.Event{Time: time.Now(), Type: event.TypeProcExit,
		Process: event.Process{PID: gone, TID: gone, PPID: uint32(os.Getpid()), Name: "true"}}
	tb.Apply(ev)
	if st := tb.Stats(); st.Misses != 1 || st.ProcReads != 1 || ev.Process.ExecID == "" || st.Exited != 1 {
		t.Errorf("gone process: Stats %+v, process %+v", st, ev.Process)
	}
	// Its parent (this test) is not read: only the unknown process is.
	if len(ev.Ancestors) != 0 {
		t.Errorf("ancestors of a process whose parent is unknown: %v", ancestorPIDs(ev))
	}
}

func TestCloneOfUnknownParentLive(t *testing.T) {
	sh, sleep := shWithChild(t)
	tb := New(liveConfig(t))
	// A fork of sleep (pretend): the unknown parent is read from /proc.
	ev := &event.Event{Time: time.Now(), Type: event.TypeFork,
		Process: event.Process{PID: 1 << 30, TID: 1 << 30, PPID: sleep, Name: "sleep"},
		Clone:   &event.Clone{}}
	tb.Apply(ev)
	if ev.Process.Exe != exeOf(sleep) || !reflect.DeepEqual(ev.Process.Args, []string{"sleep", "30"}) {
		t.Errorf("child of an unknown parent = %+v", ev.Process)
	}
	if got := ancestorPIDs(ev); len(got) < 2 || got[0] != sleep || got[1] != sh {
		t.Errorf("ancestors = %v", got)
	}
	if st := tb.Stats(); st.Misses != 0 || st.ProcReads == 0 {
		t.Errorf("Stats = %+v", st)
	}
}
