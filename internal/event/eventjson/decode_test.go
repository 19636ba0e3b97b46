package eventjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/vigil-sec/vigil/internal/event"
)

// diff describes how two events differ, or returns "".
func diff(got, want *event.Event) string {
	if reflect.DeepEqual(got, want) {
		return ""
	}
	return fmt.Sprintf("\n got: %#v\nwant: %#v\n got JSON: %s\nwant JSON: %s",
		*got, *want, Append(nil, got), Append(nil, want))
}

func TestGoldenDecode(t *testing.T) {
	for _, f := range fixtures() {
		t.Run(f.name, func(t *testing.T) {
			line, err := os.ReadFile(goldenPath(f.name))
			if err != nil {
				t.Fatal(err)
			}
			got, err := Decode(line)
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			want := f.ev
			if f.decoded != nil {
				want = f.decoded
			}
			if d := diff(got, want); d != "" {
				t.Errorf("Decode(%s) differs:%s", goldenPath(f.name), d)
			}
		})
	}
}

// TestRoundTripEveryType round-trips an event of every type, with every
// field set and with every field zero.
func TestRoundTripEveryType(t *testing.T) {
	for _, typ := range event.Types() {
		full := fixtures()[0].ev
		full.Type = typ
		full.Exec, full.Clone, full.Exit, full.Drop, full.Syscall, full.Enforcement = nil, nil, nil, nil, nil, nil
		zero := &event.Event{Type: typ}
		switch {
		case typ.IsExec():
			full.Exec = &event.Exec{Filename: "/usr/bin/env"}
			full.Syscall = &event.Syscall{Res: -4095, Args: []event.Arg{{Name: "res", Kind: event.ArgErrno, Num: -4095}}}
			zero.Exec = &event.Exec{}
		case typ.IsClone():
			full.Clone = &event.Clone{Flags: math.MaxUint64, Thread: true}
			zero.Clone = &event.Clone{}
		case typ == event.TypeProcExit:
			full.Exit = &event.Exit{Code: math.MinInt32, Signal: math.MaxInt32, CoreDumped: true}
			zero.Exit = &event.Exit{}
		case typ == event.TypeDrop:
			full.Drop = &event.Drop{Lost: map[string]uint64{"execve": 1, "": 2, "clone\n": math.MaxUint64 - 3}}
			zero.Drop = &event.Drop{}
		case typ == event.TypeEnforce:
			full.Enforcement = &event.Enforcement{Policy: "p\n", Mode: "audit", Action: "deny", Match: "connect",
				Target: "[::1]:22", Proto: "tcp", Result: "would deny", Mechanism: "cgroup sock_addr"}
			zero.Enforcement = &event.Enforcement{}
		case typ.IsSyscall():
			full.Syscall = &event.Syscall{Res: math.MinInt64,
				Args: []event.Arg{
					{Name: "i", Kind: event.ArgInt, Num: math.MinInt64},
					{Name: "u", Kind: event.ArgUint, Num: -1}, // all bits: math.MaxUint64
					{Name: "fd", Kind: event.ArgFD, Num: math.MaxInt64},
					{Name: "p", Kind: event.ArgPath, Str: "/a\n\"b\"/\u2028"},
					{Name: "", Kind: event.ArgString, Str: ""},
					{Name: "flags", Kind: event.ArgOpenFlags, Num: math.MinInt64},
					{Name: "mode", Kind: event.ArgMode, Num: 0o7777},
					{Name: "resolve", Kind: event.ArgResolve, Num: 0x3f},
					{Name: "res", Kind: event.ArgErrno, Num: -4095},
					{Name: "domain", Kind: event.ArgSockFamily, Num: math.MaxUint16},
					{Name: "type", Kind: event.ArgSockType, Num: 0x80802},
					{Name: "addr", Kind: event.ArgSockAddr, Str: "[::1]:80"},
					{Name: "tuple", Kind: event.ArgTuple, Str: "::1:40000->::1:80"},
					{Name: "request", Kind: event.ArgPtraceReq, Num: 0x4206},
					{Name: "sig", Kind: event.ArgSignal, Num: -1},
					{Name: "nstype", Kind: event.ArgCloneFlags, Num: math.MinInt64},
					{Name: "mflags", Kind: event.ArgMountFlags, Num: -1},
					{Name: "uflags", Kind: event.ArgUmountFlags, Num: 15},
					{Name: "prot", Kind: event.ArgProt, Num: 7},
					{Name: "mmflags", Kind: event.ArgMmapFlags, Num: 0x100022},
					{Name: "option", Kind: event.ArgPrctlOption, Num: 0x59616d61},
					{Name: "cmd", Kind: event.ArgBpfCmd, Num: 36},
					{Name: "caps", Kind: event.ArgCapSet, Num: math.MinInt64 | 1},
					{Name: "addr", Kind: event.ArgHex, Num: -12},
					{Name: "mfd", Kind: event.ArgMemfdFlags, Num: 0x10},
					{Name: "modflags", Kind: event.ArgModuleFlags, Num: 3},
					{Name: "uid", Kind: event.ArgUID, Num: math.MaxUint32},
					{Name: "gid", Kind: event.ArgGID, Num: -1},
					{Name: "flags", Kind: event.ArgFlags, Num: math.MaxInt64},
				},
				FD: &event.FD{Num: math.MinInt64, Type: event.FDMemfd, Name: "/memfd:x (deleted)", NameRaw: "x",
					Dev: math.MaxUint32, Ino: math.MaxUint64,
					Sock: &event.Socket{Family: math.MaxUint16, Type: math.MaxUint16, Proto: math.MaxUint16,
						Local:  netip.MustParseAddrPort("[fe80::1%eth\"0]:65535"),
						Remote: netip.AddrPortFrom(netip.AddrFrom16(netip.MustParseAddr("10.1.2.3").As16()), 0),
						Role:   event.RoleServer, Connected: true, Path: "@\x00a\n", NameChanged: true}}}
			zero.Syscall = &event.Syscall{}
		}
		full.Process.PID, full.Process.CgroupID, full.Process.LoginUID = math.MaxUint32, math.MaxUint64, math.MaxUint32-1
		full.Process.CapEffective, full.Process.CapPermitted, full.Process.CapInheritable = math.MaxUint64, 1, 1<<40
		full.Process.ExeIno = math.MaxUint64
		full.Process.ExeCtime = time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC)
		full.Process.ExeMtime = time.Date(0, 1, 1, 0, 0, 0, 1, time.UTC)
		for name, ev := range map[string]*event.Event{"full": full, "zero": zero} {
			t.Run(typ.String()+"/"+name, func(t *testing.T) {
				line := Append(nil, ev)
				got, err := Decode(line)
				if err != nil {
					t.Fatalf("Decode(%s): %v", line, err)
				}
				if d := diff(got, ev); d != "" {
					t.Errorf("round trip differs:%s", d)
				}
			})
		}
	}
}

