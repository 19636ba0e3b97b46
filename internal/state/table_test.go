package state

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/vigil-sec/vigil/internal/event"
)

// t0 is the event time at which the tests start: 1000 s after boot.
func t0() time.Time { return testClock().Wall(1000e9) }

// at returns t0 + d.
func at(d time.Duration) time.Time { return t0().Add(d) }

func execEv(when time.Time, pid, ppid uint32, exe string, args ...string) *event.Event {
	return &event.Event{Time: when, Type: event.TypeExecve, Process: event.Process{
		PID: pid, TID: pid, PPID: ppid, Name: exe[len(exe)-min(len(exe), 15):], Exe: exe, Args: args, Cwd: "/work",
		LoginUID: 1000, UID: 1000, GID: 1000, EUID: 1000, EGID: 1000,
	}, Exec: &event.Exec{Filename: exe}}
}

func cloneEv(when time.Time, pid, tid, ppid uint32, thread bool) *event.Event {
	typ := event.TypeClone
	if !thread {
		typ = event.TypeFork
	}
	return &event.Event{Time: when, Type: typ, Process: event.Process{
		PID: pid, TID: tid, PPID: ppid, Name: "child", StartTime: when, LoginUID: 1000,
	}, Clone: &event.Clone{Thread: thread}}
}

func exitEv(when time.Time, pid, ppid uint32) *event.Event {
	return &event.Event{Time: when, Type: event.TypeProcExit, Process: event.Process{
		PID: pid, TID: pid, PPID: ppid, Name: "x",
	}, Exit: &event.Exit{}}
}

func otherEv(when time.Time, pid, ppid uint32) *event.Event {
	return &event.Event{Time: when, Type: event.TypeUnknown, Process: event.Process{
		PID: pid, TID: pid, PPID: ppid, Name: "x",
	}}
}

// replayTable is a table without /proc, like `vigil replay` builds.
func replayTable(cfg Config) *Table {
	cfg.BootID, cfg.Clock = testBootID(), testClock()
	return New(cfg)
}

// chain execs pids[0] (child of 0) ... pids[n-1], each the child of the
// previous one, at t0.
func chain(tb *Table, pids ...uint32) {
	var ppid uint32
	for _, pid := range pids {
		tb.Apply(execEv(t0(), pid, ppid, fmt.Sprintf("/bin/p%d", pid), fmt.Sprintf("p%d", pid)))
		ppid = pid
	}
}

func mustLookup(t *testing.T, tb *Table, pid uint32) event.Process {
	t.Helper()
	p, ok := tb.Lookup(pid)
	if !ok {
		t.Fatalf("Lookup(%d): not found", pid)
	}
	return p
}

func TestExecReplacesIdentity(t *testing.T) {
	tb := replayTable(Config{})
	chain(tb, 1, 10)
	old := mustLookup(t, tb, 10)

	ev := execEv(at(time.Second), 10, 1, "/usr/bin/curl", "curl", "-s", "http://x")
	ev.Process.ExecID = "sensor-exec-id"
	tb.Apply(ev)
	p := mustLookup(t, tb, 10)
	if p.ExecID != "sensor-exec-id" || p.Exe != "/usr/bin/curl" || !reflect.DeepEqual(p.Args, []string{"curl", "-s", "http://x"}) {
		t.Fatalf("after exec: %+v", p)
	}
	if p.ExecID == old.ExecID {
		t.Fatal("exec kept the old exec id")
	}
	if tb.Len() != 2 {
		t.Fatalf("Len = %d, want 2 (exec must not add an entry)", tb.Len())
	}
	// Without an exec id from the source one is derived from the event time.
	ev = execEv(at(2*time.Second), 10, 1, "/bin/sh", "sh")
	tb.Apply(ev)
	want := event.NewExecID(testBootID(), 10, 1002e9)
	if ev.Process.ExecID != want || mustLookup(t, tb, 10).ExecID != want {
		t.Fatalf("derived exec id = %q, want %q", ev.Process.ExecID, want)
	}
	if got := ancestorPIDs(ev); !reflect.DeepEqual(got, []uint32{1}) {
		t.Fatalf("ancestors = %v", got)
	}
	// Events of the process now carry the new identity only.
	o := otherEv(at(3*time.Second), 10, 1)
	tb.Apply(o)
	if o.Process.ExecID != want || o.Process.Exe != "/bin/sh" {
		t.Fatalf("event after exec: %+v", o.Process)
	}
}

