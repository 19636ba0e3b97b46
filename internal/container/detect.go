package container

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"path/filepath"
)

// Source kinds an Endpoint names.
const (
	KindCRI      = "cri"
	KindDocker   = "docker"
	KindOCIState = "oci-state"
)

// Endpoint is one metadata source DetectSources looked for.
type Endpoint struct {
	Kind    string // KindCRI, KindDocker or KindOCIState
	Address string // the socket, or the state root directory
	// Available is set when the source answered (a socket) or exists (a
	// state root); only available endpoints are used.
	Available bool
	// Runtime and Version name what answered (CRI: containerd 1.6.20).
	Runtime, Version string
	// Err is why an endpoint that exists cannot be used (nil when it is
	// simply absent).
	Err error
}

// DetectOptions says where DetectSources looks. The zero value looks in
// the default places.
type DetectOptions struct {
	// CRISockets are tried in order; nil means DefaultCRISockets().
	CRISockets []string
	// DockerSocket; "" means DefaultDockerSocket.
	DockerSocket string
	// OCI configures the OCI state source, always used (it costs nothing
	// when its roots are absent).
	OCI OCIOptions
	// Logger is given to the MultiSource; nil discards.
	Logger *slog.Logger
}

// Sources is what DetectSources found: a Source combining the available
// endpoints, and every endpoint it looked for.
type Sources struct {
	Source    Source
	Endpoints []Endpoint
	closers   []io.Closer
}

// Close releases the sources' connections.
func (s *Sources) Close() error {
	var errs []error
	for _, c := range s.closers {
		errs = append(errs, c.Close())
	}
	s.closers = nil
	return errors.Join(errs...)
}

// DetectSources finds the container metadata sources of this host: each
// CRI socket that answers Version, Docker's socket when its daemon
// answers, and the OCI state roots. The combined Source asks them in that
// order (see MultiSource: the runtime APIs, which know what the runtime
// was asked for, win over the state files, which fill in what they lack).
func DetectSources(ctx context.Context, opts DetectOptions) *Sources {
	out := &Sources{}
	var srcs []Source
	criSockets := opts.CRISockets
	if criSockets == nil {
		criSockets = DefaultCRISockets()
	}
	seen := map[string]bool{}
	for _, sock := range criSockets {
		ep := Endpoint{Kind: KindCRI, Address: sock}
		rt, v, err := DetectCRI(ctx, sock)
		ep.Runtime, ep.Version, ep.Err = rt, v, err
		// k3s links its socket to containerd's: use each server once.
		real, rerr := realPath(sock)
		if rt != "" && rerr == nil && !seen[real] {
			s, err := NewCRISource(CRIOptions{Socket: sock})
			if err != nil {
				ep.Err = err
			} else {
				seen[real] = true
				ep.Available = true
				srcs = append(srcs, s)
				out.closers = append(out.closers, s)
			}
		}
		out.Endpoints = append(out.Endpoints, ep)
	}

	dockerSock := opts.DockerSocket
	if dockerSock == "" {
		dockerSock = DefaultDockerSocket
	}
	ok, err := DetectDocker(ctx, dockerSock)
	out.Endpoints = append(out.Endpoints, Endpoint{Kind: KindDocker, Address: dockerSock, Available: ok, Runtime: RuntimeDocker, Err: err})
	if ok {
		srcs = append(srcs, NewDockerSource(DockerOptions{Socket: dockerSock}))
	}

	oci := NewOCISource(opts.OCI)
	for _, r := range oci.roots {
		ep := Endpoint{Kind: KindOCIState, Address: r}
		matches, _ := fs.Glob(oci.fsys, rel(r))
		for _, m := range matches {
			if fi, err := fs.Stat(oci.fsys, m); err == nil && fi.IsDir() {
				ep.Available = true
			}
		}
		out.Endpoints = append(out.Endpoints, ep)
	}
	srcs = append(srcs, oci)

	out.Source = NewMultiSource(MultiOptions{Sources: srcs, Logger: opts.Logger})
	return out
}

// realPath resolves symbolic links in p.
func realPath(p string) (string, error) { return filepath.EvalSymlinks(p) }
