package kernel

import (
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/vigil-sec/vigil/internal/event"
	"github.com/vigil-sec/vigil/internal/testutil"
)

// TestExecInNewNamespaces: a process started in new pid and mount
// namespaces reports them, and its in-namespace pid (1, the namespace's
// init), in its exec and exit events; a child it forks there reports them
// too, with its own in-namespace pid.
func TestExecInNewNamespaces(t *testing.T) {
	c := startSensor(t, Options{})
	// The shell waits for a line on stdin, so the test can read its
	// namespaces from /proc before it forks and execs. (The sensor ignores
	// the test process's own clones: the shell's fork is the one to see.)
	cmd := exec.Command("/bin/sh", "-c", "read x; /bin/true child; exec /bin/true")
	cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: unix.CLONE_NEWPID | unix.CLONE_NEWNS}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		testutil.SkipOrFail(t, "cannot start a process in new pid and mount namespaces: "+err.Error())
	}
	pid := cmd.Process.Pid
	proc := fmt.Sprint(pid)
	mntns, pidns, vpid := nsInode(t, proc, "mnt"), nsInode(t, proc, "pid"), nsPID(t, proc)
	stdin.Close()
	if err := cmd.Wait(); err != nil {
		t.Fatal(err)
	}
	if own := nsInode(t, "self", "pid"); pidns == own || vpid != 1 {
		t.Fatalf("/proc says the shell is in pid namespace %d (the test's: %d) as pid %d", pidns, own, vpid)
	}
	if own := nsInode(t, "self", "mnt"); mntns == own {
		t.Fatalf("/proc says the shell is in the test's mount namespace %d", own)
	}

	ev := c.wait(t, "exec of true", func(e *event.Event) bool {
		return isType(e, pid, event.TypeExecve) && e.Exec.Filename == "/bin/true"
	})
	if p := ev.Process; p.MntNS != mntns || p.PidNS != pidns || p.VPID != vpid || p.VTID != vpid {
		t.Errorf("exec: mntns %d, pidns %d, vpid %d, vtid %d; want %d, %d, %d, %d",
			p.MntNS, p.PidNS, p.VPID, p.VTID, mntns, pidns, vpid, vpid)
	}
	exit := c.wait(t, "exit of true", func(e *event.Event) bool { return isType(e, pid, event.TypeProcExit) })
	if p := exit.Process; (p.MntNS != 0 && p.MntNS != mntns) || p.PidNS != pidns || p.VPID != vpid {
		// an exiting task may have dropped its nsproxy (mntns 0), never its pid
		t.Errorf("exit: mntns %d, pidns %d, vpid %d; want %d, %d, %d", p.MntNS, p.PidNS, p.VPID, mntns, pidns, vpid)
	}

	// The forked child: the clone record is made after copy_process gave
	// it its pid, so it has its in-namespace pid already.
	child := c.wait(t, "exec of the child", func(e *event.Event) bool {
		return e.Type == event.TypeExecve && e.Process.PPID == uint32(pid) && hasArg(e, "child")
	})
	clone := c.wait(t, "clone of the child", func(e *event.Event) bool {
		return e.Type.IsClone() && e.Process.PID == child.Process.PID
	})
	for _, e := range []*event.Event{clone, child} {
		p := e.Process
		if p.MntNS != mntns || p.PidNS != pidns || p.VPID <= 1 || p.VPID == p.PID || p.VTID != p.VPID {
			t.Errorf("%s of the child (pid %d): mntns %d, pidns %d, vpid %d, vtid %d; want %d, %d and a vpid > 1",
				e.Type, p.PID, p.MntNS, p.PidNS, p.VPID, p.VTID, mntns, pidns)
		}
	}
	if clone.Process.VPID != child.Process.VPID {
		t.Errorf("child vpid %d at clone, %d at exec", clone.Process.VPID, child.Process.VPID)
	}
}

// TestExecCgroupPath: a shell that moves itself into a new cgroup v2
// directory before it execs reports that directory's path in its exec
// event; the children it forks before and after the move report the
// test's cgroup and the new one at clone and exec.
func TestExecCgroupPath(t *testing.T) {
	c := startSensor(t, Options{})
	token := fmt.Sprintf("vigil-cgroup-%d", time.Now().UnixNano())
	outer := filepath.Join(cgroup2Mount(t), token)
	inner := filepath.Join(outer, "inner.scope")
	if err := os.Mkdir(outer, 0o755); err != nil {
		t.Fatal(err)
	}
	removeCgroup(t, inner, outer)
	if err := os.Mkdir(inner, 0o755); err != nil {
		t.Fatal(err)
	}
	// echo is a shell builtin: the shell itself joins the cgroup.
	cmd := exec.Command("/bin/sh", "-c",
		`/bin/true before && echo $$ > "$1/cgroup.procs" && /bin/true after && exec /bin/true`, "sh", inner)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("sh: %v: %s", err, out)
	}
	pid := cmd.Process.Pid
	ownV2, ownV1 := selfCgroups(t)
	moved := path.Join(cgroup2Root(t), token, "inner.scope")

	ev := c.wait(t, "exec of true", func(e *event.Event) bool {
		return isType(e, pid, event.TypeExecve) && e.Exec.Filename == "/bin/true"
	})
	if ev.Process.CgroupPath != moved || ev.Process.CgroupV1Path != ownV1 {
		t.Errorf("exec: cgroup %q, v1 %q; want %q, %q", ev.Process.CgroupPath, ev.Process.CgroupV1Path, moved, ownV1)
	}
	for _, tc := range []struct{ arg, want string }{{"before", ownV2}, {"after", moved}} {
		child := c.wait(t, "exec of true "+tc.arg, func(e *event.Event) bool {
			return e.Type == event.TypeExecve && e.Process.PPID == uint32(pid) && hasArg(e, tc.arg)
		})
		clone := c.wait(t, "clone of true "+tc.arg, func(e *event.Event) bool {
			return e.Type.IsClone() && e.Process.PID == child.Process.PID
		})
		for _, e := range []*event.Event{clone, child} {
			if e.Process.CgroupPath != tc.want || e.Process.CgroupV1Path != ownV1 {
				t.Errorf("%s of true %s: cgroup %q, v1 %q; want %q, %q", e.Type, tc.arg,
					e.Process.CgroupPath, e.Process.CgroupV1Path, tc.want, ownV1)
			}
		}
	}
}
