package ocsf

import (
	"net/netip"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/vigil-sec/vigil/internal/event"
)

// view is what an event says in OCSF's terms: its class and activity and
// the objects that describe it. describe computes it once; the event
// record and a finding's evidence are both written from it.
type view struct {
	act activity

	// actorIsParent: the actor is the parent (Ancestors[0]) and the
	// event's process is the target (a launch). Otherwise the event's
	// process is the actor.
	actorIsParent bool
	// target says what the class's "process" attribute is.
	target targetKind
	// targetPID is the target of ptrace and kill.
	targetPID int64
	// execFile is the program a failed exec tried to run.
	execFile string

	file       fileView
	fileResult fileView // rename's new name
	linkTarget string   // what a new link points to
	accessMask int64    // open flags
	hasMask    bool

	driver fileView // a kernel module

	src, dst endpointView
	conn     connView
	bytesIn  int64
	bytesOut int64

	memBase  uint64
	memSize  uint64
	memPerms int64
	hasMem   bool

	exitCode    int64
	hasExitCode bool
	injection   string

	status statusView
}

type targetKind uint8

const (
	targetNone   targetKind = iota
	targetSelf              // the event's process, in full
	targetPID               // a process known by its pid only (ptrace, kill)
	targetFailed            // the program a failed exec tried to run
)

type fileView struct {
	set bool
	// name is set for a file known by name only (a module, a memfd).
	name   string
	memfd  bool // name is a memfd's: written "memfd:NAME"
	path   string
	typeID int64
	dev    uint32
	ino    uint64
}

type endpointView struct {
	set  bool
	ap   netip.AddrPort
	path string
}

func ep(ap netip.AddrPort, path string) endpointView {
	return endpointView{set: endpointKnown(ap, path), ap: ap, path: path}
}

type connView struct {
	set       bool
	direction int64 // 1 inbound, 2 outbound, 0 unknown
	protoNum  int64
	protoName string
	ipVersion int64
	localhost bool
}

type statusView struct {
	id     int64 // 1 success, 2 failure, 0 unknown
	code   string
	detail string
}

func statusOf(ev *event.Event) statusView {
	if ev.Syscall == nil || ev.Syscall.Res >= 0 {
		return statusView{id: 1}
	}
	errno := syscall.Errno(-ev.Syscall.Res)
	return statusView{id: 2, code: unix.ErrnoName(errno), detail: errno.Error()}
}

// Flags of the calls the mapping looks at (the kernel's values; the same
// on every architecture Vigil supports for these bits).
const (
	oAccMode     = 0o3
	oCreat       = 0o100
	oTrunc       = 0o1000
	atRemoveDir  = 0x200
	mapAnonymous = 0x20
	sigKill      = 9
	sigTerm      = 15
	einprogress  = 115
	econnrefused = 111
	afInet       = 2
	afInet6      = 10
	afUnix       = 1
	sockStream   = 1
	sockDgram    = 2
)

// nonEmpty returns s, or "unknown" for "" (a required name).
func nonEmpty(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}

func argNum(ev *event.Event, name string) (int64, bool) {
	a, ok := ev.Syscall.Arg(name)
	return a.Num, ok
}

func argStr(ev *event.Event, name string) string {
	a, _ := ev.Syscall.Arg(name)
	return a.Str
}

// fdPath is the path of the event's descriptor, else the named argument.
func fdPath(ev *event.Event, arg string) string {
	if ev.Syscall != nil && ev.Syscall.FD != nil && ev.Syscall.FD.Name != "" {
		return ev.Syscall.FD.Name
	}
	if arg == "" {
		return ""
	}
	return argStr(ev, arg)
}

