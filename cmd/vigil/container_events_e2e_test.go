package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vigil-sec/vigil/internal/testutil/runc"
)

// containerEvent is the part of a JSON event these tests look at.
type containerEvent struct {
	Type    string `json:"type"`
	Process struct {
		PID         uint32 `json:"pid"`
		Name        string `json:"name"`
		Args        []string
		ContainerID string `json:"container_id"`
		CgroupPath  string `json:"cgroup_path"`
		VPID        uint32 `json:"vpid"`
	} `json:"process"`
	Container *struct {
		ID              string `json:"id"`
		Runtime         string `json:"runtime"`
		Name            string `json:"name"`
		Image           string `json:"image"`
		ImageRepository string `json:"image_repository"`
		ImageTag        string `json:"image_tag"`
		MetadataKnown   bool   `json:"metadata_known"`
		Pod             *struct {
			Name      string `json:"name"`
			Namespace string `json:"namespace"`
			UID       string `json:"uid"`
		} `json:"pod"`
	} `json:"container"`
	Syscall *struct {
		FD *struct {
			Name string `json:"name"`
		} `json:"fd"`
	} `json:"syscall"`
}

// TestContainerEventsAttributed starts a runc container that looks like a
// Kubernetes pod's before the agent, then, inside it, runs a program, opens
// a file and connects: every event carries the container's id and its
// metadata (image, pod); an action on the host says host.
func TestContainerEventsAttributed(t *testing.T) {
	opts := containerOptions("web")
	opts.HostNetwork = true
	c := runc.New(t, opts)
	if err := c.Start("sleep", "3600"); err != nil {
		t.Fatal(err)
	}
	rulesFile, err := filepath.Abs(falcoRules) // its rules need connect, so it is captured
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(rulesFile); err != nil {
		t.Skipf("../shared/testdata is absent: %v", err)
	}
	a := startAgent(t, "-r", rulesFile, "--events") // after the container started

	if out, err := c.Exec("/bin/sh", "-c", "cat /etc/hostname >/dev/null; echo hi | nc 127.0.0.1 9 2>/dev/null; true"); err != nil {
		t.Fatalf("exec: %v %s", err, out)
	}
	parse := func(l string) (containerEvent, bool) {
		var ev containerEvent
		return ev, json.Unmarshal([]byte(l), &ev) == nil
	}
	inContainer := func(typ, name string) containerEvent {
		t.Helper()
		t.Cleanup(func() {
			if t.Failed() {
				for _, l := range a.stdout.snapshot() {
					if ev, ok := parse(l); ok && ev.Process.Name == name {
						t.Logf("%s", l)
					}
				}
			}
		})
		line := a.stdout.waitLine(t, typ+" by "+name+" in the container", func(l string) bool {
			ev, ok := parse(l)
			return ok && ev.Type == typ && ev.Process.Name == name && ev.Process.ContainerID == opts.ID
		})
		ev, _ := parse(line)
		return ev
	}
	for _, ev := range []containerEvent{
		inContainer("execve", "sh"), // busybox sh runs its applets without exec
		inContainer("openat", "cat"),
		inContainer("connect", "nc"),
	} {
		ctr := ev.Container
		if ctr == nil {
			t.Errorf("%s: no container object", ev.Type)
			continue
		}
		if ctr.ID != opts.ID || !ctr.MetadataKnown || ctr.Image != "docker.io/library/busybox:1.35" ||
			ctr.ImageRepository != "docker.io/library/busybox" || ctr.ImageTag != "1.35" || ctr.Name != "web" {
			t.Errorf("%s: container %+v", ev.Type, *ctr)
		}
		if ctr.Pod == nil || ctr.Pod.Name != "web-0" || ctr.Pod.Namespace != "vigil-e2e" {
			t.Errorf("%s: pod %+v", ev.Type, ctr.Pod)
		}
		if !strings.HasSuffix(ev.Process.CgroupPath, opts.ID) || ev.Process.VPID == 0 || ev.Process.VPID == ev.Process.PID {
			t.Errorf("%s: process cgroup %q vpid %d pid %d", ev.Type, ev.Process.CgroupPath, ev.Process.VPID, ev.Process.PID)
		}
	}

	// The same program on the host: no container.
	if err := runHostCat(); err != nil {
		t.Fatal(err)
	}
	line := a.stdout.waitLine(t, "host cat", func(l string) bool {
		ev, ok := parse(l)
		return ok && ev.Type == "execve" && ev.Process.Name == "cat" && ev.Process.ContainerID == ""
	})
	if ev, _ := parse(line); ev.Container != nil {
		t.Errorf("host event has a container: %s", line)
	}
	a.stop(t)
}

func runHostCat() error {
	return exec.Command("cat", "/etc/hostname").Run()
}

// TestContainerFirstEventEnriched starts a container while the agent runs:
// the first program that starts in it (the entrypoint's exec) already
// carries the runtime's metadata, although runc's own setup processes ran
// in the container's cgroup before runc wrote its state; so rules never see
// <NA> at container start. It logs the time from `runc run` to that event
// being printed.
func TestContainerFirstEventEnriched(t *testing.T) {
	a := startAgent(t, "--events")
	opts := containerOptions("first")
	c := runc.New(t, opts)
	start := time.Now()
	ran := make(chan error, 1)
	go func() {
		out, err := c.Run("/bin/sh", "-c", "sleep 2")
		if err != nil {
			err = fmt.Errorf("%w: %s", err, out)
		}
		ran <- err
	}()
	t.Cleanup(func() {
		if err := <-ran; err != nil {
			t.Errorf("run: %v", err)
		}
	})
	line := a.stdout.waitLine(t, "first exec in the container", func(l string) bool {
		return strings.Contains(l, `"container_id":"`+opts.ID+`"`) && strings.Contains(l, `"type":"execve"`)
	})
	seen := time.Now()
	var ev containerEvent
	if err := json.Unmarshal([]byte(line), &ev); err != nil {
		t.Fatal(err)
	}
	if ev.Type != "execve" || ev.Container == nil || !ev.Container.MetadataKnown || ev.Container.Pod == nil {
		t.Fatalf("the container's first exec is not enriched: %s", line)
	}
	t.Logf("runc run to the container's first enriched event printed: %v (includes runc's own start-up)", seen.Sub(start))
}
