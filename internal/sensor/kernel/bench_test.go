package kernel

import (
	"context"
	"fmt"
	"os/exec"
	"sync"
	"sync/atomic"
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
		body string
	}{
		{"fork-exec", "/bin/true"},
		{"fork", "( : )"},
	} {
		b.Run(tc.name, func(b *testing.B) { benchStorm(b, tc.body, 2) })
	}
}

func benchStorm(b *testing.B, body string, shells int) {
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

	script := fmt.Sprintf("i=0; while [ $i -lt %d ]; do %s; i=$((i+1)); done", b.N, body)
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	for i := 0; i < shells; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if out, err := exec.Command("/bin/sh", "-c", script).CombinedOutput(); err != nil {
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
	st := s.Stats()
	var lost uint64
	for _, n := range st.Lost {
		lost += n
	}
	b.ReportMetric(float64(events.Load())/elapsed.Seconds(), "events/s")
	b.ReportMetric(float64(lost), "lost")
	b.ReportMetric(float64(st.DecodeErrors), "malformed")
	b.ReportMetric(float64(events.Load())/float64(b.N*shells), "events/iter")
}
