package event

import "context"

// Source produces events in order. Run blocks, calling emit once per event
// from a single goroutine, until ctx is done or the source is exhausted; it
// returns nil in both cases, and an error only when the source failed as a
// whole. emit must not retain the *Event after returning unless it owns it:
// a source may hand out a fresh Event per call (all current ones do).
type Source interface {
	Run(ctx context.Context, emit func(*Event)) error
}
