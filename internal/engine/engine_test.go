package engine

import (
	"strings"
	"testing"
	"time"

	"github.com/vigil-sec/vigil/internal/event"
	"github.com/vigil-sec/vigil/internal/fields"
	"github.com/vigil-sec/vigil/internal/rules"
)

type fakeNames struct{}

func (fakeNames) UserName(uid uint32) (string, bool) {
	if uid == 0 {
		return "root", true
	}
	return "", false
}
func (fakeNames) GroupName(gid uint32) (string, bool) {
	if gid == 0 {
		return "root", true
	}
	return "", false
}

func catalog() *fields.Catalog { return fields.New(fields.Options{Names: fakeNames{}}) }

// compileYAML loads one rules file and compiles it.
func compileYAML(t *testing.T, src string, opts Options) (*Engine, rules.Diagnostics) {
	t.Helper()
	rs, diags := rules.Load([]rules.File{{Name: "test.yaml", Data: []byte(src)}})
	if diags.HasErrors() {
		t.Fatalf("load: %v", diags)
	}
	e, cd := Compile(rs, catalog(), opts)
	return e, append(diags, cd...)
}

// execEvent is an execve of `bash -c 'echo hi'` by root, child of sshd.
func execEvent() *event.Event {
	return &event.Event{
		Time: time.Date(2026, 11, 23, 10, 0, 0, 5, time.UTC),
		Type: event.TypeExecve,
		Host: "h1",
		Process: event.Process{
			PID: 100, TID: 100, PPID: 50, ExecID: "x100", Name: "bash",
			Exe: "/usr/bin/bash", Args: []string{"bash", "-c", "echo hi"}, Cwd: "/root",
			UID: 0, GID: 0, LoginUID: 1000, SID: 50, TTY: 34816,
			StartTime: time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC),
		},
		Ancestors: []event.Ancestor{
			{PID: 50, ExecID: "x50", Name: "sshd", Exe: "/usr/sbin/sshd", Args: []string{"sshd: root@pts/0"}},
			{PID: 1, ExecID: "x1", Name: "systemd", Exe: "/usr/lib/systemd/systemd", Args: []string{"/sbin/init"}},
		},
		Exec: &event.Exec{Filename: "/bin/bash"},
	}
}

func ruleYAML(cond string) string {
	return `
- list: shells
  items: [sh, bash]
- list: more_shells
  items: [shells, zsh]
- list: quoted
  items: ['"bash"', '"(systemd)"', "a b"]
- macro: spawned
  condition: evt.type in (execve, execveat)
- rule: r
  desc: d
  condition: ` + cond + `
  output: "m %proc.name"
  priority: WARNING
`
}

