// Package replay is an event.Source over a recording: the JSON lines that
// `vigil run --events` writes (package eventjson), read back so that
// everything downstream of the sensor runs without root and
// deterministically.
//
// Contract:
//
//   - Run reads the reader line by line and emits one fresh *event.Event per
//     decoded line, in file order, from the calling goroutine.
//   - Lines end in "\n" or "\r\n"; the last line needs no terminator; lines
//     that hold only white space are skipped. A UTF-8 byte order mark at the
//     start of the input is ignored.
//   - A malformed line (invalid JSON, rejected by eventjson.Decode, or longer
//     than Options.MaxLine bytes without its terminator) is skipped and
//     reported through Options.OnError as "NAME:LINE: reason", with LINE
//     counted from 1; processing goes on with the next line. An over-long
//     line is skipped as it is read, never held in memory whole.
//   - Run returns nil at the end of the input or when ctx is done (checked
//     between lines; a Read that blocks is not interrupted); it returns an
//     error, naming the input, only when the reader fails.
//   - Stats may be called at any time, from any goroutine.
//
// A Source reads its reader once: it is not safe to call Run concurrently,
// and calling Run again after it returned continues where the previous call
// stopped (at the end of the input, that emits nothing). The package has no
// state of its own beyond each Source.
package replay
