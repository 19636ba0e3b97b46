package event

import (
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"net/netip"
	"time"
)

// Type is an event type: a syscall name (evt.type) or a pseudo-event.
type Type uint16

// Event types. The numeric values are internal and may change; the string
// form (String, ParseType) is the stable, documented one.
const (
	TypeUnknown      Type = iota
	TypeExecve            // execve(2) returned successfully: a new program image
	TypeExecveat          // execveat(2) returned successfully
	TypeClone             // clone(2) (or a kernel-internal task creation)
	TypeClone3            // clone3(2)
	TypeFork              // fork(2)
	TypeVfork             // vfork(2)
	TypeProcExit          // the last thread of a process exited (Falco's procexit)
	TypeDrop              // the source lost events; Drop says how many
	TypeOpen              // open(2)
	TypeOpenat            // openat(2)
	TypeOpenat2           // openat2(2)
	TypeCreat             // creat(2)
	TypeUnlink            // unlink(2)
	TypeUnlinkat          // unlinkat(2)
	TypeMkdir             // mkdir(2)
	TypeMkdirat           // mkdirat(2)
	TypeRmdir             // rmdir(2)
	TypeRename            // rename(2)
	TypeRenameat          // renameat(2)
	TypeRenameat2         // renameat2(2)
	TypeLink              // link(2)
	TypeLinkat            // linkat(2)
	TypeSymlink           // symlink(2)
	TypeSymlinkat         // symlinkat(2)
	TypeChmod             // chmod(2)
	TypeFchmod            // fchmod(2)
	TypeFchmodat          // fchmodat(2)
	TypeChown             // chown(2)
	TypeLchown            // lchown(2)
	TypeFchown            // fchown(2)
	TypeFchownat          // fchownat(2)
	TypeSocket            // socket(2)
	TypeConnect           // connect(2)
	TypeAccept            // accept(2)
	TypeAccept4           // accept4(2)
	TypeBind              // bind(2)
	TypeListen            // listen(2)
	TypeSendto            // sendto(2) on a datagram socket with a destination
	TypeSendmsg           // sendmsg(2) on a datagram socket with a destination
	TypeRecvfrom          // recvfrom(2) on a datagram socket with a source
	TypeRecvmsg           // recvmsg(2) on a datagram socket with a source
	TypeDup               // dup(2)
	TypeDup2              // dup2(2)
	TypeDup3              // dup3(2)
	TypePtrace            // ptrace(2)
	TypeInitModule        // init_module(2)
	TypeFinitModule       // finit_module(2)
	TypeDeleteModule      // delete_module(2)
	TypeSetuid            // setuid(2)
	TypeSetgid            // setgid(2)
	TypeSetresuid         // setresuid(2)
	TypeSetresgid         // setresgid(2)
	TypeSetreuid          // setreuid(2)
	TypeSetregid          // setregid(2)
	TypeCapset            // capset(2)
	TypeSetns             // setns(2)
	TypeUnshare           // unshare(2)
	TypeMount             // mount(2)
	TypeUmount2           // umount2(2)
	TypePivotRoot         // pivot_root(2)
	TypeChroot            // chroot(2)
	TypeBpf               // bpf(2)
	TypeMemfdCreate       // memfd_create(2)
	TypeMprotect          // mprotect(2) making memory executable
	TypeMmap              // mmap(2) of executable memory that is writable or anonymous
	TypeUserfaultfd       // userfaultfd(2)
	TypeKill              // kill(2)
	TypeTkill             // tkill(2)
	TypeTgkill            // tgkill(2)
	TypePrctl             // prctl(2)
	TypeEnforce           // a prevention policy acted (or, in audit mode, would have); Enforcement says how
	numTypes
)

// NumTypes bounds the event types: every Type is below it, so an array of
// NumTypes counters can be indexed by Type.
const NumTypes = int(numTypes)

