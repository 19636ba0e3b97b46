package replay

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"sync/atomic"

	"github.com/vigil-sec/vigil/internal/event"
	"github.com/vigil-sec/vigil/internal/event/eventjson"
)

// DefaultMaxLine is the longest line accepted when Options.MaxLine is 0.
const DefaultMaxLine = 16 << 20

// readBufSize is the size of the read buffer; longer lines are assembled
// from several reads (up to MaxLine).
const readBufSize = 64 << 10

// Options configure a Source. The zero value is usable.
type Options struct {
	// Name names the input in error messages, usually its file name;
	// "input" when empty.
	Name string
	// MaxLine is the longest line accepted, in bytes, not counting the
	// line terminator; DefaultMaxLine when 0 or less.
	MaxLine int
	// OnError receives the error of each malformed line, which is then
	// skipped. When nil, malformed lines are only counted (Stats.Bad).
	OnError func(error)
}

// Stats counts what a Source has read so far.
type Stats struct {
	Lines  uint64 // lines read, blank and malformed ones included
	Events uint64 // events emitted
	Bad    uint64 // malformed lines skipped
}

// LineTooLongError reports a line longer than Options.MaxLine.
type LineTooLongError struct {
	Length int // length of the line in bytes, not counting its terminator
	Limit  int // Options.MaxLine in effect
}

func (e *LineTooLongError) Error() string {
	return fmt.Sprintf("line of %d bytes is longer than the limit of %d bytes", e.Length, e.Limit)
}

// Source replays a recording. Create it with New.
type Source struct {
	name    string
	max     int
	onError func(error)
	r       *bufio.Reader
	buf     []byte // assembles lines that span several reads
	lineNo  int    // lines read so far; touched by Run only

	lines, events, bad atomic.Uint64
}

// New returns a Source reading JSON lines from r. The Source does not close
// r.
func New(r io.Reader, opts Options) *Source {
	s := &Source{name: opts.Name, max: opts.MaxLine, onError: opts.OnError}
	if s.name == "" {
		s.name = "input"
	}
	if s.max <= 0 {
		s.max = DefaultMaxLine
	}
	s.max = min(s.max, math.MaxInt-2) // room for "\r\n" in readLine's sums
	s.r = bufio.NewReaderSize(r, readBufSize)
	return s
}

// Stats returns the counts so far. It is safe to call concurrently with Run.
func (s *Source) Stats() Stats {
	return Stats{Lines: s.lines.Load(), Events: s.events.Load(), Bad: s.bad.Load()}
}

// Run emits the recording's events in order until the input ends or ctx is
// done, and then returns nil. It returns an error only when reading fails.
// Run implements event.Source.
func (s *Source) Run(ctx context.Context, emit func(*event.Event)) error {
	for ctx.Err() == nil {
		line, tooLong, ok, err := s.readLine()
		if err != nil {
			return fmt.Errorf("replay %s: read line %d: %w", s.name, s.lineNo+1, err)
		}
		if !ok {
			return nil
		}
		s.lineNo++
		s.lines.Add(1)
		if tooLong != nil {
			s.malformed(tooLong)
			continue
		}
		if s.lineNo == 1 {
			line = bytes.TrimPrefix(line, []byte("\xef\xbb\xbf"))
		}
		if len(bytes.Trim(line, " \t\r")) == 0 {
			continue
		}
		ev, err := eventjson.Decode(line)
		if err != nil {
			s.malformed(err)
			continue
		}
		s.events.Add(1)
		emit(ev)
	}
	return nil
}

func (s *Source) malformed(err error) {
	s.bad.Add(1)
	if s.onError != nil {
		s.onError(fmt.Errorf("%s:%d: %w", s.name, s.lineNo, err))
	}
}

// readLine reads the next line and returns it without its terminator
// ("\n" or "\r\n"). The line is valid until the next call. ok is false at
// the end of the input. A line longer than s.max is not kept: its bytes are
// discarded as they are read, and tooLong describes it.
func (s *Source) readLine() (line []byte, tooLong *LineTooLongError, ok bool, err error) {
	if cap(s.buf) > readBufSize*4 {
		s.buf = nil // do not hold on to the memory of one long line
	}
	s.buf = s.buf[:0]
	var (
		length   int // bytes read for this line, terminator included
		keep     = true
		chunked  bool // the line spans several reads and is assembled in s.buf
		prevLast byte // last byte of the previous chunk
		chunk    []byte
	)
	for {
		if len(chunk) > 0 {
			prevLast = chunk[len(chunk)-1]
		}
		var rerr error
		chunk, rerr = s.r.ReadSlice('\n')
		length += len(chunk)
		if keep && length > s.max+2 { // more than the content, "\r" and "\n"
			keep = false
			s.buf = s.buf[:0]
		}
		switch {
		case errors.Is(rerr, bufio.ErrBufferFull):
			if keep {
				s.buf = append(s.buf, chunk...)
				chunked = true
			}
			continue
		case rerr == nil, errors.Is(rerr, io.EOF):
			if rerr != nil && length == 0 {
				return nil, nil, false, nil
			}
		default:
			return nil, nil, false, rerr
		}
		break
	}

	// Measure the content: strip "\n", then a "\r" before it.
	content := length
	if len(chunk) > 0 && chunk[len(chunk)-1] == '\n' {
		content--
		before := prevLast
		if len(chunk) >= 2 {
			before = chunk[len(chunk)-2]
		}
		if content > 0 && before == '\r' {
			content--
		}
	}
	if !keep || content > s.max {
		return nil, &LineTooLongError{Length: content, Limit: s.max}, true, nil
	}
	if chunked {
		s.buf = append(s.buf, chunk...)
		line = s.buf
	} else {
		line = chunk
	}
	return line[:content], nil, true, nil
}

// Compile-time check that Source is an event.Source.
var _ event.Source = (*Source)(nil)
