package eventjson

import (
	"bufio"
	"fmt"
	"io"
	"net/netip"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/vigil-sec/vigil/internal/event"
)

// Append appends the JSON object for ev to dst, without a trailing newline,
// and returns the extended buffer. ev must not be nil.
func Append(dst []byte, ev *event.Event) []byte {
	p := &ev.Process
	dst = append(dst, `{"time":`...)
	dst = appendTime(dst, ev.Time)
	dst = append(dst, `,"type":`...)
	dst = appendString(dst, ev.Type.String())
	dst = append(dst, `,"host":`...)
	dst = appendString(dst, ev.Host)

	dst = append(dst, `,"process":{"pid":`...)
	dst = strconv.AppendUint(dst, uint64(p.PID), 10)
	dst = append(dst, `,"tid":`...)
	dst = strconv.AppendUint(dst, uint64(p.TID), 10)
	dst = append(dst, `,"ppid":`...)
	dst = strconv.AppendUint(dst, uint64(p.PPID), 10)
	dst = append(dst, `,"exec_id":`...)
	dst = appendString(dst, p.ExecID)
	dst = append(dst, `,"name":`...)
	dst = appendString(dst, p.Name)
	dst = append(dst, `,"exe":`...)
	dst = appendString(dst, p.Exe)
	dst = append(dst, `,"args":`...)
	dst = appendStrings(dst, p.Args)
	dst = append(dst, `,"args_truncated":`...)
	dst = strconv.AppendBool(dst, p.ArgsTruncated)
	dst = append(dst, `,"cwd":`...)
	dst = appendString(dst, p.Cwd)
	dst = append(dst, `,"uid":`...)
	dst = strconv.AppendUint(dst, uint64(p.UID), 10)
	dst = append(dst, `,"gid":`...)
	dst = strconv.AppendUint(dst, uint64(p.GID), 10)
	dst = append(dst, `,"euid":`...)
	dst = strconv.AppendUint(dst, uint64(p.EUID), 10)
	dst = append(dst, `,"egid":`...)
	dst = strconv.AppendUint(dst, uint64(p.EGID), 10)
	dst = append(dst, `,"loginuid":`...)
	if p.LoginUID == event.NoLoginUID {
		dst = append(dst, "-1"...)
	} else {
		dst = strconv.AppendUint(dst, uint64(p.LoginUID), 10)
	}
	dst = append(dst, `,"sid":`...)
	dst = strconv.AppendUint(dst, uint64(p.SID), 10)
	dst = append(dst, `,"tty":`...)
	dst = strconv.AppendUint(dst, uint64(p.TTY), 10)
	dst = append(dst, `,"start_time":`...)
	dst = appendTime(dst, p.StartTime)
	dst = append(dst, `,"cgroup_id":`...)
	dst = strconv.AppendUint(dst, p.CgroupID, 10)
	dst = append(dst, `,"exe_upper_layer":`...)
	dst = strconv.AppendBool(dst, p.ExeUpperLayer)
	dst = append(dst, `,"exe_from_memfd":`...)
	dst = strconv.AppendBool(dst, p.ExeFromMemfd)
	dst = append(dst, `,"exe_deleted":`...)
	dst = strconv.AppendBool(dst, p.ExeDeleted)
	// Added after the first release of the schema: written only when set,
	// so that lines without them keep their original form.
	if p.ExeIno != 0 {
		dst = append(dst, `,"exe_ino":`...)
		dst = strconv.AppendUint(dst, p.ExeIno, 10)
	}
	if !p.ExeCtime.IsZero() {
		dst = append(dst, `,"exe_ctime":`...)
		dst = appendTime(dst, p.ExeCtime)
	}
	if !p.ExeMtime.IsZero() {
		dst = append(dst, `,"exe_mtime":`...)
		dst = appendTime(dst, p.ExeMtime)
	}
	if p.CapEffective != 0 {
		dst = append(dst, `,"cap_effective":`...)
		dst = strconv.AppendUint(dst, p.CapEffective, 10)
	}
	if p.CapPermitted != 0 {
		dst = append(dst, `,"cap_permitted":`...)
		dst = strconv.AppendUint(dst, p.CapPermitted, 10)
	}
	if p.CapInheritable != 0 {
		dst = append(dst, `,"cap_inheritable":`...)
		dst = strconv.AppendUint(dst, p.CapInheritable, 10)
	}
	dst = appendNamespaces(dst, p)
	dst = append(dst, `,"ancestors":[`...)
	for i := range ev.Ancestors {
		a := &ev.Ancestors[i]
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, `{"pid":`...)
		dst = strconv.AppendUint(dst, uint64(a.PID), 10)
		dst = append(dst, `,"exec_id":`...)
		dst = appendString(dst, a.ExecID)
		dst = append(dst, `,"name":`...)
		dst = appendString(dst, a.Name)
		dst = append(dst, `,"exe":`...)
		dst = appendString(dst, a.Exe)
		dst = append(dst, `,"args":`...)
		dst = appendStrings(dst, a.Args)
		dst = append(dst, '}')
	}
	dst = append(dst, "]}"...)
	if ev.Container != nil {
		dst = appendContainer(dst, ev.Container)
	}

	switch {
	case ev.Type.IsExec():
		var x event.Exec
		if ev.Exec != nil {
			x = *ev.Exec
		}
		dst = append(dst, `,"exec":{"filename":`...)
		dst = appendString(dst, x.Filename)
		dst = append(dst, '}')
		// A failed exec also carries its result.
		if ev.Syscall != nil {
			dst = appendSyscall(dst, ev.Syscall)
		}
	case ev.Type.IsClone():
		var x event.Clone
		if ev.Clone != nil {
			x = *ev.Clone
		}
		dst = append(dst, `,"clone":{"flags":`...)
		dst = strconv.AppendUint(dst, x.Flags, 10)
		dst = append(dst, `,"thread":`...)
		dst = strconv.AppendBool(dst, x.Thread)
		dst = append(dst, '}')
	case ev.Type == event.TypeProcExit:
		var x event.Exit
		if ev.Exit != nil {
			x = *ev.Exit
		}
		dst = append(dst, `,"exit":{"code":`...)
		dst = strconv.AppendInt(dst, int64(x.Code), 10)
		dst = append(dst, `,"signal":`...)
		dst = strconv.AppendInt(dst, int64(x.Signal), 10)
		dst = append(dst, `,"core_dumped":`...)
		dst = strconv.AppendBool(dst, x.CoreDumped)
		dst = append(dst, '}')
	case ev.Type == event.TypeDrop:
		dst = appendDrop(dst, ev.Drop)
	case ev.Type == event.TypeEnforce:
		dst = appendEnforcement(dst, ev.Enforcement)
	case ev.Type.IsSyscall():
		dst = appendSyscall(dst, ev.Syscall)
	}
	return append(dst, '}')
}

