package fields

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/vigil-sec/vigil/internal/event"
)

// NA marks an expected <NA>.
type naT struct{}

var na naT

type want struct {
	field string
	v     any // string, int, bool, []string or na
}

func check(t *testing.T, c *Catalog, ev *event.Event, cases []want) {
	t.Helper()
	for _, w := range cases {
		f, arg, acc := bind(t, c, w.field)
		got, ok := read(t, f, arg, acc, ev)
		if _, isNA := w.v.(naT); isNA {
			if ok {
				t.Errorf("%s = %#v, want <NA>", w.field, got)
			}
			continue
		}
		if !ok {
			t.Errorf("%s = <NA>, want %#v", w.field, w.v)
			continue
		}
		if g, isList := got.([]string); isList && g == nil {
			got = []string{}
		}
		var wantV any
		switch v := w.v.(type) {
		case int:
			switch got.(type) {
			case uint64:
				wantV = uint64(v)
			case int64:
				wantV = int64(v)
			default:
				wantV = v
			}
		default:
			wantV = v
		}
		if !reflect.DeepEqual(got, wantV) {
			t.Errorf("%s = %#v, want %#v", w.field, got, wantV)
		}
		// Reading again (cached path) gives the same value.
		again, _ := read(t, f, arg, acc, ev)
		if g, isList := again.([]string); isList && g == nil {
			again = []string{}
		}
		if !reflect.DeepEqual(again, got) {
			t.Errorf("%s: second read %#v differs from first %#v", w.field, again, got)
		}
	}
}

