package container

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/vigil-sec/vigil/internal/event"
)

// fakeSource serves fixed metadata, optionally blocking each fetch until
// released.
type fakeSource struct {
	mu      sync.Mutex
	known   map[string]*event.Container
	fetches map[string]int
	gate    chan struct{} // nil: no blocking
}

func (s *fakeSource) Fetch(ctx context.Context, id string) (*event.Container, error) {
	if s.gate != nil {
		select {
		case <-s.gate:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fetches[id]++
	if c, ok := s.known[id]; ok {
		return c, nil
	}
	return nil, fmt.Errorf("container %s: %w", id, ErrNotFound)
}

func (s *fakeSource) List(context.Context) ([]*event.Container, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []*event.Container
	for _, c := range s.known {
		out = append(out, c)
	}
	return out, nil
}

func (s *fakeSource) count(id string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.fetches[id]
}

func newFake(cs ...*event.Container) *fakeSource {
	s := &fakeSource{known: map[string]*event.Container{}, fetches: map[string]int{}}
	for _, c := range cs {
		s.known[c.ID] = c
	}
	return s
}

// fakeClock is a settable clock.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func TestCacheLookupWaitsForFirstFetch(t *testing.T) {
	src := newFake(&event.Container{ID: hexA, Name: "web", MetadataKnown: true})
	c := NewCache(CacheOptions{Source: src, MaxWait: 5 * time.Second})
	if err := c.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	got := c.Lookup(Key{ID: hexA, Runtime: RuntimeContainerd, PodUID: uid})
	if !got.MetadataKnown || got.Name != "web" || got.Runtime != RuntimeContainerd || got.Pod == nil || got.Pod.UID != uid {
		t.Errorf("Lookup = %+v", got)
	}
	if again := c.Lookup(Key{ID: hexA, Runtime: RuntimeContainerd}); again != got {
		t.Error("second lookup returned a different value")
	}
	if n := src.count(hexA); n != 1 {
		t.Errorf("fetches = %d; want 1", n)
	}
}

func TestCacheMaxWaitBound(t *testing.T) {
	src := newFake(&event.Container{ID: hexA, Name: "web", MetadataKnown: true})
	src.gate = make(chan struct{})
	c := NewCache(CacheOptions{Source: src, MaxWait: 20 * time.Millisecond})
	if err := c.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	start := time.Now()
	got := c.Lookup(Key{ID: hexA, Runtime: RuntimeDocker})
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Lookup blocked %v", d)
	}
	if got.MetadataKnown || got.ID != hexA || got.Runtime != RuntimeDocker {
		t.Errorf("Lookup = %+v; want a stub", got)
	}
	if c.Stats().Timeouts != 1 {
		t.Errorf("stats = %+v", c.Stats())
	}
	close(src.gate)
	deadline := time.Now().Add(5 * time.Second)
	for !c.Lookup(Key{ID: hexA}).MetadataKnown {
		if time.Now().After(deadline) {
			t.Fatal("metadata never arrived")
		}
		time.Sleep(time.Millisecond)
	}
}

func TestCacheNoWait(t *testing.T) {
	src := newFake(&event.Container{ID: hexA, MetadataKnown: true})
	src.gate = make(chan struct{})
	defer close(src.gate)
	c := NewCache(CacheOptions{Source: src, MaxWait: -1})
	if err := c.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if got := c.Lookup(Key{ID: hexA, Runtime: RuntimeDocker}); got.MetadataKnown {
		t.Errorf("Lookup = %+v", got)
	}
	if c.Stats().Timeouts != 0 {
		t.Errorf("stats = %+v", c.Stats())
	}
}

func TestCacheRetryInterval(t *testing.T) {
	src := newFake()
	clk := &fakeClock{t: time.Unix(1000, 0)}
	c := NewCache(CacheOptions{Source: src, MaxWait: 5 * time.Second, RetryInterval: 10 * time.Second, Now: clk.Now})
	if err := c.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	k := Key{ID: hexA, Runtime: RuntimeDocker}
	if got := c.Lookup(k); got.MetadataKnown {
		t.Fatalf("Lookup = %+v", got)
	}
	for range 5 {
		c.Lookup(k)
	}
	if n := src.count(hexA); n != 1 {
		t.Errorf("fetches before interval = %d; want 1", n)
	}
	src.mu.Lock()
	src.known[hexA] = &event.Container{ID: hexA, Name: "late", MetadataKnown: true}
	src.mu.Unlock()
	clk.Add(10 * time.Second)
	c.Lookup(k) // queues the refetch
	deadline := time.Now().Add(5 * time.Second)
	for c.Lookup(k).Name != "late" {
		if time.Now().After(deadline) {
			t.Fatal("refetch never happened")
		}
		time.Sleep(time.Millisecond)
	}
	if n := src.count(hexA); n != 2 {
		t.Errorf("fetches = %d; want 2", n)
	}
}

