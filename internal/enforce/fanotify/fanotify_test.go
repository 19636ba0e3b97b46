package fanotify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/vigil-sec/vigil/internal/testutil"
)

// The kernel tests run the opens to decide in child processes: the
// listener allows its own process unasked.

var triggerDir string // removed by TestMain

// buildOpenloop builds internal/testutil/trigger/openloop once.
var buildOpenloop = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "vigil-openloop")
	if err != nil {
		return "", err
	}
	triggerDir = dir
	bin := filepath.Join(dir, "openloop")
	out, err := exec.Command("go", "build", "-o", bin, "../../testutil/trigger/openloop").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go build openloop: %v\n%s", err, out)
	}
	return bin, nil
})

func TestMain(m *testing.M) {
	code := m.Run()
	if triggerDir != "" {
		os.RemoveAll(triggerDir)
	}
	os.Exit(code)
}

// openloop copies the trigger to dir/name (empty name: use it in place).
func openloop(t testing.TB, dir, name string) string {
	t.Helper()
	bin, err := buildOpenloop()
	if err != nil {
		t.Fatal(err)
	}
	if name == "" {
		return bin
	}
	b, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, b, 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

// start creates and starts a listener with marks; Close runs at cleanup.
func start(t testing.TB, opts Options, marks ...Mark) *Listener {
	t.Helper()
	testutil.RequireRoot(t)
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(t.Output(), nil))
	}
	l, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := l.Close(); err != nil {
			t.Error(err)
		}
	})
	if err := l.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	if err := l.AddMarks(marks...); err != nil {
		t.Fatal(err)
	}
	return l
}

// recorder is a decider that denies the paths in deny and records every
// request.
type recorder struct {
	deny func(Request) bool
	mu   sync.Mutex
	reqs []Request
}

func (r *recorder) Decide(req Request) Verdict {
	r.mu.Lock()
	r.reqs = append(r.reqs, req)
	r.mu.Unlock()
	if r.deny != nil && r.deny(req) {
		return Deny
	}
	return Allow
}

func (r *recorder) requests() []Request {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Request(nil), r.reqs...)
}

func denyPath(access Access, paths ...string) func(Request) bool {
	return func(r Request) bool {
		if r.Access != access {
			return false
		}
		for _, p := range paths {
			if r.Path == p {
				return true
			}
		}
		return false
	}
}

