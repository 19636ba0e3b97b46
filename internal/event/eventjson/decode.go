package eventjson

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/netip"
	"reflect"
	"strconv"
	"time"

	"github.com/vigil-sec/vigil/internal/event"
)

// FieldError is a Decode error about one field of the object.
type FieldError struct {
	// Field is the field's path, e.g. "process.uid" or
	// "process.ancestors[1].pid".
	Field string
	Err   error
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Err.Error() }

func (e *FieldError) Unwrap() error { return e.Err }

func fieldErr(field string, format string, args ...any) error {
	return &FieldError{Field: field, Err: fmt.Errorf(format, args...)}
}

// Mirror structs for encoding/json. Numbers are kept raw so that range and
// syntax errors can name the field; a nil or "null" raw value is missing.
type wireEvent struct {
	Time    *string      `json:"time"`
	Type    *string      `json:"type"`
	Host    string       `json:"host"`
	Process *wireProcess `json:"process"`
	Exec    *wireExec    `json:"exec"`
	Clone   *wireClone   `json:"clone"`
	Exit    *wireExit    `json:"exit"`
	Drop    *wireDrop    `json:"drop"`
	// Enforcement is the member of vigil_enforce events.
	Enforcement *wireEnforcement `json:"enforcement"`
	Syscall     *wireSyscall     `json:"syscall"`
	// Container is nil when the member is missing or null: no Container.
	Container *wireContainer `json:"container"`
}

type wireEnforcement struct {
	Policy    string `json:"policy"`
	Mode      string `json:"mode"`
	Action    string `json:"action"`
	Match     string `json:"match"`
	Target    string `json:"target"`
	Proto     string `json:"proto"`
	Result    string `json:"result"`
	Mechanism string `json:"mechanism"`
}

type wireContainer struct {
	ID              string            `json:"id"`
	Runtime         string            `json:"runtime"`
	Name            string            `json:"name"`
	Image           string            `json:"image"`
	ImageRepository string            `json:"image_repository"`
	ImageTag        string            `json:"image_tag"`
	ImageDigest     string            `json:"image_digest"`
	Labels          map[string]string `json:"labels"`
	Privileged      bool              `json:"privileged"`
	Mounts          []wireMount       `json:"mounts"`
	Created         *string           `json:"created"`
	Pod             *wirePod          `json:"pod"`
	MetadataKnown   bool              `json:"metadata_known"`
}

type wireMount struct {
	Source      string   `json:"source"`
	Dest        string   `json:"dest"`
	Type        string   `json:"type"`
	Options     []string `json:"options"`
	ReadWrite   bool     `json:"read_write"`
	Propagation string   `json:"propagation"`
}

type wirePod struct {
	Name      string            `json:"name"`
	Namespace string            `json:"namespace"`
	UID       string            `json:"uid"`
	Labels    map[string]string `json:"labels"`
}

type wireProcess struct {
	PID            json.RawMessage `json:"pid"`
	TID            json.RawMessage `json:"tid"`
	PPID           json.RawMessage `json:"ppid"`
	ExecID         string          `json:"exec_id"`
	Name           string          `json:"name"`
	Exe            string          `json:"exe"`
	Args           []string        `json:"args"`
	ArgsTruncated  bool            `json:"args_truncated"`
	Cwd            string          `json:"cwd"`
	UID            json.RawMessage `json:"uid"`
	GID            json.RawMessage `json:"gid"`
	EUID           json.RawMessage `json:"euid"`
	EGID           json.RawMessage `json:"egid"`
	LoginUID       json.RawMessage `json:"loginuid"`
	SID            json.RawMessage `json:"sid"`
	TTY            json.RawMessage `json:"tty"`
	StartTime      *string         `json:"start_time"`
	CgroupID       json.RawMessage `json:"cgroup_id"`
	ExeUpperLayer  bool            `json:"exe_upper_layer"`
	ExeFromMemfd   bool            `json:"exe_from_memfd"`
	ExeDeleted     bool            `json:"exe_deleted"`
	ExeIno         json.RawMessage `json:"exe_ino"`
	ExeCtime       *string         `json:"exe_ctime"`
	ExeMtime       *string         `json:"exe_mtime"`
	CapEffective   json.RawMessage `json:"cap_effective"`
	CapPermitted   json.RawMessage `json:"cap_permitted"`
	CapInheritable json.RawMessage `json:"cap_inheritable"`
	MntNS          json.RawMessage `json:"mnt_ns"`
	PidNS          json.RawMessage `json:"pid_ns"`
	VPID           json.RawMessage `json:"vpid"`
	VTID           json.RawMessage `json:"vtid"`
	CgroupPath     string          `json:"cgroup_path"`
	CgroupV1Path   string          `json:"cgroup_v1_path"`
	ContainerID    string          `json:"container_id"`
	Ancestors      []wireAncestor  `json:"ancestors"`
}

