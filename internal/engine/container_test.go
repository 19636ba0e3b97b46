package engine

import (
	"testing"
	"time"

	"github.com/vigil-sec/vigil/internal/event"
)

// TestContainerConditions evaluates the condition forms of Falco's
// container rules on an event on the host, in a container whose metadata
// is unknown, and in a described Kubernetes container.
func TestContainerConditions(t *testing.T) {
	const id = "3ad7b26ded6d8e7b23da7d48fe889434573036c27ae5a74837233de441c3601e"
	host := execEvent()
	bare := execEvent()
	bare.Process.ContainerID = id
	bare.Container = &event.Container{ID: id, Runtime: "containerd"}
	pod := execEvent()
	pod.Process.ContainerID = id
	pod.Container = &event.Container{ID: id, Runtime: "containerd", Name: "api",
		ImageRepository: "registry.k8s.io/kube-proxy", Privileged: true,
		Mounts:  []event.Mount{{Source: "/proc", Dest: "/host/proc", ReadWrite: true}},
		Created: time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC),
		Pod:     &event.Pod{Name: "kube-proxy-x", Namespace: "kube-system", UID: "u"}, MetadataKnown: true}

	for _, tc := range []struct {
		cond            string
		host, bare, pod bool
	}{
		{`container.id != host`, false, true, true},
		{`container.id=host`, true, false, false},
		{`container.id = 3ad7b26ded6d`, false, true, true},
		{`container.full_id = ` + id, false, true, true},
		{`container.image.repository in (registry.k8s.io/kube-proxy, nginx)`, false, false, true},
		{`not container.image.repository in (registry.k8s.io/kube-proxy, nginx)`, true, true, false},
		{`container.privileged=true`, false, false, true},
		{`k8s.ns.name=kube-system`, false, false, true},
		{`container.mount.dest[/proc*] != "N/A"`, false, false, true},
		{`container.mount.dest[/proc*] = /host/proc`, false, false, true},
		{`container.start_ts < 1900000000000000000`, false, false, true},
		{`container.start_ts > 0`, false, false, true},
		{`proc.is_container_healthcheck = false`, false, false, false},
	} {
		e, diags := compileYAML(t, ruleYAML(tc.cond), Options{})
		if diags.HasErrors() || e.Loaded() != 1 {
			t.Errorf("%s: not loaded: %v", tc.cond, diags)
			continue
		}
		for _, c := range []struct {
			name string
			ev   *event.Event
			want bool
		}{{"host", host, tc.host}, {"no metadata", bare, tc.bare}, {"pod", pod, tc.pod}} {
			got := false
			e.Eval(c.ev, func(*Alert) { got = true })
			if got != c.want {
				t.Errorf("%s on %s: matched %v, want %v", tc.cond, c.name, got, c.want)
			}
		}
	}
}