func writeFile(t testing.TB, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// cat runs cat on path in a child process.
func cat(path string) (stdout, stderr string, pid int, err error) {
	var o, e strings.Builder
	cmd := exec.Command("cat", path)
	cmd.Stdout, cmd.Stderr = &o, &e
	err = cmd.Run()
	if cmd.Process != nil {
		pid = cmd.Process.Pid
	}
	return o.String(), e.String(), pid, err
}

// mountTmpfs mounts a tmpfs on a temporary directory, so that mount and
// filesystem marks cover only the test's files.
func mountTmpfs(t *testing.T) string {
	t.Helper()
	testutil.RequireRoot(t)
	dir := t.TempDir()
	if err := unix.Mount("vigil-test", dir, "tmpfs", 0, "size=16m,mode=0755"); err != nil {
		testutil.SkipOrFail(t, fmt.Sprintf("mount tmpfs: %v", err))
	}
	t.Cleanup(func() {
		if err := unix.Unmount(dir, unix.MNT_DETACH); err != nil {
			t.Errorf("unmount %s: %v", dir, err)
		}
	})
	return dir
}

func checkAnswered(t *testing.T, l *Listener) Stats {
	t.Helper()
	s := l.Stats()
	if s.Requests != s.Answered() || s.Errors != 0 {
		t.Errorf("stats %+v: want every request answered, no errors", s)
	}
	return s
}

func TestDenyOpen(t *testing.T) {
	tests := []struct {
		name        string
		dir         func(t *testing.T) string
		kind        MarkKind
		markDir     bool // mark the directory, else the denied file
		wantAllowed uint64
	}{
		{"inode", func(t *testing.T) string { return t.TempDir() }, MarkInode, false, 0},
		{"dir-children", func(t *testing.T) string { return t.TempDir() }, MarkDirChildren, true, 1},
		{"mount", mountTmpfs, MarkMount, true, 1},
		{"filesystem", mountTmpfs, MarkFilesystem, true, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			testutil.RequireRoot(t)
			dir := tt.dir(t)
			secret, other := filepath.Join(dir, "secret"), filepath.Join(dir, "other")
			writeFile(t, secret, "top secret\n")
			writeFile(t, other, "public\n")
			var st unix.Stat_t
			if err := unix.Stat(secret, &st); err != nil {
				t.Fatal(err)
			}
			target := secret
			if tt.markDir {
				target = dir
			}
			rec := &recorder{deny: denyPath(AccessOpen, secret)}
			l := start(t, Options{Decider: rec}, Mark{Path: target, Kind: tt.kind, Access: AccessOpen})

			out, errOut, pid, err := cat(secret)
			if err == nil || out != "" || !strings.Contains(errOut, "Operation not permitted") {
				t.Errorf("cat %s: err %v, stdout %q, stderr %q; want EPERM", secret, err, out, errOut)
			}
			if out, errOut, _, err := cat(other); err != nil || out != "public\n" {
				t.Errorf("cat %s: err %v, stdout %q, stderr %q", other, err, out, errOut)
			}

			reqs := rec.requests()
			if len(reqs) == 0 {
				t.Fatal("decider not called")
			}
			r := reqs[0]
			if r.Path != secret || r.Pid != pid || r.Tgid != pid || r.Access != AccessOpen ||
				r.Dev != uint64(st.Dev) || r.Ino != st.Ino || r.Fd < 0 || r.Deadline.IsZero() {
				t.Errorf("request %+v; want path %s, pid %d, dev %d, ino %d", r, secret, pid, st.Dev, st.Ino)
			}
			s := checkAnswered(t, l)
			if s.Denied != 1 || s.Allowed != tt.wantAllowed || s.Timeouts != 0 {
				t.Errorf("stats %+v: want 1 denied, %d allowed", s, tt.wantAllowed)
			}
		})
	}
}

func TestDenyExec(t *testing.T) {
	for _, kind := range []MarkKind{MarkInode, MarkDirChildren} {
		t.Run(kind.String(), func(t *testing.T) {
			testutil.RequireRoot(t)
			dir := t.TempDir()
			denied := openloop(t, dir, "denied")
			allowed := openloop(t, dir, "allowed")
			target := denied
			if kind == MarkDirChildren {
				target = dir
			}
			rec := &recorder{deny: denyPath(AccessExec, denied)}
			l := start(t, Options{Decider: rec}, Mark{Path: target, Kind: kind, Access: AccessExec})

			// Through sh: an exec from this process would vfork, and this
			// process would then have to answer while its forking thread
			// cannot be stopped (see the package contract).
			marker := filepath.Join(dir, "denied-ran")
			out, _ := exec.Command("sh", "-c", denied+" touch "+marker+"; echo $?").CombinedOutput()
			if !strings.Contains(string(out), "Operation not permitted") || !strings.HasSuffix(string(out), "126\n") {
				t.Errorf("sh: %q, want Operation not permitted and 126", out)
			}
			if _, err := os.Stat(marker); !os.IsNotExist(err) {
				t.Errorf("denied program ran: %v", err)
			}

			ok := filepath.Join(dir, "allowed-ran")
			if out, err := exec.Command("sh", "-c", allowed+" touch "+ok).CombinedOutput(); err != nil {
				t.Errorf("sh %s: %v %s", allowed, err, out)
			}
			if _, err := os.Stat(ok); err != nil {
				t.Errorf("allowed program did not run: %v", err)
			}

			s := checkAnswered(t, l)
			var wantAllowed uint64
			if kind == MarkDirChildren {
				wantAllowed = 1
			}
			if s.Denied != 1 || s.Allowed != wantAllowed {
				t.Errorf("stats %+v: want 1 denied, %d allowed", s, wantAllowed)
			}
			for _, r := range rec.requests() {
				if r.Access != AccessExec {
					t.Errorf("request %+v, want exec", r)
				}
			}
		})
	}
}

