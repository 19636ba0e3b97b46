package kernel

import (
	"strings"
	"unsafe"

	"github.com/vigil-sec/vigil/internal/event"
)

// path2Size is the fixed part of a path-pair record.
const path2Size = int(unsafe.Sizeof(syscallsVigilPath2{}))

// Path-pair constants: record flags and system calls from the generated
// types.
const (
	flagOldBase  = uint32(processVigilFlagsVIGIL_F_OLD_BASE)
	flagOldTrunc = uint32(processVigilFlagsVIGIL_F_OLD_TRUNC)
	flagNewBase  = uint32(processVigilFlagsVIGIL_F_NEW_BASE)
	flagNewTrunc = uint32(processVigilFlagsVIGIL_F_NEW_TRUNC)

	scRename    = uint32(processVigilSyscallVIGIL_SC_RENAME)
	scRenameat  = uint32(processVigilSyscallVIGIL_SC_RENAMEAT)
	scRenameat2 = uint32(processVigilSyscallVIGIL_SC_RENAMEAT2)
	scLink      = uint32(processVigilSyscallVIGIL_SC_LINK)
	scLinkat    = uint32(processVigilSyscallVIGIL_SC_LINKAT)
	scSymlink   = uint32(processVigilSyscallVIGIL_SC_SYMLINK)
	scSymlinkat = uint32(processVigilSyscallVIGIL_SC_SYMLINKAT)
)

// nulCut cuts s at its first NUL.
func nulCut(s string) string {
	if i := strings.IndexByte(s, 0); i >= 0 {
		return s[:i]
	}
	return s
}

// decodePath2 decodes a path pair (rename, renameat, renameat2, link,
// linkat, symlink, symlinkat). Each path argument is the name resolved
// against the base directory the kernel reported when relative (as Falco
// resolves its FSRELPATH parameters), else the name as passed, cleaned when
// absolute; a symlink's target is the link's content, kept as written.
func (d *Decoder) decodePath2(raw []byte, typ event.Type) (*event.Event, error) {
	if len(raw) < path2Size {
		return nil, malformed("path pair record of %d bytes, want at least %d", len(raw), path2Size)
	}
	p := record[syscallsVigilPath2](raw)
	data := raw[path2Size:]
	need := int(p.OldLen) + int(p.NewLen) + int(p.OldbaseLen) + int(p.NewbaseLen)
	if need > len(data) {
		return nil, malformed("path pair record: sections need %d bytes, %d present", need, len(data))
	}
	all := string(data[:need])
	oldName, all := nulCut(all[:p.OldLen]), all[p.OldLen:]
	newName, all := nulCut(all[:p.NewLen]), all[p.NewLen:]
	oldBase, newBase := all[:p.OldbaseLen], all[p.OldbaseLen:]

	a := new(path2Alloc)
	ev := &a.ev
	d.fillTask(ev, (*processVigilTask)(unsafe.Pointer(&p.Task)), typ)
	f := p.Task.Flags
	newPath := resolveName(newName, newBase, f&flagNewBase != 0, f&flagNewTrunc != 0)

	res := event.Arg{Name: "res", Kind: event.ArgErrno, Num: p.Ret}
	oldArg := event.Arg{Name: "oldpath", Kind: event.ArgPath}
	newArg := event.Arg{Name: "newpath", Kind: event.ArgPath, Str: newPath}
	olddir := event.Arg{Name: "olddirfd", Kind: event.ArgFD, Num: int64(p.Olddirfd)}
	newdir := event.Arg{Name: "newdirfd", Kind: event.ArgFD, Num: int64(p.Newdirfd)}
	flags := event.Arg{Name: "flags", Kind: event.ArgUint, Num: int64(p.Flags)}
	if typ == event.TypeSymlink || typ == event.TypeSymlinkat {
		// The target is the link's content: as written, not even cleaned
		// (a symlink's text is resolved relative to the link, later).
		oldArg.Str = oldName
	} else {
		oldArg.Str = resolveName(oldName, oldBase, f&flagOldBase != 0, f&flagOldTrunc != 0)
	}
	// Falco's exit-event parameters, in its order.
	args := a.args[:0:len(a.args)]
	switch typ {
	case event.TypeRename, event.TypeLink:
		args = append(args, res, oldArg, newArg)
	case event.TypeRenameat:
		args = append(args, res, olddir, oldArg, newdir, newArg)
	case event.TypeRenameat2:
		args = append(args, res, olddir, oldArg, newdir, newArg, flags)
	case event.TypeLinkat:
		olddir.Name, newdir.Name = "olddir", "newdir"
		args = append(args, res, olddir, oldArg, newdir, newArg, flags)
	case event.TypeSymlink:
		oldArg.Name, newArg.Name = "target", "linkpath"
		args = append(args, res, oldArg, newArg)
	default:
		oldArg.Name, newArg.Name, newdir.Name = "target", "linkpath", "linkdirfd"
		args = append(args, res, oldArg, newdir, newArg)
	}
	a.sc = event.Syscall{Res: p.Ret, Args: args}
	ev.Syscall = &a.sc
	return ev, nil
}

// path2Alloc holds a path-pair event and its details, allocated at once.
type path2Alloc struct {
	ev   event.Event
	sc   event.Syscall
	args [6]event.Arg // the most any path pair has (renameat2, linkat)
}
