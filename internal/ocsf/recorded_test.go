package ocsf

import (
	"bufio"
	"compress/gzip"
	"encoding/json"
	"os"
	"testing"

	"github.com/vigil-sec/vigil/internal/engine"
	"github.com/vigil-sec/vigil/internal/event"
	"github.com/vigil-sec/vigil/internal/event/eventjson"
)

// Formatter is what the outputs take (output.Formatter).
var _ interface {
	AppendAlert(b []byte, a *engine.Alert) []byte
} = Formatter{}

// TestRecordedEvents renders every event of a real recording (the
// engine's testdata: builds, git, ps, find, python, pipelines) and checks
// each record, and a finding on every 8th, against the required attributes.
func TestRecordedEvents(t *testing.T) {
	f, err := os.Open("../engine/testdata/mix.jsonl.gz")
	if err != nil {
		t.Skipf("recording not available: %v", err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(zr)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	classes := map[string]int{}
	var buf []byte
	n := 0
	for sc.Scan() {
		ev, err := eventjson.Decode(sc.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		n++
		var ok bool
		buf, ok = AppendEvent(buf[:0], ev)
		if !ok {
			t.Fatalf("event %d (%s): no mapping", n, ev.Type)
		}
		var rec map[string]any
		if err := json.Unmarshal(buf, &rec); err != nil {
			t.Fatalf("event %d: %v\n%s", n, err, buf)
		}
		for _, p := range validate(rec) {
			t.Errorf("event %d (%s): %s", n, ev.Type, p)
		}
		name, _ := rec["type_name"].(string)
		classes[ev.Type.String()+" -> "+name]++
		if ev.Type == event.TypeDrop || n%8 != 0 {
			continue // a finding on every 8th event is enough
		}
		buf = AppendDetectionFinding(buf[:0], &engine.Alert{Time: ev.Time, Rule: "r", Message: "m", Hostname: ev.Host, Event: ev})
		clear(rec)
		if err := json.Unmarshal(buf, &rec); err != nil {
			t.Fatalf("finding on event %d: %v\n%s", n, err, buf)
		}
		for _, p := range validate(rec) {
			t.Errorf("finding on event %d (%s): %s", n, ev.Type, p)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		t.Fatal("no events")
	}
	t.Logf("%d events: %v", n, classes)
}
