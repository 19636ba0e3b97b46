package policy

import (
	"net/netip"

	"github.com/vigil-sec/vigil/internal/event"
	"github.com/vigil-sec/vigil/internal/fields"
)

// Subject is the process an action is attempted by, as far as scopes need
// it. Exe and Ancestors are only read when the scope names binaries or
// ancestors, so callers may fill them lazily (see Scope.NeedsProcess).
type Subject struct {
	// InContainer is set for a process in a container, also when nothing
	// else is known about the container.
	InContainer bool
	// Container is the container's metadata, nil when unknown or on the
	// host.
	Container *event.Container
	Exe       string
	// Ancestors are the executables of the parent, grandparent, ...
	Ancestors []string
}

// NeedsProcess reports whether matching the scope reads Subject.Exe or
// Subject.Ancestors.
func (s *Scope) NeedsProcess() bool { return len(s.Binaries) > 0 || len(s.Ancestors) > 0 }

// Match reports whether the scope covers sub.
func (s *Scope) Match(sub *Subject) bool {
	switch s.Where {
	case WhereHost:
		if sub.InContainer {
			return false
		}
	case WhereContainers:
		if !sub.InContainer {
			return false
		}
	}
	if s.HasContainerSelector() && (!sub.InContainer || !s.MatchContainer(sub.Container)) {
		return false
	}
	if len(s.Binaries) > 0 && !anyGlob(s.Binaries, sub.Exe) {
		return false
	}
	if len(s.Ancestors) > 0 {
		found := false
		for _, a := range sub.Ancestors {
			if anyGlob(s.Ancestors, a) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// MatchContainer reports whether a container satisfies the scope's
// container and Kubernetes selectors (true when it has none). Unknown
// metadata (nil, or a selector's field empty) never matches a selector.
func (s *Scope) MatchContainer(c *event.Container) bool {
	if !s.HasContainerSelector() {
		return true
	}
	if c == nil {
		return false
	}
	if len(s.Images) > 0 && !anyGlob(s.Images, c.Image) && !anyGlob(s.Images, c.ImageRepository) {
		return false
	}
	if len(s.Names) > 0 && !anyGlob(s.Names, c.Name) {
		return false
	}
	if !labelsMatch(s.ContainerLabels, c.Labels) {
		return false
	}
	if len(s.Namespaces) > 0 || len(s.PodLabels) > 0 {
		if c.Pod == nil {
			return false
		}
		if len(s.Namespaces) > 0 && !anyGlob(s.Namespaces, c.Pod.Namespace) {
			return false
		}
		if !labelsMatch(s.PodLabels, c.Pod.Labels) {
			return false
		}
	}
	return true
}

func labelsMatch(want, have map[string]string) bool {
	for k, pat := range want {
		v, ok := have[k]
		if !ok || !fields.Glob(pat, v) {
			return false
		}
	}
	return true
}

func anyGlob(pats []string, s string) bool {
	if s == "" {
		return false
	}
	for _, p := range pats {
		if fields.Glob(p, s) {
			return true
		}
	}
	return false
}

// MatchPath reports whether path matches one of the policy's path
// patterns (exec, exec_allow and open policies).
func (p *Policy) MatchPath(path string) bool { return anyGlob(p.Paths, path) }

// MatchNet reports whether a connection to (or a bind of) addr/port over
// proto (ProtoTCP or ProtoUDP) matches one of the policy's network
// matches.
func (p *Policy) MatchNet(addr netip.Addr, port uint16, proto Proto) bool {
	for _, m := range p.Net {
		if m.Proto != ProtoAny && m.Proto != proto {
			continue
		}
		if !m.Ports.Contains(port) {
			continue
		}
		if m.Prefix.IsValid() && !m.Prefix.Contains(addr.Unmap()) {
			continue
		}
		return true
	}
	return false
}
