package kernel

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"time"
	"unsafe"

	"github.com/vigil-sec/vigil/internal/event"
	"github.com/vigil-sec/vigil/internal/host"
)

// Wire record sizes, from the bpf2go-generated types.
const (
	taskSize  = int(unsafe.Sizeof(processVigilTask{}))
	execSize  = int(unsafe.Sizeof(processVigilExec{}))
	cloneSize = int(unsafe.Sizeof(processVigilClone{}))
	exitSize  = int(unsafe.Sizeof(processVigilExit{}))
)

// Record kinds and flags, from the generated constants.
const (
	kindExec  = uint32(processVigilKindVIGIL_KIND_EXEC)
	kindClone = uint32(processVigilKindVIGIL_KIND_CLONE)
	kindExit  = uint32(processVigilKindVIGIL_KIND_EXIT)
	// kindSyscall records start with the task head and a syscall number
	// that says which struct they are.
	kindSyscall = uint32(processVigilKindVIGIL_KIND_SYSCALL)
	kindMax     = uint32(processVigilKindVIGIL_KIND_MAX)

	flagExeUpper   = uint32(processVigilFlagsVIGIL_F_EXE_UPPER)
	flagExeMemfd   = uint32(processVigilFlagsVIGIL_F_EXE_MEMFD)
	flagExeDeleted = uint32(processVigilFlagsVIGIL_F_EXE_DELETED)
	flagArgsTrunc  = uint32(processVigilFlagsVIGIL_F_ARGS_TRUNC)
	flagExeTrunc   = uint32(processVigilFlagsVIGIL_F_EXE_TRUNC)
	flagCwdTrunc   = uint32(processVigilFlagsVIGIL_F_CWD_TRUNC)
	flagThread     = uint32(processVigilFlagsVIGIL_F_THREAD)

	flagCgroupTrunc   = uint32(processVigilFlagsVIGIL_F_CGROUP_TRUNC)
	flagCgroupV1      = uint32(processVigilFlagsVIGIL_F_CGROUP_V1)
	flagCgroupV1Trunc = uint32(processVigilFlagsVIGIL_F_CGROUP_V1TRUNC)
)

// kindName names a record kind in drop reports.
func kindName(k uint32) string {
	switch k {
	case kindExec:
		return "exec"
	case kindClone:
		return "clone"
	case kindExit:
		return "exit"
	case kindSyscall:
		return "syscall"
	}
	return fmt.Sprintf("kind%d", k)
}

// ErrMalformed is wrapped by every decoding error.
var ErrMalformed = errors.New("malformed record")

// Decoder turns raw ring buffer records into events.
type Decoder struct {
	Host   string
	BootID [16]byte
	Clock  host.Clock

	// events given back by Recycle, reused by Decode
	opens pool[openAlloc]
	miscs pool[miscAlloc]
}

func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrMalformed, fmt.Sprintf(format, args...))
}

// record views the start of raw as a T. raw must hold at least sizeof(T)
// bytes; ring buffer samples are 8-byte aligned, and copies are made for
// unaligned input.
func record[T any](raw []byte) *T {
	var zero T
	if uintptr(unsafe.Pointer(unsafe.SliceData(raw)))%unsafe.Alignof(zero) != 0 {
		p := new(T)
		copy(unsafe.Slice((*byte)(unsafe.Pointer(p)), unsafe.Sizeof(zero)), raw)
		return p
	}
	return (*T)(unsafe.Pointer(unsafe.SliceData(raw)))
}

// Decode decodes one record. The returned event does not alias raw.
func (d *Decoder) Decode(raw []byte) (*event.Event, error) {
	if len(raw) < taskSize {
		return nil, malformed("record of %d bytes is shorter than its %d-byte header", len(raw), taskSize)
	}
	t := record[processVigilTask](raw)
	switch t.Kind {
	case kindExec:
		return d.decodeExec(raw)
	case kindClone:
		return d.decodeClone(raw)
	case kindExit:
		if len(raw) < exitSize {
			return nil, malformed("exit record of %d bytes, want %d", len(raw), exitSize)
		}
		return d.decodeExit(record[processVigilExit](raw)), nil
	case kindSyscall:
		return d.decodeSyscall(raw)
	}
	return nil, malformed("unknown record kind %d", t.Kind)
}