var typeNames = [numTypes]string{
	TypeUnknown:      "unknown",
	TypeExecve:       "execve",
	TypeExecveat:     "execveat",
	TypeClone:        "clone",
	TypeClone3:       "clone3",
	TypeFork:         "fork",
	TypeVfork:        "vfork",
	TypeProcExit:     "procexit",
	TypeDrop:         "drop",
	TypeOpen:         "open",
	TypeOpenat:       "openat",
	TypeOpenat2:      "openat2",
	TypeCreat:        "creat",
	TypeUnlink:       "unlink",
	TypeUnlinkat:     "unlinkat",
	TypeMkdir:        "mkdir",
	TypeMkdirat:      "mkdirat",
	TypeRmdir:        "rmdir",
	TypeRename:       "rename",
	TypeRenameat:     "renameat",
	TypeRenameat2:    "renameat2",
	TypeLink:         "link",
	TypeLinkat:       "linkat",
	TypeSymlink:      "symlink",
	TypeSymlinkat:    "symlinkat",
	TypeChmod:        "chmod",
	TypeFchmod:       "fchmod",
	TypeFchmodat:     "fchmodat",
	TypeChown:        "chown",
	TypeLchown:       "lchown",
	TypeFchown:       "fchown",
	TypeFchownat:     "fchownat",
	TypeSocket:       "socket",
	TypeConnect:      "connect",
	TypeAccept:       "accept",
	TypeAccept4:      "accept4",
	TypeBind:         "bind",
	TypeListen:       "listen",
	TypeSendto:       "sendto",
	TypeSendmsg:      "sendmsg",
	TypeRecvfrom:     "recvfrom",
	TypeRecvmsg:      "recvmsg",
	TypeDup:          "dup",
	TypeDup2:         "dup2",
	TypeDup3:         "dup3",
	TypePtrace:       "ptrace",
	TypeInitModule:   "init_module",
	TypeFinitModule:  "finit_module",
	TypeDeleteModule: "delete_module",
	TypeSetuid:       "setuid",
	TypeSetgid:       "setgid",
	TypeSetresuid:    "setresuid",
	TypeSetresgid:    "setresgid",
	TypeSetreuid:     "setreuid",
	TypeSetregid:     "setregid",
	TypeCapset:       "capset",
	TypeSetns:        "setns",
	TypeUnshare:      "unshare",
	TypeMount:        "mount",
	TypeUmount2:      "umount2",
	TypePivotRoot:    "pivot_root",
	TypeChroot:       "chroot",
	TypeBpf:          "bpf",
	TypeMemfdCreate:  "memfd_create",
	TypeMprotect:     "mprotect",
	TypeMmap:         "mmap",
	TypeUserfaultfd:  "userfaultfd",
	TypeKill:         "kill",
	TypeTkill:        "tkill",
	TypeTgkill:       "tgkill",
	TypePrctl:        "prctl",
	TypeEnforce:      "vigil_enforce",
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

// IsNet reports whether t is a socket or descriptor call (socket,
// connect, accept, accept4, bind, listen, sendto, sendmsg, recvfrom,
// recvmsg, dup, dup2, dup3): its Syscall.FD describes a socket or file.
func (t Type) IsNet() bool { return t >= TypeSocket && t <= TypeDup3 }

// IsDup reports whether t duplicates a file descriptor.
func (t Type) IsDup() bool { return t == TypeDup || t == TypeDup2 || t == TypeDup3 }

// IsMisc reports whether t is one of the privilege, namespace, module,
// memory, signal and process-control calls (ptrace .. prctl).
func (t Type) IsMisc() bool { return t >= TypePtrace && t <= TypePrctl }

// IsSyscall reports whether events of type t carry a Syscall detail.
// Exec types carry one too when the exec failed (Syscall.Res < 0).
func (t Type) IsSyscall() bool {
	return t.IsOpen() || t.IsPathOp() || t.IsPathPair() || t.IsAttrChange() || t.IsNet() || t.IsMisc()
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
	// Enforcement details TypeEnforce events.
	Enforcement *Enforcement
	// Syscall details file, network and privilege system calls
	// (Type.IsSyscall).
	Syscall *Syscall

	// Container is the metadata of the container the process runs in
	// (Process.ContainerID), as far as it is known when the event leaves
	// the enrichment stage; nil on the host.
	Container *Container
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

	// Namespaces and in-namespace ids of the acting task: the inode
	// numbers of its mount and pid namespaces (as in /proc/PID/ns), and its
	// pid and tid as its own pid namespace numbers them (Falco's
	// proc.vpid, thread.vtid); 0 when unknown.
	MntNS, PidNS uint32
	VPID, VTID   uint32
	// CgroupPath is the task's cgroup v2 path (relative to the cgroup2
	// root, starting with "/"), CgroupV1Path its path in a cgroup v1
	// hierarchy (the memory controller's, else the first non-root one),
	// as the kernel had them at exec or clone; "" when unknown. The process
	// table fills them for other events.
	CgroupPath, CgroupV1Path string
	// ContainerID is the container the process runs in: the runtime's full
	// id (64 hex digits for docker, containerd, CRI-O, podman), "" on the
	// host. Set by the process table from the cgroup paths and namespaces.
	ContainerID string

	// Capability sets of the acting task (kernel_cap_t bit masks, bit N
	// is capability N: CAP_CHOWN is bit 0).
	CapEffective, CapPermitted, CapInheritable uint64

	// ExeIno is the executable's inode number, ExeCtime and ExeMtime its
	// status change and modification times; zero when unknown.
	ExeIno             uint64
	ExeCtime, ExeMtime time.Time

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

// Exec details an execve/execveat. A successful exec has no Syscall
// detail; a failed one (the caller's image unchanged) has Syscall with
// Res < 0 and Process describes the caller.
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

// Enforcement is what a prevention policy did to a process's action.
type Enforcement struct {
	Policy string
	// Mode is "enforce" or "audit".
	Mode string
	// Action is the policy's action: "deny" or "kill".
	Action string
	// Match is the kind of action matched: exec, exec_allow, open,
	// connect, bind or syscall.
	Match string
	// Target is what the process tried: the file, "ADDR:PORT" (with
	// Proto), or the system call.
	Target string
	Proto  string // tcp or udp, for connect and bind
	// Result is what happened: "denied", "killed", "would deny", "would
	// kill", or "failed: REASON".
	Result string
	// Mechanism is how: "fanotify", "cgroup sock_addr", "bpf_send_signal",
	// "kill(2)".
	Mechanism string
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
	for i := range s.Args { // by index: no copy of the arguments passed over
		if s.Args[i].Name == name {
			return s.Args[i], true
		}
	}
	return Arg{}, false
}

// ArgKind says how an argument's value is held and rendered.
type ArgKind uint8

// Argument kinds.
const (
	ArgInt         ArgKind = iota + 1 // Num, signed decimal
	ArgUint                           // Num as uint64, decimal
	ArgFD                             // Num, a file descriptor (AT_FDCWD is -100)
	ArgPath                           // Str, a path as passed
	ArgString                         // Str
	ArgOpenFlags                      // Num, open(2) flags: rendered O_RDONLY|O_CLOEXEC...
	ArgMode                           // Num, file mode bits: rendered in octal
	ArgResolve                        // Num, openat2 resolve flags: RESOLVE_*
	ArgErrno                          // Num, a result: 0 or -errno
	ArgSockFamily                     // Num, AF_*: rendered AF_INET...
	ArgSockType                       // Num, SOCK_* with SOCK_NONBLOCK|SOCK_CLOEXEC
	ArgSockAddr                       // Str, an address rendered as Falco does (1.2.3.4:80, /path)
	ArgTuple                          // Str, a socket tuple (1.2.3.4:5->6.7.8.9:80)
	ArgPtraceReq                      // Num, PTRACE_*
	ArgSignal                         // Num, a signal number: rendered SIGKILL...
	ArgCloneFlags                     // Num, CLONE_* (unshare, setns nstype, clone)
	ArgMountFlags                     // Num, MS_*
	ArgUmountFlags                    // Num, MNT_FORCE|MNT_DETACH|...
	ArgProt                           // Num, PROT_*
	ArgMmapFlags                      // Num, MAP_*
	ArgPrctlOption                    // Num, PR_*
	ArgBpfCmd                         // Num, BPF_* command
	ArgCapSet                         // Num, a capability set: CAP_CHOWN CAP_KILL...
	ArgHex                            // Num, an address or opaque value: upper-case hex without 0x, as Falco
	ArgMemfdFlags                     // Num, MFD_*
	ArgModuleFlags                    // Num, MODULE_INIT_* (finit_module) or O_* (delete_module)
	ArgUID                            // Num, a user id ((u32)-1 shown as -1)
	ArgGID                            // Num, a group id
	ArgFlags                          // Num, call-specific flags rendered as a number
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
	// Sock describes a socket descriptor (Type FDIPv4, FDIPv6, FDUnix,
	// FDNetlink...); nil for other descriptors.
	Sock *Socket
}

// SockRole says which end of a connection the acting process is.
type SockRole uint8

// Socket roles. Falco's fd.sip/fd.cip name the server and client ends:
// connect and sendto make the caller the client, accept, bind, listen and
// recvfrom the server.
const (
	RoleUnknown SockRole = iota
	RoleClient
	RoleServer
)

// Socket is what Vigil knows about a socket descriptor after the call.
type Socket struct {
	Family uint16 // AF_INET, AF_INET6, AF_UNIX, AF_NETLINK, AF_PACKET...
	// Type is SOCK_STREAM, SOCK_DGRAM, SOCK_RAW... (without flags).
	Type uint16
	// Proto is the layer-4 protocol: IPPROTO_TCP (6), IPPROTO_UDP (17),
	// IPPROTO_ICMP (1), IPPROTO_RAW (255)...; 0 when unknown.
	Proto uint16
	// Local and Remote are the socket's endpoints for IP sockets (Remote
	// is the address the call passed or received when the socket has no
	// peer: sendto's destination, recvfrom's source); invalid when unknown.
	Local, Remote netip.AddrPort
	Role          SockRole
	// Connected is set when the socket has a peer (TCP established or a
	// connected datagram socket).
	Connected bool
	// Path is a unix socket's path (sun_path; an abstract name starts with
	// '@').
	Path string
	// NameChanged is set when this event gave the descriptor a name it did
	// not have before (a datagram socket's new destination): Falco's
	// fd.name_changed.
	NameChanged bool
}

// Container is what Vigil knows about a container. Only ID and Runtime are
// certain to be set; the rest comes from the runtime's metadata when a
// source for it is available.
type Container struct {
	ID string
	// Runtime is the engine that runs it: docker, containerd, cri-o,
	// podman, runc, or unknown (a process in namespaces of its own that no
	// known cgroup layout names).
	Runtime string
	Name    string
	// Image is the image reference as the runtime has it
	// (docker.io/library/nginx:1.27); ImageRepository and ImageTag split
	// it (docker.io/library/nginx, 1.27); ImageDigest its sha256 digest.
	Image, ImageRepository, ImageTag, ImageDigest string
	Labels                                        map[string]string
	// Privileged is set when the container runs privileged (every
	// capability, devices allowed); known only with metadata.
	Privileged bool
	Mounts     []Mount
	// Created is when the runtime created the container.
	Created time.Time
	// Pod is the Kubernetes pod the container belongs to, from the CRI
	// annotations; nil when none.
	Pod *Pod
	// MetadataKnown is set when a runtime source described the container
	// (else only ID, Runtime and what the cgroup path says are known).
	MetadataKnown bool
}

// Mount is a container mount.
type Mount struct {
	Source, Dest string
	Type         string
	Options      []string
	ReadWrite    bool
	Propagation  string
}

// Pod is a Kubernetes pod.
type Pod struct {
	Name, Namespace, UID string
	Labels               map[string]string
}
