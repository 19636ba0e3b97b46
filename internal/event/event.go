package event

import (
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"time"
)

// Type is an event type: a syscall name (evt.type) or a pseudo-event.
type Type uint16

// Event types. The numeric values are internal and may change; the string
// form (String, ParseType) is the stable, documented one.
const (
	TypeUnknown   Type = iota
	TypeExecve         // execve(2) returned successfully: a new program image
	TypeExecveat       // execveat(2) returned successfully
	TypeClone          // clone(2) (or a kernel-internal task creation)
	TypeClone3         // clone3(2)
	TypeFork           // fork(2)
	TypeVfork          // vfork(2)
	TypeProcExit       // the last thread of a process exited (Falco's procexit)
	TypeDrop           // the source lost events; Drop says how many
	TypeOpen           // open(2)
	TypeOpenat         // openat(2)
	TypeOpenat2        // openat2(2)
	TypeCreat          // creat(2)
	TypeUnlink         // unlink(2)
	TypeUnlinkat       // unlinkat(2)
	TypeMkdir          // mkdir(2)
	TypeMkdirat        // mkdirat(2)
	TypeRmdir          // rmdir(2)
	TypeRename         // rename(2)
	TypeRenameat       // renameat(2)
	TypeRenameat2      // renameat2(2)
	TypeLink           // link(2)
	TypeLinkat         // linkat(2)
	TypeSymlink        // symlink(2)
	TypeSymlinkat      // symlinkat(2)
	TypeChmod          // chmod(2)
	TypeFchmod         // fchmod(2)
	TypeFchmodat       // fchmodat(2)
	TypeChown          // chown(2)
	TypeLchown         // lchown(2)
	TypeFchown         // fchown(2)
	TypeFchownat       // fchownat(2)
	numTypes
)

var typeNames = [numTypes]string{
	TypeUnknown:   "unknown",
	TypeExecve:    "execve",
	TypeExecveat:  "execveat",
	TypeClone:     "clone",
	TypeClone3:    "clone3",
	TypeFork:      "fork",
	TypeVfork:     "vfork",
	TypeProcExit:  "procexit",
	TypeDrop:      "drop",
	TypeOpen:      "open",
	TypeOpenat:    "openat",
	TypeOpenat2:   "openat2",
	TypeCreat:     "creat",
	TypeUnlink:    "unlink",
	TypeUnlinkat:  "unlinkat",
	TypeMkdir:     "mkdir",
	TypeMkdirat:   "mkdirat",
	TypeRmdir:     "rmdir",
	TypeRename:    "rename",
	TypeRenameat:  "renameat",
	TypeRenameat2: "renameat2",
	TypeLink:      "link",
	TypeLinkat:    "linkat",
	TypeSymlink:   "symlink",
	TypeSymlinkat: "symlinkat",
	TypeChmod:     "chmod",
	TypeFchmod:    "fchmod",
	TypeFchmodat:  "fchmodat",
	TypeChown:     "chown",
	TypeLchown:    "lchown",
	TypeFchown:    "fchown",
	TypeFchownat:  "fchownat",
}

// String returns the type's stable name, e.g. "execve".
func (t Type) String() string {
	if t < numTypes {
		return typeNames[t]
	}
	return fmt.Sprintf("type(%d)", uint16(t))
}

// ParseType returns the Type named s.
func ParseType(s string) (Type, error) {
	for i, n := range typeNames {
		if n == s && Type(i) != TypeUnknown {
			return Type(i), nil
		}
	}
	return TypeUnknown, fmt.Errorf("unknown event type %q", s)
}

// Types returns every known type except TypeUnknown, in numeric order.
func Types() []Type {
	out := make([]Type, 0, numTypes-1)
	for t := TypeUnknown + 1; t < numTypes; t++ {
		out = append(out, t)
	}
	return out
}

// IsExec reports whether t starts a new program image.
func (t Type) IsExec() bool { return t == TypeExecve || t == TypeExecveat }

// IsOpen reports whether t opens a file (the open family).
func (t Type) IsOpen() bool {
	return t == TypeOpen || t == TypeOpenat || t == TypeOpenat2 || t == TypeCreat
}

// IsPathOp reports whether t creates or removes a directory entry named
// by one path (unlink, unlinkat, mkdir, mkdirat, rmdir).
func (t Type) IsPathOp() bool {
	return t == TypeUnlink || t == TypeUnlinkat || t == TypeMkdir || t == TypeMkdirat || t == TypeRmdir
}

