package container

import "strings"

// Runtime names, as event.Container.Runtime holds them.
const (
	RuntimeDocker     = "docker"
	RuntimeContainerd = "containerd"
	RuntimeCRIO       = "cri-o"
	RuntimePodman     = "podman"
	RuntimeRunc       = "runc"
	RuntimeUnknown    = "unknown"
)

// CgroupPrefix marks the cgroups below Path as containers of Runtime: the
// first component below Path that is not a systemd slice names the
// container (see CgroupMatcher).
type CgroupPrefix struct {
	// Path is a cgroup path relative to the hierarchy root, such as
	// "/mycontainers" or "/machine.slice/custom.slice". A trailing "/" is
	// ignored.
	Path string
	// Runtime is the runtime name to report; "" means RuntimeRunc.
	Runtime string
}

// scopePrefix is a systemd scope naming scheme: <prefix><id>.scope.
type scopePrefix struct {
	prefix, runtime string
	anyID           bool // a runc id rather than 64 hex digits
}

// knownScopes are the systemd scope prefixes of the known runtimes. A scope
// with one of these prefixes that does not continue with a valid id (such as
// crio-conmon-<id>.scope or libpod-conmon-<id>.scope) is not a container.
var knownScopes = [...]scopePrefix{
	{"docker-", RuntimeDocker, false},
	{"cri-containerd-", RuntimeContainerd, false},
	{"crio-", RuntimeCRIO, false},
	{"libpod-", RuntimePodman, false},
	{"nerdctl-", RuntimeContainerd, false},
	{"runc-", RuntimeRunc, true},
}

// CgroupMatcher recognises container cgroups: the layouts ParseCgroup
// knows, plus the prefixes it was built with. Its methods do not allocate
// and are safe for concurrent use.
type CgroupMatcher struct {
	prefixes []CgroupPrefix
}

// NewCgroupMatcher returns a matcher that, besides the known layouts,
// treats the cgroups below each of extra as containers. Prefixes with an
// empty Path are ignored.
func NewCgroupMatcher(extra []CgroupPrefix) *CgroupMatcher {
	m := &CgroupMatcher{}
	for _, p := range extra {
		path := strings.TrimRight(p.Path, "/")
		if p.Path == "" {
			continue
		}
		if !strings.HasPrefix(path, "/") && path != "" {
			path = "/" + path
		}
		rt := p.Runtime
		if rt == "" {
			rt = RuntimeRunc
		}
		m.prefixes = append(m.prefixes, CgroupPrefix{Path: path, Runtime: rt})
	}
	return m
}

// Match returns the container id and runtime named by a cgroup path, as
// ParseCgroup does; when no known layout matches, it tries the matcher's
// extra prefixes in order. A nil matcher knows no extra prefixes.
func (m *CgroupMatcher) Match(path string) (id, runtime string, ok bool) {
	if id, runtime, ok = ParseCgroup(path); ok {
		return id, runtime, true
	}
	if m == nil {
		return "", "", false
	}
	for _, p := range m.prefixes {
		rest, found := strings.CutPrefix(path, p.Path)
		if !found || !strings.HasPrefix(rest, "/") {
			continue
		}
		for c := range strings.SplitSeq(rest[1:], "/") {
			if c == "" || strings.HasSuffix(c, ".slice") {
				continue
			}
			if id := customID(c); id != "" {
				return id, p.Runtime, true
			}
			break
		}
	}
	return "", "", false
}

// customID returns the container id a cgroup component below a configured
// prefix names: the component itself for the cgroupfs driver, or the
// <name> of a systemd "<prefix>-<name>.scope" (the 64-hex tail when there
// is one, else everything after the first '-').
func customID(c string) string {
	name, scope := strings.CutSuffix(c, ".scope")
	if scope {
		if i := strings.LastIndexByte(name, '-'); i >= 0 && isHex64(name[i+1:]) {
			return name[i+1:]
		}
		if _, after, found := strings.Cut(name, "-"); found {
			name = after
		}
	}
	if !validID(name) {
		return ""
	}
	return name
}