// argKindNames are the JSON names of the argument kinds, by event.ArgKind.
var argKindNames = [...]string{
	event.ArgInt:       "int",
	event.ArgUint:      "uint",
	event.ArgFD:        "fd",
	event.ArgPath:      "path",
	event.ArgString:    "string",
	event.ArgOpenFlags: "open_flags",
	event.ArgMode:      "mode",
	event.ArgResolve:   "resolve",
	event.ArgErrno:     "errno",
	// Kinds added with the socket, privilege and memory calls.
	event.ArgSockFamily:  "sock_family",
	event.ArgSockType:    "sock_type",
	event.ArgSockAddr:    "sock_addr",
	event.ArgTuple:       "tuple",
	event.ArgPtraceReq:   "ptrace_req",
	event.ArgSignal:      "signal",
	event.ArgCloneFlags:  "clone_flags",
	event.ArgMountFlags:  "mount_flags",
	event.ArgUmountFlags: "umount_flags",
	event.ArgProt:        "prot",
	event.ArgMmapFlags:   "mmap_flags",
	event.ArgPrctlOption: "prctl_option",
	event.ArgBpfCmd:      "bpf_cmd",
	event.ArgCapSet:      "cap_set",
	event.ArgHex:         "hex",
	event.ArgMemfdFlags:  "memfd_flags",
	event.ArgModuleFlags: "module_flags",
	event.ArgUID:         "uid",
	event.ArgGID:         "gid",
	event.ArgFlags:       "flags",
}

