package aggregate

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vigil-sec/vigil/internal/engine"
	"github.com/vigil-sec/vigil/internal/ocsf"
	"github.com/vigil-sec/vigil/internal/rules"
)

// recorder is a sink that records what it gets. It fails when a call
// overlaps another (the Aggregator must serialize them).
type recorder struct {
	mu      sync.Mutex
	busy    bool
	overlap bool
	alerts  []*engine.Alert
	flushes int
	err     error
}

func (r *recorder) enter() {
	r.mu.Lock()
	if r.busy {
		r.overlap = true
	}
	r.busy = true
	r.mu.Unlock()
}

func (r *recorder) leave() {
	r.mu.Lock()
	r.busy = false
	r.mu.Unlock()
}

func (r *recorder) WriteAlert(a *engine.Alert) error {
	r.enter()
	defer r.leave()
	time.Sleep(0) // let a racing caller in, if it can get in
	r.alerts = append(r.alerts, a)
	return r.err
}

func (r *recorder) Flush() error {
	r.enter()
	defer r.leave()
	r.flushes++
	return nil
}

var t0 = time.Date(2025, 11, 24, 3, 0, 0, 0, time.UTC)

func at(sec float64) time.Time { return t0.Add(time.Duration(sec * float64(time.Second))) }

func alert(rule, msg, host string, sec float64) *engine.Alert {
	t := at(sec)
	return &engine.Alert{Time: t, Rule: rule, Priority: rules.Warning, Source: "syscall", Tags: []string{"t1", "t2"},
		Hostname: host, Message: msg, Output: "out " + msg, Actions: []string{"kill:killed"},
		Fields: []engine.FieldValue{{Name: "proc.name", Value: "sh"}, {Name: "evt.time", Value: uint64(t.UnixNano())}}}
}

// step is one thing a test does: write an alert, tick, flush or close.
type step struct {
	rule, msg, host string
	sec             float64
	tick, close     bool
}

func a(rule, msg string, sec float64) step { return step{rule: rule, msg: msg, host: "h", sec: sec} }
func onHost(host string, s step) step      { s.host = host; return s }
func tick(sec float64) step                { return step{tick: true, sec: sec} }
func closeAll() step                       { return step{close: true} }

// describeOut renders what the sink got: "R/M@S" for a forwarded alert,
// "R/M xN [F..L]@S" for a summary, seconds from t0.
func describeOut(as []*engine.Alert) []string {
	var out []string
	sec := func(t time.Time) string { return fmt.Sprint(t.Sub(t0).Seconds()) }
	for _, x := range as {
		var n uint64
		var first, last uint64
		for _, f := range x.Fields {
			switch f.Name {
			case FieldCount:
				n = f.Value.(uint64)
			case FieldFirst:
				first = f.Value.(uint64)
			case FieldLast:
				last = f.Value.(uint64)
			}
		}
		msg := x.Message
		if i := strings.Index(msg, " (repeated"); i >= 0 {
			msg = msg[:i]
		}
		host := ""
		if x.Hostname != "h" {
			host = x.Hostname + ":"
		}
		if n == 0 {
			out = append(out, fmt.Sprintf("%s%s/%s@%s", host, x.Rule, msg, sec(x.Time)))
			continue
		}
		out = append(out, fmt.Sprintf("%s%s/%s x%d [%s..%s]@%s", host, x.Rule, msg, n,
			sec(time.Unix(0, int64(first)).UTC()), sec(time.Unix(0, int64(last)).UTC()), sec(x.Time)))
	}
	return out
}