// randString returns a valid UTF-8 string, rich in characters that need
// escaping.
func randString(rng *rand.Rand) string {
	pool := []rune{'a', 'Z', '0', ' ', '/', '"', '\\', '\n', '\r', '\t', '\b', '\f', 0, 1, 0x1f, 0x7f,
		'<', '>', '&', 'é', '日', '🐧', '\u2028', '\u2029', utf8RuneError, 0x10ffff}
	if rng.IntN(4) == 0 {
		return ""
	}
	var sb strings.Builder
	for range rng.IntN(20) {
		sb.WriteRune(pool[rng.IntN(len(pool))])
	}
	return sb.String()
}

const utf8RuneError = '\ufffd'

func randStrings(rng *rand.Rand) []string {
	n := rng.IntN(5)
	if n == 0 {
		return nil
	}
	ss := make([]string, n)
	for i := range ss {
		ss[i] = randString(rng)
	}
	return ss
}

func randTime(rng *rand.Rand) time.Time {
	if rng.IntN(5) == 0 {
		return time.Time{}
	}
	const minSec, maxSec = -62167219200, 253402300799 // 0000-01-01 .. 9999-12-31 UTC
	sec := minSec + rng.Int64N(maxSec-minSec+1)
	nsec := rng.Int64N(1e9)
	if rng.IntN(3) == 0 {
		nsec = 0
	}
	return time.Unix(sec, nsec).UTC()
}

func randU32(rng *rand.Rand) uint32 {
	switch rng.IntN(4) {
	case 0:
		return 0
	case 1:
		return math.MaxUint32 - uint32(rng.IntN(2))
	}
	return rng.Uint32()
}

// randEvent returns a random event; when valid, one that round-trips.
func randEvent(rng *rand.Rand, valid bool) *event.Event {
	types := event.Types()
	ev := &event.Event{
		Time: randTime(rng),
		Type: types[rng.IntN(len(types))],
		Host: randString(rng),
		Process: event.Process{
			PID: randU32(rng), TID: randU32(rng), PPID: randU32(rng),
			ExecID: randString(rng), Name: randString(rng), Exe: randString(rng),
			Args: randStrings(rng), ArgsTruncated: rng.IntN(2) == 0, Cwd: randString(rng),
			UID: randU32(rng), GID: randU32(rng), EUID: randU32(rng), EGID: randU32(rng),
			LoginUID: randU32(rng), SID: randU32(rng), TTY: randU32(rng),
			StartTime: randTime(rng), CgroupID: rng.Uint64(),
			ExeUpperLayer: rng.IntN(2) == 0, ExeFromMemfd: rng.IntN(2) == 0, ExeDeleted: rng.IntN(2) == 0,
		},
	}
	if rng.IntN(2) == 0 {
		p := &ev.Process
		p.ExeIno = rng.Uint64() >> rng.IntN(65)
		p.ExeCtime, p.ExeMtime = randTime(rng), randTime(rng)
		p.CapEffective, p.CapPermitted, p.CapInheritable = rng.Uint64()>>rng.IntN(65), rng.Uint64()>>rng.IntN(65), rng.Uint64()>>rng.IntN(65)
	}
	for range rng.IntN(4) {
		ev.Ancestors = append(ev.Ancestors, event.Ancestor{PID: randU32(rng), ExecID: randString(rng),
			Name: randString(rng), Exe: randString(rng), Args: randStrings(rng)})
	}
	switch {
	case ev.Type.IsExec():
		ev.Exec = &event.Exec{Filename: randString(rng)}
		if rng.IntN(3) == 0 {
			ev.Syscall = randSyscall(rng)
		}
	case ev.Type.IsClone():
		ev.Clone = &event.Clone{Flags: rng.Uint64() >> rng.IntN(64), Thread: rng.IntN(2) == 0}
	case ev.Type == event.TypeProcExit:
		ev.Exit = &event.Exit{Code: int32(rng.Uint32()), Signal: int32(rng.IntN(65)), CoreDumped: rng.IntN(2) == 0}
	case ev.Type == event.TypeDrop:
		ev.Drop = &event.Drop{}
		for range rng.IntN(5) {
			if ev.Drop.Lost == nil {
				ev.Drop.Lost = map[string]uint64{}
			}
			ev.Drop.Lost[randString(rng)] = rng.Uint64() >> rng.IntN(64)
		}
	case ev.Type == event.TypeEnforce:
		ev.Enforcement = &event.Enforcement{Policy: randString(rng), Mode: randString(rng), Action: randString(rng),
			Match: randString(rng), Target: randString(rng), Proto: randString(rng), Result: randString(rng), Mechanism: randString(rng)}
	case ev.Type.IsSyscall():
		ev.Syscall = randSyscall(rng)
	}
	if !valid && rng.IntN(2) == 0 {
		// Raw kernel bytes.
		ev.Process.Args = append(ev.Process.Args, string([]byte{byte(rng.IntN(256)), 0xff}))
	}
	return ev
}

// randSyscall returns a random Syscall detail that round-trips: Str only
// for path and string arguments, Num only for the others.
func randSyscall(rng *rand.Rand) *event.Syscall {
	s := &event.Syscall{Res: int64(rng.Uint64()) >> rng.IntN(64)}
	if rng.IntN(4) > 0 {
		s.FD = &event.FD{Num: int64(rng.Uint64()) >> rng.IntN(64), Type: event.FDType(rng.IntN(14)),
			Name: randString(rng), NameRaw: randString(rng), Dev: randU32(rng), Ino: rng.Uint64() >> rng.IntN(64)}
		if rng.IntN(2) == 0 {
			s.FD.Sock = &event.Socket{Family: uint16(rng.IntN(1 << 16)), Type: uint16(rng.IntN(12)), Proto: uint16(rng.IntN(300)),
				Local: randAddrPort(rng), Remote: randAddrPort(rng), Role: event.SockRole(rng.IntN(3)),
				Connected: rng.IntN(2) == 0, Path: randString(rng), NameChanged: rng.IntN(2) == 0}
		}
	}
	for range rng.IntN(9) {
		a := event.Arg{Name: randString(rng), Kind: event.ArgKind(1 + rng.IntN(int(event.ArgFlags)))}
		if argIsString(a.Kind) {
			a.Str = randString(rng)
		} else {
			a.Num = int64(rng.Uint64()) >> rng.IntN(64)
		}
		s.Args = append(s.Args, a)
	}
	return s
}

