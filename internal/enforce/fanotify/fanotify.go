package fanotify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

// Access is a set of permission events.
type Access uint8

const (
	// AccessOpen is FAN_OPEN_PERM: any open of the file, the opens done
	// by execve included.
	AccessOpen Access = 1 << iota
	// AccessExec is FAN_OPEN_EXEC_PERM: opens for execution (execve of
	// the file, the ELF interpreter execve loads, uselib). Shared
	// libraries that ld.so opens and maps are plain opens.
	AccessExec
)

func (a Access) String() string {
	var parts []string
	if a&AccessOpen != 0 {
		parts = append(parts, "open")
	}
	if a&AccessExec != 0 {
		parts = append(parts, "exec")
	}
	if rest := a &^ (AccessOpen | AccessExec); rest != 0 {
		parts = append(parts, fmt.Sprintf("0x%x", uint8(rest)))
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, "|")
}

// Verdict is the answer to a Request. The zero value allows.
type Verdict uint8

const (
	Allow Verdict = iota // FAN_ALLOW
	Deny                 // FAN_DENY: the open or execve fails with EPERM
)

func (v Verdict) String() string {
	switch v {
	case Allow:
		return "allow"
	case Deny:
		return "deny"
	}
	return fmt.Sprintf("verdict(%d)", uint8(v))
}

// Request describes one permission event. It is a value: the decider may
// keep it.
type Request struct {
	// Pid is the process (thread group) that opens the file, or the
	// thread with Options.ReportTID. It is 0 when the process is not
	// visible in the listener's pid namespace.
	Pid int
	// Tgid is the process of Pid: equal to Pid without ReportTID, read
	// from /proc/<Pid>/status with it (0 when that failed).
	Tgid int
	// Path is what /proc/self/fd/<Fd> says: an absolute path as the
	// listener's mount namespace sees it, with " (deleted)" appended for
	// an unlinked file; "" when unresolvable.
	Path string
	// Access is AccessOpen or AccessExec (never both).
	Access Access
	// Dev and Ino identify the file (fstat of Fd); 0 when fstat failed.
	Dev, Ino uint64
	// Fd is the kernel's read-only descriptor of the file, valid only
	// until Decide returns. The decider may read it (pread, for a hash);
	// it must not close it or keep it.
	Fd int
	// Deadline is when the watchdog answers with Options.OnTimeout.
	Deadline time.Time
}

// Decider decides permission requests. Decide is called from
// Options.Workers goroutines at once and must be safe for concurrent use.
// It should return well before Request.Deadline: after it the verdict is
// ignored. It is never called for the listener's own process nor PID 1.
type Decider interface {
	Decide(Request) Verdict
}

// DeciderFunc adapts a function to Decider.
type DeciderFunc func(Request) Verdict

// Decide calls f(r).
func (f DeciderFunc) Decide(r Request) Verdict { return f(r) }

// MarkKind tells what a Mark watches.
type MarkKind uint8

const (
	// MarkInode watches the file (or directory: opendir) Path itself.
	MarkInode MarkKind = iota
	// MarkDirChildren watches the non-directory entries directly in the
	// directory Path (FAN_EVENT_ON_CHILD), not Path itself and not
	// deeper entries.
	MarkDirChildren
	// MarkMount watches every file of the mount Path is on
	// (FAN_MARK_MOUNT); directories are not reported.
	MarkMount
	// MarkFilesystem watches every file of the filesystem Path is on,
	// through every mount of it (FAN_MARK_FILESYSTEM); directories are
	// not reported.
	MarkFilesystem
)

func (k MarkKind) String() string {
	switch k {
	case MarkInode:
		return "inode"
	case MarkDirChildren:
		return "dir-children"
	case MarkMount:
		return "mount"
	case MarkFilesystem:
		return "filesystem"
	}
	return fmt.Sprintf("kind(%d)", uint8(k))
}

