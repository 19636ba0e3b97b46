package container

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/vigil-sec/vigil/internal/event"
)

// Defaults of DockerOptions' zero values.
const (
	DefaultDockerSocket           = "/var/run/docker.sock"
	DefaultDockerTimeout          = 5 * time.Second
	DefaultDockerMaxResponseBytes = 8 << 20
)

// dockerImageIDPrefix starts a Docker image id ("sha256:<64 hex>").
const dockerImageIDPrefix = "sha256:"

// DockerOptions configures a DockerSource. The zero value talks to
// DefaultDockerSocket.
type DockerOptions struct {
	// Socket is the Docker Engine API unix socket; "" means
	// DefaultDockerSocket. An agent running in a container with the host's
	// root at /host passes "/host/var/run/docker.sock".
	Socket string
	// Timeout bounds one API request (the caller's context may end it
	// sooner); <= 0 means DefaultDockerTimeout.
	Timeout time.Duration
	// MaxResponseBytes bounds the body read from one response; a larger
	// body is an error. <= 0 means DefaultDockerMaxResponseBytes.
	MaxResponseBytes int64
	// NoImageLookup skips the GET /images/{id}/json that Fetch makes to
	// find the repository digest of a container's image (ImageDigest then
	// comes from the reference alone, when it has "@sha256:...").
	NoImageLookup bool
}

// DockerSource describes containers from the Docker Engine API over its
// unix socket (GET /containers/{id}/json, GET /containers/json). It uses
// the unversioned API paths, so any engine version answers. It is safe for
// concurrent use.
type DockerSource struct {
	socket    string
	timeout   time.Duration
	max       int64
	imageLook bool
	client    *http.Client
}

// NewDockerSource returns a source talking to opts.Socket. It does not
// connect: the first request does (see DetectDocker).
func NewDockerSource(opts DockerOptions) *DockerSource {
	s := &DockerSource{
		socket:    opts.Socket,
		timeout:   opts.Timeout,
		max:       opts.MaxResponseBytes,
		imageLook: !opts.NoImageLookup,
	}
	if s.socket == "" {
		s.socket = DefaultDockerSocket
	}
	if s.timeout <= 0 {
		s.timeout = DefaultDockerTimeout
	}
	if s.max <= 0 {
		s.max = DefaultDockerMaxResponseBytes
	}
	s.client = &http.Client{Transport: unixTransport(s.socket)}
	return s
}

// unixTransport is an HTTP transport whose every connection goes to the
// unix socket sock, whatever the URL's host (no proxy).
func unixTransport(sock string) *http.Transport {
	return &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", sock)
		},
		MaxIdleConns:        4,
		MaxIdleConnsPerHost: 4,
		IdleConnTimeout:     30 * time.Second,
		DisableCompression:  true,
	}
}

// Socket returns the socket the source talks to.
func (s *DockerSource) Socket() string { return s.socket }

// CloseIdleConnections closes the source's idle connections to the daemon.
func (s *DockerSource) CloseIdleConnections() { s.client.CloseIdleConnections() }

