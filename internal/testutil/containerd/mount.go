package containerd

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/vigil-sec/vigil/internal/sandbox"
)

// mountInfo is one line of /proc/self/mountinfo: mount point and type.
type mountInfo struct{ point, fstype string }

func mounts() ([]mountInfo, error) {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return nil, fmt.Errorf("mountinfo: %w", err)
	}
	defer f.Close()
	var out []mountInfo
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20) // overlay options are long
	for sc.Scan() {
		// ID parent major:minor root mount-point options... - fstype source super-options
		fields := strings.Fields(sc.Text())
		for i, fld := range fields {
			if fld == "-" && i+1 < len(fields) && i >= 4 {
				out = append(out, mountInfo{point: unescapeOctal(fields[4]), fstype: fields[i+1]})
				break
			}
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("mountinfo: %w", err)
	}
	return out, nil
}

// unescapeOctal decodes mountinfo's \NNN escapes (space, tab, newline,
// backslash).
func unescapeOctal(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+4 <= len(s) {
			var v int
			if _, err := fmt.Sscanf(s[i+1:i+4], "%03o", &v); err == nil {
				b.WriteByte(byte(v))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// mountsUnder returns the mount points at or below dir, deepest first.
func mountsUnder(dir string) ([]string, error) {
	all, err := mounts()
	if err != nil {
		return nil, err
	}
	var out []string
	for _, m := range all {
		if m.point == dir || strings.HasPrefix(m.point, dir+"/") {
			out = append(out, m.point)
		}
	}
	sort.Slice(out, func(i, j int) bool { return len(out[i]) > len(out[j]) })
	return out, nil
}

// unmountUnder unmounts everything mounted at or below dir (lazily when
// busy).
func unmountUnder(dir string) error {
	var errs []error
	for range 3 { // a mount may have been stacked several times
		points, err := mountsUnder(dir)
		if err != nil {
			return err
		}
		if len(points) == 0 {
			return nil
		}
		errs = nil
		for _, p := range points {
			err := unix.Unmount(p, 0)
			if errors.Is(err, unix.EBUSY) {
				err = unix.Unmount(p, unix.MNT_DETACH)
			}
			if err != nil && !errors.Is(err, unix.EINVAL) && !errors.Is(err, unix.ENOENT) {
				errs = append(errs, fmt.Errorf("unmount %s: %w", p, err))
			}
		}
	}
	return errors.Join(errs...)
}

// cgroupMounts returns the mount points of the cgroup (v1) and cgroup2
// hierarchies.
func cgroupMounts() ([]string, error) {
	all, err := mounts()
	if err != nil {
		return nil, err
	}
	var out []string
	for _, m := range all {
		if m.fstype == "cgroup" || m.fstype == "cgroup2" {
			out = append(out, m.point)
		}
	}
	return out, nil
}

// absentCgroupDirs returns, in every cgroup hierarchy, the directories
// of path (a cgroupfs path such as /kubepods/besteffort/pod<uid>) and its
// ancestors that do not exist yet, parents first: those runc will create
// for the pod.
func absentCgroupDirs(path string) ([]string, error) {
	path = filepath.Clean("/" + path)
	mnts, err := cgroupMounts()
	if err != nil {
		return nil, err
	}
	var out []string
	for _, mnt := range mnts {
		var chain []string
		for p := path; p != "/"; p = filepath.Dir(p) {
			dir := filepath.Join(mnt, p)
			if _, err := os.Stat(dir); err == nil {
				break
			}
			chain = append([]string{dir}, chain...)
		}
		out = append(out, chain...)
	}
	return out, nil
}

// removeCgroupTree removes the cgroup directory dir and any directory
// below it (containers runc did not remove), retrying while the kernel
// still counts exiting processes; absent is fine.
func removeCgroupTree(dir string) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	var errs []error
	for _, e := range entries {
		if e.IsDir() {
			errs = append(errs, removeCgroupTree(filepath.Join(dir, e.Name())))
		}
	}
	if err := sandbox.RmdirRetry(dir); err != nil {
		errs = append(errs, fmt.Errorf("remove cgroup %s: %w", dir, err))
	}
	return errors.Join(errs...)
}
