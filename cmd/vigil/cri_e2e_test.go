package main

import (
	"encoding/json"
	"testing"

	"github.com/vigil-sec/vigil/internal/container"
	"github.com/vigil-sec/vigil/internal/testutil/containerd"
)

// criEvent is the part of a JSON event the CRI test looks at.
type criEvent struct {
	Type    string `json:"type"`
	Process struct {
		Name        string `json:"name"`
		ContainerID string `json:"container_id"`
	} `json:"process"`
	Container *struct {
		ID            string            `json:"id"`
		Runtime       string            `json:"runtime"`
		Name          string            `json:"name"`
		Image         string            `json:"image"`
		Labels        map[string]string `json:"labels"`
		MetadataKnown bool              `json:"metadata_known"`
		Pod           *struct {
			Name      string            `json:"name"`
			Namespace string            `json:"namespace"`
			UID       string            `json:"uid"`
			Labels    map[string]string `json:"labels"`
		} `json:"pod"`
	} `json:"container"`
}

// TestCRIContainerEvents runs Kubernetes-style pods through containerd's
// CRI plugin (real containerd, real runc containers): one container started
// before the agent and one after. Events inside each carry what only the
// CRI API knows, the pod's labels, along with the container's name, image,
// labels and the pod's name, namespace and uid.
func TestCRIContainerEvents(t *testing.T) {
	d := containerd.Start(t)
	pod := d.RunPod(t, containerd.PodOptions{
		Name: "api-0", Namespace: "shop", UID: "5f0c9a3e-1d2b-4c6e-9a7f-0b1c2d3e4f50",
		Labels: map[string]string{"app": "api", "tier": "back"},
	})
	before := pod.Start(t, containerd.ContainerOptions{
		Name: "api", Args: []string{"/bin/sleep", "3600"}, Labels: map[string]string{"team": "payments"},
	})

	a := startAgent(t, "--events", "--cri-socket", d.Socket())
	after := pod.Start(t, containerd.ContainerOptions{Name: "worker", Args: []string{"/bin/sleep", "3600"}})

	for _, tc := range []struct {
		c    *containerd.Container
		name string
	}{{before, "api"}, {after, "worker"}} {
		if out, err := tc.c.Exec(t, "/bin/cat", "/etc/hostname"); err != nil {
			t.Fatalf("exec in %s: %v %s", tc.name, err, out)
		}
		line := a.stdout.waitLine(t, "cat in "+tc.name, func(l string) bool {
			var ev criEvent
			return json.Unmarshal([]byte(l), &ev) == nil && ev.Type == "execve" &&
				ev.Process.Name == "cat" && ev.Process.ContainerID == tc.c.ID()
		})
		var ev criEvent
		if err := json.Unmarshal([]byte(line), &ev); err != nil {
			t.Fatal(err)
		}
		c := ev.Container
		if c == nil || !c.MetadataKnown || c.ID != tc.c.ID() || c.Name != tc.name || c.Image != d.Image() ||
			c.Runtime != container.RuntimeContainerd {
			t.Errorf("%s: container %s", tc.name, line)
			continue
		}
		if tc.name == "api" && c.Labels["team"] != "payments" {
			t.Errorf("%s: container labels %v", tc.name, c.Labels)
		}
		if p := c.Pod; p == nil || p.Name != "api-0" || p.Namespace != "shop" ||
			p.UID != "5f0c9a3e-1d2b-4c6e-9a7f-0b1c2d3e4f50" || p.Labels["app"] != "api" || p.Labels["tier"] != "back" {
			t.Errorf("%s: pod %s", tc.name, line)
		}
	}
	a.stop(t)
}
