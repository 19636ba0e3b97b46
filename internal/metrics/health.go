package metrics

import (
	"errors"
	"fmt"
	"sync"
	"time"
)

// Watchdog tells whether the agent's event loop still runs. The loop
// calls Beat whenever it has drained its input (the kernel sensor's
// OnIdle); under a load that never lets it drain, progress of an event
// counter passed to Check counts as a beat. Safe from any goroutine.
type Watchdog struct {
	maxAge time.Duration
	now    func() time.Time

	mu           sync.Mutex
	last         time.Time // last beat; zero before the first
	lastProgress uint64
}

// NewWatchdog reports the loop stalled when it has neither beaten nor
// made progress for maxAge.
func NewWatchdog(maxAge time.Duration) *Watchdog {
	return &Watchdog{maxAge: maxAge, now: time.Now}
}

// Beat records that the loop is alive.
func (w *Watchdog) Beat() {
	t := w.now()
	w.mu.Lock()
	w.last = t
	w.mu.Unlock()
}

// Check returns nil while the loop is alive: it beat within maxAge, or
// progress (a counter the loop advances from zero, such as records read)
// moved since the last Check. Before the first beat or progress it
// returns an error saying the agent is starting.
func (w *Watchdog) Check(progress uint64) error {
	now := w.now()
	w.mu.Lock()
	defer w.mu.Unlock()
	if progress != w.lastProgress {
		w.lastProgress = progress
		w.last = now
	}
	if w.last.IsZero() {
		return errors.New("starting: the event loop has not run yet")
	}
	if age := now.Sub(w.last); age > w.maxAge {
		return fmt.Errorf("event loop stalled: no progress for %v (limit %v)", age.Round(time.Millisecond), w.maxAge)
	}
	return nil
}