// randAddrPort returns an invalid (unknown) endpoint, or an IPv4, IPv6,
// IPv4-mapped IPv6 or zoned IPv6 one.
func randAddrPort(rng *rand.Rand) netip.AddrPort {
	var b [16]byte
	for i := range b {
		b[i] = byte(rng.IntN(256))
	}
	port := uint16(rng.IntN(1 << 16))
	switch rng.IntN(5) {
	case 0:
		return netip.AddrPort{}
	case 1:
		return netip.AddrPortFrom(netip.AddrFrom4([4]byte(b[:4])), port)
	case 2:
		return netip.AddrPortFrom(netip.AddrFrom16(netip.AddrFrom4([4]byte(b[:4])).As16()), port)
	case 3:
		return netip.AddrPortFrom(netip.AddrFrom16(b).WithZone("eth"+randString(rng)), port)
	}
	return netip.AddrPortFrom(netip.AddrFrom16(b), port)
}

// TestRoundTripProperty: for random valid events, Decode(Append(ev)) == ev
// and re-encoding is byte-identical.
func TestRoundTripProperty(t *testing.T) {
	rng := rand.New(rand.NewPCG(42, 7))
	for i := range 20000 {
		ev := randEvent(rng, true)
		line := Append(nil, ev)
		got, err := Decode(line)
		if err != nil {
			t.Fatalf("event %d: Decode(%s): %v", i, line, err)
		}
		if d := diff(got, ev); d != "" {
			t.Fatalf("event %d: round trip differs:%s", i, d)
		}
		if again := Append(nil, got); !bytes.Equal(again, line) {
			t.Fatalf("event %d: re-encoding differs:\n%s\n%s", i, line, again)
		}
	}
}

// TestRoundTripInvalidUTF8Property: events with raw bytes encode to valid
// JSON, and decode to an event that then round-trips exactly.
func TestRoundTripInvalidUTF8Property(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for i := range 5000 {
		first := Append(nil, randEvent(rng, false))
		if !json.Valid(first) || !utf8.Valid(first) {
			t.Fatalf("event %d: invalid JSON or UTF-8: %q", i, first)
		}
		ev, err := Decode(first)
		if err != nil {
			t.Fatalf("event %d: Decode(%s): %v", i, first, err)
		}
		line := Append(nil, ev)
		again, err := Decode(line)
		if err != nil {
			t.Fatalf("event %d: Decode(%s): %v", i, line, err)
		}
		if d := diff(again, ev); d != "" {
			t.Fatalf("event %d: round trip differs:%s", i, d)
		}
	}
}

// minimal is the smallest line Decode accepts.
const minimal = `{"time":"2025-01-01T00:00:00Z","type":"fork","process":{"pid":7}}`

// withProcess returns a line with process fields set to procJSON.
func withProcess(procJSON string) string {
	return `{"time":"2025-01-01T00:00:00Z","type":"fork","process":{"pid":7,` + procJSON + `}}`
}

// withSyscall returns an openat line whose syscall object holds sysJSON.
func withSyscall(sysJSON string) string {
	return `{"time":"2025-01-01T00:00:00Z","type":"openat","process":{"pid":7},"syscall":{` + sysJSON + `}}`
}

// withContainer returns a fork line whose "container" member is
// containerJSON.
func withContainer(containerJSON string) string {
	return `{"time":"2025-01-01T00:00:00Z","type":"fork","process":{"pid":7},"container":` + containerJSON + `}`
}

func TestDecodeContainerErrors(t *testing.T) {
	for _, tc := range []struct {
		line  string
		field string
		msg   string
	}{
		{withProcess(`"vpid":-1`), "process.vpid", "out of range"},
		{withProcess(`"mnt_ns":4294967296`), "process.mnt_ns", "out of range"},
		{withProcess(`"pid_ns":1.5`), "process.pid_ns", ""},
		{withProcess(`"vtid":"1"`), "process.vtid", ""},
		{withProcess(`"cgroup_path":1`), "process.cgroup_path", "want a JSON string, got number"},
		{withProcess(`"container_id":[]`), "process.container_id", "want a JSON string, got array"},
		{withContainer(`[]`), "container", "want a JSON object, got array"},
		{withContainer(`"abc"`), "container", "want a JSON object, got string"},
		{withContainer(`{"id":1}`), "container.id", "want a JSON string, got number"},
		{withContainer(`{"labels":[]}`), "container.labels", "want a JSON object, got array"},
		{withContainer(`{"labels":{"a":1}}`), "container.labels", "want a JSON string, got number"},
		{withContainer(`{"privileged":"yes"}`), "container.privileged", "want a JSON boolean, got string"},
		{withContainer(`{"mounts":{}}`), "container.mounts", "want a JSON array, got object"},
		{withContainer(`{"mounts":[{"options":"ro"}]}`), "container.mounts.options", "want a JSON array, got string"},
		{withContainer(`{"mounts":[{"read_write":1}]}`), "container.mounts.read_write", "want a JSON boolean, got number"},
		{withContainer(`{"created":"yesterday"}`), "container.created", `parsing time "yesterday"`},
		{withContainer(`{"created":0}`), "container.created", "want a JSON string, got number"},
		{withContainer(`{"pod":[]}`), "container.pod", "want a JSON object, got array"},
		{withContainer(`{"pod":{"labels":{"a":null,"b":2}}}`), "container.pod.labels", "want a JSON string, got number"},
		{withContainer(`{"metadata_known":null,"pod":{"uid":7}}`), "container.pod.uid", "want a JSON string, got number"},
	} {
		_, err := Decode([]byte(tc.line))
		if err == nil {
			t.Errorf("Decode(%s) succeeded", tc.line)
			continue
		}
		var fe *FieldError
		if !errors.As(err, &fe) || !strings.HasPrefix(fe.Field, tc.field) {
			t.Errorf("Decode(%s) = %v, want a FieldError for %s", tc.line, err, tc.field)
			continue
		}
		if !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("Decode(%s) = %q, want it to contain %q", tc.line, err, tc.msg)
		}
	}
}

// A "container" member that is null or missing gives no Container; an
// empty one gives a zero Container (empty maps and lists as nil).
func TestDecodeContainerLenient(t *testing.T) {
	for _, tc := range []struct {
		line string
		want *event.Container
	}{
		{minimal, nil},
		{withContainer(`null`), nil},
		{withContainer(`{}`), &event.Container{}},
		{withContainer(`{"labels":{},"mounts":[],"pod":{"labels":{}},"created":null,"unknown":1}`), &event.Container{Pod: &event.Pod{}}},
		{withContainer(`{"mounts":[{"options":[]}]}`), &event.Container{Mounts: []event.Mount{{}}}},
	} {
		ev, err := Decode([]byte(tc.line))
		if err != nil {
			t.Errorf("Decode(%s): %v", tc.line, err)
			continue
		}
		if !reflect.DeepEqual(ev.Container, tc.want) {
			t.Errorf("Decode(%s).Container = %#v, want %#v", tc.line, ev.Container, tc.want)
		}
	}
}