func TestExecveValues(t *testing.T) {
	c := newTestCatalog()
	ev := execEvent()
	check(t, c, ev, []want{
		{"proc.name", "sh"},
		{"proc.exe", "sh"},
		{"proc.exepath", "/usr/bin/dash"},
		{"proc.cwd", "/root"},
		{"proc.cmdline", "sh -c " + shellLine},
		{"proc.exeline", "sh -c " + shellLine},
		{"proc.args", "-c " + shellLine},
		{"proc.args[0]", "-c"},
		{"proc.args[1]", shellLine},
		{"proc.args[2]", na},
		{"proc.cmdnargs", 2},
		{"proc.cmdlenargs", 2 + len(shellLine)},
		{"proc.pid", 4321},
		{"proc.ppid", 812},
		{"proc.sid", 812},
		{"proc.tty", 34816},
		{"proc.is_sid_leader", false},
		{"proc.is_exe_upper_layer", true},
		{"proc.is_exe_from_memfd", false},
		{"thread.tid", 4321},
		{"thread.ismain", true},
		{"proc.pname", "bash"},
		{"proc.pexe", "-bash"},
		{"proc.pexepath", "/usr/bin/bash"},
		{"proc.pcmdline", "bash"},
		{"proc.aname[0]", "sh"},
		{"proc.aname[1]", "bash"},
		{"proc.aname[2]", "sshd"},
		{"proc.aname[3]", "systemd"},
		{"proc.aname[4]", na},
		{"proc.aname[100]", na},
		{"proc.aname", []string{"bash", "sshd", "systemd"}},
		{"proc.aexe[0]", "sh"},
		{"proc.aexe[2]", "sshd:"},
		{"proc.aexe", []string{"-bash", "sshd:", "/sbin/init"}},
		{"proc.aexepath[2]", "/usr/sbin/sshd"},
		{"proc.aexepath[3]", "/usr/lib/systemd/systemd"},
		{"proc.aexepath", []string{"/usr/bin/bash", "/usr/sbin/sshd", "/usr/lib/systemd/systemd"}},
		{"proc.acmdline[0]", "sh -c " + shellLine},
		{"proc.acmdline[2]", "sshd alice@pts/0"},
		{"proc.acmdline[3]", "systemd splash"},
		{"proc.acmdline", []string{"bash", "sshd alice@pts/0", "systemd splash"}},
		{"proc.aargs[1]", ""},
		{"proc.aargs[3]", "splash"},
		{"proc.aargs", []string{"", "alice@pts/0", "splash"}},
		{"proc.apid[0]", 4321},
		{"proc.apid[1]", 812},
		{"proc.apid[3]", 1},
		{"proc.apid[4]", na},
		{"proc.apid", []string{"812", "700", "1"}},
		{"proc.sname", "bash"},
		{"proc.sid.exe", "-bash"},
		{"proc.sid.exepath", "/usr/bin/bash"},
		{"proc.loginshellid", 812},
		{"proc.duration", 1_500_000_000},
		{"proc.pid.ts", int(evStart.UnixNano())},

		{"user.uid", 0},
		{"user.name", "root"},
		{"user.homedir", "/root"},
		{"user.shell", "/bin/bash"},
		{"user.loginuid", 1000},
		{"user.loginname", "alice"},
		{"group.gid", 0},
		{"group.name", "root"},

		{"evt.type", "execve"},
		{"evt.type.is.execve", 1},
		{"evt.type.is.clone", 0},
		{"syscall.type", "execve"},
		{"evt.category", "process"},
		{"evt.dir", "<"},
		{"evt.res", "SUCCESS"},
		{"evt.rawres", 0},
		{"evt.failed", false},
		{"evt.count", 1},
		{"evt.count.error", 0},
		{"evt.count.exit", 1},
		{"evt.hostname", "vm"},
		{"evt.source", "syscall"},
		{"evt.is_async", false},
		{"evt.asynctype", na},
		{"evt.pluginname", na},
		{"evt.plugininfo", na},
		{"evt.rawtime", int(evTime.UnixNano())},
		{"evt.rawtime.s", int(evTime.Unix())},
		{"evt.rawtime.ns", 123456789},
		{"evt.time", "21:11:05.123456789"},
		{"evt.time.s", "21:11:05"},
		{"evt.datetime", "2025-11-23 21:11:05.123456789"},
		{"evt.datetime.s", "2025-11-23 21:11:05"},
		{"evt.time.iso8601", "2025-11-23T21:11:05.123456789+0000"},

		{"evt.arg.res", "0"},
		{"evt.arg.exe", "sh"},
		{"evt.arg.args", "-c." + shellLine + "."},
		{"evt.arg.tid", "sh"},
		{"evt.arg.pid", "sh"},
		{"evt.arg.ptid", "bash"},
		{"evt.arg.cwd", "/root"},
		{"evt.arg.comm", "sh"},
		{"evt.arg.tty", "34816"},
		{"evt.arg.loginuid", "1000"},
		{"evt.arg.flags", "EXE_UPPER_LAYER"},
		{"evt.arg.uid", "0"},
		{"evt.arg.gid", "0"},
		{"evt.arg.trusted_exepath", "/usr/bin/dash"},
		{"evt.arg.filename", "/bin/sh"},
		{"evt.arg.status", na},
		{"evt.arg[0]", "0"},
		{"evt.arg[1]", "sh"},
		{"evt.arg[2]", "-c." + shellLine + "."},
		{"evt.arg[6]", "/root"},
		{"evt.arg[27]", "/usr/bin/dash"},
		{"evt.args", "res=0 exe=sh args=-c." + shellLine + ". tid=4321(sh) pid=4321(sh) ptid=812(bash) cwd=/root comm=sh tty=34816 loginuid=1000 flags=2(EXE_UPPER_LAYER) cap_inheritable=0 cap_permitted=0 cap_effective=0 uid=0 trusted_exepath=/usr/bin/dash gid=0 filename=/bin/sh"},
		{"evt.info", "res=0 exe=sh args=-c." + shellLine + ". tid=4321(sh) pid=4321(sh) ptid=812(bash) cwd=/root comm=sh tty=34816 loginuid=1000 flags=2(EXE_UPPER_LAYER) cap_inheritable=0 cap_permitted=0 cap_effective=0 uid=0 trusted_exepath=/usr/bin/dash gid=0 filename=/bin/sh"},
	})
}

