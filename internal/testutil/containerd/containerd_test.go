package containerd

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	cri "k8s.io/cri-api/pkg/apis/runtime/v1"
)

func TestPodAndContainer(t *testing.T) {
	began := time.Now()
	d := Start(t)
	startTime := time.Since(began)
	if !filepath.IsAbs(d.Socket()) || len(d.Socket()) >= 108 {
		t.Errorf("socket %q: want an absolute path under 108 bytes", d.Socket())
	}

	began = time.Now()
	pod := d.RunPod(t, PodOptions{
		Name: "web-0", Namespace: "prod",
		Labels:      map[string]string{"app": "web", "tier": "front"},
		Annotations: map[string]string{"vigil.test/pod": "yes"},
	})
	c := pod.Start(t, ContainerOptions{
		Name:   "web",
		Args:   []string{"/bin/sleep", "3600"},
		Labels: map[string]string{"vigil.test/container": "web"},
	})
	t.Logf("Start %v, pod + container %v", startTime.Round(time.Millisecond), time.Since(began).Round(time.Millisecond))

	if len(c.ID()) != 64 || strings.Trim(c.ID(), "0123456789abcdef") != "" {
		t.Errorf("container id %q: want 64 hex digits", c.ID())
	}

	// What an agent reads through CRI.
	ps := pod.Status(t).GetStatus()
	if md := ps.GetMetadata(); md.GetName() != "web-0" || md.GetNamespace() != "prod" || md.GetUid() != pod.Options().UID {
		t.Errorf("pod metadata %v", md)
	}
	if ps.GetState() != cri.PodSandboxState_SANDBOX_READY {
		t.Errorf("pod state %v", ps.GetState())
	}
	if ps.GetLabels()["app"] != "web" || ps.GetAnnotations()["vigil.test/pod"] != "yes" {
		t.Errorf("pod labels %v annotations %v", ps.GetLabels(), ps.GetAnnotations())
	}
	if ps.GetLinux().GetNamespaces().GetOptions().GetNetwork() != cri.NamespaceMode_NODE {
		t.Errorf("pod network namespace mode %v, want NODE", ps.GetLinux().GetNamespaces().GetOptions().GetNetwork())
	}

	st := c.Status().GetStatus()
	if st.GetState() != cri.ContainerState_CONTAINER_RUNNING {
		t.Fatalf("container state %v, want running", st.GetState())
	}
	if st.GetMetadata().GetName() != "web" || st.GetLabels()["vigil.test/container"] != "web" {
		t.Errorf("container metadata %v labels %v", st.GetMetadata(), st.GetLabels())
	}
	if st.GetImage().GetImage() != d.Image() {
		t.Errorf("container image %q, want %q", st.GetImage().GetImage(), d.Image())
	}
	ctx, cancel := context.WithTimeout(context.Background(), Timeout)
	defer cancel()
	list, err := d.Runtime().ListContainers(ctx, &cri.ListContainersRequest{Filter: &cri.ContainerFilter{PodSandboxId: pod.ID()}})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Containers) != 1 || list.Containers[0].Id != c.ID() {
		t.Errorf("ListContainers of the pod: %v", list.Containers)
	}

	// Kernel-side attribution: the init's cgroup is <parent>/<id>.
	pid := c.Pid()
	if pid <= 0 {
		t.Fatalf("pid %d", pid)
	}
	comm, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
	if strings.TrimSpace(string(comm)) != "sleep" {
		t.Errorf("pid %d is %q, want sleep", pid, comm)
	}
	cg, err := os.ReadFile(fmt.Sprintf("/proc/%d/cgroup", pid))
	if err != nil {
		t.Fatal(err)
	}
	want := pod.CgroupParent() + "/" + c.ID()
	if c.CgroupsPath() != want {
		t.Errorf("cgroupsPath %q, want %q", c.CgroupsPath(), want)
	}
	lines := 0
	for _, l := range strings.Split(strings.TrimSpace(string(cg)), "\n") {
		parts := strings.SplitN(l, ":", 3)
		if len(parts) == 3 && (parts[1] == "memory" || parts[1] == "pids" || parts[1] == "") {
			lines++
			if parts[2] != want {
				t.Errorf("cgroup line %q: want path %s", l, want)
			}
		}
	}
	if lines == 0 || !strings.Contains(string(cg), c.ID()) {
		t.Errorf("/proc/%d/cgroup does not name the container:\n%s", pid, cg)
	}
	if _, err := os.Stat(filepath.Join(RuncRoot, c.ID(), "state.json")); err != nil {
		t.Errorf("runc state: %v", err)
	}

	out, err := c.Exec(t, "echo", "hi")
	if err != nil || out != "hi\n" {
		t.Errorf("exec echo hi: %q, %v", out, err)
	}
	_, err = c.Exec(t, "sh", "-c", "echo oops >&2; exit 3")
	var ee *ExitError
	if !errors.As(err, &ee) || ee.Code != 3 || ee.Stderr != "oops\n" {
		t.Errorf("exec exit 3: %v", err)
	}

	c.Stop(t, 0)
	if st := c.Status().GetStatus(); st.GetState() != cri.ContainerState_CONTAINER_EXITED {
		t.Errorf("after stop: state %v", st.GetState())
	}
	if err := pod.Remove(); err != nil {
		t.Fatal(err)
	}
	for _, dir := range pod.cgroup {
		if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("pod cgroup %s not removed: %v", dir, err)
		}
	}
}

// TestTwoPods runs containers in two pods at once, with the default
// options and the image's command.
func TestTwoPods(t *testing.T) {
	d := Start(t)
	var pids []int
	for range 2 {
		p := d.RunPod(t, PodOptions{})
		c := p.Start(t, ContainerOptions{Env: []string{"VIGIL=1"}})
		out, err := c.Exec(t, "sh", "-c", "echo $VIGIL; cat /proc/1/cmdline | tr '\\0' ' '")
		if err != nil || out != "1\n/bin/sleep 1000000 " {
			t.Errorf("exec: %q, %v", out, err)
		}
		pids = append(pids, c.Pid())
	}
	if pids[0] == pids[1] {
		t.Errorf("same pid %d", pids[0])
	}
}
