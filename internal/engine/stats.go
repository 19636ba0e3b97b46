package engine

import (
	"sync/atomic"
	"time"

	"github.com/vigil-sec/vigil/internal/rules"
)

// RuleAlerts is the number of alerts one rule raised.
type RuleAlerts struct {
	Rule     string
	Priority rules.Priority
	Alerts   uint64
}

// AlertCounts lists every rule that can fire (loaded and enabled), in
// ruleset order, with the alerts it raised so far (zero included, so that
// a reader sees every rule from the start). The counts are the per-rule
// atomic counters Eval already keeps: reading them costs the hot path
// nothing. Safe from any goroutine.
func (e *Engine) AlertCounts() []RuleAlerts {
	out := make([]RuleAlerts, 0, len(e.rules))
	for _, r := range e.rules {
		if !r.Loaded || !r.Spec.Enabled {
			continue
		}
		out = append(out, RuleAlerts{Rule: r.Spec.Name, Priority: r.Spec.Priority, Alerts: r.matches.Load()})
	}
	return out
}

// EvalSampleEvery is how often the Detector times an evaluation: one
// event in EvalSampleEvery (a power of two), so that timing costs a
// fraction of a nanosecond per event on average.
const EvalSampleEvery = 64

// evalBounds are the upper bounds of the evaluation time histogram's
// buckets; a last, unbounded bucket holds the slower samples. Read only.
var evalBounds = [...]time.Duration{
	100 * time.Nanosecond,
	250 * time.Nanosecond,
	500 * time.Nanosecond,
	1 * time.Microsecond,
	2500 * time.Nanosecond,
	5 * time.Microsecond,
	10 * time.Microsecond,
	25 * time.Microsecond,
	50 * time.Microsecond,
	100 * time.Microsecond,
	250 * time.Microsecond,
	1 * time.Millisecond,
	10 * time.Millisecond,
}

// EvalBounds returns the upper bounds of the evaluation time histogram's
// buckets, in increasing order.
func EvalBounds() []time.Duration { return append([]time.Duration(nil), evalBounds[:]...) }

// EvalTiming is a snapshot of the Detector's evaluation counters.
type EvalTiming struct {
	// Evaluations counts the events evaluated against the rules (drop
	// events excluded).
	Evaluations uint64
	// Samples counts the timed evaluations (one in EvalSampleEvery), Sum
	// their total duration.
	Samples uint64
	Sum     time.Duration
	// Bounds are the buckets' upper bounds (EvalBounds); Cumulative[i]
	// counts the samples that took at most Bounds[i]. Samples that took
	// longer than the last bound are counted in Samples only.
	Bounds     []time.Duration
	Cumulative []uint64
}

// evalHistogram is a fixed-bucket histogram of evaluation times. observe
// is called from the Detector's goroutine; snapshot from any.
type evalHistogram struct {
	buckets [len(evalBounds) + 1]atomic.Uint64 // the last one unbounded
	sumNs   atomic.Int64
}

func (h *evalHistogram) observe(d time.Duration) {
	i := 0
	for i < len(evalBounds) && d > evalBounds[i] {
		i++
	}
	h.buckets[i].Add(1)
	h.sumNs.Add(int64(d))
}

func (h *evalHistogram) snapshot() EvalTiming {
	t := EvalTiming{Bounds: EvalBounds(), Cumulative: make([]uint64, len(evalBounds))}
	// Samples is the sum of the buckets read here, so that the snapshot
	// is consistent whatever observe does meanwhile.
	var n uint64
	for i := range h.buckets {
		n += h.buckets[i].Load()
		if i < len(evalBounds) {
			t.Cumulative[i] = n
		}
	}
	t.Samples = n
	t.Sum = time.Duration(h.sumNs.Load())
	return t
}
