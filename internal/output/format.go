package output

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/vigil-sec/vigil/internal/engine"
)

// Formatter renders one alert as the payload an output sends: a line for
// a file or a program, a syslog MSG, an HTTP body. AppendAlert appends the
// rendering to b, without a trailing newline, and returns the extended
// slice. It must be safe for concurrent use (the formatters here hold no
// state).
type Formatter interface {
	AppendAlert(b []byte, a *engine.Alert) []byte
}

// FormatterFunc adapts an append function, such as AppendFalcoJSON or
// ocsf.AppendDetectionFinding, to a Formatter.
type FormatterFunc func(b []byte, a *engine.Alert) []byte

// AppendAlert calls f.
func (f FormatterFunc) AppendAlert(b []byte, a *engine.Alert) []byte { return f(b, a) }

// TextFormat renders Falco's output line: "<time>: <Priority> <message>".
// Line breaks in the line are replaced by spaces so that one alert stays
// one line.
type TextFormat struct{}

// AppendAlert appends the output line.
func (TextFormat) AppendAlert(b []byte, a *engine.Alert) []byte {
	start := len(b)
	b = append(b, a.Output...)
	for i := start; i < len(b); i++ {
		if b[i] == '\n' || b[i] == '\r' {
			b[i] = ' '
		}
	}
	return b
}

// JSONFormat renders Falco's alert JSON object (see AppendFalcoJSON).
type JSONFormat struct{}

// AppendAlert appends the JSON object.
func (JSONFormat) AppendAlert(b []byte, a *engine.Alert) []byte { return AppendFalcoJSON(b, a) }

// ParseFormat returns the formatter named "text" or "json" (any case).
// Formats from other packages (OCSF) are added by the caller.
func ParseFormat(name string) (Formatter, error) {
	switch strings.ToLower(strings.TrimSpace(name)) {
	case "text":
		return TextFormat{}, nil
	case "json":
		return JSONFormat{}, nil
	}
	return nil, fmt.Errorf("output format %q: want text or json", name)
}

// Lines writes each alert as one line in any format to a writer,
// buffered: Flush writes out. It is the sink for stdout and stderr, where
// a line of text or JSON is all there is to do; it blocks when the writer
// does, so wrap it in Async when the writer may be slow (a pipe to a slow
// reader).
type Lines struct {
	w   *bufio.Writer
	f   Formatter
	buf []byte
}

// NewLines writes alerts rendered by f to w.
func NewLines(w io.Writer, f Formatter) *Lines {
	return &Lines{w: bufio.NewWriterSize(w, 64<<10), f: f}
}

// WriteAlert writes one line.
func (l *Lines) WriteAlert(a *engine.Alert) error {
	l.buf = append(l.f.AppendAlert(l.buf[:0], a), '\n')
	_, err := l.w.Write(l.buf)
	return err
}

// Flush writes buffered lines out.
func (l *Lines) Flush() error { return l.w.Flush() }