// describe maps an event to its OCSF view.
func describe(ev *event.Event) view {
	v := view{status: statusOf(ev), target: targetSelf}
	t := ev.Type
	switch {
	case t.IsExec():
		v.act = act(classProcess, procLaunch)
		if ev.Syscall != nil && ev.Syscall.Res < 0 {
			// The caller is the actor; the program it tried is the target.
			v.target = targetFailed
			if ev.Exec != nil {
				v.execFile = ev.Exec.Filename
			}
		} else {
			v.actorIsParent = true
		}
	case t.IsClone():
		if ev.Clone != nil && ev.Clone.Thread {
			v.act = other(classProcess, "Create Thread")
		} else {
			v.act = act(classProcess, procLaunch)
			v.actorIsParent = true
		}
	case t == event.TypeProcExit:
		v.act = act(classProcess, procTerminate)
		if ev.Exit != nil && ev.Exit.Signal == 0 {
			v.exitCode, v.hasExitCode = int64(ev.Exit.Code), true
		}
	case t == event.TypeDrop:
		v.act = other(classBase, "Drop")
		v.target = targetNone
	case t == event.TypeEnforce:
		v.act = other(classProcess, "Vigil Enforcement")
	case ev.Syscall == nil:
		v.act = other(classProcess, t.String())
	case t.IsOpen():
		describeOpen(ev, &v)
	case t.IsPathOp():
		describePathOp(ev, &v)
	case t.IsPathPair():
		describePathPair(ev, &v)
	case t.IsAttrChange():
		v.act = act(classFileSystem, fileSetSecurity)
		arg := "path"
		switch t {
		case event.TypeChmod, event.TypeFchmodat:
			arg = "filename"
		case event.TypeFchownat:
			arg = "pathname"
		case event.TypeFchmod, event.TypeFchown:
			arg = ""
		}
		v.file = fileView{set: true, path: fdPath(ev, arg), typeID: fileTypeUnknown}
		if fd := ev.Syscall.FD; fd != nil {
			v.file.typeID = fdFileType(fd.Type)
		}
	case t.IsNet():
		describeNet(ev, &v)
	default:
		describeMisc(ev, &v)
	}
	return v
}

func describeOpen(ev *event.Event, v *view) {
	s := ev.Syscall
	flags, _ := argNum(ev, "flags")
	v.accessMask, v.hasMask = flags, true
	v.file = fileView{set: true, path: fdPath(ev, "name"), typeID: fileTypeRegular}
	if fd := s.FD; fd != nil {
		v.file.typeID = fdFileType(fd.Type)
		v.file.dev, v.file.ino = fd.Dev, fd.Ino
		if s.Res < 0 {
			v.file.typeID = fileTypeUnknown
		}
	}
	switch {
	case ev.Type == event.TypeCreat || flags&oCreat != 0:
		v.act = act(classFileSystem, fileCreate)
	case v.file.typeID == fileTypeFolder:
		v.act = act(classFileSystem, fileOpen)
	case flags&oAccMode != 0 || flags&oTrunc != 0:
		v.act = act(classFileSystem, fileUpdate)
	default:
		v.act = act(classFileSystem, fileRead)
	}
}

func describePathOp(ev *event.Event, v *view) {
	switch ev.Type {
	case event.TypeMkdir, event.TypeMkdirat:
		v.act = act(classFileSystem, fileCreate)
		v.file = fileView{set: true, path: argStr(ev, "path"), typeID: fileTypeFolder}
	case event.TypeRmdir:
		v.act = act(classFileSystem, fileDelete)
		v.file = fileView{set: true, path: argStr(ev, "path"), typeID: fileTypeFolder}
	case event.TypeUnlinkat:
		v.act = act(classFileSystem, fileDelete)
		v.file = fileView{set: true, path: argStr(ev, "name"), typeID: fileTypeUnknown}
		if flags, _ := argNum(ev, "flags"); flags&atRemoveDir != 0 {
			v.file.typeID = fileTypeFolder
		}
	default: // unlink
		v.act = act(classFileSystem, fileDelete)
		v.file = fileView{set: true, path: argStr(ev, "path"), typeID: fileTypeUnknown}
	}
}

