package fields

import (
	"strconv"
	"strings"

	"github.com/vigil-sec/vigil/internal/event"
)

// Parameters of the socket, descriptor, privilege, namespace, module,
// memory, signal and prctl calls (socket .. prctl), in the order and with
// the names of Falco's event table (driver/event_table.c; the exit events,
// which in recent drivers carry the enter parameters too). The sensor
// records them in event.Syscall.Args with an event.ArgKind that says how
// each is rendered (docs/dev/issue4-contract.md); a parameter the sensor
// does not capture (data, msgcontrol, img payloads) is left out.
//
// Renderings, as sinsp_evt::get_param_as_str does them:
//
//   - ArgErrno: the number; resolved, the error name when negative.
//     ArgInt: the signed number (a negative result also resolves to its
//     error name); ArgUint, ArgFlags: the number.
//   - ArgFD: the number; resolved "<c>name" for the descriptor the event is
//     about (fd.typechar and fd.name: <4>10.0.0.1:40000->10.0.0.2:80), the
//     error name for a negative value, AT_FDCWD for -100.
//   - ArgSockFamily: the AF_* value; resolved its name as Falco's
//     socket_families table gives it (the first exact match: AF_LOCAL for
//     1, AF_ROUTE for 16).
//   - ArgSockType: the number; resolved SOCK_STREAM, SOCK_DGRAM... followed
//     by |SOCK_NONBLOCK and |SOCK_CLOEXEC when set.
//   - ArgPtraceReq: Falco's PPM_PTRACE_* value; resolved PTRACE_ATTACH...
//   - ArgSignal: the number; resolved SIGKILL...
//   - ArgCloneFlags: Falco's PPM_CL_* value; resolved CLONE_NEWNS|...
//   - ArgMountFlags, ArgUmountFlags, ArgProt, ArgMmapFlags, ArgMemfdFlags,
//     ArgModuleFlags: the value; resolved the names of Falco's tables
//     (mount_flags: RDONLY|NOSUID|...; umount_flags: FORCE|DETACH|...;
//     prot_flags: PROT_READ|PROT_EXEC, PROT_NONE for 0; mmap_flags:
//     MAP_PRIVATE|MAP_ANONYMOUS...; memfd_create_flags: MFD_CLOEXEC...;
//     finit_module: MODULE_INIT_*; delete_module: O_NONBLOCK|O_TRUNC).
//   - ArgPrctlOption, ArgBpfCmd: the number; resolved PR_SET_NAME...,
//     BPF_PROG_LOAD...
//   - ArgCapSet: the set in hexadecimal; resolved the names of the
//     capabilities, separated by spaces (CAP_CHOWN CAP_KILL), as Falco
//     renders thread.cap_effective.
//   - ArgHex: hexadecimal, upper case, without prefix (Falco's PF_HEX).
//   - ArgUID, ArgGID: the id in decimal, -1 for (u32)-1.
//   - ArgString, ArgPath, ArgTuple, ArgSockAddr: the text as the sensor
//     recorded it.

// sysScratch caches the last rendering of one parameter.
type sysScratch struct {
	kind     event.ArgKind
	num      int64
	raw, res string
	valid    bool
}

// argSys renders the parameter name of the event by its kind.
func argSys(name string) argRender {
	return func(s *argScratch, ev *event.Event) (string, string, bool) {
		if ev == nil || ev.Syscall == nil {
			return "", "", false
		}
		a, ok := ev.Syscall.Arg(name)
		if !ok {
			return "", "", false
		}
		switch a.Kind {
		case event.ArgString, event.ArgPath, event.ArgTuple, event.ArgSockAddr:
			return a.Str, "", true
		case event.ArgFD:
			raw := s.itoa(0, a.Num)
			switch {
			case a.Num == -100:
				return raw, "AT_FDCWD", true
			case a.Num < 0:
				return raw, errnoName(a.Num), true
			}
			if fd := eventFD(ev); fd != nil && fd.Num == a.Num && fd.Name != "" {
				c := fd.Type.Char()
				o := &s.open.fdres
				if o.out == "" || o.c != c || o.name != fd.Name {
					o.c, o.name = c, fd.Name
					o.out = "<" + string(rune(c)) + ">" + fd.Name
				}
				return raw, o.out, true
			}
			return raw, "", true
		}
		c := &s.sys
		if !c.valid || c.kind != a.Kind || c.num != a.Num {
			c.raw, c.res = renderSysArg(ev.Type, a)
			c.kind, c.num, c.valid = a.Kind, a.Num, true
		}
		return c.raw, c.res, true
	}
}