func TestExecveVariants(t *testing.T) {
	c := newTestCatalog()

	// A session leader running a memfd program, no login uid, a relative
	// filename, and no known parent.
	ev := execEvent()
	ev.Process.SID = ev.Process.PID
	ev.Process.LoginUID = event.NoLoginUID
	ev.Process.ExeFromMemfd = true
	ev.Process.EUID, ev.Process.EGID = 1000, 1000
	ev.Process.Name = "ksh"
	ev.Ancestors = nil
	ev.Exec.Filename = "bin/../run.sh"
	check(t, c, ev, []want{
		{"proc.is_sid_leader", true},
		{"proc.sname", "ksh"},
		{"proc.sid.exepath", "/usr/bin/dash"},
		{"proc.loginshellid", 4321},
		{"proc.pname", na},
		{"proc.pexe", na},
		{"proc.pexepath", na},
		{"proc.pcmdline", na},
		{"proc.aname[0]", "ksh"},
		{"proc.aname[1]", na},
		{"proc.aname", []string{}},
		{"proc.apid", []string{}},
		{"user.loginuid", -1},
		{"user.loginname", na},
		{"user.uid", 1000},
		{"user.name", "alice"},
		{"user.homedir", "/home/alice"},
		{"group.name", "alice"},
		{"evt.arg.loginuid", "-1"},
		{"evt.arg.ptid", "812"}, // parent unknown: no resolved name
		{"evt.arg.flags", "EXE_UPPER_LAYER|EXE_FROM_MEMFD"},
		{"evt.arg.filename", "/root/run.sh"},
	})

	// Unknown users; session leader not among the ancestors; no shell.
	ev = execEvent()
	ev.Process.EUID, ev.Process.EGID, ev.Process.LoginUID = 4242, 4242, 4243
	ev.Process.SID = 99
	ev.Process.Name = "python3"
	ev.Ancestors = ancestors()[1:]
	ev.Process.ExeUpperLayer = false
	check(t, c, ev, []want{
		{"user.name", na},
		{"user.homedir", na},
		{"user.shell", na},
		{"user.loginname", na},
		{"group.name", na},
		{"proc.sname", na},
		{"proc.sid.exe", na},
		{"proc.loginshellid", na},
		{"evt.arg.flags", "0"},
	})

	// Empty argv, nil Exec, no times.
	ev = execEvent()
	ev.Process.Args = nil
	ev.Process.StartTime = ev.Process.StartTime.AddDate(-100, 0, 0)
	ev.Exec = nil
	check(t, c, ev, []want{
		{"proc.exe", ""},
		{"proc.args", ""},
		{"proc.args[0]", na},
		{"proc.cmdline", "sh"},
		{"proc.exeline", " "},
		{"proc.cmdnargs", 0},
		{"proc.cmdlenargs", 0},
		{"proc.acmdline[0]", "sh"},
		{"evt.arg.exe", ""},
		{"evt.arg.args", ""},
		{"evt.arg.filename", na},
		{"proc.pid.ts", na}, // before the epoch
	})

	// One argument.
	ev = execEvent()
	ev.Process.Args = []string{"/bin/ls", "-l"}
	ev.Process.Name = "ls"
	check(t, c, ev, []want{
		{"proc.args", "-l"},
		{"proc.cmdline", "ls -l"},
		{"proc.exeline", "/bin/ls -l"},
		{"proc.exe", "/bin/ls"},
	})

	// The clock went backwards.
	ev = execEvent()
	ev.Process.StartTime = ev.Time.Add(1e9)
	check(t, c, ev, []want{{"proc.duration", 0}})

	// execveat.
	ev = execEvent()
	ev.Type = event.TypeExecveat
	check(t, c, ev, []want{
		{"evt.type", "execveat"},
		{"syscall.type", "execveat"},
		{"evt.arg.filename", na},
		{"evt.arg.res", "0"},
	})
}

