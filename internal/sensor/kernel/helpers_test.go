package kernel

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/vigil-sec/vigil/internal/event"
	"github.com/vigil-sec/vigil/internal/testutil"
)

// helperEnv selects a helper mode when the test binary re-executes itself.
const helperEnv = "VIGIL_KERNEL_TEST_HELPER"

func TestMain(m *testing.M) {
	if mode := os.Getenv(helperEnv); mode != "" {
		os.Exit(runHelper(mode, os.Args[1:]))
	}
	os.Exit(m.Run())
}

// runHelper implements the helper processes the tests observe.
func runHelper(mode string, args []string) int {
	switch mode {
	case "threads":
		// Start a few OS threads and keep them alive briefly.
		var wg sync.WaitGroup
		for i := 0; i < 4; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				runtime.LockOSThread()
				time.Sleep(50 * time.Millisecond)
			}()
		}
		wg.Wait()
		return 0
	case "subreaper":
		// Become a child subreaper, run a shell that orphans a grandchild,
		// and reap everything.
		if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
			fmt.Fprintln(os.Stderr, "prctl:", err)
			return 1
		}
		cmd := exec.Command("/bin/sh", "-c", args[0])
		if err := cmd.Run(); err != nil {
			fmt.Fprintln(os.Stderr, "sh:", err)
			return 1
		}
		for {
			var ws unix.WaitStatus
			if _, err := unix.Wait4(-1, &ws, 0, nil); err != nil {
				return 0 // ECHILD: all reaped
			}
		}
	case "memfd":
		// Copy a binary into a memfd and execveat it (fileless execution).
		bin, err := os.ReadFile(args[0])
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		fd, err := unix.MemfdCreate("vigil-test", 0)
		if err != nil {
			fmt.Fprintln(os.Stderr, "memfd_create:", err)
			return 1
		}
		if _, err := unix.Write(fd, bin); err != nil {
			fmt.Fprintln(os.Stderr, "write:", err)
			return 1
		}
		fmt.Fprintln(os.Stderr, "execveat:", execveat(fd, args, os.Environ()))
		return 1
	case "fileops":
		return fileOps(args)
	case "openloop":
		return openLoop(args)
	case "netops":
		return netOps(args)
	case "miscops":
		return miscOps(args)
	}
	fmt.Fprintln(os.Stderr, "unknown helper mode", mode)
	return 2
}

// helperCmd builds a command that re-executes this test binary in mode.
func helperCmd(mode string, args ...string) *exec.Cmd {
	cmd := exec.Command("/proc/self/exe", args...)
	cmd.Env = append(os.Environ(), helperEnv+"="+mode)
	return cmd
}

// collector runs a started sensor and keeps every event it emits.
type collector struct {
	mu     sync.Mutex
	events []*event.Event
	sensor *Sensor
}

// startSensor loads and starts a sensor for the test; it is stopped (and
// drained) at cleanup.
func startSensor(t *testing.T, opts Options) *collector {
	t.Helper()
	testutil.RequireRoot(t)
	s, err := New(opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	if err := s.Start(); err != nil {
		s.Close()
		t.Fatalf("Start: %v", err)
	}
	c := &collector{sensor: s}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- s.Run(ctx, func(ev *event.Event) {
			c.mu.Lock()
			c.events = append(c.events, ev)
			c.mu.Unlock()
		})
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return c
}

// find returns the first event matching pred, or nil.
func (c *collector) find(pred func(*event.Event) bool) *event.Event {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, ev := range c.events {
		if pred(ev) {
			return ev
		}
	}
	return nil
}

// all returns every event matching pred, in order.
func (c *collector) all(pred func(*event.Event) bool) []*event.Event {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []*event.Event
	for _, ev := range c.events {
		if pred(ev) {
			out = append(out, ev)
		}
	}
	return out
}

// wait returns the first event matching pred, failing the test if none
// arrives within a generous bound (a liveness bound, not a timing claim).
func (c *collector) wait(t *testing.T, what string, pred func(*event.Event) bool) *event.Event {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if ev := c.find(pred); ev != nil {
			return ev
		}
		time.Sleep(10 * time.Millisecond)
	}
	c.mu.Lock()
	n := len(c.events)
	c.mu.Unlock()
	t.Fatalf("no %s event among %d events", what, n)
	return nil
}

func isType(ev *event.Event, pid int, types ...event.Type) bool {
	if int(ev.Process.PID) != pid {
		return false
	}
	for _, typ := range types {
		if ev.Type == typ {
			return true
		}
	}
	return false
}

func hasArg(ev *event.Event, token string) bool {
	for _, a := range ev.Process.Args {
		if strings.Contains(a, token) {
			return true
		}
	}
	return false
}

// selfStat returns fields of /proc/self/stat (1-based as in proc(5)).
func selfStat(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile("/proc/self/stat")
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return append([]string{"", "", ""}, strings.Fields(s[i+2:])...)
}

// cgroup2Mount returns where the cgroup2 hierarchy is mounted
// (/sys/fs/cgroup on unified hosts, /sys/fs/cgroup/unified on hybrid ones).
func cgroup2Mount(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		// ... mount-point ... - fstype source options
		pre, post, ok := strings.Cut(line, " - ")
		if !ok || !strings.HasPrefix(post, "cgroup2 ") {
			continue
		}
		if f := strings.Fields(pre); len(f) > 4 {
			return f[4]
		}
	}
	testutil.SkipOrFail(t, "no cgroup2 mount")
	return ""
}