// renderSysArg renders a numeric parameter: Falco's raw value and its
// resolved form ("" when none).
func renderSysArg(t event.Type, a event.Arg) (raw, res string) {
	n := a.Num
	dec := strconv.FormatInt(n, 10)
	switch a.Kind {
	case event.ArgErrno, event.ArgInt:
		if n < 0 {
			return dec, errnoName(n)
		}
		return dec, ""
	case event.ArgUint, event.ArgFlags:
		return strconv.FormatUint(uint64(n), 10), ""
	case event.ArgSockFamily:
		return dec, sockFamilyName(n)
	case event.ArgSockType:
		return dec, sockTypeNames(n)
	case event.ArgPtraceReq:
		ppm, name := ptraceRequest(n)
		return strconv.Itoa(ppm), name
	case event.ArgSignal:
		return dec, signalName(int32(n))
	case event.ArgCloneFlags:
		return renderCloneFlags(uint64(n))
	case event.ArgMountFlags:
		v := uint32(n)
		if v&kMsMgcMsk == kMsMgcVal {
			v &^= kMsMgcMsk
		}
		return strconv.FormatUint(uint64(v), 10), renderFlagNames(v, mountFlagNames)
	case event.ArgUmountFlags:
		return dec, renderFlagNames(uint32(n), umountFlagNames)
	case event.ArgProt:
		v := protToPPM(uint64(n))
		return strconv.FormatUint(uint64(v), 10), renderFlagNames(v, protFlagNames)
	case event.ArgMmapFlags:
		v := mmapFlagsToPPM(uint64(n))
		return strconv.FormatUint(uint64(v), 10), renderFlagNames(v, mmapFlagNames)
	case event.ArgMemfdFlags:
		return dec, renderFlagNames(uint32(n), memfdFlagNames)
	case event.ArgModuleFlags:
		if t == event.TypeDeleteModule {
			return dec, renderFlagNames(uint32(n), deleteModuleFlagNames)
		}
		return dec, renderFlagNames(uint32(n), finitModuleFlagNames)
	case event.ArgPrctlOption:
		return dec, lookupName(prctlOptionNames, n)
	case event.ArgBpfCmd:
		return dec, lookupName(bpfCmdNames, n)
	case event.ArgCapSet:
		return string(appendHexUpper(nil, uint64(n))), capNames(uint64(n))
	case event.ArgHex:
		return string(appendHexUpper(nil, uint64(n))), ""
	case event.ArgUID, event.ArgGID:
		if uint32(n) == ^uint32(0) {
			return "-1", ""
		}
		return strconv.FormatUint(uint64(uint32(n)), 10), ""
	case event.ArgOpenFlags:
		v := openFlagsToPPM(uint64(n))
		return strconv.FormatUint(uint64(v), 10), renderFlagNames(v, fileFlagNames[:])
	case event.ArgMode:
		return string(appendOctal(nil, uint64(n))), ""
	}
	return dec, ""
}