func TestTimeout(t *testing.T) {
	for _, v := range []Verdict{Allow, Deny} {
		t.Run(v.String(), func(t *testing.T) {
			testutil.RequireRoot(t)
			dir := t.TempDir()
			file := filepath.Join(dir, "file")
			writeFile(t, file, "data\n")
			release := make(chan struct{})
			var calls atomic.Int32
			stuck := DeciderFunc(func(Request) Verdict {
				calls.Add(1)
				<-release
				return Deny
			})
			l := start(t, Options{Decider: stuck, Timeout: 200 * time.Millisecond, OnTimeout: v},
				Mark{Path: file, Kind: MarkInode, Access: AccessOpen})
			t.Cleanup(func() { close(release) }) // before Close

			out, errOut, _, err := cat(file)
			if v == Allow && (err != nil || out != "data\n") {
				t.Errorf("cat: err %v, stdout %q, stderr %q; want data", err, out, errOut)
			}
			if v == Deny && (err == nil || !strings.Contains(errOut, "Operation not permitted")) {
				t.Errorf("cat: err %v, stdout %q, stderr %q; want EPERM", err, out, errOut)
			}
			s := checkAnswered(t, l)
			if s.Timeouts != 1 || s.Allowed+s.Denied != 0 || calls.Load() != 1 {
				t.Errorf("stats %+v, %d calls: want 1 timeout", s, calls.Load())
			}
		})
	}
}

func TestCloseAnswersPending(t *testing.T) {
	testutil.RequireRoot(t)
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	writeFile(t, file, "data\n")
	entered, release := make(chan struct{}), make(chan struct{})
	stuck := DeciderFunc(func(Request) Verdict {
		close(entered)
		<-release
		return Deny
	})
	l := start(t, Options{Decider: stuck, Timeout: 30 * time.Second},
		Mark{Path: file, Kind: MarkInode, Access: AccessOpen})

	cmd := exec.Command("cat", file)
	var out strings.Builder
	cmd.Stdout = &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() {
		err := cmd.Wait()
		exited <- err
		close(release) // only now can the decider return, so Close answered
	}()
	<-entered
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-exited; err != nil || out.String() != "data\n" {
		t.Errorf("cat: %v, %q", err, out.String())
	}
	s := checkAnswered(t, l)
	if s.Closed != 1 || s.Timeouts != 0 || s.Denied != 0 {
		t.Errorf("stats %+v: want 1 answered by Close", s)
	}
	if err := l.AddMarks(Mark{Path: file, Access: AccessOpen}); !errors.Is(err, ErrClosed) {
		t.Errorf("AddMarks after Close: %v, want ErrClosed", err)
	}
}

// TestCloseUnstarted shows the kernel allowing the events nobody read when
// the group closes.
func TestCloseUnstarted(t *testing.T) {
	testutil.RequireRoot(t)
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	writeFile(t, file, "data\n")
	l, err := New(Options{Decider: DeciderFunc(func(Request) Verdict { return Deny })})
	if err != nil {
		t.Fatal(err)
	}
	if err := l.AddMarks(Mark{Path: file, Access: AccessOpen}); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("cat", file)
	var out strings.Builder
	cmd.Stdout = &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond) // let cat block in open
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil || out.String() != "data\n" {
		t.Errorf("cat: %v, %q", err, out.String())
	}
}

