package fanotify

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"sync/atomic"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

const (
	readBuffer = 64 << 10 // bytes per read: ~2700 events
	permEvents = unix.FAN_OPEN_PERM | unix.FAN_OPEN_EXEC_PERM
)

// now is the monotonic time since l.base.
func (l *Listener) now() int64 { return int64(time.Since(l.base)) }

// read hands events out until Close. It reads through the netpoller, so
// that it parks, rather than block its thread and processor, between
// events: a worker it wakes runs at once on the processor it leaves.
func (l *Listener) read() {
	defer close(l.readerDone)
	buf := make([]byte, readBuffer)
	var scratch [24]byte
	for !l.stopping.Load() {
		n, err := l.file.Read(buf)
		if err != nil {
			if l.stopping.Load() || errors.Is(err, os.ErrDeadlineExceeded) || errors.Is(err, os.ErrClosed) {
				return
			}
			// For EMFILE, ENFILE and ENOMEM the kernel has denied the
			// event it failed to hand out.
			l.stats.errors.Add(1)
			l.log.Error("fanotify read", "err", err)
			time.Sleep(readBackoff)
			continue
		}
		now := l.now()
		parseEvents(buf[:n], func(ev rawEvent) { l.dispatch(ev, now, scratch[:]) }, l.badEvent)
	}
}

// readBackoff is the pause after a failed read.
const readBackoff = 10 * time.Millisecond

func (l *Listener) badEvent(err error) {
	l.stats.errors.Add(1)
	l.log.Error("fanotify: malformed event", "err", err)
}

// dispatch answers the requests of the listener's own process and of PID
// 1, and queues the others for the workers and the watchdog.
func (l *Listener) dispatch(ev rawEvent, now int64, scratch []byte) {
	if ev.Mask&unix.FAN_Q_OVERFLOW != 0 {
		l.stats.overflows.Add(1)
		l.stats.errors.Add(1)
		l.log.Error("fanotify: queue overflow")
	}
	if ev.Fd < 0 {
		if ev.Mask&permEvents != 0 {
			l.stats.errors.Add(1)
			l.log.Error("fanotify: permission event without fd", "fd", ev.Fd, "mask", ev.Mask)
		}
		return
	}
	if ev.Mask&permEvents == 0 {
		unix.Close(int(ev.Fd))
		return
	}
	l.stats.requests.Add(1)
	if l.isSelf(ev.Pid, scratch) {
		l.stats.self.Add(1) // before the answer, which the opener may see
		l.respond(ev.Fd, Allow)
		unix.Close(int(ev.Fd))
		return
	}
	r := l.pool.Get().(*pending)
	r.answered.Store(false)
	r.busy = false
	r.fd, r.pid, r.mask = ev.Fd, ev.Pid, ev.Mask
	r.deadline = now + int64(l.opts.Timeout)
	r.refs.Store(2)

	l.qmu.Lock()
	l.popAnsweredLocked()
	l.ring.push(r)
	l.qmu.Unlock()
	select {
	case l.work <- r:
	default:
		l.expire(r, &l.stats.overloaded)
		l.unref(r)
	}
}

// isSelf reports whether pid (a tid with ReportTID) is PID 1 or the
// listener's own process.
func (l *Listener) isSelf(pid int32, scratch []byte) bool {
	if pid == 1 || pid == l.self {
		return true
	}
	return l.taskDir >= 0 && pid > 0 && isTaskOf(l.taskDir, pid, scratch)
}

// popAnsweredLocked drops answered requests from the head of the ring.
func (l *Listener) popAnsweredLocked() {
	for {
		r := l.ring.peek()
		if r == nil || !r.answered.Load() {
			return
		}
		l.ring.pop()
		l.unref(r)
	}
}

// watch answers requests whose deadline passed. It wakes at the deadline
// of the oldest request, or after Timeout when there is none: a request
// queued meanwhile has a later deadline, so the reader never wakes it.
func (l *Listener) watch() {
	defer close(l.watchDone)
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		now := l.now()
		next := int64(-1)
		l.qmu.Lock()
		for {
			r := l.ring.peek()
			if r == nil {
				break
			}
			if !r.answered.Load() {
				if r.deadline > now {
					next = r.deadline
					break
				}
				l.expire(r, &l.stats.timeouts)
			}
			l.ring.pop()
			l.unref(r)
		}
		l.qmu.Unlock()
		wait := l.opts.Timeout
		if next >= 0 {
			wait = time.Duration(next - now)
		}
		timer.Reset(wait)
		select {
		case <-l.done:
			return
		case <-timer.C:
		}
	}
}

// workerScratch is a worker's buffers for the system calls of a request.
type workerScratch struct {
	name   [64]byte
	status [512]byte
	link   [unix.PathMax]byte
}

