package respond

import (
	"errors"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/vigil-sec/vigil/internal/engine"
	"github.com/vigil-sec/vigil/internal/event"
	"github.com/vigil-sec/vigil/internal/fields"
	"github.com/vigil-sec/vigil/internal/rules"
)

type alertBuf struct{ alerts []*engine.Alert }

func (b *alertBuf) WriteAlert(a *engine.Alert) error { b.alerts = append(b.alerts, a); return nil }
func (b *alertBuf) Flush() error                     { return nil }

func enforceEvent() *event.Event {
	return &event.Event{
		Time: time.Date(2026, 11, 24, 2, 0, 0, 0, time.UTC), Type: event.TypeEnforce, Host: "vm",
		Process:   event.Process{PID: 4321, Name: "sh", Exe: "/bin/busybox", Args: []string{"sh", "-c", "/tmp/x"}, ContainerID: "c0ffee"},
		Ancestors: []event.Ancestor{{PID: 4000, Name: "runc:[2:INIT]"}},
		Container: &event.Container{ID: "c0ffee", Name: "web", ImageRepository: "docker.io/library/nginx", ImageTag: "1.27",
			Pod: &event.Pod{Name: "web-0", Namespace: "prod"}, MetadataKnown: true},
		Enforcement: &event.Enforcement{Policy: "no-exec-from-tmp", Mode: "enforce", Action: "deny", Match: "exec",
			Target: "/tmp/x", Result: "denied", Mechanism: "fanotify"},
	}
}

func TestReporter(t *testing.T) {
	buf := &alertBuf{}
	r, err := NewReporter(fields.New(fields.Options{}), nil, buf)
	if err != nil {
		t.Fatal(err)
	}
	r.SetPolicies(map[string]PolicyInfo{"no-exec-from-tmp": {Priority: rules.Warning, Tags: []string{"T1204"}}})
	if err := r.Write(&event.Event{Type: event.TypeOpenat}); err != nil || len(buf.alerts) != 0 {
		t.Fatalf("non-enforcement event reported: %v %v", err, buf.alerts)
	}
	if err := r.Write(enforceEvent()); err != nil {
		t.Fatal(err)
	}
	if len(buf.alerts) != 1 {
		t.Fatalf("%d alerts", len(buf.alerts))
	}
	a := buf.alerts[0]
	want := "Vigil policy no-exec-from-tmp: denied exec /tmp/x (mode=enforce action=deny mechanism=fanotify " +
		"proc.exepath=/bin/busybox proc.cmdline=sh -c /tmp/x proc.pid=4321 proc.pname=runc:[2:INIT] user.name=<NA> user.uid=0 " +
		"container.id=c0ffee container.name=web container.image.repository=docker.io/library/nginx container.image.tag=1.27 " +
		"k8s.ns.name=prod k8s.pod.name=web-0)"
	if a.Message != want {
		t.Errorf("message\n got %s\nwant %s", a.Message, want)
	}
	if a.Rule != "Vigil policy: no-exec-from-tmp" || a.Priority != rules.Warning || a.Source != "vigil" ||
		strings.Join(a.Tags, ",") != "T1204,vigil_enforce,mode_enforce" || !strings.Contains(a.Output, ": Warning Vigil policy") ||
		strings.Join(a.Actions, ",") != "deny:denied" {
		t.Errorf("alert %+v", a)
	}
	// An unknown policy (removed by a reload meanwhile) still reports.
	ev := enforceEvent()
	ev.Enforcement.Policy = "gone"
	r.Write(ev)
	if len(buf.alerts) != 2 || buf.alerts[1].Priority != rules.Critical {
		t.Errorf("unknown policy: %+v", buf.alerts)
	}
}

type fakeKiller struct {
	pids []uint32
	err  error
}

func (k *fakeKiller) Kill(pid uint32, exe string) error { k.pids = append(k.pids, pid); return k.err }

func TestActor(t *testing.T) {
	buf := &alertBuf{}
	k := &fakeKiller{}
	a := NewActor(ActorOptions{Sinks: []engine.AlertSink{buf}, Killer: k, SelfPID: 77})
	alert := func(pid uint32, actions ...string) *engine.Alert {
		return &engine.Alert{Rule: "R", Actions: actions, Event: &event.Event{Process: event.Process{PID: pid}}}
	}
	for _, tc := range []struct {
		al   *engine.Alert
		want string
	}{
		{alert(100, "kill"), "kill:killed"},
		{alert(77, "kill"), "kill:refused: protected process"},
		{alert(1, "kill"), "kill:refused: protected process"},
		{alert(0, "kill"), "kill:failed: no process"},
		{alert(100, "notify"), "notify:unsupported"},
		{alert(100), ""},
	} {
		if err := a.WriteAlert(tc.al); err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(tc.al.Actions, ","); got != tc.want {
			t.Errorf("actions %q, want %q", got, tc.want)
		}
	}
	if len(k.pids) != 1 || k.pids[0] != 100 || a.Kills() != 1 || len(buf.alerts) != 6 {
		t.Errorf("kills %v (%d), alerts %d", k.pids, a.Kills(), len(buf.alerts))
	}
	k.err = errors.New("process gone")
	al := alert(100, "kill")
	a.WriteAlert(al)
	if al.Actions[0] != "kill:failed: process gone" {
		t.Errorf("failed kill recorded as %q", al.Actions[0])
	}
	// Enforcement alerts already record what was done.
	al = &engine.Alert{Rule: RulePrefix + "p", Actions: []string{"deny:denied"}, Event: &event.Event{Process: event.Process{PID: 100}}}
	a.WriteAlert(al)
	if al.Actions[0] != "deny:denied" || len(k.pids) != 2 {
		t.Errorf("enforcement alert touched: %v %v", al.Actions, k.pids)
	}
}

// TestProcKiller kills a real child process, and refuses when the
// executable differs or the process is gone.
func TestProcKiller(t *testing.T) {
	sleep, err := exec.LookPath("sleep")
	if err != nil {
		t.Skip("no sleep binary")
	}
	real, err := filepath.EvalSymlinks(sleep)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(sleep, "60")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pid := uint32(cmd.Process.Pid)
	if err := (ProcKiller{}).Kill(pid, "/bin/not-sleep"); err == nil || !strings.Contains(err.Error(), "not /bin/not-sleep") {
		t.Errorf("Kill with the wrong exe: %v", err)
	}
	if err := (ProcKiller{}).Kill(pid, real); err != nil {
		t.Fatalf("Kill: %v", err)
	}
	err = cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Errorf("child ended with %v, want SIGKILL", err)
	}
	if err := (ProcKiller{}).Kill(pid, real); err == nil {
		t.Error("Kill of a reaped process: no error")
	}
}
