package containerd

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The daemon directory records who owns it and which cgroups the harness
// created, so that a later Start can clean up after a test binary that
// died without running its cleanups (go test -timeout panics, SIGKILL):
// containerd itself dies with it (Pdeathsig), but the shims, their
// containers, the rootfs mounts and the pods' cgroups would stay.
const (
	dirPattern  = "vigil-ctrd-"
	ownerFile   = "owner"       // "<pid> <start time>" of the test process
	cgroupsFile = "cgroups.txt" // "pod|parent <cgroup directory>" lines, parents first
)

// processStart returns the start time (in clock ticks since boot, field
// 22 of /proc/<pid>/stat) of pid, "" when it does not exist.
func processStart(pid int) string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return ""
	}
	// The command (field 2) is in parentheses and may hold spaces.
	s := string(b)
	if i := strings.LastIndexByte(s, ')'); i >= 0 {
		s = s[i+1:]
	}
	f := strings.Fields(s)
	if len(f) < 20 {
		return ""
	}
	return f[19] // field 22 overall
}

func writeOwner(dir string) error {
	pid := os.Getpid()
	return os.WriteFile(filepath.Join(dir, ownerFile), []byte(fmt.Sprintf("%d %s\n", pid, processStart(pid))), 0o644)
}

// ownerAlive reports whether the process that created dir still runs (a
// directory without owner file is young: being created).
func ownerAlive(dir string) bool {
	b, err := os.ReadFile(filepath.Join(dir, ownerFile))
	if err != nil {
		st, err := os.Stat(dir)
		return err == nil && time.Since(st.ModTime()) < time.Minute
	}
	f := strings.Fields(string(b))
	if len(f) != 2 {
		return false
	}
	pid, err := strconv.Atoi(f[0])
	return err == nil && processStart(pid) == f[1]
}

// appendCgroups records the cgroup directories a pod will create: kind
// is "pod" (the pod's own, removed with what is below it) or "parent"
// (removed only when empty).
func appendCgroups(dir, kind string, cgroups []string) error {
	if len(cgroups) == 0 {
		return nil
	}
	var b strings.Builder
	for _, c := range cgroups {
		b.WriteString(kind + " " + c + "\n")
	}
	f, err := os.OpenFile(filepath.Join(dir, cgroupsFile), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	_, err = f.WriteString(b.String())
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// sweepStale cleans up the daemon directories of test processes that
// died.
func sweepStale(t testing.TB, runc string) {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), dirPattern+"*"))
	for _, dir := range dirs {
		if ownerAlive(dir) {
			continue
		}
		if err := cleanStale(dir, runc); err != nil {
			t.Logf("containerd: leftovers of a dead test in %s: %v", dir, err)
		} else {
			t.Logf("containerd: removed the leftovers of a dead test in %s", dir)
		}
	}
}

func cleanStale(dir, runc string) error {
	sock := filepath.Join(dir, "c.sock")
	// containerd (if Pdeathsig missed it), then the shims.
	for _, pid := range pidsWithArg("containerd", filepath.Join(dir, "config.toml")) {
		_ = syscall.Kill(pid, syscall.SIGKILL)
	}
	for _, pid := range shimPids(sock) {
		_ = syscall.Kill(pid, syscall.SIGKILL)
		// A killed shim leaves its socket behind.
		if s := shimSocket(pid, sock); s != "" {
			_ = os.Remove(s)
		}
	}
	// Its containers: runc state that points into dir.
	states, _ := filepath.Glob(filepath.Join(RuncRoot, "*", "state.json"))
	for _, st := range states {
		b, err := os.ReadFile(st)
		if err != nil || !bytes.Contains(b, []byte(dir+"/")) {
			continue
		}
		id := filepath.Base(filepath.Dir(st))
		_ = exec.Command(runc, "--root", RuncRoot, "delete", "--force", id).Run()
	}
	if err := unmountUnder(dir); err != nil {
		return err
	}
	if b, err := os.ReadFile(filepath.Join(dir, cgroupsFile)); err == nil {
		lines := strings.Split(strings.TrimSpace(string(b)), "\n")
		for i := len(lines) - 1; i >= 0; i-- {
			kind, cg, _ := strings.Cut(lines[i], " ")
			if !strings.HasPrefix(cg, "/sys/fs/cgroup/") {
				continue
			}
			if kind == "pod" {
				_ = removeCgroupTree(cg)
			} else {
				_ = syscall.Rmdir(cg) // only when empty: live tests may share it
			}
		}
	}
	if m, _ := mountsUnder(dir); len(m) > 0 {
		return fmt.Errorf("still mounted: %v", m)
	}
	// The runtime's directories, when empty (in use by no containerd).
	for _, d := range []string{RuncRoot, filepath.Dir(RuncRoot), "/run/containerd/s", "/run/containerd"} {
		_ = syscall.Rmdir(d)
	}
	return os.RemoveAll(dir)
}

// shimSocket returns the socket of the shim pid started by the
// containerd listening on sock: /run/containerd/s/<sha256 of
// sock/<namespace>/<id>> (containerd 1.6's shim.SocketAddress).
func shimSocket(pid int, sock string) string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil {
		return ""
	}
	var ns, id string
	args := strings.Split(strings.TrimRight(string(b), "\x00"), "\x00")
	for i := 0; i+1 < len(args); i++ {
		switch args[i] {
		case "-namespace", "--namespace":
			ns = args[i+1]
		case "-id", "--id":
			id = args[i+1]
		}
	}
	if ns == "" || id == "" {
		return ""
	}
	sum := sha256.Sum256([]byte(filepath.Join(sock, ns, id)))
	return filepath.Join("/run/containerd/s", hex.EncodeToString(sum[:]))
}

// pidsWithArg returns the pids of processes named name (base name of
// argv[0]) with arg among their arguments.
func pidsWithArg(name, arg string) []int {
	entries, _ := os.ReadDir("/proc")
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil {
			continue
		}
		args := strings.Split(strings.TrimRight(string(b), "\x00"), "\x00")
		if filepath.Base(args[0]) != name {
			continue
		}
		for _, a := range args[1:] {
			if a == arg {
				pids = append(pids, pid)
				break
			}
		}
	}
	return pids
}
