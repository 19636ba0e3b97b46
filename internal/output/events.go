package output

import (
	"io"

	"github.com/vigil-sec/vigil/internal/event"
	"github.com/vigil-sec/vigil/internal/event/eventjson"
)

// JSONEvents writes every event as one line of Vigil's JSON event schema
// (docs/events.md), buffered; Flush writes the buffer out.
type JSONEvents struct {
	enc *eventjson.Encoder
}

// NewJSONEvents writes to w.
func NewJSONEvents(w io.Writer) *JSONEvents {
	return &JSONEvents{enc: eventjson.NewEncoder(w)}
}

// Write encodes ev.
func (j *JSONEvents) Write(ev *event.Event) error { return j.enc.Encode(ev) }

// Flush writes buffered lines out.
func (j *JSONEvents) Flush() error { return j.enc.Flush() }
