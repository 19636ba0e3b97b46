package enforce

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/vigil-sec/vigil/internal/container"
	"github.com/vigil-sec/vigil/internal/event"
	"github.com/vigil-sec/vigil/internal/host"
	"github.com/vigil-sec/vigil/internal/policy"
)

// maxAncestors bounds the ancestor walk of a subject.
const maxAncestors = 16

// ContainerLookup returns what is known of a container without waiting:
// nil when nothing is.
type ContainerLookup func(k container.Key) *event.Container

// Resolver reads subjects from /proc. It is safe for concurrent use.
type Resolver struct {
	// ProcRoot is "/proc" when empty.
	ProcRoot string
	// HostPidNS is the host's pid namespace inode (0: unknown, so a
	// process that no cgroup names is on the host).
	HostPidNS uint32
	// Matcher names containers from cgroup paths; nil means the built-in
	// layouts only.
	Matcher *container.CgroupMatcher
	// Lookup gives container metadata; nil means none is known.
	Lookup ContainerLookup
}

func (r *Resolver) proc() string {
	if r.ProcRoot == "" {
		return "/proc"
	}
	return r.ProcRoot
}

// Subject describes process pid. It reads the executable and ancestors
// only when needProcess.
func (r *Resolver) Subject(pid int, needProcess bool) policy.Subject {
	var s policy.Subject
	k := r.ContainerKey(pid)
	switch {
	case k.ID != "":
		s.InContainer = true
		if r.Lookup != nil {
			s.Container = r.Lookup(k)
		}
	case r.HostPidNS != 0:
		if ns := host.NamespaceInode(fmt.Sprintf("%s/%d/ns/pid", r.proc(), pid)); ns != 0 && ns != r.HostPidNS {
			s.InContainer = true
		}
	}
	if needProcess {
		s.Exe, _ = os.Readlink(fmt.Sprintf("%s/%d/exe", r.proc(), pid))
		for p, i := parentOf(r.proc(), pid), 0; p > 1 && i < maxAncestors; p, i = parentOf(r.proc(), p), i+1 {
			exe, err := os.Readlink(fmt.Sprintf("%s/%d/exe", r.proc(), p))
			if err != nil {
				break
			}
			s.Ancestors = append(s.Ancestors, exe)
		}
	}
	return s
}

// ContainerKey names the container of pid from /proc/PID/cgroup: the
// cgroup v2 line first, then the v1 lines. Zero when none names one.
func (r *Resolver) ContainerKey(pid int) container.Key {
	data, err := os.ReadFile(fmt.Sprintf("%s/%d/cgroup", r.proc(), pid))
	if err != nil {
		return container.Key{}
	}
	return parseProcCgroup(data, r.Matcher)
}

// parseProcCgroup reads "hierarchy:controllers:path" lines.
func parseProcCgroup(data []byte, m *container.CgroupMatcher) container.Key {
	var v1 container.Key
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		parts := strings.SplitN(sc.Text(), ":", 3)
		if len(parts) != 3 {
			continue
		}
		id, rt, ok := m.Match(parts[2])
		if !ok {
			continue
		}
		k := container.Key{ID: id, Runtime: rt}
		k.PodUID, _ = container.ParsePodUID(parts[2])
		if parts[0] == "0" && parts[1] == "" {
			return k // cgroup v2
		}
		if v1.ID == "" {
			v1 = k
		}
	}
	return v1
}

// parentOf returns the parent pid from /proc/PID/stat, 0 when unknown.
func parentOf(proc string, pid int) int {
	data, err := os.ReadFile(fmt.Sprintf("%s/%d/stat", proc, pid))
	if err != nil {
		return 0
	}
	// comm may hold spaces and parentheses: the fields follow the last ')'.
	i := bytes.LastIndexByte(data, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(string(data[i+1:]))
	if len(f) < 2 {
		return 0
	}
	ppid, _ := strconv.Atoi(f[1])
	return ppid
}

// rootOf returns the root directory of pid as the agent sees it ("/" for
// a process on the host's root, "" when unreadable).
func rootOf(proc string, pid int) string {
	root, err := os.Readlink(fmt.Sprintf("%s/%d/root", proc, pid))
	if err != nil {
		return ""
	}
	return root
}
