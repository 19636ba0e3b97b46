package output

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"strconv"
	"sync"

	"github.com/vigil-sec/vigil/internal/engine"
)

// DefaultMaxFiles is how many rotated files File keeps when rotation is
// on and FileOptions.MaxFiles is not set.
const DefaultMaxFiles = 5

// FileOptions configure NewFile.
type FileOptions struct {
	// Path is the file alerts are appended to; created 0600 when missing.
	Path string
	// Format renders each line; default JSONFormat.
	Format Formatter
	// MaxSize rotates the file before a line would take it past this
	// many bytes; 0 never rotates (leave it to logrotate and Reopen).
	MaxSize int64
	// MaxFiles is how many rotated files are kept: Path.1 (the newest)
	// to Path.MaxFiles. Default DefaultMaxFiles.
	MaxFiles int
	// Logger receives rotation problems that did not stop the write;
	// nil discards them.
	Logger *slog.Logger
}

// File appends one line per alert to a file, each with a single write(2)
// so that lines never interleave or tear. It rotates by size, and Reopen
// reopens the path after an outside rotation. WriteAlert, Reopen and
// Close may be called from different goroutines.
type File struct {
	opts FileOptions

	mu     sync.Mutex
	f      *os.File
	size   int64
	buf    []byte
	closed bool
}

// NewFile opens (creating) the file.
func NewFile(opts FileOptions) (*File, error) {
	if opts.Path == "" {
		return nil, errors.New("file output: no path")
	}
	if opts.Format == nil {
		opts.Format = JSONFormat{}
	}
	if opts.MaxSize < 0 {
		return nil, fmt.Errorf("file output %s: negative max size %d", opts.Path, opts.MaxSize)
	}
	if opts.MaxFiles <= 0 {
		opts.MaxFiles = DefaultMaxFiles
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	fo := &File{opts: opts}
	if err := fo.open(); err != nil {
		return nil, err
	}
	return fo, nil
}

func (fo *File) open() error {
	f, err := os.OpenFile(fo.opts.Path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("file output: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return fmt.Errorf("file output: %w", err)
	}
	fo.f, fo.size = f, st.Size()
	return nil
}

// WriteAlert appends one line, rotating first when the line would take
// the file past MaxSize.
func (fo *File) WriteAlert(a *engine.Alert) error {
	fo.mu.Lock()
	defer fo.mu.Unlock()
	if fo.closed {
		return fmt.Errorf("file output %s: closed", fo.opts.Path)
	}
	if fo.f == nil {
		// A failed Reopen or rotation left no file: try again.
		if err := fo.open(); err != nil {
			return err
		}
	}
	fo.buf = append(fo.opts.Format.AppendAlert(fo.buf[:0], a), '\n')
	if fo.opts.MaxSize > 0 && fo.size > 0 && fo.size+int64(len(fo.buf)) > fo.opts.MaxSize {
		// Someone (logrotate's copytruncate) may have truncated the file
		// since: believe the file, not the count.
		if st, err := fo.f.Stat(); err == nil {
			fo.size = st.Size()
		}
		if fo.size > 0 && fo.size+int64(len(fo.buf)) > fo.opts.MaxSize {
			if err := fo.rotate(); err != nil {
				if fo.f == nil {
					return err
				}
				fo.opts.Logger.Warn("alert file rotation failed; writing on", "err", err)
			}
		}
	}
	n, err := fo.f.Write(fo.buf)
	fo.size += int64(n)
	if err != nil {
		return fmt.Errorf("file output %s: %w", fo.opts.Path, err)
	}
	return nil
}

// rotate shifts Path.i to Path.i+1 (the oldest falls off), Path to
// Path.1, and opens a new Path.
func (fo *File) rotate() error {
	p := fo.opts.Path
	fo.f.Close()
	fo.f = nil
	var errs []error
	if err := os.Remove(p + "." + strconv.Itoa(fo.opts.MaxFiles)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		errs = append(errs, err)
	}
	for i := fo.opts.MaxFiles - 1; i >= 1; i-- {
		if err := os.Rename(p+"."+strconv.Itoa(i), p+"."+strconv.Itoa(i+1)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	if err := os.Rename(p, p+".1"); err != nil && !errors.Is(err, fs.ErrNotExist) {
		errs = append(errs, err)
	}
	// Open even when a rename failed: the alert is better appended to
	// an oversized file than lost.
	if err := fo.open(); err != nil {
		errs = append(errs, err)
		return fmt.Errorf("file output %s: rotate: %w", p, errors.Join(errs...))
	}
	if len(errs) > 0 {
		return fmt.Errorf("file output %s: rotate: %w", p, errors.Join(errs...))
	}
	return nil
}

// Flush does nothing: every line is written as it comes.
func (fo *File) Flush() error { return nil }

// Reopen closes the file and opens Path again: after logrotate renamed
// it (create) this starts the new file; after it truncated it
// (copytruncate) this picks up the new size.
func (fo *File) Reopen() error {
	fo.mu.Lock()
	defer fo.mu.Unlock()
	if fo.closed {
		return nil
	}
	if fo.f != nil {
		fo.f.Close()
		fo.f = nil
	}
	return fo.open()
}

// Close closes the file.
func (fo *File) Close() error {
	fo.mu.Lock()
	defer fo.mu.Unlock()
	fo.closed = true
	if fo.f == nil {
		return nil
	}
	err := fo.f.Close()
	fo.f = nil
	return err
}