func TestSelfAllowed(t *testing.T) {
	for _, tid := range []bool{false, true} {
		t.Run(fmt.Sprintf("tid=%v", tid), func(t *testing.T) {
			testutil.RequireRoot(t)
			file := filepath.Join(t.TempDir(), "file")
			writeFile(t, file, "data\n")
			var calls atomic.Int32
			deny := DeciderFunc(func(Request) Verdict { calls.Add(1); return Deny })
			l := start(t, Options{Decider: deny, ReportTID: tid}, Mark{Path: file, Access: AccessOpen})
			done := make(chan error)
			go func() { // most likely another thread than the main one
				runtime.LockOSThread()
				defer runtime.UnlockOSThread()
				_, err := os.ReadFile(file)
				done <- err
			}()
			if err := <-done; err != nil {
				t.Fatal(err)
			}
			if _, err := os.ReadFile(file); err != nil {
				t.Fatal(err)
			}
			s := checkAnswered(t, l)
			if s.SelfAllowed != 2 || calls.Load() != 0 {
				t.Errorf("stats %+v, %d calls: want 2 self-allowed", s, calls.Load())
			}
		})
	}
}

func TestReportTID(t *testing.T) {
	testutil.RequireRoot(t)
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	writeFile(t, file, "data\n")
	rec := &recorder{}
	l := start(t, Options{Decider: rec, ReportTID: true}, Mark{Path: file, Access: AccessOpen})
	_, _, catPid, err := cat(file)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(openloop(t, "", ""), "count", "1", file)
	if out, err := cmd.CombinedOutput(); err != nil || !strings.HasPrefix(string(out), "opens=1 denied=0 errors=0") {
		t.Fatalf("openloop: %v %s", err, out)
	}
	reqs := rec.requests()
	if len(reqs) != 2 {
		t.Fatalf("requests %+v, want 2", reqs)
	}
	if r := reqs[0]; r.Pid != catPid || r.Tgid != catPid {
		t.Errorf("cat: request %+v, want pid and tgid %d", r, catPid)
	}
	if r := reqs[1]; r.Pid <= 0 || r.Tgid != cmd.Process.Pid {
		t.Errorf("openloop: request %+v, want tgid %d", r, cmd.Process.Pid)
	}
	checkAnswered(t, l)
}

func TestDeciderPanic(t *testing.T) {
	testutil.RequireRoot(t)
	file := filepath.Join(t.TempDir(), "file")
	writeFile(t, file, "data\n")
	boom := DeciderFunc(func(Request) Verdict { panic("boom") })
	l := start(t, Options{Decider: boom, OnTimeout: Deny, Logger: slog.New(slog.DiscardHandler)},
		Mark{Path: file, Access: AccessOpen})
	if _, errOut, _, err := cat(file); err == nil || !strings.Contains(errOut, "Operation not permitted") {
		t.Errorf("cat: %v %q, want EPERM", err, errOut)
	}
	s := l.Stats()
	if s.Timeouts != 1 || s.Errors != 1 || s.Requests != s.Answered() {
		t.Errorf("stats %+v: want 1 timeout, 1 error", s)
	}
}

func TestRemoveMarks(t *testing.T) {
	testutil.RequireRoot(t)
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	writeFile(t, file, "data\n")
	m := Mark{Path: dir, Kind: MarkDirChildren, Access: AccessOpen | AccessExec}
	l := start(t, Options{Decider: &recorder{deny: denyPath(AccessOpen, file)}}, m)
	if _, _, _, err := cat(file); err == nil {
		t.Fatal("cat: allowed, want EPERM")
	}
	if err := l.RemoveMarks(m); err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := cat(file); err != nil {
		t.Errorf("cat after RemoveMarks: %v", err)
	}
	if s := checkAnswered(t, l); s.Requests != 1 {
		t.Errorf("stats %+v: want 1 request", s)
	}
}

