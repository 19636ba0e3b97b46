package container

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"strings"

	"github.com/vigil-sec/vigil/internal/event"
)

// ErrNotFound is returned by a Source that does not know a container.
var ErrNotFound = errors.New("container not found")

// Source describes containers from some runtime's records.
type Source interface {
	// Fetch returns the metadata of container id, or an error wrapping
	// ErrNotFound when the source does not know it.
	Fetch(ctx context.Context, id string) (*event.Container, error)
	// List returns every container the source knows, and an error joining
	// the per-container failures (the containers it could read are still
	// returned).
	List(ctx context.Context) ([]*event.Container, error)
}

// DefaultStateRoots returns the state directories of runc and crun as the
// common engines run them: /run/runc (runc, CRI-O, podman with runc),
// /run/crun, /run/containerd/runc/* (containerd keeps one runc root per
// namespace: k8s.io, moby, default) and /run/docker/runtime-runc/moby. A
// "*" component matches any directory.
func DefaultStateRoots() []string {
	return []string{
		"/run/runc",
		"/run/crun",
		"/run/containerd/runc/*",
		"/run/docker/runtime-runc/moby",
	}
}

// OCIOptions configures an OCISource. The zero value reads
// DefaultStateRoots from the host's root filesystem.
type OCIOptions struct {
	// FS is the filesystem the state roots and bundle paths are resolved
	// in, as paths relative to its root ("run/runc"); nil means
	// os.DirFS("/"). An agent running in a container with the host's root
	// at /host passes os.DirFS("/host").
	FS fs.FS
	// StateRoots are absolute state directories (each holds one directory
	// per container id); nil means DefaultStateRoots().
	StateRoots []string
}

// OCISource reads the state directories runc and crun keep, and the bundle
// config.json each container's state points to. It holds no state of its
// own and is safe for concurrent use.
type OCISource struct {
	fsys  fs.FS
	roots []string
}

// NewOCISource returns a source reading opts' state roots.
func NewOCISource(opts OCIOptions) *OCISource {
	s := &OCISource{fsys: opts.FS, roots: opts.StateRoots}
	if s.fsys == nil {
		s.fsys = os.DirFS("/")
	}
	if s.roots == nil {
		s.roots = DefaultStateRoots()
	}
	return s
}

// rel turns an absolute path into one relative to the fs root.
func rel(p string) string {
	p = strings.TrimLeft(path.Clean("/"+p), "/")
	if p == "" {
		return "."
	}
	return p
}

// expand returns the state root directories that exist, as fs paths,
// expanding "*" components.
func (s *OCISource) expand() []string {
	var out []string
	for _, r := range s.roots {
		r = rel(r)
		if strings.ContainsAny(r, "*?[") {
			m, err := fs.Glob(s.fsys, r)
			if err != nil {
				continue // a bad pattern matches nothing
			}
			out = append(out, m...)
			continue
		}
		out = append(out, r)
	}
	return out
}

// runtimeOfRoot says which engine owns a state root, when its path tells.
func runtimeOfRoot(root string) string {
	switch {
	case strings.HasPrefix(root, "run/docker/"), strings.HasSuffix(root, "/moby"):
		return RuntimeDocker
	case strings.HasPrefix(root, "run/containerd/"):
		return RuntimeContainerd
	}
	return ""
}

// Fetch reads container id from the first state root that has it.
func (s *OCISource) Fetch(ctx context.Context, id string) (*event.Container, error) {
	if !validID(id) {
		return nil, fmt.Errorf("container %q: invalid id: %w", id, ErrNotFound)
	}
	for _, root := range s.expand() {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		c, err := s.read(root, id)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		return c, err
	}
	return nil, fmt.Errorf("container %s: %w", id, ErrNotFound)
}

// List reads every container of every state root.
func (s *OCISource) List(ctx context.Context) ([]*event.Container, error) {
	var out []*event.Container
	var errs []error
	seen := make(map[string]bool)
	for _, root := range s.expand() {
		ents, err := fs.ReadDir(s.fsys, root)
		if err != nil {
			if !errors.Is(err, fs.ErrNotExist) {
				errs = append(errs, fmt.Errorf("read /%s: %w", root, err))
			}
			continue
		}
		for _, e := range ents {
			if err := ctx.Err(); err != nil {
				return out, err
			}
			if !e.IsDir() || !validID(e.Name()) || seen[e.Name()] {
				continue
			}
			c, err := s.read(root, e.Name())
			switch {
			case errors.Is(err, ErrNotFound):
				// a directory that is not a container (or one being deleted)
			case err != nil:
				errs = append(errs, err)
			default:
				seen[c.ID] = true
				out = append(out, c)
			}
		}
	}
	return out, errors.Join(errs...)
}

// read reads container id from state root root: runc's state.json, else
// crun's status, then the bundle's config.json (crun's copy in the state
// directory when the bundle has none). A missing state file is
// ErrNotFound; a missing config.json only loses the metadata it holds.
func (s *OCISource) read(root, id string) (*event.Container, error) {
	dir := path.Join(root, id)
	var st *State
	p := path.Join(dir, "state.json")
	data, err := fs.ReadFile(s.fsys, p)
	switch {
	case err == nil:
		if st, err = ParseRuncState("/"+p, data); err != nil {
			return nil, err
		}
	case errors.Is(err, fs.ErrNotExist):
		p = path.Join(dir, "status")
		data, err = fs.ReadFile(s.fsys, p)
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("container %s in /%s: %w", id, root, ErrNotFound)
		}
		if err != nil {
			return nil, fmt.Errorf("read /%s: %w", p, err)
		}
		if st, err = ParseCrunStatus("/"+p, id, data); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("read /%s: %w", p, err)
	}

	var sp *Spec
	for _, cp := range []string{path.Join(rel(st.Bundle), "config.json"), path.Join(dir, "config.json")} {
		if st.Bundle == "" && strings.HasPrefix(cp, "config.json") {
			continue
		}
		data, err := fs.ReadFile(s.fsys, cp)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("read /%s: %w", cp, err)
		}
		if sp, err = ParseSpec("/"+cp, data); err != nil {
			return nil, err
		}
		break
	}
	c := Describe(st, sp)
	if c.Runtime == "" {
		c.Runtime = runtimeOfRoot(root)
	}
	return c, nil
}
