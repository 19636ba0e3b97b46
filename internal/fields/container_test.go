package fields

import (
	"testing"
	"time"

	"github.com/vigil-sec/vigil/internal/event"
)

const (
	fullCID   = "3ad7b26ded6d8e7b23da7d48fe889434573036c27ae5a74837233de441c3601e"
	shortCID  = "3ad7b26ded6d"
	podUID    = "3e41dc6b-08a8-44db-bc2a-3724b18ab19a"
	created   = 1763931000 // 2025-11-23 20:50:00 UTC
	createdNs = created * 1_000_000_000
)

// hostEvent is an exec on the host: no container id, no Container.
func hostEvent() *event.Event {
	ev := execEvent()
	ev.Process.VPID, ev.Process.VTID = ev.Process.PID, ev.Process.TID
	return ev
}

// bareContainerEvent is an exec in a container whose metadata is unknown:
// the process table found its id, no runtime source described it.
func bareContainerEvent() *event.Event {
	ev := execEvent()
	ev.Process.ContainerID = fullCID
	ev.Process.VPID, ev.Process.VTID = 7, 9
	ev.Container = &event.Container{ID: fullCID, Runtime: "containerd"}
	return ev
}

// podContainerEvent is an exec in a Kubernetes container described by the
// runtime.
func podContainerEvent() *event.Event {
	ev := bareContainerEvent()
	ev.Process.VPID, ev.Process.VTID = 1, 1
	ev.Container = &event.Container{
		ID: fullCID, Runtime: "containerd", Name: "coredns",
		Image: "registry.k8s.io/coredns/coredns:v1.11.1", ImageRepository: "registry.k8s.io/coredns/coredns",
		ImageTag: "v1.11.1", ImageDigest: "sha256:1eeb4c7316bacb1d4c8ead65571cd92dd21e27359f0d4917f1a5822a73b75db1",
		Labels: map[string]string{
			"io.kubernetes.pod.name": "coredns-abc", "io.kubernetes.container.name": "coredns",
			"annotation.io.kubernetes.container.hash": "a1", "tier": "control", "empty": "",
		},
		Privileged: true,
		Mounts: []event.Mount{
			{Source: "/var/lib/kubelet/pods/x/volumes/config", Dest: "/etc/coredns", Type: "bind", Options: []string{"rbind", "ro"}, Propagation: "rprivate"},
			{Source: "/proc", Dest: "/host/proc", Type: "bind", Options: []string{"rbind"}, ReadWrite: true, Propagation: "rslave"},
		},
		Created: time.Unix(created, 0),
		Pod: &event.Pod{Name: "coredns-abc", Namespace: "kube-system", UID: podUID,
			Labels: map[string]string{"k8s-app": "kube-dns", "pod-template-hash": "5d78c9869d"}},
		MetadataKnown: true,
	}
	return ev
}

func TestContainerValuesHost(t *testing.T) {
	check(t, newTestCatalog(), hostEvent(), []want{
		{"container.id", "host"},
		{"container.full_id", "host"},
		{"container.name", "host"},
		{"container.type", "host"},
		{"container.image", ""},
		{"container.image.repository", ""},
		{"container.image.tag", ""},
		{"container.image.digest", ""},
		{"container.privileged", false},
		{"container.mounts", ""},
		{"container.mount[0]", na},
		{"container.mount.dest[/proc*]", na},
		{"container.labels", ""},
		{"container.label.tier", na},
		{"container.start_ts", na},
		{"container.duration", na},
		{"k8s.ns.name", na},
		{"k8s.pod.name", na},
		{"k8s.pod.uid", na},
		{"k8s.pod.id", na},
		{"k8s.pod.labels", ""},
		{"k8s.pod.label[app]", na},
		{"proc.vpid", 4321},
		{"thread.vtid", 4321},
		{"proc.is_container_healthcheck", na},
		{"proc.is_container_liveness_probe", na},
		{"proc.is_container_readiness_probe", na},
	})
}

func TestContainerValuesNoMetadata(t *testing.T) {
	for _, tc := range []struct {
		name string
		ev   *event.Event
		typ  any
	}{
		{"container without metadata", bareContainerEvent(), "containerd"},
		{"id without Container", func() *event.Event { ev := bareContainerEvent(); ev.Container = nil; return ev }(), na},
	} {
		t.Run(tc.name, func(t *testing.T) {
			check(t, newTestCatalog(), tc.ev, []want{
				{"container.id", shortCID},
				{"container.full_id", fullCID},
				{"container.type", tc.typ},
				{"container.name", na},
				{"container.image", na},
				{"container.image.repository", na},
				{"container.image.tag", na},
				{"container.image.digest", na},
				{"container.privileged", na},
				{"container.mounts", na},
				{"container.mount[0]", na},
				{"container.mount.dest[/proc*]", na},
				{"container.labels", na},
				{"container.label.tier", na},
				{"container.start_ts", na},
				{"k8s.ns.name", na},
				{"k8s.pod.name", na},
				{"k8s.pod.labels", na},
				{"proc.vpid", 7},
				{"thread.vtid", 9},
			})
		})
	}
}

