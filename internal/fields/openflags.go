package fields

import (
	"strconv"
	"strings"
)

// This file converts the kernel's numeric open(2) arguments into Falco's
// portable encoding and renderings, as Falco's driver and libsinsp do:
//
//   - open_flags_to_scap, open_modes_to_scap and openat2_resolve_to_scap
//     (libs driver/ppm_flag_helpers.h) turn the kernel's O_* flags, mode
//     bits and RESOLVE_* flags into PPM_O_*, PPM_S_* and PPM_RESOLVE_*
//     values (driver/ppm_events_public.h);
//   - sinsp_evt::get_param_as_str (libs userspace/libsinsp/event.cpp)
//     renders a PT_FLAGS32 parameter as its decimal value and, resolved,
//     the names of its flags from the driver's name table
//     (driver/flags_table.c: file_flags, openat2_flags) joined by '|', in
//     the table's order; a PT_UINT32 parameter printed PF_OCT with "%#o"
//     and PF_HEX with "%X"; a PT_FD parameter as the number, resolved
//     "<f>/path" for a known descriptor, "AT_FDCWD" for -100 and the errno
//     name for a negative one (sinsp_evt::render_fd);
//   - sinsp_utils::errno_to_str names error codes.

// Falco's open flags (PPM_O_*).
const (
	ppmORdonly    = 1 << 0
	ppmOWronly    = 1 << 1
	ppmORdwr      = ppmORdonly | ppmOWronly
	ppmOCreat     = 1 << 2
	ppmOAppend    = 1 << 3
	ppmODsync     = 1 << 4
	ppmOExcl      = 1 << 5
	ppmONonblock  = 1 << 6
	ppmOSync      = 1 << 7
	ppmOTrunc     = 1 << 8
	ppmODirect    = 1 << 9
	ppmODirectory = 1 << 10
	ppmOLargefile = 1 << 11
	ppmOCloexec   = 1 << 12
	ppmOTmpfile   = 1 << 13
	ppmOFCreated  = 1 << 14 // set by Falco's exit probe when the open created the file
)

// Linux open(2) flags shared by every architecture (asm-generic/fcntl.h);
// the ones that differ by architecture are in kflags_*.go.
const (
	kOAccmode   = 0o3
	kOWronly    = 0o1
	kORdwr      = 0o2
	kOCreat     = 0o100
	kOExcl      = 0o200
	kONoctty    = 0o400
	kOTrunc     = 0o1000
	kOAppend    = 0o2000
	kONonblock  = 0o4000
	kODsync     = 0o10000
	kOFasync    = 0o20000
	kONoatime   = 0o1000000
	kOCloexec   = 0o2000000
	kOSyncBit   = 0o4000000 // __O_SYNC
	kOSync      = kOSyncBit | kODsync
	kOPath      = 0o10000000
	kOTmpfileBt = 0o20000000 // __O_TMPFILE
	kOTmpfile   = kOTmpfileBt | kODirectory
)

// openFlagsToPPM converts the kernel's open flags to Falco's PPM_O_*
// encoding exactly as Falco's driver does (open_flags_to_scap): the access
// mode first (an invalid access mode 3 reads as O_RDONLY), then each flag
// whose kernel value shares a bit with the flags. Kernel O_SYNC and
// O_TMPFILE include O_DSYNC and O_DIRECTORY, so, as in Falco, every O_DSYNC
// open also shows O_SYNC and every O_DIRECTORY open also shows O_TMPFILE.
// O_NOCTTY, O_NOFOLLOW, O_NOATIME, O_PATH and FASYNC have no Falco flag.
func openFlagsToPPM(k uint64) uint32 {
	var r uint32
	switch k & kOAccmode {
	case kOWronly:
		r |= ppmOWronly
	case kORdwr:
		r |= ppmORdwr
	default:
		r |= ppmORdonly
	}
	for _, f := range [...]struct {
		kernel uint64
		ppm    uint32
	}{
		{kOCreat, ppmOCreat},
		{kOTmpfile, ppmOTmpfile},
		{kOAppend, ppmOAppend},
		{kODsync, ppmODsync},
		{kOExcl, ppmOExcl},
		{kONonblock, ppmONonblock},
		{kOSync, ppmOSync},
		{kOTrunc, ppmOTrunc},
		{kODirect, ppmODirect},
		{kODirectory, ppmODirectory},
		{kOLargefile, ppmOLargefile},
		{kOCloexec, ppmOCloexec},
	} {
		if k&f.kernel != 0 {
			r |= f.ppm
		}
	}
	return r
}

// openModeToPPM converts the mode argument of an open call with kernel
// flags k to Falco's PPM_S_* encoding (open_modes_to_scap): 0 unless the
// flags share a bit with O_CREAT|O_TMPFILE (so an O_DIRECTORY open keeps
// its mode argument too, as in Falco), else the permission, set-id and
// sticky bits, whose PPM values are the kernel's. creat(2) is converted as
// an open with O_CREAT.
func openModeToPPM(k, mode uint64) uint32 {
	if k&(kOCreat|kOTmpfile) == 0 {
		return 0
	}
	return uint32(mode & 0o7777)
}

