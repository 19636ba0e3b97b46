package kernel

import (
	"strconv"
	"strings"
	"unsafe"

	"github.com/vigil-sec/vigil/internal/event"
)

// genericSize is the fixed part of a generic record.
const genericSize = int(unsafe.Sizeof(miscVigilGeneric{}))

// Values of the generic record's per-call fields (bpf/misc.bpf.c).
const (
	mapAnonymous = 0x20 // MAP_ANONYMOUS
	prSetName    = 15   // PR_SET_NAME
	prGetName    = 16   // PR_GET_NAME
)

// genericSections checks a generic record and returns its fixed part and
// its three string sections: user strings cut at their NUL, kernel path
// components (bit i of kpath) joined into a path.
func genericSections(raw []byte) (*miscVigilGeneric, [3]string, error) {
	var secs [3]string
	if len(raw) < genericSize {
		return nil, secs, malformed("generic record of %d bytes, want at least %d", len(raw), genericSize)
	}
	g := record[miscVigilGeneric](raw)
	data := raw[genericSize:]
	need := int(g.StrLen[0]) + int(g.StrLen[1]) + int(g.StrLen[2])
	if need > len(data) {
		return nil, secs, malformed("generic record: sections need %d bytes, %d present", need, len(data))
	}
	all := string(data[:need])
	trunc := g.Task.Flags&flagPathTrunc != 0
	for i, n := range g.StrLen {
		s := all[:n]
		all = all[n:]
		if g.Kpath&(1<<i) != 0 {
			secs[i] = joinPath(s, trunc)
			continue
		}
		if j := strings.IndexByte(s, 0); j >= 0 {
			s = s[:j]
		}
		secs[i] = s
	}
	return g, secs, nil
}

