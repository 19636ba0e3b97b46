package engine

import (
	"strings"
	"testing"
	"time"

	"github.com/vigil-sec/vigil/internal/event"
)

type alertSlice struct{ alerts []*Alert }

func (a *alertSlice) WriteAlert(x *Alert) error { a.alerts = append(a.alerts, x); return nil }
func (a *alertSlice) Flush() error              { return nil }

// TestDropAlertRateLimited: losses raise "Vigil internal: event drop" at
// most once per DropAlertInterval; losses in between are added to the next.
func TestDropAlertRateLimited(t *testing.T) {
	e, _ := compileYAML(t, ruleYAML(`spawned`), Options{})
	sink := &alertSlice{}
	d := NewDetector(e, nil, sink)
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	drop := func(at time.Duration, lost map[string]uint64) {
		if err := d.Write(&event.Event{Time: t0.Add(at), Type: event.TypeDrop, Host: "h", Drop: &event.Drop{Lost: lost}}); err != nil {
			t.Fatal(err)
		}
	}
	drop(0, map[string]uint64{"exec": 2})
	drop(time.Second, map[string]uint64{"exec": 1, "syscall": 4})
	drop(10*time.Second, map[string]uint64{"syscall": 5})
	drop(DropAlertInterval+time.Second, map[string]uint64{"clone": 1})
	if len(sink.alerts) != 2 {
		t.Fatalf("%d drop alerts, want 2 (the first, then one after the interval)", len(sink.alerts))
	}
	first, second := sink.alerts[0], sink.alerts[1]
	if first.Rule != DropRule || first.Priority.String() != "Critical" || first.Fields[0] != (FieldValue{"n_drops", uint64(2)}) {
		t.Errorf("first alert %+v", first)
	}
	// The second carries everything lost since the first: 1+4+5+1.
	if second.Fields[0] != (FieldValue{"n_drops", uint64(11)}) || !strings.Contains(second.Message, "clone=1 exec=1 syscall=9") {
		t.Errorf("second alert %q %v", second.Message, second.Fields)
	}
	// Drop events are not evaluated against rules.
	if e.Evaluations() != 0 {
		t.Errorf("%d drop events evaluated as rule input", e.Evaluations())
	}
}
