package pipeline

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"

	"github.com/vigil-sec/vigil/internal/event"
)

// Enricher completes events with state (the process table). It keeps no
// reference to an event past Apply.
type Enricher interface {
	Apply(ev *event.Event)
}

// Sink consumes completed events. It keeps no reference to an event past
// Write (see the package contract).
type Sink interface {
	Write(ev *event.Event) error
	// Flush pushes buffered output out; called when the source is idle.
	Flush() error
}

// Pipeline is one run of the stages.
type Pipeline struct {
	enrichers []Enricher
	sinks     []Sink
	log       *slog.Logger

	events     atomic.Uint64
	byType     [event.NumTypes]atomic.Uint64
	sinkErrors atomic.Uint64
}

// New builds a pipeline; stages run in the order given.
func New(log *slog.Logger, enrichers []Enricher, sinks []Sink) *Pipeline {
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return &Pipeline{enrichers: enrichers, sinks: sinks, log: log}
}

// Handle runs one event through every stage.
func (p *Pipeline) Handle(ev *event.Event) {
	ev.Seq = p.events.Add(1)
	if int(ev.Type) < len(p.byType) {
		p.byType[ev.Type].Add(1)
	}
	for _, e := range p.enrichers {
		e.Apply(ev)
	}
	for _, s := range p.sinks {
		if err := s.Write(ev); err != nil {
			if p.sinkErrors.Add(1) == 1 {
				p.log.Error("output failed", "err", err)
			}
		}
	}
}

// Flush flushes every sink.
func (p *Pipeline) Flush() {
	for _, s := range p.sinks {
		if err := s.Flush(); err != nil {
			if p.sinkErrors.Add(1) == 1 {
				p.log.Error("output flush failed", "err", err)
			}
		}
	}
}

// Run feeds src through the pipeline until ctx ends or src is exhausted,
// then flushes.
func (p *Pipeline) Run(ctx context.Context, src event.Source) error {
	err := src.Run(ctx, p.Handle)
	p.Flush()
	if err != nil {
		return fmt.Errorf("event source: %w", err)
	}
	return nil
}

// Counts are the pipeline's counters.
type Counts struct {
	Events     uint64
	ByType     map[string]uint64
	SinkErrors uint64
}

// Counts returns the counters; safe from any goroutine.
func (p *Pipeline) Counts() Counts {
	c := Counts{Events: p.events.Load(), SinkErrors: p.sinkErrors.Load(), ByType: map[string]uint64{}}
	for i := range p.byType {
		if n := p.byType[i].Load(); n > 0 {
			c.ByType[event.Type(i).String()] = n
		}
	}
	return c
}

// Shared lets several goroutines feed one pipeline: the sensor, and the
// enforcement mechanisms that report their decisions as events. Handle and
// Flush take a lock, so the stages still see one event at a time.
type Shared struct {
	mu sync.Mutex
	p  *Pipeline
}

// NewShared wraps p.
func NewShared(p *Pipeline) *Shared { return &Shared{p: p} }

// Handle runs ev through the pipeline.
func (s *Shared) Handle(ev *event.Event) {
	s.mu.Lock()
	s.p.Handle(ev)
	s.mu.Unlock()
}

// Flush flushes every sink.
func (s *Shared) Flush() {
	s.mu.Lock()
	s.p.Flush()
	s.mu.Unlock()
}

// Run feeds src through the pipeline until ctx ends or src is exhausted,
// then flushes.
func (s *Shared) Run(ctx context.Context, src event.Source) error {
	err := src.Run(ctx, s.Handle)
	s.Flush()
	if err != nil {
		return fmt.Errorf("event source: %w", err)
	}
	return nil
}