// argKindName returns the JSON name of k; "" for a kind that has none.
func argKindName(k event.ArgKind) string {
	if int(k) < len(argKindNames) {
		return argKindNames[k]
	}
	return ""
}

// argIsString reports whether arguments of kind k hold Str (else Num).
func argIsString(k event.ArgKind) bool {
	switch k {
	case event.ArgPath, event.ArgString, event.ArgSockAddr, event.ArgTuple:
		return true
	}
	return false
}

// argIsSigned reports whether Num is written as a signed number for kind k
// (else as the unsigned number of its bits).
func argIsSigned(k event.ArgKind) bool {
	switch k {
	case event.ArgInt, event.ArgFD, event.ArgErrno, event.ArgSignal, event.ArgUID, event.ArgGID:
		return true
	}
	return false
}

// appendSyscall appends the "syscall" member; a nil detail as a zero one.
func appendSyscall(dst []byte, s *event.Syscall) []byte {
	var zero event.Syscall
	if s == nil {
		s = &zero
	}
	dst = append(dst, `,"syscall":{"res":`...)
	dst = strconv.AppendInt(dst, s.Res, 10)
	dst = append(dst, `,"fd":`...)
	if fd := s.FD; fd == nil {
		dst = append(dst, "null"...)
	} else {
		dst = append(dst, `{"num":`...)
		dst = strconv.AppendInt(dst, fd.Num, 10)
		dst = append(dst, `,"type":`...)
		dst = appendString(dst, fd.Type.String())
		// The type characters are letters and digits: no escaping.
		dst = append(dst, `,"typechar":"`...)
		dst = append(dst, fd.Type.Char(), '"')
		dst = append(dst, `,"name":`...)
		dst = appendString(dst, fd.Name)
		dst = append(dst, `,"nameraw":`...)
		dst = appendString(dst, fd.NameRaw)
		dst = append(dst, `,"dev":`...)
		dst = strconv.AppendUint(dst, uint64(fd.Dev), 10)
		dst = append(dst, `,"ino":`...)
		dst = strconv.AppendUint(dst, fd.Ino, 10)
		if fd.Sock != nil {
			dst = appendSocket(dst, fd.Sock)
		}
		dst = append(dst, '}')
	}
	dst = append(dst, `,"args":[`...)
	for i := range s.Args {
		a := &s.Args[i]
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, `{"name":`...)
		dst = appendString(dst, a.Name)
		dst = append(dst, `,"kind":`...)
		if name := argKindName(a.Kind); name != "" {
			dst = append(dst, '"')
			dst = append(dst, name...)
			dst = append(dst, '"')
		} else {
			// Not a kind Decode accepts: written so that it rejects it.
			dst = append(dst, `"kind(`...)
			dst = strconv.AppendUint(dst, uint64(a.Kind), 10)
			dst = append(dst, `)"`...)
		}
		dst = append(dst, `,"value":`...)
		switch {
		case argIsString(a.Kind):
			dst = appendString(dst, a.Str)
		case argIsSigned(a.Kind) || argKindName(a.Kind) == "":
			dst = strconv.AppendInt(dst, a.Num, 10)
		default:
			dst = strconv.AppendUint(dst, uint64(a.Num), 10)
		}
		dst = append(dst, '}')
	}
	return append(dst, "]}"...)
}