// Falco's mode bits (PPM_S_*) that make an open "exec" (evt.is_open_exec).
const ppmSExec = 0o111

// Linux openat2(2) resolve flags (linux/openat2.h) and Falco's encoding
// (PPM_RESOLVE_*).
const (
	kResolveNoXdev       = 0x01
	kResolveNoMagiclinks = 0x02
	kResolveNoSymlinks   = 0x04
	kResolveBeneath      = 0x08
	kResolveInRoot       = 0x10
	kResolveCached       = 0x20

	ppmResolveBeneath      = 1 << 0
	ppmResolveInRoot       = 1 << 1
	ppmResolveNoMagiclinks = 1 << 2
	ppmResolveNoSymlinks   = 1 << 3
	ppmResolveNoXdev       = 1 << 4
	ppmResolveCached       = 1 << 5
)

// resolveToPPM converts openat2 resolve flags (openat2_resolve_to_scap).
func resolveToPPM(k uint64) uint32 {
	var r uint32
	for _, f := range [...]struct {
		kernel uint64
		ppm    uint32
	}{
		{kResolveNoXdev, ppmResolveNoXdev},
		{kResolveNoMagiclinks, ppmResolveNoMagiclinks},
		{kResolveNoSymlinks, ppmResolveNoSymlinks},
		{kResolveBeneath, ppmResolveBeneath},
		{kResolveInRoot, ppmResolveInRoot},
		{kResolveCached, ppmResolveCached},
	} {
		if k&f.kernel != 0 {
			r |= f.ppm
		}
	}
	return r
}

// nameValue is one entry of one of Falco's flag name tables.
type nameValue struct {
	name  string
	value uint32
}

// fileFlagNames is Falco's file_flags table (driver/flags_table.c), in its
// order, which is the order of the names in a rendering.
var fileFlagNames = [...]nameValue{
	{"O_LARGEFILE", ppmOLargefile},
	{"O_DIRECTORY", ppmODirectory},
	{"O_DIRECT", ppmODirect},
	{"O_TRUNC", ppmOTrunc},
	{"O_SYNC", ppmOSync},
	{"O_NONBLOCK", ppmONonblock},
	{"O_EXCL", ppmOExcl},
	{"O_DSYNC", ppmODsync},
	{"O_APPEND", ppmOAppend},
	{"O_CREAT", ppmOCreat},
	{"O_RDWR", ppmORdwr},
	{"O_WRONLY", ppmOWronly},
	{"O_RDONLY", ppmORdonly},
	{"O_CLOEXEC", ppmOCloexec},
	{"O_NONE", 0},
	{"O_TMPFILE", ppmOTmpfile},
	{"O_F_CREATED", ppmOFCreated},
}

// resolveFlagNames is Falco's openat2_flags table.
var resolveFlagNames = [...]nameValue{
	{"RESOLVE_BENEATH", ppmResolveBeneath},
	{"RESOLVE_IN_ROOT", ppmResolveInRoot},
	{"RESOLVE_NO_MAGICLINKS", ppmResolveNoMagiclinks},
	{"RESOLVE_NO_SYMLINKS", ppmResolveNoSymlinks},
	{"RESOLVE_NO_XDEV", ppmResolveNoXdev},
	{"RESOLVE_CACHED", ppmResolveCached},
}

// renderFlagNames renders a PT_FLAGS value as libsinsp resolves it: the
// names of the table entries whose bits are all set, in table order, each
// entry's bits removed once matched (so O_RDWR is not also O_RDONLY and
// O_WRONLY); a zero-valued entry matches only a zero value; it stops at an
// entry equal to the whole value. "" when nothing matches.
func renderFlagNames(val uint32, table []nameValue) string {
	var b strings.Builder
	initial, rest := val, val
	for _, f := range table {
		if !(f.value == 0 && initial == 0 || f.value != 0 && rest&f.value == f.value && rest != 0) {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('|')
		}
		b.WriteString(f.name)
		rest &^= f.value
		if f.value == initial {
			break
		}
	}
	return b.String()
}

// appendOctal appends v as C's "%#o" does: "0" for zero, else a leading 0.
func appendOctal(dst []byte, v uint64) []byte {
	if v == 0 {
		return append(dst, '0')
	}
	dst = append(dst, '0')
	return strconv.AppendUint(dst, v, 8)
}

// appendHexUpper appends v as C's "%X" does.
func appendHexUpper(dst []byte, v uint64) []byte {
	start := len(dst)
	dst = strconv.AppendUint(dst, v, 16)
	for i := start; i < len(dst); i++ {
		if c := dst[i]; c >= 'a' && c <= 'f' {
			dst[i] = c - 'a' + 'A'
		}
	}
	return dst
}