type wireAncestor struct {
	PID    json.RawMessage `json:"pid"`
	ExecID string          `json:"exec_id"`
	Name   string          `json:"name"`
	Exe    string          `json:"exe"`
	Args   []string        `json:"args"`
}

type wireExec struct {
	Filename string `json:"filename"`
}

type wireClone struct {
	Flags  json.RawMessage `json:"flags"`
	Thread bool            `json:"thread"`
}

type wireExit struct {
	Code       json.RawMessage `json:"code"`
	Signal     json.RawMessage `json:"signal"`
	CoreDumped bool            `json:"core_dumped"`
}

type wireDrop struct {
	Lost  map[string]json.RawMessage `json:"lost"`
	Total json.RawMessage            `json:"total"`
}

type wireSyscall struct {
	Res  json.RawMessage `json:"res"`
	FD   *wireFD         `json:"fd"`
	Args []*wireArg      `json:"args"`
}

type wireFD struct {
	Num      json.RawMessage `json:"num"`
	Type     *string         `json:"type"`
	TypeChar *string         `json:"typechar"`
	Name     string          `json:"name"`
	NameRaw  string          `json:"nameraw"`
	Dev      json.RawMessage `json:"dev"`
	Ino      json.RawMessage `json:"ino"`
	Sock     *wireSocket     `json:"socket"`
}

type wireSocket struct {
	Family      json.RawMessage `json:"family"`
	Type        json.RawMessage `json:"type"`
	Proto       json.RawMessage `json:"proto"`
	Local       *wireAddrPort   `json:"local"`
	Remote      *wireAddrPort   `json:"remote"`
	Role        *string         `json:"role"`
	Connected   bool            `json:"connected"`
	Path        string          `json:"path"`
	NameChanged bool            `json:"name_changed"`
}

type wireAddrPort struct {
	IP   *string         `json:"ip"`
	Port json.RawMessage `json:"port"`
}

type wireArg struct {
	Name  string          `json:"name"`
	Kind  *string         `json:"kind"`
	Value json.RawMessage `json:"value"`
}

// Decode parses one JSON object written by Append (surrounding white space
// allowed, nothing else) into a new Event. See the package documentation
// for what it accepts and rejects.
func Decode(line []byte) (*event.Event, error) {
	var w wireEvent
	if err := json.Unmarshal(line, &w); err != nil {
		return nil, unmarshalErr(err)
	}
	ev := &event.Event{Host: w.Host}

	if w.Time == nil {
		return nil, fieldErr("time", "missing")
	}
	t, err := parseTime("time", *w.Time)
	if err != nil {
		return nil, err
	}
	ev.Time = t

	if w.Type == nil {
		return nil, fieldErr("type", "missing")
	}
	if ev.Type, err = event.ParseType(*w.Type); err != nil {
		return nil, &FieldError{Field: "type", Err: err}
	}

	if w.Process == nil {
		return nil, fieldErr("process", "missing")
	}
	if err := decodeProcess(ev, w.Process); err != nil {
		return nil, err
	}
	if w.Container != nil {
		c, err := decodeContainer(w.Container)
		if err != nil {
			return nil, err
		}
		ev.Container = c
	}
	if err := decodeDetail(ev, &w); err != nil {
		return nil, err
	}
	return ev, nil
}

