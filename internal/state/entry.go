package state

import (
	"time"

	"github.com/vigil-sec/vigil/internal/event"
)

// nilIdx is the "no entry" slot index.
const nilIdx int32 = -1

// Exe flag bits of entry.flags.
const (
	flagArgsTrunc uint8 = 1 << iota
	flagExeUpper
	flagExeMemfd
	flagExeDeleted
)

// entry is one process of the table. Entries live in Table.slots and are
// linked, by slot index, into exactly one list: the live LRU list, the
// exited list (ordered by exit), or the free list.
type entry struct {
	pid, ppid  uint32
	prev, next int32
	exited     bool
	flags      uint8
	exitAt     int64 // event time of the exit, Unix ns

	execID, name, exe, cwd string
	args                   []string
	start                  time.Time

	uid, gid, euid, egid, loginUID, sid, tty uint32
	cgroupID                                 uint64
	// the executable's inode number and times (Unix ns), 0 when unknown
	exeIno, exeCtime, exeMtime uint64
	// cgroup paths as of the last exec or clone (or /proc), namespaces
	cgroup, cgroupV1 string
	mntNS, pidNS     uint32

	// The ancestry last built for this entry (Table.ancestors): valid
	// while ancValid, the table's lineage count is still ancGen and the
	// table's time is before ancUntil. ancIdx are the ancestors' slots.
	anc      []event.Ancestor
	ancIdx   []int32
	ancValid bool
	ancGen   uint64
	ancUntil int64
}

// list is a doubly linked list of slots.
type list struct {
	head, tail int32
}

func newList() list { return list{head: nilIdx, tail: nilIdx} }

func flagsOf(p *event.Process) uint8 {
	var f uint8
	if p.ArgsTruncated {
		f |= flagArgsTrunc
	}
	if p.ExeUpperLayer {
		f |= flagExeUpper
	}
	if p.ExeFromMemfd {
		f |= flagExeMemfd
	}
	if p.ExeDeleted {
		f |= flagExeDeleted
	}
	return f
}

func setFlags(p *event.Process, f uint8) {
	p.ArgsTruncated = f&flagArgsTrunc != 0
	p.ExeUpperLayer = f&flagExeUpper != 0
	p.ExeFromMemfd = f&flagExeMemfd != 0
	p.ExeDeleted = f&flagExeDeleted != 0
}

// setImage stores the program image of p (ExecID, Exe, Args, Cwd, flags).
func (e *entry) setImage(p *event.Process) {
	e.execID = p.ExecID
	e.exe = p.Exe
	e.args = p.Args
	e.cwd = p.Cwd
	e.flags = flagsOf(p)
	e.exeIno = p.ExeIno
	e.exeCtime = unixNs(p.ExeCtime)
	e.exeMtime = unixNs(p.ExeMtime)
}

func unixNs(t time.Time) uint64 {
	if t.IsZero() {
		return 0
	}
	return uint64(t.UnixNano())
}

func fromUnixNs(ns uint64) time.Time {
	if ns == 0 {
		return time.Time{}
	}
	return time.Unix(0, int64(ns))
}

// setLive stores the attributes of p that change during a process's life.
func (e *entry) setLive(p *event.Process) {
	if p.Name != "" {
		e.name = p.Name
	}
	e.uid, e.gid, e.euid, e.egid = p.UID, p.GID, p.EUID, p.EGID
	e.loginUID, e.sid, e.tty = p.LoginUID, p.SID, p.TTY
	if p.CgroupID != 0 {
		e.cgroupID = p.CgroupID
	}
	if p.CgroupPath != "" || p.CgroupV1Path != "" {
		e.cgroup, e.cgroupV1 = p.CgroupPath, p.CgroupV1Path
	}
	if p.MntNS != 0 {
		e.mntNS, e.pidNS = p.MntNS, p.PidNS
	}
}

// fillLive sets p's zero identity fields (name, ids, session, cgroup,
// namespaces) from e.
func (e *entry) fillLive(p *event.Process) {
	if p.Name == "" {
		p.Name = e.name
	}
	if p.UID == 0 && p.GID == 0 && p.EUID == 0 && p.EGID == 0 {
		p.UID, p.GID, p.EUID, p.EGID = e.uid, e.gid, e.euid, e.egid
	}
	if p.LoginUID == 0 && p.SID == 0 && p.TTY == 0 {
		p.LoginUID, p.SID, p.TTY = e.loginUID, e.sid, e.tty
	}
	if p.CgroupID == 0 {
		p.CgroupID = e.cgroupID
	}
}

// fromProcess sets every field of e from p, keeping e's links.
func (e *entry) fromProcess(p *event.Process) {
	e.pid, e.ppid = p.PID, p.PPID
	e.name = p.Name
	e.setImage(p)
	e.setLive(p)
	e.cgroupID = p.CgroupID
	e.start = p.StartTime
}

// fillImage completes from e the image fields p lacks (and its Name and
// StartTime when unset). The exe flags are or-ed.
func (e *entry) fillImage(p *event.Process) {
	if p.ExecID == "" {
		p.ExecID = e.execID
	}
	if p.Exe == "" {
		p.Exe = e.exe
	}
	if len(p.Args) == 0 {
		p.Args = e.args
		p.ArgsTruncated = p.ArgsTruncated || e.flags&flagArgsTrunc != 0
	}
	if p.Cwd == "" {
		p.Cwd = e.cwd
	}
	p.ExeUpperLayer = p.ExeUpperLayer || e.flags&flagExeUpper != 0
	p.ExeFromMemfd = p.ExeFromMemfd || e.flags&flagExeMemfd != 0
	p.ExeDeleted = p.ExeDeleted || e.flags&flagExeDeleted != 0
	if p.CgroupPath == "" && p.CgroupV1Path == "" {
		p.CgroupPath, p.CgroupV1Path = e.cgroup, e.cgroupV1
	}
	if p.MntNS == 0 {
		p.MntNS, p.PidNS = e.mntNS, e.pidNS
	}
	if p.ExeIno == 0 && p.ExeCtime.IsZero() && p.ExeMtime.IsZero() {
		p.ExeIno = e.exeIno
		p.ExeCtime = fromUnixNs(e.exeCtime)
		p.ExeMtime = fromUnixNs(e.exeMtime)
	}
	if p.StartTime.IsZero() {
		p.StartTime = e.start
	}
	if p.Name == "" {
		p.Name = e.name
	}
}

// process returns e as an event.Process.
func (e *entry) process() event.Process {
	p := event.Process{
		PID:       e.pid,
		TID:       e.pid,
		PPID:      e.ppid,
		ExecID:    e.execID,
		Name:      e.name,
		Exe:       e.exe,
		Args:      e.args,
		Cwd:       e.cwd,
		UID:       e.uid,
		GID:       e.gid,
		EUID:      e.euid,
		EGID:      e.egid,
		LoginUID:  e.loginUID,
		SID:       e.sid,
		TTY:       e.tty,
		StartTime: e.start,
		CgroupID:  e.cgroupID,

		CgroupPath:   e.cgroup,
		CgroupV1Path: e.cgroupV1,
		MntNS:        e.mntNS,
		PidNS:        e.pidNS,

		ExeIno:   e.exeIno,
		ExeCtime: fromUnixNs(e.exeCtime),
		ExeMtime: fromUnixNs(e.exeMtime),
	}
	setFlags(&p, e.flags)
	return p
}

// reset clears e for reuse, keeping its links.
func (e *entry) reset() {
	prev, next := e.prev, e.next
	*e = entry{prev: prev, next: next, loginUID: event.NoLoginUID}
}
