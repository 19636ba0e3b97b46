package output

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/vigil-sec/vigil/internal/engine"
)

// DefaultProgramTimeout bounds one run of a program (KeepAlive false) or
// one write to it (KeepAlive true).
const DefaultProgramTimeout = 10 * time.Second

// quickExit is how soon after its start a kept-alive program may exit
// before its next start waits for the backoff: a command that cannot
// run must not be forked again for every alert.
const quickExit = time.Second

// ProgramOptions configure NewProgram.
type ProgramOptions struct {
	// Command is run by /bin/sh -c, with each alert as one line on its
	// standard input.
	Command string
	// KeepAlive runs the command once and writes every alert to it,
	// restarting it when it exits; otherwise the command runs once per
	// alert and gets that alert's line alone (Falco's program_output
	// keep_alive).
	KeepAlive bool
	// Format renders each line; default JSONFormat.
	Format Formatter
	// Timeout bounds one run (KeepAlive false), or one write (KeepAlive
	// true: a program that stops reading for that long is restarted).
	// Default DefaultProgramTimeout.
	Timeout time.Duration
	// MaxAttempts is how many times one alert is tried, starting the
	// program again between tries, before it is counted as failed.
	// Default DefaultMaxAttempts.
	MaxAttempts int
	// InitialBackoff and MaxBackoff bound the waits between tries.
	InitialBackoff, MaxBackoff time.Duration
	// Logger gets the program's output (stdout and stderr), line by
	// line, and its exits; nil discards them.
	Logger *slog.Logger
}

// Program pipes alerts to a command. The program runs in its own process
// group, which Close and timeouts kill whole. With KeepAlive a line is
// delivered once the pipe takes it: lines the program had not read when
// it exited are lost without a trace, the pipe cannot tell. WriteAlert is
// meant for one goroutine (Async's); Close may be called from another.
type Program struct {
	opts        ProgramOptions
	maxAttempts int
	bo          backoff
	log         *slog.Logger

	ctx    context.Context
	cancel context.CancelFunc

	mu     sync.Mutex // guards proc against Close
	proc   *process
	closed bool

	line     []byte
	started  bool // the kept-alive program was started before
	quick    int  // consecutive quick exits of the kept-alive program
	retries  atomic.Uint64
	restarts atomic.Uint64
	lastWarn atomic.Int64
}

// process is one run of the command.
type process struct {
	cmd     *exec.Cmd
	stdin   *os.File
	closeIn sync.Once
	started time.Time
	done    chan struct{} // closed when the process has exited
	err     error         // its exit, after done
	ended   time.Time     // when it exited, after done
}

// NewProgram checks the options; the program starts at the first alert.
func NewProgram(opts ProgramOptions) (*Program, error) {
	if opts.Command == "" {
		return nil, errors.New("program output: no command")
	}
	if opts.Format == nil {
		opts.Format = JSONFormat{}
	}
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultProgramTimeout
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Program{
		opts:        opts,
		maxAttempts: attempts(opts.MaxAttempts),
		bo:          newBackoff(opts.InitialBackoff, opts.MaxBackoff),
		log:         logger(opts.Logger).With("command", opts.Command),
		ctx:         ctx,
		cancel:      cancel,
	}, nil
}

// Retries counts the alerts tried again and the restarts of a
// kept-alive program.
func (p *Program) Retries() uint64 { return p.retries.Load() + p.restarts.Load() }

// Restarts counts the starts of a kept-alive program after the first.
func (p *Program) Restarts() uint64 { return p.restarts.Load() }

// WriteAlert delivers one line.
func (p *Program) WriteAlert(a *engine.Alert) error {
	p.line = append(p.opts.Format.AppendAlert(p.line[:0], a), '\n')
	var last error
	for attempt := 1; attempt <= p.maxAttempts; attempt++ {
		if attempt > 1 {
			p.retries.Add(1)
			if err := p.bo.sleep(p.ctx, attempt-1); err != nil {
				break
			}
		}
		if p.opts.KeepAlive {
			last = p.writeKept()
		} else {
			last = p.runOnce()
		}
		if last == nil {
			return nil
		}
		if p.ctx.Err() != nil {
			break
		}
	}
	return fmt.Errorf("program output %q: %w", p.opts.Command, last)
}

// writeKept writes the line to the kept-alive program, starting it when
// it is not running.
func (p *Program) writeKept() error {
	p.mu.Lock()
	proc, closed := p.proc, p.closed
	p.mu.Unlock()
	if closed {
		return errors.New("closed")
	}
	if proc != nil && proc.exited() {
		p.reap(proc)
		proc = nil
	}
	if proc == nil {
		if p.quick > 0 {
			// It died young last time: do not fork in a loop.
			if err := p.bo.sleep(p.ctx, p.quick); err != nil {
				return err
			}
		}
		var err error
		if proc, err = p.start(); err != nil {
			return err
		}
		p.mu.Lock()
		if p.closed {
			p.mu.Unlock()
			proc.stop(0)
			return errors.New("closed")
		}
		if p.started {
			p.restarts.Add(1)
		}
		p.started = true
		p.proc = proc
		p.mu.Unlock()
	}
	if err := proc.stdin.SetWriteDeadline(time.Now().Add(p.opts.Timeout)); err != nil {
		return err
	}
	if _, err := proc.stdin.Write(p.line); err != nil {
		// Dead (EPIPE) or stuck (timeout): replace it.
		p.reap(proc)
		return fmt.Errorf("write: %w", err)
	}
	return nil
}