// decodeContainer converts the "container" member. Empty label maps,
// mount lists and option lists decode as nil.
func decodeContainer(wc *wireContainer) (*event.Container, error) {
	c := &event.Container{
		ID:              wc.ID,
		Runtime:         wc.Runtime,
		Name:            wc.Name,
		Image:           wc.Image,
		ImageRepository: wc.ImageRepository,
		ImageTag:        wc.ImageTag,
		ImageDigest:     wc.ImageDigest,
		Labels:          nilIfEmptyMap(wc.Labels),
		Privileged:      wc.Privileged,
		MetadataKnown:   wc.MetadataKnown,
	}
	if wc.Created != nil {
		t, err := parseTime("container.created", *wc.Created)
		if err != nil {
			return nil, err
		}
		c.Created = t
	}
	if len(wc.Mounts) > 0 {
		c.Mounts = make([]event.Mount, len(wc.Mounts))
		for i, m := range wc.Mounts {
			c.Mounts[i] = event.Mount{Source: m.Source, Dest: m.Dest, Type: m.Type,
				Options: nilIfEmpty(m.Options), ReadWrite: m.ReadWrite, Propagation: m.Propagation}
		}
	}
	if wp := wc.Pod; wp != nil {
		c.Pod = &event.Pod{Name: wp.Name, Namespace: wp.Namespace, UID: wp.UID, Labels: nilIfEmptyMap(wp.Labels)}
	}
	return c, nil
}

// nilIfEmptyMap returns m, or nil when it is empty.
func nilIfEmptyMap(m map[string]string) map[string]string {
	if len(m) == 0 {
		return nil
	}
	return m
}

func decodeProcess(ev *event.Event, wp *wireProcess) error {
	p := &ev.Process
	var err error
	u32 := func(field string, raw json.RawMessage, required bool) uint32 {
		if err != nil {
			return 0
		}
		var v uint64
		v, err = parseUint("process."+field, raw, math.MaxUint32, required)
		return uint32(v)
	}
	p.PID = u32("pid", wp.PID, true)
	p.TID = u32("tid", wp.TID, false)
	p.PPID = u32("ppid", wp.PPID, false)
	p.UID = u32("uid", wp.UID, false)
	p.GID = u32("gid", wp.GID, false)
	p.EUID = u32("euid", wp.EUID, false)
	p.EGID = u32("egid", wp.EGID, false)
	p.SID = u32("sid", wp.SID, false)
	p.TTY = u32("tty", wp.TTY, false)
	p.MntNS = u32("mnt_ns", wp.MntNS, false)
	p.PidNS = u32("pid_ns", wp.PidNS, false)
	p.VPID = u32("vpid", wp.VPID, false)
	p.VTID = u32("vtid", wp.VTID, false)
	if err != nil {
		return err
	}
	if p.LoginUID, err = parseLoginUID(wp.LoginUID); err != nil {
		return err
	}
	if p.CgroupID, err = parseUint("process.cgroup_id", wp.CgroupID, math.MaxUint64, false); err != nil {
		return err
	}
	for _, c := range [...]struct {
		field string
		raw   json.RawMessage
		dst   *uint64
	}{
		{"process.exe_ino", wp.ExeIno, &p.ExeIno},
		{"process.cap_effective", wp.CapEffective, &p.CapEffective},
		{"process.cap_permitted", wp.CapPermitted, &p.CapPermitted},
		{"process.cap_inheritable", wp.CapInheritable, &p.CapInheritable},
	} {
		if *c.dst, err = parseUint(c.field, c.raw, math.MaxUint64, false); err != nil {
			return err
		}
	}
	for _, c := range [...]struct {
		field string
		s     *string
		dst   *time.Time
	}{
		{"process.start_time", wp.StartTime, &p.StartTime},
		{"process.exe_ctime", wp.ExeCtime, &p.ExeCtime},
		{"process.exe_mtime", wp.ExeMtime, &p.ExeMtime},
	} {
		if c.s == nil {
			continue
		}
		if *c.dst, err = parseTime(c.field, *c.s); err != nil {
			return err
		}
	}
	p.ExecID = wp.ExecID
	p.Name = wp.Name
	p.Exe = wp.Exe
	p.Args = nilIfEmpty(wp.Args)
	p.ArgsTruncated = wp.ArgsTruncated
	p.Cwd = wp.Cwd
	p.ExeUpperLayer = wp.ExeUpperLayer
	p.ExeFromMemfd = wp.ExeFromMemfd
	p.ExeDeleted = wp.ExeDeleted
	p.CgroupPath = wp.CgroupPath
	p.CgroupV1Path = wp.CgroupV1Path
	p.ContainerID = wp.ContainerID

	if len(wp.Ancestors) > 0 {
		ev.Ancestors = make([]event.Ancestor, len(wp.Ancestors))
		for i := range wp.Ancestors {
			wa := &wp.Ancestors[i]
			field := "process.ancestors[" + strconv.Itoa(i) + "].pid"
			pid, err := parseUint(field, wa.PID, math.MaxUint32, true)
			if err != nil {
				return err
			}
			ev.Ancestors[i] = event.Ancestor{
				PID:    uint32(pid),
				ExecID: wa.ExecID,
				Name:   wa.Name,
				Exe:    wa.Exe,
				Args:   nilIfEmpty(wa.Args),
			}
		}
	}
	return nil
}

