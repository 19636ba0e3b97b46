package fields

import (
	"errors"
	"testing"
	"time"

	"github.com/vigil-sec/vigil/internal/event"
)

// fakeNames is a Names and a UserInfo.
type fakeNames struct{}

func (fakeNames) UserName(uid uint32) (string, bool) {
	switch uid {
	case 0:
		return "root", true
	case 1000:
		return "alice", true
	}
	return "", false
}

func (fakeNames) GroupName(gid uint32) (string, bool) {
	switch gid {
	case 0:
		return "root", true
	case 1000:
		return "alice", true
	}
	return "", false
}

func (fakeNames) HomeDir(uid uint32) (string, bool) {
	switch uid {
	case 0:
		return "/root", true
	case 1000:
		return "/home/alice", true
	}
	return "", false
}

func (fakeNames) Shell(uid uint32) (string, bool) {
	switch uid {
	case 0:
		return "/bin/bash", true
	case 1000:
		return "/bin/zsh", true
	}
	return "", false
}

func newTestCatalog() *Catalog {
	return New(Options{Names: fakeNames{}, Location: time.UTC})
}

var (
	evTime    = time.Date(2025, 11, 23, 21, 11, 5, 123456789, time.UTC)
	evStart   = time.Date(2025, 11, 23, 21, 11, 3, 623456789, time.UTC)
	shellLine = "echo hi > /tmp/x && cat /etc/passwd"
)

func ancestors() []event.Ancestor {
	return []event.Ancestor{
		{PID: 812, ExecID: "b", Name: "bash", Exe: "/usr/bin/bash", Args: []string{"-bash"}},
		{PID: 700, ExecID: "s", Name: "sshd", Exe: "/usr/sbin/sshd", Args: []string{"sshd:", "alice@pts/0"}},
		{PID: 1, ExecID: "i", Name: "systemd", Exe: "/usr/lib/systemd/systemd", Args: []string{"/sbin/init", "splash"}},
	}
}

func baseProcess() event.Process {
	return event.Process{
		PID: 4321, TID: 4321, PPID: 812, ExecID: "e",
		Name: "sh", Exe: "/usr/bin/dash",
		Args: []string{"sh", "-c", shellLine},
		Cwd:  "/root",
		UID:  1000, GID: 1000, EUID: 0, EGID: 0,
		LoginUID: 1000, SID: 812, TTY: 34816,
		StartTime:     evStart,
		ExeUpperLayer: true,
	}
}

// execEvent is sh -c ... run from an interactive bash over ssh, via sudo
// (uid 1000, euid 0).
func execEvent() *event.Event {
	return &event.Event{
		Time: evTime, Type: event.TypeExecve, Host: "vm",
		Process:   baseProcess(),
		Ancestors: ancestors(),
		Exec:      &event.Exec{Filename: "/bin/sh"},
	}
}

// Kernel clone flags of a pthread_create.
const threadFlags = kCloneVM | kCloneFS | kCloneFiles | kCloneSighand | kCloneThread |
	kCloneSysVSem | kCloneSetTLS | kCloneParentSetTID | kCloneChildClearTID

func cloneThreadEvent() *event.Event {
	p := baseProcess()
	p.TID = 4400
	return &event.Event{
		Time: evTime, Type: event.TypeClone, Host: "vm",
		Process: p, Ancestors: ancestors(),
		Clone: &event.Clone{Flags: threadFlags, Thread: true},
	}
}

func forkEvent() *event.Event {
	p := baseProcess()
	p.PID, p.TID, p.PPID = 4500, 4500, 4321
	p.StartTime = evTime
	anc := append([]event.Ancestor{{PID: 4321, Name: "sh", Exe: "/usr/bin/dash", Args: p.Args}}, ancestors()...)
	return &event.Event{
		Time: evTime, Type: event.TypeFork, Host: "vm",
		Process: p, Ancestors: anc,
		Clone: &event.Clone{},
	}
}

func exitEvent(x event.Exit) *event.Event {
	return &event.Event{
		Time: evTime, Type: event.TypeProcExit, Host: "vm",
		Process: baseProcess(), Ancestors: ancestors(),
		Exit: &x,
	}
}

func dropEvent() *event.Event {
	return &event.Event{Time: evTime, Type: event.TypeDrop, Host: "vm",
		Drop: &event.Drop{Lost: map[string]uint64{"exec": 2}}}
}

// bind looks a field up by the name a rule uses (with an optional
// "[arg]" suffix) and binds it.
func bind(t testing.TB, c *Catalog, name string) (*Field, string, Accessor) {
	t.Helper()
	base, arg := splitBracket(name)
	f, dotted, ok := c.Lookup(base)
	if !ok {
		t.Fatalf("Lookup(%q) failed", base)
	}
	if dotted != "" {
		arg = dotted
	}
	if !f.Available {
		t.Fatalf("%s is not available: %s", name, f.Unavailable)
	}
	acc, err := f.Bind(arg)
	if err != nil {
		t.Fatalf("Bind(%s, %q): %v", f.Name, arg, err)
	}
	return f, arg, acc
}

// splitBracket splits "proc.aname[2]" into "proc.aname" and "2".
func splitBracket(name string) (string, string) {
	for i := 0; i < len(name); i++ {
		if name[i] == '[' && name[len(name)-1] == ']' {
			return name[:i], name[i+1 : len(name)-1]
		}
	}
	return name, ""
}

// read calls the accessor matching the field's kind and returns the value
// as a string, uint64, int64, bool or []string.
func read(t testing.TB, f *Field, arg string, acc Accessor, ev *event.Event) (any, bool) {
	t.Helper()
	switch k := f.KindFor(arg); k {
	case KindIP, KindIPNet:
		if acc.Str == nil { // fd.ip, fd.net: both ends
			v, ok := acc.Strs(ev, nil)
			return v, ok
		}
		return acc.Str(ev)
	case KindString:
		return acc.Str(ev)
	case KindUint, KindAbsTime, KindDuration:
		return acc.Uint(ev)
	case KindInt:
		return acc.Int(ev)
	case KindBool:
		return acc.Bool(ev)
	case KindStrings:
		v, ok := acc.Strs(ev, nil)
		return v, ok
	default:
		t.Fatalf("%s: unknown kind %v", f.Name, k)
	}
	return nil, false
}

func isUnavailable(err error) bool {
	var ue *UnavailableError
	return errors.As(err, &ue)
}

func fixedZone() *time.Location { return time.FixedZone("X", 2*3600+30*60) }
