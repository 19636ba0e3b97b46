package container

import (
	"cmp"
	"container/list"
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/vigil-sec/vigil/internal/event"
)

// Defaults of CacheOptions' zero values.
const (
	DefaultMaxWait       = 100 * time.Millisecond
	DefaultMaxEntries    = 4096
	DefaultRetryInterval = 5 * time.Second
	DefaultFetchTimeout  = 5 * time.Second
	DefaultWorkers       = 2
	fetchQueueLen        = 1024
)

// CacheOptions configures a Cache. The zero value has no metadata source:
// every container is known by its id, runtime and pod uid only.
type CacheOptions struct {
	// Source describes containers; nil means none.
	Source Source
	// MaxWait bounds how long Lookup waits for the first metadata of an id
	// it has not seen. 0 means DefaultMaxWait; a negative value means never
	// wait (the first events of a container then carry no metadata).
	MaxWait time.Duration
	// MaxEntries bounds the containers kept; the least recently looked up
	// one goes first. <= 0 means DefaultMaxEntries.
	MaxEntries int
	// RetryInterval is the least time between two fetches of a container
	// whose metadata the source did not have. 0 means
	// DefaultRetryInterval; a negative value means never refetch.
	RetryInterval time.Duration
	// FetchTimeout bounds one fetch. <= 0 means DefaultFetchTimeout.
	FetchTimeout time.Duration
	// Workers is how many goroutines fetch metadata. <= 0 means
	// DefaultWorkers.
	Workers int
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Logger receives debug and warning messages; nil discards them.
	Logger *slog.Logger
}

// Key names a container as the cgroup path does: its id, the runtime the
// path implies, and the pod uid the path names ("" when none).
type Key struct {
	ID, Runtime, PodUID string
}

// entry is one cached container.
type entry struct {
	key Key
	// c is the current view; replaced (never mutated) when metadata comes.
	c *event.Container
	// md is the source's metadata as fetched (nil before), kept to merge
	// again when a later lookup brings a runtime the key lacked.
	md *event.Container
	// ready is closed when the first fetch of the entry ends.
	ready     chan struct{}
	readyDone bool
	fetching  bool
	lastFetch time.Time
	// firstSeen is when the entry was added; fetched is closed (and
	// replaced) at the end of each fetch, for LookupStart to wait on.
	firstSeen time.Time
	fetched   chan struct{}
	elem      *list.Element
}

// CacheStats are a Cache's counters.
type CacheStats struct {
	Entries   int
	Fetches   uint64 // fetches done
	Misses    uint64 // fetches the source did not know the container for
	Errors    uint64 // fetches that failed otherwise
	Dropped   uint64 // fetches not queued because the queue was full
	Timeouts  uint64 // lookups that stopped waiting after MaxWait
	Evictions uint64
}