// IsPathPair reports whether t acts on two paths (rename, link, symlink
// and their *at forms).
func (t Type) IsPathPair() bool {
	switch t {
	case TypeRename, TypeRenameat, TypeRenameat2, TypeLink, TypeLinkat, TypeSymlink, TypeSymlinkat:
		return true
	}
	return false
}

// IsAttrChange reports whether t changes a file's mode or owner (the chmod
// and chown families).
func (t Type) IsAttrChange() bool {
	switch t {
	case TypeChmod, TypeFchmod, TypeFchmodat, TypeChown, TypeLchown, TypeFchown, TypeFchownat:
		return true
	}
	return false
}

// IsSyscall reports whether events of type t carry a Syscall detail.
func (t Type) IsSyscall() bool {
	return t.IsOpen() || t.IsPathOp() || t.IsPathPair() || t.IsAttrChange()
}

// IsClone reports whether t creates a new task.
func (t Type) IsClone() bool {
	return t == TypeClone || t == TypeClone3 || t == TypeFork || t == TypeVfork
}

// Event is one thing that happened on a host.
type Event struct {
	// Seq numbers the events of one pipeline run from 1, in the order the
	// pipeline handles them (Falco's evt.num); 0 before the pipeline has
	// seen the event. It is not part of the JSON schema.
	Seq uint64
	// Time is when it happened (wall clock).
	Time time.Time
	Type Type
	// Host is the name of the host the event comes from.
	Host string
	// Process is the process that did it. For clone events it is the new
	// task (the child), whose parent is Process.PPID.
	Process Process
	// Ancestors are filled by the process table: [0] is the parent, then
	// its parent, up to init or a depth cap.
	Ancestors []Ancestor

	// Type-specific details; exactly the one matching Type is set.
	Exec  *Exec
	Clone *Clone
	Exit  *Exit
	Drop  *Drop
	// Syscall details file, network and privilege system calls
	// (Type.IsSyscall).
	Syscall *Syscall
}

// Process is the identity and attributes of a process (a thread group).
type Process struct {
	PID  uint32 // thread group id, as user space calls a pid
	TID  uint32 // the thread that acted
	PPID uint32 // real parent's thread group id
	// ExecID identifies this process image: stable across PID reuse,
	// changed by exec. See NewExecID.
	ExecID string
	Name   string   // comm: the kernel's short task name
	Exe    string   // absolute path of the executable file
	Args   []string // argv, Args[0] included
	// ArgsTruncated is set when argv was longer than the capture limit and
	// Args holds only its beginning.
	ArgsTruncated bool
	Cwd           string

	UID, GID, EUID, EGID uint32
	// LoginUID is the audit login uid; NoLoginUID when unset.
	LoginUID uint32
	SID      uint32 // session id (in the initial pid namespace)
	// TTY is the controlling terminal as a device number in the kernel's
	// new_encode_dev form (as /proc/PID/stat tty_nr), 0 when none.
	TTY       uint32
	StartTime time.Time // when the process (thread group) was created
	CgroupID  uint64    // cgroup v2 id of the acting task

	ExeUpperLayer bool // executable is on an overlayfs upper layer
	ExeFromMemfd  bool // executable is a memfd (memfd_create)
	ExeDeleted    bool // executable file was unlinked when it ran
}

// NoLoginUID is the value of an unset audit login uid ((uid_t)-1).
const NoLoginUID = ^uint32(0)

// Ancestor is the short identity of one ancestor process.
type Ancestor struct {
	PID    uint32
	ExecID string
	Name   string
	Exe    string
	Args   []string
}

// Exec details a successful execve/execveat.
type Exec struct {
	// Filename is the path as the caller passed it to exec (may be
	// relative, or /dev/fd/N for fexecve); Process.Exe is the resolved one.
	Filename string
}

// Clone details the creation of a task.
type Clone struct {
	// Flags are the clone flags the caller passed (0 for fork/vfork or
	// when unknown).
	Flags uint64
	// Thread is set when the new task is a thread of an existing process
	// rather than a new process.
	Thread bool
}

// Exit details how a process ended.
type Exit struct {
	Code       int32 // exit status (0-255) when the process exited
	Signal     int32 // killing signal, 0 when the process exited by itself
	CoreDumped bool
}

