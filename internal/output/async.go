package output

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vigil-sec/vigil/internal/engine"
	"github.com/vigil-sec/vigil/internal/rules"
)

// Async defaults.
const (
	DefaultQueueSize    = 10000
	DefaultDrainTimeout = 5 * time.Second
	// warnEvery is the least time between two warnings of one kind
	// (alerts dropped, alerts failed) from one output.
	warnEvery = 10 * time.Second
	// abortGrace is how long Close waits, after the drain deadline and
	// closing the sink, for a sink that is still stuck.
	abortGrace = 2 * time.Second
)

// RetryCounter is implemented by sinks that retry a delivery (reconnect,
// resend); Async.Stats reports the count.
type RetryCounter interface {
	Retries() uint64
}

// Reopener is implemented by sinks that hold a file open: Reopen closes
// and reopens it (after logrotate moved or truncated it; SIGUSR1).
type Reopener interface {
	Reopen() error
}

// AsyncOptions configure NewAsync.
type AsyncOptions struct {
	// Name identifies the output in logs and Stats ("syslog", "webhook:siem").
	Name string
	// QueueSize is the most alerts waiting for the sink; further alerts
	// are dropped and counted. Default DefaultQueueSize.
	QueueSize int
	// MinPriority is the least severe Falco priority the output takes
	// ("warning" takes Warning and everything more severe); "" takes all.
	MinPriority string
	// DrainTimeout bounds Close: alerts still queued after it are counted
	// as dropped. Default DefaultDrainTimeout.
	DrainTimeout time.Duration
	// Logger receives the rate-limited warnings; nil discards them.
	Logger *slog.Logger
}

// Stats are one output's counters since it started.
type Stats struct {
	Name string
	// Sent alerts were handed over (written, acknowledged by the
	// receiver where the transport has acknowledgements: HTTP).
	Sent uint64
	// Failed alerts could not be delivered after the sink's retries.
	Failed uint64
	// Dropped alerts found the queue full (or the output closing).
	Dropped uint64
	// Filtered alerts were below the output's minimum priority.
	Filtered uint64
	// Retried counts the sink's resends and reconnections.
	Retried uint64
	// QueueDepth is the alerts waiting now, of QueueCap at most.
	QueueDepth int
	QueueCap   int
}

// Async runs a sink on its own goroutine behind a bounded queue, so that
// a slow, blocked or dead output never holds up detection or the other
// outputs. WriteAlert never blocks: with the queue full the alert is
// dropped and counted. The alert is handed to another goroutine as it
// is, so it (and its event) must not be modified after WriteAlert
// returns, which the detector never does.
type Async struct {
	name  string
	sink  engine.AlertSink
	min   rules.Priority
	q     chan *engine.Alert
	drain time.Duration
	grace time.Duration // abortGrace; shorter in tests
	log   *slog.Logger

	mu     sync.Mutex // orders WriteAlert's enqueue against Close
	closed bool
	stop   chan struct{}
	done   chan struct{}
	abort  atomic.Bool

	sent, failed, dropped, filtered atomic.Uint64
	lastDropWarn, lastFailWarn      atomic.Int64 // unix nanoseconds

	closeOnce sync.Once
	closeErr  error
}

