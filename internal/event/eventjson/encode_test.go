package eventjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"math/rand/v2"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/vigil-sec/vigil/internal/event"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the fixtures")

func goldenPath(name string) string { return filepath.Join("testdata", name+".golden") }

func TestGolden(t *testing.T) {
	for _, f := range fixtures() {
		t.Run(f.name, func(t *testing.T) {
			got := append(Append(nil, f.ev), '\n')
			path := goldenPath(f.name)
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("Append differs from %s:\n got: %s\nwant: %s", path, got, want)
			}
			if !json.Valid(got) {
				t.Errorf("Append wrote invalid JSON: %s", got)
			}
		})
	}
}

func TestGoldenCoversEveryType(t *testing.T) {
	seen := map[event.Type]bool{}
	for _, f := range fixtures() {
		seen[f.ev.Type] = true
	}
	for _, typ := range event.Types() {
		if !seen[typ] {
			t.Errorf("no golden fixture for event type %s", typ)
		}
	}
}

// Mirror of the schema for encoding/json, fields in schema order. Append
// must produce exactly what encoding/json produces for it.
type (
	refEvent struct {
		Time    string     `json:"time"`
		Type    string     `json:"type"`
		Host    string     `json:"host"`
		Process refProcess `json:"process"`
		// Container is written after the process, only when set.
		Container *refContainer `json:"container,omitempty"`
		Exec      *refExec      `json:"exec,omitempty"`
		Clone     *refClone     `json:"clone,omitempty"`
		Exit      *refExit      `json:"exit,omitempty"`
		Drop      *refDrop      `json:"drop,omitempty"`
		Enforce   *refEnforce   `json:"enforcement,omitempty"`
		Syscall   *refSyscall   `json:"syscall,omitempty"`
	}
	refProcess struct {
		PID            uint32        `json:"pid"`
		TID            uint32        `json:"tid"`
		PPID           uint32        `json:"ppid"`
		ExecID         string        `json:"exec_id"`
		Name           string        `json:"name"`
		Exe            string        `json:"exe"`
		Args           []string      `json:"args"`
		ArgsTruncated  bool          `json:"args_truncated"`
		Cwd            string        `json:"cwd"`
		UID            uint32        `json:"uid"`
		GID            uint32        `json:"gid"`
		EUID           uint32        `json:"euid"`
		EGID           uint32        `json:"egid"`
		LoginUID       int64         `json:"loginuid"`
		SID            uint32        `json:"sid"`
		TTY            uint32        `json:"tty"`
		StartTime      string        `json:"start_time"`
		CgroupID       uint64        `json:"cgroup_id"`
		ExeUpperLayer  bool          `json:"exe_upper_layer"`
		ExeFromMemfd   bool          `json:"exe_from_memfd"`
		ExeDeleted     bool          `json:"exe_deleted"`
		ExeIno         uint64        `json:"exe_ino,omitempty"`
		ExeCtime       string        `json:"exe_ctime,omitempty"`
		ExeMtime       string        `json:"exe_mtime,omitempty"`
		CapEffective   uint64        `json:"cap_effective,omitempty"`
		CapPermitted   uint64        `json:"cap_permitted,omitempty"`
		CapInheritable uint64        `json:"cap_inheritable,omitempty"`
		MntNS          uint32        `json:"mnt_ns,omitempty"`
		PidNS          uint32        `json:"pid_ns,omitempty"`
		VPID           uint32        `json:"vpid,omitempty"`
		VTID           uint32        `json:"vtid,omitempty"`
		CgroupPath     string        `json:"cgroup_path,omitempty"`
		CgroupV1Path   string        `json:"cgroup_v1_path,omitempty"`
		ContainerID    string        `json:"container_id,omitempty"`
		Ancestors      []refAncestor `json:"ancestors"`
	}
	refContainer struct {
		ID              string            `json:"id"`
		Runtime         string            `json:"runtime"`
		Name            string            `json:"name"`
		Image           string            `json:"image"`
		ImageRepository string            `json:"image_repository"`
		ImageTag        string            `json:"image_tag"`
		ImageDigest     string            `json:"image_digest"`
		Labels          map[string]string `json:"labels"`
		Privileged      bool              `json:"privileged"`
		Mounts          []refMount        `json:"mounts"`
		Created         string            `json:"created"`
		Pod             *refPod           `json:"pod"`
		MetadataKnown   bool              `json:"metadata_known"`
	}
	refMount struct {
		Source      string   `json:"source"`
		Dest        string   `json:"dest"`
		Type        string   `json:"type"`
		Options     []string `json:"options"`
		ReadWrite   bool     `json:"read_write"`
		Propagation string   `json:"propagation"`
	}
	refPod struct {
		Name      string            `json:"name"`
		Namespace string            `json:"namespace"`
		UID       string            `json:"uid"`
		Labels    map[string]string `json:"labels"`
	}
	refAncestor struct {
		PID    uint32   `json:"pid"`
		ExecID string   `json:"exec_id"`
		Name   string   `json:"name"`
		Exe    string   `json:"exe"`
		Args   []string `json:"args"`
	}
	refExec struct {
		Filename string `json:"filename"`
	}
	refClone struct {
		Flags  uint64 `json:"flags"`
		Thread bool   `json:"thread"`
	}
	refExit struct {
		Code       int32 `json:"code"`
		Signal     int32 `json:"signal"`
		CoreDumped bool  `json:"core_dumped"`
	}
	refEnforce struct {
		Policy    string `json:"policy"`
		Mode      string `json:"mode"`
		Action    string `json:"action"`
		Match     string `json:"match"`
		Target    string `json:"target"`
		Proto     string `json:"proto"`
		Result    string `json:"result"`
		Mechanism string `json:"mechanism"`
	}
	refDrop struct {
		Lost  map[string]uint64 `json:"lost"`
		Total uint64            `json:"total"`
	}
	refSyscall struct {
		Res  int64    `json:"res"`
		FD   *refFD   `json:"fd"`
		Args []refArg `json:"args"`
	}
	refFD struct {
		Num      int64      `json:"num"`
		Type     string     `json:"type"`
		TypeChar string     `json:"typechar"`
		Name     string     `json:"name"`
		NameRaw  string     `json:"nameraw"`
		Dev      uint32     `json:"dev"`
		Ino      uint64     `json:"ino"`
		Sock     *refSocket `json:"socket,omitempty"`
	}
	refSocket struct {
		Family      uint16   `json:"family"`
		Type        uint16   `json:"type"`
		Proto       uint16   `json:"proto"`
		Local       *refAddr `json:"local,omitempty"`
		Remote      *refAddr `json:"remote,omitempty"`
		Role        string   `json:"role,omitempty"`
		Connected   bool     `json:"connected"`
		Path        string   `json:"path,omitempty"`
		NameChanged bool     `json:"name_changed"`
	}
	refAddr struct {
		IP   string `json:"ip"`
		Port uint16 `json:"port"`
	}
	refArg struct {
		Name  string `json:"name"`
		Kind  string `json:"kind"`
		Value any    `json:"value"`
	}
)

