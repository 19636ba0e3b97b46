// Package event defines Vigil's event model: the value that flows from a
// source (the kernel sensor or a replayed recording) through the process
// state, detection and outputs.
//
// Contract:
//   - The package is pure Go: it imports nothing from the sensor, the eBPF
//     library or any downstream package.
//   - An Event describes one thing that happened, with Falco's vocabulary:
//     Type is the syscall name or a Falco pseudo-event ("procexit"), and
//     every event is an exit event (the result is known).
//   - A source fills what the kernel (or the recording) knows; the process
//     table (package state) completes Process and fills Ancestors. After the
//     table has applied an event, Process.ExecID identifies the process image
//     uniquely on this boot, stable across PID reuse.
//   - Events are owned by whoever holds them; stages may keep references to
//     strings and slices but never mutate another stage's slices.
package event
