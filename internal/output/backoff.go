package output

import (
	"context"
	"math/rand/v2"
	"time"
)

// Retry defaults shared by the outputs that retry.
const (
	DefaultMaxAttempts    = 5
	DefaultInitialBackoff = 200 * time.Millisecond
	DefaultMaxBackoff     = 10 * time.Second
)

// backoff computes exponential waits between attempts: initial, then
// doubling up to max, each with equal jitter (half fixed, half random) so
// that a fleet of agents does not reconnect to one collector in lockstep.
type backoff struct {
	initial, max time.Duration
}

func newBackoff(initial, max time.Duration) backoff {
	if initial <= 0 {
		initial = DefaultInitialBackoff
	}
	if max <= 0 {
		max = DefaultMaxBackoff
	}
	if max < initial {
		max = initial
	}
	return backoff{initial: initial, max: max}
}

// delay is the wait before retry n (n >= 1).
func (b backoff) delay(n int) time.Duration {
	d := b.initial
	for i := 1; i < n && d < b.max; i++ {
		d *= 2
	}
	d = min(d, b.max)
	half := d / 2
	return half + rand.N(d-half+1)
}

// sleep waits for retry n, or until ctx ends (then it returns ctx's error).
func (b backoff) sleep(ctx context.Context, n int) error {
	return sleepCtx(ctx, b.delay(n))
}

// sleepCtx waits for d, or until ctx ends (then it returns ctx's error).
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// attempts returns n, or DefaultMaxAttempts when n is not positive.
func attempts(n int) int {
	if n <= 0 {
		return DefaultMaxAttempts
	}
	return n
}
