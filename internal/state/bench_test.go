package state

import (
	"testing"
	"time"

	"github.com/vigil-sec/vigil/internal/event"
)

// benchTable holds a lineage init -> sshd -> sshd -> bash -> make -> sh
// (pids 1, 101, ..., 105), so that a child of pid 105 has 6 ancestors.
func benchTable(b *testing.B) *Table {
	b.Helper()
	tb := replayTable(Config{})
	images := []struct {
		exe  string
		args []string
	}{
		{"/usr/lib/systemd/systemd", []string{"/sbin/init", "splash"}},
		{"/usr/sbin/sshd", []string{"sshd: /usr/sbin/sshd -D [listener] 0 of 10-100 startups"}},
		{"/usr/sbin/sshd", []string{"sshd: root@pts/0"}},
		{"/usr/bin/bash", []string{"-bash"}},
		{"/usr/bin/make", []string{"make", "-j8", "all"}},
		{"/usr/bin/dash", []string{"sh", "-c", "cc -O2 -c -o main.o main.c"}},
	}
	ppid := uint32(0)
	for i, img := range images {
		pid := uint32(100 + i)
		if i == 0 {
			pid = 1
		}
		tb.Apply(execEv(t0(), pid, ppid, img.exe, img.args...))
		ppid = pid
	}
	return tb
}

// BenchmarkApplyExec: an exec event (as the kernel sensor delivers it, exec
// id included) of a process with 6 ancestors.
func BenchmarkApplyExec(b *testing.B) {
	tb := benchTable(b)
	tmpl := *execEv(t0(), 200, 105, "/usr/bin/cc", "cc", "-O2", "-c", "-o", "main.o", "main.c")
	tmpl.Process.ExecID = "AAAAAAAAAAAAAAAAAAAAAA"
	tmpl.Process.StartTime = t0()
	b.ReportAllocs()
	for b.Loop() {
		ev := tmpl
		tb.Apply(&ev)
		if len(ev.Ancestors) != 6 {
			b.Fatalf("%d ancestors", len(ev.Ancestors))
		}
	}
}

// BenchmarkApplyForkExecExit: the life of a short process: fork from a
// depth-6 lineage, exec, exit; one op is the three events. The table
// derives the exec ids (the sensor would otherwise), pids advance as the
// kernel's do and event time by 1 ms per op, so with the default 30 s
// grace about 30000 exited entries are held and reaped in steady state.
func BenchmarkApplyForkExecExit(b *testing.B) {
	tb := benchTable(b)
	args := []string{"cc", "-O2", "-c", "-o", "main.o", "main.c"}
	pid := uint32(1000)
	when := t0()
	b.ReportAllocs()
	for b.Loop() {
		when = when.Add(time.Millisecond)
		fork := event.Event{Time: when, Type: event.TypeFork, Clone: &event.Clone{},
			Process: event.Process{PID: pid, TID: pid, PPID: 105, Name: "sh", StartTime: when, LoginUID: 0}}
		tb.Apply(&fork)
		exec := event.Event{Time: when, Type: event.TypeExecve,
			Process: event.Process{PID: pid, TID: pid, PPID: 105, Name: "cc", Exe: "/usr/bin/cc", Args: args,
				Cwd: "/src", StartTime: when}}
		tb.Apply(&exec)
		exit := event.Event{Time: when, Type: event.TypeProcExit, Exit: &event.Exit{},
			Process: event.Process{PID: pid, TID: pid, PPID: 105, Name: "cc", StartTime: when}}
		tb.Apply(&exit)
		if len(exit.Ancestors) != 6 || exit.Process.Exe != "/usr/bin/cc" {
			b.Fatalf("exit event: %+v %d ancestors", exit.Process, len(exit.Ancestors))
		}
		if pid++; pid >= 4194304 {
			pid = 1000
		}
	}
	b.ReportMetric(float64(tb.Len()), "entries")
}

// BenchmarkApplyOther: an event of a known process (the shape of the file
// and network events to come): completion plus 6 ancestors.
func BenchmarkApplyOther(b *testing.B) {
	tb := benchTable(b)
	tb.Apply(execEv(t0(), 200, 105, "/usr/bin/cc", "cc"))
	tmpl := *otherEv(t0(), 200, 105)
	b.ReportAllocs()
	for b.Loop() {
		ev := tmpl
		tb.Apply(&ev)
		if len(ev.Ancestors) != 6 {
			b.Fatalf("%d ancestors", len(ev.Ancestors))
		}
	}
}

// BenchmarkSeed: seeding a new table from the real /proc.
func BenchmarkSeed(b *testing.B) {
	cfg := liveConfig(b)
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		var err error
		n, err = New(cfg).Seed()
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n), "procs")
}