// decodeDetail fills the type-specific detail of ev, which has its Type
// set, and rejects details of other types.
func decodeDetail(ev *event.Event, w *wireEvent) error {
	t := ev.Type
	for _, o := range [...]struct {
		name    string
		present bool
		allowed bool
	}{
		{"exec", w.Exec != nil, t.IsExec()},
		{"clone", w.Clone != nil, t.IsClone()},
		{"exit", w.Exit != nil, t == event.TypeProcExit},
		{"drop", w.Drop != nil, t == event.TypeDrop},
		{"enforcement", w.Enforcement != nil, t == event.TypeEnforce},
		// A failed exec carries its result as a syscall detail.
		{"syscall", w.Syscall != nil, t.IsSyscall() || t.IsExec()},
	} {
		if o.present && !o.allowed {
			return fieldErr(o.name, "not allowed in a %q event", t)
		}
	}

	switch {
	case t.IsExec():
		ev.Exec = &event.Exec{}
		if w.Exec != nil {
			ev.Exec.Filename = w.Exec.Filename
		}
		if w.Syscall != nil {
			ev.Syscall = &event.Syscall{}
			return decodeSyscall(ev.Syscall, w.Syscall)
		}
	case t.IsClone():
		ev.Clone = &event.Clone{}
		if w.Clone != nil {
			flags, err := parseUint("clone.flags", w.Clone.Flags, math.MaxUint64, false)
			if err != nil {
				return err
			}
			ev.Clone.Flags = flags
			ev.Clone.Thread = w.Clone.Thread
		}
	case t == event.TypeProcExit:
		ev.Exit = &event.Exit{}
		if w.Exit != nil {
			code, err := parseInt32("exit.code", w.Exit.Code)
			if err != nil {
				return err
			}
			sig, err := parseInt32("exit.signal", w.Exit.Signal)
			if err != nil {
				return err
			}
			ev.Exit.Code, ev.Exit.Signal = code, sig
			ev.Exit.CoreDumped = w.Exit.CoreDumped
		}
	case t == event.TypeEnforce:
		ev.Enforcement = &event.Enforcement{}
		if e := w.Enforcement; e != nil {
			*ev.Enforcement = event.Enforcement{Policy: e.Policy, Mode: e.Mode, Action: e.Action, Match: e.Match,
				Target: e.Target, Proto: e.Proto, Result: e.Result, Mechanism: e.Mechanism}
		}
	case t == event.TypeDrop:
		ev.Drop = &event.Drop{}
		if w.Drop != nil {
			return decodeDrop(ev.Drop, w.Drop)
		}
	case t.IsSyscall():
		ev.Syscall = &event.Syscall{}
		if w.Syscall != nil {
			return decodeSyscall(ev.Syscall, w.Syscall)
		}
	}
	return nil
}

