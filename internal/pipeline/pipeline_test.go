package pipeline

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"testing"

	"github.com/vigil-sec/vigil/internal/event"
)

type sliceSource []*event.Event

func (s sliceSource) Run(ctx context.Context, emit func(*event.Event)) error {
	for _, ev := range s {
		emit(ev)
	}
	return nil
}

type tagger struct{ name string }

func (t tagger) Apply(ev *event.Event) { ev.Process.Name += t.name + fmt.Sprint(ev.Seq) }

type recordSink struct {
	got     []string
	flushes int
	fail    bool
}

func (r *recordSink) Write(ev *event.Event) error {
	r.got = append(r.got, ev.Process.Name)
	if r.fail {
		return errors.New("sink down")
	}
	return nil
}
func (r *recordSink) Flush() error { r.flushes++; return nil }

func TestPipelineOrderAndCounts(t *testing.T) {
	broken := &recordSink{fail: true}
	ok := &recordSink{}
	p := New(nil, []Enricher{tagger{"+a"}, tagger{"+b"}}, []Sink{broken, ok})
	src := sliceSource{
		{Type: event.TypeExecve, Process: event.Process{Name: "x"}},
		{Type: event.TypeProcExit, Process: event.Process{Name: "y"}},
		{Type: event.TypeExecve, Process: event.Process{Name: "z"}},
	}
	if err := p.Run(context.Background(), src); err != nil {
		t.Fatal(err)
	}
	want := []string{"x+a1+b1", "y+a2+b2", "z+a3+b3"} // Seq numbered from 1 before the stages
	if !reflect.DeepEqual(ok.got, want) || !reflect.DeepEqual(broken.got, want) {
		t.Errorf("sinks got %v and %v, want %v in both (a failing sink must not stop others)", broken.got, ok.got, want)
	}
	if ok.flushes != 1 {
		t.Errorf("flushes = %d, want 1 at the end", ok.flushes)
	}
	c := p.Counts()
	if c.Events != 3 || c.SinkErrors != 3 || c.ByType["execve"] != 2 || c.ByType["procexit"] != 1 {
		t.Errorf("counts = %+v", c)
	}
}

// Shared serialises events from several goroutines: every one is handled,
// with distinct sequence numbers.
func TestSharedConcurrent(t *testing.T) {
	sink := &recordSink{}
	s := NewShared(New(nil, nil, []Sink{sink}))
	const per = 500
	done := make(chan struct{})
	for range 2 {
		go func() {
			for range per {
				s.Handle(&event.Event{Type: event.TypeExecve})
			}
			done <- struct{}{}
		}()
	}
	<-done
	<-done
	s.Flush()
	if len(sink.got) != 2*per || sink.flushes != 1 {
		t.Errorf("handled %d, flushes %d", len(sink.got), sink.flushes)
	}
	if err := s.Run(context.Background(), sliceSource{{Type: event.TypeExecve}}); err != nil || len(sink.got) != 2*per+1 {
		t.Errorf("Run: %v, %d", err, len(sink.got))
	}
}