// Cache holds the metadata of the containers seen so far, fetched from a
// Source off the caller's goroutine. See the package documentation.
type Cache struct {
	opts  CacheOptions
	log   *slog.Logger
	queue chan *entry

	mu      sync.Mutex
	entries map[string]*entry
	lru     list.List // front: most recently used; values are *entry
	started bool
	closed  bool
	stats   CacheStats

	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// NewCache returns a cache; Start runs its fetch workers.
func NewCache(opts CacheOptions) *Cache {
	if opts.MaxWait == 0 {
		opts.MaxWait = DefaultMaxWait
	}
	if opts.MaxEntries <= 0 {
		opts.MaxEntries = DefaultMaxEntries
	}
	if opts.RetryInterval == 0 {
		opts.RetryInterval = DefaultRetryInterval
	}
	if opts.FetchTimeout <= 0 {
		opts.FetchTimeout = DefaultFetchTimeout
	}
	if opts.Workers <= 0 {
		opts.Workers = DefaultWorkers
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	c := &Cache{opts: opts, log: opts.Logger, entries: make(map[string]*entry)}
	if c.log == nil {
		c.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if opts.Source != nil {
		c.queue = make(chan *entry, fetchQueueLen)
	}
	return c
}

// Start runs the fetch workers until ctx ends or Close. Without a Source it
// does nothing. Lookups before Start never wait.
func (c *Cache) Start(ctx context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return errors.New("container cache: start after close")
	}
	if c.started || c.queue == nil {
		return nil
	}
	ctx, c.cancel = context.WithCancel(ctx)
	c.started = true
	for range c.opts.Workers {
		c.wg.Go(func() { c.work(ctx) })
	}
	return nil
}

// Close stops the workers and waits for them. It is safe to call more than
// once, and without Start.
func (c *Cache) Close() error {
	c.mu.Lock()
	c.closed = true
	c.started = false
	cancel := c.cancel
	c.mu.Unlock()
	if cancel != nil {
		cancel()
	}
	c.wg.Wait()
	return nil
}

// Stats returns the cache's counters.
func (c *Cache) Stats() CacheStats {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.stats
	s.Entries = len(c.entries)
	return s
}

// Lookup returns what is known of container k.ID. For an id the cache has
// not seen it queues a fetch and waits up to MaxWait for it (only when the
// workers run); otherwise it never blocks beyond a mutex, and for a known id
// it does not allocate. A container whose metadata the source lacked is
// refetched, in the background, at most every RetryInterval. The returned
// value is shared and must not be modified; it is replaced, not changed,
// when metadata arrives. Lookup of an empty id returns nil.
func (c *Cache) Lookup(k Key) *event.Container {
	if k.ID == "" {
		return nil
	}
	c.mu.Lock()
	e, ok := c.entries[k.ID]
	if ok {
		c.lru.MoveToFront(e.elem)
		if e.key.Runtime == "" && k.Runtime != "" {
			// Discovered before any event named it: the path's runtime
			// fills in what the metadata did not say.
			e.key.Runtime, e.key.PodUID = k.Runtime, cmp.Or(e.key.PodUID, k.PodUID)
			if e.md != nil {
				e.c = merge(e.key, e.md)
			}
		}
		if !e.c.MetadataKnown && !e.fetching && c.opts.RetryInterval > 0 && c.queue != nil &&
			c.opts.Now().Sub(e.lastFetch) >= c.opts.RetryInterval {
			c.enqueueLocked(e)
		}
		ct := e.c
		c.mu.Unlock()
		return ct
	}
	e = c.addLocked(k, stub(k))
	wait := c.started && c.opts.MaxWait > 0
	if c.queue != nil {
		c.enqueueLocked(e)
	}
	if !e.fetching {
		wait = false
	}
	c.mu.Unlock()
	if wait {
		c.await(e.ready)
	}
	c.mu.Lock()
	ct := e.c
	c.mu.Unlock()
	return ct
}

// Peek returns what the cache holds for id, nil when nothing: it never
// waits, fetches or adds an entry. Safe from any goroutine.
func (c *Cache) Peek(id string) *event.Container {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.entries[id]; ok {
		return e.c
	}
	return nil
}

// await waits for done, at most MaxWait, counting a timeout.
func (c *Cache) await(done <-chan struct{}) {
	t := time.NewTimer(c.opts.MaxWait)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
		c.mu.Lock()
		c.stats.Timeouts++
		c.mu.Unlock()
	}
}

// awaitUntil waits for done until deadline (on the cache's clock), counting
// a timeout; it reports whether done was closed in time.
func (c *Cache) awaitUntil(done <-chan struct{}, deadline time.Time) bool {
	left := deadline.Sub(c.opts.Now())
	if left <= 0 {
		return false
	}
	t := time.NewTimer(left)
	defer t.Stop()
	select {
	case <-done:
		return true
	case <-t.C:
		c.mu.Lock()
		c.stats.Timeouts++
		c.mu.Unlock()
		return false
	}
}

// stub is what the cgroup path alone says of a container.
func stub(k Key) *event.Container {
	ct := &event.Container{ID: k.ID, Runtime: k.Runtime}
	if k.PodUID != "" {
		ct.Pod = &event.Pod{UID: k.PodUID}
	}
	return ct
}

// addLocked inserts a new entry, evicting the least recently used one when
// full.
func (c *Cache) addLocked(k Key, ct *event.Container) *entry {
	for len(c.entries) >= c.opts.MaxEntries {
		old := c.lru.Back().Value.(*entry)
		c.lru.Remove(old.elem)
		delete(c.entries, old.key.ID)
		c.stats.Evictions++
	}
	e := &entry{key: k, c: ct, ready: make(chan struct{}), firstSeen: c.opts.Now(), fetched: make(chan struct{})}
	e.elem = c.lru.PushFront(e)
	c.entries[k.ID] = e
	return e
}

// enqueueLocked queues a fetch of e without blocking; when the queue is
// full the fetch counts as done now (and is retried after RetryInterval).
func (c *Cache) enqueueLocked(e *entry) {
	select {
	case c.queue <- e:
		e.fetching = true
	default:
		c.stats.Dropped++
		e.lastFetch = c.opts.Now()
		c.readyLocked(e)
	}
}

func (c *Cache) readyLocked(e *entry) {
	if !e.readyDone {
		e.readyDone = true
		close(e.ready)
	}
}

// work fetches queued entries until ctx ends.
func (c *Cache) work(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case e := <-c.queue:
			c.fetch(ctx, e)
		}
	}
}

