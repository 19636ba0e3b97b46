package container

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"strings"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/vigil-sec/vigil/internal/event"
)

// Defaults of CRIOptions' zero values.
const (
	DefaultCRITimeout         = 5 * time.Second
	DefaultCRIMaxMessageBytes = 16 << 20
)

// DefaultCRISockets returns the CRI sockets of the common runtimes:
// containerd (and k3s's embedded containerd) and CRI-O.
func DefaultCRISockets() []string {
	return []string{
		"/run/containerd/containerd.sock",
		"/run/k3s/containerd/containerd.sock",
		"/run/crio/crio.sock",
	}
}

// CRIOptions configures a CRISource.
type CRIOptions struct {
	// Socket is the runtime's CRI unix socket (one of DefaultCRISockets,
	// or below /host for an agent in a container). Required.
	Socket string
	// Timeout bounds the calls of one Fetch, and each container of a List
	// (the caller's context may end them sooner); <= 0 means
	// DefaultCRITimeout.
	Timeout time.Duration
	// MaxMessageBytes bounds one response; <= 0 means
	// DefaultCRIMaxMessageBytes.
	MaxMessageBytes int
}

// CRISource describes containers through the Kubernetes Container Runtime
// Interface (runtime.v1) that containerd and CRI-O serve on a unix socket:
// ContainerStatus (verbose, for the runtime spec: mounts and privilege),
// PodSandboxStatus (pod name, namespace, uid and labels) and, when the
// container's image is named only by its id, ImageStatus (its repository
// tags and digests). It is safe for concurrent use. Close releases its
// connection.
type CRISource struct {
	socket  string
	timeout time.Duration
	conn    *grpc.ClientConn
	rt      runtimeapi.RuntimeServiceClient
	img     runtimeapi.ImageServiceClient

	mu      sync.Mutex
	runtime string // from Version, once known
}

// NewCRISource returns a source talking to opts.Socket. It does not
// connect: the first call does (see DetectCRI).
func NewCRISource(opts CRIOptions) (*CRISource, error) {
	if opts.Socket == "" {
		return nil, errors.New("CRI source: no socket")
	}
	s := &CRISource{socket: opts.Socket, timeout: opts.Timeout}
	if s.timeout <= 0 {
		s.timeout = DefaultCRITimeout
	}
	max := opts.MaxMessageBytes
	if max <= 0 {
		max = DefaultCRIMaxMessageBytes
	}
	conn, err := grpc.NewClient("unix://"+opts.Socket,
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(max)))
	if err != nil {
		return nil, fmt.Errorf("CRI %s: %w", opts.Socket, err)
	}
	s.conn = conn
	s.rt = runtimeapi.NewRuntimeServiceClient(conn)
	s.img = runtimeapi.NewImageServiceClient(conn)
	return s, nil
}

// Socket returns the socket the source talks to.
func (s *CRISource) Socket() string { return s.socket }

// Close closes the connection.
func (s *CRISource) Close() error { return s.conn.Close() }

// Version asks the runtime its name and version ("containerd", "v1.6.20").
func (s *CRISource) Version(ctx context.Context) (name, version string, err error) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	v, err := s.rt.Version(ctx, &runtimeapi.VersionRequest{})
	if err != nil {
		return "", "", s.wrap("Version", err)
	}
	return v.GetRuntimeName(), v.GetRuntimeVersion(), nil
}

// runtimeName returns the Runtime to report, asking Version once.
func (s *CRISource) runtimeName(ctx context.Context) string {
	s.mu.Lock()
	rt := s.runtime
	s.mu.Unlock()
	if rt != "" {
		return rt
	}
	name, _, err := s.Version(ctx)
	if err != nil {
		return "" // Merge or the cgroup path supply it
	}
	rt = CRIRuntime(name)
	s.mu.Lock()
	s.runtime = rt
	s.mu.Unlock()
	return rt
}