// refKind is the documented JSON name of an argument kind.
func refKind(k event.ArgKind) (name string, value func(a event.Arg) any) {
	str := func(a event.Arg) any { return a.Str }
	signed := func(a event.Arg) any { return a.Num }
	unsigned := func(a event.Arg) any { return uint64(a.Num) }
	switch k {
	case event.ArgInt:
		return "int", signed
	case event.ArgUint:
		return "uint", unsigned
	case event.ArgFD:
		return "fd", signed
	case event.ArgPath:
		return "path", str
	case event.ArgString:
		return "string", str
	case event.ArgOpenFlags:
		return "open_flags", unsigned
	case event.ArgMode:
		return "mode", unsigned
	case event.ArgResolve:
		return "resolve", unsigned
	case event.ArgErrno:
		return "errno", signed
	case event.ArgSockFamily:
		return "sock_family", unsigned
	case event.ArgSockType:
		return "sock_type", unsigned
	case event.ArgSockAddr:
		return "sock_addr", str
	case event.ArgTuple:
		return "tuple", str
	case event.ArgPtraceReq:
		return "ptrace_req", unsigned
	case event.ArgSignal:
		return "signal", signed
	case event.ArgCloneFlags:
		return "clone_flags", unsigned
	case event.ArgMountFlags:
		return "mount_flags", unsigned
	case event.ArgUmountFlags:
		return "umount_flags", unsigned
	case event.ArgProt:
		return "prot", unsigned
	case event.ArgMmapFlags:
		return "mmap_flags", unsigned
	case event.ArgPrctlOption:
		return "prctl_option", unsigned
	case event.ArgBpfCmd:
		return "bpf_cmd", unsigned
	case event.ArgCapSet:
		return "cap_set", unsigned
	case event.ArgHex:
		return "hex", unsigned
	case event.ArgMemfdFlags:
		return "memfd_flags", unsigned
	case event.ArgModuleFlags:
		return "module_flags", unsigned
	case event.ArgUID:
		return "uid", signed
	case event.ArgGID:
		return "gid", signed
	case event.ArgFlags:
		return "flags", unsigned
	}
	return "kind(" + strconv.Itoa(int(k)) + ")", signed
}

