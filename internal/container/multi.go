package container

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"slices"
	"sync"

	"github.com/vigil-sec/vigil/internal/event"
)

// MultiOptions configures a MultiSource.
type MultiOptions struct {
	// Sources are asked in parallel and merged in this order (see
	// MultiSource). nil entries are skipped.
	Sources []Source
	// Logger receives a warning for each source that failed (other than
	// not found) while another succeeded, an error the result hides; nil
	// discards them.
	Logger *slog.Logger
}

// MultiSource combines sources, e.g. an OCISource (mounts, capabilities,
// CRI annotations from the state directories) and a DockerSource (names
// and image references that only the docker daemon keeps).
//
// Fetch asks every source (in parallel) and merges the successful answers
// in source order: the first success is the base and each later success
// only fills what the result still lacks (see Merge). So the earlier
// source wins every conflict, and a later source adds the fields the
// earlier one does not know. When at least one source succeeds, the
// others' errors are logged and not returned. When none succeeds, the
// error wraps ErrNotFound only if every source said not found; otherwise
// it joins the failures that were not "not found".
//
// List concatenates the sources' lists in order, merging the entries with
// the same id by the same rule (one entry per id, at the position of its
// first appearance), and joins the sources' errors.
//
// It is safe for concurrent use when its sources are.
type MultiSource struct {
	sources []Source
	log     *slog.Logger
}

// NewMultiSource returns a source combining opts.Sources.
func NewMultiSource(opts MultiOptions) *MultiSource {
	m := &MultiSource{log: opts.Logger}
	for _, s := range opts.Sources {
		if s != nil {
			m.sources = append(m.sources, s)
		}
	}
	if m.log == nil {
		m.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return m
}

// Fetch asks every source for id and merges the answers (see MultiSource).
func (m *MultiSource) Fetch(ctx context.Context, id string) (*event.Container, error) {
	type answer struct {
		c   *event.Container
		err error
	}
	answers := make([]answer, len(m.sources))
	var wg sync.WaitGroup
	for i, s := range m.sources {
		wg.Go(func() {
			c, err := s.Fetch(ctx, id)
			if err == nil && c == nil {
				err = fmt.Errorf("container %s: source %d (%T) returned nothing: %w", id, i, s, ErrNotFound)
			}
			answers[i] = answer{c, err}
		})
	}
	wg.Wait()

	var out *event.Container
	var errs []error
	for i, a := range answers {
		switch {
		case a.err == nil:
			out = Merge(out, a.c)
		case !errors.Is(a.err, ErrNotFound):
			errs = append(errs, fmt.Errorf("source %d (%T): %w", i, m.sources[i], a.err))
		}
	}
	if out != nil {
		for _, err := range errs {
			m.log.Warn("container metadata source failed", "id", id, "err", err)
		}
		out.ID = id
		return out, nil
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return nil, fmt.Errorf("container %s: %w", id, ErrNotFound)
}

// List lists every source's containers and merges them by id (see
// MultiSource).
func (m *MultiSource) List(ctx context.Context) ([]*event.Container, error) {
	var out []*event.Container
	var errs []error
	index := make(map[string]int)
	for i, s := range m.sources {
		if err := ctx.Err(); err != nil {
			errs = append(errs, err)
			break
		}
		cs, err := s.List(ctx)
		if err != nil {
			errs = append(errs, fmt.Errorf("source %d (%T): %w", i, s, err))
		}
		for _, c := range cs {
			if c == nil || c.ID == "" {
				continue
			}
			if j, ok := index[c.ID]; ok {
				out[j] = Merge(out[j], c)
				continue
			}
			index[c.ID] = len(out)
			out = append(out, Merge(nil, c))
		}
	}
	return out, errors.Join(errs...)
}

// Merge returns a new container: dst (which may be nil) with what it lacks
// filled from src. Neither argument is modified, and the result shares no
// map, slice or pod with src that a later Merge would change. The rule,
// field by field:
//
//   - ID, Runtime, Name, Created: src's when dst's is zero.
//   - Image, ImageRepository, ImageTag, ImageDigest: all four of src's
//     when dst has no Image and no ImageRepository; else, when both name
//     the same repository, src's tag and digest fill dst's empty ones
//     (two different images are never mixed).
//   - Labels: the union; dst's value wins for a key both have.
//   - Mounts: src's when dst has none (mount lists are not mixed).
//   - Privileged: true when either says so (a source that cannot tell
//     says false).
//   - Pod: src's fields fill dst's empty Name, Namespace, UID; labels are
//     united as for Labels.
//   - MetadataKnown: true when either is.
func Merge(dst, src *event.Container) *event.Container {
	var out event.Container
	if dst != nil {
		out = *dst
	}
	if src == nil {
		if dst == nil {
			return nil
		}
		return &out
	}
	fill := func(d *string, s string) {
		if *d == "" {
			*d = s
		}
	}
	fill(&out.ID, src.ID)
	fill(&out.Runtime, src.Runtime)
	fill(&out.Name, src.Name)
	if out.Created.IsZero() {
		out.Created = src.Created
	}
	switch {
	case out.Image == "" && out.ImageRepository == "":
		out.Image, out.ImageRepository, out.ImageTag, out.ImageDigest =
			src.Image, src.ImageRepository, src.ImageTag, src.ImageDigest
	case out.ImageRepository != "" && out.ImageRepository == src.ImageRepository:
		fill(&out.ImageTag, src.ImageTag)
		fill(&out.ImageDigest, src.ImageDigest)
	}
	out.Labels = unite(out.Labels, src.Labels)
	if len(out.Mounts) == 0 && len(src.Mounts) > 0 {
		out.Mounts = slices.Clone(src.Mounts)
	}
	out.Privileged = out.Privileged || src.Privileged
	if src.Pod != nil {
		var p event.Pod
		if out.Pod != nil {
			p = *out.Pod
		}
		fill(&p.Name, src.Pod.Name)
		fill(&p.Namespace, src.Pod.Namespace)
		fill(&p.UID, src.Pod.UID)
		p.Labels = unite(p.Labels, src.Pod.Labels)
		out.Pod = &p
	}
	out.MetadataKnown = out.MetadataKnown || src.MetadataKnown
	return &out
}

// unite returns the union of a and b, a's values winning; a itself when b
// adds nothing, else a new map.
func unite(a, b map[string]string) map[string]string {
	adds := false
	for k := range b {
		if _, ok := a[k]; !ok {
			adds = true
			break
		}
	}
	if !adds {
		return a
	}
	out := maps.Clone(b)
	maps.Copy(out, a)
	return out
}
