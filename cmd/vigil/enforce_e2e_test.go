package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/vigil-sec/vigil/internal/testutil/runc"
)

// enforceAlert is the part of an enforcement alert the tests read.
type enforceAlert struct {
	Rule         string         `json:"rule"`
	Tags         []string       `json:"tags"`
	OutputFields map[string]any `json:"output_fields"`
	Vigil        struct {
		ContainerID string   `json:"container_id"`
		Actions     []string `json:"actions"`
	} `json:"vigil"`
}

// waitEnforcement waits for the alert of policy with result (and, when
// target is not "", that target) on the agent's stdout.
func waitEnforcement(t *testing.T, a *agent, policyName, result, target string) enforceAlert {
	t.Helper()
	line := a.stdout.waitLine(t, "enforcement alert of "+policyName+" ("+result+")", func(l string) bool {
		var al enforceAlert
		return json.Unmarshal([]byte(l), &al) == nil && al.Rule == "Vigil policy: "+policyName &&
			al.OutputFields["vigil.result"] == result && (target == "" || al.OutputFields["vigil.target"] == target)
	})
	var al enforceAlert
	json.Unmarshal([]byte(line), &al)
	return al
}

func writePolicy(t *testing.T, src string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "policy.yaml")
	if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestEnforceExecAndOpen runs the agent with exec and open policies on the
// host: a program in the denied directory never runs and its caller gets
// EPERM; a program elsewhere runs; the denied file is not read and
// another one is; the audit policy blocks nothing. Each decision is an
// alert with the process's context.
func TestEnforceExecAndOpen(t *testing.T) {
	dir := t.TempDir()
	deny, ok := filepath.Join(dir, "deny"), filepath.Join(dir, "ok")
	os.Mkdir(deny, 0o755)
	os.Mkdir(ok, 0o755)
	prog := "#!/bin/sh\ntouch \"$0.ran\"\n"
	for _, p := range []string{filepath.Join(deny, "prog"), filepath.Join(ok, "prog"), filepath.Join(ok, "audited")} {
		os.WriteFile(p, []byte(prog), 0o755)
	}
	secret, public := filepath.Join(dir, "secret"), filepath.Join(dir, "public")
	os.WriteFile(secret, []byte("s3cret\n"), 0o644)
	os.WriteFile(public, []byte("public\n"), 0o644)
	pol := writePolicy(t, `
- policy: no-exec-deny-dir
  tags: [T1204]
  match: {exec: `+deny+`/}
- policy: secret-file
  priority: warning
  match: {open: `+secret+`}
- policy: audit-audited
  mode: audit
  match: {exec: `+filepath.Join(ok, "audited")+`}
`)
	a := startAgent(t, "--json", "--policy", pol)

	out, err := exec.Command("/bin/sh", "-c", filepath.Join(deny, "prog")).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "Operation not permitted") {
		t.Errorf("denied exec: %v %q", err, out)
	}
	if _, err := os.Stat(filepath.Join(deny, "prog.ran")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("denied program ran: %v", err)
	}
	if out, err := exec.Command(filepath.Join(ok, "prog")).CombinedOutput(); err != nil {
		t.Errorf("allowed exec: %v %s", err, out)
	}
	if _, err := os.Stat(filepath.Join(ok, "prog.ran")); err != nil {
		t.Errorf("allowed program did not run: %v", err)
	}
	if out, err := exec.Command("cat", secret).CombinedOutput(); err == nil || strings.Contains(string(out), "s3cret") {
		t.Errorf("denied open: %v %q", err, out)
	}
	if out, err := exec.Command("cat", public).CombinedOutput(); err != nil || !strings.Contains(string(out), "public") {
		t.Errorf("allowed open: %v %q", err, out)
	}
	if out, err := exec.Command(filepath.Join(ok, "audited")).CombinedOutput(); err != nil {
		t.Errorf("audited exec blocked: %v %s", err, out)
	}
	if _, err := os.Stat(filepath.Join(ok, "audited.ran")); err != nil {
		t.Errorf("audited program did not run: %v", err)
	}

	al := waitEnforcement(t, a, "no-exec-deny-dir", "denied", filepath.Join(deny, "prog"))
	if al.OutputFields["proc.exepath"] == nil || al.Vigil.ContainerID != "host" || strings.Join(al.Vigil.Actions, ",") != "deny:denied" ||
		!strings.Contains(strings.Join(al.Tags, ","), "T1204") {
		t.Errorf("exec alert: %+v", al)
	}
	al = waitEnforcement(t, a, "secret-file", "denied", secret)
	if al.OutputFields["proc.exepath"] == nil || !strings.HasSuffix(al.OutputFields["proc.exepath"].(string), "/cat") {
		t.Errorf("open alert: %+v", al)
	}
	waitEnforcement(t, a, "audit-audited", "would deny", filepath.Join(ok, "audited"))
	a.stop(t)
}