// ParseCgroup returns the container id and runtime named by a cgroup path
// (v1 or v2, relative to the hierarchy root as /proc/PID/cgroup shows it).
// The id is a substring of path (no allocation). Components are tried from
// the deepest up, so a nested container (a kind node's pods, docker in
// docker) resolves to the innermost one and a sub-cgroup of a container
// (a systemd init.scope inside it, podman's "container" sub-cgroup)
// resolves to the container. Recognised components:
//
//   - systemd scopes: docker-<64hex>.scope (docker), cri-containerd-<64hex>.scope
//     and nerdctl-<64hex>.scope (containerd), crio-<64hex>.scope (cri-o),
//     libpod-<64hex>.scope (podman), runc-<runc id>.scope (runc); any other
//     <prefix>-<64hex>.scope is a container of runtime runc, unless the
//     prefix ends in "conmon" (crio-conmon-, libpod-conmon-: the monitor,
//     not the container).
//   - cgroupfs: crio-<64hex> (cri-o), libpod-<64hex> (podman),
//     <anything>:cri-containerd:<64hex> (containerd), and a bare 64-hex
//     component: docker below a "docker" parent, containerd anywhere below
//     a kubepods cgroup (the CRI runtime cannot be told from the path; the
//     metadata source corrects it), runc elsewhere.
//
// Other components never name a container: user.slice, session-N.scope,
// init.scope, docker.service, a runc id that is not 64 hex outside a
// runc-<id>.scope (use CgroupMatcher for custom layouts).
func ParseCgroup(path string) (id, runtime string, ok bool) {
	end := len(path)
	for end > 0 {
		start := strings.LastIndexByte(path[:end], '/') + 1
		if id, runtime, ok = matchComponent(path[start:end], path[:max(start-1, 0)]); ok {
			return id, runtime, true
		}
		if start == 0 {
			break
		}
		end = start - 1
	}
	return "", "", false
}

// matchComponent matches one cgroup path component c whose parent path is
// parent.
func matchComponent(c, parent string) (id, runtime string, ok bool) {
	if len(c) < 64 && !strings.HasPrefix(c, "runc-") {
		return "", "", false
	}
	if name, scope := strings.CutSuffix(c, ".scope"); scope {
		for _, k := range knownScopes {
			rest, found := strings.CutPrefix(name, k.prefix)
			if !found {
				continue
			}
			if (k.anyID && validID(rest)) || isHex64(rest) {
				return rest, k.runtime, true
			}
			return "", "", false
		}
		if i := strings.LastIndexByte(name, '-'); i > 0 && isHex64(name[i+1:]) && !strings.HasSuffix(name[:i], "conmon") {
			return name[i+1:], RuntimeRunc, true
		}
		return "", "", false
	}
	if isHex64(c) {
		switch {
		case lastComponent(parent) == "docker":
			return c, RuntimeDocker, true
		case strings.Contains(parent, "kubepods"):
			return c, RuntimeContainerd, true
		}
		return c, RuntimeRunc, true
	}
	if rest, found := strings.CutPrefix(c, "crio-"); found && isHex64(rest) {
		return rest, RuntimeCRIO, true
	}
	if rest, found := strings.CutPrefix(c, "libpod-"); found && isHex64(rest) {
		return rest, RuntimePodman, true
	}
	if i := strings.Index(c, ":cri-containerd:"); i >= 0 && isHex64(c[i+len(":cri-containerd:"):]) {
		return c[i+len(":cri-containerd:"):], RuntimeContainerd, true
	}
	return "", "", false
}

// ParsePodUID returns the Kubernetes pod uid named by a kubepods cgroup path:
// a pod<uid> component below a kubepods cgroup (cgroupfs driver), or a
// [kubelet-]kubepods[-<qos>]-pod<uid>.slice component (systemd driver, where the
// uid's dashes are written as underscores; the result has dashes). It
// allocates only for the systemd form.
func ParsePodUID(path string) (uid string, ok bool) {
	if !strings.Contains(path, "kubepods") {
		return "", false
	}
	below := false // below a kubepods cgroup
	for c := range strings.SplitSeq(path, "/") {
		if name, slice := strings.CutSuffix(c, ".slice"); slice {
			if j := strings.LastIndex(name, "-pod"); j >= 0 && strings.Contains(name[:j], "kubepods") {
				if u := name[j+len("-pod"):]; validUID(u) {
					return strings.ReplaceAll(u, "_", "-"), true
				}
			}
		} else if u, found := strings.CutPrefix(c, "pod"); found && below && validUID(u) {
			return u, true
		}
		below = below || strings.Contains(c, "kubepods")
	}
	return "", false
}

// validUID reports whether s looks like a pod uid: 8 to 64 hex digits,
// dashes or underscores.
func validUID(s string) bool {
	if len(s) < 8 || len(s) > 64 {
		return false
	}
	for i := range len(s) {
		switch c := s[i]; {
		case c >= '0' && c <= '9', c >= 'a' && c <= 'f', c >= 'A' && c <= 'F', c == '-', c == '_':
		default:
			return false
		}
	}
	return true
}

// lastComponent returns the last component of a cgroup path.
func lastComponent(p string) string {
	return p[strings.LastIndexByte(p, '/')+1:]
}

// isHex64 reports whether s is 64 lower-case hex digits (a docker,
// containerd, CRI-O or podman container id).
func isHex64(s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := range len(s) {
		if c := s[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// validID reports whether s is a valid runc container id: [A-Za-z0-9_.-]+,
// not "." or "..", at most 1024 bytes. Such an id is safe as a path
// component.
func validID(s string) bool {
	if s == "" || s == "." || s == ".." || len(s) > 1024 {
		return false
	}
	for i := range len(s) {
		switch c := s[i]; {
		case c >= '0' && c <= '9', c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c == '_', c == '.', c == '-':
		default:
			return false
		}
	}
	return true
}