func TestAggregator(t *testing.T) {
	tests := []struct {
		name  string
		opts  Options
		steps []step
		want  []string
		stats Stats
	}{{
		name:  "single alert passes, closes silently",
		steps: []step{a("R", "m", 0), tick(100), closeAll()},
		want:  []string{"R/m@0"},
		stats: Stats{Passed: 1},
	}, {
		name:  "flood: first passes, the rest summarized when the window closes",
		steps: []step{a("R", "m", 0), a("R", "m", 1), a("R", "m", 2), a("R", "m", 9.5), tick(9.9), tick(10)},
		want:  []string{"R/m@0", "R/m x3 [1..9.5]@9.5"},
		stats: Stats{Passed: 1, Aggregated: 3, Summaries: 1},
	}, {
		name: "an alert after the window passes and opens a new one",
		steps: []step{a("R", "m", 0), a("R", "m", 5), a("R", "m", 10), a("R", "m", 11), a("R", "m", 12),
			closeAll()},
		want:  []string{"R/m@0", "R/m x1 [5..5]@5", "R/m@10", "R/m x2 [11..12]@12"},
		stats: Stats{Passed: 2, Aggregated: 3, Summaries: 2},
	}, {
		name: "interleaved keys are counted apart",
		steps: []step{a("R", "m1", 0), a("R", "m2", 0.5), a("S", "m1", 0.6), onHost("other", a("R", "m1", 0.7)),
			a("R", "m1", 1), a("R", "m2", 2), a("R", "m1", 3), a("S", "m1", 4), tick(30)},
		want: []string{"R/m1@0", "R/m2@0.5", "S/m1@0.6", "other:R/m1@0.7",
			"R/m1 x2 [1..3]@3", "R/m2 x1 [2..2]@2", "S/m1 x1 [4..4]@4"},
		stats: Stats{Passed: 4, Aggregated: 4, Summaries: 3},
	}, {
		name:  "windows close by alert time, without ticks",
		steps: []step{a("R", "m", 0), a("R", "m", 1), a("S", "x", 10)},
		want:  []string{"R/m@0", "R/m x1 [1..1]@1", "S/x@10"},
		stats: Stats{Passed: 2, Aggregated: 1, Summaries: 1, Keys: 1},
	}, {
		name:  "configured window",
		opts:  Options{Window: 2 * time.Second},
		steps: []step{a("R", "m", 0), a("R", "m", 1.9), a("R", "m", 2), a("R", "m", 3), closeAll()},
		want:  []string{"R/m@0", "R/m x1 [1.9..1.9]@1.9", "R/m@2", "R/m x1 [3..3]@3"},
		stats: Stats{Passed: 2, Aggregated: 2, Summaries: 2},
	}, {
		name: "key bound: the oldest window is reported early",
		opts: Options{MaxKeys: 2},
		steps: []step{a("R", "a", 0), a("R", "a", 0.1), a("R", "b", 0.2), a("R", "b", 0.3),
			a("R", "c", 0.4), a("R", "b", 0.5), a("R", "a", 0.6), closeAll()},
		want: []string{"R/a@0", "R/b@0.2", "R/a x1 [0.1..0.1]@0.1", "R/c@0.4",
			"R/b x2 [0.3..0.5]@0.5", "R/a@0.6", "R/c x0"},
		stats: Stats{Passed: 4, Aggregated: 3, Summaries: 2, Evicted: 2},
	}, {
		name:  "close reports every open window, oldest first",
		steps: []step{a("R", "a", 0), a("R", "b", 1), a("R", "b", 2), a("R", "a", 3), closeAll()},
		want:  []string{"R/a@0", "R/b@1", "R/a x1 [3..3]@3", "R/b x1 [2..2]@2"},
		stats: Stats{Passed: 2, Aggregated: 2, Summaries: 2},
	}, {
		name:  "out of order repeat keeps first and last right",
		steps: []step{a("R", "m", 0), a("R", "m", 4), a("R", "m", 2), closeAll()},
		want:  []string{"R/m@0", "R/m x2 [2..4]@4"},
		stats: Stats{Passed: 1, Aggregated: 2, Summaries: 1},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &recorder{}
			g := New(rec, tt.opts)
			in := 0
			for _, s := range tt.steps {
				var err error
				switch {
				case s.tick:
					err = g.Tick(at(s.sec))
				case s.close:
					err = g.Close()
				default:
					in++
					err = g.WriteAlert(alert(s.rule, s.msg, s.host, s.sec))
				}
				if err != nil {
					t.Fatal(err)
				}
			}
			got := describeOut(rec.alerts)
			want := tt.want
			// "R/c x0": a window closed without repeats writes nothing.
			var w2 []string
			for _, w := range want {
				if !strings.HasSuffix(w, " x0") {
					w2 = append(w2, w)
				}
			}
			if !reflect.DeepEqual(got, w2) {
				t.Errorf("got\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(w2, "\n  "))
			}
			st := g.Stats()
			if st != tt.stats {
				t.Errorf("stats %+v, want %+v", st, tt.stats)
			}
			if st.Passed+st.Aggregated != uint64(in) {
				t.Errorf("passed+aggregated = %d, %d alerts in", st.Passed+st.Aggregated, in)
			}
		})
	}
}