// argKinds maps the JSON names of argument kinds back to event.ArgKind.
var argKinds = func() map[string]event.ArgKind {
	m := make(map[string]event.ArgKind, len(argKindNames))
	for k, name := range argKindNames {
		if name != "" {
			m[name] = event.ArgKind(k)
		}
	}
	return m
}()

func decodeSyscall(s *event.Syscall, ws *wireSyscall) error {
	var err error
	if s.Res, err = parseInt64("syscall.res", ws.Res); err != nil {
		return err
	}
	if wf := ws.FD; wf != nil {
		fd := &event.FD{Name: wf.Name, NameRaw: wf.NameRaw}
		if fd.Num, err = parseInt64("syscall.fd.num", wf.Num); err != nil {
			return err
		}
		if wf.Type != nil {
			if fd.Type, err = event.ParseFDType(*wf.Type); err != nil {
				return &FieldError{Field: "syscall.fd.type", Err: err}
			}
		}
		if wf.TypeChar != nil {
			if want := string(rune(fd.Type.Char())); *wf.TypeChar != want {
				return fieldErr("syscall.fd.typechar", "%q does not match type %q (%q)", *wf.TypeChar, fd.Type, want)
			}
		}
		dev, err := parseUint("syscall.fd.dev", wf.Dev, math.MaxUint32, false)
		if err != nil {
			return err
		}
		fd.Dev = uint32(dev)
		if fd.Ino, err = parseUint("syscall.fd.ino", wf.Ino, math.MaxUint64, false); err != nil {
			return err
		}
		if wf.Sock != nil {
			if fd.Sock, err = decodeSocket("syscall.fd.socket", wf.Sock); err != nil {
				return err
			}
		}
		s.FD = fd
	}
	if len(ws.Args) == 0 {
		return nil
	}
	s.Args = make([]event.Arg, len(ws.Args))
	for i, wa := range ws.Args {
		field := "syscall.args[" + strconv.Itoa(i) + "]"
		if wa == nil {
			return fieldErr(field, "want an argument object, got null")
		}
		a := &s.Args[i]
		a.Name = wa.Name
		if wa.Kind == nil {
			return fieldErr(field+".kind", "missing")
		}
		kind, ok := argKinds[*wa.Kind]
		if !ok {
			return fieldErr(field+".kind", "unknown argument kind %q", *wa.Kind)
		}
		a.Kind = kind
		switch {
		case argIsString(kind):
			if isMissing(wa.Value) {
				break
			}
			if wa.Value[0] != '"' {
				return fieldErr(field+".value", "want a string for kind %q, got %s", *wa.Kind, kindOf(wa.Value))
			}
			if err := json.Unmarshal(wa.Value, &a.Str); err != nil {
				return &FieldError{Field: field + ".value", Err: err}
			}
		case argIsSigned(kind):
			if a.Num, err = parseInt64(field+".value", wa.Value); err != nil {
				return err
			}
		default:
			u, err := parseUint(field+".value", wa.Value, math.MaxUint64, false)
			if err != nil {
				return err
			}
			a.Num = int64(u)
		}
	}
	return nil
}

// roles maps the JSON names of socket roles back to event.SockRole.
var roles = map[string]event.SockRole{"unknown": event.RoleUnknown, "client": event.RoleClient, "server": event.RoleServer}

