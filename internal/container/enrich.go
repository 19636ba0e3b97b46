package container

import (
	"strconv"

	"github.com/vigil-sec/vigil/internal/event"
)

// Defaults of EnricherOptions' zero values.
const (
	DefaultMaxCgroupPaths = 16384
)

// Namespace-derived container id prefixes (see Enricher).
const (
	MntNSPrefix = "mntns-"
	PidNSPrefix = "pidns-"
)

// EnricherOptions configures an Enricher.
type EnricherOptions struct {
	// Cache resolves container metadata; nil means a cache without a
	// source (every container is known by id, runtime and pod uid only).
	Cache *Cache
	// CgroupPrefixes are extra cgroup path prefixes that mark containers
	// (see CgroupMatcher).
	CgroupPrefixes []CgroupPrefix
	// HostMntNS and HostPidNS are the host's mount and pid namespace inode
	// numbers (of /proc/1/ns/mnt and /proc/1/ns/pid, read by the caller);
	// 0 means unknown, which turns off the namespace fallback for that
	// namespace.
	HostMntNS, HostPidNS uint32
	// MaxCgroupPaths bounds the memo of parsed cgroup paths; when full it
	// is emptied. <= 0 means DefaultMaxCgroupPaths.
	MaxCgroupPaths int
}

// Enricher is the pipeline stage that names each event's container: it
// sets Event.Process.ContainerID and Event.Container. See the package
// documentation for the rules. It must be used from one goroutine (the
// pipeline's).
type Enricher struct {
	cache   *Cache
	matcher *CgroupMatcher
	hostMnt uint32
	hostPid uint32

	maxPaths int
	paths    map[string]Key // cgroup path -> parsed key (ID "" when none)
	ns       map[uint64]*event.Container
}

// NewEnricher returns an enricher.
func NewEnricher(opts EnricherOptions) *Enricher {
	e := &Enricher{
		cache:    opts.Cache,
		matcher:  NewCgroupMatcher(opts.CgroupPrefixes),
		hostMnt:  opts.HostMntNS,
		hostPid:  opts.HostPidNS,
		maxPaths: opts.MaxCgroupPaths,
		paths:    make(map[string]Key),
		ns:       make(map[uint64]*event.Container),
	}
	if e.cache == nil {
		e.cache = NewCache(CacheOptions{})
	}
	if e.maxPaths <= 0 {
		e.maxPaths = DefaultMaxCgroupPaths
	}
	return e
}

// Apply sets ev.Process.ContainerID and ev.Container; a host event gets ""
// and nil. Ancestors are not touched.
func (e *Enricher) Apply(ev *event.Event) {
	p := &ev.Process
	k := e.parse(p.CgroupPath)
	if k.ID == "" {
		k = e.parse(p.CgroupV1Path)
	}
	if k.ID != "" {
		p.ContainerID = k.ID
		if ev.Type.IsExec() {
			ev.Container = e.cache.LookupStart(k)
		} else {
			ev.Container = e.cache.Lookup(k)
		}
		return
	}
	if c := e.byNamespace(p.MntNS, p.PidNS); c != nil {
		p.ContainerID = c.ID
		ev.Container = c
		return
	}
	p.ContainerID = ""
	ev.Container = nil
}

// parse returns the container key a cgroup path names, memoised per path.
func (e *Enricher) parse(path string) Key {
	if path == "" {
		return Key{}
	}
	if k, ok := e.paths[path]; ok {
		return k
	}
	var k Key
	if id, rt, ok := e.matcher.Match(path); ok {
		k = Key{ID: id, Runtime: rt}
		k.PodUID, _ = ParsePodUID(path)
	}
	if len(e.paths) >= e.maxPaths {
		clear(e.paths)
	}
	e.paths[path] = k
	return k
}

// byNamespace returns the container of a process no cgroup path names but
// whose namespaces are not the host's, nil for a host process. The pid
// namespace decides when both it and the host's are known (a systemd
// service with PrivateTmp= or ProtectSystem= has a mount namespace of its
// own but is no container); the mount namespace decides otherwise. The id
// is "mntns-<inode>" when the mount namespace is known (all processes of a
// container share it, and it is what tells containers apart), else
// "pidns-<inode>"; the runtime is RuntimeUnknown.
func (e *Enricher) byNamespace(mnt, pid uint32) *event.Container {
	var in bool
	switch {
	case e.hostPid != 0 && pid != 0:
		in = pid != e.hostPid
	case e.hostMnt != 0 && mnt != 0:
		in = mnt != e.hostMnt
	}
	if !in {
		return nil
	}
	key, prefix, ino := uint64(mnt), MntNSPrefix, mnt
	if mnt == 0 {
		key, prefix, ino = 1<<32|uint64(pid), PidNSPrefix, pid
	}
	if c, ok := e.ns[key]; ok {
		return c
	}
	if len(e.ns) >= e.maxPaths {
		clear(e.ns)
	}
	c := &event.Container{ID: prefix + strconv.FormatUint(uint64(ino), 10), Runtime: RuntimeUnknown}
	e.ns[key] = c
	return c
}