func TestCloneValues(t *testing.T) {
	c := newTestCatalog()
	threadNames := "CLONE_FILES|CLONE_FS|CLONE_PARENT_SETTID|CLONE_SIGHAND|CLONE_SYSVSEM|CLONE_THREAD|CLONE_VM|CLONE_CHILD_CLEARTID|CLONE_SETTLS"
	check(t, c, cloneThreadEvent(), []want{
		{"evt.type", "clone"},
		{"evt.dir", "<"},
		{"syscall.type", "clone"},
		{"evt.res", "SUCCESS"},
		{"evt.rawres", 0},
		{"evt.count.exit", 1},
		{"thread.tid", 4400},
		{"thread.ismain", false},
		{"proc.pid", 4321},
		{"proc.name", "sh"},
		{"proc.pname", "bash"},
		{"evt.arg.res", "0"},
		{"evt.arg.flags", threadNames},
		{"evt.arg[13]", "sh"},
		{"evt.arg.tid", "sh"},
		{"evt.arg.uid", "0"},
		{"evt.arg.filename", na},
		{"evt.args", "res=0 exe=sh args=-c." + shellLine + ". tid=4400(sh) pid=4321(sh) ptid=812(bash) cwd=/root comm=sh flags=41990659(" + threadNames + ") uid=0 gid=0"},
	})
	check(t, c, forkEvent(), []want{
		{"evt.type", "fork"},
		{"syscall.type", "fork"},
		{"proc.pid", 4500},
		{"proc.ppid", 4321},
		{"proc.pname", "sh"},
		{"proc.aname[1]", "sh"},
		{"proc.aname[2]", "bash"},
		{"proc.duration", 0},
		{"evt.arg.flags", "0"},
		{"evt.arg.ptid", "sh"},
	})
	for _, typ := range []event.Type{event.TypeClone3, event.TypeVfork} {
		ev := forkEvent()
		ev.Type = typ
		ev.Clone = nil // details missing: flags read as 0
		check(t, c, ev, []want{{"evt.type", typ.String()}, {"evt.arg.flags", "0"}})
	}

	// Namespaces.
	ev := forkEvent()
	ev.Clone.Flags = kCloneNewPID | kCloneNewNS | kCloneNewUser | kCloneNewNet | 17 // | SIGCHLD
	check(t, c, ev, []want{{"evt.arg.flags", "CLONE_NEWNET|CLONE_NEWNS|CLONE_NEWPID|CLONE_NEWUSER"}})
}

func TestProcexitValues(t *testing.T) {
	c := newTestCatalog()
	common := []want{
		{"evt.type", "procexit"},
		{"evt.dir", ">"},
		{"syscall.type", na},
		{"evt.category", "process"},
		{"evt.res", na},
		{"evt.rawres", na},
		{"evt.failed", na},
		{"evt.count.error", na},
		{"evt.count.exit", na},
		{"evt.arg.res", na},
		{"evt.arg.flags", na},
		{"proc.name", "sh"},
		{"proc.pname", "bash"},
	}
	for _, tt := range []struct {
		name string
		exit event.Exit
		want []want
	}{
		{"exit code", event.Exit{Code: 3}, []want{
			{"evt.arg.status", "768"}, {"evt.arg.ret", "3"}, {"evt.arg.sig", "0"}, {"evt.arg.core", "0"},
			{"evt.arg[0]", "768"}, {"evt.arg[2]", "0"},
			{"evt.args", "status=768 ret=3 sig=0 core=0"},
		}},
		{"exit 0", event.Exit{}, []want{
			{"evt.arg.status", "0"}, {"evt.arg.ret", "0"}, {"evt.args", "status=0 ret=0 sig=0 core=0"},
		}},
		{"killed", event.Exit{Signal: 9}, []want{
			{"evt.arg.status", "9"}, {"evt.arg.ret", "0"}, {"evt.arg.sig", "SIGKILL"}, {"evt.arg.core", "0"},
			{"evt.args", "status=9 ret=0 sig=9(SIGKILL) core=0"},
		}},
		{"core dump", event.Exit{Signal: 11, CoreDumped: true}, []want{
			{"evt.arg.status", "139"}, {"evt.arg.sig", "SIGSEGV"}, {"evt.arg.core", "1"},
			{"evt.args", "status=139 ret=0 sig=11(SIGSEGV) core=1"},
		}},
		{"unknown signal", event.Exit{Signal: 64}, []want{
			{"evt.arg.sig", "64"}, {"evt.args", "status=64 ret=0 sig=64 core=0"},
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			check(t, c, exitEvent(tt.exit), append(append([]want(nil), common...), tt.want...))
		})
	}
	// A procexit without its details.
	ev := exitEvent(event.Exit{})
	ev.Exit = nil
	check(t, c, ev, []want{{"evt.arg.status", na}, {"evt.args", ""}, {"proc.name", "sh"}})
}