// CRIRuntime maps a CRI RuntimeName to Vigil's runtime names: containerd,
// cri-o, else the name lower-cased.
func CRIRuntime(name string) string {
	n := strings.ToLower(name)
	switch {
	case strings.Contains(n, "containerd"):
		return RuntimeContainerd
	case n == "cri-o" || n == "crio":
		return RuntimeCRIO
	}
	return n
}

// wrap names the socket and call in err, and turns gRPC NotFound into
// ErrNotFound.
func (s *CRISource) wrap(call string, err error) error {
	if status.Code(err) == codes.NotFound {
		return fmt.Errorf("CRI %s %s: %s: %w", s.socket, call, status.Convert(err).Message(), ErrNotFound)
	}
	return fmt.Errorf("CRI %s %s: %w", s.socket, call, err)
}

// Fetch describes container id: a container, or a pod sandbox (whose
// infrastructure container has a cgroup of its own).
func (s *CRISource) Fetch(ctx context.Context, id string) (*event.Container, error) {
	if !validID(id) {
		return nil, fmt.Errorf("container %q: invalid id: %w", id, ErrNotFound)
	}
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	st, err := s.rt.ContainerStatus(ctx, &runtimeapi.ContainerStatusRequest{ContainerId: id, Verbose: true})
	if err != nil {
		err = s.wrap("ContainerStatus "+id, err)
		if errors.Is(err, ErrNotFound) {
			if c, serr := s.fetchSandbox(ctx, id); serr == nil {
				return c, nil
			}
		}
		return nil, err
	}
	if st.GetStatus() == nil {
		return nil, fmt.Errorf("CRI %s ContainerStatus %s: empty status", s.socket, id)
	}
	c, sandboxID := DescribeCRI(st.GetStatus(), st.GetInfo())
	c.ID = id
	c.Runtime = s.runtimeName(ctx)
	if sandboxID == "" {
		sandboxID = s.sandboxOf(ctx, id)
	}
	if sandboxID != "" {
		if ps, err := s.rt.PodSandboxStatus(ctx, &runtimeapi.PodSandboxStatusRequest{PodSandboxId: sandboxID}); err == nil {
			addPod(c, ps.GetStatus())
		}
	}
	if strings.HasPrefix(c.Image, "sha256:") || c.Image == "" {
		s.resolveImage(ctx, c, st.GetStatus())
	}
	return c, nil
}

// sandboxOf finds a container's sandbox by listing it (for runtimes whose
// verbose status does not say).
func (s *CRISource) sandboxOf(ctx context.Context, id string) string {
	l, err := s.rt.ListContainers(ctx, &runtimeapi.ListContainersRequest{
		Filter: &runtimeapi.ContainerFilter{Id: id},
	})
	if err != nil {
		return ""
	}
	for _, c := range l.GetContainers() {
		if c.GetId() == id {
			return c.GetPodSandboxId()
		}
	}
	return ""
}

// fetchSandbox describes a pod sandbox as a container named after its pod.
func (s *CRISource) fetchSandbox(ctx context.Context, id string) (*event.Container, error) {
	ps, err := s.rt.PodSandboxStatus(ctx, &runtimeapi.PodSandboxStatusRequest{PodSandboxId: id})
	if err != nil {
		return nil, s.wrap("PodSandboxStatus "+id, err)
	}
	st := ps.GetStatus()
	if st == nil {
		return nil, fmt.Errorf("CRI %s PodSandboxStatus %s: empty status: %w", s.socket, id, ErrNotFound)
	}
	c := &event.Container{
		ID:            id,
		Runtime:       s.runtimeName(ctx),
		Name:          st.GetMetadata().GetName(),
		MetadataKnown: true,
	}
	if ns := st.GetCreatedAt(); ns > 0 {
		c.Created = time.Unix(0, ns).UTC()
	}
	if len(st.GetLabels()) > 0 {
		c.Labels = maps.Clone(st.GetLabels())
	}
	addPod(c, st)
	return c, nil
}