func TestContainerValuesPod(t *testing.T) {
	ev := podContainerEvent()
	check(t, newTestCatalog(), ev, []want{
		{"container.id", shortCID},
		{"container.full_id", fullCID},
		{"container.name", "coredns"},
		{"container.type", "containerd"},
		{"container.image", "registry.k8s.io/coredns/coredns:v1.11.1"},
		{"container.image.repository", "registry.k8s.io/coredns/coredns"},
		{"container.image.tag", "v1.11.1"},
		{"container.image.digest", "sha256:1eeb4c7316bacb1d4c8ead65571cd92dd21e27359f0d4917f1a5822a73b75db1"},
		{"container.privileged", true},
		{"container.mounts", "/var/lib/kubelet/pods/x/volumes/config:/etc/coredns:rbind,ro:false:rprivate,/proc:/host/proc:rbind:true:rslave"},
		{"container.mount[0]", "/var/lib/kubelet/pods/x/volumes/config:/etc/coredns:rbind,ro:false:rprivate"},
		{"container.mount[1]", "/proc:/host/proc:rbind:true:rslave"},
		{"container.mount[2]", na},
		{"container.mount[/proc]", "/proc:/host/proc:rbind:true:rslave"},
		{"container.mount[/var/lib/kubelet/*]", "/var/lib/kubelet/pods/x/volumes/config:/etc/coredns:rbind,ro:false:rprivate"},
		{"container.mount[/nope]", na},
		{"container.mount.dest[/proc*]", "/host/proc"},
		{"container.mount.dest[1]", "/host/proc"},
		{"container.mount.source[/etc/coredns]", "/var/lib/kubelet/pods/x/volumes/config"},
		{"container.mount.source[/host/*]", "/proc"},
		{"container.mount.source[/proc]", na}, // by destination
		{"container.mount.mode[0]", "rbind,ro"},
		{"container.mount.rdwr[0]", "false"},
		{"container.mount.rdwr[/proc]", "true"},
		{"container.mount.propagation[/proc]", "rslave"},
		{"container.labels", "empty, tier:control"},
		{"container.label.tier", "control"},
		{"container.label[io.kubernetes.pod.name]", "coredns-abc"},
		{"container.label.nope", na},
		{"container.start_ts", int(createdNs)},
		{"container.duration", int(uint64(evTime.UnixNano()) - createdNs)},
		{"k8s.ns.name", "kube-system"},
		{"k8s.pod.name", "coredns-abc"},
		{"k8s.pod.uid", podUID},
		{"k8s.pod.id", podUID},
		{"k8s.pod.labels", "k8s-app:kube-dns, pod-template-hash:5d78c9869d"},
		{"k8s.pod.label[k8s-app]", "kube-dns"},
		{"k8s.pod.label.k8s-app", "kube-dns"},
		{"k8s.pod.label.nope", na},
		{"k8s.rs.name", na},
		{"k8s.deployment.label.app", na},
		{"container.healthcheck", na},
		{"proc.is_container_healthcheck", na},
		{"proc.vpid", 1},
		{"thread.vtid", 1},
	})

	// A container described by the runtime outside Kubernetes.
	ev.Container.Pod = nil
	check(t, newTestCatalog(), ev, []want{
		{"k8s.ns.name", na},
		{"k8s.pod.name", na},
		{"k8s.pod.labels", ""},
		{"k8s.pod.label.app", na},
		{"container.name", "coredns"},
	})
}

func TestContainerNoProcess(t *testing.T) {
	c := newTestCatalog()
	ev := dropEvent()
	var cases []want
	for _, f := range c.Fields() {
		if f.Available && (f.Name == "proc.vpid" || f.Name == "thread.vtid" ||
			len(f.Name) > 10 && f.Name[:10] == "container." || len(f.Name) > 4 && f.Name[:4] == "k8s.") {
			name := f.Name
			if f.ArgRequired {
				name += "[0]"
			}
			cases = append(cases, want{name, na})
		}
	}
	if len(cases) < 30 {
		t.Fatalf("only %d container fields", len(cases))
	}
	check(t, c, ev, cases)
}

func TestShortContainerID(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{fullCID, shortCID},
		{"3AD7B26DED6D8E7B23DA7D48FE889434573036C27AE5A74837233DE441C3601E", "3AD7B26DED6D"},
		{"3ad7b26ded6d", "3ad7b26ded6d"},
		{"libpod-conmon", "libpod-conmon"},
		{fullCID[:63] + "x", fullCID[:63] + "x"},
		{fullCID + "0", fullCID + "0"},
		{"", ""},
	} {
		if got := shortContainerID(tc.in); got != tc.want {
			t.Errorf("shortContainerID(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// The container fields do not allocate once their caches are warm.
func TestContainerFieldsNoAllocs(t *testing.T) {
	c := newTestCatalog()
	evs := []*event.Event{hostEvent(), bareContainerEvent(), podContainerEvent()}
	for _, name := range []string{"container.id", "container.full_id", "container.name", "container.type",
		"container.image.repository", "container.privileged", "container.mounts", "container.mount[1]",
		"container.mount.dest[/proc*]", "container.labels", "container.label.tier", "container.start_ts",
		"container.duration", "k8s.ns.name", "k8s.pod.labels", "k8s.pod.label.k8s-app", "proc.vpid", "thread.vtid"} {
		f, arg, acc := bind(t, c, name)
		for _, ev := range evs {
			call := func() {
				switch f.KindFor(arg) {
				case KindString:
					acc.Str(ev)
				case KindUint, KindAbsTime, KindDuration:
					acc.Uint(ev)
				case KindBool:
					acc.Bool(ev)
				}
			}
			call() // fill the caches
			if n := testing.AllocsPerRun(100, call); n != 0 {
				t.Errorf("%s on %s: %v allocations per call", name, ev.Process.ContainerID, n)
			}
		}
	}
}
