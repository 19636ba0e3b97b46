package kernel

import (
	"encoding/binary"
	"path"
	"strings"
	"unsafe"

	"github.com/vigil-sec/vigil/internal/event"
)

// openSize is the fixed part of an open-family record.
const openSize = int(unsafe.Sizeof(syscallsVigilOpen{}))

// Open-family constants: record flags and system calls from the generated
// types, inode modes from the kernel's ABI.
const (
	flagFDPath     = uint32(processVigilFlagsVIGIL_F_FD_PATH)
	flagBasePath   = uint32(processVigilFlagsVIGIL_F_BASE_PATH)
	flagPathTrunc  = uint32(processVigilFlagsVIGIL_F_PATH_TRUNC)
	flagPathPseudo = uint32(processVigilFlagsVIGIL_F_PATH_PSEUDO)
	flagFKey       = uint32(processVigilFlagsVIGIL_F_FKEY)

	scOpen     = uint32(processVigilSyscallVIGIL_SC_OPEN)
	scOpenat   = uint32(processVigilSyscallVIGIL_SC_OPENAT)
	scOpenat2  = uint32(processVigilSyscallVIGIL_SC_OPENAT2)
	scCreat    = uint32(processVigilSyscallVIGIL_SC_CREAT)
	scUnlink   = uint32(processVigilSyscallVIGIL_SC_UNLINK)
	scUnlinkat = uint32(processVigilSyscallVIGIL_SC_UNLINKAT)
	scMkdir    = uint32(processVigilSyscallVIGIL_SC_MKDIR)
	scMkdirat  = uint32(processVigilSyscallVIGIL_SC_MKDIRAT)
	scRmdir    = uint32(processVigilSyscallVIGIL_SC_RMDIR)

	sIFMT  = 0o170000
	sIFDIR = 0o040000
)

// decodeSyscall dispatches a syscall record on its syscall number.
func (d *Decoder) decodeSyscall(raw []byte) (*event.Event, error) {
	if len(raw) < taskSize+4 {
		return nil, malformed("syscall record of %d bytes has no syscall number", len(raw))
	}
	sc := binary.NativeEndian.Uint32(raw[taskSize:])
	k, ok := kindOfSyscall(sc)
	if !ok {
		return nil, malformed("syscall record of unknown syscall %d", sc)
	}
	return k.decode(d, raw, k.typ)
}

// openSections checks an open-family record (open or path operation) and
// returns its fixed part, the name as passed and the path components.
func openSections(raw []byte) (*syscallsVigilOpen, string, string, error) {
	if len(raw) < openSize {
		return nil, "", "", malformed("open record of %d bytes, want at least %d", len(raw), openSize)
	}
	o := record[syscallsVigilOpen](raw)
	data := raw[openSize:]
	need := int(o.NameLen) + int(o.PathLen)
	if need > len(data) {
		return nil, "", "", malformed("open record: sections need %d bytes, %d present", need, len(data))
	}
	all := string(data[:need])
	name, comps := all[:o.NameLen], all[o.NameLen:]
	if i := strings.IndexByte(name, 0); i >= 0 {
		name = name[:i]
	}
	return o, name, comps, nil
}

