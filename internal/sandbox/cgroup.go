package sandbox

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// SystemdIsInit reports whether systemd is PID 1 (so that systemd-form
// cgroupsPaths, which runc hands to systemd, work).
func SystemdIsInit() bool {
	b, err := os.ReadFile("/proc/1/comm")
	return err == nil && strings.TrimSpace(string(b)) == "systemd"
}

// Cgroups returns the cgroups of process pid, from /proc/<pid>/cgroup:
// hierarchy (the controllers, such as "memory" or "cpu,cpuacct", or
// "name=systemd"; "" for the unified cgroup2 hierarchy) -> path.
func Cgroups(pid int) (map[string]string, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/cgroup", pid))
	if err != nil {
		return nil, fmt.Errorf("cgroups of %d: %w", pid, err)
	}
	defer f.Close()
	m := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// hierarchy-ID:controller-list:cgroup-path
		parts := strings.SplitN(sc.Text(), ":", 3)
		if len(parts) != 3 {
			continue
		}
		m[parts[1]] = parts[2]
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("cgroups of %d: %w", pid, err)
	}
	return m, nil
}

// cgroupMounts returns the mount points of the cgroup and cgroup2 file
// systems, from /proc/self/mountinfo.
func cgroupMounts() ([]string, error) {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return nil, fmt.Errorf("mountinfo: %w", err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// ID parent major:minor root mount-point options... - fstype source super-options
		fields := strings.Fields(sc.Text())
		for i, fld := range fields {
			if fld == "-" && i+1 < len(fields) && i >= 4 {
				if t := fields[i+1]; t == "cgroup" || t == "cgroup2" {
					out = append(out, fields[4])
				}
				break
			}
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("mountinfo: %w", err)
	}
	return out, nil
}

// removeCgroups removes the cgroupfs directory path (an OCI cgroupsPath)
// in every cgroup hierarchy, then its parents where they are empty. A
// directory runc left that still has processes is an error; parents in use
// by other containers are left alone.
func removeCgroups(path string) error {
	path = filepath.Clean("/" + path)
	if path == "/" {
		return nil
	}
	mounts, err := cgroupMounts()
	if err != nil {
		return err
	}
	var errs []error
	for _, mnt := range mounts {
		leaf := filepath.Join(mnt, path)
		if err := RmdirRetry(leaf); err != nil {
			errs = append(errs, fmt.Errorf("remove cgroup %s: %w", leaf, err))
			continue
		}
		for p := filepath.Dir(path); p != "/"; p = filepath.Dir(p) {
			if err := unix.Rmdir(filepath.Join(mnt, p)); err != nil {
				break // not empty (another container), busy or absent
			}
		}
	}
	return errors.Join(errs...)
}

// RmdirRetry removes a cgroup directory, retrying briefly while the
// kernel still counts exiting processes in it; absent is fine.
func RmdirRetry(dir string) error {
	var err error
	for range 100 {
		err = unix.Rmdir(dir)
		if err == nil || errors.Is(err, unix.ENOENT) {
			return nil
		}
		if !errors.Is(err, unix.EBUSY) {
			return err
		}
		time.Sleep(20 * time.Millisecond)
	}
	return err
}

// Pod describes the Kubernetes pod and container PodAnnotations claims a
// container belongs to.
type Pod struct {
	Name, Namespace, UID string
	SandboxID            string // the pod sandbox's container id
	ContainerName        string
	Image                string // image reference, e.g. "docker.io/library/busybox:1.36"
}

// PodAnnotations returns the annotations Kubernetes runtimes put in an
// application container's config.json for p: containerd's
// io.kubernetes.cri.* keys and CRI-O's io.kubernetes.pod.* /
// io.kubernetes.container.* / io.kubernetes.cri-o.* keys.
func PodAnnotations(p Pod) map[string]string {
	return map[string]string{
		// containerd (CRI plugin)
		"io.kubernetes.cri.container-type":    "container",
		"io.kubernetes.cri.container-name":    p.ContainerName,
		"io.kubernetes.cri.image-name":        p.Image,
		"io.kubernetes.cri.sandbox-id":        p.SandboxID,
		"io.kubernetes.cri.sandbox-name":      p.Name,
		"io.kubernetes.cri.sandbox-namespace": p.Namespace,
		"io.kubernetes.cri.sandbox-uid":       p.UID,
		// CRI-O
		"io.kubernetes.pod.name":            p.Name,
		"io.kubernetes.pod.namespace":       p.Namespace,
		"io.kubernetes.pod.uid":             p.UID,
		"io.kubernetes.container.name":      p.ContainerName,
		"io.kubernetes.cri-o.ContainerType": "container",
		"io.kubernetes.cri-o.ImageName":     p.Image,
		"io.kubernetes.cri-o.SandboxID":     p.SandboxID,
	}
}
