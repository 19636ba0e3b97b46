package runc

import (
	"errors"
	"testing"

	"github.com/vigil-sec/vigil/internal/sandbox"
	"github.com/vigil-sec/vigil/internal/testutil"
)

// DefaultRoot is runc's default state directory, where agents look for
// containers' state.json.
const DefaultRoot = sandbox.DefaultRoot

// DefaultTimeout bounds Run and Exec when Options.Timeout is zero.
const DefaultTimeout = sandbox.DefaultTimeout

// Options configures a container (sandbox.Options; Dir is set by New).
type Options = sandbox.Options

// Mount is a bind mount of a host path into the container.
type Mount = sandbox.Mount

// State is what `runc state` reports of a container.
type State = sandbox.State

// Pod describes the Kubernetes pod a container claims to belong to.
type Pod = sandbox.Pod

// PodAnnotations returns the annotations Kubernetes runtimes set for p.
func PodAnnotations(p Pod) map[string]string { return sandbox.PodAnnotations(p) }

// Cgroups returns the cgroups of process pid: hierarchy -> path.
func Cgroups(pid int) (map[string]string, error) { return sandbox.Cgroups(pid) }

// SystemdIsInit reports whether systemd is PID 1.
func SystemdIsInit() bool { return sandbox.SystemdIsInit() }

// NewID returns a random 64-hex-digit container id.
func NewID() string { return sandbox.NewID() }

// Container is one container of a test: a sandbox.Container whose cleanup
// is registered with the test.
type Container struct {
	*sandbox.Container
	t testing.TB
}

// New builds a container's bundle in a test temporary directory (nothing
// runs yet) and registers its cleanup with t. It skips the test (or fails
// it, see testutil.SkipOrFail) when this machine cannot run containers.
func New(t testing.TB, opts Options) *Container {
	t.Helper()
	opts.Dir = t.TempDir() // removed after the cleanup below (cleanups run last-in first-out)
	c, err := sandbox.New(opts)
	if errors.Is(err, sandbox.ErrUnavailable) {
		testutil.SkipOrFail(t, err.Error())
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := c.Close(); err != nil {
			t.Errorf("cleanup: %v", err)
		}
	})
	return &Container{Container: c, t: t}
}

// Pid returns the host pid of the started container's init; it fails the
// test when the container was not started.
func (c *Container) Pid() int {
	c.t.Helper()
	pid, err := c.Container.Pid()
	if err != nil {
		c.t.Fatal(err)
	}
	return pid
}
