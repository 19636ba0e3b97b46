package output

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vigil-sec/vigil/internal/engine"
	"github.com/vigil-sec/vigil/internal/rules"
)

// blockSink blocks every write until Close (like a dead receiver with no
// timeout); entered receives each alert as its write starts.
type blockSink struct {
	entered  chan *engine.Alert
	released chan struct{}
	once     sync.Once
	ignore   bool // Close does not release (a sink stuck for good)
}

func newBlockSink() *blockSink {
	return &blockSink{entered: make(chan *engine.Alert, 100), released: make(chan struct{})}
}

func (b *blockSink) WriteAlert(a *engine.Alert) error {
	b.entered <- a
	<-b.released
	return errors.New("released")
}
func (b *blockSink) Flush() error { return nil }
func (b *blockSink) Close() error {
	if !b.ignore {
		b.once.Do(func() { close(b.released) })
	}
	return nil
}

func newAsync(t *testing.T, sink engine.AlertSink, opts AsyncOptions) *Async {
	t.Helper()
	a, err := NewAsync(sink, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	return a
}

// TestAsyncBlockedSinkDoesNotBlockOthers: an output that blocks forever
// neither blocks the writer nor the other outputs; what it cannot take is
// counted as dropped, and Close gives up on it at the drain timeout.
func TestAsyncBlockedSinkDoesNotBlockOthers(t *testing.T) {
	blocked := newBlockSink()
	slow := newAsync(t, blocked, AsyncOptions{Name: "dead", QueueSize: 4, DrainTimeout: 10 * time.Millisecond})
	mem := &memSink{}
	fine := newAsync(t, mem, AsyncOptions{Name: "fine"})

	const n = 100
	outs := []engine.AlertSink{slow, fine}
	write := func(i int) {
		for _, o := range outs {
			if err := o.WriteAlert(testAlert(i)); err != nil {
				t.Fatal(err)
			}
		}
	}
	write(0)
	<-blocked.entered // the dead output's goroutine is stuck in its first alert
	for i := 1; i < n; i++ {
		write(i)
	}
	waitFor(t, "the other output", func() bool { return mem.len() == n })
	st := slow.Stats()
	want := Stats{Name: "dead", Dropped: n - 1 - 4, QueueDepth: 4, QueueCap: 4}
	if st != want {
		t.Errorf("stats %+v, want %+v", st, want)
	}
	if err := slow.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	// The alert it was stuck in failed; the queued ones were dropped.
	want = Stats{Name: "dead", Failed: 1, Dropped: n - 1, QueueCap: 4}
	if st := slow.Stats(); st != want {
		t.Errorf("after Close: stats %+v, want %+v", st, want)
	}
	waitFor(t, "the other output's count", func() bool { return fine.Stats().Sent == n })
	if st := fine.Stats(); st.Dropped != 0 {
		t.Errorf("fine output: %+v", st)
	}
}

// TestAsyncStuckSinkClose: a sink that does not even return when closed
// makes Close report it, rather than hang.
func TestAsyncStuckSinkClose(t *testing.T) {
	stuck := newBlockSink()
	stuck.ignore = true
	defer close(stuck.released)
	a := newAsync(t, stuck, AsyncOptions{Name: "stuck", DrainTimeout: time.Millisecond})
	a.grace = time.Millisecond
	a.WriteAlert(testAlert(1))
	<-stuck.entered
	if err := a.Close(); err == nil || !strings.Contains(err.Error(), "still blocked") {
		t.Errorf("Close: %v", err)
	}
}

func TestAsyncCloseDeliversQueued(t *testing.T) {
	mem := &memSink{}
	a := newAsync(t, mem, AsyncOptions{QueueSize: 5000})
	const n = 5000
	for i := range n {
		a.WriteAlert(testAlert(i))
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	if mem.len() != n {
		t.Errorf("delivered %d of %d", mem.len(), n)
	}
	a.WriteAlert(testAlert(0)) // after Close: counted, not delivered
	if st := a.Stats(); st.Sent != n || st.Dropped != 1 || mem.len() != n {
		t.Errorf("stats %+v", st)
	}
	if err := a.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

func TestAsyncMinPriority(t *testing.T) {
	all := []rules.Priority{rules.Emergency, rules.Alert, rules.Critical, rules.Error, rules.Warning,
		rules.Notice, rules.Informational, rules.Debug}
	for _, tc := range []struct {
		min  string
		want int // alerts passed, of one per priority
	}{
		{"", 8},
		{"debug", 8},
		{"info", 7},
		{"Warning", 5},
		{"emergency", 1},
	} {
		mem := &memSink{}
		a := newAsync(t, mem, AsyncOptions{MinPriority: tc.min})
		for _, p := range all {
			al := testAlert(0)
			al.Priority = p
			a.WriteAlert(al)
		}
		a.Close()
		if st := a.Stats(); mem.len() != tc.want || st.Sent != uint64(tc.want) || st.Filtered != uint64(8-tc.want) {
			t.Errorf("min %q: passed %d, stats %+v; want %d", tc.min, mem.len(), st, tc.want)
		}
	}
	if _, err := NewAsync(&memSink{}, AsyncOptions{MinPriority: "loud"}); err == nil {
		t.Error("unknown priority accepted")
	}
}

// flakySink fails or panics on chosen alerts and counts flushes.
type flakySink struct {
	memSink
	flushes atomic.Int64
	reopens atomic.Int64
}

func (f *flakySink) WriteAlert(a *engine.Alert) error {
	switch a.Rule {
	case "panic":
		panic("boom")
	case "fail":
		return errors.New("refused")
	}
	return f.memSink.WriteAlert(a)
}
func (f *flakySink) Flush() error  { f.flushes.Add(1); return nil }
func (f *flakySink) Reopen() error { f.reopens.Add(1); return nil }
func (f *flakySink) Retries() uint64 {
	return 7
}

// countHandler counts log records by message.
type countHandler struct {
	mu sync.Mutex
	n  map[string]int
}

func (h *countHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h *countHandler) Handle(_ context.Context, r slog.Record) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.n == nil {
		h.n = map[string]int{}
	}
	h.n[r.Message]++
	return nil
}
func (h *countHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *countHandler) WithGroup(string) slog.Handler      { return h }
func (h *countHandler) count(msg string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.n[msg]
}

func TestAsyncFailuresCountedAndLoggedOnce(t *testing.T) {
	f := &flakySink{}
	logs := &countHandler{}
	a := newAsync(t, f, AsyncOptions{Logger: slog.New(logs)})
	for _, rule := range []string{"ok", "panic", "fail", "ok", "fail"} {
		al := testAlert(0)
		al.Rule = rule
		a.WriteAlert(al)
	}
	a.Close()
	want := Stats{Name: "output", Sent: 2, Failed: 3, Retried: 7, QueueCap: DefaultQueueSize}
	if st := a.Stats(); st != want {
		t.Errorf("stats %+v, want %+v", st, want)
	}
	if n := logs.count("alert output failed"); n != 1 {
		t.Errorf("%d failure warnings, want 1 (rate-limited)", n)
	}
	if f.flushes.Load() == 0 {
		t.Error("the sink was never flushed")
	}
}

func TestAsyncDropWarningRateLimited(t *testing.T) {
	blocked := newBlockSink()
	logs := &countHandler{}
	a := newAsync(t, blocked, AsyncOptions{QueueSize: 1, Logger: slog.New(logs), DrainTimeout: time.Millisecond})
	for i := range 1000 {
		a.WriteAlert(testAlert(i))
	}
	if n := logs.count("alert output queue full: alerts dropped"); n != 1 {
		t.Errorf("%d drop warnings, want 1", n)
	}
	if st := a.Stats(); st.Dropped < 998 {
		t.Errorf("stats %+v", st)
	}
}

func TestSet(t *testing.T) {
	f1, f2 := &flakySink{}, &flakySink{}
	var s Set
	s.Add(newAsync(t, f1, AsyncOptions{Name: "one"}), newAsync(t, f2, AsyncOptions{Name: "two", MinPriority: "error"}))
	sinks := s.Sinks()
	if len(sinks) != 2 {
		t.Fatalf("%d sinks", len(sinks))
	}
	for _, sk := range sinks {
		sk.WriteAlert(testAlert(1)) // Notice
	}
	if err := s.Reopen(); err != nil {
		t.Fatal(err)
	}
	if f1.reopens.Load() != 1 || f2.reopens.Load() != 1 {
		t.Error("Reopen did not reach the sinks")
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	st := s.Stats()
	if st[0].Name != "one" || st[0].Sent != 1 || st[1].Name != "two" || st[1].Filtered != 1 {
		t.Errorf("stats %+v", st)
	}
}