// Drop reports events a source lost, by the kind of event lost.
type Drop struct {
	Lost map[string]uint64
}

// Total returns the sum of all lost counts.
func (d *Drop) Total() uint64 {
	var n uint64
	for _, v := range d.Lost {
		n += v
	}
	return n
}

// NewExecID derives the identifier of a process image from the boot it runs
// in, its pid, and a boot-time timestamp in nanoseconds (the exec time for
// an exec'd image, the start time for a forked one). The result is
// URL-safe base64 without padding (22 characters).
func NewExecID(bootID [16]byte, pid uint32, bootNs uint64) string {
	var b [16]byte
	copy(b[:4], bootID[:4])
	binary.BigEndian.PutUint32(b[4:8], pid)
	binary.BigEndian.PutUint64(b[8:], bootNs)
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// Syscall details a system call event: its result, its arguments under
// Falco's parameter names, and the file descriptor it concerns.
type Syscall struct {
	// Res is the return value: >= 0 on success, -errno on failure.
	Res int64
	// Args are the call's parameters in Falco's order for the event type
	// (for openat: fd, dirfd, name, flags, mode, dev, ino), with the values
	// the call saw. Paths are as the caller passed them.
	Args []Arg
	// FD is the file descriptor the call created or acted on. For the
	// open family it is always set: on success Num is the new fd and Name
	// the path the kernel opened; on failure Num is the negative result and
	// Name the caller's path resolved against its cwd or dirfd.
	FD *FD
}

// Arg finds an argument by name.
func (s *Syscall) Arg(name string) (Arg, bool) {
	if s == nil {
		return Arg{}, false
	}
	for _, a := range s.Args {
		if a.Name == name {
			return a, true
		}
	}
	return Arg{}, false
}

// ArgKind says how an argument's value is held and rendered.
type ArgKind uint8

// Argument kinds.
const (
	ArgInt       ArgKind = iota + 1 // Num, signed decimal
	ArgUint                         // Num as uint64, decimal
	ArgFD                           // Num, a file descriptor (AT_FDCWD is -100)
	ArgPath                         // Str, a path as passed
	ArgString                       // Str
	ArgOpenFlags                    // Num, open(2) flags: rendered O_RDONLY|O_CLOEXEC...
	ArgMode                         // Num, file mode bits: rendered in octal
	ArgResolve                      // Num, openat2 resolve flags: RESOLVE_*
	ArgErrno                        // Num, a result: 0 or -errno
)

// Arg is one system call argument.
type Arg struct {
	Name string
	Kind ArgKind
	Num  int64
	Str  string
}

// FDType is the type of a file descriptor, as Falco's fd.type names it.
type FDType uint8

// File descriptor types.
const (
	FDUnknown FDType = iota
	FDFile
	FDDirectory
	FDIPv4
	FDIPv6
	FDUnix
	FDPipe
	FDEvent
	FDSignal
	FDEventPoll
	FDInotify
	FDTimer
	FDNetlink
	FDMemfd
	numFDTypes
)

var fdTypeNames = [numFDTypes]string{"unknown", "file", "directory", "ipv4", "ipv6", "unix", "pipe", "event", "signalfd", "eventpoll", "inotify", "timerfd", "netlink", "memfd"}
var fdTypeChars = [numFDTypes]byte{'o', 'f', 'd', '4', '6', 'u', 'p', 'e', 's', 'l', 'i', 't', 'n', 'm'}

// String returns Falco's fd.type name.
func (t FDType) String() string {
	if t < numFDTypes {
		return fdTypeNames[t]
	}
	return "unknown"
}

// Char returns Falco's fd.typechar.
func (t FDType) Char() byte {
	if t < numFDTypes {
		return fdTypeChars[t]
	}
	return 'o'
}

// ParseFDType returns the FDType named s (as String returns).
func ParseFDType(s string) (FDType, error) {
	for i, n := range fdTypeNames {
		if n == s {
			return FDType(i), nil
		}
	}
	return FDUnknown, fmt.Errorf("unknown fd type %q", s)
}

// FD is a file descriptor and what it refers to.
type FD struct {
	Num  int64
	Type FDType
	// Name is Falco's fd.name: for files, the absolute path.
	Name string
	// NameRaw is the path as the caller passed it (Falco's fd.nameraw).
	NameRaw string
	// Dev and Ino identify the opened file (0 when unknown).
	Dev uint32
	Ino uint64
}