func TestCloneInheritsImage(t *testing.T) {
	tb := replayTable(Config{})
	chain(tb, 1, 10)
	parent := mustLookup(t, tb, 10)

	ev := cloneEv(at(time.Second), 11, 11, 10, false)
	tb.Apply(ev)
	p := &ev.Process
	if p.Exe != parent.Exe || !reflect.DeepEqual(p.Args, parent.Args) || p.Cwd != parent.Cwd {
		t.Fatalf("child did not inherit the image: %+v", p)
	}
	wantID := event.NewExecID(testBootID(), 11, 1001e9)
	if p.ExecID != wantID || p.ExecID == parent.ExecID {
		t.Fatalf("child exec id = %q, want %q", p.ExecID, wantID)
	}
	if p.Name != "child" || p.LoginUID != 1000 {
		t.Fatalf("child lost its own fields: %+v", p)
	}
	if got := ancestorPIDs(ev); !reflect.DeepEqual(got, []uint32{10, 1}) {
		t.Fatalf("ancestors = %v", got)
	}
	if ev.Ancestors[0].ExecID != parent.ExecID || ev.Ancestors[0].Exe != parent.Exe {
		t.Fatalf("ancestor[0] = %+v", ev.Ancestors[0])
	}
	// The sensor's exec id wins; flags are inherited.
	tb.Apply(&event.Event{Time: at(2 * time.Second), Type: event.TypeExecveat, Process: event.Process{
		PID: 12, TID: 12, PPID: 10, ExecID: "memfd-img", Exe: "/memfd:x", ExeFromMemfd: true, ExeDeleted: true,
		Args: []string{"x"}, ArgsTruncated: true,
	}})
	ev = cloneEv(at(3*time.Second), 13, 13, 12, false)
	ev.Process.ExecID = "sensor-clone-id"
	tb.Apply(ev)
	if p := ev.Process; p.ExecID != "sensor-clone-id" || !p.ExeFromMemfd || !p.ExeDeleted || !p.ArgsTruncated || p.Exe != "/memfd:x" {
		t.Fatalf("clone of a memfd process: %+v", p)
	}
	if p := mustLookup(t, tb, 13); p.ExecID != "sensor-clone-id" || !p.ExeFromMemfd {
		t.Fatalf("stored child: %+v", p)
	}
}

func TestThreadCloneAddsNoEntry(t *testing.T) {
	tb := replayTable(Config{})
	chain(tb, 1, 10)
	n := tb.Len()
	ev := cloneEv(at(time.Second), 10, 15, 1, true)
	ev.Process.StartTime = time.Time{}
	tb.Apply(ev)
	if tb.Len() != n {
		t.Fatalf("Len = %d after a thread clone, want %d", tb.Len(), n)
	}
	proc := mustLookup(t, tb, 10)
	if ev.Process.ExecID != proc.ExecID || ev.Process.Exe != "/bin/p10" || ev.Process.TID != 15 {
		t.Fatalf("thread event: %+v", ev.Process)
	}
	if proc.Name != "/bin/p10" {
		t.Fatalf("a thread's comm renamed the process: %q", proc.Name)
	}
	// A thread of an unknown process creates the process, counted as a miss.
	ev = cloneEv(at(2*time.Second), 20, 21, 10, true)
	tb.Apply(ev)
	if tb.Len() != n+1 || tb.Stats().Misses != 1 || ev.Process.ExecID == "" {
		t.Fatalf("thread of unknown process: Len %d, Stats %+v, ev %+v", tb.Len(), tb.Stats(), ev.Process)
	}
	if got := ancestorPIDs(ev); !reflect.DeepEqual(got, []uint32{10, 1}) {
		t.Fatalf("ancestors = %v", got)
	}
}

