package state

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/vigil-sec/vigil/internal/event"
	"github.com/vigil-sec/vigil/internal/host"
)

func testBootID() [16]byte {
	return [16]byte{0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}
}

func testClock() host.Clock {
	return host.Clock{BootWall: time.Date(2025, 11, 23, 20, 0, 0, 0, time.UTC)}
}

// syntheticProc copies testdata/proc into a temporary directory and adds
// what git or a hand-written file cannot hold well: the exe and cwd
// symbolic links, and a cmdline longer than the capture limit.
func syntheticProc(t *testing.T) string {
	t.Helper()
	root := filepath.Join(t.TempDir(), "proc")
	if err := os.CopyFS(root, os.DirFS("testdata/proc")); err != nil {
		t.Fatal(err)
	}
	links := map[string]string{
		"1/exe":   "/usr/lib/systemd/systemd",
		"1/cwd":   "/",
		"100/exe": "/opt/my prog (deleted)",
		"100/cwd": "/home/u",
		"200/exe": "/memfd:payload (deleted)",
		"200/cwd": "/tmp (deleted)",
		"500/exe": "/usr/bin/python3.11",
		"500/cwd": "/srv",
	}
	// 500: like 200's parent, with a 9000-byte argv.
	if err := os.CopyFS(filepath.Join(root, "500"), os.DirFS("testdata/proc/100")); err != nil {
		t.Fatal(err)
	}
	stat, _ := os.ReadFile("testdata/proc/100/stat")
	stat = []byte(strings.Replace(string(stat), "100 (my (weird) prog))", "500 (python3)", 1))
	write(t, filepath.Join(root, "500/stat"), stat)
	write(t, filepath.Join(root, "500/cmdline"), []byte("python3\x00-c\x00"+strings.Repeat("x", 9000)+"\x00"))
	for name, target := range links {
		if err := os.Symlink(target, filepath.Join(root, name)); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func write(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestSeedSynthetic(t *testing.T) {
	root := syntheticProc(t)
	boot, clock := testBootID(), testClock()
	tb := New(Config{ProcRoot: root, BootID: boot, Clock: clock})
	n, err := tb.Seed()
	if err != nil {
		t.Fatalf("Seed: %v", err)
	}
	// 300 vanished (no files) and is skipped silently; 400's stat is
	// malformed and counted; "version" is not a pid.
	if n != 6 || tb.Len() != 6 {
		t.Fatalf("Seed = %d, Len = %d; want 6, 6", n, tb.Len())
	}
	st := tb.Stats()
	if st.Seeded != 6 || st.SeedErrors != 1 || st.Live != 6 || st.Exited != 0 || st.Misses != 0 || st.ProcReads != 0 {
		t.Fatalf("Stats = %+v", st)
	}

	start := func(pid uint32, ticks uint64) (string, time.Time) {
		return event.NewExecID(boot, pid, ticks*10_000_000), clock.Wall(ticks * 10_000_000)
	}
	proc := func(pid, ppid uint32, ticks uint64, p event.Process) event.Process {
		p.PID, p.TID, p.PPID = pid, pid, ppid
		p.ExecID, p.StartTime = start(pid, ticks)
		return p
	}
	tests := []struct {
		pid  uint32
		want event.Process
	}{
		{1, proc(1, 0, 1, event.Process{
			Name: "systemd", Exe: "/usr/lib/systemd/systemd", Args: []string{"/sbin/init", "splash"}, Cwd: "/",
			LoginUID: event.NoLoginUID, SID: 1,
		})},
		{2, proc(2, 0, 1, event.Process{Name: "kthreadd", LoginUID: event.NoLoginUID})},
		{42, proc(42, 2, 3, event.Process{Name: "kworker/0:1-events", LoginUID: event.NoLoginUID})},
		{100, proc(100, 1, 12345, event.Process{
			Name: "my (weird) prog)", Exe: "/opt/my prog", ExeDeleted: true,
			Args: []string{"./my prog", "--flag", "", "last arg"}, Cwd: "/home/u",
			UID: 1000, EUID: 0, GID: 1000, EGID: 0, LoginUID: 1000, SID: 100, TTY: 34816,
		})},
		{200, proc(200, 100, 12346, event.Process{
			Name: "3", Exe: "/memfd:payload", ExeDeleted: true, ExeFromMemfd: true,
			Args: []string{"payload", "--beacon"}, Cwd: "/tmp",
			UID: 1000, EUID: 1000, GID: 1000, EGID: 1000, LoginUID: event.NoLoginUID, SID: 100, TTY: 34816,
		})},
		{500, proc(500, 1, 12345, event.Process{
			Name: "python3", Exe: "/usr/bin/python3.11",
			Args: []string{"python3", "-c", strings.Repeat("x", maxCmdline-len("python3\x00-c\x00"))}, ArgsTruncated: true,
			Cwd: "/srv", UID: 1000, GID: 1000, LoginUID: 1000, SID: 100, TTY: 34816,
		})},
	}
	for _, tt := range tests {
		got, ok := tb.Lookup(tt.pid)
		if !ok {
			t.Errorf("Lookup(%d): not found", tt.pid)
			continue
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Lookup(%d):\n got %+v\nwant %+v", tt.pid, got, tt.want)
		}
	}
	for _, pid := range []uint32{300, 400, 3} {
		if _, ok := tb.Lookup(pid); ok {
			t.Errorf("Lookup(%d) found a process that was not seeded", pid)
		}
	}

	// An event of a seeded process gets its image and ancestry.
	ev := &event.Event{Time: clock.Wall(20e9), Type: event.TypeUnknown,
		Process: event.Process{PID: 200, TID: 201, PPID: 100, Name: "worker"}}
	tb.Apply(ev)
	if ev.Process.Exe != "/memfd:payload" || !ev.Process.ExeFromMemfd || ev.Process.Name != "worker" {
		t.Errorf("completed process = %+v", ev.Process)
	}
	if got := ancestorPIDs(ev); !reflect.DeepEqual(got, []uint32{100, 1}) {
		t.Errorf("ancestors = %v, want [100 1]", got)
	}
	if p, _ := tb.Lookup(200); p.Name != "3" {
		t.Errorf("a thread's comm renamed the process: %q", p.Name)
	}

	// Seeding again adds nothing: every process is known.
	if n, err := tb.Seed(); n != 0 || err != nil {
		t.Errorf("second Seed = %d, %v; want 0, nil", n, err)
	}
}

func TestSeedFailures(t *testing.T) {
	t.Run("no proc root", func(t *testing.T) {
		tb := New(Config{})
		if n, err := tb.Seed(); n != 0 || err != nil {
			t.Fatalf("Seed = %d, %v; want 0, nil", n, err)
		}
	})
	t.Run("missing root", func(t *testing.T) {
		root := filepath.Join(t.TempDir(), "nope")
		_, err := New(Config{ProcRoot: root}).Seed()
		if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), "seed process table from "+root) {
			t.Fatalf("Seed error = %v", err)
		}
	})
	t.Run("nothing readable", func(t *testing.T) {
		root := t.TempDir()
		for _, pid := range []string{"7", "8"} {
			if err := os.Mkdir(filepath.Join(root, pid), 0o755); err != nil {
				t.Fatal(err)
			}
			write(t, filepath.Join(root, pid, "stat"), []byte(pid+" (x) S\n"))
		}
		tb := New(Config{ProcRoot: root})
		n, err := tb.Seed()
		if n != 0 || err == nil || !strings.Contains(err.Error(), "stat field") {
			t.Fatalf("Seed = %d, %v; want 0 and a stat error", n, err)
		}
		if st := tb.Stats(); st.SeedErrors != 2 {
			t.Fatalf("SeedErrors = %d, want 2", st.SeedErrors)
		}
	})
	t.Run("only vanished", func(t *testing.T) {
		root := t.TempDir()
		if err := os.Mkdir(filepath.Join(root, "9"), 0o755); err != nil {
			t.Fatal(err)
		}
		if n, err := New(Config{ProcRoot: root}).Seed(); n != 0 || err != nil {
			t.Fatalf("Seed = %d, %v; want 0, nil", n, err)
		}
	})
}

func TestParseStat(t *testing.T) {
	tail := " S 77 5 6 34817 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 4242 0 0"
	tests := []struct {
		in      string
		name    string
		wantErr bool
	}{
		{"1 (init)" + tail, "init", false},
		{"1 (a b c)" + tail, "a b c", false},
		{"1 (a) b)" + tail, "a) b", false},
		{"1 ())" + tail, ")", false},
		{"1 (()" + tail, "(", false},
		{"1 ()" + tail, "", false},
		{"1 () S 77)" + tail, ") S 77", false},
		{"1 init" + tail, "", true},
		{"1 (x) S 77 5 6", "", true},
		{"1 (x) S 7a 5 6 1 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 4242", "", true},
		{"1 (x) S 77 5 6 1 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 4242\n", "x", false},
	}
	for _, tt := range tests {
		var pi procInfo
		err := parseStat([]byte(tt.in), &pi)
		if (err != nil) != tt.wantErr {
			t.Errorf("parseStat(%q) error = %v, wantErr %v", tt.in, err, tt.wantErr)
			continue
		}
		if err != nil {
			continue
		}
		if pi.name != tt.name || pi.ppid != 77 || pi.sid != 6 || pi.startTicks != 4242 {
			t.Errorf("parseStat(%q) = %+v", tt.in, pi)
		}
		if strings.Contains(tt.in, "34817") && pi.tty != 34817 {
			t.Errorf("parseStat(%q) tty = %d", tt.in, pi.tty)
		}
	}
	// A negative session (never in practice, but the kernel prints %d).
	var pi procInfo
	if err := parseStat([]byte("1 (x) S 1 1 -1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 9"), &pi); err != nil || pi.sid != ^uint32(0) {
		t.Errorf("negative session: %+v, %v", pi, err)
	}
}

func TestSplitCmdline(t *testing.T) {
	long := strings.Repeat("a", maxCmdline+1)
	tests := []struct {
		in    string
		args  []string
		trunc bool
	}{
		{"", nil, false},
		{"sh\x00", []string{"sh"}, false},
		{"sh\x00-c\x00echo hi\x00", []string{"sh", "-c", "echo hi"}, false},
		{"a\x00\x00b\x00", []string{"a", "", "b"}, false},
		{"sshd: root@pts/0", []string{"sshd: root@pts/0"}, false},
		{long, []string{long[:maxCmdline]}, true},
	}
	for _, tt := range tests {
		args, trunc := splitCmdline([]byte(tt.in))
		if !reflect.DeepEqual(args, tt.args) || trunc != tt.trunc {
			t.Errorf("splitCmdline(%.20q) = %q, %v; want %q, %v", tt.in, args, trunc, tt.args, tt.trunc)
		}
	}
}

func TestParseStatus(t *testing.T) {
	var pi procInfo
	in := "Name:\tx\nUid:\t1\t2\t3\t4\nGid:\t5\t6\t7\t8\nGroups:\t\n"
	if err := parseStatus([]byte(in), &pi); err != nil || pi.uid != 1 || pi.euid != 2 || pi.gid != 5 || pi.egid != 6 {
		t.Fatalf("parseStatus = %+v, %v", pi, err)
	}
	for _, bad := range []string{"Name:\tx\n", "Uid:\t1\nGid:\t1\t1\n", "Uid:\t1\t1\n", "Uid:\tx\t1\nGid:\t1\t1\n"} {
		if err := parseStatus([]byte(bad), &pi); err == nil {
			t.Errorf("parseStatus(%q): no error", bad)
		}
	}
}

func ancestorPIDs(ev *event.Event) []uint32 {
	var out []uint32
	for _, a := range ev.Ancestors {
		out = append(out, a.PID)
	}
	return out
}

func FuzzParseProc(f *testing.F) {
	for _, s := range []string{
		"1 (init) S 0 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 9",
		"1 (a) b)) S 0 1 -1 34816 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 9 1 2",
		"Uid:\t1\t2\t3\t4\nGid:\t5\t6\t7\t8\n",
		"a\x00b\x00",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var pi procInfo
		_ = parseStat(b, &pi)
		_ = parseStatus(b, &pi)
		args, trunc := splitCmdline(b)
		if n := len(strings.Join(args, "\x00")); n > maxCmdline || trunc != (len(b) > maxCmdline) {
			t.Fatalf("splitCmdline: %d bytes, truncated %v, input %d bytes", n, trunc, len(b))
		}
	})
}