// roleNames are the JSON names of the socket roles, by event.SockRole;
// RoleUnknown is not written.
var roleNames = [...]string{event.RoleClient: "client", event.RoleServer: "server"}

// roleName returns the JSON name of r; "" for RoleUnknown and for a role
// that has none.
func roleName(r event.SockRole) string {
	if int(r) < len(roleNames) {
		return roleNames[r]
	}
	return ""
}

// appendSocket appends the "socket" member of a descriptor. The family,
// type, protocol and flags are always written, the endpoints, role and
// path only when known.
func appendSocket(dst []byte, s *event.Socket) []byte {
	dst = append(dst, `,"socket":{"family":`...)
	dst = strconv.AppendUint(dst, uint64(s.Family), 10)
	dst = append(dst, `,"type":`...)
	dst = strconv.AppendUint(dst, uint64(s.Type), 10)
	dst = append(dst, `,"proto":`...)
	dst = strconv.AppendUint(dst, uint64(s.Proto), 10)
	if s.Local.IsValid() {
		dst = append(dst, `,"local":`...)
		dst = appendAddrPort(dst, s.Local)
	}
	if s.Remote.IsValid() {
		dst = append(dst, `,"remote":`...)
		dst = appendAddrPort(dst, s.Remote)
	}
	if s.Role != event.RoleUnknown {
		dst = append(dst, `,"role":`...)
		if name := roleName(s.Role); name != "" {
			dst = append(dst, '"')
			dst = append(dst, name...)
			dst = append(dst, '"')
		} else {
			// Not a role Decode accepts: written so that it rejects it.
			dst = append(dst, `"role(`...)
			dst = strconv.AppendUint(dst, uint64(s.Role), 10)
			dst = append(dst, `)"`...)
		}
	}
	dst = append(dst, `,"connected":`...)
	dst = strconv.AppendBool(dst, s.Connected)
	if s.Path != "" {
		dst = append(dst, `,"path":`...)
		dst = appendString(dst, s.Path)
	}
	dst = append(dst, `,"name_changed":`...)
	dst = strconv.AppendBool(dst, s.NameChanged)
	return append(dst, '}')
}

// appendAddrPort appends a valid ap as {"ip":"...","port":N}, the address
// in netip's text form (IPv6 without brackets; a zone after '%', escaped).
func appendAddrPort(dst []byte, ap netip.AddrPort) []byte {
	addr := ap.Addr()
	dst = append(dst, `{"ip":"`...)
	dst = addr.WithZone("").AppendTo(dst)
	if zone := addr.Zone(); zone != "" {
		dst = append(dst, '%')
		dst = appendEscaped(dst, zone)
	}
	dst = append(dst, `","port":`...)
	dst = strconv.AppendUint(dst, uint64(ap.Port()), 10)
	return append(dst, '}')
}

// appendEnforcement appends the "enforcement" member.
func appendEnforcement(dst []byte, e *event.Enforcement) []byte {
	var x event.Enforcement
	if e != nil {
		x = *e
	}
	for i, kv := range [...][2]string{
		{"policy", x.Policy}, {"mode", x.Mode}, {"action", x.Action}, {"match", x.Match},
		{"target", x.Target}, {"proto", x.Proto}, {"result", x.Result}, {"mechanism", x.Mechanism},
	} {
		if i == 0 {
			dst = append(dst, `,"enforcement":{`...)
		} else {
			dst = append(dst, ',')
		}
		dst = appendString(dst, kv[0])
		dst = append(dst, ':')
		dst = appendString(dst, kv[1])
	}
	return append(dst, '}')
}