// reap stops proc if it is the current process and records how it ended.
func (p *Program) reap(proc *process) {
	p.mu.Lock()
	if p.proc == proc {
		p.proc = nil
	}
	p.mu.Unlock()
	err := proc.stop(0)
	if proc.ended.Sub(proc.started) < quickExit {
		p.quick++
	} else {
		p.quick = 0
	}
	if p.ctx.Err() == nil && rateOK(&p.lastWarn) {
		p.log.Warn("alert program ended; it will be started again", "exit", exitString(err), "restarts", p.restarts.Load())
	}
}

// runOnce runs the command for this line alone.
func (p *Program) runOnce() error {
	if p.ctx.Err() != nil {
		return errors.New("closed")
	}
	proc, err := p.start()
	if err != nil {
		return err
	}
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		proc.stop(0)
		return errors.New("closed")
	}
	p.proc = proc
	p.mu.Unlock()
	defer func() {
		p.mu.Lock()
		if p.proc == proc {
			p.proc = nil
		}
		p.mu.Unlock()
	}()
	_ = proc.stdin.SetWriteDeadline(time.Now().Add(p.opts.Timeout))
	_, werr := proc.stdin.Write(p.line)
	if err := proc.stop(p.opts.Timeout); err != nil {
		return fmt.Errorf("run: %s", exitString(err))
	}
	if werr != nil {
		// It exited 0 without reading its line.
		return fmt.Errorf("write: %w", werr)
	}
	return nil
}

// start starts the command with a pipe to its standard input.
func (p *Program) start() (*process, error) {
	r, w, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("pipe: %w", err)
	}
	cmd := exec.Command("/bin/sh", "-c", p.opts.Command)
	cmd.Stdin = r
	out := &lineLogger{log: p.log}
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	// A background grandchild holding its output open must not hold
	// Wait up for long.
	cmd.WaitDelay = time.Second
	if err := cmd.Start(); err != nil {
		r.Close()
		w.Close()
		return nil, fmt.Errorf("start: %w", err)
	}
	r.Close()
	proc := &process{cmd: cmd, stdin: w, started: time.Now(), done: make(chan struct{})}
	go func() {
		proc.err = cmd.Wait()
		proc.ended = time.Now()
		out.flush()
		close(proc.done)
	}()
	return proc, nil
}

func (proc *process) exited() bool {
	select {
	case <-proc.done:
		return true
	default:
		return false
	}
}

// stop closes the program's input, waits up to grace for it to exit, then
// kills its process group; it returns how the program ended.
func (proc *process) stop(grace time.Duration) error {
	proc.closeIn.Do(func() { proc.stdin.Close() })
	if grace > 0 {
		t := time.NewTimer(grace)
		defer t.Stop()
		select {
		case <-proc.done:
			return proc.err
		case <-t.C:
		}
	} else if proc.exited() {
		return proc.err
	}
	_ = syscall.Kill(-proc.cmd.Process.Pid, syscall.SIGKILL)
	<-proc.done
	return proc.err
}

// Flush does nothing: every line is written as it comes.
func (p *Program) Flush() error { return nil }

// Close ends the program: its input is closed, so a program reading to
// the end finishes its work and exits; one still running after Timeout
// is killed. It also cancels any wait in WriteAlert.
func (p *Program) Close() error {
	p.cancel()
	p.mu.Lock()
	proc := p.proc
	p.proc = nil
	p.closed = true
	p.mu.Unlock()
	if proc == nil {
		return nil
	}
	if err := proc.stop(p.opts.Timeout); err != nil && p.opts.KeepAlive {
		return fmt.Errorf("program output %q: %s", p.opts.Command, exitString(err))
	}
	return nil
}

func exitString(err error) string {
	if err == nil {
		return "exit status 0"
	}
	return err.Error()
}

// lineLogger logs what a program writes, a line at a time (at most 4 KiB
// of each). Exec calls Write from one goroutine.
type lineLogger struct {
	log *slog.Logger
	buf []byte
}

const maxProgramLine = 4 << 10

func (l *lineLogger) Write(b []byte) (int, error) {
	n := len(b)
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			room := max(0, maxProgramLine-len(l.buf))
			l.buf = append(l.buf, b[:min(room, len(b))]...)
			break
		}
		room := max(0, maxProgramLine-len(l.buf))
		l.buf = append(l.buf, b[:min(room, i)]...)
		l.flush()
		b = b[i+1:]
	}
	return n, nil
}

func (l *lineLogger) flush() {
	if len(l.buf) > 0 {
		l.log.Info("alert program output", "line", string(l.buf))
		l.buf = l.buf[:0]
	}
}