// NewAsync starts sink's goroutine. The Async owns sink: Close closes it.
func NewAsync(sink engine.AlertSink, opts AsyncOptions) (*Async, error) {
	minPrio := rules.Debug
	if opts.MinPriority != "" {
		p, err := rules.ParsePriority(opts.MinPriority)
		if err != nil {
			return nil, fmt.Errorf("output %s: minimum priority: %w", opts.Name, err)
		}
		minPrio = p
	}
	if opts.QueueSize <= 0 {
		opts.QueueSize = DefaultQueueSize
	}
	if opts.DrainTimeout <= 0 {
		opts.DrainTimeout = DefaultDrainTimeout
	}
	if opts.Name == "" {
		opts.Name = "output"
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	a := &Async{
		name:  opts.Name,
		sink:  sink,
		min:   minPrio,
		q:     make(chan *engine.Alert, opts.QueueSize),
		drain: opts.DrainTimeout,
		grace: abortGrace,
		log:   log.With("output", opts.Name),
		stop:  make(chan struct{}),
		done:  make(chan struct{}),
	}
	go a.run()
	return a, nil
}

// Name is the output's name.
func (a *Async) Name() string { return a.name }

// WriteAlert queues al for the sink, or counts it as filtered (below the
// minimum priority) or dropped (queue full, output closed). It never
// blocks and never fails: losses are counted and logged.
func (a *Async) WriteAlert(al *engine.Alert) error {
	if al.Priority > a.min {
		a.filtered.Add(1)
		return nil
	}
	a.mu.Lock()
	queued := false
	if !a.closed {
		select {
		case a.q <- al:
			queued = true
		default:
		}
	}
	a.mu.Unlock()
	if !queued {
		n := a.dropped.Add(1)
		if rateOK(&a.lastDropWarn) {
			a.log.Warn("alert output queue full: alerts dropped", "dropped_total", n, "queue_cap", cap(a.q))
		}
	}
	return nil
}

// Flush does nothing: the goroutine flushes the sink whenever the queue
// runs empty.
func (a *Async) Flush() error { return nil }

// Stats returns the counters.
func (a *Async) Stats() Stats {
	s := Stats{
		Name:       a.name,
		Sent:       a.sent.Load(),
		Failed:     a.failed.Load(),
		Dropped:    a.dropped.Load(),
		Filtered:   a.filtered.Load(),
		QueueDepth: len(a.q),
		QueueCap:   cap(a.q),
	}
	if r, ok := a.sink.(RetryCounter); ok {
		s.Retried = r.Retries()
	}
	return s
}

// Reopen reopens the sink's file, when it has one (see Reopener). It is
// safe to call from another goroutine (a signal handler's).
func (a *Async) Reopen() error {
	if r, ok := a.sink.(Reopener); ok {
		if err := r.Reopen(); err != nil {
			return fmt.Errorf("output %s: %w", a.name, err)
		}
	}
	return nil
}

// Close stops taking alerts, delivers the queued ones within the drain
// timeout and closes the sink. Alerts it could not deliver in time are
// counted as dropped. Close is idempotent.
func (a *Async) Close() error {
	a.closeOnce.Do(func() { a.closeErr = a.close() })
	return a.closeErr
}

func (a *Async) close() error {
	a.mu.Lock()
	a.closed = true
	a.mu.Unlock()
	close(a.stop)

	t := time.NewTimer(a.drain)
	defer t.Stop()
	var errs []error
	select {
	case <-a.done:
		errs = append(errs, closeSink(a.sink))
	case <-t.C:
		// Out of time: the worker drops what is left, and closing the
		// sink cancels the delivery it is blocked in.
		a.abort.Store(true)
		errs = append(errs, closeSink(a.sink))
		g := time.NewTimer(a.grace)
		defer g.Stop()
		select {
		case <-a.done:
		case <-g.C:
			errs = append(errs, fmt.Errorf("still blocked %v after its drain timeout", a.grace))
		}
	}
	if s := a.Stats(); s.Dropped > 0 || s.Failed > 0 {
		a.log.Warn("alert output closed with losses", "sent", s.Sent, "failed", s.Failed, "dropped", s.Dropped, "retried", s.Retried)
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("output %s: close: %w", a.name, err)
	}
	return nil
}

func closeSink(s engine.AlertSink) error {
	if c, ok := s.(io.Closer); ok {
		return c.Close()
	}
	return nil
}

func (a *Async) run() {
	defer close(a.done)
	for {
		select {
		case al := <-a.q:
			if a.abort.Load() {
				a.dropped.Add(1)
				continue
			}
			a.deliver(al)
			if len(a.q) == 0 {
				a.flush()
			}
		case <-a.stop:
			// Closed: nothing is queued any more; deliver what is there
			// (or, past the deadline, count it dropped).
			for {
				select {
				case al := <-a.q:
					if a.abort.Load() {
						a.dropped.Add(1)
						continue
					}
					a.deliver(al)
				default:
					if !a.abort.Load() {
						a.flush()
					}
					return
				}
			}
		}
	}
}

func (a *Async) deliver(al *engine.Alert) {
	if err := a.write(al); err != nil {
		n := a.failed.Add(1)
		if rateOK(&a.lastFailWarn) {
			a.log.Warn("alert output failed", "err", err, "failed_total", n)
		}
		return
	}
	a.sent.Add(1)
}

// write calls the sink; a panicking sink fails the alert, not the agent.
func (a *Async) write(al *engine.Alert) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	return a.sink.WriteAlert(al)
}

func (a *Async) flush() {
	if err := a.sink.Flush(); err != nil && rateOK(&a.lastFailWarn) {
		a.log.Warn("alert output flush failed", "err", err)
	}
}

// rateOK reports whether warnEvery has passed since *last, and if so
// moves *last to now.
func rateOK(last *atomic.Int64) bool {
	now := time.Now().UnixNano()
	prev := last.Load()
	if prev != 0 && now-prev < int64(warnEvery) {
		return false
	}
	return last.CompareAndSwap(prev, now)
}

// Set is a group of outputs closed, reopened and counted together.
type Set struct {
	outs []*Async
}

// Add adds outputs to the set.
func (s *Set) Add(outs ...*Async) { s.outs = append(s.outs, outs...) }

// Sinks returns the outputs as alert sinks, for engine.NewDetector.
func (s *Set) Sinks() []engine.AlertSink {
	sinks := make([]engine.AlertSink, len(s.outs))
	for i, o := range s.outs {
		sinks[i] = o
	}
	return sinks
}

// Stats returns each output's counters, in the order added.
func (s *Set) Stats() []Stats {
	st := make([]Stats, len(s.outs))
	for i, o := range s.outs {
		st[i] = o.Stats()
	}
	return st
}

// Reopen reopens every output's file (SIGUSR1).
func (s *Set) Reopen() error {
	var errs []error
	for _, o := range s.outs {
		errs = append(errs, o.Reopen())
	}
	return errors.Join(errs...)
}

// Close closes every output at once, so the whole set takes at most about
// one drain timeout.
func (s *Set) Close() error {
	errs := make([]error, len(s.outs))
	var wg sync.WaitGroup
	for i, o := range s.outs {
		wg.Go(func() { errs[i] = o.Close() })
	}
	wg.Wait()
	return errors.Join(errs...)
}
