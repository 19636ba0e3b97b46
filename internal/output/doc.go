// Package output holds Vigil's sinks: where completed events (and, later,
// alerts) are written. Every sink implements pipeline.Sink; a slow or
// failing sink reports errors rather than panicking.
package output