func (d *Decoder) decodeOpen(raw []byte, typ event.Type) (*event.Event, error) {
	o, name, comps, err := openSections(raw)
	if err != nil {
		return nil, err
	}
	// One allocation for the event and its details.
	a := d.opens.get()
	ev := &a.ev
	d.fillTask(ev, (*processVigilTask)(unsafe.Pointer(&o.Task)), typ)
	f := o.Task.Flags

	trunc := f&flagPathTrunc != 0
	fd := &a.fd
	*fd = event.FD{Num: o.Ret, Type: event.FDFile, NameRaw: name, Dev: o.Dev, Ino: o.Ino}
	if f&flagFDPath != 0 {
		// The kernel's path of the file it opened.
		fd.Name = joinPath(comps, trunc)
		switch {
		case o.I_mode&sIFMT == sIFDIR:
			fd.Type = event.FDDirectory
		case f&flagPathPseudo != 0 && strings.HasPrefix(fd.Name, "/memfd:"):
			fd.Type = event.FDMemfd
		}
	} else {
		fd.Name = resolveName(name, comps, f&flagBasePath != 0, trunc)
	}

	dev := event.Arg{Name: "dev", Kind: event.ArgUint, Num: int64(o.Dev)}
	ino := event.Arg{Name: "ino", Kind: event.ArgUint, Num: int64(o.Ino)}
	fdArg := event.Arg{Name: "fd", Kind: event.ArgFD, Num: o.Ret}
	nameArg := event.Arg{Name: "name", Kind: event.ArgPath, Str: name}
	flags := event.Arg{Name: "flags", Kind: event.ArgOpenFlags, Num: int64(o.Flags)}
	// As passed: Falco's encoding (0 unless O_CREAT or O_TMPFILE, then the
	// permission bits) is the renderer's, as for the flags.
	mode := event.Arg{Name: "mode", Kind: event.ArgMode, Num: int64(o.Mode)}
	dirfd := event.Arg{Name: "dirfd", Kind: event.ArgFD, Num: int64(o.Dirfd)}
	// Falco's exit-event parameters, in its order.
	args := a.args[:0:len(a.args)]
	switch typ {
	case event.TypeOpen:
		args = append(args, fdArg, nameArg, flags, mode, dev, ino)
	case event.TypeOpenat:
		args = append(args, fdArg, dirfd, nameArg, flags, mode, dev, ino)
	case event.TypeOpenat2:
		resolve := event.Arg{Name: "resolve", Kind: event.ArgResolve, Num: int64(o.Resolve)}
		args = append(args, fdArg, dirfd, nameArg, flags, mode, resolve, dev, ino)
	default:
		args = append(args, fdArg, nameArg, mode, dev, ino)
	}
	a.sc = event.Syscall{Res: o.Ret, Args: args, FD: fd}
	ev.Syscall = &a.sc
	return ev, nil
}

// openAlloc holds an open-family event and its details, allocated at once.
type openAlloc struct {
	ev   event.Event
	sc   event.Syscall
	fd   event.FD
	args [8]event.Arg // the most any open-family call has (openat2)
}

// resolveName makes the name a failed call was given absolute, from the
// directory it is relative to (components from the kernel, leaf first).
// Without that directory a relative name stays as it is.
func resolveName(name, base string, haveBase, baseTrunc bool) string {
	switch {
	case name == "":
		return ""
	case name[0] == '/':
		return path.Clean(name)
	case haveBase:
		return path.Clean(joinPath(base, baseTrunc) + "/" + name)
	}
	return name
}

// decodePathOp decodes a path operation (unlink, unlinkat, mkdir, mkdirat,
// rmdir): an open record without an fd. The path argument is the name
// resolved against the base directory the kernel reported when relative
// (as Falco resolves its FSRELPATH parameters), else the name as passed,
// cleaned when absolute.
func (d *Decoder) decodePathOp(raw []byte, typ event.Type) (*event.Event, error) {
	o, name, comps, err := openSections(raw)
	if err != nil {
		return nil, err
	}
	a := new(pathOpAlloc)
	ev := &a.ev
	d.fillTask(ev, (*processVigilTask)(unsafe.Pointer(&o.Task)), typ)
	f := o.Task.Flags
	resolved := resolveName(name, comps, f&flagBasePath != 0, f&flagPathTrunc != 0)

	res := event.Arg{Name: "res", Kind: event.ArgErrno, Num: o.Ret}
	dirfd := event.Arg{Name: "dirfd", Kind: event.ArgFD, Num: int64(o.Dirfd)}
	pathArg := event.Arg{Name: "path", Kind: event.ArgPath, Str: resolved}
	mode := event.Arg{Name: "mode", Kind: event.ArgMode, Num: int64(o.Mode)}
	// Falco's exit-event parameters, in its order.
	args := a.args[:0:len(a.args)]
	switch typ {
	case event.TypeUnlink, event.TypeRmdir:
		args = append(args, res, pathArg)
	case event.TypeUnlinkat:
		pathArg.Name = "name"
		flags := event.Arg{Name: "flags", Kind: event.ArgUint, Num: int64(o.Flags)}
		args = append(args, res, dirfd, pathArg, flags)
	case event.TypeMkdir:
		args = append(args, res, pathArg, mode)
	default:
		args = append(args, res, dirfd, pathArg, mode)
	}
	a.sc = event.Syscall{Res: o.Ret, Args: args}
	ev.Syscall = &a.sc
	return ev, nil
}

// pathOpAlloc holds a path-operation event and its details, allocated at
// once.
type pathOpAlloc struct {
	ev   event.Event
	sc   event.Syscall
	args [4]event.Arg // the most any path operation has (unlinkat, mkdirat)
}