// appendDrop appends the "drop" member, with the lost counts sorted by key.
func appendDrop(dst []byte, d *event.Drop) []byte {
	dst = append(dst, `,"drop":{"lost":{`...)
	var total uint64
	if d != nil {
		// Sort the keys in a stack buffer: no allocation for the usual
		// handful of kinds.
		var stack [32]string
		keys := stack[:0]
		for k := range d.Lost {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for i, k := range keys {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendString(dst, k)
			dst = append(dst, ':')
			dst = strconv.AppendUint(dst, d.Lost[k], 10)
		}
		total = d.Total()
	}
	dst = append(dst, `},"total":`...)
	dst = strconv.AppendUint(dst, total, 10)
	return append(dst, '}')
}

// appendNamespaces appends the process's namespace, cgroup and container
// members, each only when set.
func appendNamespaces(dst []byte, p *event.Process) []byte {
	for _, n := range [...]struct {
		key string
		v   uint32
	}{{`,"mnt_ns":`, p.MntNS}, {`,"pid_ns":`, p.PidNS}, {`,"vpid":`, p.VPID}, {`,"vtid":`, p.VTID}} {
		if n.v != 0 {
			dst = append(dst, n.key...)
			dst = strconv.AppendUint(dst, uint64(n.v), 10)
		}
	}
	for _, s := range [...]struct{ key, v string }{
		{`,"cgroup_path":`, p.CgroupPath}, {`,"cgroup_v1_path":`, p.CgroupV1Path}, {`,"container_id":`, p.ContainerID},
	} {
		if s.v != "" {
			dst = append(dst, s.key...)
			dst = appendString(dst, s.v)
		}
	}
	return dst
}

// appendContainer appends the "container" member.
func appendContainer(dst []byte, c *event.Container) []byte {
	dst = append(dst, `,"container":{"id":`...)
	dst = appendString(dst, c.ID)
	dst = append(dst, `,"runtime":`...)
	dst = appendString(dst, c.Runtime)
	dst = append(dst, `,"name":`...)
	dst = appendString(dst, c.Name)
	dst = append(dst, `,"image":`...)
	dst = appendString(dst, c.Image)
	dst = append(dst, `,"image_repository":`...)
	dst = appendString(dst, c.ImageRepository)
	dst = append(dst, `,"image_tag":`...)
	dst = appendString(dst, c.ImageTag)
	dst = append(dst, `,"image_digest":`...)
	dst = appendString(dst, c.ImageDigest)
	dst = append(dst, `,"labels":`...)
	dst = appendStringMap(dst, c.Labels)
	dst = append(dst, `,"privileged":`...)
	dst = strconv.AppendBool(dst, c.Privileged)
	dst = append(dst, `,"mounts":[`...)
	for i := range c.Mounts {
		m := &c.Mounts[i]
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, `{"source":`...)
		dst = appendString(dst, m.Source)
		dst = append(dst, `,"dest":`...)
		dst = appendString(dst, m.Dest)
		dst = append(dst, `,"type":`...)
		dst = appendString(dst, m.Type)
		dst = append(dst, `,"options":`...)
		dst = appendStrings(dst, m.Options)
		dst = append(dst, `,"read_write":`...)
		dst = strconv.AppendBool(dst, m.ReadWrite)
		dst = append(dst, `,"propagation":`...)
		dst = appendString(dst, m.Propagation)
		dst = append(dst, '}')
	}
	dst = append(dst, `],"created":`...)
	dst = appendTime(dst, c.Created)
	dst = append(dst, `,"pod":`...)
	if p := c.Pod; p == nil {
		dst = append(dst, "null"...)
	} else {
		dst = append(dst, `{"name":`...)
		dst = appendString(dst, p.Name)
		dst = append(dst, `,"namespace":`...)
		dst = appendString(dst, p.Namespace)
		dst = append(dst, `,"uid":`...)
		dst = appendString(dst, p.UID)
		dst = append(dst, `,"labels":`...)
		dst = appendStringMap(dst, p.Labels)
		dst = append(dst, '}')
	}
	dst = append(dst, `,"metadata_known":`...)
	dst = strconv.AppendBool(dst, c.MetadataKnown)
	return append(dst, '}')
}

