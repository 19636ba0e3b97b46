package kernel

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/vigil-sec/vigil/internal/event"
	"github.com/vigil-sec/vigil/internal/host"
	"github.com/vigil-sec/vigil/internal/state"
	"github.com/vigil-sec/vigil/internal/testutil"
)

// BenchmarkStorm measures what the sensor, decoder and process table
// sustain together: shells fork and exec /bin/true (or fork subshells
// without exec) as fast as they can while the pipeline consumes; it reports
// the event rate and how many records the kernel could not queue.
//
//	go test ./internal/sensor/kernel -run '^$' -bench Storm -benchtime 20000x
//
// b.N is the number of iterations per shell (each one clone + exec + exit,
// or clone + exit); two shells run at once on this two-core machine.
func BenchmarkStorm(b *testing.B) {
	for _, tc := range []struct {
		name string
		gen  func(b *testing.B) []string
	}{
		{"sh-fork-exec", shLoop("/bin/true")},
		{"sh-fork", shLoop("( : )")},
		{"c-fork", cForkLoop},
	} {
		b.Run(tc.name, func(b *testing.B) { benchStorm(b, tc.gen(b), 2) })
	}
}

// shLoop runs body b.N times in a shell loop.
func shLoop(body string) func(b *testing.B) []string {
	return func(b *testing.B) []string {
		return []string{"/bin/sh", "-c", fmt.Sprintf("i=0; while [ $i -lt %d ]; do %s; i=$((i+1)); done", b.N, body)}
	}
}

// cForkLoop compiles a tiny C program that forks b.N children which exit at
// once: the fastest process churn this machine can make.
func cForkLoop(b *testing.B) []string {
	cc, err := exec.LookPath("cc")
	if err != nil {
		b.Skip("no C compiler for the fork generator")
	}
	dir := b.TempDir()
	src := filepath.Join(dir, "forker.c")
	prog := `#include <stdlib.h>
#include <unistd.h>
#include <sys/wait.h>
int main(int argc, char **argv) {
	long n = atol(argv[1]);
	for (long i = 0; i < n; i++) {
		pid_t p = fork();
		if (p == 0) _exit(0);
		if (p > 0) waitpid(p, 0, 0);
	}
	return 0;
}
`
	if err := os.WriteFile(src, []byte(prog), 0o644); err != nil {
		b.Fatal(err)
	}
	bin := filepath.Join(dir, "forker")
	if out, err := exec.Command(cc, "-O2", "-o", bin, src).CombinedOutput(); err != nil {
		b.Fatalf("cc: %v: %s", err, out)
	}
	return []string{bin, fmt.Sprint(b.N)}
}

func benchStorm(b *testing.B, gen []string, shells int) {
	testutil.RequireRoot(b)
	bootID, err := host.BootID("/proc")
	if err != nil {
		b.Fatal(err)
	}
	clock, err := host.NewClock()
	if err != nil {
		b.Fatal(err)
	}
	s, err := New(Options{BootID: &bootID, Clock: &clock})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	table := state.New(state.Config{ProcRoot: "/proc", BootID: bootID, Clock: clock})
	if err := s.Start(); err != nil {
		b.Fatal(err)
	}
	if _, err := table.Seed(); err != nil {
		b.Fatal(err)
	}
	var events atomic.Uint64
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- s.Run(ctx, func(ev *event.Event) {
			table.Apply(ev)
			events.Add(1)
		})
	}()

	var ru0, ru1 syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru0)
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	for i := 0; i < shells; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if out, err := exec.Command(gen[0], gen[1:]...).CombinedOutput(); err != nil {
				b.Errorf("storm: %v: %s", err, out)
			}
		}()
	}
	wg.Wait()
	cancel() // Run detaches, drains what is queued, returns
	if err := <-done; err != nil {
		b.Fatal(err)
	}
	elapsed := time.Since(start)
	b.StopTimer()
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru1)
	// CPU this process (the consumer: read, decode, process table) spent
	// per event: its capacity is 1e9 / that, per core.
	cpu := time.Duration(syscall.TimevalToNsec(ru1.Utime) - syscall.TimevalToNsec(ru0.Utime) +
		syscall.TimevalToNsec(ru1.Stime) - syscall.TimevalToNsec(ru0.Stime))
	st := s.Stats()
	var lost uint64
	for _, n := range st.Lost {
		lost += n
	}
	b.ReportMetric(float64(events.Load())/elapsed.Seconds(), "events/s")
	b.ReportMetric(float64(lost), "lost")
	b.ReportMetric(float64(st.DecodeErrors), "malformed")
	b.ReportMetric(float64(events.Load())/float64(b.N*shells), "events/iter")
	if n := events.Load(); n > 0 {
		b.ReportMetric(float64(cpu.Nanoseconds())/float64(n), "consumer-cpu-ns/event")
	}
}
