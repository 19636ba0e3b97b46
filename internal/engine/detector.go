package engine

import (
	"io"
	"log/slog"

	"github.com/vigil-sec/vigil/internal/event"
)

// AlertSink receives alerts.
type AlertSink interface {
	WriteAlert(a *Alert) error
	Flush() error
}

// Detector runs an Engine as a pipeline stage: it evaluates each event and
// hands alerts to its sinks. It implements pipeline.Sink.
type Detector struct {
	engine *Engine
	sinks  []AlertSink
	log    *slog.Logger
	failed bool
}

// NewDetector evaluates with e and writes alerts to sinks.
func NewDetector(e *Engine, log *slog.Logger, sinks ...AlertSink) *Detector {
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return &Detector{engine: e, sinks: sinks, log: log}
}

// Write evaluates ev.
func (d *Detector) Write(ev *event.Event) error {
	d.engine.Eval(ev, d.fire)
	return nil
}

func (d *Detector) fire(a *Alert) {
	for _, s := range d.sinks {
		if err := s.WriteAlert(a); err != nil && !d.failed {
			d.failed = true
			d.log.Error("alert output failed", "err", err)
		}
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