func TestDecodeErrors(t *testing.T) {
	for _, tc := range []struct {
		line  string
		field string // FieldError.Field, "" for an error that is not a FieldError
		msg   string // substring of the message
	}{
		{``, "", "invalid JSON"},
		{`{`, "", "invalid JSON"},
		{`{"time":"2025-01-01T00:00:00Z",}`, "", "invalid JSON at byte "},
		{minimal + `x`, "", "invalid JSON"},
		{minimal + minimal, "", "invalid JSON"},
		{`[]`, "", "want a JSON object, got array"},
		{`"str"`, "", "want a JSON object, got string"},
		{`null`, "time", "time: missing"},
		{`{}`, "time", "time: missing"},
		{`{"type":"fork","process":{"pid":1}}`, "time", "time: missing"},
		{`{"time":null,"type":"fork","process":{"pid":1}}`, "time", "time: missing"},
		{`{"time":"yesterday","type":"fork","process":{"pid":1}}`, "time", `time: parsing time "yesterday"`},
		{`{"time":"2025-01-01 00:00:00Z","type":"fork","process":{"pid":1}}`, "time", "time: parsing time"},
		{`{"time":"2025-01-01T00:00:00","type":"fork","process":{"pid":1}}`, "time", "time: parsing time"},
		{`{"time":"2025-13-01T00:00:00Z","type":"fork","process":{"pid":1}}`, "time", "time: parsing time"},
		{`{"time":"0000-01-01T00:00:00+01:00","type":"fork","process":{"pid":1}}`, "time", "outside the years"},
		{`{"time":1735689600,"type":"fork","process":{"pid":1}}`, "time", "time: want a JSON string, got number"},
		{`{"time":"2025-01-01T00:00:00Z","process":{"pid":1}}`, "type", "type: missing"},
		{`{"time":"2025-01-01T00:00:00Z","type":"sendfile","process":{"pid":1}}`, "type", `type: unknown event type "sendfile"`},
		{`{"time":"2025-01-01T00:00:00Z","type":"unknown","process":{"pid":1}}`, "type", `unknown event type`},
		{`{"time":"2025-01-01T00:00:00Z","type":"EXECVE","process":{"pid":1}}`, "type", `unknown event type`},
		{`{"time":"2025-01-01T00:00:00Z","type":3,"process":{"pid":1}}`, "type", "type: want a JSON string, got number"},
		{`{"time":"2025-01-01T00:00:00Z","type":"fork"}`, "process", "process: missing"},
		{`{"time":"2025-01-01T00:00:00Z","type":"fork","process":null}`, "process", "process: missing"},
		{`{"time":"2025-01-01T00:00:00Z","type":"fork","process":[]}`, "process", "process: want a JSON object, got array"},
		{`{"time":"2025-01-01T00:00:00Z","type":"fork","process":{}}`, "process.pid", "process.pid: missing"},
		{`{"time":"2025-01-01T00:00:00Z","type":"fork","process":{"pid":null}}`, "process.pid", "process.pid: missing"},
		{`{"time":"2025-01-01T00:00:00Z","type":"fork","process":{"pid":4294967296}}`, "process.pid", "process.pid: 4294967296 out of range [0, 4294967295]"},
		{`{"time":"2025-01-01T00:00:00Z","type":"fork","process":{"pid":-1}}`, "process.pid", "out of range"},
		{`{"time":"2025-01-01T00:00:00Z","type":"fork","process":{"pid":1.5}}`, "process.pid", "process.pid: want an integer, got number 1.5"},
		{`{"time":"2025-01-01T00:00:00Z","type":"fork","process":{"pid":1e3}}`, "process.pid", "want an integer, got number 1e3"},
		{`{"time":"2025-01-01T00:00:00Z","type":"fork","process":{"pid":"7"}}`, "process.pid", "process.pid: want an integer, got string"},
		{`{"time":"2025-01-01T00:00:00Z","type":"fork","process":{"pid":true}}`, "process.pid", "want an integer, got boolean"},
		{withProcess(`"tid":99999999999999999999999`), "process.tid", "out of range"},
		{withProcess(`"ppid":[]`), "process.ppid", "want an integer, got array"},
		{withProcess(`"uid":-5`), "process.uid", "process.uid: -5 out of range [0, 4294967295]"},
		{withProcess(`"gid":-1`), "process.gid", "out of range"},
		{withProcess(`"euid":{}`), "process.euid", "want an integer, got object"},
		{withProcess(`"egid":4294967296`), "process.egid", "out of range"},
		{withProcess(`"loginuid":-2`), "process.loginuid", "process.loginuid: -2 out of range (-1 for unset"},
		{withProcess(`"loginuid":4294967296`), "process.loginuid", "out of range"},
		{withProcess(`"loginuid":"-1"`), "process.loginuid", "want an integer, got string"},
		{withProcess(`"sid":0.0`), "process.sid", "want an integer"},
		{withProcess(`"tty":-0.5`), "process.tty", "want an integer"},
		{withProcess(`"cgroup_id":18446744073709551616`), "process.cgroup_id", "out of range [0, 18446744073709551615]"},
		{withProcess(`"cgroup_id":-1`), "process.cgroup_id", "out of range"},
		{withProcess(`"start_time":"now"`), "process.start_time", "process.start_time: parsing time"},
		{withProcess(`"start_time":5`), "process.start_time", "want a JSON string"},
		{withProcess(`"name":5`), "process.name", "process.name: want a JSON string, got number"},
		{withProcess(`"args":"sh -c x"`), "process.args", "process.args: want a JSON array, got string"},
		{withProcess(`"args":["sh",1]`), "process.args*", "want a JSON string, got number"},
		{withProcess(`"args_truncated":"yes"`), "process.args_truncated", "want a JSON boolean, got string"},
		{withProcess(`"exe_deleted":1`), "process.exe_deleted", "want a JSON boolean, got number"},
		{withProcess(`"ancestors":{}`), "process.ancestors", "want a JSON array, got object"},
		{withProcess(`"ancestors":[{"pid":1},{"name":"x"}]`), "process.ancestors[1].pid", "process.ancestors[1].pid: missing"},
		{withProcess(`"ancestors":[{"pid":-1}]`), "process.ancestors[0].pid", "out of range"},
		{withProcess(`"ancestors":[null]`), "process.ancestors[0].pid", "missing"},
		{`{"time":"2025-01-01T00:00:00Z","type":"execve","process":{"pid":1},"clone":{"flags":0,"thread":false}}`, "clone", `clone: not allowed in a "execve" event`},
		{`{"time":"2025-01-01T00:00:00Z","type":"fork","process":{"pid":1},"exec":{"filename":"x"}}`, "exec", `exec: not allowed in a "fork" event`},
		{`{"time":"2025-01-01T00:00:00Z","type":"fork","process":{"pid":1},"exit":{}}`, "exit", `exit: not allowed`},
		{`{"time":"2025-01-01T00:00:00Z","type":"procexit","process":{"pid":1},"drop":{}}`, "drop", `drop: not allowed`},
		{`{"time":"2025-01-01T00:00:00Z","type":"execve","process":{"pid":1},"exec":"x"}`, "exec", "exec: want a JSON object, got string"},
		{`{"time":"2025-01-01T00:00:00Z","type":"execve","process":{"pid":1},"exec":{"filename":1}}`, "exec.filename", "want a JSON string"},
		{`{"time":"2025-01-01T00:00:00Z","type":"clone","process":{"pid":1},"clone":{"flags":-1}}`, "clone.flags", "clone.flags: -1 out of range"},
		{`{"time":"2025-01-01T00:00:00Z","type":"clone","process":{"pid":1},"clone":{"thread":0}}`, "clone.thread", "want a JSON boolean"},
		{`{"time":"2025-01-01T00:00:00Z","type":"procexit","process":{"pid":1},"exit":{"code":2147483648}}`, "exit.code", "exit.code: 2147483648 out of range [-2147483648, 2147483647]"},
		{`{"time":"2025-01-01T00:00:00Z","type":"procexit","process":{"pid":1},"exit":{"signal":"KILL"}}`, "exit.signal", "want an integer, got string"},
		{`{"time":"2025-01-01T00:00:00Z","type":"drop","process":{"pid":0},"drop":{"lost":[]}}`, "drop.lost", "want a JSON object, got array"},
		{`{"time":"2025-01-01T00:00:00Z","type":"drop","process":{"pid":0},"drop":{"lost":{"execve":-3}}}`, "drop.lost.execve", "drop.lost.execve: -3 out of range"},
		{`{"time":"2025-01-01T00:00:00Z","type":"drop","process":{"pid":0},"drop":{"lost":{"execve":"3"}}}`, "drop.lost.execve", "want an integer, got string"},
		{`{"time":"2025-01-01T00:00:00Z","type":"drop","process":{"pid":0},"drop":{"lost":{"execve":3},"total":4}}`, "drop.total", "drop.total: 4 is not the sum of drop.lost (3)"},
		{`{"time":"2025-01-01T00:00:00Z","type":"drop","process":{"pid":0},"drop":{"total":-1}}`, "drop.total", "out of range"},
		{`{"time":"2025-01-01T00:00:00Z","type":"fork","process":{"pid":1},"syscall":{}}`, "syscall", `syscall: not allowed in a "fork" event`},
		{`{"time":"2025-01-01T00:00:00Z","type":"procexit","process":{"pid":1},"syscall":{"res":-1}}`, "syscall", `syscall: not allowed in a "procexit" event`},
		{`{"time":"2025-01-01T00:00:00Z","type":"execve","process":{"pid":1},"syscall":{"res":"-2"}}`, "syscall.res", "syscall.res: want an integer, got string"},
		{`{"time":"2025-01-01T00:00:00Z","type":"execveat","process":{"pid":1},"syscall":{"args":[{"kind":"errno","value":1.5}]}}`, "syscall.args[0].value", "want an integer"},
		{withProcess(`"exe_ino":-1`), "process.exe_ino", "process.exe_ino: -1 out of range [0, 18446744073709551615]"},
		{withProcess(`"exe_ctime":"1 Oct"`), "process.exe_ctime", "process.exe_ctime: parsing time"},
		{withProcess(`"exe_mtime":0`), "process.exe_mtime", "want a JSON string, got number"},
		{withProcess(`"cap_effective":"0x1ff"`), "process.cap_effective", "process.cap_effective: want an integer, got string"},
		{withProcess(`"cap_permitted":18446744073709551616`), "process.cap_permitted", "out of range"},
		{withProcess(`"cap_inheritable":1.0`), "process.cap_inheritable", "want an integer"},
		{`{"time":"2025-01-01T00:00:00Z","type":"openat","process":{"pid":1},"exec":{}}`, "exec", `exec: not allowed in a "openat" event`},
		{withSyscall(`"res":"-2"`), "syscall.res", "syscall.res: want an integer, got string"},
		{withSyscall(`"res":9223372036854775808`), "syscall.res", "out of range"},
		{withSyscall(`"res":-1.5`), "syscall.res", "want an integer"},
		{withSyscall(`"fd":[]`), "syscall.fd", "syscall.fd: want a JSON object, got array"},
		{withSyscall(`"fd":{"num":"3"}`), "syscall.fd.num", "syscall.fd.num: want an integer, got string"},
		{withSyscall(`"fd":{"type":"socket"}`), "syscall.fd.type", `syscall.fd.type: unknown fd type "socket"`},
		{withSyscall(`"fd":{"type":5}`), "syscall.fd.type", "want a JSON string, got number"},
		{withSyscall(`"fd":{"type":"file","typechar":"d"}`), "syscall.fd.typechar", `syscall.fd.typechar: "d" does not match type "file" ("f")`},
		{withSyscall(`"fd":{"typechar":"f"}`), "syscall.fd.typechar", `does not match type "unknown"`},
		{withSyscall(`"fd":{"dev":4294967296}`), "syscall.fd.dev", "syscall.fd.dev: 4294967296 out of range [0, 4294967295]"},
		{withSyscall(`"fd":{"ino":-1}`), "syscall.fd.ino", "out of range"},
		{withSyscall(`"fd":{"name":7}`), "syscall.fd.name", "want a JSON string, got number"},
		{withSyscall(`"fd":{"socket":[]}`), "syscall.fd.socket", "syscall.fd.socket: want a JSON object, got array"},
		{withSyscall(`"fd":{"socket":{"family":65536}}`), "syscall.fd.socket.family", "syscall.fd.socket.family: 65536 out of range [0, 65535]"},
		{withSyscall(`"fd":{"socket":{"type":-1}}`), "syscall.fd.socket.type", "out of range"},
		{withSyscall(`"fd":{"socket":{"proto":"tcp"}}`), "syscall.fd.socket.proto", "want an integer, got string"},
		{withSyscall(`"fd":{"socket":{"local":"10.0.0.1:80"}}`), "syscall.fd.socket.local", "want a JSON object, got string"},
		{withSyscall(`"fd":{"socket":{"local":{"port":80}}}`), "syscall.fd.socket.local.ip", "syscall.fd.socket.local.ip: missing"},
		{withSyscall(`"fd":{"socket":{"remote":{"ip":"10.0.0.300","port":80}}}`), "syscall.fd.socket.remote.ip", `syscall.fd.socket.remote.ip: ParseAddr("10.0.0.300")`},
		{withSyscall(`"fd":{"socket":{"remote":{"ip":"[::1]"}}}`), "syscall.fd.socket.remote.ip", "ParseAddr"},
		{withSyscall(`"fd":{"socket":{"remote":{"ip":"::1","port":65536}}}`), "syscall.fd.socket.remote.port", "syscall.fd.socket.remote.port: 65536 out of range [0, 65535]"},
		{withSyscall(`"fd":{"socket":{"remote":{"ip":"::1","port":-1}}}`), "syscall.fd.socket.remote.port", "out of range"},
		{withSyscall(`"fd":{"socket":{"local":{"ip":5}}}`), "syscall.fd.socket.local.ip", "want a JSON string, got number"},
		{withSyscall(`"fd":{"socket":{"role":"peer"}}`), "syscall.fd.socket.role", `syscall.fd.socket.role: unknown socket role "peer"`},
		{withSyscall(`"fd":{"socket":{"role":1}}`), "syscall.fd.socket.role", "want a JSON string, got number"},
		{withSyscall(`"fd":{"socket":{"connected":"yes"}}`), "syscall.fd.socket.connected", "want a JSON boolean, got string"},
		{withSyscall(`"fd":{"socket":{"path":1}}`), "syscall.fd.socket.path", "want a JSON string, got number"},
		{withSyscall(`"fd":{"socket":{"name_changed":0}}`), "syscall.fd.socket.name_changed", "want a JSON boolean, got number"},
		{withSyscall(`"args":[{"kind":"tuple","value":1}]`), "syscall.args[0].value", `want a string for kind "tuple", got number 1`},
		{withSyscall(`"args":[{"kind":"sock_addr","value":{}}]`), "syscall.args[0].value", `want a string for kind "sock_addr", got object`},
		{withSyscall(`"args":[{"kind":"sock_family","value":"AF_INET"}]`), "syscall.args[0].value", "want an integer, got string"},
		{withSyscall(`"args":[{"kind":"cap_set","value":-1}]`), "syscall.args[0].value", "-1 out of range [0, 18446744073709551615]"},
		{withSyscall(`"args":[{"kind":"hex","value":"0x10"}]`), "syscall.args[0].value", "want an integer, got string"},
		{withSyscall(`"args":[{"kind":"uid","value":9223372036854775808}]`), "syscall.args[0].value", "out of range [-9223372036854775808"},
		{withSyscall(`"args":[{"kind":"signal","value":9.0}]`), "syscall.args[0].value", "want an integer"},
		{withSyscall(`"args":[{"kind":"sock_addr_v2","value":""}]`), "syscall.args[0].kind", `unknown argument kind "sock_addr_v2"`},
		{withSyscall(`"args":{}`), "syscall.args", "syscall.args: want a JSON array, got object"},
		{withSyscall(`"args":[null]`), "syscall.args[0]", "syscall.args[0]: want an argument object, got null"},
		{withSyscall(`"args":[{"name":"fd","value":3}]`), "syscall.args[0].kind", "syscall.args[0].kind: missing"},
		{withSyscall(`"args":[{"name":"fd","kind":"fd","value":3},{"name":"x","kind":"pointer","value":1}]`), "syscall.args[1].kind", `syscall.args[1].kind: unknown argument kind "pointer"`},
		{withSyscall(`"args":[{"name":"fd","kind":"FD","value":3}]`), "syscall.args[0].kind", `unknown argument kind "FD"`},
		{withSyscall(`"args":[{"name":"fd","kind":3,"value":3}]`), "syscall.args*", "want a JSON string, got number"},
		{withSyscall(`"args":[{"name":"fd","kind":"fd","value":"3"}]`), "syscall.args[0].value", "syscall.args[0].value: want an integer, got string"},
		{withSyscall(`"args":[{"kind":"fd","value":1},{"kind":"fd","value":9223372036854775808}]`), "syscall.args[1].value", "out of range [-9223372036854775808, 9223372036854775807]"},
		{withSyscall(`"args":[{"kind":"open_flags","value":-1}]`), "syscall.args[0].value", "syscall.args[0].value: -1 out of range [0, 18446744073709551615]"},
		{withSyscall(`"args":[{"kind":"uint","value":18446744073709551616}]`), "syscall.args[0].value", "out of range"},
		{withSyscall(`"args":[{"kind":"mode","value":4.5}]`), "syscall.args[0].value", "want an integer, got number 4.5"},
		{withSyscall(`"args":[{"kind":"path","value":5}]`), "syscall.args[0].value", `syscall.args[0].value: want a string for kind "path", got number 5`},
		{withSyscall(`"args":[{"kind":"string","value":["x"]}]`), "syscall.args[0].value", "got array"},
		{withSyscall(`"args":[{"kind":"errno","value":true}]`), "syscall.args[0].value", "want an integer, got boolean"},
		{withSyscall(`"args":[{"name":1,"kind":"errno","value":1}]`), "syscall.args*", "want a JSON string, got number"},
	} {
		ev, err := Decode([]byte(tc.line))
		if err == nil {
			t.Errorf("Decode(%s) = %+v, want an error", tc.line, ev)
			continue
		}
		if ev != nil {
			t.Errorf("Decode(%s) returned an event with error %v", tc.line, err)
		}
		if !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("Decode(%s) error = %q, want it to contain %q", tc.line, err, tc.msg)
		}
		var fe *FieldError
		if f, ok := strings.CutSuffix(tc.field, "*"); ok && errors.As(err, &fe) && strings.HasPrefix(fe.Field, f) {
			tc.field = fe.Field // the path within an array differs between JSON implementations
		}
		switch {
		case tc.field == "" && errors.As(err, &fe):
			t.Errorf("Decode(%s) error %q is a FieldError for %q, want a syntax error", tc.line, err, fe.Field)
		case tc.field != "" && !errors.As(err, &fe):
			t.Errorf("Decode(%s) error %q is not a FieldError", tc.line, err)
		case tc.field != "" && fe.Field != tc.field:
			t.Errorf("Decode(%s) error names field %q, want %q", tc.line, fe.Field, tc.field)
		case tc.field != "" && !strings.HasPrefix(err.Error(), tc.field+": "):
			t.Errorf("Decode(%s) error %q does not start with the field name", tc.line, err)
		}
	}
}

