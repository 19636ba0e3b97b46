package container

import (
	"context"
	"errors"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

const (
	hexGone      = "dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd"
	nginxImageID = "sha256:4cad75abc83d5ca6ee22053d85850676eaef657ee9d723d7bef61179e1e1e485"
)

// serveUnix serves h on a unix socket in a temporary directory and returns
// the socket's path.
func serveUnix(t *testing.T, h http.Handler) string {
	t.Helper()
	sock := filepath.Join(t.TempDir(), "d.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Skipf("unix sockets unavailable: %v", err)
	}
	srv := &http.Server{Handler: h}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(l)
	}()
	t.Cleanup(func() {
		_ = srv.Close()
		<-done
	})
	return sock
}

// fakeDocker is a Docker Engine API serving the testdata/docker documents.
type fakeDocker struct {
	imageGets atomic.Int32
	// inspect overrides the answer for some ids: a status and a body.
	inspect map[string]func(w http.ResponseWriter, r *http.Request)
}

func testdataFile(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "docker", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func (f *fakeDocker) handler(t *testing.T) http.Handler {
	files := map[string][]byte{
		hexB: testdataFile(t, "inspect_web.json"),
		hexA: testdataFile(t, "inspect_k8s.json"),
	}
	list := testdataFile(t, "containers.json")
	image := testdataFile(t, "image_nginx.json")
	notFound := func(w http.ResponseWriter, what string) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte(`{"message":"No such ` + what + `"}`))
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /_ping", func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte("OK"))
	})
	mux.HandleFunc("GET /containers/json", func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write(list)
	})
	mux.HandleFunc("GET /containers/{id}/json", func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("id")
		if h, ok := f.inspect[id]; ok {
			h(w, r)
			return
		}
		b, ok := files[id]
		if !ok {
			notFound(w, "container: "+id)
			return
		}
		_, _ = w.Write(b)
	})
	mux.HandleFunc("GET /images/{id}/json", func(w http.ResponseWriter, r *http.Request) {
		f.imageGets.Add(1)
		if r.PathValue("id") != nginxImageID {
			notFound(w, "image: "+r.PathValue("id"))
			return
		}
		_, _ = w.Write(image)
	})
	return mux
}

func newFakeDocker(t *testing.T, opts DockerOptions) (*DockerSource, *fakeDocker) {
	t.Helper()
	f := &fakeDocker{inspect: map[string]func(http.ResponseWriter, *http.Request){}}
	opts.Socket = serveUnix(t, f.handler(t))
	s := NewDockerSource(opts)
	t.Cleanup(s.CloseIdleConnections)
	return s, f
}

func TestDockerFetch(t *testing.T) {
	s, f := newFakeDocker(t, DockerOptions{})
	c, err := s.Fetch(context.Background(), hexB)
	if err != nil {
		t.Fatal(err)
	}
	if c.ID != hexB || c.Runtime != RuntimeDocker || !c.MetadataKnown || c.Name != "web" {
		t.Errorf("id/runtime/known/name = %q %q %v %q", c.ID, c.Runtime, c.MetadataKnown, c.Name)
	}
	if c.Image != "nginx:1.27" || c.ImageRepository != "nginx" || c.ImageTag != "1.27" ||
		c.ImageDigest != "sha256:124b44bfc9ccd1f3cedf4b592d4d1e8bddb78b51ec2ed5056c52d3692baebc19" {
		t.Errorf("image = %q %q %q %q", c.Image, c.ImageRepository, c.ImageTag, c.ImageDigest)
	}
	if n := f.imageGets.Load(); n != 1 {
		t.Errorf("image lookups = %d", n)
	}
	if want := time.Date(2025, 3, 14, 9, 26, 53, 589793238, time.UTC); !c.Created.Equal(want) {
		t.Errorf("created = %v", c.Created)
	}
	if c.Privileged || c.Pod != nil {
		t.Errorf("privileged/pod = %v %+v", c.Privileged, c.Pod)
	}
	if c.Labels["com.docker.compose.service"] != "web" || len(c.Labels) != 3 {
		t.Errorf("labels = %v", c.Labels)
	}
	if len(c.Mounts) != 2 {
		t.Fatalf("mounts = %+v", c.Mounts)
	}
	if m := c.Mounts[0]; m.Source != "/srv/site" || m.Dest != "/usr/share/nginx/html" || m.Type != "bind" ||
		m.ReadWrite || m.Propagation != "rprivate" || len(m.Options) != 1 || m.Options[0] != "ro" {
		t.Errorf("mount 0 = %+v", m)
	}
	if m := c.Mounts[1]; m.Type != "volume" || !m.ReadWrite || m.Propagation != "" || m.Dest != "/var/cache/nginx" {
		t.Errorf("mount 1 = %+v", m)
	}
}

