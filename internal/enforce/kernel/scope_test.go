package kernel

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"

	"github.com/vigil-sec/vigil/internal/testutil/runc"
)

// TestContainerScope: a policy selecting a runc container's cgroup denies
// a connect from inside the container to a host listener, and not the
// same connect from a host process.
func TestContainerScope(t *testing.T) {
	e := newEnforcer(t, Options{})
	l := newListener(t)
	c := runc.New(t, runc.Options{HostNetwork: true, Files: map[string]string{"/enforce": triggerBin}})
	if err := c.Start("sleep", "3600"); err != nil {
		t.Fatal(err)
	}
	cgDir := CgroupPath(e.Options().CgroupRoot, c.CgroupsPath())
	cgid, err := CgroupID(cgDir)
	if err != nil {
		t.Fatal(err)
	}
	const idx = 5
	err = e.Load([]Policy{{
		Index: idx, Where: WhereContainers, CgroupSelector: true,
		Net: []NetRule{{Op: NetConnect, Prefix: netip4("127.0.0.1/32"), PortLo: l.port, Proto: ProtoTCP}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	// selected by no cgroup yet
	if out, err := c.Exec("/enforce", "connect", "tcp", l.addr()); err != nil {
		t.Fatalf("connect from the container before SetCgroupScope: %v %s", err, out)
	}
	if err := e.SetCgroupScope(cgid, 1<<idx); err != nil {
		t.Fatal(err)
	}
	before := l.accepted.Load()
	out, err := c.Exec("/enforce", "connect", "tcp", l.addr())
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 3 {
		t.Fatalf("connect from the selected container: %v %s, want exit 3 (EPERM)", err, out)
	}
	d := waitDecision(t, e, func(d Decision) bool { return d.CgroupID == cgid })
	if d.Policy != idx || d.Audit || d.Comm != "enforce" || d.PidNS == e.Options().HostPidNS ||
		d.Addr.Port() != l.port {
		t.Errorf("decision %+v", d)
	}
	if r := trigger(t, "connect", "tcp", l.addr()); r.code != 0 {
		t.Errorf("connect from a host process: %v", r)
	}
	// the busybox applets in the container are denied too
	if out, err := c.Exec("/bin/sh", "-c", "echo x | nc -w 2 127.0.0.1 "+strconv.Itoa(int(l.port))); err == nil {
		t.Errorf("busybox nc in the container connected: %s", out)
	}
	if got := l.accepted.Load() - before; got != 1 {
		t.Errorf("listener accepted %d connections after SetCgroupScope, want 1 (the host process's)", got)
	}
	if err := e.DeleteCgroup(cgid); err != nil {
		t.Fatal(err)
	}
	if out, err := c.Exec("/enforce", "connect", "tcp", l.addr()); err != nil {
		t.Errorf("connect from the container after DeleteCgroup: %v %s", err, out)
	}
	if err := e.DeleteCgroup(cgid); err != nil {
		t.Errorf("deleting an unknown cgroup: %v", err)
	}
}

// TestCgroupDescendants: selecting a cgroup selects its sub-cgroups.
func TestCgroupDescendants(t *testing.T) {
	e := newEnforcer(t, Options{})
	root := e.Options().CgroupRoot
	parent := filepath.Join(root, "vigil-enforce-test-"+strconv.Itoa(os.Getpid()))
	child := filepath.Join(parent, "a", "b")
	if err := os.MkdirAll(child, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for _, d := range []string{child, filepath.Dir(child), parent} {
			if err := os.Remove(d); err != nil {
				t.Error(err)
			}
		}
	})
	parentID, err := CgroupID(parent)
	if err != nil {
		t.Fatal(err)
	}
	port := freePort(t)
	addr := "127.0.0.1:" + itoa(port)
	if err := e.Load([]Policy{{Index: 8, CgroupSelector: true, Net: []NetRule{{Op: NetConnect, PortLo: port}}}}); err != nil {
		t.Fatal(err)
	}
	if err := e.SetCgroupScope(parentID, 1<<8); err != nil {
		t.Fatal(err)
	}
	inChild := func() result {
		t.Helper()
		f, err := os.Open(child)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		cmd := exec.Command(triggerBin, "connect", "udp", addr)
		cmd.SysProcAttr = &syscall.SysProcAttr{UseCgroupFD: true, CgroupFD: int(f.Fd())}
		out, err := cmd.CombinedOutput()
		r := result{pid: cmd.Process.Pid, out: string(out)}
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			r.code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return r
	}
	r := inChild()
	if r.code != 3 {
		t.Fatalf("process two levels below the selected cgroup: %v, want EPERM", r)
	}
	childID, _ := CgroupID(child)
	d := waitDecision(t, e, func(d Decision) bool { return d.TGID == uint32(r.pid) })
	if d.CgroupID != childID {
		t.Errorf("decision cgroup %d, want %d", d.CgroupID, childID)
	}
	if r := trigger(t, "connect", "udp", addr); r.code != 0 {
		t.Errorf("process outside the selected cgroup: %v", r)
	}
	if err := e.SetCgroupScope(parentID, 1<<9); err != nil { // another policy's bit
		t.Fatal(err)
	}
	if r := inChild(); r.code != 0 {
		t.Errorf("cgroup selected for another policy: %v", r)
	}
}
