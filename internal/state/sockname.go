package state

import "github.com/vigil-sec/vigil/internal/event"

// DefaultMaxSocketNames bounds the socket names the table remembers.
const DefaultMaxSocketNames = 65536

// sockKey identifies one socket descriptor of one process. The inode
// number tells a reused descriptor number from the socket it held before.
type sockKey struct {
	pid uint32
	fd  int64
	ino uint64
}

// sockNames remembers the last name (fd.name) each socket descriptor had,
// so that an event can say whether it changed the name (Falco's
// fd.name_changed: a datagram socket sending to a new destination). It is
// bounded by two generations of at most max/2 entries each: when the
// current one fills, it becomes the previous one and the oldest is
// forgotten, so memory stays bounded and recently used names survive.
type sockNames struct {
	cur, prev map[sockKey]string
	max       int
}

func newSockNames(max int) sockNames {
	if max < 2 {
		max = DefaultMaxSocketNames
	}
	return sockNames{cur: make(map[sockKey]string), max: max}
}

// update records ev's socket name and sets its NameChanged.
func (s *sockNames) update(ev *event.Event) {
	sc := ev.Syscall
	if sc == nil || sc.FD == nil || sc.FD.Sock == nil || sc.FD.Num < 0 {
		return
	}
	fd := sc.FD
	k := sockKey{pid: ev.Process.PID, fd: fd.Num, ino: fd.Ino}
	prev, inCur := s.cur[k]
	known := inCur
	if !known {
		prev, known = s.prev[k]
	}
	fd.Sock.NameChanged = fd.Name != "" && (!known || prev != fd.Name)
	if inCur && prev == fd.Name {
		return
	}
	if !inCur && len(s.cur) >= s.max/2 {
		s.prev, s.cur = s.cur, make(map[sockKey]string, s.max/2)
	}
	s.cur[k] = fd.Name
}

// len returns the number of names remembered.
func (s *sockNames) len() int { return len(s.cur) + len(s.prev) }