// decodeSocket decodes the "socket" object of a descriptor; field is its
// path, for errors.
func decodeSocket(field string, ws *wireSocket) (*event.Socket, error) {
	sock := &event.Socket{Connected: ws.Connected, Path: ws.Path, NameChanged: ws.NameChanged}
	for _, c := range [...]struct {
		name string
		raw  json.RawMessage
		dst  *uint16
	}{
		{"family", ws.Family, &sock.Family},
		{"type", ws.Type, &sock.Type},
		{"proto", ws.Proto, &sock.Proto},
	} {
		v, err := parseUint(field+"."+c.name, c.raw, math.MaxUint16, false)
		if err != nil {
			return nil, err
		}
		*c.dst = uint16(v)
	}
	var err error
	if sock.Local, err = decodeAddrPort(field+".local", ws.Local); err != nil {
		return nil, err
	}
	if sock.Remote, err = decodeAddrPort(field+".remote", ws.Remote); err != nil {
		return nil, err
	}
	if ws.Role != nil {
		role, ok := roles[*ws.Role]
		if !ok {
			return nil, fieldErr(field+".role", "unknown socket role %q (want \"client\" or \"server\")", *ws.Role)
		}
		sock.Role = role
	}
	return sock, nil
}

// decodeAddrPort decodes an endpoint {"ip","port"}; absent (nil) is the
// invalid netip.AddrPort. The ip is required, a missing port is 0.
func decodeAddrPort(field string, wa *wireAddrPort) (netip.AddrPort, error) {
	if wa == nil {
		return netip.AddrPort{}, nil
	}
	if wa.IP == nil {
		return netip.AddrPort{}, fieldErr(field+".ip", "missing")
	}
	addr, err := netip.ParseAddr(*wa.IP)
	if err != nil {
		return netip.AddrPort{}, &FieldError{Field: field + ".ip", Err: err}
	}
	port, err := parseUint(field+".port", wa.Port, math.MaxUint16, false)
	if err != nil {
		return netip.AddrPort{}, err
	}
	return netip.AddrPortFrom(addr, uint16(port)), nil
}

func decodeDrop(d *event.Drop, wd *wireDrop) error {
	for k, raw := range wd.Lost {
		if isMissing(raw) {
			continue
		}
		n, err := parseUint("drop.lost."+k, raw, math.MaxUint64, true)
		if err != nil {
			return err
		}
		if d.Lost == nil {
			d.Lost = make(map[string]uint64, len(wd.Lost))
		}
		d.Lost[k] = n
	}
	if isMissing(wd.Total) {
		return nil
	}
	total, err := parseUint("drop.total", wd.Total, math.MaxUint64, true)
	if err != nil {
		return err
	}
	if sum := d.Total(); total != sum {
		return fieldErr("drop.total", "%d is not the sum of drop.lost (%d)", total, sum)
	}
	return nil
}

// unmarshalErr turns an encoding/json error into one that names the field.
func unmarshalErr(err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Errorf("invalid JSON at byte %d: %w", se.Offset, err)
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		want := jsonKind(te.Type)
		if te.Field == "" {
			return fmt.Errorf("invalid event: want a JSON %s, got %s", want, te.Value)
		}
		return fieldErr(te.Field, "want a JSON %s, got %s", want, te.Value)
	}
	return fmt.Errorf("invalid JSON: %w", err)
}

// jsonKind names the JSON kind that decodes into t.
func jsonKind(t reflect.Type) string {
	if t == nil {
		return "value"
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "boolean"
	case reflect.Slice, reflect.Array:
		return "array"
	case reflect.Struct, reflect.Map:
		return "object"
	}
	return "value"
}

func parseTime(field, s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, &FieldError{Field: field, Err: err}
	}
	t = t.UTC()
	if y := t.Year(); y < 0 || y > 9999 {
		return time.Time{}, fieldErr(field, "%q is outside the years 0000-9999 in UTC", s)
	}
	if t.IsZero() {
		return time.Time{}, nil
	}
	return t, nil
}

