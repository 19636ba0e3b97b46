package container

import (
	"strings"
	"testing"
)

const (
	hexA = "3f4b1a2c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a"
	hexB = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	uid  = "5d7f1c2e-8a9b-4c3d-9e8f-7a6b5c4d3e2f"
	uidU = "5d7f1c2e_8a9b_4c3d_9e8f_7a6b5c4d3e2f"
)

func TestParseCgroup(t *testing.T) {
	tests := []struct {
		name, path, id, runtime string
	}{
		// docker
		{"docker cgroupfs v1", "/docker/" + hexA, hexA, RuntimeDocker},
		{"docker systemd", "/system.slice/docker-" + hexA + ".scope", hexA, RuntimeDocker},
		{"docker systemd init.scope inside", "/system.slice/docker-" + hexA + ".scope/init.scope", hexA, RuntimeDocker},
		{"docker in docker innermost", "/docker/" + hexA + "/docker/" + hexB, hexB, RuntimeDocker},
		{"docker rootless", "/user.slice/user-1000.slice/user@1000.service/user.slice/docker-" + hexA + ".scope", hexA, RuntimeDocker},
		{"docker via cri-dockerd systemd", "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" + uidU + ".slice/docker-" + hexA + ".scope", hexA, RuntimeDocker},
		// containerd / CRI
		{"cri cgroupfs burstable", "/kubepods/burstable/pod" + uid + "/" + hexA, hexA, RuntimeContainerd},
		{"cri cgroupfs besteffort", "/kubepods/besteffort/pod" + uid + "/" + hexA, hexA, RuntimeContainerd},
		{"cri cgroupfs guaranteed", "/kubepods/pod" + uid + "/" + hexA, hexA, RuntimeContainerd},
		{"cri-containerd systemd", "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" + uidU + ".slice/cri-containerd-" + hexA + ".scope", hexA, RuntimeContainerd},
		{"cri-containerd systemd guaranteed", "/kubepods.slice/kubepods-pod" + uidU + ".slice/cri-containerd-" + hexA + ".scope", hexA, RuntimeContainerd},
		{"cri-containerd colon form", "/kubepods-burstable-pod" + uidU + ".slice:cri-containerd:" + hexA, hexA, RuntimeContainerd},
		{"kind node pod", "/system.slice/docker-" + hexB + ".scope/kubelet.slice/kubelet-kubepods.slice/kubelet-kubepods-besteffort.slice/kubelet-kubepods-besteffort-pod" + uidU + ".slice/cri-containerd-" + hexA + ".scope", hexA, RuntimeContainerd},
		{"nerdctl systemd", "/system.slice/nerdctl-" + hexA + ".scope", hexA, RuntimeContainerd},
		{"containerd ns cgroupfs", "/default/" + hexA, hexA, RuntimeRunc},
		// CRI-O
		{"crio systemd", "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" + uidU + ".slice/crio-" + hexA + ".scope", hexA, RuntimeCRIO},
		{"crio cgroupfs", "/kubepods/burstable/pod" + uid + "/crio-" + hexA, hexA, RuntimeCRIO},
		{"crio systemd container subcgroup", "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" + uidU + ".slice/crio-" + hexA + ".scope/container", hexA, RuntimeCRIO},
		// podman
		{"podman systemd", "/machine.slice/libpod-" + hexA + ".scope", hexA, RuntimePodman},
		{"podman systemd container subcgroup", "/machine.slice/libpod-" + hexA + ".scope/container", hexA, RuntimePodman},
		{"podman cgroupfs", "/libpod_parent/libpod-" + hexA, hexA, RuntimePodman},
		{"podman rootless", "/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-" + hexA + ".scope", hexA, RuntimePodman},
		{"podman pod slice", "/machine.slice/machine-libpod_pod_" + hexB + ".slice/libpod-" + hexA + ".scope", hexA, RuntimePodman},
		// runc
		{"runc systemd default", "/system.slice/runc-mycontainer.scope", "mycontainer", RuntimeRunc},
		{"runc systemd custom slice", "/runc.slice/runc-web_1.2-a.scope", "web_1.2-a", RuntimeRunc},
		{"generic scope 64hex", "/custom.slice/myrt-" + hexA + ".scope", hexA, RuntimeRunc},
		{"runc cgroupfs 64hex at root", "/" + hexA, hexA, RuntimeRunc},
		{"trailing slash", "/docker/" + hexA + "/", hexA, RuntimeDocker},
		{"no leading slash", "docker/" + hexA, hexA, RuntimeDocker},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id, rt, ok := ParseCgroup(tt.path)
			if !ok || id != tt.id || rt != tt.runtime {
				t.Errorf("ParseCgroup(%q) = %q, %q, %v; want %q, %q, true", tt.path, id, rt, ok, tt.id, tt.runtime)
			}
		})
	}
}