// rawSysUint is evt.rawarg for these events: the number as Falco's
// driver records it (PPM encodings for ptrace requests, clone, prot and
// mmap flags).
func rawSysUint(ev *event.Event, key string) (uint64, bool) {
	if ev.Syscall == nil {
		return 0, false
	}
	a, ok := ev.Syscall.Arg(key)
	if !ok {
		return 0, false
	}
	switch a.Kind {
	case event.ArgPtraceReq:
		ppm, _ := ptraceRequest(a.Num)
		return uint64(ppm), true
	case event.ArgCloneFlags:
		return uint64(cloneFlagsToPPM(uint64(a.Num))), true
	case event.ArgProt:
		return uint64(protToPPM(uint64(a.Num))), true
	case event.ArgMmapFlags:
		return uint64(mmapFlagsToPPM(uint64(a.Num))), true
	case event.ArgUID, event.ArgGID:
		return uint64(uint32(a.Num)), true
	case event.ArgOpenFlags:
		return uint64(openFlagsToPPM(uint64(a.Num))), true
	case event.ArgString, event.ArgPath, event.ArgTuple, event.ArgSockAddr:
		return 0, false
	}
	return uint64(a.Num), true
}

// sysArgTables returns the parameter lists of the socket .. prctl types,
// indexed by event.Type (nil for other types).
func sysArgTables(n int) [][]argDef {
	list := func(names ...string) []argDef {
		out := make([]argDef, len(names))
		for i, name := range names {
			out[i] = argDef{name, i, argSys(name)}
		}
		return out
	}
	tables := make([][]argDef, n)
	set := func(t event.Type, defs []argDef) {
		if int(t) < n {
			tables[t] = defs
		}
	}
	set(event.TypeSocket, list("fd", "domain", "type", "proto"))
	set(event.TypeConnect, list("res", "tuple", "fd", "addr"))
	set(event.TypeAccept, list("fd", "tuple", "queuepct", "queuelen", "queuemax"))
	set(event.TypeAccept4, list("fd", "tuple", "queuepct", "queuelen", "queuemax", "flags"))
	set(event.TypeBind, list("res", "addr", "fd"))
	set(event.TypeListen, list("res", "fd", "backlog"))
	send := append(list("res", "fd", "size", "tuple"), unavailableArg("data", -1))
	set(event.TypeSendto, send)
	set(event.TypeSendmsg, send)
	recv := append(list("res", "tuple", "fd", "size"), unavailableArg("data", -1), unavailableArg("msgcontrol", -1))
	set(event.TypeRecvfrom, recv)
	set(event.TypeRecvmsg, recv)
	set(event.TypeDup, list("res", "oldfd"))
	set(event.TypeDup2, list("res", "oldfd", "newfd"))
	set(event.TypeDup3, list("res", "oldfd", "newfd", "flags"))
	set(event.TypePtrace, list("res", "addr", "data", "request", "pid"))
	set(event.TypeInitModule, append(list("res", "length", "uargs"), unavailableArg("img", -1)))
	set(event.TypeFinitModule, list("res", "fd", "uargs", "flags"))
	set(event.TypeDeleteModule, list("res", "name", "flags"))
	set(event.TypeSetuid, list("res", "uid"))
	set(event.TypeSetgid, list("res", "gid"))
	set(event.TypeSetresuid, list("res", "ruid", "euid", "suid"))
	set(event.TypeSetresgid, list("res", "rgid", "egid", "sgid"))
	set(event.TypeSetreuid, list("res", "ruid", "euid"))
	set(event.TypeSetregid, list("res", "rgid", "egid"))
	set(event.TypeCapset, list("res", "cap_inheritable", "cap_permitted", "cap_effective"))
	set(event.TypeSetns, list("res", "fd", "nstype"))
	set(event.TypeUnshare, list("res", "flags"))
	set(event.TypeMount, list("res", "dev", "dir", "type", "flags"))
	set(event.TypeUmount2, list("res", "name", "flags"))
	set(event.TypePivotRoot, list("res", "new_root", "put_old"))
	set(event.TypeChroot, list("res", "path"))
	set(event.TypeBpf, list("res", "cmd"))
	set(event.TypeMemfdCreate, list("fd", "name", "flags"))
	set(event.TypeMprotect, list("res", "addr", "len", "prot"))
	set(event.TypeMmap, list("res", "addr", "length", "prot", "flags", "fd", "offset"))
	set(event.TypeUserfaultfd, list("res", "flags"))
	set(event.TypeKill, list("res", "pid", "sig"))
	set(event.TypeTkill, list("res", "tid", "sig"))
	set(event.TypeTgkill, list("res", "pid", "tid", "sig"))
	set(event.TypePrctl, list("res", "option", "arg2_str", "arg2_int"))
	return tables
}

