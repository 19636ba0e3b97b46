package kernel

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/cilium/ebpf"

	"github.com/vigil-sec/vigil/internal/event"
	"github.com/vigil-sec/vigil/internal/testutil"
)

// BenchmarkOpenClose measures the open family's path through the sensor:
// a helper process opens and closes one file b.N times (openat(2) +
// close(2)) while the sensor, with the open family enabled, consumes.
//
//	go test ./internal/sensor/kernel -run '^$' -bench OpenClose -benchtime 200000x
//
// consume reports the event rate, the records the kernel could not queue
// and the consumer's CPU per event. overhead runs the same loop with the
// sensor detached and attached, interleaved in one run (the sensor stays
// loaded and its reader running), and reports the ns per open+close of
// each and their ratio.
func BenchmarkOpenClose(b *testing.B) {
	b.Run("consume", benchOpenConsume)
	b.Run("overhead", benchOpenOverhead)
}

// openBench is a started sensor with the open family whose reader counts
// events.
type openBench struct {
	s      *Sensor
	events atomic.Uint64
	cancel context.CancelFunc
	done   chan error
}

func startOpenBench(b *testing.B) *openBench {
	testutil.RequireRoot(b)
	s, err := New(Options{Syscalls: SupportedSyscalls()})
	if err != nil {
		b.Fatal(err)
	}
	if err := s.Start(); err != nil {
		s.Close()
		b.Fatal(err)
	}
	ob := &openBench{s: s, done: make(chan error, 1)}
	ctx, cancel := context.WithCancel(context.Background())
	ob.cancel = cancel
	go func() {
		ob.done <- s.Run(ctx, func(ev *event.Event) {
			if ev.Syscall != nil {
				ob.events.Add(1)
			}
		})
	}()
	return ob
}

// stop detaches, drains and closes the sensor.
func (ob *openBench) stop(b *testing.B) {
	ob.cancel()
	if err := <-ob.done; err != nil {
		b.Error(err)
	}
	if err := ob.s.Close(); err != nil {
		b.Error(err)
	}
}

func (ob *openBench) lost() uint64 {
	var n uint64
	for _, v := range ob.s.Stats().Lost {
		n += v
	}
	return n
}

// openLoopFile is the file the loops open.
func openLoopFile(b *testing.B) string {
	f := filepath.Join(b.TempDir(), "bench")
	if err := os.WriteFile(f, []byte("x"), 0o644); err != nil {
		b.Fatal(err)
	}
	return f
}

// runOpenLoop runs n open+close in a helper process and returns its ns per
// iteration.
func runOpenLoop(b *testing.B, file string, n int) float64 {
	out, err := helperCmd("openloop", file, strconv.Itoa(n)).Output()
	if err != nil {
		b.Fatalf("openloop: %v", err)
	}
	ns, err := strconv.ParseFloat(strings.TrimSpace(string(out)), 64)
	if err != nil {
		b.Fatalf("openloop output %q: %v", out, err)
	}
	return ns
}

func benchOpenConsume(b *testing.B) {
	file := openLoopFile(b)
	ob := startOpenBench(b)
	var ru0, ru1 syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru0)
	b.ResetTimer()
	start := time.Now()
	nsPerOp := runOpenLoop(b, file, b.N)
	ob.s.detach()
	ob.reportBPFTime(b)
	if testing.Verbose() {
		fmt.Fprintf(os.Stderr, "lost: %v\n", ob.s.Stats().Lost)
	}
	ob.stop(b) // drains what is queued
	elapsed := time.Since(start)
	b.StopTimer()
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru1)
	cpu := syscall.TimevalToNsec(ru1.Utime) - syscall.TimevalToNsec(ru0.Utime) +
		syscall.TimevalToNsec(ru1.Stime) - syscall.TimevalToNsec(ru0.Stime)
	n := ob.events.Load()
	b.ReportMetric(float64(n)/elapsed.Seconds(), "events/s")
	b.ReportMetric(float64(ob.lost()), "lost")
	b.ReportMetric(float64(ob.s.Stats().DecodeErrors), "malformed")
	b.ReportMetric(nsPerOp, "ns/open+close")
	if n > 0 {
		b.ReportMetric(float64(cpu)/float64(n), "consumer-cpu-ns/event")
	}
}

// reportBPFTime reports the time the openat programs ran per call, when the
// kernel keeps program statistics (sysctl kernel.bpf_stats_enabled=1).
func (ob *openBench) reportBPFTime(b *testing.B) {
	if v, err := os.ReadFile("/proc/sys/kernel/bpf_stats_enabled"); err != nil || strings.TrimSpace(string(v)) != "1" {
		return
	}
	for _, p := range []struct {
		unit string
		prog interface {
			Stats() (*ebpf.ProgramStats, error)
		}
	}{{"bpf-exit-ns/call", ob.s.sys.file.TraceExitOpenat}} {
		st, err := p.prog.Stats()
		if err != nil || st.RunCount == 0 {
			continue
		}
		b.ReportMetric(float64(st.Runtime.Nanoseconds())/float64(st.RunCount), p.unit)
	}
}

func benchOpenOverhead(b *testing.B) {
	const rounds = 7
	file := openLoopFile(b)
	ob := startOpenBench(b)
	defer ob.stop(b)
	var off, on []float64
	b.ResetTimer()
	for range rounds {
		ob.s.detach()
		off = append(off, runOpenLoop(b, file, b.N))
		if err := ob.s.Start(); err != nil {
			b.Fatal(err)
		}
		on = append(on, runOpenLoop(b, file, b.N))
	}
	b.StopTimer()
	slices.Sort(off)
	slices.Sort(on)
	mOff, mOn := off[rounds/2], on[rounds/2]
	b.ReportMetric(mOff, "ns/op-without")
	b.ReportMetric(mOn, "ns/op-with")
	b.ReportMetric(mOn-mOff, "ns/op-added")
	b.ReportMetric(100*(mOn-mOff)/mOff, "%-slower")
	b.ReportMetric(float64(ob.lost()), "lost")
	if testing.Verbose() {
		fmt.Fprintf(os.Stderr, "open+close ns, %d rounds: without %v, with %v\n", rounds, off, on)
	}
}
