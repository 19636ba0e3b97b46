// Package pipeline runs events from a source through Vigil's stages in
// order: the process table (which completes each event with its process
// and ancestry), then every sink. Live capture and replay use the same
// Pipeline, so what a recording replays is what the agent would have done.
//
// Contract: Handle and Flush are called from one goroutine (the source's),
// or through Shared, which serialises several;
// a sink error is logged and counted, never stops the pipeline.
// Enrichers and sinks keep no reference to an event (nor its Syscall,
// descriptor or arguments) once Apply or Write has returned: what they
// keep they copy (event.Event.Copy; the detector's alerts do), so that a
// source may reuse an event's memory once Handle returns.
package pipeline
