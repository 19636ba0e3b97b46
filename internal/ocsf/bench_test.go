package ocsf

import (
	"testing"
)

// BenchmarkAppendDetectionFinding renders a finding for an alert on a
// containerized exec, the largest record Vigil writes.
func BenchmarkAppendDetectionFinding(b *testing.B) {
	a := alertFixtures()[0].alert
	f := Formatter{ProductVersion: "1.0.0"}
	var buf []byte
	b.ReportAllocs()
	for b.Loop() {
		buf = f.AppendAlert(buf[:0], a)
	}
	b.SetBytes(int64(len(buf)))
}

// BenchmarkAppendEvent renders every event fixture in turn (b.N counts
// events).
func BenchmarkAppendEvent(b *testing.B) {
	fs := eventFixtures()
	f := Formatter{ProductVersion: "1.0.0"}
	var buf []byte
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		buf, _ = f.AppendEvent(buf[:0], fs[i%len(fs)].ev)
		i++
	}
}
