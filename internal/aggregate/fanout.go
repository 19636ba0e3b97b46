package aggregate

import (
	"errors"

	"github.com/vigil-sec/vigil/internal/engine"
)

// Fanout is an engine.AlertSink that hands every alert to each of its
// sinks in turn, so that one Aggregator can sit in front of all the
// outputs. Its errors join the sinks' errors.
type Fanout []engine.AlertSink

// WriteAlert writes a to every sink.
func (f Fanout) WriteAlert(a *engine.Alert) error {
	var errs []error
	for _, s := range f {
		if err := s.WriteAlert(a); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Flush flushes every sink.
func (f Fanout) Flush() error {
	var errs []error
	for _, s := range f {
		if err := s.Flush(); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