func TestExitGracePeriod(t *testing.T) {
	grace := 10 * time.Second
	tb := replayTable(Config{GracePeriod: grace})
	chain(tb, 1, 10, 11)
	want := mustLookup(t, tb, 11)

	ev := exitEv(at(time.Second), 11, 10)
	tb.Apply(ev)
	if ev.Process.ExecID != want.ExecID || ev.Process.Exe != want.Exe || !reflect.DeepEqual(ancestorPIDs(ev), []uint32{10, 1}) {
		t.Fatalf("exit event not completed: %+v %v", ev.Process, ev.Ancestors)
	}
	if st := tb.Stats(); st.Live != 2 || st.Exited != 1 {
		t.Fatalf("Stats = %+v", st)
	}
	// Within the grace period the process still resolves, for Lookup, for
	// its own late events and as the ancestor of its late children.
	tb.Apply(otherEv(at(time.Second+grace-time.Nanosecond), 1, 0))
	if p, ok := tb.Lookup(11); !ok || p.ExecID != want.ExecID {
		t.Fatalf("exited process not resolvable within the grace period")
	}
	late := cloneEv(at(time.Second+grace-time.Nanosecond), 12, 12, 11, false)
	tb.Apply(late)
	if got := ancestorPIDs(late); !reflect.DeepEqual(got, []uint32{11, 10, 1}) || late.Process.Exe != want.Exe {
		t.Fatalf("late child of an exited process: ancestors %v, %+v", got, late.Process)
	}
	// After it, it is gone, even before the sweep frees it.
	tb.Apply(otherEv(at(time.Second+grace), 1, 0))
	if _, ok := tb.Lookup(11); ok {
		t.Fatal("exited process resolvable after the grace period")
	}
	o := otherEv(at(time.Second+grace), 12, 11)
	tb.Apply(o)
	if got := ancestorPIDs(o); len(got) != 0 {
		t.Fatalf("ancestors through a reaped process: %v", got)
	}
	tb.Apply(otherEv(at(time.Second+grace+2*sweepEvery), 1, 0))
	if st := tb.Stats(); st.Exited != 0 || st.Reaped != 1 || tb.Len() != 3 {
		t.Fatalf("after the sweep: Len %d, Stats %+v", tb.Len(), st)
	}
}

func TestPIDReuse(t *testing.T) {
	grace := 5 * time.Second
	tb := replayTable(Config{GracePeriod: grace})
	chain(tb, 1, 10)
	tb.Apply(cloneEv(at(time.Second), 11, 11, 10, false))
	first := mustLookup(t, tb, 11)
	tb.Apply(exitEv(at(2*time.Second), 11, 10))

	// The pid comes back after the grace period...
	ev := cloneEv(at(2*time.Second+grace+time.Second), 11, 11, 1, false)
	tb.Apply(ev)
	if ev.Process.ExecID == first.ExecID || mustLookup(t, tb, 11).ExecID != ev.Process.ExecID {
		t.Fatalf("reused pid kept exec id %q", first.ExecID)
	}
	if got := ancestorPIDs(ev); !reflect.DeepEqual(got, []uint32{1}) {
		t.Fatalf("reused pid ancestors = %v", got)
	}
	// ... and within it: the new process replaces the exited one.
	tb.Apply(exitEv(at(20*time.Second), 11, 1))
	ev = cloneEv(at(21*time.Second), 11, 11, 10, false)
	tb.Apply(ev)
	p := mustLookup(t, tb, 11)
	if p.ExecID != ev.Process.ExecID || p.PPID != 10 || tb.Stats().Exited != 0 {
		t.Fatalf("pid reused within the grace period: %+v, %+v", p, tb.Stats())
	}
	// A pid reused while its clone event was lost: the new start time
	// tells the processes apart.
	o := otherEv(at(40*time.Second), 11, 1)
	o.Process.StartTime = at(39 * time.Second)
	o.Process.Exe = "/usr/bin/new"
	tb.Apply(o)
	if o.Process.ExecID == p.ExecID || tb.Stats().Misses != 1 || mustLookup(t, tb, 11).Exe != "/usr/bin/new" {
		t.Fatalf("lost clone: %+v, %+v", o.Process, tb.Stats())
	}
}