func (l *Listener) decideLoop() {
	s := new(workerScratch)
	for {
		select {
		case <-l.done:
			return
		case r := <-l.work:
			l.decide(r, s)
		}
	}
}

// decide asks the decider about r and answers, unless the watchdog did.
func (l *Listener) decide(r *pending, s *workerScratch) {
	defer l.unref(r)
	r.mu.Lock()
	if r.answered.Load() {
		r.mu.Unlock()
		return
	}
	r.busy = true
	r.mu.Unlock()

	req := Request{
		Pid:      int(r.pid),
		Tgid:     int(r.pid),
		Access:   AccessOpen,
		Fd:       int(r.fd),
		Deadline: l.base.Add(time.Duration(r.deadline)),
	}
	if r.mask&unix.FAN_OPEN_EXEC_PERM != 0 {
		req.Access = AccessExec
	}
	var st unix.Stat_t
	if unix.Fstat(int(r.fd), &st) == nil {
		req.Dev, req.Ino = uint64(st.Dev), uint64(st.Ino)
	}
	req.Path = readlinkFd(l.fdDir, r.fd, s.name[:], s.link[:])

	counter := &l.stats.self
	v := Allow
	if l.opts.ReportTID && r.pid > 0 {
		req.Tgid = tgidOf(r.pid, s.status[:0])
	}
	if !l.opts.ReportTID || req.Tgid != 1 && req.Tgid != int(l.self) {
		v, counter = l.ask(req)
	}

	r.mu.Lock()
	if !r.answered.Load() {
		counter.Add(1)
		l.respond(r.fd, v)
		r.answered.Store(true)
	}
	r.busy = false
	unix.Close(int(r.fd))
	r.mu.Unlock()
}

// ask calls the decider; a panic answers OnTimeout.
func (l *Listener) ask(req Request) (v Verdict, c *atomic.Uint64) {
	defer func() {
		if p := recover(); p != nil {
			l.stats.errors.Add(1)
			l.log.Error("fanotify: decider panicked", "panic", fmt.Sprint(p), "path", req.Path, "pid", req.Pid)
			v, c = l.opts.OnTimeout, &l.stats.timeouts
		}
	}()
	if l.opts.Decider.Decide(req) == Allow {
		return Allow, &l.stats.allowed
	}
	return Deny, &l.stats.denied
}

// expire answers r with OnTimeout, counting it in c, unless it was
// answered. It closes the fd unless a worker uses it.
func (l *Listener) expire(r *pending, c *atomic.Uint64) {
	r.mu.Lock()
	if !r.answered.Load() {
		c.Add(1)
		l.respond(r.fd, l.opts.OnTimeout)
		r.answered.Store(true)
		if !r.busy {
			unix.Close(int(r.fd))
		}
	}
	r.mu.Unlock()
}

// respond writes the answer for the event of fd.
func (l *Listener) respond(fd int32, v Verdict) {
	var b [8]byte // struct fanotify_response
	resp := uint32(unix.FAN_ALLOW)
	if v != Allow {
		resp = unix.FAN_DENY
	}
	binary.NativeEndian.PutUint32(b[0:4], uint32(fd))
	binary.NativeEndian.PutUint32(b[4:8], resp)
	l.fdMu.RLock()
	if l.fdClosed {
		// Closing the group allowed every pending event.
		l.fdMu.RUnlock()
		return
	}
	_, _, errno := unix.Syscall(unix.SYS_WRITE, uintptr(l.fd), uintptr(unsafe.Pointer(&b[0])), uintptr(len(b)))
	l.fdMu.RUnlock()
	if errno != 0 {
		l.stats.errors.Add(1)
		l.log.Error("fanotify response", "fd", fd, "verdict", v, "err", errno)
	}
}

// unref drops a reference to r, recycling it after the last.
func (l *Listener) unref(r *pending) {
	if r.refs.Add(-1) == 0 {
		l.pool.Put(r)
	}
}

// ring is a FIFO of requests in deadline order.
type ring struct {
	buf  []*pending
	head int
	n    int
}

func (q *ring) push(r *pending) {
	if q.n == len(q.buf) {
		nb := make([]*pending, max(64, 2*len(q.buf)))
		for i := range q.n {
			nb[i] = q.buf[(q.head+i)%len(q.buf)]
		}
		q.buf, q.head = nb, 0
	}
	q.buf[(q.head+q.n)%len(q.buf)] = r
	q.n++
}

func (q *ring) peek() *pending {
	if q.n == 0 {
		return nil
	}
	return q.buf[q.head]
}

func (q *ring) pop() *pending {
	if q.n == 0 {
		return nil
	}
	r := q.buf[q.head]
	q.buf[q.head] = nil
	q.head = (q.head + 1) % len(q.buf)
	q.n--
	return r
}