// decodeMisc decodes a generic record: a privilege, namespace, module,
// memory, signal or prctl call, or a failed exec. The arguments follow
// docs/dev/issue4-contract.md (Falco's exit-event parameters, in its
// order); finit_module, setns and mmap of a file have an FD.
func (d *Decoder) decodeMisc(raw []byte, typ event.Type) (*event.Event, error) {
	g, sec, err := genericSections(raw)
	if err != nil {
		return nil, err
	}
	a := d.miscs.get()
	ev := &a.ev
	d.fillTask(ev, (*processVigilTask)(unsafe.Pointer(&g.Task)), typ)
	raw6 := g.Args
	num := func(name string, kind event.ArgKind, v int64) event.Arg {
		return event.Arg{Name: name, Kind: kind, Num: v}
	}
	str := func(name string, kind event.ArgKind, s string) event.Arg {
		return event.Arg{Name: name, Kind: kind, Str: s}
	}
	// Narrow C types: int and pid_t are signed 32-bit, uid_t and gid_t
	// unsigned 32-bit.
	i32 := func(i int) int64 { return int64(int32(raw6[i])) }
	u32 := func(i int) int64 { return int64(uint32(raw6[i])) }
	u64 := func(i int) int64 { return int64(raw6[i]) }

	res := num("res", event.ArgErrno, g.Ret)
	args := a.args[:0:len(a.args)]
	var fd *event.FD
	switch typ {
	case event.TypePtrace:
		args = append(args, res, num("addr", event.ArgHex, u64(2)), num("data", event.ArgHex, u64(3)),
			num("request", event.ArgPtraceReq, u64(0)), num("pid", event.ArgInt, i32(1)))
	case event.TypeInitModule:
		args = append(args, res, num("length", event.ArgUint, u64(1)), str("uargs", event.ArgString, sec[0]))
	case event.TypeFinitModule:
		fd = &a.fd
		*fd = event.FD{Num: i32(0), Type: event.FDFile, Name: sec[1]}
		args = append(args, res, num("fd", event.ArgFD, i32(0)), str("uargs", event.ArgString, sec[0]),
			num("flags", event.ArgModuleFlags, u32(2)))
	case event.TypeDeleteModule:
		args = append(args, res, str("name", event.ArgString, sec[0]), num("flags", event.ArgModuleFlags, u32(1)))
	case event.TypeSetuid:
		args = append(args, res, num("uid", event.ArgUID, u32(0)))
	case event.TypeSetgid:
		args = append(args, res, num("gid", event.ArgGID, u32(0)))
	case event.TypeSetresuid:
		args = append(args, res, num("ruid", event.ArgUID, u32(0)), num("euid", event.ArgUID, u32(1)),
			num("suid", event.ArgUID, u32(2)))
	case event.TypeSetresgid:
		args = append(args, res, num("rgid", event.ArgGID, u32(0)), num("egid", event.ArgGID, u32(1)),
			num("sgid", event.ArgGID, u32(2)))
	case event.TypeSetreuid:
		args = append(args, res, num("ruid", event.ArgUID, u32(0)), num("euid", event.ArgUID, u32(1)))
	case event.TypeSetregid:
		args = append(args, res, num("rgid", event.ArgGID, u32(0)), num("egid", event.ArgGID, u32(1)))
	case event.TypeCapset:
		// extra: effective, permitted, inheritable as the caller passed them
		args = append(args, res, num("cap_inheritable", event.ArgCapSet, int64(g.Extra[2])),
			num("cap_permitted", event.ArgCapSet, int64(g.Extra[1])),
			num("cap_effective", event.ArgCapSet, int64(g.Extra[0])))
	case event.TypeSetns:
		fd = &a.fd
		*fd = event.FD{Num: i32(0), Type: event.FDFile, Name: sec[0]}
		if g.Extra[1] == 1 && g.Kpath&1 == 0 {
			// a namespace file: named as readlink(2) names it
			fd.Type = event.FDUnknown
			fd.Name = sec[0] + ":[" + strconv.FormatUint(g.Extra[0], 10) + "]"
		}
		args = append(args, res, num("fd", event.ArgFD, i32(0)), num("nstype", event.ArgCloneFlags, u32(1)))
	case event.TypeUnshare:
		args = append(args, res, num("flags", event.ArgCloneFlags, u32(0)))
	case event.TypeMount:
		args = append(args, res, str("dev", event.ArgString, sec[0]), str("dir", event.ArgPath, sec[1]),
			str("type", event.ArgString, sec[2]), num("flags", event.ArgMountFlags, u64(3)))
	case event.TypeUmount2:
		args = append(args, res, str("name", event.ArgPath, sec[0]), num("flags", event.ArgUmountFlags, u32(1)))
	case event.TypePivotRoot:
		args = append(args, res, str("new_root", event.ArgPath, sec[0]), str("put_old", event.ArgPath, sec[1]))
	case event.TypeChroot:
		args = append(args, res, str("path", event.ArgPath, sec[0]))
	case event.TypeBpf:
		args = append(args, num("res", event.ArgInt, g.Ret), num("cmd", event.ArgBpfCmd, u32(0)))
	case event.TypeMemfdCreate:
		args = append(args, num("fd", event.ArgFD, g.Ret), str("name", event.ArgString, sec[0]),
			num("flags", event.ArgMemfdFlags, u32(1)))
	case event.TypeMprotect:
		args = append(args, res, num("addr", event.ArgHex, u64(0)), num("len", event.ArgUint, u64(1)),
			num("prot", event.ArgProt, u64(2)))
	case event.TypeMmap:
		if i32(4) >= 0 && raw6[3]&mapAnonymous == 0 {
			fd = &a.fd
			*fd = event.FD{Num: i32(4), Type: event.FDFile, Name: sec[0]}
			if g.Task.Flags&flagPathPseudo != 0 && strings.HasPrefix(sec[0], "/memfd:") {
				fd.Type = event.FDMemfd
			}
		}
		args = append(args, num("res", event.ArgHex, g.Ret), num("addr", event.ArgHex, u64(0)),
			num("length", event.ArgUint, u64(1)), num("prot", event.ArgProt, u64(2)),
			num("flags", event.ArgMmapFlags, u64(3)), num("fd", event.ArgFD, i32(4)),
			num("offset", event.ArgUint, u64(5)))
	case event.TypeUserfaultfd:
		args = append(args, num("res", event.ArgFD, g.Ret), num("flags", event.ArgFlags, u32(0)))
	case event.TypeKill:
		args = append(args, res, num("pid", event.ArgInt, i32(0)), num("sig", event.ArgSignal, i32(1)))
	case event.TypeTkill:
		args = append(args, res, num("tid", event.ArgInt, i32(0)), num("sig", event.ArgSignal, i32(1)))
	case event.TypeTgkill:
		args = append(args, res, num("pid", event.ArgInt, i32(0)), num("tid", event.ArgInt, i32(1)),
			num("sig", event.ArgSignal, i32(2)))
	case event.TypePrctl:
		// arg2 is either a string (PR_SET_NAME, PR_GET_NAME) or a number
		arg2 := u64(1)
		if o := uint32(raw6[0]); o == prSetName || o == prGetName {
			arg2 = 0
		}
		args = append(args, num("res", event.ArgInt, g.Ret), num("option", event.ArgPrctlOption, i32(0)),
			str("arg2_str", event.ArgString, sec[0]), num("arg2_int", event.ArgInt, arg2))
	case event.TypeExecve, event.TypeExecveat:
		if g.Ret >= 0 {
			return nil, malformed("failed %s record with result %d", typ, g.Ret)
		}
		a.exec = event.Exec{Filename: sec[0]}
		ev.Exec = &a.exec
		args = append(args, res)
	default:
		return nil, malformed("generic record of unexpected type %s", typ)
	}
	a.sc = event.Syscall{Res: g.Ret, Args: args, FD: fd}
	ev.Syscall = &a.sc
	return ev, nil
}

// miscAlloc holds a generic event and its details, allocated at once.
type miscAlloc struct {
	ev   event.Event
	sc   event.Syscall
	fd   event.FD
	exec event.Exec
	args [7]event.Arg // the most any generic call has (mmap)
}
