package state

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"sync/atomic"
	"time"

	"github.com/vigil-sec/vigil/internal/event"
	"github.com/vigil-sec/vigil/internal/host"
)

// Defaults of Config's zero values.
const (
	DefaultGracePeriod  = 30 * time.Second
	DefaultMaxProcesses = 65536
	DefaultMaxAncestors = 32
)

// sweepEvery is the least event time between two sweeps of exited entries.
const sweepEvery = time.Second

// Config configures a Table. The zero value is usable for replay (no
// /proc, zero boot id, zero clock).
type Config struct {
	// ProcRoot is the proc filesystem to seed from and to read unknown
	// processes from, normally "/proc". Empty means never read it (replay).
	ProcRoot string
	// BootID is the boot the processes run in; it goes into every exec id
	// the table derives (event.NewExecID).
	BootID [16]byte
	// Clock converts between boot-time nanoseconds and wall time.
	Clock host.Clock
	// GracePeriod is how long, in event time, an exited process stays
	// resolvable. 0 means DefaultGracePeriod; a negative value means not at
	// all.
	GracePeriod time.Duration
	// MaxProcesses bounds the entries, live and exited. <= 0 means
	// DefaultMaxProcesses.
	MaxProcesses int
	// MaxAncestors caps len(Event.Ancestors). <= 0 means
	// DefaultMaxAncestors.
	MaxAncestors int
	// MaxSocketNames bounds the socket descriptor names remembered for
	// fd.name_changed; <= 0 means DefaultMaxSocketNames.
	MaxSocketNames int
	// Logger receives debug and warning messages; nil discards them.
	Logger *slog.Logger
}

// Stats are the table's counters.
type Stats struct {
	Live   int // entries of running processes
	Exited int // entries of exited processes not reaped yet

	Seeded     uint64 // processes read by Seed
	SeedErrors uint64 // processes Seed could not read (vanished ones excluded)
	ProcReads  uint64 // reads of /proc/PID for a process an event named but the table did not know
	Misses     uint64 // events whose process was unknown and could not be read from /proc
	Learned    uint64 // entries learned from the recorded ancestry of replayed events
	Reaped     uint64 // exited entries dropped (grace period over, or room needed)
	Evicted    uint64 // live entries dropped to make room
}

// Table is the process table. See the package documentation for its
// contract; build one with New.
type Table struct {
	procRoot     string
	bootID       [16]byte
	clock        host.Clock
	grace        int64 // ns
	maxProcesses int
	maxAncestors int
	log          *slog.Logger

	slots []entry
	index map[uint32]int32
	free  int32 // free list of slots, linked through next
	live  list  // least recently used first
	dead  list  // exited entries, oldest exit first

	now       int64 // latest event time seen, Unix ns
	lastSweep int64
	scratch   []int32 // ancestor slots during one Apply
	// lineage counts changes to any entry's identity (pid, parent, image,
	// name) and to the set of entries: an entry's cached ancestry (entry.anc)
	// is valid while it was built at the current count.
	lineage uint64
	seen    []uint32 // their pids
	proc    *procReader
	pi      procInfo
	socks   sockNames

	nLive, nExited             atomic.Int64
	seeded, seedErrors         atomic.Uint64
	procReads, misses, learned atomic.Uint64
	reaped, evicted            atomic.Uint64
}