// TestEnforceExecInContainer scopes an exec policy to one runc container
// (by its name, from the CRI annotations): inside it, a binary dropped in
// /tmp cannot run while /bin's can; the same kind of program on the host
// still runs.
func TestEnforceExecInContainer(t *testing.T) {
	opts := containerOptions("guarded")
	opts.Overlay = true
	pol := writePolicy(t, `
- policy: container-no-tmp-exec
  scope:
    container: {name: guarded}
  match: {exec: /tmp/}
`)
	a := startAgent(t, "--json", "--policy", pol)
	c := runc.New(t, opts)
	if err := c.Start("sleep", "3600"); err != nil {
		t.Fatal(err)
	}
	a.stderr.waitLine(t, "container guarded", func(l string) bool {
		return strings.Contains(l, "container guarded") && strings.Contains(l, opts.ID)
	})

	out, err := c.Exec("/bin/sh", "-c", "cp /bin/busybox /tmp/bb && /tmp/bb touch /tmp/ran; echo rc=$?")
	if err != nil {
		t.Fatalf("exec: %v %s", err, out)
	}
	if !strings.Contains(out, "Permission denied") && !strings.Contains(out, "not permitted") {
		t.Errorf("dropped binary in the container: %q, want a denial", out)
	}
	if _, err := os.Stat(filepath.Join(c.UpperDir(), "tmp", "ran")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the dropped binary ran in the container: %v", err)
	}
	if out, err := c.Exec("/bin/sh", "-c", "/bin/busybox true && echo ok"); err != nil || !strings.Contains(out, "ok") {
		t.Errorf("/bin in the container: %v %q", err, out)
	}
	al := waitEnforcement(t, a, "container-no-tmp-exec", "denied", "/tmp/bb")
	if al.Vigil.ContainerID != opts.ID[:12] || al.OutputFields["container.name"] != "guarded" {
		t.Errorf("container alert: %+v", al)
	}

	// On the host the policy does not apply.
	host := filepath.Join(t.TempDir(), "prog")
	os.WriteFile(host, []byte("#!/bin/sh\necho host-ran\n"), 0o755)
	if out, err := exec.Command(host).CombinedOutput(); err != nil || !strings.Contains(string(out), "host-ran") {
		t.Errorf("host exec under a container-scoped policy: %v %q", err, out)
	}
	a.stop(t)
}

// TestPolicyCheckCommand: vigil policy check reports problems with their
// position and exits 1; a missing file is a clear error.
func TestPolicyCheckCommand(t *testing.T) {
	bad := writePolicy(t, "- policy: x\n  match: {exec: tmp}\n")
	var stdout, stderr strings.Builder
	code := execute(t.Context(), []string{"policy", "check", bad}, &stdout, &stderr)
	if code != 1 || !strings.Contains(stdout.String(), bad+`:2:17: error: policy x: match.exec: "tmp" is not an absolute path`) {
		t.Errorf("exit %d, stdout %q stderr %q", code, stdout.String(), stderr.String())
	}
	stdout.Reset()
	stderr.Reset()
	if code := execute(t.Context(), []string{"policy", "check", "/nonexistent/p.yaml"}, &stdout, &stderr); code == 0 ||
		!strings.Contains(stderr.String(), "policy /nonexistent/p.yaml: stat /nonexistent/p.yaml: no such file or directory") {
		t.Errorf("missing file: exit %d, %q", code, stderr.String())
	}
	stdout.Reset()
	good := writePolicy(t, "- policy: ok\n  match: {connect: {cidr: 10.0.0.0/8, port: 22}}\n")
	if code := execute(t.Context(), []string{"policy", "check", good}, &stdout, &stderr); code != 0 ||
		!strings.Contains(stdout.String(), "cgroup sock_addr") {
		t.Errorf("good file: exit %d, %q", code, stdout.String())
	}
}