func describePathPair(ev *event.Event, v *view) {
	switch ev.Type {
	case event.TypeRename, event.TypeRenameat, event.TypeRenameat2:
		v.act = act(classFileSystem, fileRename)
		v.file = fileView{set: true, path: argStr(ev, "oldpath"), typeID: fileTypeUnknown}
		v.fileResult = fileView{set: true, path: argStr(ev, "newpath"), typeID: fileTypeUnknown}
	case event.TypeSymlink, event.TypeSymlinkat:
		v.act = act(classFileSystem, fileCreate)
		v.file = fileView{set: true, path: argStr(ev, "linkpath"), typeID: fileTypeSymlink}
		v.linkTarget = argStr(ev, "target")
	default: // link, linkat: a new name for an existing file
		v.act = act(classFileSystem, fileCreate)
		v.file = fileView{set: true, path: argStr(ev, "newpath"), typeID: fileTypeRegular}
		v.linkTarget = argStr(ev, "oldpath")
	}
}

// sockOf returns the event's socket, nil when it has none.
func sockOf(ev *event.Event) *event.Socket {
	if ev.Syscall == nil || ev.Syscall.FD == nil {
		return nil
	}
	return ev.Syscall.FD.Sock
}

func connOf(s *event.Socket, direction int64) connView {
	c := connView{set: true, direction: direction}
	switch s.Family {
	case afInet:
		c.ipVersion = 4
	case afInet6:
		c.ipVersion = 6
	}
	proto := int64(s.Proto)
	if proto == 0 && c.ipVersion != 0 {
		switch s.Type {
		case sockStream:
			proto = 6
		case sockDgram:
			proto = 17
		}
	}
	switch {
	case s.Family == afUnix:
		c.protoNum = -1 // not an IANA protocol
	case proto != 0:
		c.protoNum = proto
		c.protoName = protoNames[proto]
	}
	c.localhost = s.Remote.IsValid() && s.Remote.Addr().Unmap().IsLoopback()
	return c
}

var protoNames = map[int64]string{1: "icmp", 6: "tcp", 17: "udp", 58: "ipv6-icmp", 132: "sctp"}

func describeNet(ev *event.Event, v *view) {
	s := sockOf(ev)
	if s == nil {
		v.act = other(classProcess, ev.Type.String())
		return
	}
	res := ev.Syscall.Res
	local := ep(s.Local, "")
	remote := ep(s.Remote, "")
	if s.Family == afUnix {
		// A unix socket has one name, its path: the server's end.
		named := ep(netip.AddrPort{}, s.Path)
		if s.Role == event.RoleServer || ev.Type == event.TypeBind || ev.Type == event.TypeListen {
			local, remote = named, endpointView{}
		} else {
			local, remote = endpointView{}, named
		}
	}
	outbound := func() {
		v.src, v.dst = local, remote
		v.conn = connOf(s, 2)
	}
	inbound := func() {
		v.src, v.dst = remote, local
		v.conn = connOf(s, 1)
	}
	switch ev.Type {
	case event.TypeConnect:
		outbound()
		switch {
		case res >= 0 || res == -einprogress:
			v.act = act(classNetwork, netOpen)
		case res == -econnrefused:
			v.act = act(classNetwork, netRefuse)
		default:
			v.act = act(classNetwork, netFail)
		}
	case event.TypeAccept, event.TypeAccept4:
		inbound()
		if res >= 0 {
			v.act = act(classNetwork, netOpen)
		} else {
			v.act = act(classNetwork, netFail)
		}
	case event.TypeBind:
		v.dst = local
		v.conn = connOf(s, 1)
		v.act = other(classNetwork, "Bind")
	case event.TypeListen:
		v.dst = local
		v.conn = connOf(s, 1)
		v.act = act(classNetwork, netListen)
	case event.TypeSendto, event.TypeSendmsg:
		outbound()
		v.act = act(classNetwork, netTraffic)
		if res > 0 {
			v.bytesOut = res
		}
	case event.TypeRecvfrom, event.TypeRecvmsg:
		inbound()
		v.act = act(classNetwork, netTraffic)
		if res > 0 {
			v.bytesIn = res
		}
	default: // socket, dup*: a descriptor, not a connection
		if s.Role == event.RoleServer {
			inbound()
		} else {
			outbound()
		}
		v.act = other(classNetwork, ev.Type.String())
	}
	if !v.dst.set {
		// Network Activity needs dst_endpoint: without an address the
		// call is described as the process's own activity.
		v.act = other(classProcess, ev.Type.String())
		v.src, v.dst, v.conn = endpointView{}, endpointView{}, connView{}
		v.bytesIn, v.bytesOut = 0, 0
	}
}