func (d *Decoder) task(t *processVigilTask, typ event.Type) *event.Event {
	ev := &event.Event{}
	d.fillTask(ev, t, typ)
	return ev
}

// fillTask sets an event's common fields from a record's task head.
func (d *Decoder) fillTask(ev *event.Event, t *processVigilTask, typ event.Type) {
	ev.Time = d.Clock.Wall(t.Ktime)
	ev.Type = typ
	ev.Host = d.Host
	ev.Process = event.Process{
		PID:       t.Pid,
		TID:       t.Tid,
		PPID:      t.Ppid,
		Name:      cString(t.Comm[:]),
		UID:       t.Uid,
		GID:       t.Gid,
		EUID:      t.Euid,
		EGID:      t.Egid,
		LoginUID:  t.Loginuid,
		SID:       t.Sid,
		TTY:       t.Tty,
		StartTime: d.Clock.Wall(t.StartBoottime),
		CgroupID:  t.CgroupId,

		CapEffective:   t.CapEffective,
		CapPermitted:   t.CapPermitted,
		CapInheritable: t.CapInheritable,

		MntNS: t.Mntns,
		PidNS: t.Pidns,
		VPID:  t.Vpid,
		VTID:  t.Vtid,
	}
}

func cString(b []int8) string {
	bs := unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(b))), len(b))
	if i := bytes.IndexByte(bs, 0); i >= 0 {
		bs = bs[:i]
	}
	return string(bs)
}

func (d *Decoder) decodeExec(raw []byte) (*event.Event, error) {
	if len(raw) < execSize {
		return nil, malformed("exec record of %d bytes, want at least %d", len(raw), execSize)
	}
	e := record[processVigilExec](raw)
	data := raw[execSize:]
	need := int(e.ExeLen) + int(e.CwdLen) + int(e.FilenameLen) + int(e.CgroupLen) +
		int(e.CgroupV1Len) + int(e.ArgsLen)
	if need > len(data) {
		return nil, malformed("exec record: sections need %d bytes, %d present", need, len(data))
	}
	typ := event.TypeExecve
	if e.Syscall == uint32(processVigilSyscallVIGIL_SC_EXECVEAT) {
		typ = event.TypeExecveat
	}
	ev := d.task(&e.Task, typ)
	p := &ev.Process
	f := e.Task.Flags

	// One string holds every variable-size section; the fields are
	// substrings of it, so an exec costs one copy however many args it has.
	all := string(data[:need])
	exe, rest := all[:e.ExeLen], all[e.ExeLen:]
	cwd, rest := rest[:e.CwdLen], rest[e.CwdLen:]
	filename, rest := rest[:e.FilenameLen], rest[e.FilenameLen:]
	cg, rest := rest[:e.CgroupLen], rest[e.CgroupLen:]
	cgV1, args := rest[:e.CgroupV1Len], rest[e.CgroupV1Len:]

	p.Exe = joinPath(exe, f&flagExeTrunc != 0)
	p.Cwd = joinPath(cwd, f&flagCwdTrunc != 0)
	p.CgroupPath, p.CgroupV1Path = cgroupPaths(cg, cgV1, f)
	p.Args = splitArgs(args)
	p.ArgsTruncated = f&flagArgsTrunc != 0
	p.ExeUpperLayer = f&flagExeUpper != 0
	p.ExeFromMemfd = f&flagExeMemfd != 0
	p.ExeDeleted = f&flagExeDeleted != 0
	p.ExeIno = e.ExeIno
	if e.ExeCtime != 0 {
		p.ExeCtime = time.Unix(0, int64(e.ExeCtime))
	}
	if e.ExeMtime != 0 {
		p.ExeMtime = time.Unix(0, int64(e.ExeMtime))
	}
	p.ExecID = event.NewExecID(d.BootID, p.PID, e.Task.Ktime)
	ev.Exec = &event.Exec{Filename: strings.TrimRight(filename, "\x00")}
	return ev, nil
}