func TestDecodeLenient(t *testing.T) {
	base := func() *event.Event {
		return &event.Event{Time: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), Type: event.TypeFork,
			Process: event.Process{PID: 7, LoginUID: event.NoLoginUID}, Clone: &event.Clone{}}
	}
	for _, tc := range []struct {
		name string
		line string
		want func(ev *event.Event)
	}{
		{"minimal", minimal, nil},
		{"white space", " \t\n" + minimal + "\r\n ", nil},
		{"unknown keys", `{"time":"2025-01-01T00:00:00Z","type":"fork","future":{"a":[1,2]},"process":{"pid":7,"comm2":"x","ancestors":[{"pid":1,"new":true}]},"clone":{"flags":1,"mode":"x"}}`,
			func(ev *event.Event) {
				ev.Ancestors = []event.Ancestor{{PID: 1}}
				ev.Clone.Flags = 1
			}},
		{"nulls", `{"time":"2025-01-01T00:00:00Z","type":"fork","host":null,"process":{"pid":7,"tid":null,"name":null,"args":null,"ancestors":null,"loginuid":null,"start_time":null},"clone":null}`, nil},
		{"empty lists", withProcess(`"args":[],"ancestors":[]`), nil},
		{"loginuid 0", withProcess(`"loginuid":0`), func(ev *event.Event) { ev.Process.LoginUID = 0 }},
		{"loginuid -1", withProcess(`"loginuid":-1`), nil},
		{"loginuid max", withProcess(`"loginuid":4294967295`), nil},
		{"negative zero", withProcess(`"uid":-0`), nil},
		{"offset time", `{"time":"2025-01-01T05:30:00.5+05:30","type":"fork","process":{"pid":7}}`,
			func(ev *event.Event) { ev.Time = ev.Time.Add(500 * time.Millisecond) }},
		{"zero start time", withProcess(`"start_time":"0001-01-01T00:00:00Z"`), nil},
		{"max values", withProcess(`"tid":4294967295,"cgroup_id":18446744073709551615`), func(ev *event.Event) {
			ev.Process.TID = math.MaxUint32
			ev.Process.CgroupID = math.MaxUint64
		}},
		{"exec detail missing", `{"time":"2025-01-01T00:00:00Z","type":"execve","process":{"pid":7}}`, func(ev *event.Event) {
			ev.Type, ev.Clone, ev.Exec = event.TypeExecve, nil, &event.Exec{}
		}},
		{"exit detail missing", `{"time":"2025-01-01T00:00:00Z","type":"procexit","process":{"pid":7}}`, func(ev *event.Event) {
			ev.Type, ev.Clone, ev.Exit = event.TypeProcExit, nil, &event.Exit{}
		}},
		{"negative exit code", `{"time":"2025-01-01T00:00:00Z","type":"procexit","process":{"pid":7},"exit":{"code":-1,"signal":0}}`, func(ev *event.Event) {
			ev.Type, ev.Clone, ev.Exit = event.TypeProcExit, nil, &event.Exit{Code: -1}
		}},
		{"drop without total", `{"time":"2025-01-01T00:00:00Z","type":"drop","process":{"pid":7},"drop":{"lost":{"execve":2}}}`, func(ev *event.Event) {
			ev.Type, ev.Clone, ev.Drop = event.TypeDrop, nil, &event.Drop{Lost: map[string]uint64{"execve": 2}}
		}},
		{"drop empty", `{"time":"2025-01-01T00:00:00Z","type":"drop","process":{"pid":7},"drop":{"lost":{},"total":0}}`, func(ev *event.Event) {
			ev.Type, ev.Clone, ev.Drop = event.TypeDrop, nil, &event.Drop{}
		}},
		{"syscall detail missing", `{"time":"2025-01-01T00:00:00Z","type":"creat","process":{"pid":7}}`, func(ev *event.Event) {
			ev.Type, ev.Clone, ev.Syscall = event.TypeCreat, nil, &event.Syscall{}
		}},
		{"syscall nulls", withSyscall(`"res":null,"fd":null,"args":null`), func(ev *event.Event) {
			ev.Type, ev.Clone, ev.Syscall = event.TypeOpenat, nil, &event.Syscall{}
		}},
		{"syscall fd absent, empty args", withSyscall(`"res":-13,"args":[]`), func(ev *event.Event) {
			ev.Type, ev.Clone, ev.Syscall = event.TypeOpenat, nil, &event.Syscall{Res: -13}
		}},
		{"syscall empty fd and args", withSyscall(`"fd":{},"args":[{"kind":"fd"},{"kind":"path","value":null},{"name":"n","kind":"uint","value":-0}]`), func(ev *event.Event) {
			ev.Type, ev.Clone = event.TypeOpenat, nil
			ev.Syscall = &event.Syscall{FD: &event.FD{}, Args: []event.Arg{{Kind: event.ArgFD}, {Kind: event.ArgPath}, {Name: "n", Kind: event.ArgUint}}}
		}},
		{"syscall unknown keys, fd without typechar", withSyscall(`"res":3,"fd":{"num":3,"type":"directory","mount":1},"args":[{"name":"fd","kind":"fd","value":3,"extra":[1]}],"future":true`), func(ev *event.Event) {
			ev.Type, ev.Clone = event.TypeOpenat, nil
			ev.Syscall = &event.Syscall{Res: 3, FD: &event.FD{Num: 3, Type: event.FDDirectory}, Args: []event.Arg{{Name: "fd", Kind: event.ArgFD, Num: 3}}}
		}},
		{"failed exec", `{"time":"2025-01-01T00:00:00Z","type":"execve","process":{"pid":7},"exec":{"filename":"x"},"syscall":{"res":-2,"fd":null,"args":[{"name":"res","kind":"errno","value":-2}]}}`, func(ev *event.Event) {
			ev.Type, ev.Clone, ev.Exec = event.TypeExecve, nil, &event.Exec{Filename: "x"}
			ev.Syscall = &event.Syscall{Res: -2, Args: []event.Arg{{Name: "res", Kind: event.ArgErrno, Num: -2}}}
		}},
		{"failed exec without exec object", `{"time":"2025-01-01T00:00:00Z","type":"execveat","process":{"pid":7},"syscall":{"res":-13}}`, func(ev *event.Event) {
			ev.Type, ev.Clone, ev.Exec = event.TypeExecveat, nil, &event.Exec{}
			ev.Syscall = &event.Syscall{Res: -13}
		}},
		{"exe and caps", withProcess(`"exe_ino":0,"exe_ctime":"0001-01-01T00:00:00Z","exe_mtime":"2025-01-01T01:00:00+01:00","cap_effective":8192,"cap_permitted":null,"cap_inheritable":-0`),
			func(ev *event.Event) {
				ev.Process.ExeMtime = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
				ev.Process.CapEffective = 8192
			}},
		{"socket empty", withSyscall(`"fd":{"type":"ipv4","socket":{}}`), func(ev *event.Event) {
			ev.Type, ev.Clone = event.TypeOpenat, nil
			ev.Syscall = &event.Syscall{FD: &event.FD{Type: event.FDIPv4, Sock: &event.Socket{}}}
		}},
		{"socket null, role unknown, no port", withSyscall(`"fd":{"socket":null}`), func(ev *event.Event) {
			ev.Type, ev.Clone = event.TypeOpenat, nil
			ev.Syscall = &event.Syscall{FD: &event.FD{}}
		}},
		{"socket lenient", withSyscall(`"fd":{"socket":{"role":"unknown","local":{"ip":"::ffff:10.0.0.1"},"remote":null,"future":1,"path":null}}`), func(ev *event.Event) {
			ev.Type, ev.Clone = event.TypeOpenat, nil
			ev.Syscall = &event.Syscall{FD: &event.FD{Sock: &event.Socket{Local: netip.AddrPortFrom(netip.MustParseAddr("::ffff:10.0.0.1"), 0)}}}
		}},
		{"invalid UTF-8 in input", "{\"time\":\"2025-01-01T00:00:00Z\",\"type\":\"fork\",\"host\":\"a\xffb\",\"process\":{\"pid\":7}}",
			func(ev *event.Event) { ev.Host = "a\ufffdb" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want := base()
			if tc.want != nil {
				tc.want(want)
			}
			got, err := Decode([]byte(tc.line))
			if err != nil {
				t.Fatalf("Decode(%s): %v", tc.line, err)
			}
			if d := diff(got, want); d != "" {
				t.Errorf("Decode(%s) differs:%s", tc.line, d)
			}
		})
	}
}