// buildEnforceTrigger builds internal/testutil/trigger/enforce statically
// (it also runs in busybox containers).
var buildEnforceTrigger = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "vigil-enforce-trigger")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "enforce")
	cmd := exec.Command("go", "build", "-o", bin, "../../internal/testutil/trigger/enforce")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build enforce trigger: %v\n%s", err, out)
	}
	return bin, nil
})

// countingListener accepts TCP connections on 127.0.0.1 and counts them.
func countingListener(t *testing.T) (port int, accepted *atomic.Int64) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	accepted = &atomic.Int64{}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			accepted.Add(1)
			c.Close()
		}
	}()
	return ln.Addr().(*net.TCPAddr).Port, accepted
}

// TestEnforceNetworkAndKill runs the agent with kernel-enforced policies:
// a connect policy scoped to one runc container (by name) refuses the
// container's connection, which the listener never sees, while a host
// process connects to the same listener; an audit policy lets a
// connection through and reports it; a syscall policy kills the process
// that calls mkdir(2) (the directory is created: the kill lands when the
// call returns, docs/policies.md), and another call of the same binary
// lives.
func TestEnforceNetworkAndKill(t *testing.T) {
	trig, err := buildEnforceTrigger()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	killer := filepath.Join(dir, "mkdir-trigger")
	data, _ := os.ReadFile(trig)
	os.WriteFile(killer, data, 0o755)

	port, accepted := countingListener(t)
	auditPort, auditAccepted := countingListener(t)
	pol := writePolicy(t, fmt.Sprintf(`
- policy: container-no-local-%[1]d
  scope:
    container: {name: netguarded}
  match:
    connect: {cidr: 127.0.0.1, port: %[1]d, protocol: tcp}
- policy: audit-port-%[2]d
  mode: audit
  match:
    connect: {cidr: 127.0.0.0/8, port: %[2]d}
- policy: kill-mkdir
  scope:
    binary: [%[3]s]
  match:
    syscall: [mkdir]
`, port, auditPort, killer))
	a := startAgent(t, "--json", "--policy", pol)

	opts := containerOptions("netguarded")
	opts.HostNetwork = true
	opts.Files = map[string]string{"/bin/enforce": trig}
	c := runc.New(t, opts)
	if err := c.Start("sleep", "3600"); err != nil {
		t.Fatal(err)
	}
	a.stderr.waitLine(t, "container scoped", func(l string) bool {
		return strings.Contains(l, "container scoped") && strings.Contains(l, opts.ID)
	})

	target := fmt.Sprintf("127.0.0.1:%d", port)
	out, err := c.Exec("/bin/sh", "-c", "/bin/enforce connect tcp "+target+"; echo rc=$?")
	if err != nil || !strings.Contains(out, "rc=3") {
		t.Errorf("connect from the container: %v %q, want EPERM (rc=3)", err, out)
	}
	if out, err := exec.Command(trig, "connect", "tcp", target).CombinedOutput(); err != nil {
		t.Errorf("connect from the host: %v %s", err, out)
	}
	al := waitEnforcement(t, a, fmt.Sprintf("container-no-local-%d", port), "denied", target)
	if al.Vigil.ContainerID != opts.ID[:12] || al.OutputFields["vigil.mechanism"] != "cgroup sock_addr" {
		t.Errorf("connect alert: %+v", al)
	}
	if n := accepted.Load(); n != 1 {
		t.Errorf("listener accepted %d connections, want 1 (the host's)", n)
	}

	auditTarget := fmt.Sprintf("127.0.0.1:%d", auditPort)
	if out, err := exec.Command(trig, "connect", "tcp", auditTarget).CombinedOutput(); err != nil {
		t.Errorf("audited connect: %v %s", err, out)
	}
	waitEnforcement(t, a, fmt.Sprintf("audit-port-%d", auditPort), "would deny", auditTarget)
	if auditAccepted.Load() != 1 {
		t.Errorf("audited connection not accepted")
	}

	newDir := filepath.Join(dir, "made")
	err = exec.Command(killer, "mkdir", newDir).Run()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Errorf("mkdir caller ended with %v, want SIGKILL", err)
	}
	if out, err := exec.Command(killer, "noop").CombinedOutput(); err != nil {
		t.Errorf("the same binary without mkdir: %v %s", err, out)
	}
	al = waitEnforcement(t, a, "kill-mkdir", "killed", "mkdir")
	if al.OutputFields["vigil.mechanism"] != "bpf_send_signal" || al.Vigil.ContainerID != "host" {
		t.Errorf("kill alert: %+v", al)
	}
	a.stop(t)
}

