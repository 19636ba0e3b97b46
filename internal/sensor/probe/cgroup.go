package probe

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/link"
	"golang.org/x/sys/unix"
)

const cgroupRoot = "/sys/fs/cgroup"

// cgroupTempPrefix names the temporary child cgroups the probes create.
const cgroupTempPrefix = "vigil-probe-"

// cgroup2Mount is where the cgroup v2 hierarchy is mounted.
type cgroup2Mount struct {
	path   string
	hybrid bool // cgroup v1 controllers at /sys/fs/cgroup, v2 elsewhere
}

// findCgroup2 locates the cgroup v2 hierarchy: /sys/fs/cgroup (unified),
// /sys/fs/cgroup/unified (systemd's hybrid layout), or any other cgroup2
// mount listed in /proc/self/mountinfo.
func findCgroup2() (cgroup2Mount, error) {
	if isCgroup2(cgroupRoot) {
		return cgroup2Mount{path: cgroupRoot}, nil
	}
	if p := cgroupRoot + "/unified"; isCgroup2(p) {
		return cgroup2Mount{path: p, hybrid: true}, nil
	}
	mounts, err := cgroup2MountPoints("/proc/self/mountinfo")
	if err != nil {
		return cgroup2Mount{}, fmt.Errorf("no cgroup2 at %s or %s/unified, and %w", cgroupRoot, cgroupRoot, err)
	}
	for _, m := range mounts {
		if isCgroup2(m) {
			return cgroup2Mount{path: m, hybrid: true}, nil
		}
	}
	return cgroup2Mount{}, fmt.Errorf("no cgroup2 filesystem mounted (%s is %s)", cgroupRoot, fsName(cgroupRoot))
}

func isCgroup2(path string) bool {
	var st unix.Statfs_t
	return unix.Statfs(path, &st) == nil && st.Type == unix.CGROUP2_SUPER_MAGIC
}

func fsName(path string) string {
	var st unix.Statfs_t
	if err := unix.Statfs(path, &st); err != nil {
		return fmt.Sprintf("not accessible: %v", err)
	}
	switch st.Type {
	case unix.CGROUP_SUPER_MAGIC:
		return "cgroup v1"
	case unix.TMPFS_MAGIC:
		return "tmpfs (cgroup v1 layout)"
	case unix.CGROUP2_SUPER_MAGIC:
		return "cgroup2"
	}
	return fmt.Sprintf("filesystem magic %#x", st.Type)
}

// cgroup2MountPoints lists the mount points of type cgroup2 in a mountinfo
// file.
func cgroup2MountPoints(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read mounts: %w", err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// id parent major:minor root mountpoint opts [optional...] - fstype source superopts
		pre, post, ok := strings.Cut(sc.Text(), " - ")
		if !ok {
			continue
		}
		pf, qf := strings.Fields(pre), strings.Fields(post)
		if len(pf) >= 5 && len(qf) >= 1 && qf[0] == "cgroup2" {
			out = append(out, unescapeMountinfo(pf[4]))
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return out, nil
}

// unescapeMountinfo undoes the octal escapes (\040 for space, ...) in
// mountinfo paths.
func unescapeMountinfo(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) && isOctal(s[i+1]) && isOctal(s[i+2]) && isOctal(s[i+3]) {
			b.WriteByte((s[i+1]-'0')<<6 | (s[i+2]-'0')<<3 | (s[i+3] - '0'))
			i += 3
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func isOctal(c byte) bool { return c >= '0' && c <= '7' }

func probeCgroupV2(context.Context) (bool, string) {
	m, err := findCgroup2()
	if err != nil {
		return false, err.Error()
	}
	if m.hybrid {
		return true, fmt.Sprintf("cgroup2 mounted at %s (hybrid layout: %s is %s)", m.path, cgroupRoot, fsName(cgroupRoot))
	}
	return true, fmt.Sprintf("cgroup2 mounted at %s (unified layout)", m.path)
}

func probeCgroupSockAddr(ctx context.Context) (bool, string) {
	return probeCgroupProgram(ctx, "sock_addr connect4", &ebpf.ProgramSpec{
		Type:         ebpf.CGroupSockAddr,
		AttachType:   ebpf.AttachCGroupInet4Connect,
		Instructions: returnImm(1), // allow
	}, "sockaddr")
}

func probeCgroupSKB(ctx context.Context) (bool, string) {
	return probeCgroupProgram(ctx, "skb egress", &ebpf.ProgramSpec{
		Type:         ebpf.CGroupSKB,
		AttachType:   ebpf.AttachCGroupInetEgress,
		Instructions: returnImm(1), // pass
	}, "skb")
}

// probeCgroupProgram loads spec (a program that allows everything) and
// attaches it to a temporary child cgroup of the cgroup v2 root, holding no
// process, then detaches it and removes the cgroup. When no child cgroup can
// be created (a read-only cgroupfs), it attaches to the root cgroup instead
// and detaches at once; an allow-all program there changes nothing.
func probeCgroupProgram(_ context.Context, what string, spec *ebpf.ProgramSpec, suffix string) (_ bool, detail string) {
	m, err := findCgroup2()
	if err != nil {
		return false, fmt.Sprintf("cgroup %s: %v", what, err)
	}
	prog, err := loadProgram(spec, suffix)
	if err != nil {
		return false, hint(err, fmt.Sprintf("load cgroup %s program: %v", what, err))
	}
	defer prog.Close()

	target, where := m.path, "the root cgroup "+m.path
	dir, mkErr := os.MkdirTemp(m.path, cgroupTempPrefix)
	if mkErr == nil {
		target, where = dir, "a temporary cgroup"
		defer func() {
			if err := removeCgroup(dir); err != nil {
				detail += fmt.Sprintf("; WARNING: %v", err)
			}
		}()
	}

	l, err := link.AttachCgroup(link.CgroupOptions{Path: target, Attach: spec.AttachType, Program: prog})
	if err != nil {
		msg := fmt.Sprintf("attach cgroup %s to %s: %v", what, where, err)
		if mkErr != nil {
			msg += fmt.Sprintf(" (no temporary cgroup: %v)", mkErr)
		}
		return false, hint(err, msg)
	}
	if err := l.Close(); err != nil {
		return false, fmt.Sprintf("detach cgroup %s from %s: %v", what, where, err)
	}
	return true, fmt.Sprintf("attached and detached a cgroup %s program on %s under %s", what, where, m.path)
}

// removeCgroup removes an empty cgroup directory, retrying for up to a second
// while the kernel still reports it busy. It ignores the probe's deadline:
// cleaning up matters more than returning on time.
func removeCgroup(dir string) error {
	var err error
	for range 50 {
		if err = unix.Rmdir(dir); err == nil || errors.Is(err, unix.ENOENT) {
			return nil
		}
		if !errors.Is(err, unix.EBUSY) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	return fmt.Errorf("remove temporary cgroup %s: %w", dir, err)
}
