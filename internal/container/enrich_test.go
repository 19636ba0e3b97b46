package container

import (
	"context"
	"testing"
	"time"

	"github.com/vigil-sec/vigil/internal/event"
)

func TestEnricher(t *testing.T) {
	cache := NewCache(CacheOptions{Source: testSource(), MaxWait: 5 * time.Second})
	if err := cache.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer cache.Close()
	e := NewEnricher(EnricherOptions{Cache: cache, HostMntNS: 4026531841, HostPidNS: 4026531836,
		CgroupPrefixes: []CgroupPrefix{{Path: "/jails"}}})

	tests := []struct {
		name            string
		p               event.Process
		id, runtime     string
		known           bool
		podName, podUID string
	}{
		{name: "host", p: event.Process{CgroupPath: "/user.slice/user-1000.slice/session-3.scope", MntNS: 4026531841, PidNS: 4026531836}},
		{name: "host sandboxed service (own mnt ns)", p: event.Process{CgroupPath: "/system.slice/systemd-resolved.service", MntNS: 4026532200, PidNS: 4026531836}},
		{name: "host no info", p: event.Process{}},
		{name: "containerd v2", p: event.Process{CgroupPath: "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" + uidU + ".slice/cri-containerd-" + hexA + ".scope"},
			id: hexA, runtime: RuntimeContainerd, known: true, podName: "web-7d9c8b-xk2p4", podUID: uid},
		{name: "docker v1 only", p: event.Process{CgroupPath: "/", CgroupV1Path: "/docker/" + hexB},
			id: hexB, runtime: RuntimeDocker, known: true},
		{name: "cri-o, cgroup says cri-o", p: event.Process{CgroupPath: "/kubepods/burstable/pod" + uid + "/crio-" + hexC},
			id: hexC, runtime: RuntimeCRIO, known: true, podName: "db-0", podUID: uid},
		{name: "unknown to the source", p: event.Process{CgroupPath: "/machine.slice/libpod-" + hexB[:60] + "beef.scope"},
			id: hexB[:60] + "beef", runtime: RuntimePodman},
		{name: "custom prefix", p: event.Process{CgroupPath: "/jails/j1"}, id: "j1", runtime: RuntimeRunc},
		{name: "namespace fallback", p: event.Process{CgroupPath: "/user.slice", MntNS: 4026532999, PidNS: 4026532998},
			id: "mntns-4026532999", runtime: RuntimeUnknown},
		{name: "pid ns only", p: event.Process{PidNS: 4026532998}, id: "pidns-4026532998", runtime: RuntimeUnknown},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := &event.Event{Process: tt.p}
			ev.Process.ContainerID = "stale"
			e.Apply(ev)
			if ev.Process.ContainerID != tt.id {
				t.Errorf("ContainerID = %q; want %q", ev.Process.ContainerID, tt.id)
			}
			if tt.id == "" {
				if ev.Container != nil {
					t.Errorf("Container = %+v; want nil", ev.Container)
				}
				return
			}
			c := ev.Container
			if c == nil || c.ID != tt.id || c.Runtime != tt.runtime || c.MetadataKnown != tt.known {
				t.Fatalf("Container = %+v; want id %q runtime %q known %v", c, tt.id, tt.runtime, tt.known)
			}
			var name, u string
			if c.Pod != nil {
				name, u = c.Pod.Name, c.Pod.UID
			}
			if name != tt.podName || u != tt.podUID {
				t.Errorf("pod = %q %q; want %q %q", name, u, tt.podName, tt.podUID)
			}
		})
	}
}

func TestEnricherNoAllocKnown(t *testing.T) {
	e := NewEnricher(EnricherOptions{HostMntNS: 1, HostPidNS: 2})
	evs := []*event.Event{
		{Process: event.Process{CgroupPath: "/system.slice/docker-" + hexA + ".scope"}},
		{Process: event.Process{CgroupPath: "/user.slice/user-1000.slice/session-3.scope", MntNS: 1, PidNS: 2}},
		{Process: event.Process{MntNS: 7, PidNS: 8}},
	}
	for _, ev := range evs {
		e.Apply(ev) // learn
	}
	n := testing.AllocsPerRun(100, func() {
		for _, ev := range evs {
			e.Apply(ev)
		}
	})
	if n != 0 {
		t.Errorf("Apply allocates %v times for known paths", n)
	}
}

func TestEnricherPathMemoBounded(t *testing.T) {
	e := NewEnricher(EnricherOptions{MaxCgroupPaths: 4})
	for i := range 20 {
		ev := &event.Event{Process: event.Process{CgroupPath: "/user.slice/session-" + string(rune('a'+i)) + ".scope"}}
		e.Apply(ev)
		if len(e.paths) > 4 {
			t.Fatalf("memo holds %d paths", len(e.paths))
		}
	}
}

func BenchmarkEnrich(b *testing.B) {
	host := &event.Event{Process: event.Process{
		CgroupPath: "/user.slice/user-1000.slice/session-3.scope", MntNS: 4026531841, PidNS: 4026531836,
	}}
	ctr := &event.Event{Process: event.Process{
		CgroupPath: "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" + uidU + ".slice/cri-containerd-" + hexA + ".scope",
		MntNS:      4026532999, PidNS: 4026532998,
	}}
	for _, bc := range []struct {
		name string
		ev   *event.Event
	}{{"host", host}, {"container", ctr}} {
		b.Run(bc.name, func(b *testing.B) {
			cache := NewCache(CacheOptions{Source: testSource(), MaxWait: time.Second})
			if err := cache.Start(context.Background()); err != nil {
				b.Fatal(err)
			}
			defer cache.Close()
			e := NewEnricher(EnricherOptions{Cache: cache, HostMntNS: 4026531841, HostPidNS: 4026531836})
			e.Apply(bc.ev)
			b.ReportAllocs()
			for b.Loop() {
				e.Apply(bc.ev)
			}
		})
	}
}