// ptrace requests.
const (
	ptraceTraceMe   = 0
	ptracePokeText  = 4
	ptracePokeData  = 5
	ptracePokeUser  = 6
	ptraceSetRegs   = 13
	ptraceSetFPRegs = 15
	ptraceAttach    = 16
	ptraceSetRegSet = 0x4205
	ptraceSeize     = 0x4206
)

func describeMisc(ev *event.Event, v *view) {
	switch ev.Type {
	case event.TypePtrace:
		req, _ := argNum(ev, "request")
		pid, _ := argNum(ev, "pid")
		switch req {
		case ptraceAttach, ptraceSeize:
			v.act = act(classProcess, procOpen)
		case ptracePokeText, ptracePokeData, ptracePokeUser, ptraceSetRegs, ptraceSetFPRegs, ptraceSetRegSet:
			v.act = act(classProcess, procInject)
			v.injection = "ptrace"
		default:
			v.act = other(classProcess, "ptrace")
		}
		if req != ptraceTraceMe {
			v.target, v.targetPID = targetPID, pid
		}
	case event.TypeSetuid, event.TypeSetresuid, event.TypeSetreuid:
		v.act = act(classProcess, procSetUserID)
	case event.TypeKill, event.TypeTkill, event.TypeTgkill:
		sig, _ := argNum(ev, "sig")
		if sig == sigKill || sig == sigTerm {
			v.act = act(classProcess, procTerminate)
		} else {
			v.act = other(classProcess, "Signal")
		}
		arg := "pid"
		if ev.Type == event.TypeTkill {
			arg = "tid"
		}
		v.targetPID, _ = argNum(ev, arg)
		v.target = targetPID
	case event.TypeInitModule, event.TypeFinitModule:
		v.act = act(classKernelExtension, kextLoad)
		v.driver = fileView{set: true, path: fdPath(ev, ""), typeID: fileTypeRegular}
		if v.driver.path == "" {
			// init_module loads an image from memory: no file.
			v.driver = fileView{set: true, name: "(memory)", typeID: fileTypeUnknown}
		}
		v.target = targetNone
	case event.TypeDeleteModule:
		v.act = act(classKernelExtension, kextUnload)
		v.driver = fileView{set: true, name: nonEmpty(argStr(ev, "name")), typeID: fileTypeUnknown}
		v.target = targetNone
	case event.TypeMprotect:
		v.act = act(classMemory, memModifyPage)
		addr, _ := argNum(ev, "addr")
		size, _ := argNum(ev, "len")
		prot, _ := argNum(ev, "prot")
		v.memBase, v.memSize, v.memPerms, v.hasMem = uint64(addr), uint64(size), prot, true
	case event.TypeMmap:
		flags, _ := argNum(ev, "flags")
		if flags&mapAnonymous != 0 {
			v.act = act(classMemory, memAllocatePage)
		} else {
			v.act = act(classMemory, memMapView)
		}
		addr, _ := argNum(ev, "addr")
		if res := ev.Syscall.Res; res > 0 || res < -4095 {
			addr = res // the mapping's address
		}
		size, _ := argNum(ev, "length")
		prot, _ := argNum(ev, "prot")
		v.memBase, v.memSize, v.memPerms, v.hasMem = uint64(addr), uint64(size), prot, true
		if fd := ev.Syscall.FD; fd != nil && fd.Name != "" {
			v.file = fileView{set: true, path: fd.Name, typeID: fdFileType(fd.Type)}
		}
	case event.TypeMount:
		v.act = act(classFileSystem, fileMount)
		v.file = fileView{set: true, path: argStr(ev, "dir"), typeID: fileTypeFolder}
	case event.TypeUmount2:
		v.act = act(classFileSystem, fileUnmount)
		v.file = fileView{set: true, path: argStr(ev, "name"), typeID: fileTypeFolder}
	case event.TypeMemfdCreate:
		v.act = act(classFileSystem, fileCreate)
		v.file = fileView{set: true, name: argStr(ev, "name"), memfd: true, typeID: fileTypeRegular}
	default:
		v.act = other(classProcess, ev.Type.String())
	}
}
