package output

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/vigil-sec/vigil/internal/event"
)

func TestJSONEventsBuffersUntilFlush(t *testing.T) {
	var buf bytes.Buffer
	s := NewJSONEvents(&buf)
	ev := &event.Event{Time: time.Unix(0, 0).UTC(), Type: event.TypeExecve, Host: "h",
		Process: event.Process{PID: 7, Name: "x"}, Exec: &event.Exec{Filename: "/x"}}
	for i := 0; i < 2; i++ {
		if err := s.Write(ev); err != nil {
			t.Fatal(err)
		}
	}
	if buf.Len() != 0 {
		t.Errorf("wrote %d bytes before Flush", buf.Len())
	}
	if err := s.Flush(); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], `{"time":"1970-01-01T00:00:00Z","type":"execve","host":"h","process":{"pid":7,`) {
		t.Errorf("output:\n%s", buf.String())
	}
}
