package container

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/vigil-sec/vigil/internal/event"
)

// listSource answers from an ordered list, or with err for every call.
type listSource struct {
	cs  []*event.Container
	err error
}

func (s *listSource) Fetch(_ context.Context, id string) (*event.Container, error) {
	if s.err != nil {
		return nil, s.err
	}
	for _, c := range s.cs {
		if c.ID == id {
			return c, nil
		}
	}
	return nil, fmt.Errorf("container %s: %w", id, ErrNotFound)
}

func (s *listSource) List(context.Context) ([]*event.Container, error) {
	return s.cs, s.err
}

var created = time.Date(2025, 3, 14, 9, 0, 0, 0, time.UTC)

// ociLike is what an OCISource says of a docker container: mounts,
// capabilities, labels, no name or image.
func ociLike() *event.Container {
	return &event.Container{
		ID: hexB, Runtime: RuntimeDocker, Created: created, MetadataKnown: true, Privileged: true,
		Labels: map[string]string{"a": "oci", "only-oci": "1"},
		Mounts: []event.Mount{{Source: "/proc", Dest: "/proc", Type: "proc", Options: []string{"nosuid"}, ReadWrite: true}},
	}
}

// dockerLike is what a DockerSource says of the same container.
func dockerLike() *event.Container {
	return &event.Container{
		ID: hexB, Runtime: RuntimeDocker, Name: "web", Created: created.Add(time.Second), MetadataKnown: true,
		Image: "nginx:1.27", ImageRepository: "nginx", ImageTag: "1.27", ImageDigest: "sha256:" + strings.Repeat("1", 64),
		Labels: map[string]string{"a": "docker", "only-docker": "1"},
		Mounts: []event.Mount{{Source: "/srv", Dest: "/srv", Type: "bind"}},
		Pod:    &event.Pod{Name: "p", Namespace: "ns"},
	}
}

func TestMultiFetchMerges(t *testing.T) {
	oci, dock := ociLike(), dockerLike()
	m := NewMultiSource(MultiOptions{Sources: []Source{&listSource{cs: []*event.Container{oci}}, nil, &listSource{cs: []*event.Container{dock}}}})
	c, err := m.Fetch(context.Background(), hexB)
	if err != nil {
		t.Fatal(err)
	}
	if c.Name != "web" || c.Image != "nginx:1.27" || c.ImageTag != "1.27" || c.ImageDigest != dock.ImageDigest {
		t.Errorf("name/image not filled: %+v", c)
	}
	if !c.Created.Equal(created) || !c.Privileged || !c.MetadataKnown || c.Runtime != RuntimeDocker {
		t.Errorf("first source's fields lost: %+v", c)
	}
	if len(c.Mounts) != 1 || c.Mounts[0].Type != "proc" {
		t.Errorf("mounts = %+v", c.Mounts)
	}
	want := map[string]string{"a": "oci", "only-oci": "1", "only-docker": "1"}
	if !reflect.DeepEqual(c.Labels, want) {
		t.Errorf("labels = %v", c.Labels)
	}
	if c.Pod == nil || c.Pod.Name != "p" || c.Pod == dock.Pod {
		t.Errorf("pod = %+v", c.Pod)
	}
	// The sources' containers are untouched.
	if !reflect.DeepEqual(oci, ociLike()) || !reflect.DeepEqual(dock, dockerLike()) {
		t.Error("merge modified a source's container")
	}
}

func TestMultiFetchOrderDecides(t *testing.T) {
	m := NewMultiSource(MultiOptions{Sources: []Source{
		&listSource{cs: []*event.Container{dockerLike()}},
		&listSource{cs: []*event.Container{ociLike()}},
	}})
	c, err := m.Fetch(context.Background(), hexB)
	if err != nil {
		t.Fatal(err)
	}
	if c.Labels["a"] != "docker" || c.Mounts[0].Type != "bind" || !c.Privileged || !c.Created.Equal(created.Add(time.Second)) {
		t.Errorf("got %+v", c)
	}
}