func TestDockerFetchNoImageLookup(t *testing.T) {
	s, f := newFakeDocker(t, DockerOptions{NoImageLookup: true})
	c, err := s.Fetch(context.Background(), hexB)
	if err != nil {
		t.Fatal(err)
	}
	if c.ImageDigest != "" || f.imageGets.Load() != 0 {
		t.Errorf("digest %q after %d image lookups", c.ImageDigest, f.imageGets.Load())
	}
}

func TestDockerFetchImageLookupFails(t *testing.T) {
	s, f := newFakeDocker(t, DockerOptions{})
	f.inspect[hexC] = func(w http.ResponseWriter, r *http.Request) {
		b := strings.Replace(string(testdataFile(t, "inspect_web.json")), nginxImageID, "sha256:"+strings.Repeat("9", 64), 1)
		_, _ = w.Write([]byte(b))
	}
	c, err := s.Fetch(context.Background(), hexC)
	if err != nil {
		t.Fatal(err)
	}
	if c.ImageDigest != "" || c.ImageTag != "1.27" {
		t.Errorf("image digest/tag = %q %q", c.ImageDigest, c.ImageTag)
	}
}

func TestDockerFetchKubernetes(t *testing.T) {
	s, f := newFakeDocker(t, DockerOptions{})
	c, err := s.Fetch(context.Background(), hexA)
	if err != nil {
		t.Fatal(err)
	}
	if c.Name != "cache" {
		t.Errorf("name = %q", c.Name)
	}
	if c.Pod == nil || c.Pod.Name != "cache-0" || c.Pod.Namespace != "data" || c.Pod.UID != uid {
		t.Errorf("pod = %+v", c.Pod)
	}
	if !c.Privileged {
		t.Error("--cap-add ALL is not privileged")
	}
	if c.ImageRepository != "registry.example.com:5000/data/redis" || c.ImageTag != "" ||
		c.ImageDigest != "sha256:"+strings.Repeat("1", 64) {
		t.Errorf("image = %q %q %q", c.ImageRepository, c.ImageTag, c.ImageDigest)
	}
	if f.imageGets.Load() != 0 {
		t.Error("image looked up although the reference has a digest")
	}
	if want := time.Date(2025, 3, 14, 9, 30, 0, 0, time.UTC); !c.Created.Equal(want) {
		t.Errorf("created = %v", c.Created)
	}
}

func TestDockerFetchNotFound(t *testing.T) {
	s, _ := newFakeDocker(t, DockerOptions{})
	_, err := s.Fetch(context.Background(), hexGone)
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("err = %v", err)
	}
	for _, want := range []string{s.Socket(), "/containers/" + hexGone + "/json", "No such container"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if _, err := s.Fetch(context.Background(), "../../_ping"); !errors.Is(err, ErrNotFound) {
		t.Errorf("invalid id: err = %v", err)
	}
}

func TestDockerFetchErrors(t *testing.T) {
	s, f := newFakeDocker(t, DockerOptions{})
	f.inspect["malformed"] = func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`{"Id": "abc", "Config": {`))
	}
	f.inspect["wrongtype"] = func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`{"Id": "abc", "Mounts": {"a": 1}}`))
	}
	f.inspect["noid"] = func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`{"Name": "/x"}`))
	}
	f.inspect["badtime"] = func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`{"Id": "abc", "Created": "yesterday"}`))
	}
	f.inspect["oversized"] = func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`{"Id": "abc", "Name": "` + strings.Repeat("x", DefaultDockerMaxResponseBytes) + `"}`))
	}
	f.inspect["broken"] = func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = w.Write([]byte(`{"message":"daemon on fire"}`))
	}
	for id, want := range map[string]string{
		"malformed": "parse response",
		"wrongtype": "parse docker inspect",
		"noid":      "no container id",
		"badtime":   "created",
		"oversized": "larger than",
		"broken":    "status 500: daemon on fire",
	} {
		_, err := s.Fetch(context.Background(), id)
		if err == nil || errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), want) ||
			!strings.Contains(err.Error(), s.Socket()) {
			t.Errorf("%s: err = %v, want one naming the socket and %q", id, err, want)
		}
	}
}