// errnoNames are Linux errno names as Falco's sinsp_utils::errno_to_str
// has them, by number (EWOULDBLOCK and EDEADLOCK are aliases and absent;
// so are the codes from 126 on, which Falco does not name).
var errnoNames = [...]string{
	1: "EPERM", 2: "ENOENT", 3: "ESRCH", 4: "EINTR", 5: "EIO", 6: "ENXIO", 7: "E2BIG", 8: "ENOEXEC",
	9: "EBADF", 10: "ECHILD", 11: "EAGAIN", 12: "ENOMEM", 13: "EACCES", 14: "EFAULT", 15: "ENOTBLK",
	16: "EBUSY", 17: "EEXIST", 18: "EXDEV", 19: "ENODEV", 20: "ENOTDIR", 21: "EISDIR", 22: "EINVAL",
	23: "ENFILE", 24: "EMFILE", 25: "ENOTTY", 26: "ETXTBSY", 27: "EFBIG", 28: "ENOSPC", 29: "ESPIPE",
	30: "EROFS", 31: "EMLINK", 32: "EPIPE", 33: "EDOM", 34: "ERANGE", 35: "EDEADLK", 36: "ENAMETOOLONG",
	37: "ENOLCK", 38: "ENOSYS", 39: "ENOTEMPTY", 40: "ELOOP", 42: "ENOMSG", 43: "EIDRM", 44: "ECHRNG",
	45: "EL2NSYNC", 46: "EL3HLT", 47: "EL3RST", 48: "ELNRNG", 49: "EUNATCH", 50: "ENOCSI", 51: "EL2HLT",
	52: "EBADE", 53: "EBADR", 54: "EXFULL", 55: "ENOANO", 56: "EBADRQC", 57: "EBADSLT", 59: "EBFONT",
	60: "ENOSTR", 61: "ENODATA", 62: "ETIME", 63: "ENOSR", 64: "ENONET", 65: "ENOPKG", 66: "EREMOTE",
	67: "ENOLINK", 68: "EADV", 69: "ESRMNT", 70: "ECOMM", 71: "EPROTO", 72: "EMULTIHOP", 73: "EDOTDOT",
	74: "EBADMSG", 75: "EOVERFLOW", 76: "ENOTUNIQ", 77: "EBADFD", 78: "EREMCHG", 79: "ELIBACC",
	80: "ELIBBAD", 81: "ELIBSCN", 82: "ELIBMAX", 83: "ELIBEXEC", 84: "EILSEQ", 85: "ERESTART",
	86: "ESTRPIPE", 87: "EUSERS", 88: "ENOTSOCK", 89: "EDESTADDRREQ", 90: "EMSGSIZE", 91: "EPROTOTYPE",
	92: "ENOPROTOOPT", 93: "EPROTONOSUPPORT", 94: "ESOCKTNOSUPPORT", 95: "EOPNOTSUPP", 96: "EPFNOSUPPORT",
	97: "EAFNOSUPPORT", 98: "EADDRINUSE", 99: "EADDRNOTAVAIL", 100: "ENETDOWN", 101: "ENETUNREACH",
	102: "ENETRESET", 103: "ECONNABORTED", 104: "ECONNRESET", 105: "ENOBUFS", 106: "EISCONN",
	107: "ENOTCONN", 108: "ESHUTDOWN", 109: "ETOOMANYREFS", 110: "ETIMEDOUT", 111: "ECONNREFUSED",
	112: "EHOSTDOWN", 113: "EHOSTUNREACH", 114: "EALREADY", 115: "EINPROGRESS", 116: "ESTALE",
	117: "EUCLEAN", 118: "ENOTNAM", 119: "ENAVAIL", 120: "EISNAM", 121: "EREMOTEIO", 122: "EDQUOT",
	123: "ENOMEDIUM", 124: "EMEDIUMTYPE", 125: "ECANCELED",
}

// errnoName names the error of a negative result (res = -errno), as
// sinsp_utils::errno_to_str does; "" for an error Falco does not name.
func errnoName(res int64) string {
	if res >= 0 || res < -1000 {
		return ""
	}
	code := -res
	if code < int64(len(errnoNames)) {
		return errnoNames[code]
	}
	switch code {
	case 512:
		return "ERESTARTSYS"
	case 513:
		return "ERESTARTNOINTR"
	case 514:
		return "ERESTARTNOHAND"
	case 515:
		return "ENOIOCTLCMD"
	case 516:
		return "ERESTART_RESTARTBLOCK"
	case 521:
		return "EBADHANDLE"
	case 522:
		return "ENOTSYNC"
	case 523:
		return "EBADCOOKIE"
	case 524:
		return "ENOTSUPP"
	case 525:
		return "ETOOSMALL"
	case 526:
		return "ESERVERFAULT"
	case 527:
		return "EBADTYPE"
	case 528:
		return "EJUKEBOX"
	case 529:
		return "EIOCBQUEUED"
	case 530:
		return "EIOCBRETRY"
	}
	return ""
}