// refRole is the documented JSON name of a socket role; "" is omitted.
func refRole(r event.SockRole) string {
	switch r {
	case event.RoleUnknown:
		return ""
	case event.RoleClient:
		return "client"
	case event.RoleServer:
		return "server"
	}
	return "role(" + strconv.Itoa(int(r)) + ")"
}

func refAddrPort(ap netip.AddrPort) *refAddr {
	if !ap.IsValid() {
		return nil
	}
	return &refAddr{IP: ap.Addr().String(), Port: ap.Port()}
}

func refTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

// refSyscallOf mirrors a Syscall detail; nil as a zero one.
func refSyscallOf(s *event.Syscall) *refSyscall {
	r := &refSyscall{Args: []refArg{}}
	if s == nil {
		return r
	}
	r.Res = s.Res
	if fd := s.FD; fd != nil {
		r.FD = &refFD{Num: fd.Num, Type: fd.Type.String(), TypeChar: string(rune(fd.Type.Char())),
			Name: fd.Name, NameRaw: fd.NameRaw, Dev: fd.Dev, Ino: fd.Ino}
		if sk := fd.Sock; sk != nil {
			r.FD.Sock = &refSocket{Family: sk.Family, Type: sk.Type, Proto: sk.Proto,
				Local: refAddrPort(sk.Local), Remote: refAddrPort(sk.Remote), Role: refRole(sk.Role),
				Connected: sk.Connected, Path: sk.Path, NameChanged: sk.NameChanged}
		}
	}
	for _, a := range s.Args {
		kind, value := refKind(a.Kind)
		r.Args = append(r.Args, refArg{Name: a.Name, Kind: kind, Value: value(a)})
	}
	return r
}

func nonNil(ss []string) []string {
	if ss == nil {
		return []string{}
	}
	return ss
}

func nonNilMap(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}