func TestConditions(t *testing.T) {
	for _, tc := range []struct {
		cond string
		want bool
	}{
		{`proc.name = bash`, true},
		{`proc.name == bash`, true},
		{`proc.name != bash`, false},
		{`proc.name = "bash"`, true},
		{`proc.pid = 100`, true},
		{`proc.pid != 100`, false},
		{`proc.pid < 101 and proc.pid <= 100 and proc.pid > 99 and proc.pid >= 100`, true},
		{`proc.pid > 100`, false},
		{`proc.cmdline contains "echo hi"`, true},
		{`proc.cmdline icontains "ECHO HI"`, true},
		{`proc.cmdline contains "ECHO"`, false},
		{`proc.name bcontains 6173`, true},   // "as"
		{`proc.name bstartswith 6261`, true}, // "ba"
		{`proc.exepath startswith /usr/`, true},
		{`proc.exepath endswith /bash`, true},
		{`proc.exepath glob "/usr/*/ba?h"`, true},
		{`proc.exepath glob "/usr/*sh"`, true}, // * crosses '/'
		{`proc.exepath glob "/bin/*"`, false},
		{`proc.exepath iglob "/USR/BIN/BA[Ss]H"`, true},
		{`proc.exepath regex "^/usr/bin/(ba|z)sh$"`, true},
		{`proc.exepath regex "bash"`, false}, // anchored at both ends, as Falco
		{`proc.exepath regex ".*/ba.h"`, true},
		{`proc.exepath pmatch (/usr/bin, /opt)`, true},
		{`proc.exepath pmatch (/usr/bi)`, false},
		{`proc.exepath pmatch (/usr/bin/)`, true},
		{`proc.name in (sh, bash)`, true},
		{`proc.name in (shells)`, true},
		{`proc.name in (more_shells)`, true},    // a list naming a list
		{`proc.name in (zsh, "shells")`, false}, // quoted: not a list reference
		{`proc.name in (fish)`, false},
		{`proc.name in (quoted)`, true}, // '"bash"' is the string bash, as Falco pastes it
		{`proc.aname[2] in (quoted)`, false},
		{`proc.pid in (1, 100)`, true},
		{`proc.aname[1] = sshd and proc.aname[2] = systemd`, true},
		{`proc.aname[0] = bash`, true},
		{`proc.pname = sshd and proc.ppid = 50`, true},
		{`proc.name exists and proc.pname exists`, true},
		{`proc.aname[5] exists`, false},
		{`not proc.aname[5] exists`, true},
		{`proc.aname[5] = x or proc.aname[5] != x`, false}, // <NA> compares false either way
		{`tolower(proc.name) = bash and toupper(proc.name) = BASH`, true},
		{`basename(proc.exepath) = bash`, true},
		{`len(proc.name) = 4`, true},
		{`proc.name = val(proc.aname[0])`, true},
		{`proc.name = val(proc.pname)`, false},
		{`user.name = root and user.uid = 0`, true},
		{`user.loginuid = 1000`, true},
		{`spawned and proc.name = bash`, true},
		{`not spawned`, false},
		{`evt.type = execve`, true},
		{`evt.type != execve`, false},
		{`evt.type in (clone, fork)`, false},
		{`(proc.name = sh or proc.name = bash) and not proc.pid = 1`, true},
		{`proc.name = sh or proc.name = bash and proc.pid = 1`, false}, // and binds tighter
		{`not proc.name = sh and proc.name = bash`, true},              // not binds tighter than and
		{`proc.is_exe_from_memfd = false`, true},
		{`proc.tty = 34816`, true},
	} {
		e, diags := compileYAML(t, ruleYAML(tc.cond), Options{})
		if diags.HasErrors() {
			t.Errorf("%s: %v", tc.cond, diags)
			continue
		}
		r, _ := e.Rule("r")
		if !r.Loaded {
			t.Errorf("%s: not loaded: %s", tc.cond, r.Skipped)
			continue
		}
		got := false
		e.Eval(execEvent(), func(*Alert) { got = true })
		if got != tc.want {
			t.Errorf("%s = %v, want %v (compiled %s)", tc.cond, got, tc.want, r.Compiled)
		}
	}
}

func TestCompileErrors(t *testing.T) {
	for _, tc := range []struct {
		cond string
		want string
	}{
		{`proc.pid = abc`, `"abc" is not a number`},
		{`nosuch_macro`, `undefined macro "nosuch_macro"`},
		{`proc.nosuch = 1`, `unknown field "proc.nosuch"`},
		{`proc.exepath regex "("`, `bad regex`},
		{`proc.name in nosuch_list`, `undefined list "nosuch_list"`},
		{`evt.type = exceve`, `unknown event type "exceve"`},
		{`proc.pid contains 1`, `operator contains does not apply`},
		{`proc.is_exe_from_memfd = maybe`, `not true or false`},
		{`proc.name bcontains zz`, `needs hex bytes`},
		{`len(proc.pid) = 1`, `transformer len needs`},
	} {
		rs, ld := rules.Load([]rules.File{{Name: "test.yaml", Data: []byte(ruleYAML(tc.cond))}})
		if ld.HasErrors() {
			t.Errorf("%s: load: %v", tc.cond, ld)
			continue
		}
		e, diags := Compile(rs, catalog(), Options{})
		if !diags.HasErrors() {
			t.Errorf("%s: no error", tc.cond)
			continue
		}
		joined := ""
		for _, d := range diags {
			joined += d.String() + "\n"
		}
		if !strings.Contains(joined, tc.want) || !strings.Contains(joined, "test.yaml:") || !strings.Contains(joined, "rule r") {
			t.Errorf("%s: diagnostics %q lack %q with file and rule", tc.cond, joined, tc.want)
		}
		if r, _ := e.Rule("r"); r.Loaded {
			t.Errorf("%s: rule loaded despite the error", tc.cond)
		}
	}
}

func TestMacroCycle(t *testing.T) {
	src := `
- macro: a
  condition: b and proc.pid > 0
- macro: b
  condition: proc.name = x or a
- rule: r
  desc: d
  condition: evt.type = execve and a
  output: o
  priority: ERROR
`
	_, diags := compileYAML(t, src, Options{})
	if !diags.HasErrors() || !strings.Contains(diagText(diags), "macro cycle: a -> b -> a") {
		t.Errorf("diagnostics: %s", diagText(diags))
	}
}

