package container

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/vigil-sec/vigil/internal/event"
)

// fakeCRI serves the parts of the CRI a CRISource calls, from maps.
type fakeCRI struct {
	runtimeapi.UnimplementedRuntimeServiceServer
	runtimeapi.UnimplementedImageServiceServer

	name       string
	containers map[string]*runtimeapi.ContainerStatus
	infos      map[string]map[string]string
	sandboxOf  map[string]string // for ListContainers
	sandboxes  map[string]*runtimeapi.PodSandboxStatus
	images     map[string]*runtimeapi.Image
	fail       error // returned by every call when set

	mu    sync.Mutex
	calls []string
}

func (f *fakeCRI) record(c string) error {
	f.mu.Lock()
	f.calls = append(f.calls, c)
	f.mu.Unlock()
	return f.fail
}

func (f *fakeCRI) Version(context.Context, *runtimeapi.VersionRequest) (*runtimeapi.VersionResponse, error) {
	if err := f.record("Version"); err != nil {
		return nil, err
	}
	return &runtimeapi.VersionResponse{RuntimeName: f.name, RuntimeVersion: "v9.9.9"}, nil
}

func (f *fakeCRI) ContainerStatus(_ context.Context, r *runtimeapi.ContainerStatusRequest) (*runtimeapi.ContainerStatusResponse, error) {
	if err := f.record("ContainerStatus"); err != nil {
		return nil, err
	}
	st, ok := f.containers[r.ContainerId]
	if !ok {
		return nil, status.Errorf(codes.NotFound, "container %q: not found", r.ContainerId)
	}
	resp := &runtimeapi.ContainerStatusResponse{Status: st}
	if r.Verbose {
		resp.Info = f.infos[r.ContainerId]
	}
	return resp, nil
}

func (f *fakeCRI) ListContainers(_ context.Context, r *runtimeapi.ListContainersRequest) (*runtimeapi.ListContainersResponse, error) {
	if err := f.record("ListContainers"); err != nil {
		return nil, err
	}
	var out []*runtimeapi.Container
	for id := range f.containers {
		if r.GetFilter().GetId() != "" && r.GetFilter().GetId() != id {
			continue
		}
		out = append(out, &runtimeapi.Container{Id: id, PodSandboxId: f.sandboxOf[id]})
	}
	return &runtimeapi.ListContainersResponse{Containers: out}, nil
}

func (f *fakeCRI) PodSandboxStatus(_ context.Context, r *runtimeapi.PodSandboxStatusRequest) (*runtimeapi.PodSandboxStatusResponse, error) {
	if err := f.record("PodSandboxStatus"); err != nil {
		return nil, err
	}
	st, ok := f.sandboxes[r.PodSandboxId]
	if !ok {
		return nil, status.Errorf(codes.NotFound, "sandbox %q: not found", r.PodSandboxId)
	}
	return &runtimeapi.PodSandboxStatusResponse{Status: st}, nil
}

func (f *fakeCRI) ImageStatus(_ context.Context, r *runtimeapi.ImageStatusRequest) (*runtimeapi.ImageStatusResponse, error) {
	if err := f.record("ImageStatus"); err != nil {
		return nil, err
	}
	return &runtimeapi.ImageStatusResponse{Image: f.images[r.GetImage().GetImage()]}, nil
}

// serveCRI serves f on a unix socket in a temporary directory.
func serveCRI(t *testing.T, f *fakeCRI) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "cri") // t.TempDir paths can exceed the 108-byte socket limit
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	sock := filepath.Join(dir, "cri.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer()
	runtimeapi.RegisterRuntimeServiceServer(srv, f)
	runtimeapi.RegisterImageServiceServer(srv, f)
	go srv.Serve(l)
	t.Cleanup(srv.Stop)
	return sock
}

const (
	criCtr  = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	criPod  = "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"
	criCtr2 = "1111111111111111111111111111111111111111111111111111111111111111"
)