// lookupName finds the name of an enumerated value.
func lookupName(table []nameValue, n int64) string {
	for _, e := range table {
		if int64(e.value) == n {
			return e.name
		}
	}
	return ""
}

// sockFamilyName is Falco's name of an address family (socket_families,
// first exact match).
func sockFamilyName(n int64) string { return lookupName(sockFamilyNames, n) }

var sockFamilyNames = []nameValue{
	{"AF_UNSPEC", 0}, {"AF_LOCAL", 1}, {"AF_INET", 2}, {"AF_AX25", 3}, {"AF_IPX", 4}, {"AF_APPLETALK", 5},
	{"AF_NETROM", 6}, {"AF_BRIDGE", 7}, {"AF_ATMPVC", 8}, {"AF_X25", 9}, {"AF_INET6", 10}, {"AF_ROSE", 11},
	{"AF_DECnet", 12}, {"AF_NETBEUI", 13}, {"AF_SECURITY", 14}, {"AF_KEY", 15}, {"AF_ROUTE", 16},
	{"AF_PACKET", 17}, {"AF_ASH", 18}, {"AF_ECONET", 19}, {"AF_ATMSVC", 20}, {"AF_RDS", 21}, {"AF_SNA", 22},
	{"AF_IRDA", 23}, {"AF_PPPOX", 24}, {"AF_WANPIPE", 25}, {"AF_LLC", 26}, {"AF_CAN", 29}, {"AF_TIPC", 30},
	{"AF_BLUETOOTH", 31}, {"AF_IUCV", 32}, {"AF_RXRPC", 33}, {"AF_ISDN", 34}, {"AF_PHONET", 35},
	{"AF_IEEE802154", 36}, {"AF_CAIF", 37}, {"AF_ALG", 38}, {"AF_NFC", 39},
}

// Kernel socket type flags.
const (
	kSockNonblock = 0o4000
	kSockCloexec  = 0o2000000
)

var sockTypeBase = []nameValue{
	{"SOCK_STREAM", 1}, {"SOCK_DGRAM", 2}, {"SOCK_RAW", 3}, {"SOCK_RDM", 4}, {"SOCK_SEQPACKET", 5},
	{"SOCK_DCCP", 6}, {"SOCK_PACKET", 10},
}

// sockTypeNames renders a socket type with its flags: SOCK_STREAM|SOCK_CLOEXEC.
func sockTypeNames(n int64) string {
	names := []string{}
	if base := lookupName(sockTypeBase, n&0xf); base != "" {
		names = append(names, base)
	}
	if n&kSockNonblock != 0 {
		names = append(names, "SOCK_NONBLOCK")
	}
	if n&kSockCloexec != 0 {
		names = append(names, "SOCK_CLOEXEC")
	}
	return strings.Join(names, "|")
}