// New returns an empty table.
func New(cfg Config) *Table {
	t := &Table{
		procRoot:     cfg.ProcRoot,
		bootID:       cfg.BootID,
		clock:        cfg.Clock,
		maxProcesses: cfg.MaxProcesses,
		maxAncestors: cfg.MaxAncestors,
		log:          cfg.Logger,
		index:        make(map[uint32]int32),
		free:         nilIdx,
		live:         newList(),
		dead:         newList(),
		socks:        newSockNames(cfg.MaxSocketNames),
	}
	switch {
	case cfg.GracePeriod == 0:
		t.grace = int64(DefaultGracePeriod)
	case cfg.GracePeriod > 0:
		t.grace = int64(cfg.GracePeriod)
	}
	if t.maxProcesses <= 0 {
		t.maxProcesses = DefaultMaxProcesses
	}
	if t.maxAncestors <= 0 {
		t.maxAncestors = DefaultMaxAncestors
	}
	if t.log == nil {
		t.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	t.scratch = make([]int32, 0, t.maxAncestors)
	t.seen = make([]uint32, 0, t.maxAncestors)
	return t
}

// Len returns the number of entries, live and exited. Safe from any
// goroutine.
func (t *Table) Len() int { return int(t.nLive.Load() + t.nExited.Load()) }

// Stats returns the counters. Safe from any goroutine.
func (t *Table) Stats() Stats {
	return Stats{
		Live:       int(t.nLive.Load()),
		Exited:     int(t.nExited.Load()),
		Seeded:     t.seeded.Load(),
		SeedErrors: t.seedErrors.Load(),
		ProcReads:  t.procReads.Load(),
		Misses:     t.misses.Load(),
		Learned:    t.learned.Load(),
		Reaped:     t.reaped.Load(),
		Evicted:    t.evicted.Load(),
	}
}

// Lookup returns what the table knows of process pid, live or exited
// within the grace period. The Args slice is shared: do not modify it.
func (t *Table) Lookup(pid uint32) (event.Process, bool) {
	i := t.get(pid)
	if i == nilIdx {
		return event.Process{}, false
	}
	return t.slots[i].process(), true
}

// Seed reads every process of ProcRoot once and adds those the table does
// not know yet. It returns how many it added. Processes that vanish while
// being read are skipped; other failures are counted (Stats.SeedErrors) and
// the first one is returned only when no process at all could be read (nor
// was known already). Without a ProcRoot it does nothing.
func (t *Table) Seed() (int, error) {
	if t.procRoot == "" {
		return 0, nil
	}
	f, err := os.Open(t.procRoot)
	if err != nil {
		return 0, fmt.Errorf("seed process table from %s: %w", t.procRoot, err)
	}
	defer f.Close()
	names, err := f.Readdirnames(-1)
	if err != nil {
		return 0, fmt.Errorf("seed process table from %s: %w", t.procRoot, err)
	}
	r := t.reader()
	var (
		seeded, known, failed int
		firstErr              error
	)
	for _, name := range names {
		pid, ok := parsePID(name)
		if !ok {
			continue
		}
		if t.get(pid) != nilIdx {
			known++
			continue
		}
		if err := r.read(pid, &t.pi); err != nil {
			if errors.Is(err, errGone) {
				continue
			}
			failed++
			if firstErr == nil {
				firstErr = err
			}
			t.log.Debug("cannot seed process", "pid", pid, "err", err)
			continue
		}
		t.insertProc(&t.pi, "")
		seeded++
	}
	t.seeded.Add(uint64(seeded))
	t.seedErrors.Add(uint64(failed))
	if failed > 0 {
		t.log.Warn("some processes could not be seeded", "seeded", seeded, "failed", failed, "first_err", firstErr)
	}
	if seeded == 0 && known == 0 && firstErr != nil {
		return 0, fmt.Errorf("seed process table from %s: %w", t.procRoot, firstErr)
	}
	return seeded, nil
}

func parsePID(name string) (uint32, bool) {
	if name == "" || name[0] == '0' {
		return 0, false
	}
	var v uint64
	for i := 0; i < len(name); i++ {
		c := name[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + uint64(c-'0')
		if v > 1<<32-1 {
			return 0, false
		}
	}
	return uint32(v), true
}

func (t *Table) reader() *procReader {
	if t.proc == nil {
		t.proc = newProcReader(t.procRoot)
	}
	return t.proc
}

// insertProc adds (or replaces) the entry of a process read from /proc.
// execID, when not empty, overrides the one derived from the start time.
func (t *Table) insertProc(pi *procInfo, execID string) int32 {
	i := t.slot(pi.pid)
	e := &t.slots[i]
	e.pid, e.ppid = pi.pid, pi.ppid
	e.name = pi.name
	bootNs := pi.startTicks * nsPerTick
	if execID == "" {
		execID = event.NewExecID(t.bootID, pi.pid, bootNs)
	}
	e.execID = execID
	e.exe, e.args, e.cwd = pi.exe, pi.args, pi.cwd
	e.flags = 0
	if pi.argsTruncated {
		e.flags |= flagArgsTrunc
	}
	if pi.exeDeleted {
		e.flags |= flagExeDeleted
	}
	if pi.exeMemfd {
		e.flags |= flagExeMemfd
	}
	e.start = t.clock.Wall(bootNs)
	e.uid, e.gid, e.euid, e.egid = pi.uid, pi.gid, pi.euid, pi.egid
	e.loginUID, e.sid, e.tty = pi.loginUID, pi.sid, pi.tty
	e.cgroup, e.cgroupV1 = pi.cgroup, pi.cgroupV1
	e.mntNS, e.pidNS = pi.mntNS, pi.pidNS
	return i
}

// Apply updates the table from ev and completes ev in place: the image
// fields of ev.Process and ev.Ancestors. Drop events and events without a
// pid are left alone.
func (t *Table) Apply(ev *event.Event) {
	if ev.Type == event.TypeDrop || ev.Process.PID == 0 {
		return
	}
	if !ev.Time.IsZero() {
		if now := ev.Time.UnixNano(); now > t.now {
			t.now = now
		}
		if t.now-t.lastSweep >= int64(sweepEvery) {
			t.sweep()
			t.lastSweep = t.now
		}
	}
	if len(ev.Ancestors) > 0 {
		t.learn(ev.Ancestors)
	}

	var i int32
	switch {
	case ev.Type.IsExec() && (ev.Syscall == nil || ev.Syscall.Res >= 0):
		i = t.exec(ev)
	case ev.Type.IsClone() && (ev.Clone == nil || !ev.Clone.Thread):
		i = t.clone(ev)
	default:
		i = t.resolve(ev)
		if ev.Type == event.TypeProcExit {
			t.markExited(i, ev.Time)
		}
	}
	e := &t.slots[i]
	if p := ev.Process.PPID; p != 0 && p != e.ppid {
		e.ppid = p // reparented
		t.lineage++
	} else if p == 0 {
		ev.Process.PPID = e.ppid
	}
	t.touch(i)
	t.ancestors(ev, i)
	if ev.Type.IsNet() {
		t.socks.update(ev)
	}
}

// exec replaces the entry of ev's process by the new image.
func (t *Table) exec(ev *event.Event) int32 {
	p := &ev.Process
	if p.ExecID == "" {
		p.ExecID = event.NewExecID(t.bootID, p.PID, t.clock.BootNs(ev.Time))
	}
	var start time.Time
	if j := t.get(p.PID); j != nilIdx {
		start = t.slots[j].start
	}
	if p.StartTime.IsZero() {
		p.StartTime = start
	}
	i := t.slot(p.PID)
	t.slots[i].fromProcess(p)
	return i
}

// clone creates the entry of a new process (ev.Process is the child), which
// inherits its parent's image.
func (t *Table) clone(ev *event.Event) int32 {
	p := &ev.Process
	if p.StartTime.IsZero() {
		p.StartTime = ev.Time
	}
	if p.ExecID == "" {
		p.ExecID = event.NewExecID(t.bootID, p.PID, t.clock.BootNs(p.StartTime))
	}
	// Resolve the parent before taking a slot, so that making room cannot
	// drop it, and take the slot before filling p, so that a slot reused
	// for p.PID cannot be mistaken for the parent.
	parent := t.get(p.PPID)
	if parent == nilIdx && p.PPID != 0 {
		if t.procRoot != "" {
			parent = t.readProc(p.PPID, time.Time{}, "")
		}
		if parent == nilIdx {
			t.misses.Add(1)
		}
	}
	if parent != nilIdx {
		t.touch(parent) // keep it away from the LRU end
		t.slots[parent].fillImage(p)
	}
	i := t.slot(p.PID)
	t.slots[i].fromProcess(p)
	return i
}

// resolve finds or creates the entry of ev's process and completes ev from
// it; for every event that neither starts an image nor creates a process.
func (t *Table) resolve(ev *event.Event) int32 {
	p := &ev.Process
	i := t.get(p.PID)
	if i != nilIdx && !sameStart(t.slots[i].start, p.StartTime) {
		i = nilIdx // the pid was reused by a process the table missed
	}
	if i == nilIdx {
		if t.procRoot != "" {
			i = t.readProc(p.PID, p.StartTime, p.ExecID)
		}
		if i == nilIdx {
			t.misses.Add(1)
			i = t.slot(p.PID)
			e := &t.slots[i]
			e.fromProcess(p)
			if e.execID == "" {
				at := p.StartTime
				if at.IsZero() {
					at = ev.Time
				}
				e.execID = event.NewExecID(t.bootID, p.PID, t.clock.BootNs(at))
			}
		}
	}
	e := &t.slots[i]
	if p.ExecID != "" && p.ExecID != e.execID {
		// The event knows an image the table missed (a recording, or an
		// exec event that was lost): it wins.
		e.setImage(p)
		t.lineage++
	} else if p.Cwd != "" {
		e.cwd = p.Cwd
	}
	switch {
	case ev.Type == event.TypeEnforce:
		// Made by the agent, not the kernel: it knows the pid and little
		// else, so the table completes it and learns nothing from it.
		e.fillLive(p)
	case p.TID == p.PID || p.TID == 0:
		// Threads may have their own comm; the leader's names the process.
		if p.Name != "" && p.Name != e.name {
			t.lineage++ // renamed (prctl PR_SET_NAME): its descendants' ancestry shows it
		}
		e.setLive(p)
	}
	e.fillImage(p)
	return i
}

// sameStart reports whether two start times can be the same process's:
// either is unknown, or they differ by less than two clock ticks (a
// seeded process's start time is rounded down to a tick).
func sameStart(a, b time.Time) bool {
	if a.IsZero() || b.IsZero() {
		return true
	}
	d := a.Sub(b)
	return d > -2*nsPerTick && d < 2*nsPerTick
}

// readProc reads an unknown process from /proc and adds it. When start is
// not zero the process found must have started then (else the pid was
// reused). Its unknown ancestors are read too. It returns nilIdx when the
// process cannot be read.
func (t *Table) readProc(pid uint32, start time.Time, execID string) int32 {
	r := t.reader()
	t.procReads.Add(1)
	if err := r.read(pid, &t.pi); err != nil {
		t.log.Debug("cannot read unknown process", "pid", pid, "err", err)
		return nilIdx
	}
	if !sameStart(t.clock.Wall(t.pi.startTicks*nsPerTick), start) {
		t.log.Debug("unknown process: pid reused", "pid", pid)
		return nilIdx
	}
	i := t.insertProc(&t.pi, execID)
	// Read its unknown ancestors as well, once.
	ppid := t.slots[i].ppid
	for n := 0; ppid != 0 && n < t.maxAncestors; n++ {
		if t.get(ppid) != nilIdx {
			break
		}
		t.procReads.Add(1)
		if err := r.read(ppid, &t.pi); err != nil {
			break
		}
		ppid = t.slots[t.insertProc(&t.pi, "")].ppid
	}
	// Inserting ancestors may have made room by evicting; i is the most
	// recently used entry so it survived unless the table holds one entry.
	if t.get(pid) != i {
		return nilIdx
	}
	return i
}

// learn adds the recorded ancestors the table does not know.
func (t *Table) learn(anc []event.Ancestor) {
	for k := len(anc) - 1; k >= 0; k-- {
		a := &anc[k]
		if a.PID == 0 || t.get(a.PID) != nilIdx {
			continue
		}
		i := t.slot(a.PID)
		e := &t.slots[i]
		e.pid = a.PID
		if k+1 < len(anc) {
			e.ppid = anc[k+1].PID
		}
		e.execID, e.name, e.exe, e.args = a.ExecID, a.Name, a.Exe, a.Args
		if e.execID == "" {
			e.execID = event.NewExecID(t.bootID, a.PID, 0)
		}
		t.learned.Add(1)
		t.lineage++
	}
}

// markExited moves entry i to the exited list.
func (t *Table) markExited(i int32, at time.Time) {
	e := &t.slots[i]
	if e.exited {
		return
	}
	t.unlink(&t.live, i)
	t.nLive.Add(-1)
	e.exited = true
	e.exitAt = t.now
	if !at.IsZero() {
		e.exitAt = at.UnixNano()
	}
	t.pushBack(&t.dead, i)
	t.nExited.Add(1)
	t.lineage++
}

// ancestors sets ev.Ancestors from the lineage of entry i. The list is
// built once and shared by the events of the process until the table's
// lineage changes (or an exited ancestor's grace period ends): events must
// not modify it.
func (t *Table) ancestors(ev *event.Event, i int32) {
	if e := &t.slots[i]; e.ancValid && e.ancGen == t.lineage && t.now < e.ancUntil {
		for _, j := range e.ancIdx {
			t.touch(j)
		}
		ev.Ancestors = e.anc
		return
	}
	self := t.slots[i].pid
	sc, seen := t.scratch[:0], t.seen[:0]
	ppid := t.slots[i].ppid
walk:
	for ppid != 0 && len(sc) < t.maxAncestors {
		if ppid == self {
			break
		}
		for _, p := range seen {
			if p == ppid {
				break walk // cycle
			}
		}
		j := t.get(ppid)
		if j == nilIdx {
			break
		}
		sc, seen = append(sc, j), append(seen, ppid)
		ppid = t.slots[j].ppid
	}
	t.scratch, t.seen = sc, seen
	var anc []event.Ancestor
	until := int64(math.MaxInt64)
	if len(sc) > 0 {
		anc = make([]event.Ancestor, len(sc))
		for k, j := range sc {
			a := &t.slots[j]
			anc[k] = event.Ancestor{PID: a.pid, ExecID: a.execID, Name: a.name, Exe: a.exe, Args: a.args}
			t.touch(j)
			if a.exited && a.exitAt+t.grace < until {
				until = a.exitAt + t.grace // get stops finding it then
			}
		}
	}
	ev.Ancestors = anc
	e := &t.slots[i]
	e.anc, e.ancIdx = anc, append(e.ancIdx[:0], sc...)
	e.ancValid, e.ancGen, e.ancUntil = true, t.lineage, until
}

// get returns the slot of pid, or nilIdx when the table does not know it
// or it exited longer than the grace period ago.
func (t *Table) get(pid uint32) int32 {
	i, ok := t.index[pid]
	if !ok {
		return nilIdx
	}
	if e := &t.slots[i]; e.exited && t.now-e.exitAt >= t.grace {
		return nilIdx
	}
	return i
}

// slot returns a cleared live slot for pid, replacing pid's entry if
// there is one, making room if the table is full.
func (t *Table) slot(pid uint32) int32 {
	t.lineage++
	if i, ok := t.index[pid]; ok {
		t.unlinkAny(i)
		t.slots[i].reset()
		t.pushBack(&t.live, i)
		t.nLive.Add(1)
		return i
	}
	for len(t.index) >= t.maxProcesses {
		t.makeRoom()
	}
	var i int32
	if t.free != nilIdx {
		i = t.free
		t.free = t.slots[i].next
	} else {
		t.slots = append(t.slots, entry{})
		i = int32(len(t.slots) - 1)
	}
	t.slots[i].reset()
	t.index[pid] = i
	t.pushBack(&t.live, i)
	t.nLive.Add(1)
	return i
}

// makeRoom drops one entry: the oldest exited one, or else the least
// recently used live one.
func (t *Table) makeRoom() {
	if i := t.dead.head; i != nilIdx {
		t.drop(i)
		t.reaped.Add(1)
		return
	}
	if i := t.live.head; i != nilIdx {
		t.drop(i)
		t.evicted.Add(1)
	}
}

// sweep reaps the exited entries whose grace period is over.
func (t *Table) sweep() {
	for i := t.dead.head; i != nilIdx; i = t.dead.head {
		if t.now-t.slots[i].exitAt < t.grace {
			return
		}
		t.drop(i)
		t.reaped.Add(1)
	}
}

// drop removes entry i from the table.
func (t *Table) drop(i int32) {
	t.lineage++
	t.unlinkAny(i)
	e := &t.slots[i]
	delete(t.index, e.pid)
	*e = entry{prev: nilIdx, next: t.free}
	t.free = i
}

// unlinkAny removes i from whichever list holds it.
func (t *Table) unlinkAny(i int32) {
	if t.slots[i].exited {
		t.unlink(&t.dead, i)
		t.nExited.Add(-1)
	} else {
		t.unlink(&t.live, i)
		t.nLive.Add(-1)
	}
}

// touch marks live entry i as the most recently used.
func (t *Table) touch(i int32) {
	if t.slots[i].exited || t.live.tail == i {
		return
	}
	t.unlink(&t.live, i)
	t.pushBack(&t.live, i)
}

func (t *Table) unlink(l *list, i int32) {
	e := &t.slots[i]
	if e.prev != nilIdx {
		t.slots[e.prev].next = e.next
	} else {
		l.head = e.next
	}
	if e.next != nilIdx {
		t.slots[e.next].prev = e.prev
	} else {
		l.tail = e.prev
	}
	e.prev, e.next = nilIdx, nilIdx
}

func (t *Table) pushBack(l *list, i int32) {
	e := &t.slots[i]
	e.prev, e.next = l.tail, nilIdx
	if l.tail != nilIdx {
		t.slots[l.tail].next = i
	} else {
		l.head = i
	}
	l.tail = i
}
