package metrics

import (
	"strings"
	"testing"
	"time"
)

// TestWatchdog drives a Watchdog with a fake clock: starting until the
// first beat or progress, alive while beats or progress come within
// maxAge, stalled otherwise, alive again once the loop moves.
func TestWatchdog(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	w := NewWatchdog(10 * time.Second)
	w.now = func() time.Time { return now }

	steps := []struct {
		name     string
		advance  time.Duration
		beat     bool
		progress uint64
		wantErr  string // "" for healthy
	}{
		{"before anything", 0, false, 0, "starting"},
		{"still nothing", 20 * time.Second, false, 0, "starting"},
		{"first beat", time.Second, true, 0, ""},
		{"within maxAge", 9 * time.Second, false, 0, ""},
		{"quiet too long", 2 * time.Second, false, 0, "stalled: no progress for 11s"},
		{"busy: records moved", time.Second, false, 500, ""},
		{"busy, no idle beat", 9 * time.Second, false, 900, ""},
		{"records stopped", 11 * time.Second, false, 900, "stalled"},
		{"beat again", 0, true, 900, ""},
	}
	for _, st := range steps {
		now = now.Add(st.advance)
		if st.beat {
			w.Beat()
		}
		err := w.Check(st.progress)
		switch {
		case st.wantErr == "" && err != nil:
			t.Errorf("%s: %v, want healthy", st.name, err)
		case st.wantErr != "" && (err == nil || !strings.Contains(err.Error(), st.wantErr)):
			t.Errorf("%s: %v, want an error containing %q", st.name, err, st.wantErr)
		}
	}
}

// TestWatchdogProgressStarts: progress alone (a loop too busy to go
// idle) counts as started.
func TestWatchdogProgressStarts(t *testing.T) {
	w := NewWatchdog(time.Minute)
	if err := w.Check(0); err == nil {
		t.Fatal("healthy before any progress")
	}
	if err := w.Check(42); err != nil {
		t.Fatalf("after progress: %v", err)
	}
}
