package container

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"
)

const hexC = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

func testSource() *OCISource {
	return NewOCISource(OCIOptions{FS: os.DirFS("testdata/root")})
}

func TestOCISourceContainerd(t *testing.T) {
	c, err := testSource().Fetch(context.Background(), hexA)
	if err != nil {
		t.Fatal(err)
	}
	if c.ID != hexA || c.Runtime != RuntimeContainerd || !c.MetadataKnown {
		t.Errorf("id/runtime/known = %q %q %v", c.ID, c.Runtime, c.MetadataKnown)
	}
	if c.Name != "web" || c.Image != "registry.example.com:5000/team/nginx:1.27" ||
		c.ImageRepository != "registry.example.com:5000/team/nginx" || c.ImageTag != "1.27" || c.ImageDigest != "" {
		t.Errorf("name/image = %q %q %q %q %q", c.Name, c.Image, c.ImageRepository, c.ImageTag, c.ImageDigest)
	}
	if c.Pod == nil || c.Pod.Name != "web-7d9c8b-xk2p4" || c.Pod.Namespace != "shop" || c.Pod.UID != uid {
		t.Errorf("pod = %+v", c.Pod)
	}
	if want := time.Date(2025, 3, 14, 9, 26, 53, 589793238, time.UTC); !c.Created.Equal(want) {
		t.Errorf("created = %v", c.Created)
	}
	if c.Privileged {
		t.Error("default caps container is privileged")
	}
	if len(c.Mounts) != 3 {
		t.Fatalf("mounts = %+v", c.Mounts)
	}
	if m := c.Mounts[1]; m.Dest != "/etc/config" || m.ReadWrite || m.Propagation != "rprivate" || m.Type != "bind" {
		t.Errorf("mount 1 = %+v", m)
	}
	if m := c.Mounts[2]; !m.ReadWrite || m.Propagation != "rslave" || m.Source != "/srv/data" {
		t.Errorf("mount 2 = %+v", m)
	}
	if c.Labels["io.kubernetes.cri.sandbox-namespace"] != "shop" {
		t.Errorf("labels = %v", c.Labels)
	}
}

func TestOCISourceDockerPrivileged(t *testing.T) {
	c, err := testSource().Fetch(context.Background(), hexB)
	if err != nil {
		t.Fatal(err)
	}
	if c.Runtime != RuntimeDocker || !c.Privileged || c.Name != "" || c.Pod != nil {
		t.Errorf("got %+v", c)
	}
}

func TestOCISourceCRIOFromStateLabels(t *testing.T) {
	c, err := testSource().Fetch(context.Background(), hexC)
	if err != nil {
		t.Fatal(err)
	}
	if c.Runtime != RuntimeCRIO || c.Name != "db" {
		t.Errorf("runtime/name = %q %q", c.Runtime, c.Name)
	}
	if c.ImageRepository != "quay.io/org/postgres" || c.ImageTag != "" || c.ImageDigest != "sha256:"+strings.Repeat("e", 64) {
		t.Errorf("image = %q %q %q", c.ImageRepository, c.ImageTag, c.ImageDigest)
	}
	if c.Pod == nil || c.Pod.Name != "db-0" || c.Pod.Namespace != "data" || c.Pod.UID != uid {
		t.Errorf("pod = %+v", c.Pod)
	}
	// no config.json: mounts from runc's state
	if len(c.Mounts) != 2 || c.Mounts[1].ReadWrite || c.Mounts[1].Propagation != "rprivate" || c.Mounts[0].Type != "proc" {
		t.Errorf("mounts = %+v", c.Mounts)
	}
}

func TestOCISourceCrun(t *testing.T) {
	c, err := testSource().Fetch(context.Background(), "podweb")
	if err != nil {
		t.Fatal(err)
	}
	if c.Runtime != RuntimePodman || c.Name != "web" || c.ImageRepository != "docker.io/library/nginx" || c.ImageTag != "latest" {
		t.Errorf("got %+v", c)
	}
	if want := time.Date(2025, 1, 2, 3, 4, 5, 6, time.UTC); !c.Created.Equal(want) {
		t.Errorf("created = %v", c.Created)
	}
}

func TestOCISourceErrors(t *testing.T) {
	s := testSource()
	ctx := context.Background()
	for _, id := range []string{"nosuch", "notacontainer", "../etc", "", "a/b"} {
		if _, err := s.Fetch(ctx, id); !errors.Is(err, ErrNotFound) {
			t.Errorf("Fetch(%q) = %v; want ErrNotFound", id, err)
		}
	}
	_, err := s.Fetch(ctx, "broken")
	if err == nil || errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "/run/runc/broken/state.json") {
		t.Errorf("Fetch(broken) = %v; want a parse error naming the file", err)
	}
}