func TestDropValues(t *testing.T) {
	check(t, newTestCatalog(), dropEvent(), []want{
		{"evt.type", "drop"},
		{"evt.dir", ">"},
		{"syscall.type", na},
		{"evt.category", "internal"},
		{"evt.res", na},
		{"evt.args", ""},
		{"proc.name", na},
		{"proc.pid", na},
		{"thread.tid", na},
		{"user.uid", na},
		{"evt.hostname", "vm"},
		{"evt.time", "21:11:05.123456789"},
	})
}

func TestNoNames(t *testing.T) {
	c := New(Options{})
	check(t, c, execEvent(), []want{
		{"user.uid", 0},
		{"user.name", na},
		{"user.loginname", na},
		{"group.name", na},
	})
	for _, name := range []string{"user.homedir", "user.shell"} {
		f, _, _ := c.Lookup(name)
		if f.Available || f.Bind != nil || f.Unavailable == "" {
			t.Errorf("%s without a UserInfo: Available=%v Bind=%v reason=%q", name, f.Available, f.Bind != nil, f.Unavailable)
		}
	}
}

func TestEvtNum(t *testing.T) {
	c := newTestCatalog()
	_, _, acc := bind(t, c, "evt.num")
	ev := execEvent()
	if _, ok := acc.Uint(ev); ok {
		t.Error("evt.num of an event the pipeline has not numbered is not <NA>")
	}
	ev.Seq = 42
	if got, ok := acc.Uint(ev); !ok || got != 42 {
		t.Errorf("evt.num = %d, %v; want 42", got, ok)
	}
}

func TestLocalTime(t *testing.T) {
	loc := fixedZone()
	c := New(Options{Location: loc})
	check(t, c, execEvent(), []want{
		{"evt.time", "23:41:05.123456789"},
		{"evt.datetime.s", "2025-11-23 23:41:05"},
		{"evt.time.iso8601", "2025-11-23T21:11:05.123456789+0000"},
	})
}

func TestRenderCloneFlags(t *testing.T) {
	for _, tt := range []struct {
		kernel        uint64
		raw, resolved string
	}{
		{0, "0", ""},
		{17, "0", ""}, // only the exit signal
		{kCloneVM | kCloneVfork, fmt.Sprint(1<<15 | 1<<27), "CLONE_VM|CLONE_VFORK"},
		{kCloneIO, "4", "CLONE_IO"},
		{kCloneNewCgroup | kCloneChildSetTID | kCloneUntraced | kClonePtrace | kCloneParent | kCloneNewUTS | kCloneNewIPC,
			fmt.Sprint(1<<28 | 1<<24 | 1<<14 | 1<<10 | 1<<8 | 1<<7 | 1<<3),
			"CLONE_NEWIPC|CLONE_NEWUTS|CLONE_PARENT|CLONE_PTRACE|CLONE_UNTRACED|CLONE_CHILD_SETTID|CLONE_NEWCGROUP"},
	} {
		raw, resolved := renderCloneFlags(tt.kernel)
		if raw != tt.raw || resolved != tt.resolved {
			t.Errorf("renderCloneFlags(%#x) = %q, %q; want %q, %q", tt.kernel, raw, resolved, tt.raw, tt.resolved)
		}
	}
	if raw, _ := renderCloneFlags(threadFlags); raw != "41990659" {
		t.Errorf("thread flags render as %s", raw)
	}
}
