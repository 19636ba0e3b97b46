package replay

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/vigil-sec/vigil/internal/event"
)

// FuzzRun: any input is split into the same lines as a plain split on
// "\n" would give, every line is either blank, an event or reported, and
// Run never fails on an in-memory reader.
func FuzzRun(f *testing.F) {
	good := recordingLines()[0]
	f.Add([]byte(strings.Join(recordingLines(), "\n")), 0)
	f.Add([]byte(strings.Join(recordingLines(), "\r\n")), 100)
	f.Add([]byte(good+"\r\n\r\n"+good), len(good))
	f.Add([]byte("\xef\xbb\xbf"+good), len(good)+1)
	f.Add([]byte("\n\n\r\n x \r"), 1)
	f.Fuzz(func(t *testing.T, data []byte, maxLine int) {
		maxLine %= 4096
		var reported []string
		events := 0
		s := New(bytes.NewReader(data), Options{Name: "f", MaxLine: maxLine,
			OnError: func(err error) { reported = append(reported, err.Error()) }})
		if err := s.Run(context.Background(), func(*event.Event) { events++ }); err != nil {
			t.Fatalf("Run: %v", err)
		}
		lines := bytes.Split(data, []byte("\n"))
		if len(lines[len(lines)-1]) == 0 {
			lines = lines[:len(lines)-1]
		}
		st := s.Stats()
		if st.Lines != uint64(len(lines)) {
			t.Fatalf("Stats.Lines = %d, want %d", st.Lines, len(lines))
		}
		if st.Events != uint64(events) || st.Bad != uint64(len(reported)) || st.Events+st.Bad > st.Lines {
			t.Fatalf("Stats = %+v with %d events and %d errors", st, events, len(reported))
		}
		for _, msg := range reported {
			if !strings.HasPrefix(msg, "f:") {
				t.Fatalf("error %q does not name the input", msg)
			}
		}
	})
}
