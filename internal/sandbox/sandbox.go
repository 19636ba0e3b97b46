package sandbox

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// DefaultRoot is runc's default state directory, where agents look for
// containers' state.json.
const DefaultRoot = "/run/runc"

// DefaultTimeout bounds Run and Exec when Options.Timeout is zero.
const DefaultTimeout = 30 * time.Second

// ErrUnavailable is wrapped by New's error when this machine cannot run a
// container at all: not root, runc or a static busybox missing, or a
// systemd cgroupsPath without systemd. Tests skip on it; the simulator
// reports the simulation as not runnable.
var ErrUnavailable = errors.New("containers unavailable")

// Options configures a container. The zero value is a usable container:
// random id, cgroup /vigil-test/<id>, private network namespace, no
// overlay, Docker's default capabilities.
type Options struct {
	// Dir holds the bundle, the image and the overlay (created if
	// missing); the caller removes it after Close. Required.
	Dir string
	// ID is the container id (runc's and, for an agent, the container's);
	// default "vigil-" and 16 random hex digits.
	ID string
	// Root is runc's --root state directory; default DefaultRoot.
	Root string
	// CgroupsPath is the OCI linux.cgroupsPath: a cgroupfs path such as
	// "/vigil-test/<id>" (the default), or the systemd form
	// "slice:prefix:name", which needs systemd as PID 1.
	CgroupsPath string
	// Annotations are the OCI annotations (see PodAnnotations for the
	// keys Kubernetes runtimes set).
	Annotations map[string]string
	// Env is appended to the process environment (PATH and HOME are set).
	Env []string
	// Overlay mounts the root file system as an overlay whose lower layer
	// is the busybox tree: files the container writes are in UpperDir.
	Overlay bool
	// HostNetwork shares the host's network namespace instead of a
	// private one (with only lo, brought up by the harness).
	HostNetwork bool
	// HostPID shares the host's pid namespace (Kubernetes' hostPID):
	// the container sees, and can name, every process of the host.
	HostPID bool
	// Privileged grants all capabilities, allows all devices and drops
	// no_new_privileges and the masked and read-only paths.
	Privileged bool
	// Mounts are bind mounts of host paths into the container.
	Mounts []Mount
	// Files are host files copied into the image (the overlay's lower
	// layer) before anything runs: container path -> host path. The mode
	// is the host file's.
	Files map[string]string
	// Timeout bounds Run and Exec; default DefaultTimeout.
	Timeout time.Duration
	// Busybox is the static busybox to install; default the one on PATH.
	Busybox string
}

// Mount is a bind mount of the host's Source at the container's
// Destination.
type Mount struct {
	Source, Destination string
	ReadOnly            bool
}

// Container is one container. Its methods are not safe for concurrent
// use.
type Container struct {
	opts        Options
	id          string
	root        string
	cgroupsPath string
	systemd     bool
	busybox     string
	runc        string
	bundle      string // config.json, init.out, pid file
	image       string // the busybox tree (the overlay's lower layer)
	rootfs      string // the container's root: image, or the overlay mount
	upper       string // the overlay's upper layer, "" without overlay
	mounted     bool
	started     bool
}

var idRE = regexp.MustCompile(`^[\w+.-]+$`)