// ptraceRequests maps the kernel's ptrace requests (x86_64 numbering for
// the architecture-specific ones) to Falco's PPM_PTRACE_* values and
// names (ptrace_requests_to_scap).
var ptraceRequests = []struct {
	kernel int64
	ppm    int
	name   string
}{
	{0, 1, "PTRACE_TRACEME"}, {1, 2, "PTRACE_PEEKTEXT"}, {2, 3, "PTRACE_PEEKDATA"}, {3, 4, "PTRACE_PEEKUSR"},
	{4, 5, "PTRACE_POKETEXT"}, {5, 6, "PTRACE_POKEDATA"}, {6, 7, "PTRACE_POKEUSR"}, {7, 8, "PTRACE_CONT"},
	{8, 9, "PTRACE_KILL"}, {9, 10, "PTRACE_SINGLESTEP"}, {16, 11, "PTRACE_ATTACH"}, {17, 12, "PTRACE_DETACH"},
	{24, 13, "PTRACE_SYSCALL"}, {0x4200, 14, "PTRACE_SETOPTIONS"}, {0x4201, 15, "PTRACE_GETEVENTMSG"},
	{0x4202, 16, "PTRACE_GETSIGINFO"}, {0x4203, 17, "PTRACE_SETSIGINFO"}, {0x4204, 18, "PTRACE_GETREGSET"},
	{0x4205, 19, "PTRACE_SETREGSET"}, {0x4206, 20, "PTRACE_SEIZE"}, {0x4207, 21, "PTRACE_INTERRUPT"},
	{0x4208, 22, "PTRACE_LISTEN"}, {0x4209, 23, "PTRACE_PEEKSIGINFO"}, {0x420a, 24, "PTRACE_GETSIGMASK"},
	{0x420b, 25, "PTRACE_SETSIGMASK"}, {12, 26, "PTRACE_GETREGS"}, {13, 27, "PTRACE_SETREGS"},
	{14, 28, "PTRACE_GETFPREGS"}, {15, 29, "PTRACE_SETFPREGS"}, {18, 30, "PTRACE_GETFPXREGS"},
	{19, 31, "PTRACE_SETFPXREGS"}, {21, 32, "PTRACE_OLDSETOPTIONS"}, {25, 33, "PTRACE_GET_THREAD_AREA"},
	{26, 34, "PTRACE_SET_THREAD_AREA"}, {30, 35, "PTRACE_ARCH_PRCTL"}, {31, 36, "PTRACE_SYSEMU"},
	{32, 37, "PTRACE_SYSEMU_SINGLESTEP"}, {33, 38, "PTRACE_SINGLEBLOCK"},
}

// ptraceRequest returns Falco's value and name of a kernel ptrace
// request; 0 and PTRACE_UNKNOWN for one it does not know.
func ptraceRequest(kernel int64) (int, string) {
	for _, r := range ptraceRequests {
		if r.kernel == kernel {
			return r.ppm, r.name
		}
	}
	return 0, "PTRACE_UNKNOWN"
}

// Mount flags (Falco's PPM_MS_* equal the kernel's MS_*), and the magic
// number old callers put in the high bits.
const (
	kMsMgcMsk = 0xffff0000
	kMsMgcVal = 0xC0ED0000
)

// mountFlagNames is Falco's mount_flags table (names without MS_).
var mountFlagNames = []nameValue{
	{"RDONLY", 1}, {"NOSUID", 2}, {"NODEV", 4}, {"NOEXEC", 8}, {"SYNCHRONOUS", 16}, {"REMOUNT", 32},
	{"MANDLOCK", 64}, {"DIRSYNC", 128}, {"NOATIME", 1024}, {"NODIRATIME", 2048}, {"BIND", 4096},
	{"MOVE", 8192}, {"REC", 16384}, {"SILENT", 32768}, {"POSIXACL", 1 << 16}, {"UNBINDABLE", 1 << 17},
	{"PRIVATE", 1 << 18}, {"SLAVE", 1 << 19}, {"SHARED", 1 << 20}, {"RELATIME", 1 << 21},
	{"KERNMOUNT", 1 << 22}, {"I_VERSION", 1 << 23}, {"STRICTATIME", 1 << 24}, {"LAZYTIME", 1 << 25},
	{"NOSEC", 1 << 28}, {"BORN", 1 << 29}, {"ACTIVE", 1 << 30}, {"NOUSER", 1 << 31},
}

// umountFlagNames is Falco's umount_flags table (the kernel's values).
var umountFlagNames = []nameValue{{"FORCE", 1}, {"DETACH", 2}, {"EXPIRE", 4}, {"NOFOLLOW", 8}}