// Mark selects files and the permission events wanted on them.
type Mark struct {
	Path   string
	Kind   MarkKind
	Access Access
}

// flags returns the fanotify_mark flags (without ADD/REMOVE) and mask.
func (m Mark) flags() (uint, uint64, error) {
	if m.Path == "" {
		return 0, 0, errors.New("empty path")
	}
	if m.Access == 0 || m.Access&^(AccessOpen|AccessExec) != 0 {
		return 0, 0, fmt.Errorf("bad access %s", m.Access)
	}
	var mask uint64
	if m.Access&AccessOpen != 0 {
		mask |= unix.FAN_OPEN_PERM
	}
	if m.Access&AccessExec != 0 {
		mask |= unix.FAN_OPEN_EXEC_PERM
	}
	switch m.Kind {
	case MarkInode:
		return unix.FAN_MARK_INODE, mask | unix.FAN_ONDIR, nil
	case MarkDirChildren:
		return unix.FAN_MARK_INODE | unix.FAN_MARK_ONLYDIR, mask | unix.FAN_EVENT_ON_CHILD, nil
	case MarkMount:
		return unix.FAN_MARK_MOUNT, mask, nil
	case MarkFilesystem:
		return unix.FAN_MARK_FILESYSTEM, mask, nil
	}
	return 0, 0, fmt.Errorf("bad mark kind %d", uint8(m.Kind))
}

// Defaults of Options.
const (
	DefaultTimeout = 500 * time.Millisecond
	DefaultWorkers = 4
	DefaultQueue   = 4096
)

// Options configure a Listener.
type Options struct {
	// Decider answers requests (required).
	Decider Decider
	// Timeout bounds the wait for a decision: then the watchdog answers
	// OnTimeout. Default DefaultTimeout.
	Timeout time.Duration
	// OnTimeout answers requests nobody decided in time, those dropped
	// because the decision queue was full and those pending at Close.
	// Default Allow (fail open).
	OnTimeout Verdict
	// Workers is the number of goroutines calling Decide. Default
	// DefaultWorkers.
	Workers int
	// Queue is the number of requests waiting for a worker beyond which
	// new requests are answered OnTimeout at once. Default DefaultQueue.
	Queue int
	// ReportTID reports thread ids (FAN_REPORT_TID) in Request.Pid.
	ReportTID bool
	// Logger receives errors; default discards.
	Logger *slog.Logger
}

// Stats are a Listener's counters. Every request is answered once, so
// once the listener is closed Requests == Answered().
type Stats struct {
	Requests    uint64 // permission events read
	Allowed     uint64 // answered Allow by the decider
	Denied      uint64 // answered Deny by the decider
	Timeouts    uint64 // answered OnTimeout by the watchdog
	Overloaded  uint64 // answered OnTimeout at once: the queue was full
	SelfAllowed uint64 // allowed unasked: own process or PID 1
	Closed      uint64 // answered OnTimeout by Close
	Overflows   uint64 // FAN_Q_OVERFLOW events (not expected)
	Errors      uint64 // failed reads and answers, bad events, decider panics
}

// Answered is the number of requests answered.
func (s Stats) Answered() uint64 {
	return s.Allowed + s.Denied + s.Timeouts + s.Overloaded + s.SelfAllowed + s.Closed
}

// ErrClosed is returned for a closed Listener.
var ErrClosed = errors.New("fanotify listener closed")

// pending is a request between the reader and its answer. The ring and
// the worker queue each hold a reference; the last one out recycles it.
type pending struct {
	mu       sync.Mutex
	answered atomic.Bool // set under mu
	busy     bool        // a worker uses fd (it closes it then)
	fd       int32
	pid      int32
	mask     uint64
	deadline int64 // since Listener.base
	refs     atomic.Int32
}

type counters struct {
	requests, allowed, denied, timeouts, overloaded, self, closed, overflows, errors atomic.Uint64
}