func TestParseCgroupNegative(t *testing.T) {
	for _, p := range []string{
		"", "/", "//",
		"/user.slice/user-1000.slice/session-3.scope",
		"/user.slice/user-1000.slice/user@1000.service/app.slice/app-gnome-firefox-1234.scope",
		"/init.scope",
		"/system.slice/docker.service",
		"/system.slice/containerd.service",
		"/system.slice/sshd.service",
		"/system.slice/run-r3b8c0e1f2a3b4c5d6e7f8a9b0c1d2e3f.scope",
		"/machine.slice/libpod-conmon-" + hexA + ".scope",
		"/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" + uidU + ".slice/crio-conmon-" + hexA + ".scope",
		"/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" + uidU + ".slice",
		"/kubepods/burstable/pod" + uid,
		"/docker/" + strings.ToUpper(hexA),
		"/docker/" + hexA[:63],
		"/docker/" + hexA + "0",
		"/docker/mycontainer",
		"/system.slice/docker-" + hexA[:12] + ".scope",
		"/system.slice/runc-.scope",
		"/system.slice/runc-a/b.scope",
		"/machine.slice/machine-qemu\\x2d1\\x2dvm.scope",
		"/lxc.payload.c1",
	} {
		if id, rt, ok := ParseCgroup(p); ok {
			t.Errorf("ParseCgroup(%q) = %q, %q, true; want no container", p, id, rt)
		}
	}
}

func TestParsePodUID(t *testing.T) {
	tests := []struct{ path, uid string }{
		{"/kubepods/burstable/pod" + uid + "/" + hexA, uid},
		{"/kubepods/pod" + uid + "/" + hexA, uid},
		{"/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" + uidU + ".slice/cri-containerd-" + hexA + ".scope", uid},
		{"/kubepods.slice/kubepods-pod" + uidU + ".slice/crio-" + hexA + ".scope", uid},
		{"/system.slice/docker-" + hexB + ".scope/kubelet.slice/kubelet-kubepods.slice/kubelet-kubepods-besteffort.slice/kubelet-kubepods-besteffort-pod" + uidU + ".slice/cri-containerd-" + hexA + ".scope", uid},
		{"/kubepods/besteffort/pod0123456789abcdef0123456789abcdef/" + hexA, "0123456789abcdef0123456789abcdef"}, // static pod
		{"/docker/" + hexA, ""},
		{"/kubepods/burstable", ""},
		{"/system.slice/pod" + uid, ""},
		{"/kubepods/burstable/podnotauid/" + hexA, ""},
	}
	for _, tt := range tests {
		got, ok := ParsePodUID(tt.path)
		if got != tt.uid || ok != (tt.uid != "") {
			t.Errorf("ParsePodUID(%q) = %q, %v; want %q", tt.path, got, ok, tt.uid)
		}
	}
}

func TestCgroupMatcher(t *testing.T) {
	m := NewCgroupMatcher([]CgroupPrefix{
		{Path: "/mycontainers/"},
		{Path: "jails.slice", Runtime: "jail"},
		{Path: ""},
	})
	tests := []struct{ path, id, runtime string }{
		{"/mycontainers/web-1", "web-1", RuntimeRunc},
		{"/mycontainers/web-1/sub", "web-1", RuntimeRunc},
		{"/jails.slice/jail-db.scope", "db", "jail"},
		{"/jails.slice/inner.slice/jail-db-2.scope", "db-2", "jail"},
		{"/jails.slice/x-" + hexA + ".scope", hexA, RuntimeRunc}, // a known layout wins
		{"/docker/" + hexA, hexA, RuntimeDocker},
		{"/mycontainersX/web-1", "", ""},
		{"/mycontainers", "", ""},
		{"/mycontainers/bad:id", "", ""},
		{"/user.slice/session-1.scope", "", ""},
	}
	for _, tt := range tests {
		id, rt, ok := m.Match(tt.path)
		if id != tt.id || rt != tt.runtime || ok != (tt.id != "") {
			t.Errorf("Match(%q) = %q, %q, %v; want %q, %q", tt.path, id, rt, ok, tt.id, tt.runtime)
		}
	}
	var nilM *CgroupMatcher
	if _, _, ok := nilM.Match("/mycontainers/web-1"); ok {
		t.Error("nil matcher matched a custom prefix")
	}
}

func TestParseCgroupNoAlloc(t *testing.T) {
	paths := []string{
		"/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" + uidU + ".slice/cri-containerd-" + hexA + ".scope",
		"/user.slice/user-1000.slice/session-3.scope",
	}
	n := testing.AllocsPerRun(100, func() {
		for _, p := range paths {
			ParseCgroup(p)
		}
	})
	if n != 0 {
		t.Errorf("ParseCgroup allocates %v times", n)
	}
}

func FuzzParseCgroup(f *testing.F) {
	for _, s := range []string{
		"/docker/" + hexA,
		"/system.slice/docker-" + hexA + ".scope",
		"/kubepods/burstable/pod" + uid + "/" + hexA,
		"/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" + uidU + ".slice/cri-containerd-" + hexA + ".scope",
		"/machine.slice/libpod-conmon-" + hexA + ".scope",
		"/system.slice/runc-x.scope",
		"/x:cri-containerd:" + hexA,
		"/user.slice/user-1000.slice/session-3.scope",
	} {
		f.Add(s)
	}
	m := NewCgroupMatcher([]CgroupPrefix{{Path: "/custom"}})
	f.Fuzz(func(t *testing.T, path string) {
		for _, match := range []func(string) (string, string, bool){ParseCgroup, m.Match} {
			id, rt, ok := match(path)
			if ok != (id != "") || ok != (rt != "") {
				t.Fatalf("%q: inconsistent result %q, %q, %v", path, id, rt, ok)
			}
			if ok && (!strings.Contains(path, id) || !validID(id)) {
				t.Fatalf("%q: id %q is not a valid substring", path, id)
			}
		}
		if u, ok := ParsePodUID(path); ok != (u != "") || strings.Contains(u, "/") {
			t.Fatalf("%q: bad pod uid %q, %v", path, u, ok)
		}
	})
}