const privilegedSpec = `{"annotations":{"io.kubernetes.cri.image-name":"registry.local:5000/team/app:1.2"},
 "process":{"capabilities":{"bounding":["CAP_CHOWN","CAP_DAC_OVERRIDE","CAP_DAC_READ_SEARCH","CAP_FOWNER","CAP_FSETID","CAP_KILL","CAP_SETGID","CAP_SETUID","CAP_SETPCAP","CAP_LINUX_IMMUTABLE","CAP_NET_BIND_SERVICE","CAP_NET_BROADCAST","CAP_NET_ADMIN","CAP_NET_RAW","CAP_IPC_LOCK","CAP_IPC_OWNER","CAP_SYS_MODULE","CAP_SYS_RAWIO","CAP_SYS_CHROOT","CAP_SYS_PTRACE","CAP_SYS_PACCT","CAP_SYS_ADMIN","CAP_SYS_BOOT","CAP_SYS_NICE","CAP_SYS_RESOURCE","CAP_SYS_TIME","CAP_SYS_TTY_CONFIG","CAP_MKNOD","CAP_LEASE","CAP_AUDIT_WRITE","CAP_AUDIT_CONTROL","CAP_SETFCAP","CAP_MAC_OVERRIDE","CAP_MAC_ADMIN","CAP_SYSLOG","CAP_WAKE_ALARM","CAP_BLOCK_SUSPEND","CAP_AUDIT_READ"]}},
 "mounts":[{"destination":"/proc","type":"proc","source":"proc"}]}`

func newFakeCRI() *fakeCRI {
	created := time.Date(2026, 11, 24, 1, 2, 3, 0, time.UTC).UnixNano()
	return &fakeCRI{
		name: "containerd",
		containers: map[string]*runtimeapi.ContainerStatus{
			criCtr: {
				Id:        criCtr,
				Metadata:  &runtimeapi.ContainerMetadata{Name: "web"},
				CreatedAt: created,
				Image:     &runtimeapi.ImageSpec{Image: "sha256:aaaa", UserSpecifiedImage: "nginx:1.27"},
				ImageRef:  "docker.io/library/nginx@sha256:bbbb",
				Labels: map[string]string{
					"io.kubernetes.pod.name":       "web-0",
					"io.kubernetes.pod.namespace":  "prod",
					"io.kubernetes.pod.uid":        "1b4e28ba-2fa1-11d2-883f-0016d3cca427",
					"io.kubernetes.container.name": "web",
				},
				Mounts: []*runtimeapi.Mount{
					{ContainerPath: "/data", HostPath: "/srv/data", Readonly: true},
					{ContainerPath: "/host", HostPath: "/", Propagation: runtimeapi.MountPropagation_PROPAGATION_BIDIRECTIONAL},
				},
			},
			// Known only by image id; no user-specified image, no mounts:
			// the image comes from ImageStatus, the mounts from the spec.
			criCtr2: {
				Id:       criCtr2,
				Metadata: &runtimeapi.ContainerMetadata{Name: "sidecar"},
				Image:    &runtimeapi.ImageSpec{Image: "sha256:cccc"},
				ImageRef: "sha256:cccc",
			},
		},
		infos: map[string]map[string]string{
			criCtr:  {"info": `{"sandboxID":"` + criPod + `","pid":42,"runtimeSpec":` + privilegedSpec + `}`},
			criCtr2: {"info": `{"pid":43,"runtimeSpec":{"mounts":[{"destination":"/proc","type":"proc","source":"proc","options":["nosuid"]}]}}`},
		},
		sandboxOf: map[string]string{criCtr2: criPod},
		sandboxes: map[string]*runtimeapi.PodSandboxStatus{
			criPod: {
				Id:        criPod,
				Metadata:  &runtimeapi.PodSandboxMetadata{Name: "web-0", Namespace: "prod", Uid: "1b4e28ba-2fa1-11d2-883f-0016d3cca427"},
				CreatedAt: created,
				Labels:    map[string]string{"app": "web", "tier": "front"},
			},
		},
		images: map[string]*runtimeapi.Image{
			"sha256:cccc": {Id: "sha256:cccc", RepoTags: []string{"quay.io/acme/sidecar:3"}, RepoDigests: []string{"quay.io/acme/sidecar@sha256:dddd"}},
		},
	}
}