func TestOCISourceList(t *testing.T) {
	list, err := testSource().List(context.Background())
	if err == nil || !strings.Contains(err.Error(), "broken/state.json") {
		t.Errorf("List error = %v; want the broken state", err)
	}
	got := map[string]string{}
	for _, c := range list {
		got[c.ID] = c.Runtime
	}
	want := map[string]string{hexA: RuntimeContainerd, hexB: RuntimeDocker, hexC: RuntimeCRIO, "podweb": RuntimePodman}
	if len(got) != len(want) {
		t.Errorf("List = %v; want %v", got, want)
	}
	for id, rt := range want {
		if got[id] != rt {
			t.Errorf("List[%s] = %q; want %q", id, got[id], rt)
		}
	}
}

func TestSplitImage(t *testing.T) {
	tests := []struct{ ref, repo, tag, digest string }{
		{"nginx", "nginx", "", ""},
		{"nginx:1.27", "nginx", "1.27", ""},
		{"docker.io/library/nginx:1.27", "docker.io/library/nginx", "1.27", ""},
		{"localhost:5000/app", "localhost:5000/app", "", ""},
		{"localhost:5000/app:v2", "localhost:5000/app", "v2", ""},
		{"registry:5000/team/app:1.2@sha256:abcd", "registry:5000/team/app", "1.2", "sha256:abcd"},
		{"quay.io/org/app@sha256:abcd", "quay.io/org/app", "", "sha256:abcd"},
		{"[::1]:5000/app:tag", "[::1]:5000/app", "tag", ""},
		{"", "", "", ""},
	}
	for _, tt := range tests {
		r, g, d := SplitImage(tt.ref)
		if r != tt.repo || g != tt.tag || d != tt.digest {
			t.Errorf("SplitImage(%q) = %q %q %q; want %q %q %q", tt.ref, r, g, d, tt.repo, tt.tag, tt.digest)
		}
	}
}

func TestPrivileged(t *testing.T) {
	all := capNames[:]
	if !Privileged(all, false) {
		t.Error("all caps not privileged")
	}
	if !Privileged(capNames[:privilegedCaps], false) {
		t.Error("caps up to CAP_AUDIT_READ not privileged")
	}
	if Privileged(capNames[:privilegedCaps-1], false) {
		t.Error("missing CAP_AUDIT_READ is privileged")
	}
	if !Privileged([]string{"sys_admin"}, true) {
		t.Error("CAP_SYS_ADMIN + all devices not privileged")
	}
	if Privileged([]string{"CAP_SYS_ADMIN"}, false) || Privileged(nil, true) {
		t.Error("partial privilege counted as privileged")
	}
}

func TestParseSpecDevices(t *testing.T) {
	sp, err := ParseSpec("x", []byte(`{"linux":{"resources":{"devices":[{"allow":false,"access":"rwm"},{"allow":true,"access":"rwm"}]}}}`))
	if err != nil || !sp.AllDevices {
		t.Errorf("allow-all: %+v, %v", sp, err)
	}
	sp, err = ParseSpec("x", []byte(`{"linux":{"resources":{"devices":[{"allow":true,"access":"rwm"},{"allow":false,"access":"rwm"},{"allow":true,"type":"c","major":1,"minor":3,"access":"rw"}]}}}`))
	if err != nil || sp.AllDevices {
		t.Errorf("deny-all: %+v, %v", sp, err)
	}
	if _, err := ParseSpec("/b/config.json", []byte(`{"annotations": 3}`)); err == nil || !strings.Contains(err.Error(), "/b/config.json") {
		t.Errorf("bad spec error = %v", err)
	}
}

func FuzzParseRuncState(f *testing.F) {
	data, err := os.ReadFile("testdata/root/run/runc/" + hexC + "/state.json")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(data)
	f.Add([]byte(`{"id":"x","config":{"labels":["bundle=/b","a"]}}`))
	f.Add([]byte(`{"pid":1,"created":"2025-01-01T00:00:00Z","bundle":"/b"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		if st, err := ParseRuncState("s", data); err == nil {
			Describe(st, nil)
		}
		if st, err := ParseCrunStatus("s", "x", data); err == nil {
			Describe(st, nil)
		}
		if sp, err := ParseSpec("c", data); err == nil {
			Describe(&State{ID: "x"}, sp)
		}
	})
}
