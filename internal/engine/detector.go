package engine

import (
	"fmt"
	"io"
	"log/slog"
	"sort"
	"strings"
	"sync/atomic"
	"time"

	"github.com/vigil-sec/vigil/internal/event"
	"github.com/vigil-sec/vigil/internal/rules"
)

// AlertSink receives alerts.
type AlertSink interface {
	WriteAlert(a *Alert) error
	Flush() error
}

// Detector runs an Engine as a pipeline stage: it evaluates each event and
// hands alerts to its sinks. It implements pipeline.Sink.
type Detector struct {
	// engine is swapped whole by SetEngine (a reload) between two events.
	engine atomic.Pointer[Engine]
	sinks  []AlertSink
	log    *slog.Logger
	failed bool
	// files narrows open events to the rules that can match their file.
	files FileCache

	// Drop alerts: losses accumulate and are alerted at most once per
	// DropAlertInterval of event time.
	dropEvery   time.Duration
	lastDrop    time.Time
	pendingLost map[string]uint64

	// Instrumentation, read by AlertCounts and EvalTiming from any
	// goroutine. n counts events; those with n&sampleMask == 0 are timed
	// (sampleMask is EvalSampleEvery-1; benchmarks set 0 to time every
	// event and ^0 to time almost none). sinkTime is the time the sinks
	// took during the timed evaluation, left out of it.
	dropAlerts atomic.Uint64
	sampleMask uint32
	n          uint32
	timing     bool
	sinkTime   time.Duration
	evalTime   evalHistogram
}

// DropAlertInterval is the least time between two "event drop" alerts.
const DropAlertInterval = 30 * time.Second

// DropRule names the alert raised when the sensor loses events.
const DropRule = "Vigil internal: event drop"

// NewDetector evaluates with e and writes alerts to sinks.
func NewDetector(e *Engine, log *slog.Logger, sinks ...AlertSink) *Detector {
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	d := &Detector{sinks: sinks, log: log, dropEvery: DropAlertInterval, sampleMask: EvalSampleEvery - 1}
	d.engine.Store(e)
	return d
}

// SetEngine makes e evaluate every event from the next one on, and
// returns the engine it replaces. Safe from any goroutine while Write
// runs: each event is evaluated by one engine whole, and none is skipped.
func (d *Detector) SetEngine(e *Engine) *Engine { return d.engine.Swap(e) }

// Engine returns the engine in use.
func (d *Detector) Engine() *Engine { return d.engine.Load() }

// Write evaluates ev. A drop event (the source lost events) raises the
// DropRule alert instead, rate-limited: losses within DropAlertInterval of
// the last alert are added up and reported with the next one.
func (d *Detector) Write(ev *event.Event) error {
	if ev.Type == event.TypeDrop {
		d.drop(ev)
		return nil
	}
	e := d.engine.Load()
	d.n++
	if d.n&d.sampleMask != 0 {
		e.EvalCached(ev, &d.files, d.fire)
		return nil
	}
	d.timing, d.sinkTime = true, 0
	start := time.Now()
	e.EvalCached(ev, &d.files, d.fire)
	d.evalTime.observe(time.Since(start) - d.sinkTime)
	d.timing = false
	return nil
}

// ForgetFiles empties the detector's file cache (see FileCache), as if
// it had seen no open yet; benchmarks replaying a recording call it at
// each pass so that every pass costs what the first did.
func (d *Detector) ForgetFiles() { d.files = FileCache{} }

// AlertCounts lists the alerts raised by each rule that can fire (see
// Engine.AlertCounts), then by DropRule. Safe from any goroutine.
func (d *Detector) AlertCounts() []RuleAlerts {
	return append(d.engine.Load().AlertCounts(), RuleAlerts{Rule: DropRule, Priority: rules.Critical, Alerts: d.dropAlerts.Load()})
}

// EvalTiming returns the evaluation counters: events evaluated, and the
// histogram of the sampled evaluation times (rule matching and alert
// rendering; the sinks' time excluded). Safe from any goroutine.
func (d *Detector) EvalTiming() EvalTiming {
	t := d.evalTime.snapshot()
	t.Evaluations = d.engine.Load().Evaluations()
	return t
}

func (d *Detector) drop(ev *event.Event) {
	if ev.Drop == nil {
		return
	}
	if d.pendingLost == nil {
		d.pendingLost = map[string]uint64{}
	}
	for k, n := range ev.Drop.Lost {
		d.pendingLost[k] += n
	}
	if !d.lastDrop.IsZero() && ev.Time.Sub(d.lastDrop) < d.dropEvery {
		return
	}
	d.lastDrop = ev.Time
	kinds := make([]string, 0, len(d.pendingLost))
	var total uint64
	for k, n := range d.pendingLost {
		kinds = append(kinds, k)
		total += n
	}
	sort.Strings(kinds)
	fields := []FieldValue{{Name: "n_drops", Value: total}}
	var parts []string
	for _, k := range kinds {
		fields = append(fields, FieldValue{Name: "n_drops_" + k, Value: d.pendingLost[k]})
		parts = append(parts, fmt.Sprintf("%s=%d", k, d.pendingLost[k]))
	}
	msg := fmt.Sprintf("Vigil internal: event drop. %d events lost since the last report (%s): detection may have missed activity.", total, strings.Join(parts, " "))
	d.pendingLost = nil
	d.dropAlerts.Add(1)
	d.fire(&Alert{
		Time:     ev.Time,
		Rule:     DropRule,
		Priority: rules.Critical,
		Source:   "internal",
		Tags:     []string{"vigil_internal"},
		Hostname: ev.Host,
		Message:  msg,
		Output:   ev.Time.Local().Format("15:04:05.000000000") + ": " + rules.Critical.String() + " " + msg,
		Fields:   fields,
		Event:    ev,
	})
}

func (d *Detector) fire(a *Alert) {
	// The alert outlives this Write; the event's memory may not (a source
	// may reuse it once the pipeline is done with it).
	a.Event = a.Event.Copy()
	var start time.Time
	if d.timing {
		start = time.Now()
	}
	for _, s := range d.sinks {
		if err := s.WriteAlert(a); err != nil && !d.failed {
			d.failed = true
			d.log.Error("alert output failed", "err", err)
		}
	}
	if d.timing {
		d.sinkTime += time.Since(start)
	}
}

// Flush flushes the sinks.
func (d *Detector) Flush() error {
	var first error
	for _, s := range d.sinks {
		if err := s.Flush(); err != nil && first == nil {
			first = err
		}
	}
	return first
}