// joinPath turns NUL-terminated components, leaf first, into an absolute
// path. A path whose walk was cut short starts with "..." instead of "/".
func joinPath(comps string, truncated bool) string {
	comps = strings.TrimRight(comps, "\x00")
	if comps == "" {
		if truncated {
			return "..."
		}
		return "/"
	}
	n := strings.Count(comps, "\x00") + 1
	var b strings.Builder
	b.Grow(len(comps) + 4)
	if truncated {
		b.WriteString("...")
	}
	// Walk the components from the last (the root-most) to the first.
	end := len(comps)
	for i := 0; i < n; i++ {
		start := strings.LastIndexByte(comps[:end], 0) + 1
		b.WriteByte('/')
		b.WriteString(comps[start:end])
		end = start - 1
	}
	return b.String()
}

// cgroupPaths decodes the cgroup sections of an exec or clone record: the
// v2 path, and the v1 path when the record has one ("" otherwise).
func cgroupPaths(v2, v1 string, flags uint32) (string, string) {
	p2 := joinPath(v2, flags&flagCgroupTrunc != 0)
	if flags&flagCgroupV1 == 0 {
		return p2, ""
	}
	return p2, joinPath(v1, flags&flagCgroupV1Trunc != 0)
}

// splitArgs splits the kernel's NUL-separated argv. The final argument
// may lack its NUL when argv was truncated.
func splitArgs(s string) []string {
	if s == "" {
		return []string{}
	}
	s = strings.TrimSuffix(s, "\x00")
	return strings.Split(s, "\x00")
}

func (d *Decoder) decodeClone(raw []byte) (*event.Event, error) {
	if len(raw) < cloneSize {
		return nil, malformed("clone record of %d bytes, want at least %d", len(raw), cloneSize)
	}
	c := record[processVigilClone](raw)
	data := raw[cloneSize:]
	need := int(c.CgroupLen) + int(c.CgroupV1Len)
	if need > len(data) {
		return nil, malformed("clone record: sections need %d bytes, %d present", need, len(data))
	}
	var typ event.Type
	switch processVigilSyscall(c.Syscall) {
	case processVigilSyscallVIGIL_SC_CLONE3:
		typ = event.TypeClone3
	case processVigilSyscallVIGIL_SC_FORK:
		typ = event.TypeFork
	case processVigilSyscallVIGIL_SC_VFORK:
		typ = event.TypeVfork
	default:
		typ = event.TypeClone
	}
	ev := d.task(&c.Task, typ)
	thread := c.Task.Flags&flagThread != 0
	if !thread {
		ev.Process.ExecID = event.NewExecID(d.BootID, c.Task.Pid, c.Task.StartBoottime)
	}
	if !thread { // a thread's record has no cgroup paths: its process's apply
		all := string(data[:need])
		ev.Process.CgroupPath, ev.Process.CgroupV1Path = cgroupPaths(all[:c.CgroupLen], all[c.CgroupLen:], c.Task.Flags)
	}
	ev.Clone = &event.Clone{Flags: c.CloneFlags, Thread: thread}
	return ev, nil
}

func (d *Decoder) decodeExit(x *processVigilExit) *event.Event {
	ev := d.task(&x.Task, event.TypeProcExit)
	code := x.ExitCode
	ex := &event.Exit{}
	if sig := code & 0x7f; sig != 0 {
		ex.Signal = int32(sig)
		ex.CoreDumped = code&0x80 != 0
	} else {
		ex.Code = int32((code >> 8) & 0xff)
	}
	ev.Exit = ex
	return ev
}
