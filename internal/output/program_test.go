package output

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/vigil-sec/vigil/internal/engine"
)

func newProgram(t *testing.T, opts ProgramOptions) *Program {
	t.Helper()
	if opts.Format == nil {
		opts.Format = numbered
	}
	if opts.InitialBackoff == 0 {
		opts.InitialBackoff = time.Millisecond
	}
	p, err := NewProgram(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

// current returns the running kept-alive process, if any.
func (p *Program) current() *process {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.proc
}

func readLinesIfAny(path string) []string {
	b, _ := os.ReadFile(path)
	return strings.Fields(string(b))
}

func TestProgramKeepAlive(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	p := newProgram(t, ProgramOptions{Command: "cat >> " + out, KeepAlive: true})
	for i := 10; i < 15; i++ {
		if err := p.WriteAlert(numberedAlert(i)); err != nil {
			t.Fatal(err)
		}
	}
	first := p.current()
	if err := p.Close(); err != nil { // cat sees the end of its input and exits
		t.Fatal(err)
	}
	if got := strings.Join(readLines(t, out), " "); got != "10 11 12 13 14" {
		t.Errorf("program got %q", got)
	}
	if p.Restarts() != 0 || !first.exited() {
		t.Errorf("restarts %d, exited %v", p.Restarts(), first.exited())
	}
}

// TestProgramRestarted: a kept-alive program that exits after each line
// is started again for the next.
func TestProgramRestarted(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	// The shell's read takes one line and no more.
	p := newProgram(t, ProgramOptions{Command: `read -r l && printf '%s\n' "$l" >> ` + out, KeepAlive: true})
	const n = 4
	for i := 10; i < 10+n; i++ {
		if err := p.WriteAlert(numberedAlert(i)); err != nil {
			t.Fatal(err)
		}
		proc := p.current()
		waitFor(t, "the program to exit", proc.exited)
	}
	if got := strings.Join(readLines(t, out), " "); got != "10 11 12 13" {
		t.Errorf("program got %q", got)
	}
	if p.Restarts() != n-1 || p.Retries() != n-1 {
		t.Errorf("restarts %d retries %d, want %d", p.Restarts(), p.Retries(), n-1)
	}
}

// TestProgramClosedInput: a program that stops reading (closes its
// input) but runs on makes the write fail (EPIPE); it is killed and
// started again, and the alert goes to the new one.
func TestProgramClosedInput(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	p := newProgram(t, ProgramOptions{KeepAlive: true, Timeout: 10 * time.Millisecond,
		Command: `read -r l; exec 0<&-; printf '%s\n' "$l" >> ` + out + `; exec sleep 1000`})
	if err := p.WriteAlert(numberedAlert(10)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the first line", func() bool { return len(readLinesIfAny(out)) == 1 })
	first := p.current()
	if err := p.WriteAlert(numberedAlert(11)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the second line", func() bool { return len(readLinesIfAny(out)) == 2 })
	if got := strings.Join(readLines(t, out), " "); got != "10 11" {
		t.Errorf("program got %q", got)
	}
	if !first.exited() || p.Restarts() != 1 || p.Retries() != 2 {
		t.Errorf("first exited %v, restarts %d, retries %d", first.exited(), p.Restarts(), p.Retries())
	}
}

// TestProgramWriteTimeout: a program that does not read blocks the write
// once the pipe is full; the write times out and fails.
func TestProgramWriteTimeout(t *testing.T) {
	big := FormatterFunc(func(b []byte, a *engine.Alert) []byte { return append(b, strings.Repeat("x", 1<<20)...) })
	p := newProgram(t, ProgramOptions{Command: "exec sleep 1000", KeepAlive: true, MaxAttempts: 2,
		Timeout: 20 * time.Millisecond, Format: big})
	err := p.WriteAlert(numberedAlert(1))
	if !errors.Is(err, syscall.ETIMEDOUT) && (err == nil || !strings.Contains(err.Error(), "timeout")) {
		t.Fatalf("err = %v", err)
	}
}

// TestProgramCloseKillsGroup: a program that ignores the end of its input
// is killed, with its children, Timeout after Close.
func TestProgramCloseKillsGroup(t *testing.T) {
	p := newProgram(t, ProgramOptions{Command: "sleep 1000 & sleep 1000; wait", KeepAlive: true,
		Timeout: 10 * time.Millisecond})
	if err := p.WriteAlert(numberedAlert(1)); err != nil {
		t.Fatal(err)
	}
	pgid := p.current().cmd.Process.Pid
	waitFor(t, "both sleeps", func() bool { return liveInGroup(pgid) >= 2 })
	if err := p.Close(); err == nil || !strings.Contains(err.Error(), "killed") {
		t.Errorf("Close: %v", err)
	}
	waitFor(t, "the process group to go", func() bool { return liveInGroup(pgid) == 0 })
}

// liveInGroup counts the processes of group pgid that are not zombies
// (dead, waiting for init to reap them).
func liveInGroup(pgid int) int {
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	n := 0
	for _, st := range stats {
		b, err := os.ReadFile(st)
		if err != nil {
			continue
		}
		// pid (comm) state ppid pgrp ...
		rest := string(b[strings.LastIndexByte(string(b), ')')+2:])
		f := strings.Fields(rest)
		if len(f) > 2 && f[2] == strconv.Itoa(pgid) && f[0] != "Z" {
			n++
		}
	}
	return n
}

func TestProgramPerAlert(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	p := newProgram(t, ProgramOptions{Command: "cat >> " + out})
	for i := 10; i < 13; i++ {
		if err := p.WriteAlert(numberedAlert(i)); err != nil {
			t.Fatal(err)
		}
	}
	if got := strings.Join(readLines(t, out), " "); got != "10 11 12" {
		t.Errorf("program got %q", got)
	}
	// A failing run is retried, then fails.
	p = newProgram(t, ProgramOptions{Command: "cat >/dev/null; exit 3", MaxAttempts: 2})
	if err := p.WriteAlert(numberedAlert(1)); err == nil || !strings.Contains(err.Error(), "exit status 3") {
		t.Errorf("err = %v", err)
	}
	if p.Retries() != 1 {
		t.Errorf("retries %d", p.Retries())
	}
}

// recordHandler keeps log records' messages and string attributes.
type recordHandler struct {
	mu   sync.Mutex
	recs []string
}

func (h *recordHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h *recordHandler) Handle(_ context.Context, r slog.Record) error {
	s := r.Message
	r.Attrs(func(a slog.Attr) bool { s += " " + a.Key + "=" + a.Value.String(); return true })
	h.mu.Lock()
	h.recs = append(h.recs, s)
	h.mu.Unlock()
	return nil
}
func (h *recordHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *recordHandler) WithGroup(string) slog.Handler      { return h }
func (h *recordHandler) all() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return strings.Join(h.recs, "\n")
}

func TestProgramOutputLogged(t *testing.T) {
	logs := &recordHandler{}
	p := newProgram(t, ProgramOptions{Command: "echo hello; echo oops >&2; cat >/dev/null", KeepAlive: true,
		Logger: slog.New(logs)})
	if err := p.WriteAlert(numberedAlert(1)); err != nil {
		t.Fatal(err)
	}
	p.Close()
	got := logs.all()
	for _, want := range []string{"alert program output line=hello", "alert program output line=oops"} {
		if !strings.Contains(got, want) {
			t.Errorf("log lacks %q:\n%s", want, got)
		}
	}
}

func TestLineLoggerCapsLines(t *testing.T) {
	logs := &recordHandler{}
	l := &lineLogger{log: slog.New(logs)}
	l.Write([]byte(strings.Repeat("y", 3000)))
	l.Write([]byte(strings.Repeat("y", 3000) + "\nshort\npart"))
	l.flush()
	recs := strings.Split(logs.all(), "\n")
	if len(recs) != 3 || len(recs[0]) != len("alert program output line=")+maxProgramLine ||
		!strings.HasSuffix(recs[1], "=short") || !strings.HasSuffix(recs[2], "=part") {
		t.Errorf("records: %q", recs)
	}
}

func TestNewProgramRejectsEmpty(t *testing.T) {
	if _, err := NewProgram(ProgramOptions{}); err == nil {
		t.Error("no command accepted")
	}
}