func TestDockerTimeout(t *testing.T) {
	s, f := newFakeDocker(t, DockerOptions{Timeout: 50 * time.Millisecond})
	f.inspect["slow"] = func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
	}
	_, err := s.Fetch(context.Background(), "slow")
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), s.Socket()) {
		t.Errorf("err = %v", err)
	}
}

func TestDockerMaxResponseBytes(t *testing.T) {
	s, _ := newFakeDocker(t, DockerOptions{MaxResponseBytes: 1024})
	if _, err := s.Fetch(context.Background(), hexB); err == nil || !strings.Contains(err.Error(), "larger than 1024 bytes") {
		t.Errorf("err = %v", err)
	}
}

func TestDockerCanceled(t *testing.T) {
	s, _ := newFakeDocker(t, DockerOptions{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.Fetch(ctx, hexB); !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v", err)
	}
}

func TestDockerNoDaemon(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "none.sock")
	_, err := NewDockerSource(DockerOptions{Socket: sock}).Fetch(context.Background(), hexB)
	if err == nil || errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), sock) {
		t.Errorf("err = %v", err)
	}
}

func TestDockerList(t *testing.T) {
	s, _ := newFakeDocker(t, DockerOptions{})
	cs, err := s.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) != 2 || cs[0].ID != hexB || cs[1].ID != hexA {
		t.Fatalf("listed %d: %+v", len(cs), cs)
	}
	if cs[0].Name != "web" || cs[1].Pod == nil || !cs[1].Privileged {
		t.Errorf("list entries not fully described: %+v %+v", cs[0], cs[1])
	}
}

func TestDockerListPartialFailure(t *testing.T) {
	s, f := newFakeDocker(t, DockerOptions{})
	f.inspect[hexA] = func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`not json`))
	}
	cs, err := s.List(context.Background())
	if err == nil || !strings.Contains(err.Error(), hexA) {
		t.Errorf("err = %v", err)
	}
	if len(cs) != 1 || cs[0].ID != hexB {
		t.Errorf("listed %+v", cs)
	}
}

func TestDockerListMalformed(t *testing.T) {
	sock := serveUnix(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`{"not": "a list"}`))
	}))
	cs, err := NewDockerSource(DockerOptions{Socket: sock}).List(context.Background())
	if err == nil || len(cs) != 0 || !strings.Contains(err.Error(), "/containers/json") {
		t.Errorf("list = %v, %v", cs, err)
	}
}

func TestDetectDocker(t *testing.T) {
	ctx := context.Background()
	s, _ := newFakeDocker(t, DockerOptions{})
	if ok, err := DetectDocker(ctx, s.Socket()); !ok || err != nil {
		t.Errorf("live daemon: %v %v", ok, err)
	}
	dir := t.TempDir()
	if ok, err := DetectDocker(ctx, filepath.Join(dir, "missing.sock")); ok || err != nil {
		t.Errorf("missing socket: %v %v", ok, err)
	}
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if ok, err := DetectDocker(ctx, file); ok || err == nil {
		t.Errorf("regular file: %v %v", ok, err)
	}
	other := serveUnix(t, http.NotFoundHandler())
	if ok, err := DetectDocker(ctx, other); ok || err == nil || !strings.Contains(err.Error(), "/_ping") {
		t.Errorf("not a docker daemon: %v %v", ok, err)
	}
	// A socket nobody listens on any more.
	stale := filepath.Join(dir, "stale.sock")
	l, err := net.Listen("unix", stale)
	if err != nil {
		t.Fatal(err)
	}
	l.(*net.UnixListener).SetUnlinkOnClose(false)
	l.Close()
	if ok, err := DetectDocker(ctx, stale); ok || err == nil {
		t.Errorf("stale socket: %v %v", ok, err)
	}
}

func TestDescribeDockerImageID(t *testing.T) {
	c, err := DescribeDocker("test", []byte(`{"Id":"abc","Name":"/x","Created":"0001-01-01T00:00:00Z",
		"Image":"sha256:`+strings.Repeat("4", 64)+`","Config":{"Image":"sha256:`+strings.Repeat("4", 64)+`"}}`))
	if err != nil {
		t.Fatal(err)
	}
	if c.Image == "" || c.ImageRepository != "" || c.ImageTag != "" || c.ImageDigest != "" || !c.Created.IsZero() {
		t.Errorf("got %+v", c)
	}
	if c.Labels != nil || c.Mounts != nil || c.Privileged {
		t.Errorf("got %+v", c)
	}
}