// TestRuleActionKill: a rule with actions: [kill] kills the process whose
// event fired it, and the alert records it.
func TestRuleActionKill(t *testing.T) {
	dir := t.TempDir()
	bait := filepath.Join(dir, "bait")
	os.WriteFile(bait, []byte("x\n"), 0o644)
	rulesFile := filepath.Join(dir, "rules.yaml")
	os.WriteFile(rulesFile, []byte(`
- rule: Bait opened
  desc: test rule with a response action
  condition: evt.type in (open, openat) and fd.name = "`+bait+`"
  output: bait opened by %proc.name (pid %proc.pid)
  priority: WARNING
  actions: [kill]
`), 0o644)
	a := startAgent(t, "--json", "-r", rulesFile)

	// The shell opens the bait, then waits on a long sleep: only a kill
	// ends it early.
	cmd := exec.Command("/bin/sh", "-c", "exec 3< "+bait+"; sleep 30; echo survived")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() { cmd.Process.Kill() })
	line := a.stdout.waitLine(t, "Bait opened alert", func(l string) bool { return strings.Contains(l, `"rule":"Bait opened"`) })
	var al enforceAlert
	json.Unmarshal([]byte(line), &al)
	if strings.Join(al.Vigil.Actions, ",") != "kill:killed" {
		t.Errorf("alert actions %v, want kill:killed", al.Vigil.Actions)
	}
	select {
	case err := <-done:
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
			t.Errorf("shell ended with %v, want SIGKILL", err)
		}
	case <-time.After(20 * time.Second):
		t.Error("the shell was not killed")
	}
	a.stop(t)
}

// TestPolicyReload: SIGHUP swaps the policies (the old one stops
// applying, the new one applies); a broken file is refused and the
// policies in force stay.
func TestPolicyReload(t *testing.T) {
	dir := t.TempDir()
	a1, b1 := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	os.WriteFile(a1, []byte("a\n"), 0o644)
	os.WriteFile(b1, []byte("b\n"), 0o644)
	pol := filepath.Join(dir, "policy.yaml")
	os.WriteFile(pol, []byte("- policy: deny-a\n  match: {open: "+a1+"}\n"), 0o644)
	a := startAgent(t, "--json", "--policy", pol)
	readable := func(p string) bool { return exec.Command("cat", p).Run() == nil }
	if readable(a1) || !readable(b1) {
		t.Fatalf("before reload: a readable %v, b readable %v", readable(a1), readable(b1))
	}

	os.WriteFile(pol, []byte("- policy: deny-b\n  match: {open: "+b1+"}\n"), 0o644)
	a.cmd.Process.Signal(syscall.SIGHUP)
	a.stderr.waitLine(t, "policies reloaded", func(l string) bool { return strings.Contains(l, "policies reloaded") })
	if !readable(a1) || readable(b1) {
		t.Errorf("after reload: a readable %v (want true), b readable %v (want false)", readable(a1), readable(b1))
	}

	os.WriteFile(pol, []byte("- policy: broken\n  match: {open: relative}\n"), 0o644)
	a.cmd.Process.Signal(syscall.SIGHUP)
	a.stderr.waitLine(t, "reload refused", func(l string) bool { return strings.Contains(l, "policy reload refused") })
	if readable(b1) {
		t.Error("after a refused reload, deny-b no longer applies")
	}
	a.stop(t)
}