// Listener answers fanotify permission events with a Decider's verdicts.
type Listener struct {
	opts    Options
	log     *slog.Logger
	fd      int      // fanotify group
	file    *os.File // fd, read through the Go netpoller
	fdDir   int      // /proc/self/fd
	taskDir int      // /proc/self/task with ReportTID, else -1
	self    int32
	base    time.Time

	fdMu     sync.RWMutex // read-held around every use of fd; write to close it
	fdClosed bool

	mu      sync.Mutex // lifecycle
	started bool
	closed  bool
	stopCtx func() bool

	closeOnce sync.Once
	closeErr  error

	stopping   atomic.Bool
	done       chan struct{} // closed by Close: workers and watchdog stop
	work       chan *pending
	readerDone chan struct{}
	watchDone  chan struct{}
	workers    sync.WaitGroup

	qmu  sync.Mutex // ring
	ring ring

	pool  sync.Pool
	stats counters
}

// New creates the fanotify group (FAN_CLASS_CONTENT, unlimited queue);
// it needs CAP_SYS_ADMIN. Nothing is watched until AddMarks, nothing
// answered until Start: add marks after Start, or start soon after.
func New(opts Options) (*Listener, error) {
	if opts.Decider == nil {
		return nil, errors.New("fanotify: no decider")
	}
	if opts.OnTimeout > Deny {
		return nil, fmt.Errorf("fanotify: bad OnTimeout %s", opts.OnTimeout)
	}
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.Workers <= 0 {
		opts.Workers = DefaultWorkers
	}
	if opts.Queue <= 0 {
		opts.Queue = DefaultQueue
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	// The queue only ever holds permission events, each a thread blocked
	// in open or execve, so it needs no bound; a bounded queue lets the
	// kernel allow the events it cannot queue.
	flags := uint(unix.FAN_CLASS_CONTENT | unix.FAN_CLOEXEC | unix.FAN_NONBLOCK | unix.FAN_UNLIMITED_QUEUE)
	if opts.ReportTID {
		flags |= unix.FAN_REPORT_TID
	}
	fd, err := unix.FanotifyInit(flags, unix.O_RDONLY|unix.O_LARGEFILE|unix.O_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("fanotify init: %w", err)
	}
	fdDir, err := unix.Open("/proc/self/fd", unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("fanotify open /proc/self/fd: %w", err)
	}
	taskDir := -1
	if opts.ReportTID {
		taskDir, err = unix.Open("/proc/self/task", unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
		if err != nil {
			unix.Close(fd)
			unix.Close(fdDir)
			return nil, fmt.Errorf("fanotify open /proc/self/task: %w", err)
		}
	}
	l := &Listener{
		opts:    opts,
		log:     log,
		fd:      fd,
		file:    os.NewFile(uintptr(fd), "fanotify"),
		fdDir:   fdDir,
		taskDir: taskDir,
		self:    int32(os.Getpid()),
		base:    time.Now(),
		done:    make(chan struct{}),
		work:    make(chan *pending, opts.Queue),
	}
	l.pool.New = func() any { return new(pending) }
	// Close stops the reader with a read deadline: the fd must be in the
	// netpoller for that.
	if err := l.file.SetReadDeadline(time.Time{}); err != nil {
		l.file.Close()
		unix.Close(fdDir)
		if taskDir >= 0 {
			unix.Close(taskDir)
		}
		return nil, fmt.Errorf("fanotify: group fd not pollable: %w", err)
	}
	return l, nil
}

// AddMarks adds marks, in order; it stops at the first failure (earlier
// marks stay), with an error naming the path and kind.
func (l *Listener) AddMarks(ms ...Mark) error { return l.mark(unix.FAN_MARK_ADD, "mark", ms) }

// RemoveMarks removes the events of marks added before (same Path, Kind
// and Access, or a subset of the Access).
func (l *Listener) RemoveMarks(ms ...Mark) error {
	return l.mark(unix.FAN_MARK_REMOVE, "unmark", ms)
}

func (l *Listener) mark(op uint, verb string, ms []Mark) error {
	for _, m := range ms {
		flags, mask, err := m.flags()
		if err == nil {
			l.fdMu.RLock()
			if l.fdClosed {
				err = ErrClosed
			} else {
				err = unix.FanotifyMark(l.fd, op|flags, mask, unix.AT_FDCWD, m.Path)
			}
			l.fdMu.RUnlock()
		}
		if err != nil {
			return fmt.Errorf("fanotify %s %s (%s): %w", verb, m.Path, m.Kind, err)
		}
	}
	return nil
}

// Start starts the reader, the watchdog and the workers. When ctx is done
// the listener closes itself (as Close), since marks nobody answers would
// block the processes that touch marked files.
func (l *Listener) Start(ctx context.Context) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return ErrClosed
	}
	if l.started {
		return errors.New("fanotify listener already started")
	}
	l.started = true
	l.readerDone = make(chan struct{})
	l.watchDone = make(chan struct{})
	go l.read()
	go l.watch()
	for range l.opts.Workers {
		l.workers.Go(l.decideLoop)
	}
	l.stopCtx = context.AfterFunc(ctx, func() { l.Close() })
	return nil
}

