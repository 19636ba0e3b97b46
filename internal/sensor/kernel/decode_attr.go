package kernel

import (
	"strings"
	"unsafe"

	"github.com/vigil-sec/vigil/internal/event"
)

// Attribute-change system calls (chmod and chown families).
const (
	scChmod    = uint32(processVigilSyscallVIGIL_SC_CHMOD)
	scFchmod   = uint32(processVigilSyscallVIGIL_SC_FCHMOD)
	scFchmodat = uint32(processVigilSyscallVIGIL_SC_FCHMODAT)
	scChown    = uint32(processVigilSyscallVIGIL_SC_CHOWN)
	scLchown   = uint32(processVigilSyscallVIGIL_SC_LCHOWN)
	scFchown   = uint32(processVigilSyscallVIGIL_SC_FCHOWN)
	scFchownat = uint32(processVigilSyscallVIGIL_SC_FCHOWNAT)
)

// decodeAttr decodes an attribute change: an open record. The path-based
// calls (chmod, fchmodat, chown, lchown, fchownat) are path operations: the
// path argument is the name resolved against the base directory the kernel
// reported when relative, else the name as passed, cleaned when absolute.
// fchmod and fchown carry the fd argument in dirfd and its file's path,
// device, inode and mode as an opened file's: the event has an FD.
func (d *Decoder) decodeAttr(raw []byte, typ event.Type) (*event.Event, error) {
	o, name, comps, err := openSections(raw)
	if err != nil {
		return nil, err
	}
	a := new(attrAlloc)
	ev := &a.ev
	d.fillTask(ev, (*processVigilTask)(unsafe.Pointer(&o.Task)), typ)
	f := o.Task.Flags
	trunc := f&flagPathTrunc != 0

	res := event.Arg{Name: "res", Kind: event.ArgErrno, Num: o.Ret}
	dirfd := event.Arg{Name: "dirfd", Kind: event.ArgFD, Num: int64(o.Dirfd)}
	mode := event.Arg{Name: "mode", Kind: event.ArgMode, Num: int64(o.Mode)}
	uid := event.Arg{Name: "uid", Kind: event.ArgUint, Num: int64(o.Uid)}
	gid := event.Arg{Name: "gid", Kind: event.ArgUint, Num: int64(o.Gid)}
	var fd *event.FD
	if typ == event.TypeFchmod || typ == event.TypeFchown {
		fd = &a.fd
		*fd = event.FD{Num: int64(o.Dirfd), Type: event.FDFile, Dev: o.Dev, Ino: o.Ino}
		if f&flagFDPath != 0 {
			fd.Name = joinPath(comps, trunc)
			switch {
			case o.I_mode&sIFMT == sIFDIR:
				fd.Type = event.FDDirectory
			case f&flagPathPseudo != 0 && strings.HasPrefix(fd.Name, "/memfd:"):
				fd.Type = event.FDMemfd
			}
		}
		dirfd.Name = "fd"
	}
	pathArg := event.Arg{Name: "path", Kind: event.ArgPath}
	if fd == nil {
		pathArg.Str = resolveName(name, comps, f&flagBasePath != 0, trunc)
	}
	// Falco's exit-event parameters, in its order.
	args := a.args[:0:len(a.args)]
	switch typ {
	case event.TypeChmod:
		pathArg.Name = "filename"
		args = append(args, res, pathArg, mode)
	case event.TypeFchmod:
		args = append(args, res, dirfd, mode)
	case event.TypeFchmodat:
		pathArg.Name = "filename"
		args = append(args, res, dirfd, pathArg, mode)
	case event.TypeChown, event.TypeLchown:
		args = append(args, res, pathArg, uid, gid)
	case event.TypeFchown:
		args = append(args, res, dirfd, uid, gid)
	default:
		pathArg.Name = "pathname"
		flags := event.Arg{Name: "flags", Kind: event.ArgUint, Num: int64(o.Flags)}
		args = append(args, res, dirfd, pathArg, uid, gid, flags)
	}
	a.sc = event.Syscall{Res: o.Ret, Args: args, FD: fd}
	ev.Syscall = &a.sc
	return ev, nil
}

// attrAlloc holds an attribute-change event and its details, allocated at
// once.
type attrAlloc struct {
	ev   event.Event
	sc   event.Syscall
	fd   event.FD
	args [6]event.Arg // the most any attribute change has (fchownat)
}
