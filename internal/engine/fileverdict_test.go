package engine

import (
	"testing"

	"github.com/vigil-sec/vigil/internal/event"
)

func openEvent(typ event.Type, path string, fdType event.FDType) *event.Event {
	ev := execEvent()
	ev.Type, ev.Exec = typ, nil
	ev.Syscall = &event.Syscall{Res: 3, FD: &event.FD{Num: 3, Type: fdType, Name: path, NameRaw: path}}
	return ev
}

func TestFileVerdict(t *testing.T) {
	const rulesSrc = `
- macro: open_read
  condition: (evt.type in (open,openat,openat2) and evt.is_open_read=true and fd.typechar='f' and fd.num>=0)
- rule: shadow
  desc: d
  condition: open_read and fd.name in (/etc/shadow, /etc/gshadow) and not proc.name in (passwd)
  output: o
  priority: WARNING
- rule: ssh keys
  desc: d
  condition: evt.type=openat and (fd.directory=/root/.ssh or fd.filename startswith id_) and fd.nameraw contains "../"
  output: o
  priority: WARNING
- rule: creat anywhere but tmp
  desc: d
  condition: evt.type=creat and not fd.name startswith /tmp/
  output: o
  priority: WARNING
- rule: disabled
  desc: d
  condition: evt.type=openat and proc.name=cat
  output: o
  priority: WARNING
  enabled: false
`
	e, diags := compileYAML(t, rulesSrc, Options{})
	if diags.HasErrors() {
		t.Fatal(diagText(diags))
	}
	for _, tc := range []struct {
		typ    event.Type
		path   string
		fdType event.FDType
		want   bool
	}{
		{event.TypeOpenat, "/etc/shadow", event.FDFile, true},       // process and flags unknown
		{event.TypeOpenat, "/etc/passwd", event.FDFile, false},      // no rule can match this file
		{event.TypeOpenat, "/etc/shadow", event.FDDirectory, false}, // fd.typechar='f' is false
		{event.TypeOpenat, "/root/.ssh/config", event.FDFile, true}, // fd.directory; nameraw unknown
		{event.TypeOpenat, "/home/u/id_ed25519", event.FDFile, true},
		{event.TypeOpen, "/root/.ssh/config", event.FDFile, false}, // that rule is for openat only
		{event.TypeCreat, "/tmp/x", event.FDFile, false},           // not (startswith /tmp/)
		{event.TypeCreat, "/var/x", event.FDFile, true},
		{event.TypeOpenat2, "/tmp/x", event.FDFile, false},
	} {
		if got := e.FileVerdict(openEvent(tc.typ, tc.path, tc.fdType)); got != tc.want {
			t.Errorf("%s %s (%s): FileVerdict = %v, want %v", tc.typ, tc.path, tc.fdType, got, tc.want)
		}
	}
}

// A rule that tests only the process for opens makes every file
// interesting.
func TestFileVerdictProcessOnly(t *testing.T) {
	e, diags := compileYAML(t, ruleYAML(`evt.type=openat and proc.name=cat`), Options{})
	if diags.HasErrors() {
		t.Fatal(diagText(diags))
	}
	if !e.FileVerdict(openEvent(event.TypeOpenat, "/tmp/x", event.FDFile)) {
		t.Error("FileVerdict = false, want true")
	}
}

// With Falco's stable rules, a scratch file under /tmp is of no interest
// while /etc/shadow is.
func TestFileVerdictFalcoRules(t *testing.T) {
	e := compileFiles(t, falcoRules(t))
	for path, want := range map[string]bool{
		"/tmp/vigil-bench-file":               false,
		"/usr/lib/x86_64-linux-gnu/libc.so.6": false,
		"/etc/shadow":                         true,
		"/root/.ssh/id_rsa":                   true,
	} {
		if got := e.FileVerdict(openEvent(event.TypeOpenat, path, event.FDFile)); got != want {
			t.Errorf("%s: FileVerdict = %v, want %v", path, got, want)
		}
	}
}

// With the built-in rules, a scratch file under /tmp is of no interest
// while the dynamic linker's preload file is.
func TestFileVerdictBuiltinRules(t *testing.T) {
	e := compileFiles(t, builtinRules(t))
	for path, want := range map[string]bool{
		"/tmp/vigil-bench-file":               false,
		"/usr/lib/x86_64-linux-gnu/libc.so.6": false,
		"/etc/shadow":                         true,
		"/etc/ld.so.preload":                  true,
	} {
		if got := e.FileVerdict(openEvent(event.TypeOpenat, path, event.FDFile)); got != want {
			t.Errorf("%s: FileVerdict = %v, want %v", path, got, want)
		}
	}
}