func diagText(ds rules.Diagnostics) string {
	var b strings.Builder
	for _, d := range ds {
		b.WriteString(d.String() + "\n")
	}
	return b.String()
}

func TestUnavailableFieldSkipsRuleWithWarning(t *testing.T) {
	e, diags := compileYAML(t, ruleYAML(`evt.type = openat and fd.sproto = http`), Options{})
	if diags.HasErrors() {
		t.Fatalf("unavailable field reported as an error: %s", diagText(diags))
	}
	r, _ := e.Rule("r")
	if r.Loaded || !strings.Contains(r.Skipped, "fd.sproto") {
		t.Errorf("loaded=%v skipped=%q, want skipped naming fd.sproto", r.Loaded, r.Skipped)
	}
	if !strings.Contains(diagText(diags), "warning: rule r: skipped") {
		t.Errorf("no warning: %s", diagText(diags))
	}
}

func TestSkipIfUnknownFilter(t *testing.T) {
	src := `
- rule: r
  desc: d
  condition: evt.type = execve and plugin.nosuch = 1
  output: o
  priority: INFO
  skip-if-unknown-filter: true
`
	e, diags := compileYAML(t, src, Options{})
	if diags.HasErrors() {
		t.Fatalf("errors: %s", diagText(diags))
	}
	if r, _ := e.Rule("r"); r.Loaded {
		t.Error("rule with an unknown field loaded")
	}
}

func TestTypeIndex(t *testing.T) {
	src := `
- rule: exec_only
  desc: d
  condition: evt.type = execve and proc.name = bash
  output: o
  priority: INFO
- rule: not_exec
  desc: d
  condition: not evt.type = execve and proc.name = bash
  output: o
  priority: INFO
- rule: any
  desc: d
  condition: proc.name = bash
  output: o
  priority: INFO
- rule: future
  desc: d
  condition: evt.type in (read, write) and proc.name = bash
  output: o
  priority: INFO
`
	e, diags := compileYAML(t, src, Options{})
	r, _ := e.Rule("exec_only")
	if len(r.Types) != 1 || r.Types[0] != event.TypeExecve {
		t.Errorf("exec_only types %v", r.Types)
	}
	r, _ = e.Rule("not_exec")
	for _, typ := range r.Types {
		if typ == event.TypeExecve {
			t.Errorf("not_exec indexed under execve")
		}
	}
	if r, _ := e.Rule("any"); !r.AllTypes {
		t.Error("any: not all types")
	}
	if !strings.Contains(diagText(diags), "rule any: condition does not restrict evt.type") {
		t.Errorf("no warn_evttypes warning: %s", diagText(diags))
	}
	if r, _ := e.Rule("future"); r.Loaded || !strings.Contains(r.Skipped, "read, write") {
		t.Errorf("future: loaded=%v %q", r.Loaded, r.Skipped)
	}

	var fired []string
	ev := execEvent()
	e.Eval(ev, func(a *Alert) { fired = append(fired, a.Rule) })
	if strings.Join(fired, ",") != "exec_only,any" {
		t.Errorf("execve fired %v", fired)
	}
	fired = nil
	ev.Type, ev.Exec, ev.Clone = event.TypeClone, nil, &event.Clone{}
	e.Eval(ev, func(a *Alert) { fired = append(fired, a.Rule) })
	if strings.Join(fired, ",") != "not_exec,any" {
		t.Errorf("clone fired %v", fired)
	}

	first, _ := compileYAML(t, src, Options{Matching: MatchFirst})
	fired = nil
	first.Eval(execEvent(), func(a *Alert) { fired = append(fired, a.Rule) })
	if strings.Join(fired, ",") != "exec_only" {
		t.Errorf("first-match fired %v", fired)
	}
}