func TestCRISourceFetch(t *testing.T) {
	f := newFakeCRI()
	s, err := NewCRISource(CRIOptions{Socket: serveCRI(t, f)})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()

	c, err := s.Fetch(ctx, criCtr)
	if err != nil {
		t.Fatal(err)
	}
	want := &event.Container{
		ID: criCtr, Runtime: RuntimeContainerd, Name: "web",
		Image: "nginx:1.27", ImageRepository: "nginx", ImageTag: "1.27", ImageDigest: "sha256:bbbb",
		Labels: f.containers[criCtr].Labels, Privileged: true,
		Mounts: []event.Mount{
			{Source: "/srv/data", Dest: "/data", Type: "bind", Propagation: "rprivate"},
			{Source: "/", Dest: "/host", Type: "bind", ReadWrite: true, Propagation: "rshared"},
		},
		Created: time.Date(2026, 11, 24, 1, 2, 3, 0, time.UTC),
		Pod: &event.Pod{Name: "web-0", Namespace: "prod", UID: "1b4e28ba-2fa1-11d2-883f-0016d3cca427",
			Labels: map[string]string{"app": "web", "tier": "front"}},
		MetadataKnown: true,
	}
	if d := diffContainer(want, c); d != "" {
		t.Errorf("Fetch(%s): %s", criCtr, d)
	}

	c, err = s.Fetch(ctx, criCtr2)
	if err != nil {
		t.Fatal(err)
	}
	want = &event.Container{
		ID: criCtr2, Runtime: RuntimeContainerd, Name: "sidecar",
		Image: "quay.io/acme/sidecar:3", ImageRepository: "quay.io/acme/sidecar", ImageTag: "3", ImageDigest: "sha256:dddd",
		Mounts:        []event.Mount{{Source: "proc", Dest: "/proc", Type: "proc", Options: []string{"nosuid"}, ReadWrite: true}},
		Pod:           &event.Pod{Name: "web-0", Namespace: "prod", UID: "1b4e28ba-2fa1-11d2-883f-0016d3cca427", Labels: map[string]string{"app": "web", "tier": "front"}},
		MetadataKnown: true,
	}
	if d := diffContainer(want, c); d != "" {
		t.Errorf("Fetch(%s) (sandbox by ListContainers, image by ImageStatus): %s", criCtr2, d)
	}

	// A sandbox id describes the pod's infrastructure container.
	c, err = s.Fetch(ctx, criPod)
	if err != nil {
		t.Fatal(err)
	}
	if c.Name != "web-0" || c.Pod == nil || c.Pod.Labels["app"] != "web" || c.Runtime != RuntimeContainerd {
		t.Errorf("Fetch(sandbox) = %+v", c)
	}

	// Unknown ids are ErrNotFound; invalid ones never reach the server.
	if _, err := s.Fetch(ctx, strings.Repeat("9", 64)); !errors.Is(err, ErrNotFound) {
		t.Errorf("Fetch(unknown) err = %v, want ErrNotFound", err)
	}
	n := len(f.calls)
	if _, err := s.Fetch(ctx, "../etc"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Fetch(invalid) err = %v, want ErrNotFound", err)
	}
	if len(f.calls) != n {
		t.Errorf("Fetch(invalid) made calls %v", f.calls[n:])
	}

	// The runtime's name is asked once.
	versions := 0
	for _, c := range f.calls {
		if c == "Version" {
			versions++
		}
	}
	if versions != 1 {
		t.Errorf("Version called %d times, want 1", versions)
	}
}

func TestCRISourceList(t *testing.T) {
	f := newFakeCRI()
	f.name = "cri-o"
	s, err := NewCRISource(CRIOptions{Socket: serveCRI(t, f)})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	l, err := s.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, c := range l {
		got[c.ID] = c.Name + "/" + c.Runtime
	}
	want := map[string]string{criCtr: "web/cri-o", criCtr2: "sidecar/cri-o"}
	if len(got) != len(want) || got[criCtr] != want[criCtr] || got[criCtr2] != want[criCtr2] {
		t.Errorf("List = %v, want %v", got, want)
	}
}

func TestCRISourceErrors(t *testing.T) {
	f := newFakeCRI()
	f.fail = status.Error(codes.PermissionDenied, "go away")
	sock := serveCRI(t, f)
	s, err := NewCRISource(CRIOptions{Socket: sock, Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	_, err = s.Fetch(context.Background(), criCtr)
	if err == nil || errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), sock) || !strings.Contains(err.Error(), "go away") {
		t.Errorf("Fetch with a failing server: err = %v, want the socket and the server's message, not ErrNotFound", err)
	}
	if _, err := s.List(context.Background()); err == nil || !strings.Contains(err.Error(), "ListContainers") {
		t.Errorf("List with a failing server: err = %v", err)
	}
	if _, err := NewCRISource(CRIOptions{}); err == nil {
		t.Error("NewCRISource without a socket: no error")
	}
}