func TestReparenting(t *testing.T) {
	tb := replayTable(Config{})
	chain(tb, 1, 10, 11, 12)
	ev := otherEv(at(time.Second), 12, 11)
	tb.Apply(ev)
	if got := ancestorPIDs(ev); !reflect.DeepEqual(got, []uint32{11, 10, 1}) {
		t.Fatalf("ancestors = %v", got)
	}
	tb.Apply(exitEv(at(2*time.Second), 11, 10))
	// The orphan is adopted by init (its next event says so).
	ev = otherEv(at(3*time.Second), 12, 1)
	tb.Apply(ev)
	if got := ancestorPIDs(ev); !reflect.DeepEqual(got, []uint32{1}) {
		t.Fatalf("ancestors after reparenting = %v", got)
	}
	if p := mustLookup(t, tb, 12); p.PPID != 1 {
		t.Fatalf("stored ppid = %d, want 1", p.PPID)
	}
	// An event without a ppid keeps the stored one and gets it.
	ev = otherEv(at(4*time.Second), 12, 0)
	tb.Apply(ev)
	if ev.Process.PPID != 1 || !reflect.DeepEqual(ancestorPIDs(ev), []uint32{1}) {
		t.Fatalf("event without ppid: %+v %v", ev.Process, ancestorPIDs(ev))
	}
	// Children of the reparented process see the new lineage.
	c := cloneEv(at(5*time.Second), 13, 13, 12, false)
	tb.Apply(c)
	if got := ancestorPIDs(c); !reflect.DeepEqual(got, []uint32{12, 1}) {
		t.Fatalf("child ancestors = %v", got)
	}
}

func TestAncestorDepthCap(t *testing.T) {
	for _, tt := range []struct {
		max, depth, want int
	}{
		{0, 40, DefaultMaxAncestors},
		{3, 10, 3},
		{5, 5, 5},
		{10, 5, 5},
	} {
		tb := replayTable(Config{MaxAncestors: tt.max})
		pids := make([]uint32, tt.depth)
		for i := range pids {
			pids[i] = uint32(i + 1)
		}
		chain(tb, pids...)
		ev := otherEv(at(time.Second), 1000, uint32(tt.depth))
		tb.Apply(ev)
		if len(ev.Ancestors) != tt.want {
			t.Errorf("max %d depth %d: %d ancestors, want %d", tt.max, tt.depth, len(ev.Ancestors), tt.want)
			continue
		}
		for k, a := range ev.Ancestors {
			if a.PID != uint32(tt.depth-k) || a.Exe != fmt.Sprintf("/bin/p%d", a.PID) || a.Args[0] != fmt.Sprintf("p%d", a.PID) {
				t.Errorf("max %d depth %d: ancestor %d = %+v", tt.max, tt.depth, k, a)
			}
		}
	}
}