func TestExceptions(t *testing.T) {
	src := `
- rule: r
  desc: d
  condition: evt.type = execve and proc.name = bash
  output: o
  priority: INFO
  exceptions:
    - name: parents
      fields: [proc.pname, proc.cmdline]
      comps: [=, startswith]
      values:
        - [cron, "bash -c"]
    - name: names
      fields: proc.pname
      comps: in
      values: [sshd, login]
`
	e, diags := compileYAML(t, src, Options{})
	if diags.HasErrors() {
		t.Fatal(diagText(diags))
	}
	n := 0
	e.Eval(execEvent(), func(*Alert) { n++ }) // parent sshd: excepted
	if n != 0 {
		t.Errorf("excepted event fired (%s)", e.rules[0].Compiled)
	}
	ev := execEvent()
	ev.Ancestors[0].Name = "cron"
	e.Eval(ev, func(*Alert) { n++ }) // cron + "bash -c...": excepted by the tuple
	ev.Ancestors[0].Name = "tmux"
	e.Eval(ev, func(*Alert) { n++ }) // fires
	if n != 1 {
		t.Errorf("%d alerts, want 1", n)
	}
}

func TestAlertOutput(t *testing.T) {
	src := `
- rule: Shell
  desc: d
  condition: evt.type = execve and proc.name = bash
  output: "Shell run (user=%user.name cmd=%proc.cmdline parent=%(proc.pname)! gp=%proc.aname[2] none=%proc.aname[7] fd=%fd.sproto pid=%proc.pid)"
  priority: WARNING
  tags: [b, a]
`
	e, diags := compileYAML(t, src, Options{})
	if diags.HasErrors() {
		t.Fatal(diagText(diags))
	}
	if !strings.Contains(diagText(diags), "output field fd.sproto is rendered as <NA> in 1 rule(s)") {
		t.Errorf("no <NA> warning: %s", diagText(diags))
	}
	var a *Alert
	e.Eval(execEvent(), func(x *Alert) { a = x })
	if a == nil {
		t.Fatal("no alert")
	}
	want := "Shell run (user=root cmd=bash -c echo hi parent=sshd! gp=systemd none=<NA> fd=<NA> pid=100)"
	if a.Message != want {
		t.Errorf("message\n got %q\nwant %q", a.Message, want)
	}
	if !strings.HasSuffix(a.Output, ": Warning "+want) {
		t.Errorf("output %q", a.Output)
	}
	wantFields := []FieldValue{
		{"user.name", "root"}, {"proc.cmdline", "bash -c echo hi"}, {"proc.pname", "sshd"},
		{"proc.aname[2]", "systemd"}, {"proc.aname[7]", nil}, {"fd.sproto", nil}, {"proc.pid", uint64(100)},
	}
	if len(a.Fields) != len(wantFields) {
		t.Fatalf("fields %v", a.Fields)
	}
	for i, f := range wantFields {
		if a.Fields[i] != f {
			t.Errorf("field %d = %#v, want %#v", i, a.Fields[i], f)
		}
	}
	if a.Priority != rules.Warning || a.Rule != "Shell" || a.Hostname != "h1" || a.Source != "syscall" {
		t.Errorf("alert %+v", a)
	}
}

func TestExplain(t *testing.T) {
	e, _ := compileYAML(t, ruleYAML(`spawned and proc.name in (shells)`), Options{})
	r, _ := e.Rule("r")
	got := r.Explain()
	for _, want := range []string{
		`evt.type:  execve execveat`,
		`compiled:  (and (in evt.type ["execve" "execveat"]) (in proc.name ["sh" "bash"]))`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("explain lacks %q:\n%s", want, got)
		}
	}
}

func TestNoAllocsWhenNothingMatches(t *testing.T) {
	e, _ := compileYAML(t, ruleYAML(`spawned and proc.name in (shells) and proc.aname[2] = nosuch and proc.cmdline contains zzz`), Options{})
	ev := execEvent()
	allocs := testing.AllocsPerRun(100, func() { e.Eval(ev, func(*Alert) {}) })
	if allocs != 0 {
		t.Errorf("%v allocations per non-matching event", allocs)
	}
}

func TestNeededTypes(t *testing.T) {
	src := `
- rule: a
  desc: d
  condition: evt.type = openat and proc.name = bash
  output: o
  priority: INFO
- rule: b
  desc: d
  condition: evt.type in (execve, open) and proc.name = bash
  output: o
  priority: INFO
- rule: c
  desc: d
  condition: proc.name = bash
  output: o
  priority: INFO
- rule: d
  desc: d
  condition: evt.type = creat and proc.name = bash
  output: o
  priority: INFO
  enabled: false
`
	e, _ := compileYAML(t, src, Options{})
	var got []string
	for _, typ := range e.NeededTypes() {
		got = append(got, typ.String())
	}
	if strings.Join(got, ",") != "execve,open,openat" {
		t.Errorf("needed types %v, want execve,open,openat (c adds none, d is disabled)", got)
	}
}