func TestMarkErrors(t *testing.T) {
	testutil.RequireRoot(t)
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	writeFile(t, file, "data\n")
	l := start(t, Options{Decider: &recorder{}})
	missing := filepath.Join(dir, "missing")
	tests := []struct {
		name   string
		remove bool
		m      Mark
		want   []string
		errno  error
	}{
		{"missing", false, Mark{Path: missing, Access: AccessOpen}, []string{"fanotify mark", missing, "(inode)"}, unix.ENOENT},
		{"children of a file", false, Mark{Path: file, Kind: MarkDirChildren, Access: AccessOpen}, []string{file, "(dir-children)"}, unix.ENOTDIR},
		{"no access", false, Mark{Path: file}, []string{file, "bad access none"}, nil},
		{"bad kind", false, Mark{Path: file, Kind: 7, Access: AccessExec}, []string{"kind(7)"}, nil},
		{"remove unmarked", true, Mark{Path: file, Kind: MarkMount, Access: AccessOpen}, []string{"fanotify unmark", file, "(mount)"}, unix.ENOENT},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var err error
			if tt.remove {
				err = l.RemoveMarks(tt.m)
			} else {
				err = l.AddMarks(tt.m)
			}
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			if tt.errno != nil && !errors.Is(err, tt.errno) {
				t.Errorf("error %v is not %v", err, tt.errno)
			}
		})
	}
}