func TestAncestorCycle(t *testing.T) {
	tests := []struct {
		name  string
		links map[uint32]uint32 // pid -> ppid
		pid   uint32
		want  []uint32
	}{
		{"a-b-a", map[uint32]uint32{10: 11, 11: 10}, 10, []uint32{11}},
		{"self", map[uint32]uint32{10: 10}, 10, nil},
		{"b-c-b above a", map[uint32]uint32{10: 11, 11: 12, 12: 11}, 10, []uint32{11, 12}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tb := replayTable(Config{})
			for pid := range tt.links {
				tb.Apply(execEv(t0(), pid, 0, "/bin/x", "x"))
			}
			for pid, ppid := range tt.links {
				tb.Apply(otherEv(t0(), pid, ppid))
			}
			ev := otherEv(at(time.Second), tt.pid, tt.links[tt.pid])
			tb.Apply(ev)
			if got := ancestorPIDs(ev); !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("ancestors = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestMaxProcessesBound(t *testing.T) {
	const bound = 100
	tb := replayTable(Config{MaxProcesses: bound, GracePeriod: time.Hour})
	chain(tb, 1, 10)
	peak := 0
	pid := uint32(1000)
	for i := 0; i < 10*bound; i++ {
		when := at(time.Duration(i) * time.Millisecond)
		c := cloneEv(when, pid, pid, 10, false)
		tb.Apply(c)
		tb.Apply(execEv(when, pid, 10, "/bin/true", "true"))
		if i%3 == 0 {
			tb.Apply(exitEv(when, pid, 10))
		}
		peak = max(peak, tb.Len())
		if got := ancestorPIDs(c); !reflect.DeepEqual(got, []uint32{10, 1}) {
			t.Fatalf("process %d: ancestors %v (the bound evicted a hot ancestor)", i, got)
		}
		pid++
	}
	st := tb.Stats()
	if peak > bound || tb.Len() != bound || st.Live+st.Exited != bound {
		t.Fatalf("peak %d, Len %d, Stats %+v; bound %d", peak, tb.Len(), st, bound)
	}
	if st.Evicted == 0 || st.Reaped == 0 {
		t.Fatalf("Stats = %+v: want both evictions and early reaps", st)
	}
	// Exited entries go first: once full, no exited entry survives an
	// insertion while a live one is evicted.
	if st.Exited > 1 {
		t.Fatalf("%d exited entries kept while live ones were evicted", st.Exited)
	}
	// The newest processes are the ones kept.
	if _, ok := tb.Lookup(pid - 1); !ok {
		t.Fatal("newest process evicted")
	}
	if _, ok := tb.Lookup(1000); ok {
		t.Fatal("oldest process kept")
	}
	if len(tb.index) != tb.Len() || len(tb.slots) > bound {
		t.Fatalf("index %d entries, %d slots", len(tb.index), len(tb.slots))
	}
}

func TestExitedReapedFirstOldestFirst(t *testing.T) {
	tb := replayTable(Config{MaxProcesses: 5, GracePeriod: time.Hour})
	chain(tb, 1, 10, 11, 12, 13)
	tb.Apply(exitEv(at(1*time.Second), 12, 11))
	tb.Apply(exitEv(at(2*time.Second), 11, 10))
	tb.Apply(execEv(at(3*time.Second), 20, 1, "/bin/a", "a"))
	if _, ok := tb.Lookup(12); ok {
		t.Fatal("oldest exit kept")
	}
	if _, ok := tb.Lookup(11); !ok {
		t.Fatal("newer exit reaped first")
	}
	tb.Apply(execEv(at(4*time.Second), 21, 1, "/bin/a", "a"))
	tb.Apply(execEv(at(5*time.Second), 22, 1, "/bin/a", "a"))
	st := tb.Stats()
	if st.Reaped != 2 || st.Evicted != 1 || tb.Len() != 5 {
		t.Fatalf("Stats = %+v", st)
	}
	// The live entry evicted is the least recently used one: 13 (10 was
	// used as an ancestor since).
	if _, ok := tb.Lookup(13); ok {
		t.Fatal("least recently used live entry kept")
	}
}

func TestReplayLearnsRecordedAncestors(t *testing.T) {
	recorded := []event.Ancestor{
		{PID: 812, ExecID: "bash-id", Name: "bash", Exe: "/usr/bin/bash", Args: []string{"-bash"}},
		{PID: 790, ExecID: "sshd-id", Name: "sshd", Exe: "/usr/sbin/sshd", Args: []string{"sshd: root@pts/0"}},
		{PID: 1, ExecID: "init-id", Name: "systemd", Exe: "/usr/lib/systemd/systemd", Args: []string{"/sbin/init"}},
	}
	copyOf := func(a []event.Ancestor) []event.Ancestor { return append([]event.Ancestor(nil), a...) }

	tb := replayTable(Config{})
	ev := execEv(t0(), 4321, 812, "/usr/bin/dash", "sh", "-c", "id")
	ev.Process.ExecID = "sh-id"
	ev.Ancestors = copyOf(recorded)
	tb.Apply(ev)
	if !reflect.DeepEqual(ev.Ancestors, recorded) {
		t.Fatalf("replayed ancestry:\n got %+v\nwant %+v", ev.Ancestors, recorded)
	}
	if st := tb.Stats(); st.Learned != 3 || st.Misses != 0 {
		t.Fatalf("Stats = %+v", st)
	}
	// A later event without recorded ancestry resolves from what was
	// learned; a fork inherits from the learned parent.
	c := cloneEv(at(time.Second), 5000, 5000, 812, false)
	tb.Apply(c)
	if c.Process.Exe != "/usr/bin/bash" || !reflect.DeepEqual(c.Ancestors, recorded) {
		t.Fatalf("clone of a learned process: %+v %+v", c.Process, c.Ancestors)
	}
	// A known entry is never overwritten from a recording.
	bad := copyOf(recorded)
	bad[0].ExecID, bad[0].Exe = "other", "/bin/other"
	o := otherEv(at(2*time.Second), 4321, 812)
	o.Ancestors = bad
	tb.Apply(o)
	if !reflect.DeepEqual(o.Ancestors, recorded) {
		t.Fatalf("recorded ancestry overwrote a known entry: %+v", o.Ancestors)
	}
	// A recorded event of an unknown process is a miss; its image comes
	// from the recording.
	r := &event.Event{Time: at(3 * time.Second), Type: event.TypeProcExit, Process: event.Process{
		PID: 6000, TID: 6000, PPID: 790, ExecID: "rec-id", Exe: "/bin/rec", Args: []string{"rec"},
	}, Ancestors: copyOf(recorded[1:])}
	tb.Apply(r)
	if r.Process.ExecID != "rec-id" || !reflect.DeepEqual(r.Ancestors, recorded[1:]) || tb.Stats().Misses != 1 {
		t.Fatalf("recorded exit: %+v %+v %+v", r.Process, r.Ancestors, tb.Stats())
	}
}

func TestRecordedImageWins(t *testing.T) {
	// A recorded event whose exec id the table does not hold for that pid
	// (its exec was not recorded) updates the entry.
	tb := replayTable(Config{})
	chain(tb, 1, 10)
	ev := otherEv(at(time.Second), 10, 1)
	ev.Process.ExecID, ev.Process.Exe, ev.Process.Args = "rec", "/bin/rec", []string{"rec"}
	tb.Apply(ev)
	if p := mustLookup(t, tb, 10); p.ExecID != "rec" || p.Exe != "/bin/rec" {
		t.Fatalf("entry = %+v", p)
	}
	// Cwd follows the events of the same image.
	ev = otherEv(at(2*time.Second), 10, 1)
	ev.Process.Cwd = "/elsewhere"
	tb.Apply(ev)
	if p := mustLookup(t, tb, 10); p.Cwd != "/elsewhere" || p.ExecID != "rec" {
		t.Fatalf("entry = %+v", p)
	}
}

func TestDropAndPIDZeroLeftAlone(t *testing.T) {
	tb := replayTable(Config{})
	d := &event.Event{Time: t0(), Type: event.TypeDrop, Drop: &event.Drop{Lost: map[string]uint64{"execve": 1}}}
	tb.Apply(d)
	z := otherEv(t0(), 0, 0)
	tb.Apply(z)
	if tb.Len() != 0 || d.Ancestors != nil || z.Process.ExecID != "" || tb.Stats() != (Stats{}) {
		t.Fatalf("Len %d, Stats %+v", tb.Len(), tb.Stats())
	}
}

func TestUnknownProcessReplay(t *testing.T) {
	tb := replayTable(Config{})
	ev := otherEv(at(time.Second), 77, 1)
	tb.Apply(ev)
	want := event.NewExecID(testBootID(), 77, 1001e9)
	if ev.Process.ExecID != want || ev.Ancestors != nil {
		t.Fatalf("unknown process: %+v", ev)
	}
	ev2 := otherEv(at(time.Second), 77, 1)
	ev2.Process.StartTime = testClock().Wall(500e9)
	replayTable(Config{}).Apply(ev2)
	if want := event.NewExecID(testBootID(), 77, 500e9); ev2.Process.ExecID != want {
		t.Fatalf("exec id %q, want %q from the start time", ev2.Process.ExecID, want)
	}
	if st := tb.Stats(); st.Misses != 1 || st.ProcReads != 0 {
		t.Fatalf("Stats = %+v", st)
	}
	// Later events find it.
	tb.Apply(otherEv(at(2*time.Second), 77, 1))
	if st := tb.Stats(); st.Misses != 1 {
		t.Fatalf("Stats = %+v", st)
	}
}

// A replay is deterministic: the same events give the same output.
func TestDeterministic(t *testing.T) {
	run := func() []event.Event {
		tb := replayTable(Config{GracePeriod: 2 * time.Second, MaxProcesses: 20})
		var out []event.Event
		chain(tb, 1, 10)
		for i := 0; i < 200; i++ {
			pid := uint32(100 + i%37)
			when := at(time.Duration(i) * 100 * time.Millisecond)
			for _, ev := range []*event.Event{
				cloneEv(when, pid, pid, uint32(100+(i+5)%37), false),
				execEv(when, pid, 10, "/bin/x", "x"),
				exitEv(when.Add(time.Millisecond), pid, 10),
			} {
				tb.Apply(ev)
				out = append(out, *ev)
			}
		}
		return out
	}
	if a, b := run(), run(); !reflect.DeepEqual(a, b) {
		t.Fatal("two runs over the same events differ")
	}
}

// checkInvariants verifies the table's internal bookkeeping.
func checkInvariants(t *testing.T, tb *Table) {
	t.Helper()
	count := func(l list, exited bool) int {
		n, prev := 0, nilIdx
		for i := l.head; i != nilIdx; i = tb.slots[i].next {
			e := &tb.slots[i]
			if e.prev != prev || e.exited != exited || tb.index[e.pid] != i {
				t.Fatalf("slot %d (pid %d) badly linked: %+v", i, e.pid, e)
			}
			prev = i
			if n++; n > len(tb.slots) {
				t.Fatal("list loops")
			}
		}
		if l.tail != prev {
			t.Fatalf("list tail %d, last %d", l.tail, prev)
		}
		return n
	}
	live, dead := count(tb.live, false), count(tb.dead, true)
	st := tb.Stats()
	if live+dead != len(tb.index) || st.Live != live || st.Exited != dead || tb.Len() != live+dead {
		t.Fatalf("lists %d+%d, index %d, Stats %+v", live, dead, len(tb.index), st)
	}
	if len(tb.index) > tb.maxProcesses {
		t.Fatalf("%d entries over the bound %d", len(tb.index), tb.maxProcesses)
	}
	free := 0
	for i := tb.free; i != nilIdx; i = tb.slots[i].next {
		free++
	}
	if free+len(tb.index) != len(tb.slots) {
		t.Fatalf("%d free + %d used != %d slots", free, len(tb.index), len(tb.slots))
	}
}

// TestRandomEvents applies random lifecycles to small tables and checks
// the bookkeeping after every event.
func TestRandomEvents(t *testing.T) {
	for _, cfg := range []Config{
		{MaxProcesses: 1},
		{MaxProcesses: 7, MaxAncestors: 3, GracePeriod: 300 * time.Millisecond},
		{MaxProcesses: 50, GracePeriod: -1},
		{MaxProcesses: 50},
	} {
		tb := replayTable(cfg)
		rng := rand.New(rand.NewPCG(1, uint64(cfg.MaxProcesses)))
		when := t0()
		for i := 0; i < 5000; i++ {
			when = when.Add(time.Duration(rng.IntN(200)) * time.Millisecond)
			pid, ppid := uint32(1+rng.IntN(40)), uint32(rng.IntN(40))
			var ev *event.Event
			switch rng.IntN(6) {
			case 0:
				ev = execEv(when, pid, ppid, "/bin/x", "x")
			case 1:
				ev = cloneEv(when, pid, pid, ppid, false)
			case 2:
				ev = cloneEv(when, pid, pid+1, ppid, true)
			case 3:
				ev = exitEv(when, pid, ppid)
			case 4:
				ev = otherEv(when, pid, ppid)
				k := rng.IntN(4)
				for j := 0; j < k; j++ {
					ev.Ancestors = append(ev.Ancestors, event.Ancestor{PID: uint32(rng.IntN(40)), ExecID: "rec"})
				}
			default:
				ev = otherEv(when, pid, ppid)
			}
			tb.Apply(ev)
			if ev.Process.ExecID == "" {
				t.Fatalf("event %d: no exec id: %+v", i, ev.Process)
			}
			if len(ev.Ancestors) > tb.maxAncestors {
				t.Fatalf("event %d: %d ancestors", i, len(ev.Ancestors))
			}
			checkInvariants(t, tb)
		}
	}
}

// Stats and Len may be read while another goroutine applies events (run
// with -race).
func TestStatsConcurrent(t *testing.T) {
	tb := replayTable(Config{MaxProcesses: 64, GracePeriod: time.Second})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; i < 2000; i++ {
			when := at(time.Duration(i) * 10 * time.Millisecond)
			pid := uint32(10 + i%200)
			tb.Apply(cloneEv(when, pid, pid, 1, false))
			tb.Apply(exitEv(when, pid, 1))
		}
	}()
	for {
		select {
		case <-done:
			if st := tb.Stats(); st.Live+st.Exited != tb.Len() || tb.Len() > 64 {
				t.Fatalf("Stats %+v, Len %d", st, tb.Len())
			}
			return
		default:
			_ = tb.Stats()
			_ = tb.Len()
		}
	}
}

// An enforcement event (made by the agent, knowing only the pid) is
// completed from the table and changes nothing in it.
func TestEnforceEventCompletedNotLearned(t *testing.T) {
	tb := replayTable(Config{})
	chain(tb, 1, 10)
	tb.Apply(execEv(at(time.Second), 10, 1, "/usr/bin/curl", "curl", "x"))
	ev := &event.Event{Time: at(2 * time.Second), Type: event.TypeEnforce, Process: event.Process{PID: 10, TID: 10},
		Enforcement: &event.Enforcement{Policy: "p"}}
	tb.Apply(ev)
	if p := ev.Process; p.Exe != "/usr/bin/curl" || p.UID != 1000 || p.LoginUID != 1000 || p.Name == "" || p.ExecID == "" {
		t.Errorf("enforcement event not completed: %+v", p)
	}
	if p := mustLookup(t, tb, 10); p.UID != 1000 || p.EUID != 1000 || p.LoginUID != 1000 {
		t.Errorf("table entry changed by an enforcement event: %+v", p)
	}
	if got := ancestorPIDs(ev); !reflect.DeepEqual(got, []uint32{1}) {
		t.Errorf("ancestors = %v", got)
	}
}
