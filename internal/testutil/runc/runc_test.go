package runc

import (
	"encoding/json"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestRunEcho(t *testing.T) {
	c := New(t, Options{})
	out, err := c.Run("/bin/sh", "-c", "echo hi")
	if err != nil {
		t.Fatal(err)
	}
	if out != "hi\n" {
		t.Errorf("output %q, want hi", out)
	}
	// runc run removed the container; Run works again, and reports exit codes.
	_, err = c.Run("/bin/sh", "-c", "exit 3")
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 3 {
		t.Errorf("exit 3: err = %v", err)
	}
}

func TestBusyboxApplets(t *testing.T) {
	c := New(t, Options{})
	out, err := c.Run("/bin/sh", "-c", "for a in nc cat cp chmod sleep ls arping udhcpc ip nsenter; do command -v $a || exit 1; done; nc --help 2>&1 | grep -q -- '-e PROG'")
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
}

func TestCgroupAndAnnotations(t *testing.T) {
	id := "vigil-harness-" + NewID()[:8]
	ann := PodAnnotations(Pod{Name: "web-0", Namespace: "prod", UID: "u-1", SandboxID: "sandbox-1", ContainerName: "web", Image: "docker.io/library/busybox:1.36"})
	ann["vigil.test/marker"] = id
	c := New(t, Options{ID: id, Annotations: ann})
	if err := c.Start("sleep", "3600"); err != nil {
		t.Fatal(err)
	}
	pid := c.Pid()
	cg, err := Cgroups(pid)
	if err != nil {
		t.Fatal(err)
	}
	want := "/vigil-test/" + id
	if c.CgroupsPath() != want {
		t.Errorf("CgroupsPath() = %q, want %q", c.CgroupsPath(), want)
	}
	checked := 0
	if p, ok := cg["memory"]; ok {
		checked++
		if p != want {
			t.Errorf("memory cgroup %q, want %q", p, want)
		}
	}
	if _, err := os.Stat("/sys/fs/cgroup/unified"); err == nil || len(cg) == 1 {
		checked++
		if p := cg[""]; p != want {
			t.Errorf("unified cgroup %q, want %q (all: %v)", p, want, cg)
		}
	}
	if checked == 0 {
		t.Errorf("no memory nor unified cgroup line: %v", cg)
	}

	// The state runc keeps under its root names the bundle, whose
	// config.json has the annotations.
	b, err := os.ReadFile(filepath.Join(c.Root(), id, "state.json"))
	if err != nil {
		t.Fatal(err)
	}
	var st struct {
		Config struct {
			Labels []string `json:"labels"`
		} `json:"config"`
	}
	if err := json.Unmarshal(b, &st); err != nil {
		t.Fatal(err)
	}
	bundle := ""
	for _, l := range st.Config.Labels {
		if v, ok := strings.CutPrefix(l, "bundle="); ok {
			bundle = v
		}
	}
	if bundle != c.Bundle() {
		t.Fatalf("state.json bundle %q, want %q", bundle, c.Bundle())
	}
	cfg, err := os.ReadFile(filepath.Join(bundle, "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	var spec struct {
		Annotations map[string]string `json:"annotations"`
	}
	if err := json.Unmarshal(cfg, &spec); err != nil {
		t.Fatal(err)
	}
	for k, v := range ann {
		if spec.Annotations[k] != v {
			t.Errorf("annotation %s = %q, want %q", k, spec.Annotations[k], v)
		}
	}
	s, err := c.State()
	if err != nil {
		t.Fatal(err)
	}
	if s.Pid != pid || s.Status != "running" || s.Annotations["vigil.test/marker"] != id {
		t.Errorf("state = %+v", s)
	}

	// Delete ends the init and removes the state; cleanup removes the cgroup.
	if err := c.Delete(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(c.Root(), id)); !os.IsNotExist(err) {
		t.Errorf("state dir after Delete: %v", err)
	}
	if err := c.Close(); err != nil {
		t.Error(err)
	}
	if _, err := os.Stat("/sys/fs/cgroup/memory" + want); !os.IsNotExist(err) {
		t.Errorf("memory cgroup after cleanup: %v", err)
	}
}

func TestExec(t *testing.T) {
	c := New(t, Options{})
	if err := c.Start("sleep", "3600"); err != nil {
		t.Fatal(err)
	}
	out, err := c.Exec("/bin/sh", "-c", "echo $$; cat /proc/1/cmdline | tr '\\0' ' '")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "sleep 3600") {
		t.Errorf("exec output %q: want the init's cmdline", out)
	}
	// Private network namespace: lo is up, nothing else.
	out, err = c.Exec("/bin/sh", "-c", "ip -o link; ping -c1 -W2 127.0.0.1 >/dev/null && echo lo-ok")
	if err != nil || !strings.Contains(out, "lo-ok") || strings.Contains(out, "eth") {
		t.Errorf("network: %v\n%s", err, out)
	}
	var ee *exec.ExitError
	if _, err := c.Exec("false"); !errors.As(err, &ee) || ee.ExitCode() != 1 {
		t.Errorf("exec false: %v", err)
	}
}

func TestOverlayUpperLayer(t *testing.T) {
	c := New(t, Options{Overlay: true})
	if c.UpperDir() == "" {
		t.Fatal("no upper dir")
	}
	out, err := c.Run("/bin/sh", "-c", "cp /bin/busybox /tmp/busybox-x && chmod +x /tmp/busybox-x && /tmp/busybox-x echo dropped")
	if err != nil || out != "dropped\n" {
		t.Fatalf("%v %q", err, out)
	}
	if _, err := os.Stat(filepath.Join(c.UpperDir(), "tmp/busybox-x")); err != nil {
		t.Errorf("dropped file not on the upper layer: %v", err)
	}
	if _, err := os.Stat(filepath.Join(c.UpperDir(), "bin/busybox")); !os.IsNotExist(err) {
		t.Errorf("image file on the upper layer: %v", err)
	}
}

func TestHostNetwork(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	got := make(chan string, 1)
	go func() {
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		defer conn.Close()
		_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
		b := make([]byte, 64)
		n, _ := conn.Read(b)
		got <- string(b[:n])
	}()
	c := New(t, Options{HostNetwork: true})
	port := ln.Addr().(*net.TCPAddr).Port
	out, err := c.Run("/bin/sh", "-c", "echo hello | nc -w 2 127.0.0.1 "+strconv.Itoa(port))
	if err != nil {
		t.Fatalf("%v %s", err, out)
	}
	select {
	case s := <-got:
		if s != "hello\n" {
			t.Errorf("listener got %q", s)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("listener got no connection")
	}
}

func TestFilesAndPrivileged(t *testing.T) {
	src := filepath.Join(t.TempDir(), "tool")
	if err := os.WriteFile(src, []byte("#!/bin/sh\necho tool-ran\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	c := New(t, Options{Privileged: true, Files: map[string]string{"/usr/local/bin/tool": src}})
	out, err := c.Run("/bin/sh", "-c", "tool && grep CapEff /proc/self/status")
	if err != nil {
		t.Fatalf("%v %s", err, out)
	}
	// All the capabilities this process may grant.
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	bnd := ""
	for _, l := range strings.Split(string(status), "\n") {
		if v, ok := strings.CutPrefix(l, "CapBnd:"); ok {
			bnd = v
		}
	}
	if !strings.Contains(out, "tool-ran") || !strings.Contains(out, "CapEff:"+bnd) {
		t.Errorf("output %q", out)
	}
}

func TestExecTTY(t *testing.T) {
	c := New(t, Options{})
	if err := c.Start("sleep", "3600"); err != nil {
		t.Fatal(err)
	}
	// The process has a controlling terminal (tty and ps show it) and reads
	// its input from it.
	out, err := c.ExecTTY("hello\n", "/bin/sh", "-c", "read line; echo got=$line; tty; [ -t 0 ] && echo stdin-is-tty")
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	for _, want := range []string{"got=hello", "/dev/pts/", "stdin-is-tty"} {
		if !strings.Contains(out, want) {
			t.Errorf("output %q lacks %q", out, want)
		}
	}
	if _, err := c.ExecTTY("", "/bin/sh", "-c", "exit 4"); err == nil {
		t.Error("exit 4: no error")
	}
}

func TestHostPIDAndMounts(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "marker"), []byte("from-host\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	c := New(t, Options{HostPID: true, Mounts: []Mount{{Source: dir, Destination: "/host-dir", ReadOnly: true}}})
	me := strconv.Itoa(os.Getpid())
	out, err := c.Run("/bin/sh", "-c", "cat /host-dir/marker; [ -d /proc/"+me+" ] && echo sees-host-pid; echo x > /host-dir/w || echo read-only")
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	for _, want := range []string{"from-host", "sees-host-pid", "read-only"} {
		if !strings.Contains(out, want) {
			t.Errorf("output %q lacks %q", out, want)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "w")); err == nil {
		t.Error("read-only mount was written")
	}
}