// appendStringMap appends m as a JSON object with its keys sorted; nil as
// {}. It selects the keys in order without sorting a copy (quadratic in
// the number of keys, which for labels is small), so that it does not
// allocate.
func appendStringMap(dst []byte, m map[string]string) []byte {
	dst = append(dst, '{')
	var prev string
	for i := 0; i < len(m); i++ {
		var next string
		found := false
		for k := range m {
			if (i == 0 || k > prev) && (!found || k < next) {
				next, found = k, true
			}
		}
		if !found {
			break
		}
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendString(dst, next)
		dst = append(dst, ':')
		dst = appendString(dst, m[next])
		prev = next
	}
	return append(dst, '}')
}

// appendTime appends t as a quoted RFC 3339 time in UTC with nanoseconds.
func appendTime(dst []byte, t time.Time) []byte {
	dst = append(dst, '"')
	dst = t.UTC().AppendFormat(dst, time.RFC3339Nano)
	return append(dst, '"')
}

// appendStrings appends ss as a JSON array of strings; nil as [].
func appendStrings(dst []byte, ss []string) []byte {
	dst = append(dst, '[')
	for i, s := range ss {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendString(dst, s)
	}
	return append(dst, ']')
}

const hexDigits = "0123456789abcdef"

// AppendString appends s as a quoted JSON string, escaped exactly as
// encoding/json's Encoder does with SetEscapeHTML(false) (the OCSF and
// alert writers share it).
func AppendString(dst []byte, s string) []byte { return appendString(dst, s) }

// AppendEscaped appends s escaped as AppendString does, without quotes.
func AppendEscaped(dst []byte, s string) []byte { return appendEscaped(dst, s) }

// appendString appends s as a quoted JSON string, escaped exactly as
// encoding/json's Encoder does with SetEscapeHTML(false).
func appendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	dst = appendEscaped(dst, s)
	return append(dst, '"')
}

// appendEscaped appends s escaped as appendString does, without quotes.
func appendEscaped(dst []byte, s string) []byte {
	start := 0
	for i := 0; i < len(s); {
		b := s[i]
		if b < utf8.RuneSelf {
			if b >= 0x20 && b != '"' && b != '\\' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch b {
			case '"', '\\':
				dst = append(dst, '\\', b)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[b>>4], hexDigits[b&0xf])
			}
			i++
			start = i
			continue
		}
		c, size := utf8.DecodeRuneInString(s[i:])
		if c == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i++
			start = i
			continue
		}
		if c == '\u2028' || c == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[c&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	return append(dst, s[start:]...)
}

// Encoder writes events as JSON lines to a buffered writer. It is not safe
// for concurrent use.
type Encoder struct {
	w   *bufio.Writer
	buf []byte
}

// NewEncoder returns an Encoder that writes to w through a 64 KiB buffer
// (w itself when it already is a large enough *bufio.Writer). Call Flush to
// push buffered lines out.
func NewEncoder(w io.Writer) *Encoder {
	return &Encoder{w: bufio.NewWriterSize(w, 64<<10), buf: make([]byte, 0, 4096)}
}

// Encode writes ev as one JSON object followed by a newline. The line may
// stay buffered until Flush, or until the buffer fills.
func (e *Encoder) Encode(ev *event.Event) error {
	e.buf = append(Append(e.buf[:0], ev), '\n')
	if _, err := e.w.Write(e.buf); err != nil {
		return fmt.Errorf("eventjson: write %s event: %w", ev.Type, err)
	}
	return nil
}

// Flush writes any buffered lines to the underlying writer.
func (e *Encoder) Flush() error {
	if err := e.w.Flush(); err != nil {
		return fmt.Errorf("eventjson: flush: %w", err)
	}
	return nil
}