// TestNothingLost checks, on a long mixed flood, that every alert is
// forwarded or counted in exactly one summary.
func TestNothingLost(t *testing.T) {
	rec := &recorder{}
	g := New(rec, Options{Window: 3 * time.Second, MaxKeys: 5})
	const n = 5000
	for i := 0; i < n; i++ {
		msg := fmt.Sprintf("m%d", (i*7)%11)
		if err := g.WriteAlert(alert("R", msg, "h", float64(i)*0.01)); err != nil {
			t.Fatal(err)
		}
		if i%500 == 0 {
			_ = g.Tick(at(float64(i) * 0.01))
		}
	}
	if err := g.Close(); err != nil {
		t.Fatal(err)
	}
	var forwarded, counted uint64
	for _, a := range rec.alerts {
		c := uint64(0)
		for _, f := range a.Fields {
			if f.Name == FieldCount {
				c = f.Value.(uint64)
			}
		}
		if c == 0 {
			forwarded++
		}
		counted += c
	}
	st := g.Stats()
	if forwarded+counted != n || forwarded != st.Passed || counted != st.Aggregated || st.Keys != 0 {
		t.Errorf("forwarded %d + counted %d != %d; stats %+v", forwarded, counted, n, st)
	}
}

func TestSummaryAlert(t *testing.T) {
	rec := &recorder{}
	g := New(rec, Options{})
	first := alert("Read sensitive file", "file=/etc/shadow", "node-1", 0)
	r1 := alert("Read sensitive file", "file=/etc/shadow", "node-1", 1.5)
	r2 := alert("Read sensitive file", "file=/etc/shadow", "node-1", 2.25)
	r2.Priority = rules.Critical
	r2.Actions = []string{"kill:failed: gone"}
	keep := *r2
	keepFields := append([]engine.FieldValue(nil), r2.Fields...)
	for _, a := range []*engine.Alert{first, r1, r2} {
		if err := g.WriteAlert(a); err != nil {
			t.Fatal(err)
		}
	}
	if err := g.Close(); err != nil {
		t.Fatal(err)
	}
	if len(rec.alerts) != 2 || rec.alerts[0] != first {
		t.Fatalf("got %d alerts", len(rec.alerts))
	}
	s := rec.alerts[1]
	wantMsg := "file=/etc/shadow (repeated 2 times between 2025-11-24T03:00:01.5Z and 2025-11-24T03:00:02.25Z)"
	if s.Message != wantMsg {
		t.Errorf("message %q", s.Message)
	}
	if want := at(2.25).Local().Format("15:04:05.000000000") + ": Critical " + wantMsg; s.Output != want {
		t.Errorf("output %q, want %q", s.Output, want)
	}
	if !s.Time.Equal(at(2.25)) || s.Rule != first.Rule || s.Priority != rules.Critical || s.Hostname != "node-1" ||
		s.Source != "syscall" || !reflect.DeepEqual(s.Tags, first.Tags) || !reflect.DeepEqual(s.Actions, r2.Actions) {
		t.Errorf("summary %+v", s)
	}
	want := append(append([]engine.FieldValue(nil), r2.Fields...),
		engine.FieldValue{Name: FieldCount, Value: uint64(2)},
		engine.FieldValue{Name: FieldFirst, Value: uint64(at(1.5).UnixNano())},
		engine.FieldValue{Name: FieldLast, Value: uint64(at(2.25).UnixNano())})
	if !reflect.DeepEqual(s.Fields, want) {
		t.Errorf("fields %v\nwant %v", s.Fields, want)
	}
	// The alerts given are not modified.
	if !reflect.DeepEqual(*r2, keep) || !reflect.DeepEqual(r2.Fields, keepFields) {
		t.Errorf("input alert modified")
	}
	// One repeat: "1 time".
	rec.alerts = nil
	_ = g.WriteAlert(alert("R", "m", "h", 0))
	_ = g.WriteAlert(alert("R", "m", "h", 1))
	_ = g.Close()
	if got := rec.alerts[1].Message; got != "m (repeated 1 time between 2025-11-24T03:00:01Z and 2025-11-24T03:00:01Z)" {
		t.Errorf("message %q", got)
	}
}

// TestSummaryOCSF checks that the OCSF finding of a summary carries its
// count and time range.
func TestSummaryOCSF(t *testing.T) {
	rec := &recorder{}
	g := New(rec, Options{})
	for _, sec := range []float64{0, 1, 2, 3} {
		_ = g.WriteAlert(alert("R", "m", "h", sec))
	}
	_ = g.Close()
	var rec2 struct {
		Count     uint64 `json:"count"`
		StartTime int64  `json:"start_time"`
		EndTime   int64  `json:"end_time"`
	}
	if err := json.Unmarshal(ocsf.AppendDetectionFinding(nil, rec.alerts[1]), &rec2); err != nil {
		t.Fatal(err)
	}
	if rec2.Count != 3 || rec2.StartTime != at(1).UnixMilli() || rec2.EndTime != at(3).UnixMilli() {
		t.Errorf("got %+v", rec2)
	}
}