func isMissing(raw json.RawMessage) bool {
	return len(raw) == 0 || string(raw) == "null"
}

// kindOf names the JSON kind of a raw value that is not a number.
func kindOf(raw json.RawMessage) string {
	switch raw[0] {
	case '"':
		return "string"
	case 't', 'f':
		return "boolean"
	case '[':
		return "array"
	case '{':
		return "object"
	}
	return "number " + string(raw)
}

// isInteger reports whether raw, a valid JSON value, is an integer literal
// (no fraction, no exponent).
func isInteger(raw json.RawMessage) bool {
	digits := raw
	if digits[0] == '-' {
		digits = digits[1:]
	}
	if len(digits) == 0 {
		return false
	}
	for _, c := range digits {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// isNegative reports whether the integer literal raw is below zero.
func isNegative(raw json.RawMessage) bool {
	if raw[0] != '-' {
		return false
	}
	for _, c := range raw[1:] {
		if c != '0' {
			return true
		}
	}
	return false // -0
}

// parseUint parses raw as an integer in [0, max]. A missing value is 0,
// or an error when required.
func parseUint(field string, raw json.RawMessage, max uint64, required bool) (uint64, error) {
	if isMissing(raw) {
		if required {
			return 0, fieldErr(field, "missing")
		}
		return 0, nil
	}
	if !isInteger(raw) {
		return 0, fieldErr(field, "want an integer, got %s", kindOf(raw))
	}
	if isNegative(raw) {
		return 0, fieldErr(field, "%s out of range [0, %d]", raw, max)
	}
	digits := raw
	if digits[0] == '-' { // -0
		digits = digits[1:]
	}
	v, err := strconv.ParseUint(string(digits), 10, 64)
	if err != nil || v > max {
		return 0, fieldErr(field, "%s out of range [0, %d]", raw, max)
	}
	return v, nil
}

// parseInt32 parses raw as an int32; a missing value is 0.
func parseInt32(field string, raw json.RawMessage) (int32, error) {
	if isMissing(raw) {
		return 0, nil
	}
	if !isInteger(raw) {
		return 0, fieldErr(field, "want an integer, got %s", kindOf(raw))
	}
	v, err := strconv.ParseInt(string(raw), 10, 32)
	if err != nil {
		return 0, fieldErr(field, "%s out of range [%d, %d]", raw, math.MinInt32, math.MaxInt32)
	}
	return int32(v), nil
}

// parseInt64 parses raw as an int64; a missing value is 0.
func parseInt64(field string, raw json.RawMessage) (int64, error) {
	if isMissing(raw) {
		return 0, nil
	}
	if !isInteger(raw) {
		return 0, fieldErr(field, "want an integer, got %s", kindOf(raw))
	}
	v, err := strconv.ParseInt(string(raw), 10, 64)
	if err != nil {
		return 0, fieldErr(field, "%s out of range [%d, %d]", raw, int64(math.MinInt64), int64(math.MaxInt64))
	}
	return v, nil
}

// parseLoginUID parses the loginuid: -1 (unset) or a uid. A missing value
// is unset.
func parseLoginUID(raw json.RawMessage) (uint32, error) {
	const field = "process.loginuid"
	if isMissing(raw) || string(raw) == "-1" {
		return event.NoLoginUID, nil
	}
	if !isInteger(raw) {
		return 0, fieldErr(field, "want an integer, got %s", kindOf(raw))
	}
	v, err := strconv.ParseInt(string(raw), 10, 64)
	if err != nil || v < 0 || v > math.MaxUint32 {
		return 0, fieldErr(field, "%s out of range (-1 for unset, or 0 to %d)", raw, uint32(math.MaxUint32))
	}
	return uint32(v), nil
}

func nilIfEmpty(ss []string) []string {
	if len(ss) == 0 {
		return nil
	}
	return ss
}
