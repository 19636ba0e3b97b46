package aggregate

import (
	"container/list"
	"errors"
	"strconv"
	"sync"
	"time"

	"github.com/vigil-sec/vigil/internal/engine"
)

// Defaults of Options.
const (
	DefaultWindow  = 10 * time.Second
	DefaultMaxKeys = 4096
)

// Output fields a summary alert carries.
const (
	FieldCount = "vigil.repeat.count"
	FieldFirst = "vigil.repeat.first"
	FieldLast  = "vigil.repeat.last"
)

// Options configure an Aggregator. The zero value means the defaults.
type Options struct {
	// Window is how long after an alert identical ones are counted
	// instead of forwarded; DefaultWindow when zero or negative.
	Window time.Duration
	// MaxKeys bounds the open windows; DefaultMaxKeys when zero or
	// negative.
	MaxKeys int
	// Now, when set, is the clock Flush ticks with (time.Now for a live
	// agent). Leave it nil when alert times are not the wall clock (a
	// replay): windows then close by alert time, Tick and Close.
	Now func() time.Time
}

// Stats counts what an Aggregator did.
type Stats struct {
	// Passed counts the alerts forwarded as they came.
	Passed uint64
	// Aggregated counts the alerts counted instead of forwarded.
	Aggregated uint64
	// Summaries counts the summary alerts forwarded.
	Summaries uint64
	// Evicted counts the windows closed early because MaxKeys were open.
	Evicted uint64
	// Keys is the number of windows open now.
	Keys int
}

type key struct {
	rule, message, host string
}

// window is an open window of one key.
type window struct {
	key      key
	deadline time.Time
	// count alerts were counted, first and last their times; last is
	// the last of them (the summary's template).
	count       uint64
	first, last time.Time
	lastAlert   *engine.Alert
	elem        *list.Element
}

// Aggregator is an engine.AlertSink that forwards to another, counting
// repeated identical alerts (see the package documentation).
type Aggregator struct {
	mu      sync.Mutex
	next    engine.AlertSink
	window  time.Duration
	maxKeys int
	now     func() time.Time

	keys map[key]*window
	// order holds the open windows by opening, oldest first: the front
	// is the next to close.
	order list.List
	stats Stats
}

// New returns an Aggregator forwarding to next.
func New(next engine.AlertSink, opts Options) *Aggregator {
	g := &Aggregator{next: next, window: opts.Window, maxKeys: opts.MaxKeys, now: opts.Now, keys: map[key]*window{}}
	if g.window <= 0 {
		g.window = DefaultWindow
	}
	if g.maxKeys <= 0 {
		g.maxKeys = DefaultMaxKeys
	}
	return g
}

// WriteAlert forwards a, or counts it when an identical alert opened a
// window that a's time falls in. Errors are the wrapped sink's, for a or
// for summaries of windows a's time closed.
func (g *Aggregator) WriteAlert(a *engine.Alert) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	var errs []error
	// Windows that ended by a's time close first, so that a repeat that
	// comes after its window opens a new one.
	errs = g.expire(a.Time, errs)
	k := key{rule: a.Rule, message: a.Message, host: a.Hostname}
	if w, ok := g.keys[k]; ok && !a.Time.Before(w.deadline) {
		// Its window ended but waits behind one opened before it.
		errs = g.closeWindow(w, errs)
	}
	if w, ok := g.keys[k]; ok {
		w.count++
		if w.count == 1 || a.Time.Before(w.first) {
			w.first = a.Time
		}
		if w.count == 1 || !a.Time.Before(w.last) {
			w.last, w.lastAlert = a.Time, a
		}
		g.stats.Aggregated++
		return errors.Join(errs...)
	}
	for len(g.keys) >= g.maxKeys {
		errs = g.closeWindow(g.order.Front().Value.(*window), errs)
		g.stats.Evicted++
	}
	w := &window{key: k, deadline: a.Time.Add(g.window)}
	w.elem = g.order.PushBack(w)
	g.keys[k] = w
	g.stats.Passed++
	if err := g.next.WriteAlert(a); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// Tick closes the windows that ended at or before now, forwarding their
// summaries.
func (g *Aggregator) Tick(now time.Time) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	return errors.Join(g.expire(now, nil)...)
}

// Flush ticks with Options.Now when it is set, then flushes the wrapped
// sink.
func (g *Aggregator) Flush() error {
	g.mu.Lock()
	defer g.mu.Unlock()
	var errs []error
	if g.now != nil {
		errs = g.expire(g.now(), errs)
	}
	if err := g.next.Flush(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// Close reports every open window, oldest first, and flushes the wrapped
// sink. The Aggregator can be used again afterwards.
func (g *Aggregator) Close() error {
	g.mu.Lock()
	defer g.mu.Unlock()
	var errs []error
	for g.order.Len() > 0 {
		errs = g.closeWindow(g.order.Front().Value.(*window), errs)
	}
	if err := g.next.Flush(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// Stats returns the counters.
func (g *Aggregator) Stats() Stats {
	g.mu.Lock()
	defer g.mu.Unlock()
	s := g.stats
	s.Keys = len(g.keys)
	return s
}

// expire closes the windows whose deadline is at or before now. Windows
// are ordered by opening, which is by deadline as long as alerts come in
// time order; one opened out of order waits for those before it.
func (g *Aggregator) expire(now time.Time, errs []error) []error {
	for e := g.order.Front(); e != nil; e = g.order.Front() {
		w := e.Value.(*window)
		if w.deadline.After(now) {
			break
		}
		errs = g.closeWindow(w, errs)
	}
	return errs
}

// closeWindow removes w and forwards its summary if it counted alerts.
func (g *Aggregator) closeWindow(w *window, errs []error) []error {
	g.order.Remove(w.elem)
	delete(g.keys, w.key)
	if w.count == 0 {
		return errs
	}
	g.stats.Summaries++
	if err := g.next.WriteAlert(summary(w)); err != nil {
		errs = append(errs, err)
	}
	return errs
}

const timeFormat = time.RFC3339Nano

// summary builds the alert that reports w's count.
func summary(w *window) *engine.Alert {
	t := w.lastAlert
	s := *t
	n := strconv.FormatUint(w.count, 10)
	times := "time"
	if w.count > 1 {
		times = "times"
	}
	s.Time = w.last
	s.Message = t.Message + " (repeated " + n + " " + times + " between " +
		w.first.UTC().Format(timeFormat) + " and " + w.last.UTC().Format(timeFormat) + ")"
	s.Output = w.last.Local().Format("15:04:05.000000000") + ": " + t.Priority.String() + " " + s.Message
	s.Fields = make([]engine.FieldValue, 0, len(t.Fields)+3)
	s.Fields = append(s.Fields, t.Fields...)
	s.Fields = append(s.Fields,
		engine.FieldValue{Name: FieldCount, Value: w.count},
		engine.FieldValue{Name: FieldFirst, Value: unixNano(w.first)},
		engine.FieldValue{Name: FieldLast, Value: unixNano(w.last)},
	)
	if t.Tags != nil {
		s.Tags = append([]string(nil), t.Tags...)
	}
	if t.Actions != nil {
		s.Actions = append([]string(nil), t.Actions...)
	}
	return &s
}

func unixNano(t time.Time) uint64 {
	if n := t.UnixNano(); n > 0 {
		return uint64(n)
	}
	return 0
}