// Falco's PPM_PROT_* values and prot_flags table.
var protFlagNames = []nameValue{
	{"PROT_READ", 1 << 0}, {"PROT_WRITE", 1 << 1}, {"PROT_EXEC", 1 << 2}, {"PROT_SEM", 1 << 3},
	{"PROT_GROWSDOWN", 1 << 4}, {"PROT_GROWSUP", 1 << 5}, {"PROT_SAO", 1 << 6}, {"PROT_NONE", 0},
}

// protToPPM converts kernel PROT_* bits to Falco's (prot_flags_to_scap).
func protToPPM(k uint64) uint32 {
	var r uint32
	for _, f := range [...]struct {
		k uint64
		p uint32
	}{{1, 1 << 0}, {2, 1 << 1}, {4, 1 << 2}, {8, 1 << 3}, {0x01000000, 1 << 4}, {0x02000000, 1 << 5}, {0x10, 1 << 6}} {
		if k&f.k != 0 {
			r |= f.p
		}
	}
	return r
}

// Falco's mmap_flags table (PPM_MAP_* values).
var mmapFlagNames = []nameValue{
	{"MAP_SHARED", 1 << 0}, {"MAP_PRIVATE", 1 << 1}, {"MAP_FIXED", 1 << 2}, {"MAP_ANONYMOUS", 1 << 3},
	{"MAP_32BIT", 1 << 4}, {"MAP_RENAME", 1 << 5}, {"MAP_NORESERVE", 1 << 6}, {"MAP_POPULATE", 1 << 7},
	{"MAP_NONBLOCK", 1 << 8}, {"MAP_GROWSDOWN", 1 << 9}, {"MAP_DENYWRITE", 1 << 10},
	{"MAP_EXECUTABLE", 1 << 11}, {"MAP_INHERIT", 1 << 12}, {"MAP_FILE", 1 << 13}, {"MAP_LOCKED", 1 << 14},
}

// mmapFlagsToPPM converts the kernel's MAP_* flags (x86_64 and generic
// values) to Falco's (mmap_flags_to_scap).
func mmapFlagsToPPM(k uint64) uint32 {
	var r uint32
	for _, f := range [...]struct {
		k uint64
		p uint32
	}{
		{0x01, 1 << 0}, {0x02, 1 << 1}, {0x10, 1 << 2}, {0x20, 1 << 3}, {0x40, 1 << 4},
		{0x4000, 1 << 6}, {0x8000, 1 << 7}, {0x10000, 1 << 8}, {0x100, 1 << 9}, {0x800, 1 << 10},
		{0x1000, 1 << 11}, {0x2000, 1 << 14},
	} {
		if k&f.k != 0 {
			r |= f.p
		}
	}
	return r
}

// memfdFlagNames is Falco's memfd_create_flags table (the kernel's values).
var memfdFlagNames = []nameValue{{"MFD_CLOEXEC", 1}, {"MFD_ALLOW_SEALING", 2}, {"MFD_HUGETLB", 4}}

// finitModuleFlagNames and deleteModuleFlagNames name the flags of
// finit_module (MODULE_INIT_*) and delete_module (O_NONBLOCK, O_TRUNC),
// by the kernel's values.
var (
	finitModuleFlagNames = []nameValue{
		{"MODULE_INIT_IGNORE_MODVERSIONS", 1}, {"MODULE_INIT_IGNORE_VERMAGIC", 2}, {"MODULE_INIT_COMPRESSED_FILE", 4},
	}
	deleteModuleFlagNames = []nameValue{{"O_NONBLOCK", kONonblock}, {"O_TRUNC", kOTrunc}}
)