// New builds a container's bundle in opts.Dir (nothing runs yet). Close
// removes what it and the container created, except Dir itself. Errors
// wrapping ErrUnavailable mean this machine cannot run containers.
func New(opts Options) (*Container, error) {
	if opts.Dir == "" {
		return nil, errors.New("sandbox: no directory")
	}
	if os.Geteuid() != 0 {
		return nil, fmt.Errorf("%w: runc containers need root", ErrUnavailable)
	}
	runcBin, err := exec.LookPath("runc")
	if err != nil {
		return nil, fmt.Errorf("%w: runc is not installed (Debian package runc)", ErrUnavailable)
	}
	bb := opts.Busybox
	if bb == "" {
		if bb, err = exec.LookPath("busybox"); err != nil {
			return nil, fmt.Errorf("%w: busybox is not installed (Debian package busybox-static)", ErrUnavailable)
		}
	}
	if bb, err = filepath.Abs(bb); err != nil {
		return nil, fmt.Errorf("busybox path: %w", err)
	}
	if err := CheckStatic(bb); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	c := &Container{
		opts: opts, id: opts.ID, root: opts.Root, cgroupsPath: opts.CgroupsPath,
		busybox: bb, runc: runcBin,
	}
	if c.id == "" {
		c.id = "vigil-" + randomHex(8)
	}
	if !idRE.MatchString(c.id) {
		return nil, fmt.Errorf("invalid container id %q", c.id)
	}
	if c.root == "" {
		c.root = DefaultRoot
	}
	if c.cgroupsPath == "" {
		c.cgroupsPath = "/vigil-test/" + c.id
	}
	if strings.Count(c.cgroupsPath, ":") == 2 {
		if !SystemdIsInit() {
			return nil, fmt.Errorf("%w: systemd cgroupsPath %s needs systemd as PID 1", ErrUnavailable, c.cgroupsPath)
		}
		c.systemd = true
	} else if !strings.HasPrefix(c.cgroupsPath, "/") {
		return nil, fmt.Errorf("cgroupsPath %q: want an absolute cgroupfs path or slice:prefix:name", c.cgroupsPath)
	}
	for _, m := range opts.Mounts {
		if !filepath.IsAbs(m.Source) || !filepath.IsAbs(m.Destination) {
			return nil, fmt.Errorf("mount %s on %s: both paths must be absolute", m.Source, m.Destination)
		}
	}
	if c.opts.Timeout == 0 {
		c.opts.Timeout = DefaultTimeout
	}
	if err := os.MkdirAll(c.root, 0o700); err != nil {
		return nil, fmt.Errorf("runc root: %w", err)
	}
	c.bundle = filepath.Join(opts.Dir, "bundle")
	c.image = filepath.Join(opts.Dir, "image")
	c.rootfs = c.image
	if err := os.MkdirAll(c.bundle, 0o755); err != nil {
		return nil, fmt.Errorf("bundle: %w", err)
	}
	if err := buildImage(c.image, bb, opts.Files); err != nil {
		return nil, fmt.Errorf("container %s: %w", c.id, err)
	}
	if opts.Overlay {
		c.rootfs = filepath.Join(opts.Dir, "rootfs")
		c.upper = filepath.Join(opts.Dir, "upper")
		if err := mountOverlay(c.image, c.upper, filepath.Join(opts.Dir, "work"), c.rootfs); err != nil {
			return nil, fmt.Errorf("container %s: %w", c.id, err)
		}
		c.mounted = true
	}
	return c, nil
}

// ID returns the container id.
func (c *Container) ID() string { return c.id }

// Root returns runc's state directory (--root).
func (c *Container) Root() string { return c.root }

// Bundle returns the bundle directory (config.json).
func (c *Container) Bundle() string { return c.bundle }

// Rootfs returns the container's root file system as seen from the host:
// the overlay mount with Overlay, else the busybox tree.
func (c *Container) Rootfs() string { return c.rootfs }

// UpperDir returns the overlay's upper layer ("" without Overlay).
func (c *Container) UpperDir() string { return c.upper }

// CgroupsPath returns the OCI cgroupsPath the container runs under.
func (c *Container) CgroupsPath() string { return c.cgroupsPath }

// runcArgs prefixes args with the global flags.
func (c *Container) runcArgs(args ...string) []string {
	g := []string{"--root", c.root}
	if c.systemd {
		g = append(g, "--systemd-cgroup")
	}
	return append(g, args...)
}