// get performs GET path on the daemon and decodes the JSON answer into v.
// A 404 gives an error wrapping ErrNotFound; every error names the socket
// and the path.
func (s *DockerSource) get(ctx context.Context, path string, v any) error {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	fail := func(format string, args ...any) error {
		return fmt.Errorf("docker %s GET %s: %w", s.socket, path, fmt.Errorf(format, args...))
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://docker"+path, nil)
	if err != nil {
		return fail("%w", err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := s.client.Do(req)
	if err != nil {
		return fail("%w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, s.max+1))
	if err != nil {
		return fail("read response: %w", err)
	}
	if int64(len(body)) > s.max {
		return fail("response larger than %d bytes", s.max)
	}
	switch {
	case resp.StatusCode == http.StatusNotFound:
		return fail("%s: %w", apiMessage(body), ErrNotFound)
	case resp.StatusCode != http.StatusOK:
		return fail("status %d: %s", resp.StatusCode, apiMessage(body))
	}
	if v == nil {
		return nil
	}
	if err := json.Unmarshal(body, v); err != nil {
		return fail("parse response: %w", err)
	}
	return nil
}

// apiMessage returns the "message" of a Docker API error body, else the
// body itself, cut short.
func apiMessage(body []byte) string {
	var e struct {
		Message string `json:"message"`
	}
	msg := strings.TrimSpace(string(body))
	if json.Unmarshal(body, &e) == nil && e.Message != "" {
		msg = e.Message
	}
	if len(msg) > 200 {
		msg = msg[:200] + "..."
	}
	if msg == "" {
		msg = "no message"
	}
	return msg
}

// dockerInspect is the part of GET /containers/{id}/json Vigil reads.
type dockerInspect struct {
	ID      string `json:"Id"`
	Name    string `json:"Name"`
	Created string `json:"Created"`
	Image   string `json:"Image"` // the image id
	Config  *struct {
		Image  string            `json:"Image"`
		Labels map[string]string `json:"Labels"`
	} `json:"Config"`
	HostConfig *struct {
		Privileged bool     `json:"Privileged"`
		CapAdd     []string `json:"CapAdd"`
	} `json:"HostConfig"`
	Mounts []struct {
		Type        string `json:"Type"`
		Source      string `json:"Source"`
		Destination string `json:"Destination"`
		Mode        string `json:"Mode"`
		RW          bool   `json:"RW"`
		Propagation string `json:"Propagation"`
	} `json:"Mounts"`
}

// DescribeDocker builds a container's metadata from the Docker Engine
// API's container inspect document (GET /containers/{id}/json). path is
// used in errors only. The image digest is set only from a reference
// carrying one ("repo@sha256:..."): the inspect document's Image is the
// image id, which is no repository digest (Fetch resolves that one).
//
// Name is the vigil.container.name label, else the Kubernetes container
// name label (io.kubernetes.container.name, as dockershim sets it), else
// Docker's name without its leading "/". Image is the vigil.container.image
// label, else Config.Image. Privileged is HostConfig.Privileged, or
// --cap-add ALL (every capability, which Privileged counts as privileged).
// Pod comes from the io.kubernetes.pod.{name,namespace,uid} labels.
func DescribeDocker(path string, data []byte) (*event.Container, error) {
	c, _, err := describeDocker(path, data)
	return c, err
}

// describeDocker is DescribeDocker, also returning the image id.
func describeDocker(path string, data []byte) (*event.Container, string, error) {
	var d dockerInspect
	if err := json.Unmarshal(data, &d); err != nil {
		return nil, "", fmt.Errorf("parse docker inspect %s: %w", path, err)
	}
	if d.ID == "" {
		return nil, "", fmt.Errorf("parse docker inspect %s: no container id", path)
	}
	c := &event.Container{ID: d.ID, Runtime: RuntimeDocker, MetadataKnown: true}
	if d.Created != "" {
		t, err := time.Parse(time.RFC3339Nano, d.Created)
		if err != nil {
			return nil, "", fmt.Errorf("parse docker inspect %s: created: %w", path, err)
		}
		if !t.IsZero() && t.Year() > 1 {
			c.Created = t
		}
	}
	var labels map[string]string
	var ref string
	if d.Config != nil {
		labels, ref = d.Config.Labels, d.Config.Image
	}
	if len(labels) > 0 {
		c.Labels = maps.Clone(labels)
	}
	c.Name = cmp.Or(labels[AnnotationName], labels[annK8sContainerName], strings.TrimPrefix(d.Name, "/"))
	c.Image = cmp.Or(labels[AnnotationImage], ref)
	if c.Image != "" && !strings.HasPrefix(c.Image, dockerImageIDPrefix) {
		// A container started from an image id ("sha256:...") has no
		// repository to split.
		c.ImageRepository, c.ImageTag, c.ImageDigest = SplitImage(c.Image)
	}
	if h := d.HostConfig; h != nil {
		c.Privileged = h.Privileged || slices.ContainsFunc(h.CapAdd, func(s string) bool {
			return strings.EqualFold(s, "ALL") || strings.EqualFold(s, "CAP_ALL")
		})
	}
	for _, m := range d.Mounts {
		em := event.Mount{Source: m.Source, Dest: m.Destination, Type: m.Type, ReadWrite: m.RW, Propagation: m.Propagation}
		if m.Mode != "" {
			em.Options = strings.Split(m.Mode, ",")
		}
		c.Mounts = append(c.Mounts, em)
	}
	pod := event.Pod{Name: labels[annK8sPodName], Namespace: labels[annK8sPodNS], UID: labels[annK8sPodUID]}
	if pod.Name != "" || pod.UID != "" {
		c.Pod = &pod
	}
	return c, d.Image, nil
}

// Fetch returns container id (a full or unique short id, or a name) from
// GET /containers/{id}/json. A container the daemon does not know gives an
// error wrapping ErrNotFound.
func (s *DockerSource) Fetch(ctx context.Context, id string) (*event.Container, error) {
	if !validID(id) {
		return nil, fmt.Errorf("container %q: invalid id: %w", id, ErrNotFound)
	}
	p := "/containers/" + url.PathEscape(id) + "/json"
	var raw json.RawMessage
	if err := s.get(ctx, p, &raw); err != nil {
		return nil, err
	}
	c, imageID, err := describeDocker("docker "+s.socket+" GET "+p, raw)
	if err != nil {
		return nil, err
	}
	if s.imageLook && c.ImageDigest == "" && c.ImageRepository != "" {
		c.ImageDigest = s.repoDigest(ctx, imageID, c.ImageRepository)
	}
	return c, nil
}

// repoDigest returns the digest under which image imageID was pulled from
// repository repo (its RepoDigests entry "repo@sha256:..."), or "" when
// the image has none for repo (built locally, pulled by another name) or
// cannot be read: the digest is best effort and never fails a fetch.
func (s *DockerSource) repoDigest(ctx context.Context, imageID, repo string) string {
	if !strings.HasPrefix(imageID, dockerImageIDPrefix) || !validID(strings.TrimPrefix(imageID, dockerImageIDPrefix)) {
		return ""
	}
	var img struct {
		RepoDigests []string `json:"RepoDigests"`
	}
	if s.get(ctx, "/images/"+url.PathEscape(imageID)+"/json", &img) != nil {
		return ""
	}
	for _, rd := range img.RepoDigests {
		if r, dg, ok := strings.Cut(rd, "@"); ok && r == repo && dg != "" {
			return dg
		}
	}
	return ""
}

// List returns the running containers: GET /containers/json, then Fetch
// for each (the list entries lack privilege and mount details). A
// container that is gone between the two requests is left out; other
// per-container failures are joined into the error.
func (s *DockerSource) List(ctx context.Context) ([]*event.Container, error) {
	var ents []struct {
		ID string `json:"Id"`
	}
	if err := s.get(ctx, "/containers/json", &ents); err != nil {
		return nil, err
	}
	var out []*event.Container
	var errs []error
	for _, e := range ents {
		if err := ctx.Err(); err != nil {
			return out, err
		}
		c, err := s.Fetch(ctx, e.ID)
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

// DetectDocker reports whether a Docker daemon answers on socket ("" means
// DefaultDockerSocket): false and no error when the socket does not exist;
// false and an error when it exists but GET /_ping fails (no permission, a
// stale socket, another server); true when the ping answers 200.
func DetectDocker(ctx context.Context, socket string) (bool, error) {
	if socket == "" {
		socket = DefaultDockerSocket
	}
	fi, err := os.Stat(socket)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("docker %s: %w", socket, err)
	}
	if fi.Mode()&os.ModeSocket == 0 {
		return false, fmt.Errorf("docker %s: not a socket", socket)
	}
	s := NewDockerSource(DockerOptions{Socket: socket, MaxResponseBytes: 4096})
	defer s.CloseIdleConnections()
	if err := s.get(ctx, "/_ping", nil); err != nil {
		return false, err
	}
	return true, nil
}
