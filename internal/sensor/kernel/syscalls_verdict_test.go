package kernel

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vigil-sec/vigil/internal/event"
)

// verdicts is a FileFilter for the tests: files whose path contains
// "boring" are of no interest; it records every path it was asked about.
type verdicts struct {
	mu    sync.Mutex
	asked []string
}

func (v *verdicts) filter(ev *event.Event) bool {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.asked = append(v.asked, ev.Syscall.FD.Name)
	return !strings.Contains(ev.Syscall.FD.Name, "boring")
}

func (v *verdicts) count(path string) int {
	v.mu.Lock()
	defer v.mu.Unlock()
	n := 0
	for _, p := range v.asked {
		if p == path {
			n++
		}
	}
	return n
}

// waitAsked waits until the filter was asked about path n times.
func (v *verdicts) waitAsked(t *testing.T, path string, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for v.count(path) < n {
		if time.Now().After(deadline) {
			t.Fatalf("FileFilter asked %d times about %s, want %d", v.count(path), path, n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestFileVerdictCache: an open the filter turns away is not emitted, and
// the kernel stops reporting that file's opens by that call; another call,
// another file, or a rename anywhere (which may change paths) makes it ask
// again. Interesting files are always reported.
func TestFileVerdictCache(t *testing.T) {
	v := &verdicts{}
	c := startSensor(t, Options{Syscalls: openFamily, FileFilter: v.filter})
	dir := testDir(t)
	boring := filepath.Join(dir, "boring", "file")
	keen := filepath.Join(dir, "keen")
	writeFile(t, boring)
	writeFile(t, keen)

	// The first open of the boring file is asked about, not emitted, and
	// its key stored; the interesting file is emitted.
	pid, _ := runFileOps(t, dir, "openat|cwd|"+boring+"|0|0", "openat|cwd|"+keen+"|0|0")
	c.waitOpen(t, pid, event.TypeOpenat, keen)
	v.waitAsked(t, boring, 1)
	// Later openat calls of it are answered by the kernel; another call
	// (open) is asked about once; the interesting file is still emitted.
	pid, _ = runFileOps(t, dir, "openat|cwd|"+boring+"|0|0", "openat|cwd|"+boring+"|0|0",
		"open|"+boring+"|0|0", "openat|cwd|"+keen+"|0|0")
	c.waitOpen(t, pid, event.TypeOpenat, keen)
	v.waitAsked(t, boring, 2)
	time.Sleep(200 * time.Millisecond)
	if n := v.count(boring); n != 2 {
		t.Errorf("asked %d times about %s, want 2 (once per call)", n, boring)
	}
	if ev := c.find(func(e *event.Event) bool {
		return e.Syscall != nil && e.Syscall.FD != nil && e.Syscall.FD.Name == boring
	}); ev != nil {
		t.Errorf("a turned-away open was emitted: %+v", ev.Syscall)
	}
	if got := c.sensor.Stats().FilesCached; got != 2 {
		t.Errorf("FilesCached = %d, want 2", got)
	}

	// A rename (of anything) bumps the generation: asked again.
	if err := os.Rename(filepath.Join(dir, "keen"), filepath.Join(dir, "keen2")); err != nil {
		t.Fatal(err)
	}
	runFileOps(t, dir, "openat|cwd|"+boring+"|0|0")
	v.waitAsked(t, boring, 3)
	time.Sleep(200 * time.Millisecond)
	if n := v.count(boring); n != 3 {
		t.Errorf("after the rename, asked %d times about %s, want 3", n, boring)
	}

	// The rules changed (a reload): every verdict is forgotten, asked again.
	// (Whether it is cached anew is the first part's check; here a rename
	// anywhere on the host could also force another question.)
	if err := c.sensor.InvalidateFileVerdicts(); err != nil {
		t.Fatal(err)
	}
	runFileOps(t, dir, "openat|cwd|"+boring+"|0|0")
	v.waitAsked(t, boring, 4)
}

// Without a FileFilter every open is reported.
func TestNoFileFilterReportsAll(t *testing.T) {
	c := startSensor(t, Options{Syscalls: openFamily})
	dir := testDir(t)
	boring := filepath.Join(dir, "boring")
	writeFile(t, boring)
	pid, _ := runFileOps(t, dir, "openat|cwd|"+boring+"|0|0", "openat|cwd|"+boring+"|0|0")
	deadline := time.Now().Add(10 * time.Second)
	for {
		n := len(c.all(func(e *event.Event) bool { return isType(e, pid, event.TypeOpenat) && e.Syscall.FD.Name == boring }))
		if n == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d opens of %s reported, want 2", n, boring)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