func TestFlush(t *testing.T) {
	rec := &recorder{}
	now := at(0)
	g := New(rec, Options{Now: func() time.Time { return now }})
	_ = g.WriteAlert(alert("R", "m", "h", 0))
	_ = g.WriteAlert(alert("R", "m", "h", 1))
	if err := g.Flush(); err != nil {
		t.Fatal(err)
	}
	if len(rec.alerts) != 1 || rec.flushes != 1 {
		t.Fatalf("before the window ends: %d alerts, %d flushes", len(rec.alerts), rec.flushes)
	}
	now = at(10)
	_ = g.Flush()
	if len(rec.alerts) != 2 || rec.flushes != 2 {
		t.Fatalf("after the window: %d alerts, %d flushes", len(rec.alerts), rec.flushes)
	}
	// Without Now, Flush only flushes.
	rec2 := &recorder{}
	g2 := New(rec2, Options{})
	_ = g2.WriteAlert(alert("R", "m", "h", 0))
	_ = g2.WriteAlert(alert("R", "m", "h", 1))
	_ = g2.Flush()
	if len(rec2.alerts) != 1 || rec2.flushes != 1 {
		t.Fatalf("no clock: %d alerts, %d flushes", len(rec2.alerts), rec2.flushes)
	}
	_ = g2.Close()
	if len(rec2.alerts) != 2 || rec2.flushes != 2 {
		t.Fatalf("close: %d alerts, %d flushes", len(rec2.alerts), rec2.flushes)
	}
}

func TestErrors(t *testing.T) {
	boom := errors.New("boom")
	rec := &recorder{err: boom}
	g := New(rec, Options{})
	if err := g.WriteAlert(alert("R", "m", "h", 0)); !errors.Is(err, boom) {
		t.Errorf("pass-through error %v", err)
	}
	if err := g.WriteAlert(alert("R", "m", "h", 1)); err != nil {
		t.Errorf("counted alert: %v", err)
	}
	if err := g.Tick(at(20)); !errors.Is(err, boom) {
		t.Errorf("summary error %v", err)
	}
	// Counted even though the sink failed.
	if st := g.Stats(); st.Passed != 1 || st.Aggregated != 1 || st.Summaries != 1 {
		t.Errorf("stats %+v", st)
	}
}

// TestConcurrentTick runs Tick from another goroutine while alerts come
// in: the wrapped sink must never see overlapping calls (run with -race).
func TestConcurrentTick(t *testing.T) {
	rec := &recorder{}
	g := New(rec, Options{Window: 50 * time.Millisecond})
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-done:
				return
			default:
			}
			_ = g.Tick(at(float64(i) * 0.01))
			_ = g.Stats()
		}
	}()
	for i := 0; i < 2000; i++ {
		_ = g.WriteAlert(alert("R", fmt.Sprint(i%3), "h", float64(i)*0.001))
	}
	close(done)
	wg.Wait()
	_ = g.Close()
	if rec.overlap {
		t.Error("the wrapped sink saw overlapping calls")
	}
	st := g.Stats()
	if st.Passed+st.Aggregated != 2000 {
		t.Errorf("stats %+v", st)
	}
}

func BenchmarkWriteAlertFlood(b *testing.B) {
	g := New(discard{}, Options{})
	as := make([]*engine.Alert, 64)
	for i := range as {
		as[i] = alert("R", fmt.Sprint(i%8), "h", float64(i)*0.001)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		a := as[i%len(as)]
		_ = g.WriteAlert(a)
		i++
	}
}

func BenchmarkWriteAlertDistinct(b *testing.B) {
	g := New(discard{}, Options{MaxKeys: 1024})
	as := make([]*engine.Alert, 4096)
	for i := range as {
		as[i] = alert("R", fmt.Sprint(i), "h", float64(i)*0.001)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		_ = g.WriteAlert(as[i%len(as)])
		i++
	}
}

type discard struct{}

func (discard) WriteAlert(*engine.Alert) error { return nil }
func (discard) Flush() error                   { return nil }

func TestFanout(t *testing.T) {
	boom := errors.New("boom")
	r1, r2 := &recorder{}, &recorder{err: boom}
	g := New(Fanout{r1, r2}, Options{})
	if err := g.WriteAlert(alert("R", "m", "h", 0)); !errors.Is(err, boom) {
		t.Errorf("error %v", err)
	}
	_ = g.WriteAlert(alert("R", "m", "h", 1))
	_ = g.Close()
	if len(r1.alerts) != 2 || len(r2.alerts) != 2 || r1.flushes != 1 || r2.flushes != 1 {
		t.Errorf("r1 %d alerts %d flushes, r2 %d alerts %d flushes", len(r1.alerts), r1.flushes, len(r2.alerts), r2.flushes)
	}
}
