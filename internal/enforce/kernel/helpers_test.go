package kernel

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/vigil-sec/vigil/internal/testutil"
)

// triggerBin is the static test tool internal/testutil/trigger/enforce,
// built once by TestMain (empty when the build failed: see triggerErr).
var triggerBin, triggerErr = "", error(nil)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "vigil-enforce-test")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	bin := filepath.Join(dir, "enforce")
	cmd := exec.Command("go", "build", "-o", bin, "../../testutil/trigger/enforce")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		triggerErr = fmt.Errorf("build trigger: %v\n%s", err, out)
	} else {
		triggerBin = bin
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(b []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(b), "\n"))
	return len(b), nil
}

// newEnforcer returns an Enforcer closed at the end of the test.
func newEnforcer(t testing.TB, opts Options) *Enforcer {
	t.Helper()
	testutil.RequireRoot(t)
	if triggerErr != nil {
		t.Fatal(triggerErr)
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	e, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := e.Close(); err != nil {
			t.Error(err)
		}
	})
	return e
}

// listener is a TCP listener on 127.0.0.1 counting the connections it
// accepts.
type listener struct {
	port     uint16
	accepted atomic.Int64
}

func newListener(t testing.TB) *listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	l := &listener{port: uint16(ln.Addr().(*net.TCPAddr).Port)}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			l.accepted.Add(1)
			c.Close()
		}
	}()
	return l
}

func (l *listener) addr() string { return "127.0.0.1:" + strconv.Itoa(int(l.port)) }

// freePort returns a TCP port nothing listens on (now).
func freePort(t testing.TB) uint16 {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return uint16(ln.Addr().(*net.TCPAddr).Port)
}

// result is how a trigger run ended.
type result struct {
	pid    int
	code   int            // exit code, -1 when killed by a signal
	signal syscall.Signal // the signal that killed it
	out    string
}

func (r result) String() string {
	if r.code < 0 {
		return fmt.Sprintf("pid %d killed by %v: %q", r.pid, r.signal, r.out)
	}
	return fmt.Sprintf("pid %d exit %d: %q", r.pid, r.code, r.out)
}

// run runs bin with args as a child (not exempt: another tgid).
func run(t testing.TB, bin string, args ...string) result {
	t.Helper()
	cmd := exec.Command(bin, args...)
	out, err := cmd.CombinedOutput()
	r := result{out: string(out)}
	if cmd.Process != nil {
		r.pid = cmd.Process.Pid
	}
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		ws := ee.Sys().(syscall.WaitStatus)
		if ws.Signaled() {
			r.code, r.signal = -1, ws.Signal()
		} else {
			r.code = ws.ExitStatus()
		}
	default:
		t.Fatalf("run %s: %v", bin, err)
	}
	return r
}

func trigger(t testing.TB, args ...string) result {
	t.Helper()
	return run(t, triggerBin, args...)
}

// waitDecision returns the first decision for which match is true.
func waitDecision(t testing.TB, e *Enforcer, match func(Decision) bool) Decision {
	t.Helper()
	timeout := time.After(5 * time.Second)
	for {
		select {
		case d, ok := <-e.Decisions():
			if !ok {
				t.Fatal("decisions channel closed")
			}
			if match(d) {
				return d
			}
			t.Logf("other decision: %+v", d)
		case <-timeout:
			t.Fatal("no matching decision within 5s")
		}
	}
}

// noDecisionFrom fails when a decision about process tgid arrives within d.
func noDecisionFrom(t testing.TB, e *Enforcer, tgid uint32, d time.Duration) {
	t.Helper()
	timeout := time.After(d)
	for {
		select {
		case got := <-e.Decisions():
			if got.TGID == tgid {
				t.Fatalf("unexpected decision %+v", got)
			}
		case <-timeout:
			return
		}
	}
}

// selfCgroupID is the v2 cgroup id of this process.
func selfCgroupID(t testing.TB, root string) uint64 {
	t.Helper()
	b, err := os.ReadFile("/proc/self/cgroup")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if p, ok := strings.CutPrefix(line, "0::"); ok {
			id, err := CgroupID(CgroupPath(root, p))
			if err != nil {
				t.Fatal(err)
			}
			return id
		}
	}
	t.Fatal("no cgroup v2 line in /proc/self/cgroup")
	return 0
}

func itoa(p uint16) string { return strconv.Itoa(int(p)) }

func netDial(addr string) (net.Conn, error) { return net.DialTimeout("tcp", addr, 2*time.Second) }

func netip4(s string) netip.Prefix { return netip.MustParsePrefix(s) }