// refEncode encodes ev with encoding/json through the mirror structs.
func refEncode(t testing.TB, ev *event.Event) []byte {
	t.Helper()
	p := ev.Process
	r := refEvent{
		Time: ev.Time.UTC().Format(time.RFC3339Nano),
		Type: ev.Type.String(),
		Host: ev.Host,
		Process: refProcess{
			PID: p.PID, TID: p.TID, PPID: p.PPID, ExecID: p.ExecID, Name: p.Name, Exe: p.Exe,
			Args: nonNil(p.Args), ArgsTruncated: p.ArgsTruncated, Cwd: p.Cwd,
			UID: p.UID, GID: p.GID, EUID: p.EUID, EGID: p.EGID, LoginUID: int64(p.LoginUID),
			SID: p.SID, TTY: p.TTY, StartTime: p.StartTime.UTC().Format(time.RFC3339Nano),
			CgroupID: p.CgroupID, ExeUpperLayer: p.ExeUpperLayer, ExeFromMemfd: p.ExeFromMemfd,
			ExeDeleted: p.ExeDeleted, ExeIno: p.ExeIno, ExeCtime: refTime(p.ExeCtime), ExeMtime: refTime(p.ExeMtime),
			CapEffective: p.CapEffective, CapPermitted: p.CapPermitted, CapInheritable: p.CapInheritable,
			MntNS: p.MntNS, PidNS: p.PidNS, VPID: p.VPID, VTID: p.VTID,
			CgroupPath: p.CgroupPath, CgroupV1Path: p.CgroupV1Path, ContainerID: p.ContainerID,
			Ancestors: []refAncestor{},
		},
	}
	if c := ev.Container; c != nil {
		r.Container = &refContainer{ID: c.ID, Runtime: c.Runtime, Name: c.Name, Image: c.Image,
			ImageRepository: c.ImageRepository, ImageTag: c.ImageTag, ImageDigest: c.ImageDigest,
			Labels: nonNilMap(c.Labels), Privileged: c.Privileged, Mounts: []refMount{},
			Created: c.Created.UTC().Format(time.RFC3339Nano), MetadataKnown: c.MetadataKnown}
		for _, m := range c.Mounts {
			r.Container.Mounts = append(r.Container.Mounts, refMount{Source: m.Source, Dest: m.Dest, Type: m.Type,
				Options: nonNil(m.Options), ReadWrite: m.ReadWrite, Propagation: m.Propagation})
		}
		if pd := c.Pod; pd != nil {
			r.Container.Pod = &refPod{Name: pd.Name, Namespace: pd.Namespace, UID: pd.UID, Labels: nonNilMap(pd.Labels)}
		}
	}
	if p.LoginUID == event.NoLoginUID {
		r.Process.LoginUID = -1
	}
	for _, a := range ev.Ancestors {
		r.Process.Ancestors = append(r.Process.Ancestors,
			refAncestor{PID: a.PID, ExecID: a.ExecID, Name: a.Name, Exe: a.Exe, Args: nonNil(a.Args)})
	}
	switch {
	case ev.Type.IsExec():
		r.Exec = &refExec{}
		if ev.Exec != nil {
			r.Exec.Filename = ev.Exec.Filename
		}
		if ev.Syscall != nil {
			r.Syscall = refSyscallOf(ev.Syscall)
		}
	case ev.Type.IsClone():
		r.Clone = &refClone{}
		if ev.Clone != nil {
			*r.Clone = refClone{Flags: ev.Clone.Flags, Thread: ev.Clone.Thread}
		}
	case ev.Type == event.TypeProcExit:
		r.Exit = &refExit{}
		if ev.Exit != nil {
			*r.Exit = refExit{Code: ev.Exit.Code, Signal: ev.Exit.Signal, CoreDumped: ev.Exit.CoreDumped}
		}
	case ev.Type == event.TypeDrop:
		r.Drop = &refDrop{Lost: map[string]uint64{}}
		if ev.Drop != nil {
			for k, v := range ev.Drop.Lost {
				r.Drop.Lost[k] = v
			}
			r.Drop.Total = ev.Drop.Total()
		}
	case ev.Type == event.TypeEnforce:
		r.Enforce = &refEnforce{}
		if e := ev.Enforcement; e != nil {
			*r.Enforce = refEnforce{e.Policy, e.Mode, e.Action, e.Match, e.Target, e.Proto, e.Result, e.Mechanism}
		}
	case ev.Type.IsSyscall():
		r.Syscall = refSyscallOf(ev.Syscall)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(&r); err != nil {
		t.Fatal(err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

// refEscapesInvalidUTF8 reports whether encoding/json, as built, writes
// invalid UTF-8 as the escape \ufffd, as Append does. (Built with
// GOEXPERIMENT=jsonv2, it writes the character U+FFFD itself.)
func refEscapesInvalidUTF8(t testing.TB) bool {
	b, err := json.Marshal("\x80")
	if err != nil {
		t.Fatal(err)
	}
	return string(b) == `"\ufffd"`
}

func TestAppendMatchesEncodingJSON(t *testing.T) {
	escapesInvalid := refEscapesInvalidUTF8(t)
	check := func(name string, ev *event.Event) {
		t.Helper()
		got, want := Append(nil, ev), refEncode(t, ev)
		if !bytes.Equal(got, want) {
			t.Fatalf("%s: Append differs from encoding/json:\n got: %s\nwant: %s", name, got, want)
		}
	}
	for _, f := range fixtures() {
		if f.decoded != nil && !escapesInvalid {
			continue // invalid UTF-8
		}
		check(f.name, f.ev)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 2000 {
		check("random "+strconv.Itoa(i), randEvent(rng, true))
	}
	// Details missing, or of the wrong type, are written as zero values of
	// the right one.
	for _, typ := range event.Types() {
		ev := &event.Event{Type: typ, Exec: &event.Exec{Filename: "x"}, Clone: &event.Clone{Flags: 1},
			Exit: &event.Exit{Code: 1}, Drop: &event.Drop{Lost: map[string]uint64{"x": 1}},
			Syscall: &event.Syscall{Res: -1, FD: &event.FD{Num: -1}, Args: []event.Arg{{Name: "a", Kind: event.ArgPath, Str: "x"}}}}
		check(typ.String()+" all details", ev)
		check(typ.String()+" no detail", &event.Event{Type: typ})
	}
}

func TestAppendAppends(t *testing.T) {
	ev := fixtures()[0].ev
	prefix := []byte("prefix:")
	got := Append(prefix, ev)
	if !bytes.HasPrefix(got, prefix) || !bytes.Equal(got[len(prefix):], Append(nil, ev)) {
		t.Errorf("Append(prefix) = %s", got)
	}
}

func TestAppendStringMatchesEncodingJSON(t *testing.T) {
	ref := func(s string) string {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(s); err != nil {
			t.Fatal(err)
		}
		return strings.TrimSuffix(buf.String(), "\n")
	}
	var cases []string
	for b := range 256 {
		cases = append(cases, string([]byte{byte(b)}), "a"+string([]byte{byte(b)})+"z")
	}
	cases = append(cases, "", "plain", "\u2028\u2029", "<>&", "\xed\xa0\x80", "\xf4\x90\x80\x80",
		"\xc0\xaf", "\xe2\x82", "\xf0\x9f\x90", "🐧\xff🐧", "\ufffd", "\U0010ffff")
	rng := rand.New(rand.NewPCG(3, 4))
	for range 20000 {
		b := make([]byte, rng.IntN(12))
		for i := range b {
			switch rng.IntN(4) {
			case 0:
				b[i] = byte(rng.IntN(256))
			case 1:
				b[i] = byte(0x80 + rng.IntN(0x80))
			default:
				b[i] = byte(rng.IntN(0x80))
			}
		}
		cases = append(cases, string(b))
	}
	escapesInvalid := refEscapesInvalidUTF8(t)
	for _, s := range cases {
		if !escapesInvalid && !utf8.ValidString(s) {
			continue
		}
		got, want := string(appendString(nil, s)), ref(s)
		if got != want {
			t.Fatalf("appendString(%q) = %s, encoding/json: %s", s, got, want)
		}
	}
}

func TestInvalidUTF8Args(t *testing.T) {
	ev := &event.Event{Time: testTime(), Type: event.TypeExecve, Process: event.Process{PID: 1,
		Args: []string{"\xff", "ok\xfe\xfd", "\xc3(", "\xed\xa0\x80", "é\x80"}}}
	line := Append(nil, ev)
	if !json.Valid(line) || !utf8.Valid(line) {
		t.Fatalf("Append wrote invalid JSON or UTF-8: %q", line)
	}
	if !bytes.Contains(line, []byte(`"args":["\ufffd","ok\ufffd\ufffd","\ufffd(","\ufffd\ufffd\ufffd","é\ufffd"]`)) {
		t.Errorf("invalid UTF-8 not replaced byte by byte: %s", line)
	}
	got, err := Decode(line)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"\ufffd", "ok\ufffd\ufffd", "\ufffd(", "\ufffd\ufffd\ufffd", "é\ufffd"}
	if strings.Join(got.Process.Args, "|") != strings.Join(want, "|") {
		t.Errorf("decoded args = %q, want %q", got.Process.Args, want)
	}
}

func TestAppendZeroTime(t *testing.T) {
	ev := &event.Event{Type: event.TypeFork}
	line := Append(nil, ev)
	for _, want := range []string{`{"time":"0001-01-01T00:00:00Z",`, `"start_time":"0001-01-01T00:00:00Z",`} {
		if !bytes.Contains(line, []byte(want)) {
			t.Errorf("zero time: %s lacks %s", line, want)
		}
	}
	got, err := Decode(line)
	if err != nil {
		t.Fatal(err)
	}
	if got.Time != (time.Time{}) || got.Process.StartTime != (time.Time{}) {
		t.Errorf("zero time decoded as %v, %v", got.Time, got.Process.StartTime)
	}
}

func TestAppendConvertsToUTC(t *testing.T) {
	loc := time.FixedZone("X", 5*3600+30*60)
	ev := &event.Event{Time: time.Date(2025, 1, 2, 3, 4, 5, 600, loc), Type: event.TypeFork}
	if line := Append(nil, ev); !bytes.HasPrefix(line, []byte(`{"time":"2025-01-01T21:34:05.0000006Z",`)) {
		t.Errorf("got %s", line)
	}
}

func TestAppendDropManyKinds(t *testing.T) {
	d := &event.Drop{Lost: map[string]uint64{}}
	var keys []string
	for i := range 50 {
		k := "kind" + strconv.Itoa(100+i)
		keys = append(keys, `"`+k+`":`+strconv.Itoa(i))
		d.Lost[k] = uint64(i)
	}
	line := Append(nil, &event.Event{Type: event.TypeDrop, Drop: d})
	want := `"drop":{"lost":{` + strings.Join(keys, ",") + `},"total":1225}}`
	if !bytes.HasSuffix(line, []byte(want)) {
		t.Errorf("got %s\nwant suffix %s", line, want)
	}
}

func TestAppendAllocs(t *testing.T) {
	for _, f := range fixtures() {
		buf := make([]byte, 0, 8192)
		allocs := testing.AllocsPerRun(100, func() { buf = Append(buf[:0], f.ev) })
		if allocs != 0 {
			t.Errorf("%s: Append allocates %v times per event", f.name, allocs)
		}
	}
}

// Arguments and descriptors that Decode does not accept are still written
// without allocating: an unknown kind as "kind(N)", an unknown fd type as
// "unknown".
func TestAppendSyscallOddValues(t *testing.T) {
	ev := &event.Event{Type: event.TypeOpenat, Syscall: &event.Syscall{
		Args: []event.Arg{{Name: "x", Kind: 0, Num: -5}, {Name: "y", Kind: 250, Num: 1}, {Name: "z", Kind: event.ArgMode, Num: -1}},
		FD:   &event.FD{Type: 200, Num: 1 << 62}}}
	line := Append(nil, ev)
	want := `"syscall":{"res":0,"fd":{"num":4611686018427387904,"type":"unknown","typechar":"o","name":"","nameraw":"","dev":0,"ino":0},` +
		`"args":[{"name":"x","kind":"kind(0)","value":-5},{"name":"y","kind":"kind(250)","value":1},{"name":"z","kind":"mode","value":18446744073709551615}]}}`
	if !bytes.HasSuffix(line, []byte(want)) {
		t.Errorf("got %s\nwant suffix %s", line, want)
	}
	if !json.Valid(line) {
		t.Errorf("invalid JSON: %s", line)
	}
	if _, err := Decode(line); err == nil || !strings.Contains(err.Error(), "syscall.args[0].kind") {
		t.Errorf("Decode accepted an unknown kind: %v", err)
	}
	buf := make([]byte, 0, 4096)
	if n := testing.AllocsPerRun(100, func() { buf = Append(buf[:0], ev) }); n != 0 {
		t.Errorf("Append allocates %v times", n)
	}
}

func TestEncoder(t *testing.T) {
	var out bytes.Buffer
	enc := NewEncoder(&out)
	fs := fixtures()
	for _, f := range fs {
		if err := enc.Encode(f.ev); err != nil {
			t.Fatal(err)
		}
	}
	if err := enc.Flush(); err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(out.String(), "\n")
	if last := lines[len(lines)-1]; last != "" {
		t.Fatalf("output does not end with a newline: %q", last)
	}
	lines = lines[:len(lines)-1]
	if len(lines) != len(fs) {
		t.Fatalf("got %d lines, want %d", len(lines), len(fs))
	}
	for i, f := range fs {
		if want := string(Append(nil, f.ev)) + "\n"; lines[i] != want {
			t.Errorf("line %d = %s, want %s", i, lines[i], want)
		}
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestEncoderWriteError(t *testing.T) {
	enc := NewEncoder(failWriter{})
	err := enc.Encode(fixtures()[0].ev)
	if err == nil {
		err = enc.Flush()
	}
	if err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("got %v, want the writer's error", err)
	}
}

func TestEncoderAllocs(t *testing.T) {
	enc := NewEncoder(discard{})
	ev := fixtures()[0].ev
	allocs := testing.AllocsPerRun(200, func() {
		if err := enc.Encode(ev); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("Encode allocates %v times per event", allocs)
	}
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

func BenchmarkAppendExec(b *testing.B) {
	ev := fixtures()[0].ev
	buf := make([]byte, 0, 4096)
	b.ReportAllocs()
	for b.Loop() {
		buf = Append(buf[:0], ev)
	}
	b.SetBytes(int64(len(buf)))
}

func BenchmarkAppendOpenat(b *testing.B) {
	var ev *event.Event
	for _, f := range fixtures() {
		if f.name == "openat" {
			ev = f.ev
		}
	}
	buf := make([]byte, 0, 4096)
	b.ReportAllocs()
	for b.Loop() {
		buf = Append(buf[:0], ev)
	}
	b.SetBytes(int64(len(buf)))
}

func BenchmarkEncoder(b *testing.B) {
	ev := fixtures()[0].ev
	enc := NewEncoder(discard{})
	b.ReportAllocs()
	for b.Loop() {
		if err := enc.Encode(ev); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEncodingJSON is the reference: encoding/json over mirror structs.
func BenchmarkEncodingJSON(b *testing.B) {
	ev := fixtures()[0].ev
	b.ReportAllocs()
	for b.Loop() {
		refEncode(b, ev)
	}
}

// A socket with a zoned IPv6 endpoint and a role without a name is written
// without allocating; Decode rejects the role.
func TestAppendSocketOddValues(t *testing.T) {
	ev := &event.Event{Type: event.TypeConnect, Syscall: &event.Syscall{FD: &event.FD{Type: event.FDIPv6,
		Sock: &event.Socket{Family: 10, Local: netip.MustParseAddrPort(`[fe80::1%et"h0]:22`), Role: 7}}}}
	line := Append(nil, ev)
	want := `"socket":{"family":10,"type":0,"proto":0,"local":{"ip":"fe80::1%et\"h0","port":22},"role":"role(7)","connected":false,"name_changed":false}}`
	if !bytes.Contains(line, []byte(want)) {
		t.Errorf("got %s\nwant it to contain %s", line, want)
	}
	if !json.Valid(line) {
		t.Errorf("invalid JSON: %s", line)
	}
	if _, err := Decode(line); err == nil || !strings.Contains(err.Error(), `syscall.fd.socket.role: unknown socket role "role(7)"`) {
		t.Errorf("Decode accepted an unknown role: %v", err)
	}
	buf := make([]byte, 0, 4096)
	if n := testing.AllocsPerRun(100, func() { buf = Append(buf[:0], ev) }); n != 0 {
		t.Errorf("Append allocates %v times", n)
	}
}