// execveat runs execveat(fd, "", argv, envv, AT_EMPTY_PATH); it returns only
// on failure.
func execveat(fd int, argv, envv []string) error {
	empty, err := unix.BytePtrFromString("")
	if err != nil {
		return err
	}
	argvp, err := syscall.SlicePtrFromStrings(argv)
	if err != nil {
		return err
	}
	envvp, err := syscall.SlicePtrFromStrings(envv)
	if err != nil {
		return err
	}
	_, _, errno := unix.Syscall6(unix.SYS_EXECVEAT, uintptr(fd), uintptr(unsafe.Pointer(empty)),
		uintptr(unsafe.Pointer(&argvp[0])), uintptr(unsafe.Pointer(&envvp[0])), unix.AT_EMPTY_PATH, 0)
	return errno
}

// selfCaps returns the test process's effective, permitted and inheritable
// capability sets from /proc/self/status.
func selfCaps(t *testing.T) (eff, prm, inh uint64) {
	t.Helper()
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		n, err := strconv.ParseUint(strings.TrimSpace(v), 16, 64)
		switch k {
		case "CapEff":
			eff = n
		case "CapPrm":
			prm = n
		case "CapInh":
			inh = n
		default:
			continue
		}
		if err != nil {
			t.Fatalf("/proc/self/status %s: %v", k, err)
		}
	}
	return eff, prm, inh
}

// nsInode returns the inode number of namespace kind ("mnt", "pid") of the
// process proc ("self" or a pid), as /proc/PROC/ns/KIND names it.
func nsInode(t *testing.T, proc, kind string) uint32 {
	t.Helper()
	var st unix.Stat_t
	p := "/proc/" + proc + "/ns/" + kind
	if err := unix.Stat(p, &st); err != nil {
		t.Fatalf("stat %s: %v", p, err)
	}
	return uint32(st.Ino)
}

// nsPID returns the innermost pid of process proc's NSpid line in
// /proc/PROC/status: its pid as its own pid namespace numbers it.
func nsPID(t *testing.T, proc string) uint32 {
	t.Helper()
	b, err := os.ReadFile("/proc/" + proc + "/status")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "NSpid:"); ok {
			f := strings.Fields(v)
			n, err := strconv.ParseUint(f[len(f)-1], 10, 32)
			if err != nil {
				t.Fatalf("/proc/%s/status NSpid %q: %v", proc, v, err)
			}
			return uint32(n)
		}
	}
	t.Fatalf("/proc/%s/status has no NSpid", proc)
	return 0
}

// selfCgroups returns the test process's cgroup v2 path (the "0::" line of
// /proc/self/cgroup) and its cgroup v1 path as the sensor chooses it: the
// memory controller's hierarchy, else the first controller (in subsystem
// id order) whose v1 hierarchy does not hold the process at its root, else
// "".
func selfCgroups(t *testing.T) (v2, v1 string) {
	t.Helper()
	b, err := os.ReadFile("/proc/self/cgroup")
	if err != nil {
		t.Fatal(err)
	}
	byCtrl := map[string]string{} // v1 controller -> path
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		// hierarchy-id:controllers:path
		id, rest, _ := strings.Cut(line, ":")
		ctrls, path, _ := strings.Cut(rest, ":")
		if id == "0" {
			v2 = path
			continue
		}
		for _, c := range strings.Split(ctrls, ",") {
			byCtrl[c] = path
		}
	}
	if p, ok := byCtrl["memory"]; ok {
		return v2, p
	}
	// the controllers in the kernel's subsystem id order
	// (include/linux/cgroup_subsys.h); blkio is io's v1 name
	for _, c := range []string{"cpuset", "cpu", "cpuacct", "blkio", "memory", "devices",
		"freezer", "net_cls", "perf_event", "net_prio", "hugetlb", "pids", "rdma", "misc", "dmem", "debug"} {
		if p, ok := byCtrl[c]; ok && p != "/" {
			return v2, p
		}
	}
	return v2, ""
}

// cgroup2Root returns the cgroup v2 path of the cgroup2 mount's root
// directory (mountinfo's root field; "/" unless a sub-tree is mounted), so
// that a directory made under the mount has a known cgroup path.
func cgroup2Root(t *testing.T) string {
	t.Helper()
	mnt := cgroup2Mount(t)
	b, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		pre, post, ok := strings.Cut(line, " - ")
		if f := strings.Fields(pre); ok && strings.HasPrefix(post, "cgroup2 ") && len(f) > 4 && f[4] == mnt {
			return f[3]
		}
	}
	t.Fatalf("cgroup2 mount %s vanished from mountinfo", mnt)
	return ""
}

// removeCgroup removes the cgroup directories dirs (innermost first) at
// cleanup, retrying while the kernel still counts an exited process in
// them.
func removeCgroup(t *testing.T, dirs ...string) {
	t.Cleanup(func() {
		for _, d := range dirs {
			for i := 0; i < 100; i++ {
				if err := os.Remove(d); err == nil || os.IsNotExist(err) {
					break
				}
				time.Sleep(20 * time.Millisecond)
			}
		}
	})
}