func TestLifecycle(t *testing.T) {
	testutil.RequireRoot(t)
	decider := &recorder{}
	if _, err := New(Options{}); err == nil {
		t.Error("New without decider: no error")
	}
	if _, err := New(Options{Decider: decider, OnTimeout: 5}); err == nil {
		t.Error("New with bad OnTimeout: no error")
	}

	l, err := New(Options{Decider: decider})
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if err := l.Start(context.Background()); !errors.Is(err, ErrClosed) {
		t.Errorf("Start after Close: %v", err)
	}

	l, err = New(Options{Decider: decider})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	if err := l.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if err := l.Start(ctx); err == nil {
		t.Error("second Start: no error")
	}
	cancel()
	deadline := time.Now().Add(10 * time.Second)
	for l.AddMarks(Mark{Path: t.TempDir(), Access: AccessOpen}) == nil {
		if time.Now().After(deadline) {
			t.Fatal("cancelling the context did not close the listener")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := l.Close(); err != nil {
		t.Errorf("Close after cancel: %v", err)
	}
}

// TestOverlay marks files of an overlay mount. Opens through the overlay
// are reported on the overlay's inode (merged path) and, for a mark on the
// layer's file, on the real file too, whose path is then relative to the
// layer (the kernel's private layer mount): match those by Dev and Ino.
func TestOverlay(t *testing.T) {
	testutil.RequireRoot(t)
	base := t.TempDir()
	for _, d := range []string{"lower", "upper", "work", "merged"} {
		if err := os.Mkdir(filepath.Join(base, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	lower := filepath.Join(base, "lower", "f")
	writeFile(t, lower, "lower\n")
	merged := filepath.Join(base, "merged")
	opts := "lowerdir=" + base + "/lower,upperdir=" + base + "/upper,workdir=" + base + "/work"
	if err := unix.Mount("vigil-test", merged, "overlay", 0, opts); err != nil {
		testutil.SkipOrFail(t, fmt.Sprintf("mount overlay: %v", err))
	}
	t.Cleanup(func() { unix.Unmount(merged, unix.MNT_DETACH) })
	file := filepath.Join(merged, "f")
	var lst unix.Stat_t
	if err := unix.Stat(lower, &lst); err != nil {
		t.Fatal(err)
	}

	t.Run("merged", func(t *testing.T) {
		rec := &recorder{deny: denyPath(AccessOpen, file)}
		start(t, Options{Decider: rec}, Mark{Path: file, Access: AccessOpen})
		if _, errOut, _, err := cat(file); err == nil || !strings.Contains(errOut, "Operation not permitted") {
			t.Errorf("cat %s: %v %q, want EPERM", file, err, errOut)
		}
	})
	t.Run("layer", func(t *testing.T) {
		rec := &recorder{deny: func(r Request) bool { return r.Dev == uint64(lst.Dev) && r.Ino == lst.Ino }}
		start(t, Options{Decider: rec}, Mark{Path: lower, Access: AccessOpen})
		_, errOut, _, err := cat(file)
		reqs := rec.requests()
		t.Logf("cat %s: %v %q; requests %+v", file, err, errOut, reqs)
		if len(reqs) > 0 && err == nil {
			t.Errorf("layer file reported but not denied")
		}
	})
}

// parseCounts reads openloop's "opens=N denied=N errors=N ns=N".
func parseCounts(t testing.TB, out []byte) (opens, denied, errs, ns int64) {
	t.Helper()
	if _, err := fmt.Sscanf(string(out), "opens=%d denied=%d errors=%d ns=%d", &opens, &denied, &errs, &ns); err != nil {
		t.Fatalf("openloop output %q: %v", out, err)
	}
	return
}

func TestStress(t *testing.T) {
	tests := []struct {
		name     string
		opts     Options
		delay    time.Duration // the decider sleeps up to this
		duration string
		threads  string
	}{
		// Fast decisions: the rate the listener sustains.
		{name: "fast", duration: "2s", threads: "4"},
		// Slow decisions, a short timeout and a tiny queue: watchdog,
		// overload and late verdicts race for every request.
		{name: "slow", opts: Options{Timeout: 5 * time.Millisecond, Workers: 2, Queue: 2}, delay: 10 * time.Millisecond, duration: "1s", threads: "16"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			testutil.RequireRoot(t)
			dir := t.TempDir()
			var paths []string
			for i := range 8 {
				p := filepath.Join(dir, fmt.Sprintf("f%d", i))
				writeFile(t, p, "x")
				paths = append(paths, p)
			}
			deny := paths[0]
			var n atomic.Int64
			opts := tt.opts
			opts.Decider = DeciderFunc(func(r Request) Verdict {
				if tt.delay > 0 {
					time.Sleep(time.Duration(n.Add(1)) * tt.delay / 7 % tt.delay)
				}
				if r.Path == deny {
					return Deny
				}
				return Allow
			})
			l := start(t, opts, Mark{Path: dir, Kind: MarkDirChildren, Access: AccessOpen})

			ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
			defer cancel()
			args := append([]string{"loop", tt.duration, tt.threads}, paths...)
			out, err := exec.CommandContext(ctx, openloop(t, "", ""), args...).CombinedOutput()
			if err != nil {
				t.Fatalf("openloop: %v %s", err, out)
			}
			opens, denied, errs, ns := parseCounts(t, out)
			t.Logf("%d opens in %v (%.0f/s), %d denied", opens, time.Duration(ns), float64(opens)/time.Duration(ns).Seconds(), denied)
			if err := l.Close(); err != nil {
				t.Fatal(err)
			}
			s := checkAnswered(t, l)
			t.Logf("stats %+v", s)
			if errs != 0 || uint64(opens) != s.Requests || uint64(denied) != s.Denied {
				t.Errorf("openloop: %d opens, %d denied, %d errors; stats %+v", opens, denied, errs, s)
			}
			if opens < 500 {
				t.Errorf("only %d opens", opens)
			}
			if tt.delay > 0 && (s.Timeouts == 0 || s.Overloaded == 0) {
				t.Errorf("stats %+v: want timeouts and overloads", s)
			}
		})
	}
}

// BenchmarkOpenAllowed measures what a mark adds to an open that the
// decider allows: a child opens and closes a file b.N times, unmarked and
// marked; ns/open is the child's own timing.
func BenchmarkOpenAllowed(b *testing.B) {
	testutil.RequireRoot(b)
	dir := b.TempDir()
	file := filepath.Join(dir, "file")
	writeFile(b, file, "x")
	bin := openloop(b, "", "")
	run := func(b *testing.B) {
		out, err := exec.Command(bin, "count", fmt.Sprint(b.N), file).CombinedOutput()
		if err != nil {
			b.Fatalf("openloop: %v %s", err, out)
		}
		opens, denied, errs, ns := parseCounts(b, out)
		if denied+errs != 0 {
			b.Fatalf("openloop: %s", out)
		}
		b.ReportMetric(float64(ns)/float64(opens), "ns/open")
	}
	b.Run("unmarked", run)
	b.Run("marked", func(b *testing.B) {
		allow := DeciderFunc(func(Request) Verdict { return Allow })
		start(b, Options{Decider: allow}, Mark{Path: file, Access: AccessOpen})
		run(b)
	})
}