// resolveImage names an image known only by its id from the image
// service's repository tags and digests.
func (s *CRISource) resolveImage(ctx context.Context, c *event.Container, st *runtimeapi.ContainerStatus) {
	ref := st.GetImageRef()
	if ref == "" {
		ref = c.Image
	}
	if ref == "" {
		return
	}
	is, err := s.img.ImageStatus(ctx, &runtimeapi.ImageStatusRequest{Image: &runtimeapi.ImageSpec{Image: ref}})
	if err != nil || is.GetImage() == nil {
		return
	}
	img := is.GetImage()
	if tags := img.GetRepoTags(); len(tags) > 0 {
		c.Image = tags[0]
		c.ImageRepository, c.ImageTag, _ = SplitImage(tags[0])
	}
	if c.ImageDigest == "" {
		for _, d := range img.GetRepoDigests() {
			if _, _, dg := SplitImage(d); dg != "" {
				c.ImageDigest = dg
				break
			}
		}
	}
}

// addPod sets c.Pod from a sandbox status (its labels become the pod's).
func addPod(c *event.Container, ps *runtimeapi.PodSandboxStatus) {
	if ps == nil {
		return
	}
	p := event.Pod{}
	if c.Pod != nil {
		p = *c.Pod
	}
	md := ps.GetMetadata()
	fillStr(&p.Name, md.GetName())
	fillStr(&p.Namespace, md.GetNamespace())
	fillStr(&p.UID, md.GetUid())
	if len(ps.GetLabels()) > 0 {
		p.Labels = maps.Clone(ps.GetLabels())
	}
	if p.Name != "" || p.UID != "" {
		c.Pod = &p
	}
}

func fillStr(d *string, s string) {
	if *d == "" {
		*d = s
	}
}

// criInfo is the JSON containerd and CRI-O put under the "info" key of a
// verbose ContainerStatus.
type criInfo struct {
	SandboxID   string          `json:"sandboxID"`
	Privileged  *bool           `json:"privileged"` // CRI-O
	RuntimeSpec json.RawMessage `json:"runtimeSpec"`
}