// fetch asks the source for e's metadata and publishes it.
func (c *Cache) fetch(ctx context.Context, e *entry) {
	fctx, cancel := context.WithTimeout(ctx, c.opts.FetchTimeout)
	md, err := c.opts.Source.Fetch(fctx, e.key.ID)
	cancel()
	c.mu.Lock()
	defer c.mu.Unlock()
	c.stats.Fetches++
	e.fetching = false
	e.lastFetch = c.opts.Now()
	switch {
	case errors.Is(err, ErrNotFound):
		c.stats.Misses++
		c.log.Debug("container metadata not found", "id", e.key.ID, "runtime", e.key.Runtime)
	case err != nil:
		c.stats.Errors++
		c.log.Warn("container metadata", "id", e.key.ID, "err", err)
	default:
		e.md = md
		e.c = merge(e.key, md)
	}
	c.readyLocked(e)
	close(e.fetched)
	e.fetched = make(chan struct{})
}

// youngFor is how long after a container is first seen LookupStart still
// refetches its missing metadata: runtimes write their state while the
// container is being created, after its first processes already ran.
const youngFor = 10 * time.Second

// LookupStart is Lookup for an event that starts a program in the
// container (an exec). When the container is young (first seen less than
// youngFor ago) and its metadata is still unknown, as for the container's
// own entrypoint, whose setup processes ran before the runtime wrote its
// state, it fetches again at once and waits up to MaxWait for the answer,
// so that the program's first event carries the metadata.
func (c *Cache) LookupStart(k Key) *event.Container {
	ct := c.Lookup(k)
	if ct == nil || ct.MetadataKnown {
		return ct
	}
	deadline := c.opts.Now().Add(c.opts.MaxWait)
	// A fetch already under way may have read the runtime's state before it
	// was written: wait for it, then fetch once more if it found nothing.
	for range 2 {
		c.mu.Lock()
		e, ok := c.entries[k.ID]
		if !ok || !c.started || c.opts.MaxWait <= 0 || c.queue == nil || c.opts.Now().Sub(e.firstSeen) >= youngFor {
			c.mu.Unlock()
			return ct
		}
		if e.c != nil && e.c.MetadataKnown {
			ct = e.c
			c.mu.Unlock()
			return ct
		}
		if !e.fetching {
			c.enqueueLocked(e)
		}
		done := e.fetched
		fetching := e.fetching
		c.mu.Unlock()
		if !fetching {
			break
		}
		if !c.awaitUntil(done, deadline) {
			break
		}
	}
	c.mu.Lock()
	if e, ok := c.entries[k.ID]; ok && e.c != nil {
		ct = e.c
	}
	c.mu.Unlock()
	return ct
}

// merge combines what the cgroup path says (k) with a source's metadata:
// the metadata's runtime wins when it has one, the path's pod uid fills a
// missing one.
func merge(k Key, md *event.Container) *event.Container {
	ct := *md
	ct.ID = k.ID
	if ct.Runtime == "" {
		ct.Runtime = k.Runtime
	}
	if ct.Runtime == "" {
		ct.Runtime = RuntimeRunc
	}
	if k.PodUID != "" {
		if ct.Pod == nil {
			ct.Pod = &event.Pod{UID: k.PodUID}
		} else if ct.Pod.UID == "" {
			p := *ct.Pod
			p.UID = k.PodUID
			ct.Pod = &p
		}
	}
	return &ct
}

// Discover lists the containers the source knows and preloads them (up to
// MaxEntries), so that the first events of containers that were running
// before the agent carry metadata. It returns how many it loaded and the
// source's error (partial failures do not stop it).
func (c *Cache) Discover(ctx context.Context) (int, error) {
	if c.opts.Source == nil {
		return 0, nil
	}
	list, err := c.opts.Source.List(ctx)
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.opts.Now()
	n := 0
	for _, md := range list {
		if md == nil || md.ID == "" {
			continue
		}
		k := Key{ID: md.ID}
		if md.Pod != nil {
			k.PodUID = md.Pod.UID
		}
		ct := merge(k, md)
		if e, ok := c.entries[md.ID]; ok {
			e.md = md
			e.c = merge(e.key, md)
			e.lastFetch = now
			c.readyLocked(e)
		} else {
			e := c.addLocked(k, ct)
			e.md = md
			e.lastFetch = now
			c.readyLocked(e)
		}
		n++
	}
	return n, err
}
