package enforce

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vigil-sec/vigil/internal/container"
	"github.com/vigil-sec/vigil/internal/event"
	"github.com/vigil-sec/vigil/internal/host"
	"github.com/vigil-sec/vigil/internal/policy"
	"github.com/vigil-sec/vigil/internal/testutil"
)

// collector gathers emitted decisions.
type collector struct {
	mu  sync.Mutex
	evs []*event.Event
}

func (c *collector) emit(ev *event.Event) {
	c.mu.Lock()
	c.evs = append(c.evs, ev)
	c.mu.Unlock()
}

func (c *collector) find(policyName, result string) *event.Event {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, ev := range c.evs {
		if ev.Enforcement.Policy == policyName && ev.Enforcement.Result == result {
			return ev
		}
	}
	return nil
}

func loadPolicies(t *testing.T, src string) *policy.Set {
	t.Helper()
	set, diags := policy.Load([]policy.File{{Name: "t.yaml", Data: []byte(src)}})
	if len(diags) > 0 {
		t.Fatalf("policies: %v", diags)
	}
	return set
}

func startGuard(t *testing.T, set *policy.Set) (*FileGuard, *collector) {
	t.Helper()
	testutil.RequireRoot(t)
	c := &collector{}
	g, err := NewFileGuard(FileGuardOptions{Resolver: &Resolver{HostPidNS: host.NamespaceInode("/proc/self/ns/pid")}, Emit: c.emit, Host: "test"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { g.Close() })
	if err := g.Load(set); err != nil {
		t.Fatal(err)
	}
	if err := g.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	return g, c
}

// run runs a shell command in a child process (the guard never blocks its
// own process) and returns its combined output and error.
func run(script string) (string, error) {
	out, err := exec.Command("/bin/sh", "-c", script).CombinedOutput()
	return string(out), err
}

// TestFileGuardExec: a program under a denied directory never runs (its
// side effect is absent, the shell sees EPERM), a program elsewhere runs,
// and the decision is emitted with the policy, target and pid.
func TestFileGuardExec(t *testing.T) {
	dir := t.TempDir()
	denied, allowed := filepath.Join(dir, "denied"), filepath.Join(dir, "allowed")
	for _, d := range []string{denied, allowed} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	prog := "#!/bin/sh\ntouch \"$0.ran\"\n"
	for _, p := range []string{filepath.Join(denied, "prog"), filepath.Join(allowed, "prog")} {
		if err := os.WriteFile(p, []byte(prog), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	named := filepath.Join(allowed, "named")
	os.WriteFile(named, []byte(prog), 0o755)
	set := loadPolicies(t, "- policy: no-exec-denied\n  match:\n    exec: ["+denied+"/]\n"+
		"- policy: no-exec-named\n  match: {exec: "+named+"}\n")
	g, c := startGuard(t, set)

	out, err := run(filepath.Join(denied, "prog"))
	if err == nil || !strings.Contains(out, "Operation not permitted") {
		t.Errorf("denied program: err %v, output %q; want EPERM", err, out)
	}
	if _, err := os.Stat(filepath.Join(denied, "prog.ran")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the denied program ran: %v", err)
	}
	if out, err := run(filepath.Join(allowed, "prog")); err != nil {
		t.Errorf("allowed program: %v %s", err, out)
	}
	if _, err := os.Stat(filepath.Join(allowed, "prog.ran")); err != nil {
		t.Errorf("the allowed program did not run: %v", err)
	}
	// A named file (an inode mark) is denied; its neighbours run.
	if out, err := run(named); err == nil || !strings.Contains(out, "Operation not permitted") {
		t.Errorf("named program: err %v, output %q; want EPERM", err, out)
	}
	if _, err := os.Stat(named + ".ran"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the named program ran: %v", err)
	}
	ev := c.find("no-exec-denied", "denied")
	if ev == nil {
		t.Fatalf("no decision emitted: %+v", c.evs)
	}
	if ev.Type != event.TypeEnforce || ev.Enforcement.Target != filepath.Join(denied, "prog") || ev.Enforcement.Match != "exec" ||
		ev.Enforcement.Mechanism != MechFanotify || ev.Enforcement.Action != "deny" || ev.Process.PID == 0 {
		t.Errorf("decision %+v %+v", ev, ev.Enforcement)
	}
	st, denies, _ := g.Stats()
	if denies != 2 || st.Denied != 2 {
		t.Errorf("stats %+v, denies %d", st, denies)
	}
}

// TestFileGuardOpen: a denied file is not read, another file in the same
// directory is; with access: read, writing the denied file still works;
// a file created later under the denied name is covered too.
func TestFileGuardOpen(t *testing.T) {
	dir := t.TempDir()
	secret, other := filepath.Join(dir, "secret"), filepath.Join(dir, "other")
	os.WriteFile(secret, []byte("s3cret\n"), 0o600)
	os.WriteFile(other, []byte("public\n"), 0o600)
	later := filepath.Join(dir, "later")
	set := loadPolicies(t, "- policy: secret-read\n  match:\n    open: ["+secret+", "+later+"]\n    access: read\n")
	_, c := startGuard(t, set)

	if out, err := run("cat " + secret); err == nil || strings.Contains(out, "s3cret") || !strings.Contains(out, "Operation not permitted") {
		t.Errorf("read of the denied file: %v %q", err, out)
	}
	if out, err := run("cat " + other); err != nil || !strings.Contains(out, "public") {
		t.Errorf("read of another file: %v %q", err, out)
	}
	if out, err := run("echo more >> " + secret); err != nil {
		t.Errorf("write of the read-denied file: %v %q", err, out)
	}
	// Files created, or renamed to a denied name, after the policy loaded
	// are marked when inotify reports them (asynchronously: wait a bit).
	if out, err := run("echo x > " + later); err != nil {
		t.Fatalf("create: %v %s", err, out)
	}
	if !eventuallyDenied("cat " + later) {
		t.Error("a file created after the policy can still be read")
	}
	if out, err := run("echo new > " + secret + ".new && mv " + secret + ".new " + secret); err != nil {
		t.Fatalf("replace: %v %s", err, out)
	}
	if !eventuallyDenied("cat " + secret) {
		t.Error("the denied file, replaced by a rename, can be read")
	}
	if ev := c.find("secret-read", "denied"); ev == nil || ev.Enforcement.Target != secret {
		t.Errorf("decision: %+v", c.evs)
	}
}

// eventuallyDenied runs script until it fails with EPERM, for at most 5 s.
func eventuallyDenied(script string) bool {
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if out, err := run(script); err != nil && strings.Contains(out, "Operation not permitted") {
			return true
		}
	}
	return false
}

// TestFileGuardAudit: audit mode blocks nothing and emits what it would
// have denied.
func TestFileGuardAudit(t *testing.T) {
	dir := t.TempDir()
	prog := filepath.Join(dir, "prog")
	os.WriteFile(prog, []byte("#!/bin/sh\ntouch \"$0.ran\"\n"), 0o755)
	set := loadPolicies(t, "- policy: audit-exec\n  mode: audit\n  match: {exec: "+prog+"}\n")
	_, c := startGuard(t, set)
	if out, err := run(prog); err != nil {
		t.Fatalf("audited program: %v %s", err, out)
	}
	if _, err := os.Stat(prog + ".ran"); err != nil {
		t.Errorf("audited program did not run: %v", err)
	}
	if c.find("audit-exec", "would deny") == nil {
		t.Errorf("no would-deny decision: %+v", c.evs)
	}
}

// TestFileGuardReload: after Load with other policies, the old one no
// longer applies and the new one does.
func TestFileGuardReload(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	os.WriteFile(a, []byte("a\n"), 0o600)
	os.WriteFile(b, []byte("b\n"), 0o600)
	g, _ := startGuard(t, loadPolicies(t, "- policy: deny-a\n  match: {open: "+a+"}\n"))
	if _, err := run("cat " + a); err == nil {
		t.Fatal("a readable under deny-a")
	}
	if err := g.Load(loadPolicies(t, "- policy: deny-b\n  match: {open: "+b+"}\n")); err != nil {
		t.Fatal(err)
	}
	if out, err := run("cat " + a); err != nil {
		t.Errorf("a still denied after reload: %v %s", err, out)
	}
	if _, err := run("cat " + b); err == nil {
		t.Error("b readable under deny-b")
	}
}

func TestParseProcCgroup(t *testing.T) {
	id := strings.Repeat("ab", 32)
	for _, tc := range []struct {
		data string
		want string
	}{
		{"0::/user.slice/session-1.scope\n", ""},
		{"12:pids:/docker/" + id + "\n0::/\n", id},
		{"0::/kubepods/besteffort/pod1b4e28ba-2fa1-11d2-883f-0016d3cca427/" + id + "\n", id},
		{"garbage\n\n1:x\n", ""},
	} {
		if k := parseProcCgroup([]byte(tc.data), container.NewCgroupMatcher(nil)); k.ID != tc.want {
			t.Errorf("parseProcCgroup(%q) = %+v, want %s", tc.data, k, tc.want)
		}
	}
}

func TestFixedPrefix(t *testing.T) {
	for pat, want := range map[string]string{"/tmp/*": "/tmp", "/usr/bin/nc": "/usr/bin", "/*": "/", "/a/b*/c": "/a", "/x": "/"} {
		if got := fixedPrefix(pat); got != want {
			t.Errorf("fixedPrefix(%q) = %q, want %q", pat, got, want)
		}
	}
	var got []string
	ev := func(wd int32, name string) []byte {
		b := make([]byte, 16+16)
		binary.NativeEndian.PutUint32(b[0:], uint32(wd))
		binary.NativeEndian.PutUint32(b[12:], 16)
		copy(b[16:], name)
		return b
	}
	buf := append(ev(1, "shadow"), ev(2, "passwd")...)
	parseInotify(append(buf, 1, 2, 3), func(wd int32, name string) { got = append(got, fmt.Sprintf("%d %s", wd, name)) })
	if strings.Join(got, ",") != "1 shadow,2 passwd" {
		t.Errorf("parseInotify = %v", got)
	}
	parseInotify([]byte{1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 255, 255, 0, 0}, func(int32, string) { t.Error("event from a bad length") })
	if got := unescapeMount(`/mnt/a\040b`); got != "/mnt/a b" {
		t.Errorf("unescapeMount = %q", got)
	}
}

// The subject of this test process: on the host, its own executable, and
// its parent's.
func TestResolverSelf(t *testing.T) {
	r := &Resolver{HostPidNS: host.NamespaceInode("/proc/self/ns/pid")}
	s := r.Subject(os.Getpid(), true)
	exe, _ := os.Executable()
	if s.InContainer || s.Exe != exe || len(s.Ancestors) == 0 {
		t.Errorf("subject %+v (exe %s)", s, exe)
	}
}

func FuzzParseInotify(f *testing.F) {
	f.Add([]byte{1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 'a', 'b', 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		parseInotify(b, func(int32, string) {})
	})
}