// command runs runc with args (stdin /dev/null), bounded by the timeout;
// onTimeout is called, if not nil, before runc itself is killed.
func (c *Container) command(onTimeout func(), args ...string) (string, error) {
	cmd := exec.Command(c.runc, c.runcArgs(args...)...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	// Orphans in the container may hold runc's pipes: do not wait for them.
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Start(); err != nil {
		return "", fmt.Errorf("runc %s: %w", args[0], err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			return out.String(), fmt.Errorf("runc %s %s: %w: %s", args[0], c.id, err, strings.TrimSpace(out.String()))
		}
		return out.String(), nil
	case <-time.After(c.opts.Timeout):
		if onTimeout != nil {
			onTimeout()
			select {
			case <-done:
				return out.String(), fmt.Errorf("runc %s %s: timed out after %v", args[0], c.id, c.opts.Timeout)
			case <-time.After(5 * time.Second):
			}
		}
		_ = cmd.Process.Kill()
		<-done
		return out.String(), fmt.Errorf("runc %s %s: timed out after %v (killed)", args[0], c.id, c.opts.Timeout)
	}
}

// Run runs args as the container's init in the foreground (`runc run`)
// and returns its combined stdout and stderr. A non-zero exit is an
// *exec.ExitError (wrapped) carrying the process's exit code. runc removes
// the container when it exits, so Run may be called again. On timeout the
// container is killed.
func (c *Container) Run(args ...string) (string, error) {
	if c.started {
		return "", fmt.Errorf("container %s: Run after Start (Delete it first)", c.id)
	}
	if err := c.writeSpec(args); err != nil {
		return "", err
	}
	return c.command(func() { _, _ = c.runcQuick("kill", c.id, "KILL") },
		"run", "--bundle", c.bundle, c.id)
}

// Start starts args as the container's detached init (`runc create`, then
// `runc start`), with its stdout and stderr in a file (InitOutput), and
// returns once it runs. Use a long-lived init ("sleep", "3600") to Exec
// into it.
func (c *Container) Start(args ...string) error {
	if c.started {
		return fmt.Errorf("container %s: already started", c.id)
	}
	if err := c.writeSpec(args); err != nil {
		return err
	}
	logf, err := os.Create(c.initOutputPath())
	if err != nil {
		return fmt.Errorf("init output: %w", err)
	}
	defer logf.Close()
	// runc create passes its stdio to the init: give it a file so that it
	// neither needs a console nor ties the init to a pipe of this process.
	cmd := exec.Command(c.runc, c.runcArgs("create", "--bundle", c.bundle, "--pid-file", c.pidFilePath(), c.id)...)
	cmd.Stdout, cmd.Stderr = logf, logf
	c.started = true // from here Delete has something to remove
	if err := cmd.Run(); err != nil {
		b, _ := os.ReadFile(c.initOutputPath())
		return fmt.Errorf("runc create %s: %w: %s", c.id, err, strings.TrimSpace(string(b)))
	}
	if out, err := c.runcQuick("start", c.id); err != nil {
		return fmt.Errorf("%w: %s", err, out)
	}
	return nil
}

// InitOutput returns what the init of Start wrote so far.
func (c *Container) InitOutput() string {
	b, _ := os.ReadFile(c.initOutputPath())
	return string(b)
}

func (c *Container) initOutputPath() string { return filepath.Join(c.bundle, "init.out") }
func (c *Container) pidFilePath() string    { return filepath.Join(c.bundle, "init.pid") }

// Exec runs args in the started container (`runc exec`) and returns its
// combined output; a non-zero exit is a (wrapped) *exec.ExitError. runc
// returns once every holder of the process's stdout has closed it: a
// background child that keeps it open ("sleep 99 &") makes Exec wait for
// it or the timeout; redirect such children's output, or use
// ExecDetached.
func (c *Container) Exec(args ...string) (string, error) {
	if len(args) == 0 {
		return "", errors.New("exec: no args")
	}
	return c.command(nil, append([]string{"exec", c.id}, args...)...)
}

// ExecDetached starts args in the started container without waiting for
// it (`runc exec -d`); its output is discarded.
func (c *Container) ExecDetached(args ...string) error {
	if len(args) == 0 {
		return errors.New("exec: no args")
	}
	out, err := c.runcQuick(append([]string{"exec", "-d", c.id}, args...)...)
	if err != nil {
		return fmt.Errorf("%w: %s", err, out)
	}
	return nil
}

// State is what `runc state` reports of a container.
type State struct {
	ID          string            `json:"id"`
	Pid         int               `json:"pid"`
	Status      string            `json:"status"`
	Bundle      string            `json:"bundle"`
	Rootfs      string            `json:"rootfs"`
	Annotations map[string]string `json:"annotations"`
}

// State returns the container's runc state.
func (c *Container) State() (State, error) {
	out, err := c.runcQuick("state", c.id)
	if err != nil {
		return State{}, fmt.Errorf("%w: %s", err, out)
	}
	var s State
	if err := json.Unmarshal([]byte(out), &s); err != nil {
		return State{}, fmt.Errorf("decode runc state of %s: %w", c.id, err)
	}
	return s, nil
}

// Pid returns the host pid of the started container's init.
func (c *Container) Pid() (int, error) {
	b, err := os.ReadFile(c.pidFilePath())
	if err != nil {
		return 0, fmt.Errorf("container %s: pid: %w (not started?)", c.id, err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		return 0, fmt.Errorf("container %s: pid file: %w", c.id, err)
	}
	return pid, nil
}

// Wait waits until the started container's init has exited.
func (c *Container) Wait(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		s, err := c.State()
		if err != nil {
			return err
		}
		if s.Status == "stopped" {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("container %s: still %s after %v", c.id, s.Status, timeout)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Delete kills and removes the container (`runc delete --force`); it is
// a no-op when the container does not exist. The bundle, overlay and
// cgroups stay until the test's cleanup; Start may be called again.
func (c *Container) Delete() error {
	pid, _ := c.Pid()
	out, err := c.runcQuick("delete", "--force", c.id)
	c.started = false
	if err != nil && !strings.Contains(out, "does not exist") {
		return fmt.Errorf("%w: %s", err, out)
	}
	if pid > 0 {
		reapOrphan(pid)
	}
	return nil
}

// reapOrphan waits for the dead init pid when it was reparented to this
// process (a child subreaper, as test binaries and `vigil simulate` are),
// so that no zombie is left; briefly, and only for that pid.
func reapOrphan(pid int) {
	for range 50 {
		b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
		if err != nil {
			return // gone (reaped by someone)
		}
		// pid (comm) state ppid ...: comm may hold spaces, so from the last ')'.
		f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
		if len(f) < 2 || f[1] != strconv.Itoa(os.Getpid()) {
			return // not ours to reap
		}
		var ws unix.WaitStatus
		if got, _ := unix.Wait4(pid, &ws, unix.WNOHANG, nil); got == pid {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// runcQuick runs a short runc command and returns its combined output.
func (c *Container) runcQuick(args ...string) (string, error) {
	cmd := exec.Command(c.runc, c.runcArgs(args...)...)
	cmd.WaitDelay = time.Second
	out, err := cmd.CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("runc %s %s: %w", args[0], c.id, err)
	}
	return string(out), nil
}

// Close deletes the container, unmounts the overlay and removes the
// cgroups; what it could not undo is in the error. Options.Dir stays.
func (c *Container) Close() error {
	var errs []error
	if err := c.Delete(); err != nil {
		errs = append(errs, err)
	}
	if c.mounted {
		if err := unmount(c.rootfs); err != nil {
			errs = append(errs, err)
		} else {
			c.mounted = false
		}
	}
	if !c.systemd {
		if err := removeCgroups(c.cgroupsPath); err != nil {
			errs = append(errs, fmt.Errorf("container %s: %w", c.id, err))
		}
	}
	return errors.Join(errs...)
}

// NewID returns a random 64-hex-digit container id, the form Docker,
// containerd and CRI-O use (agents shorten it to 12 digits).
func NewID() string { return randomHex(32) }

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return hex.EncodeToString(b)
}