// DescribeCRI builds a container's metadata from a CRI ContainerStatus
// and the verbose info map that came with it (nil when not verbose), and
// returns the pod sandbox id the info names ("" when it does not). The
// verbose info is optional detail: when it is missing or malformed the
// result has what the status alone says (Privileged then false).
//
// Name is the CRI metadata name; the image is the reference the container
// was created from (the user-specified image when the runtime reports
// one, else the image spec unless it is a bare image id, else the image
// annotations of the runtime spec); labels are the container's labels;
// mounts are the status's (host path binds, as kubelet asked for them),
// else the runtime spec's; the pod's name, namespace and uid come from
// the kubelet's io.kubernetes.pod.* labels.
func DescribeCRI(st *runtimeapi.ContainerStatus, info map[string]string) (*event.Container, string) {
	c := &event.Container{ID: st.GetId(), Name: st.GetMetadata().GetName(), MetadataKnown: true}
	if ns := st.GetCreatedAt(); ns > 0 {
		c.Created = time.Unix(0, ns).UTC()
	}
	if len(st.GetLabels()) > 0 {
		c.Labels = maps.Clone(st.GetLabels())
	}

	var ci criInfo
	var sp *Spec
	if raw := info["info"]; raw != "" {
		if json.Unmarshal([]byte(raw), &ci) == nil && len(ci.RuntimeSpec) > 0 && string(ci.RuntimeSpec) != "null" {
			sp, _ = ParseSpec("CRI verbose info", ci.RuntimeSpec)
		}
	}

	img := st.GetImage().GetUserSpecifiedImage()
	if img == "" {
		img = st.GetImage().GetImage()
	}
	if strings.HasPrefix(img, "sha256:") && sp != nil {
		if n := firstNonEmpty(sp.Annotations[annCRIImageName], sp.Annotations[annCRIOImageName]); n != "" {
			img = n
		}
	}
	c.Image = img
	if img != "" && !strings.HasPrefix(img, "sha256:") {
		c.ImageRepository, c.ImageTag, c.ImageDigest = SplitImage(img)
	}
	if ref := st.GetImageRef(); c.ImageDigest == "" && strings.Contains(ref, "@sha256:") {
		_, _, c.ImageDigest = SplitImage(ref)
	}

	for _, m := range st.GetMounts() {
		em := event.Mount{Source: m.GetHostPath(), Dest: m.GetContainerPath(), Type: "bind", ReadWrite: !m.GetReadonly()}
		switch m.GetPropagation() {
		case runtimeapi.MountPropagation_PROPAGATION_HOST_TO_CONTAINER:
			em.Propagation = "rslave"
		case runtimeapi.MountPropagation_PROPAGATION_BIDIRECTIONAL:
			em.Propagation = "rshared"
		default:
			em.Propagation = "rprivate"
		}
		c.Mounts = append(c.Mounts, em)
	}
	if sp != nil {
		if len(c.Mounts) == 0 {
			c.Mounts = sp.Mounts
		}
		c.Privileged = Privileged(sp.Bounding, sp.AllDevices)
	}
	if ci.Privileged != nil && *ci.Privileged {
		c.Privileged = true
	}

	pod := event.Pod{
		Name:      st.GetLabels()[annK8sPodName],
		Namespace: st.GetLabels()[annK8sPodNS],
		UID:       st.GetLabels()[annK8sPodUID],
	}
	if sp != nil {
		fillStr(&pod.Name, sp.Annotations[annCRISandboxName])
		fillStr(&pod.Namespace, sp.Annotations[annCRISandboxNS])
		fillStr(&pod.UID, sp.Annotations[annCRISandboxUID])
	}
	if pod.Name != "" || pod.UID != "" {
		c.Pod = &pod
	}
	return c, ci.SandboxID
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

// List describes every container the runtime knows (ListContainers, then
// Fetch for each); containers that vanish meanwhile are left out.
func (s *CRISource) List(ctx context.Context) ([]*event.Container, error) {
	lctx, cancel := context.WithTimeout(ctx, s.timeout)
	l, err := s.rt.ListContainers(lctx, &runtimeapi.ListContainersRequest{})
	cancel()
	if err != nil {
		return nil, s.wrap("ListContainers", err)
	}
	var out []*event.Container
	var errs []error
	for _, e := range l.GetContainers() {
		if err := ctx.Err(); err != nil {
			errs = append(errs, err)
			break
		}
		c, err := s.Fetch(ctx, e.GetId())
		switch {
		case errors.Is(err, ErrNotFound):
		case err != nil:
			errs = append(errs, err)
		default:
			out = append(out, c)
		}
	}
	return out, errors.Join(errs...)
}

// DetectCRI reports which runtime serves the CRI on socket: "" and no
// error when the socket does not exist; "" and an error when it exists
// but Version fails (no permission, a stale socket, a server without the
// CRI, e.g. containerd with its cri plugin disabled); the runtime's name
// (CRIRuntime) and version when it answers.
func DetectCRI(ctx context.Context, socket string) (runtime, version string, err error) {
	fi, err := os.Stat(socket)
	if errors.Is(err, os.ErrNotExist) {
		return "", "", nil
	}
	if err != nil {
		return "", "", fmt.Errorf("CRI %s: %w", socket, err)
	}
	if fi.Mode()&os.ModeSocket == 0 {
		return "", "", fmt.Errorf("CRI %s: not a socket", socket)
	}
	s, err := NewCRISource(CRIOptions{Socket: socket, Timeout: 2 * time.Second, MaxMessageBytes: 1 << 16})
	if err != nil {
		return "", "", err
	}
	defer s.Close()
	name, version, err := s.Version(ctx)
	if err != nil {
		return "", "", err
	}
	return CRIRuntime(name), version, nil
}