func TestMultiFetchErrors(t *testing.T) {
	ctx := context.Background()
	boom := errors.New("socket refused")
	none := &listSource{}
	failing := &listSource{err: boom}
	good := &listSource{cs: []*event.Container{dockerLike()}}

	_, err := NewMultiSource(MultiOptions{Sources: []Source{none, none}}).Fetch(ctx, hexB)
	if !errors.Is(err, ErrNotFound) {
		t.Errorf("all not found: err = %v", err)
	}
	_, err = NewMultiSource(MultiOptions{}).Fetch(ctx, hexB)
	if !errors.Is(err, ErrNotFound) {
		t.Errorf("no sources: err = %v", err)
	}
	_, err = NewMultiSource(MultiOptions{Sources: []Source{none, failing}}).Fetch(ctx, hexB)
	if err == nil || errors.Is(err, ErrNotFound) || !errors.Is(err, boom) {
		t.Errorf("one failed, one not found: err = %v", err)
	}
	c, err := NewMultiSource(MultiOptions{Sources: []Source{failing, none, good}}).Fetch(ctx, hexB)
	if err != nil || c.Name != "web" {
		t.Errorf("one succeeded: %+v %v", c, err)
	}
}

func TestMultiList(t *testing.T) {
	other := &event.Container{ID: hexA, Name: "db", MetadataKnown: true}
	third := &event.Container{ID: hexC, MetadataKnown: true}
	boom := errors.New("daemon down")
	m := NewMultiSource(MultiOptions{Sources: []Source{
		&listSource{cs: []*event.Container{ociLike(), other}},
		&listSource{cs: []*event.Container{third, dockerLike(), nil}},
		&listSource{err: boom},
	}})
	cs, err := m.List(context.Background())
	if !errors.Is(err, boom) {
		t.Errorf("err = %v", err)
	}
	if len(cs) != 3 || cs[0].ID != hexB || cs[1].ID != hexA || cs[2].ID != hexC {
		t.Fatalf("listed %+v", cs)
	}
	if cs[0].Name != "web" || cs[0].Mounts[0].Type != "proc" || cs[0].Labels["a"] != "oci" {
		t.Errorf("duplicate not merged: %+v", cs[0])
	}
	if cs[1] == other {
		t.Error("list shares a source's container")
	}
}

func TestMergeImages(t *testing.T) {
	a := &event.Container{Image: "nginx:1.27", ImageRepository: "nginx", ImageTag: "1.27"}
	same := &event.Container{Image: "nginx@sha256:ab", ImageRepository: "nginx", ImageDigest: "sha256:ab"}
	other := &event.Container{Image: "redis:7", ImageRepository: "redis", ImageTag: "7", ImageDigest: "sha256:cd"}

	if c := Merge(a, same); c.Image != "nginx:1.27" || c.ImageTag != "1.27" || c.ImageDigest != "sha256:ab" {
		t.Errorf("same repository: %+v", c)
	}
	if c := Merge(a, other); c.ImageRepository != "nginx" || c.ImageDigest != "" {
		t.Errorf("different images mixed: %+v", c)
	}
	if c := Merge(&event.Container{}, other); c.Image != "redis:7" || c.ImageDigest != "sha256:cd" {
		t.Errorf("empty image not filled: %+v", c)
	}
	if Merge(nil, nil) != nil {
		t.Error("Merge(nil, nil) != nil")
	}
	if c := Merge(a, nil); c == a || c.Image != a.Image {
		t.Errorf("Merge(a, nil) = %+v", c)
	}
}

// The multi source works with the cache: the OCI source's docker container
// gains the docker daemon's name.
func TestMultiWithCache(t *testing.T) {
	s, _ := newFakeDocker(t, DockerOptions{})
	m := NewMultiSource(MultiOptions{Sources: []Source{testSource(), s}})
	c := NewCache(CacheOptions{Source: m, MaxWait: 5 * time.Second})
	if err := c.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	got := c.Lookup(Key{ID: hexB, Runtime: RuntimeDocker})
	if !got.MetadataKnown || got.Name != "web" || got.ImageRepository != "nginx" || !got.Privileged || got.Runtime != RuntimeDocker {
		t.Errorf("got %+v", got)
	}
}