func BenchmarkDecode(b *testing.B) {
	line := Append(nil, fixtures()[0].ev)
	b.ReportAllocs()
	b.SetBytes(int64(len(line)))
	for b.Loop() {
		if _, err := Decode(line); err != nil {
			b.Fatal(err)
		}
	}
}

// FuzzDecode: Decode never panics, and whatever it accepts re-encodes to a
// line that decodes to the same event and re-encodes byte-identically.
func FuzzDecode(f *testing.F) {
	goldens, err := filepath.Glob(filepath.Join("testdata", "*.golden"))
	if err != nil {
		f.Fatal(err)
	}
	for _, p := range goldens {
		line, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(line)
		f.Add(line[:len(line)/2])
		f.Add(bytes.Replace(line, []byte(`"pid":`), []byte(`"pid":-`), 1))
	}
	for _, s := range []string{
		``, `{}`, `null`, `[]`, minimal, withProcess(`"loginuid":-1`),
		`{"time":"0000-01-01T00:00:00+01:00","type":"fork","process":{"pid":1}}`,
		`{"time":"9999-12-31T23:59:59.999999999-01:00","type":"fork","process":{"pid":1}}`,
		`{"time":"2025-01-01T00:00:00.1234567891Z","type":"fork","process":{"pid":1}}`,
		`{"time":"2025-01-01T00:00:00Z","type":"drop","process":{"pid":0},"drop":{"lost":{"a":18446744073709551615,"b":1}}}`,
		`{"time":"2025-01-01T00:00:00Z","type":"execve","process":{"pid":1,"args":["\ud800","\u0000"]},"exec":{}}`,
		`{"TIME":"2025-01-01T00:00:00Z","Type":"fork","process":{"PID":1}}`,
		withSyscall(`"res":-2,"fd":null,"args":[]`),
		withSyscall(`"fd":{"num":1,"type":"ipv4","typechar":"4"},"args":[{"name":"x","kind":"resolve","value":18446744073709551615}]`),
		withSyscall(`"args":[{"kind":"path","value":"\ud800\u0000"},{"kind":"errno","value":-9223372036854775808}]`),
		withSyscall(`"args":[{"kind":"bogus"}]`),
		`{"time":"2025-01-01T00:00:00Z","type":"openat2","process":{"pid":1},"syscall":null}`,
		`{"time":"2025-01-01T00:00:00Z","type":"execve","process":{"pid":1},"syscall":{"res":-2}}`,
		withProcess(`"exe_ino":1,"exe_ctime":"2025-01-01T00:00:00Z","cap_effective":18446744073709551615,"cap_inheritable":0`),
		withSyscall(`"fd":{"num":3,"type":"ipv6","socket":{"family":10,"local":{"ip":"fe80::1%eth0","port":22},"remote":{"ip":"::ffff:1.2.3.4"},"role":"client"}}`),
		withSyscall(`"fd":{"socket":{"local":{"ip":"1.2.3.4","port":1},"role":"role(3)","path":"@x"}}`),
		withSyscall(`"args":[{"kind":"tuple","value":"1.2.3.4:5->6.7.8.9:80"},{"kind":"uid","value":-1},{"kind":"hex","value":18446744073709551615}]`),
		withProcess(`"mnt_ns":4026531841,"pid_ns":4294967295,"vpid":1,"vtid":0,"cgroup_path":"/a","cgroup_v1_path":"","container_id":"\ud800"`),
		withContainer(`{"id":"abc","labels":{"b":"1","a":"","\ud800":"x","\ufffd":"y"},"mounts":[{"options":[]},{}],"created":"2025-01-01T01:00:00+01:00","pod":{"labels":{}}}`),
		withContainer(`null`),
		withContainer(`{}`),
		withContainer(`{"pod":null,"metadata_known":true,"created":null}`),
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		ev, err := Decode(line)
		if err != nil {
			if ev != nil {
				t.Fatalf("Decode returned an event and error %v", err)
			}
			return
		}
		enc := Append(nil, ev)
		ev2, err := Decode(enc)
		if err != nil {
			t.Fatalf("re-encoded event does not decode: %v\ninput: %q\nencoded: %s", err, line, enc)
		}
		if d := diff(ev2, ev); d != "" {
			t.Fatalf("re-decoded event differs:%s\ninput: %q", d, line)
		}
		if enc2 := Append(nil, ev2); !bytes.Equal(enc, enc2) {
			t.Fatalf("re-encoding is not stable:\n%s\n%s", enc, enc2)
		}
	})
}