// prctlOptionNames is Falco's prctl_options table, by the kernel's values.
var prctlOptionNames = []nameValue{
	{"PR_GET_DUMPABLE", 3}, {"PR_SET_DUMPABLE", 4}, {"PR_GET_KEEPCAPS", 7}, {"PR_SET_KEEPCAPS", 8},
	{"PR_SET_NAME", 15}, {"PR_GET_NAME", 16}, {"PR_GET_SECCOMP", 21}, {"PR_SET_SECCOMP", 22},
	{"PR_CAPBSET_READ", 23}, {"PR_CAPBSET_DROP", 24}, {"PR_GET_SECUREBITS", 27}, {"PR_SET_SECUREBITS", 28},
	{"PR_MCE_KILL", 33}, {"PR_SET_MM", 35}, {"PR_SET_CHILD_SUBREAPER", 36}, {"PR_GET_CHILD_SUBREAPER", 37},
	{"PR_SET_NO_NEW_PRIVS", 38}, {"PR_GET_NO_NEW_PRIVS", 39}, {"PR_GET_TID_ADDRESS", 40},
	{"PR_SET_THP_DISABLE", 41}, {"PR_GET_THP_DISABLE", 42}, {"PR_CAP_AMBIENT", 47},
}

// bpfCmdNames names the bpf(2) commands (enum bpf_cmd).
var bpfCmdNames = []nameValue{
	{"BPF_MAP_CREATE", 0}, {"BPF_MAP_LOOKUP_ELEM", 1}, {"BPF_MAP_UPDATE_ELEM", 2}, {"BPF_MAP_DELETE_ELEM", 3},
	{"BPF_MAP_GET_NEXT_KEY", 4}, {"BPF_PROG_LOAD", 5}, {"BPF_OBJ_PIN", 6}, {"BPF_OBJ_GET", 7},
	{"BPF_PROG_ATTACH", 8}, {"BPF_PROG_DETACH", 9}, {"BPF_PROG_TEST_RUN", 10}, {"BPF_PROG_GET_NEXT_ID", 11},
	{"BPF_MAP_GET_NEXT_ID", 12}, {"BPF_PROG_GET_FD_BY_ID", 13}, {"BPF_MAP_GET_FD_BY_ID", 14},
	{"BPF_OBJ_GET_INFO_BY_FD", 15}, {"BPF_PROG_QUERY", 16}, {"BPF_RAW_TRACEPOINT_OPEN", 17},
	{"BPF_BTF_LOAD", 18}, {"BPF_BTF_GET_FD_BY_ID", 19}, {"BPF_TASK_FD_QUERY", 20},
	{"BPF_MAP_LOOKUP_AND_DELETE_ELEM", 21}, {"BPF_MAP_FREEZE", 22}, {"BPF_BTF_GET_NEXT_ID", 23},
	{"BPF_MAP_LOOKUP_BATCH", 24}, {"BPF_MAP_LOOKUP_AND_DELETE_BATCH", 25}, {"BPF_MAP_UPDATE_BATCH", 26},
	{"BPF_MAP_DELETE_BATCH", 27}, {"BPF_LINK_CREATE", 28}, {"BPF_LINK_UPDATE", 29},
	{"BPF_LINK_GET_FD_BY_ID", 30}, {"BPF_LINK_GET_NEXT_ID", 31}, {"BPF_ENABLE_STATS", 32},
	{"BPF_ITER_CREATE", 33}, {"BPF_LINK_DETACH", 34}, {"BPF_PROG_BIND_MAP", 35},
}

// capabilityNames are the Linux capabilities by bit number.
var capabilityNames = [...]string{
	"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL",
	"CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE",
	"CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE",
	"CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT",
	"CAP_SYS_NICE", "CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE",
	"CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG",
	"CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE",
}

// capNames renders a capability set as Falco does (sinsp_utils'
// caps_to_string): the names of the set capabilities, lowest bit first,
// separated by spaces; "" for an empty set. Bits without a name are left
// out.
func capNames(set uint64) string {
	var b strings.Builder
	for i, name := range capabilityNames {
		if set&(1<<uint(i)) == 0 {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(name)
	}
	return b.String()
}
