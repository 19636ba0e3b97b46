package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/vigil-sec/vigil/internal/testutil"
)

// buildVigil builds the binary once per test run.
var buildVigil = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "vigil-e2e")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "vigil")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go build: %v\n%s", err, out)
	}
	return bin, nil
})

// agent is a running `vigil run` process.
type agent struct {
	cmd    *exec.Cmd
	stdout *lineBuffer
	stderr *lineBuffer
	done   chan error
}

type lineBuffer struct {
	mu    sync.Mutex
	lines []string
}

func (b *lineBuffer) consume(r io.Reader) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		b.mu.Lock()
		b.lines = append(b.lines, sc.Text())
		b.mu.Unlock()
	}
}

func (b *lineBuffer) snapshot() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.lines...)
}

// waitLine waits (bounded, for liveness only) for a line matching pred.
func (b *lineBuffer) waitLine(t testing.TB, what string, pred func(string) bool) string {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		for _, l := range b.snapshot() {
			if pred(l) {
				return l
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("no %s line; got %d lines", what, len(b.snapshot()))
	return ""
}

func startAgent(t testing.TB, args ...string) *agent {
	t.Helper()
	testutil.RequireRoot(t)
	bin, err := buildVigil()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, append([]string{"run"}, args...)...)
	stdout, _ := cmd.StdoutPipe()
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	a := &agent{cmd: cmd, stdout: &lineBuffer{}, stderr: &lineBuffer{}, done: make(chan error, 1)}
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); a.stdout.consume(stdout) }()
	go func() { defer wg.Done(); a.stderr.consume(stderr) }()
	go func() { wg.Wait(); a.done <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-a.done
		if t.Failed() {
			t.Logf("agent stderr:\n%s", strings.Join(a.stderr.snapshot(), "\n"))
		}
	})
	a.stderr.waitLine(t, "ready", func(l string) bool { return strings.Contains(l, "ready") })
	return a
}

// stop sends SIGTERM and waits for a clean exit.
func (a *agent) stop(t testing.TB) {
	t.Helper()
	if err := a.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-a.done:
		a.done <- err // for cleanup
		if err != nil {
			t.Fatalf("agent exited with %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("agent did not stop on SIGTERM")
	}
}

type jsonProcess struct {
	PID       uint32   `json:"pid"`
	PPID      uint32   `json:"ppid"`
	ExecID    string   `json:"exec_id"`
	Name      string   `json:"name"`
	Exe       string   `json:"exe"`
	Args      []string `json:"args"`
	Ancestors []struct {
		PID    uint32   `json:"pid"`
		ExecID string   `json:"exec_id"`
		Name   string   `json:"name"`
		Exe    string   `json:"exe"`
		Args   []string `json:"args"`
	} `json:"ancestors"`
}

type jsonEvent struct {
	Type    string      `json:"type"`
	Host    string      `json:"host"`
	Process jsonProcess `json:"process"`
}

func TestRunSeesShellChild(t *testing.T) {
	a := startAgent(t, "--events")
	token := fmt.Sprintf("VIGIL_E2E_%d", time.Now().UnixNano())
	sh := exec.Command("sh", "-c", "/bin/echo "+token)
	if out, err := sh.CombinedOutput(); err != nil || !strings.Contains(string(out), token) {
		t.Fatalf("sh: %v %q", err, out)
	}
	line := a.stdout.waitLine(t, "execve of echo", func(l string) bool {
		return strings.Contains(l, `"type":"execve"`) && strings.Contains(l, `"/bin/echo","`+token)
	})
	var ev jsonEvent
	if err := json.Unmarshal([]byte(line), &ev); err != nil {
		t.Fatalf("%v: %s", err, line)
	}
	if ev.Process.Name != "echo" || len(ev.Process.Args) != 2 || ev.Process.Args[1] != token {
		t.Errorf("process = %+v", ev.Process)
	}
	anc := ev.Process.Ancestors
	if len(anc) < 2 {
		t.Fatalf("ancestors = %+v, want sh then this test", anc)
	}
	if anc[0].PID != uint32(sh.Process.Pid) || anc[0].Name != "sh" || ev.Process.PPID != anc[0].PID ||
		len(anc[0].Args) != 3 || anc[0].Args[2] != "/bin/echo "+token {
		t.Errorf("parent = %+v, want sh (pid %d) with its args", anc[0], sh.Process.Pid)
	}
	if anc[1].PID != uint32(os.Getpid()) {
		t.Errorf("grandparent pid %d, want this test %d", anc[1].PID, os.Getpid())
	}
	if last := anc[len(anc)-1]; last.PID != 1 {
		t.Errorf("ancestry ends at %+v, want init (pid 1)", last)
	}
	for _, x := range anc {
		if x.ExecID == "" {
			t.Errorf("ancestor without exec id: %+v", x)
		}
	}
	a.stop(t)
	if !strings.Contains(strings.Join(a.stderr.snapshot(), "\n"), "vigil stopped") {
		t.Error("no 'vigil stopped' log after SIGTERM")
	}
	// The agent does not report itself.
	self := fmt.Sprintf(`"pid":%d,`, a.cmd.Process.Pid)
	for _, l := range a.stdout.snapshot() {
		if strings.Contains(l, `"process":{`+self) {
			t.Errorf("agent reported its own activity: %s", l)
			break
		}
	}
}

// TestRecordReplay records a live session and replays it: replay must
// reproduce every event, ancestry included.
func TestRecordReplay(t *testing.T) {
	a := startAgent(t, "--events")
	token := fmt.Sprintf("VIGIL_REPLAY_%d", time.Now().UnixNano())
	if err := exec.Command("sh", "-c", "(/bin/true); /bin/echo "+token+" >/dev/null").Run(); err != nil {
		t.Fatal(err)
	}
	a.stdout.waitLine(t, "execve of echo", func(l string) bool { return strings.Contains(l, token) && strings.Contains(l, `"type":"execve"`) })
	a.stop(t)
	rec := a.stdout.snapshot()
	file := filepath.Join(t.TempDir(), "rec.jsonl")
	if err := os.WriteFile(file, []byte(strings.Join(rec, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	if code := execute(context.Background(), []string{"replay", "--events", file}, &stdout, &stderr); code != 0 {
		t.Fatalf("replay exit %d: %s", code, stderr.String())
	}
	got := strings.Split(strings.TrimSuffix(stdout.String(), "\n"), "\n")
	if len(got) != len(rec) {
		t.Fatalf("replay gave %d events, recording has %d", len(got), len(rec))
	}
	diffs := 0
	for i := range rec {
		if got[i] != rec[i] {
			diffs++
			if diffs <= 3 {
				t.Errorf("line %d differs:\nrecorded %s\nreplayed %s", i+1, rec[i], got[i])
			}
		}
	}
	if diffs > 0 {
		t.Errorf("%d of %d lines differ", diffs, len(rec))
	}
}
