package engine

import (
	"testing"
	"time"

	"github.com/vigil-sec/vigil/internal/event"
	"github.com/vigil-sec/vigil/internal/rules"
)

const statsRules = `
- rule: shell spawned
  desc: d
  condition: evt.type = execve and proc.name = bash
  output: "shell %proc.name"
  priority: WARNING
- rule: any exec
  desc: d
  condition: evt.type = execve
  output: "exec %proc.name"
  priority: ERROR
- rule: disabled exec
  desc: d
  condition: evt.type = execve
  output: "never"
  priority: CRITICAL
  enabled: false
- rule: passwd opened
  desc: d
  condition: evt.type = openat and fd.name = /etc/passwd
  output: "open %fd.name"
  priority: NOTICE
`

// brokenRule has an error: it is left out.
const brokenRule = `
- rule: broken
  desc: d
  condition: evt.type = execve and no.such.field = 1
  output: "x"
  priority: INFO
`

// TestDetectorAlertCounts: every rule that can fire is listed in rule
// order with its alerts, zero included, then the drop rule; disabled and
// broken rules are not.
func TestDetectorAlertCounts(t *testing.T) {
	e, diags := compileYAML(t, statsRules+brokenRule, Options{})
	if !diags.HasErrors() {
		t.Fatal("the broken rule compiled")
	}
	sink := &alertSlice{}
	d := NewDetector(e, nil, sink)
	for range 3 {
		if err := d.Write(execEvent()); err != nil {
			t.Fatal(err)
		}
	}
	// Two drop events within DropAlertInterval: one drop alert.
	for i := range 2 {
		ev := &event.Event{Time: time.Date(2026, 1, 1, 0, 0, i, 0, time.UTC), Type: event.TypeDrop, Drop: &event.Drop{Lost: map[string]uint64{"exec": 1}}}
		if err := d.Write(ev); err != nil {
			t.Fatal(err)
		}
	}
	want := []RuleAlerts{
		{Rule: "shell spawned", Priority: rules.Warning, Alerts: 3},
		{Rule: "any exec", Priority: rules.Error, Alerts: 3},
		{Rule: "passwd opened", Priority: rules.Notice, Alerts: 0},
		{Rule: DropRule, Priority: rules.Critical, Alerts: 1},
	}
	got := d.AlertCounts()
	if len(got) != len(want) {
		t.Fatalf("AlertCounts = %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("AlertCounts[%d] = %+v, want %+v", i, got[i], want[i])
		}
	}
	if n := len(sink.alerts); n != 7 {
		t.Errorf("%d alerts written, want 7 (the counts must match what the sinks saw)", n)
	}
}

// TestDetectorEvalTiming: one evaluation in EvalSampleEvery is timed;
// the snapshot's buckets are cumulative and consistent with Samples.
func TestDetectorEvalTiming(t *testing.T) {
	e, _ := compileYAML(t, statsRules, Options{})
	d := NewDetector(e, nil, &alertSlice{})
	const events = 2*EvalSampleEvery + 5
	for range events {
		if err := d.Write(execEvent()); err != nil {
			t.Fatal(err)
		}
	}
	// Drop events are neither evaluated nor timed.
	if err := d.Write(&event.Event{Type: event.TypeDrop, Drop: &event.Drop{Lost: map[string]uint64{"exec": 1}}}); err != nil {
		t.Fatal(err)
	}
	got := d.EvalTiming()
	if got.Evaluations != events {
		t.Errorf("Evaluations = %d, want %d", got.Evaluations, events)
	}
	if got.Samples != 2 {
		t.Errorf("Samples = %d, want 2 (one in %d of %d events)", got.Samples, EvalSampleEvery, events)
	}
	if len(got.Bounds) != len(got.Cumulative) || len(got.Bounds) == 0 {
		t.Fatalf("%d bounds, %d buckets", len(got.Bounds), len(got.Cumulative))
	}
	for i := 1; i < len(got.Cumulative); i++ {
		if got.Cumulative[i] < got.Cumulative[i-1] || got.Bounds[i] <= got.Bounds[i-1] {
			t.Errorf("bucket %d: bound %v count %d after bound %v count %d", i, got.Bounds[i], got.Cumulative[i], got.Bounds[i-1], got.Cumulative[i-1])
		}
	}
	if last := got.Cumulative[len(got.Cumulative)-1]; last > got.Samples {
		t.Errorf("last bucket %d > samples %d", last, got.Samples)
	}
	if got.Sum < 0 {
		t.Errorf("Sum = %v", got.Sum)
	}
}

// TestEvalHistogramBuckets: a duration falls in the first bucket whose
// bound it does not exceed; beyond the last bound it counts in Samples
// only.
func TestEvalHistogramBuckets(t *testing.T) {
	bounds := EvalBounds()
	tests := []struct {
		name  string
		d     time.Duration
		first int // index of the first bucket counting it; len(bounds): none
	}{
		{"zero", 0, 0},
		{"on the first bound", bounds[0], 0},
		{"just above the first bound", bounds[0] + 1, 1},
		{"one microsecond", time.Microsecond, 3},
		{"on the last bound", bounds[len(bounds)-1], len(bounds) - 1},
		{"beyond every bound", time.Second, len(bounds)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var h evalHistogram
			h.observe(tc.d)
			s := h.snapshot()
			if s.Samples != 1 || s.Sum != tc.d {
				t.Errorf("Samples %d Sum %v, want 1 %v", s.Samples, s.Sum, tc.d)
			}
			for i, c := range s.Cumulative {
				want := uint64(0)
				if i >= tc.first {
					want = 1
				}
				if c != want {
					t.Errorf("bucket %d (≤%v) = %d, want %d", i, bounds[i], c, want)
				}
			}
		})
	}
	if bounds[3] != time.Microsecond {
		t.Fatalf("bounds changed (%v): update this table", bounds)
	}
}

// BenchmarkDetectorInstrumentation measures what the instrumentation
// (alert counters, sampled evaluation timing) adds per event: "off"
// times one event in 2^32 (practically none), "on" is the agent's setting
// (one in EvalSampleEvery), "every" times each event, which shows the
// cost of one timed evaluation. "bare" evaluates
// events no rule can match, so the Detector's own cost dominates and the
// difference is visible; "mix" replays the recorded workload against
// the default ruleset.
func BenchmarkDetectorInstrumentation(b *testing.B) {
	bare := compileFiles(b, []rules.File{{Name: "stats.yaml", Data: []byte(statsRules)}})
	ev := execEvent()
	ev.Type = event.TypeClone // no rule of statsRules matches clone
	mix := loadMix(b)
	def := compileFiles(b, builtinRules(b))
	for _, w := range []struct {
		name string
		e    *Engine
		evs  []*event.Event
	}{
		{"bare", bare, []*event.Event{ev}},
		{"mix", def, mix},
	} {
		for _, mode := range []struct {
			name string
			mask uint32
		}{{"off", ^uint32(0)}, {"on", EvalSampleEvery - 1}, {"every", 0}} {
			b.Run(w.name+"/"+mode.name, func(b *testing.B) {
				d := NewDetector(w.e, nil, &alertSlice{})
				d.sampleMask = mode.mask
				b.ReportAllocs()
				i := 0
				for b.Loop() {
					if len(d.sinks[0].(*alertSlice).alerts) > 1024 {
						d.sinks[0].(*alertSlice).alerts = nil
					}
					_ = d.Write(w.evs[i%len(w.evs)])
					i++
				}
			})
		}
	}
}