// Stats returns the counters.
func (l *Listener) Stats() Stats {
	c := &l.stats
	return Stats{
		Requests:    c.requests.Load(),
		Allowed:     c.allowed.Load(),
		Denied:      c.denied.Load(),
		Timeouts:    c.timeouts.Load(),
		Overloaded:  c.overloaded.Load(),
		SelfAllowed: c.self.Load(),
		Closed:      c.closed.Load(),
		Overflows:   c.overflows.Load(),
		Errors:      c.errors.Load(),
	}
}

// Close stops reading, answers every pending request with OnTimeout,
// waits up to Timeout for Decide calls in progress (their verdicts are
// ignored; one still running after that is abandoned and its event fd
// closed when it returns) and closes the fanotify group, which removes
// its marks. It works after a partial start and is idempotent.
func (l *Listener) Close() error {
	l.closeOnce.Do(func() { l.closeErr = l.close() })
	return l.closeErr
}

func (l *Listener) close() error {
	l.mu.Lock()
	l.closed = true
	started, stop := l.started, l.stopCtx
	l.mu.Unlock()
	if stop != nil {
		stop()
	}
	if started {
		l.stopping.Store(true)
		if err := l.file.SetReadDeadline(time.Unix(1, 0)); err != nil {
			l.log.Error("fanotify: stopping the reader", "err", err)
		}
		close(l.done)
		<-l.readerDone
		<-l.watchDone
	}
	l.qmu.Lock()
	for {
		r := l.ring.pop()
		if r == nil {
			break
		}
		l.expire(r, &l.stats.closed)
		l.unref(r)
	}
	l.qmu.Unlock()
	if started {
		idle := make(chan struct{})
		go func() {
			l.workers.Wait()
			close(idle)
		}()
		t := time.NewTimer(l.opts.Timeout)
		select {
		case <-idle:
		case <-t.C:
			l.log.Warn("fanotify: a decider is still running at close; abandoning it")
		}
		t.Stop()
	}
	l.fdMu.Lock()
	defer l.fdMu.Unlock()
	l.fdClosed = true
	var errs []error
	if err := l.file.Close(); err != nil {
		errs = append(errs, fmt.Errorf("fanotify close: %w", err))
	}
	if err := unix.Close(l.fdDir); err != nil {
		errs = append(errs, fmt.Errorf("fanotify close /proc/self/fd: %w", err))
	}
	if l.taskDir >= 0 {
		if err := unix.Close(l.taskDir); err != nil {
			errs = append(errs, fmt.Errorf("fanotify close /proc/self/task: %w", err))
		}
	}
	return errors.Join(errs...)
}