func TestDetectCRI(t *testing.T) {
	ctx := context.Background()
	f := newFakeCRI()
	rt, v, err := DetectCRI(ctx, serveCRI(t, f))
	if err != nil || rt != RuntimeContainerd || v != "v9.9.9" {
		t.Errorf("DetectCRI(serving) = %q, %q, %v", rt, v, err)
	}
	if rt, _, err := DetectCRI(ctx, filepath.Join(t.TempDir(), "absent.sock")); rt != "" || err != nil {
		t.Errorf("DetectCRI(absent) = %q, %v; want nothing, no error", rt, err)
	}
	file := filepath.Join(t.TempDir(), "file")
	os.WriteFile(file, nil, 0o600)
	if _, _, err := DetectCRI(ctx, file); err == nil || !strings.Contains(err.Error(), "not a socket") {
		t.Errorf("DetectCRI(regular file) err = %v", err)
	}
	// A socket nobody serves: a clear error, quickly.
	dir, _ := os.MkdirTemp("", "cri")
	defer os.RemoveAll(dir)
	stale := filepath.Join(dir, "stale.sock")
	l, err := net.Listen("unix", stale)
	if err != nil {
		t.Fatal(err)
	}
	l.(*net.UnixListener).SetUnlinkOnClose(false)
	l.Close()
	if rt, _, err := DetectCRI(ctx, stale); rt != "" || err == nil {
		t.Errorf("DetectCRI(stale socket) = %q, %v; want an error", rt, err)
	}
}

func TestDescribeCRIBadInfo(t *testing.T) {
	st := &runtimeapi.ContainerStatus{Id: criCtr, Metadata: &runtimeapi.ContainerMetadata{Name: "x"},
		Image: &runtimeapi.ImageSpec{Image: "busybox"}}
	for _, info := range []map[string]string{
		nil,
		{"info": "{"},
		{"info": `{"runtimeSpec":"not an object"}`},
		{"info": `{"runtimeSpec":null,"privileged":true}`},
	} {
		c, sb := DescribeCRI(st, info)
		if c.Name != "x" || c.Image != "busybox" || sb != "" {
			t.Errorf("DescribeCRI(info %q) = %+v, %q", info, c, sb)
		}
	}
	c, _ := DescribeCRI(st, map[string]string{"info": `{"privileged":true}`})
	if !c.Privileged {
		t.Error(`DescribeCRI: CRI-O's "privileged":true not honoured`)
	}
}

func FuzzDescribeCRI(f *testing.F) {
	f.Add(`{"sandboxID":"x","runtimeSpec":` + privilegedSpec + `}`)
	f.Add(`{"privileged":true}`)
	f.Add(`{"runtimeSpec":{"mounts":[{}],"linux":{"resources":{"devices":[{"allow":true}]}}}}`)
	f.Fuzz(func(t *testing.T, info string) {
		st := &runtimeapi.ContainerStatus{Id: criCtr, Image: &runtimeapi.ImageSpec{Image: "sha256:1"}}
		c, _ := DescribeCRI(st, map[string]string{"info": info})
		if c == nil || !c.MetadataKnown {
			t.Fatal("DescribeCRI returned no metadata")
		}
	})
}

// diffContainer describes how got differs from want ("" when equal).
func diffContainer(want, got *event.Container) string {
	if reflect.DeepEqual(want, got) {
		return ""
	}
	w, _ := json.MarshalIndent(want, "", " ")
	g, _ := json.MarshalIndent(got, "", " ")
	return fmt.Sprintf("got\n%s\nwant\n%s", g, w)
}

func TestDetectSources(t *testing.T) {
	f := newFakeCRI()
	sock := serveCRI(t, f)
	link := filepath.Join(filepath.Dir(sock), "link.sock")
	if err := os.Symlink(sock, link); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	absent := filepath.Join(dir, "absent.sock")
	d := DetectSources(context.Background(), DetectOptions{
		CRISockets:   []string{absent, sock, link},
		DockerSocket: filepath.Join(dir, "docker.sock"),
		OCI: OCIOptions{
			FS:         fstest.MapFS{"run/runc/.keep": {}},
			StateRoots: []string{"/run/runc", "/run/crun"},
		},
	})
	defer d.Close()
	type ep struct {
		kind, addr string
		avail      bool
		rt         string
	}
	var got []ep
	for _, e := range d.Endpoints {
		got = append(got, ep{e.Kind, e.Address, e.Available, e.Runtime})
		if e.Err != nil {
			t.Errorf("endpoint %s %s: unexpected error %v", e.Kind, e.Address, e.Err)
		}
	}
	want := []ep{
		{KindCRI, absent, false, ""},
		{KindCRI, sock, true, RuntimeContainerd},
		{KindCRI, link, false, RuntimeContainerd}, // the same server: used once
		{KindDocker, filepath.Join(dir, "docker.sock"), false, RuntimeDocker},
		{KindOCIState, "/run/runc", true, ""},
		{KindOCIState, "/run/crun", false, ""},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("endpoints:\n got %v\nwant %v", got, want)
	}
	c, err := d.Source.Fetch(context.Background(), criCtr)
	if err != nil || c.Name != "web" || c.Pod == nil || c.Pod.Labels["app"] != "web" {
		t.Errorf("Fetch through the detected sources = %+v, %v", c, err)
	}
}