func TestCacheBounded(t *testing.T) {
	c := NewCache(CacheOptions{MaxEntries: 3})
	ids := []string{"a", "b", "c", "d"}
	for _, id := range ids[:3] {
		c.Lookup(Key{ID: id, Runtime: RuntimeRunc})
	}
	c.Lookup(Key{ID: "a"}) // a is now the most recent; b goes first
	c.Lookup(Key{ID: "d", Runtime: RuntimeRunc})
	s := c.Stats()
	if s.Entries != 3 || s.Evictions != 1 {
		t.Errorf("stats = %+v", s)
	}
	c.mu.Lock()
	_, hasB := c.entries["b"]
	_, hasA := c.entries["a"]
	c.mu.Unlock()
	if hasB || !hasA {
		t.Errorf("evicted the wrong entry: a=%v b=%v", hasA, hasB)
	}
	if c.Lookup(Key{}) != nil {
		t.Error("empty id gave a container")
	}
}

func TestCacheDiscover(t *testing.T) {
	c := NewCache(CacheOptions{Source: testSource(), MaxWait: -1})
	n, err := c.Discover(context.Background())
	if n != 4 || err == nil {
		t.Errorf("Discover = %d, %v; want 4 and the broken file's error", n, err)
	}
	// Without Start no fetch can run: the metadata must come from Discover.
	got := c.Lookup(Key{ID: hexA, Runtime: RuntimeContainerd})
	if !got.MetadataKnown || got.Name != "web" {
		t.Errorf("Lookup = %+v", got)
	}
	// runc root, no annotations saying the engine: the path's runtime fills it.
	got = c.Lookup(Key{ID: "podweb", Runtime: RuntimePodman})
	if got.Runtime != RuntimePodman || !got.MetadataKnown {
		t.Errorf("Lookup = %+v", got)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if err := c.Start(context.Background()); err == nil {
		t.Error("Start after Close succeeded")
	}
}

func TestCacheConcurrent(t *testing.T) {
	src := newFake(&event.Container{ID: hexA, MetadataKnown: true}, &event.Container{ID: hexB, MetadataKnown: true})
	c := NewCache(CacheOptions{Source: src, MaxWait: time.Millisecond, MaxEntries: 2})
	if err := c.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for j := range 200 {
				id := []string{hexA, hexB, "x"}[(i+j)%3]
				if got := c.Lookup(Key{ID: id, Runtime: RuntimeDocker}); got == nil || got.ID != id {
					t.Errorf("Lookup(%s) = %+v", id, got)
					return
				}
			}
		})
	}
	wg.Wait()
	c.Close()
}

// LookupStart refetches a young container's missing metadata at once and
// waits for it: the runtime wrote its state after the container's first
// events. An old container waits for RetryInterval as with Lookup.
func TestCacheLookupStartYoungContainer(t *testing.T) {
	src := newFake()
	clk := &fakeClock{t: time.Unix(1000, 0)}
	c := NewCache(CacheOptions{Source: src, MaxWait: 5 * time.Second, RetryInterval: time.Hour, Now: clk.Now})
	if err := c.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	k := Key{ID: hexA, Runtime: RuntimeRunc}
	if got := c.Lookup(k); got.MetadataKnown { // the runtime's setup process: no state yet
		t.Fatalf("Lookup = %+v", got)
	}
	src.mu.Lock()
	src.known[hexA] = &event.Container{ID: hexA, Name: "web", MetadataKnown: true}
	src.mu.Unlock()
	clk.Add(time.Second)
	if got := c.LookupStart(k); !got.MetadataKnown || got.Name != "web" { // the entrypoint's exec
		t.Errorf("LookupStart = %+v", got)
	}
	if n := src.count(hexA); n != 2 {
		t.Errorf("fetches = %d; want 2", n)
	}

	// Past youngFor, a container whose metadata is missing is not waited for.
	k2 := Key{ID: hexB, Runtime: RuntimeRunc}
	c.Lookup(k2)
	clk.Add(youngFor)
	if got := c.LookupStart(k2); got.MetadataKnown {
		t.Errorf("LookupStart = %+v", got)
	}
	if n := src.count(hexB); n != 1 {
		t.Errorf("fetches of the old container = %d; want 1", n)
	}
}
