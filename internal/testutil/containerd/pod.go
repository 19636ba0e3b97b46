package containerd

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	cri "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// PodOptions describes a pod. The zero value is a usable pod: a random
// name in namespace "default", a random UID, cgroup parent
// /kubepods/besteffort/pod<uid>.
type PodOptions struct {
	// Name and Namespace are the pod's metadata; default "vigil-<hex>" and
	// "default".
	Name, Namespace string
	// UID is the pod's uid; default a random UUID (as the API server
	// assigns).
	UID string
	// Labels and Annotations are the pod's, as the kubelet passes them
	// (it adds io.kubernetes.pod.* labels; the harness does not).
	Labels, Annotations map[string]string
	// CgroupParent is the pod's cgroupfs parent; default
	// "/kubepods/besteffort/pod<UID>" (the kubelet's cgroupfs layout).
	// Containers run in CgroupParent/<container id>.
	CgroupParent string
}

// Pod is a running pod sandbox: the host's network (and so UTS)
// namespace, an IPC namespace of its own, and the image's sleep as its
// pause container.
type Pod struct {
	d      *Daemon
	id     string
	opts   PodOptions
	config *cri.PodSandboxConfig
	cgroup []string // CgroupParent in every hierarchy, if the harness created it

	mu      sync.Mutex
	removed bool
	nameSeq int
}

// RunPod runs a pod sandbox (RunPodSandbox) in the host network namespace
// (so no CNI is needed) and registers its removal with t. It fails the
// test when containerd refuses.
func (d *Daemon) RunPod(t testing.TB, o PodOptions) *Pod {
	t.Helper()
	if o.Name == "" {
		o.Name = "vigil-" + randomHex(4)
	}
	if o.Namespace == "" {
		o.Namespace = "default"
	}
	if o.UID == "" {
		o.UID = newUUID()
	}
	if o.CgroupParent == "" {
		o.CgroupParent = "/kubepods/besteffort/pod" + o.UID
	}
	o.CgroupParent = filepath.Clean("/" + o.CgroupParent)
	logDir := filepath.Join(d.dir, "pods", o.Namespace+"_"+o.Name+"_"+o.UID)
	if err := os.MkdirAll(logDir, 0o755); err != nil {
		t.Fatalf("pod %s/%s: %v", o.Namespace, o.Name, err)
	}
	nsOpts := &cri.NamespaceOption{
		Network: cri.NamespaceMode_NODE,
		Pid:     cri.NamespaceMode_CONTAINER, // the kubelet's default
		Ipc:     cri.NamespaceMode_POD,
	}
	p := &Pod{d: d, opts: o, config: &cri.PodSandboxConfig{
		Metadata: &cri.PodSandboxMetadata{Name: o.Name, Uid: o.UID, Namespace: o.Namespace},
		// No Hostname: runc cannot set one in the host's UTS namespace,
		// which containerd uses with the host network (the kubelet leaves
		// it empty for hostNetwork pods too).
		LogDirectory: logDir,
		Labels:       o.Labels,
		Annotations:  o.Annotations,
		Linux: &cri.LinuxPodSandboxConfig{
			CgroupParent: o.CgroupParent,
			SecurityContext: &cri.LinuxSandboxSecurityContext{
				NamespaceOptions: nsOpts,
			},
		},
	}}

	absent, err := absentCgroupDirs(o.CgroupParent)
	if err != nil {
		t.Fatalf("pod %s/%s: %v", o.Namespace, o.Name, err)
	}
	var parents []string
	for _, dir := range absent {
		if strings.HasSuffix(dir, o.CgroupParent) {
			p.cgroup = append(p.cgroup, dir)
		} else {
			parents = append(parents, dir)
		}
	}
	d.mu.Lock()
	d.podCgroups = append(d.podCgroups, p.cgroup...)
	d.cgroupDirs = append(d.cgroupDirs, parents...)
	err = errors.Join(appendCgroups(d.dir, "parent", parents), appendCgroups(d.dir, "pod", p.cgroup))
	d.mu.Unlock()
	if err != nil {
		t.Fatalf("pod %s/%s: %v", o.Namespace, o.Name, err)
	}

	ctx, cancel := rpc()
	defer cancel()
	began := time.Now()
	resp, err := d.rt.RunPodSandbox(ctx, &cri.RunPodSandboxRequest{Config: p.config})
	if err != nil {
		t.Fatalf("RunPodSandbox %s/%s: %v\n%s", o.Namespace, o.Name, err, d.logTail())
	}
	p.id = resp.PodSandboxId
	d.track(p.id)
	t.Cleanup(func() {
		if err := p.Remove(); err != nil {
			t.Errorf("cleanup: %v", err)
		}
	})
	t.Logf("pod %s/%s: sandbox %s running in %v", o.Namespace, o.Name, short(p.id), time.Since(began).Round(time.Millisecond))
	return p
}

// ID returns the pod sandbox id (64 hex digits; also the id of its pause
// container).
func (p *Pod) ID() string { return p.id }

// Options returns the pod's options, defaults filled in.
func (p *Pod) Options() PodOptions { return p.opts }

// CgroupParent returns the pod's cgroupfs parent.
func (p *Pod) CgroupParent() string { return p.opts.CgroupParent }

// Config returns the PodSandboxConfig the pod was run with.
func (p *Pod) Config() *cri.PodSandboxConfig { return p.config }

// Status returns the CRI status of the pod sandbox (verbose: with
// containerd's info map).
func (p *Pod) Status(t testing.TB) *cri.PodSandboxStatusResponse {
	t.Helper()
	ctx, cancel := rpc()
	defer cancel()
	st, err := p.d.rt.PodSandboxStatus(ctx, &cri.PodSandboxStatusRequest{PodSandboxId: p.id, Verbose: true})
	if err != nil {
		t.Fatalf("PodSandboxStatus %s: %v", short(p.id), err)
	}
	return st
}

// Remove stops and removes the pod sandbox with its containers (their
// processes are killed) and removes the pod's cgroup; a second call does
// nothing. The test's cleanup calls it.
func (p *Pod) Remove() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.removed {
		return nil
	}
	p.removed = true
	var err error
	if p.d.running() {
		err = removePod(p.d.rt, p.id)
	}
	if err == nil {
		for _, dir := range p.cgroup {
			if e := removeCgroupTree(dir); e != nil && err == nil {
				err = e
			}
		}
	}
	return err
}

// ContainerOptions describes a container of a pod.
type ContainerOptions struct {
	// Name is the container's name in the pod; default "c1", "c2"...
	Name string
	// Args is the command (it replaces the image's, which is
	// /bin/sleep 1000000); default the image's.
	Args []string
	// Env is added to the image's environment: "KEY=value".
	Env []string
	// Labels and Annotations are the container's.
	Labels, Annotations map[string]string
	// Privileged runs the container privileged.
	Privileged bool
}

// Container is a started container of a pod.
type Container struct {
	t    testing.TB // of Start: Status, Pid and CgroupsPath fail it
	pod  *Pod
	id   string
	opts ContainerOptions
	log  string
}

// Start creates and starts a container in the pod (CreateContainer, then
// StartContainer) from the daemon's image. Its stdout and stderr go to a
// CRI log file (Logs). The container is removed with its pod.
func (p *Pod) Start(t testing.TB, o ContainerOptions) *Container {
	t.Helper()
	p.mu.Lock()
	p.nameSeq++
	if o.Name == "" {
		o.Name = fmt.Sprintf("c%d", p.nameSeq)
	}
	p.mu.Unlock()
	var envs []*cri.KeyValue
	for _, kv := range o.Env {
		k, v, _ := strings.Cut(kv, "=")
		envs = append(envs, &cri.KeyValue{Key: k, Value: []byte(v)})
	}
	logPath := o.Name + "_0.log"
	cfg := &cri.ContainerConfig{
		Metadata:    &cri.ContainerMetadata{Name: o.Name},
		Image:       &cri.ImageSpec{Image: p.d.Image()},
		Command:     o.Args,
		Envs:        envs,
		Labels:      o.Labels,
		Annotations: o.Annotations,
		LogPath:     logPath,
		Linux: &cri.LinuxContainerConfig{
			SecurityContext: &cri.LinuxContainerSecurityContext{
				NamespaceOptions: p.config.Linux.SecurityContext.NamespaceOptions,
				Privileged:       o.Privileged,
			},
		},
	}
	ctx, cancel := rpc()
	defer cancel()
	began := time.Now()
	resp, err := p.d.rt.CreateContainer(ctx, &cri.CreateContainerRequest{PodSandboxId: p.id, Config: cfg, SandboxConfig: p.config})
	if err != nil {
		t.Fatalf("CreateContainer %s in pod %s: %v\n%s", o.Name, p.opts.Name, err, p.d.logTail())
	}
	c := &Container{t: t, pod: p, id: resp.ContainerId, opts: o, log: filepath.Join(p.config.LogDirectory, logPath)}
	p.d.track(c.id)
	if _, err := p.d.rt.StartContainer(ctx, &cri.StartContainerRequest{ContainerId: c.id}); err != nil {
		t.Fatalf("StartContainer %s (%s) in pod %s: %v\n%s", o.Name, short(c.id), p.opts.Name, err, p.d.logTail())
	}
	t.Logf("pod %s: container %s (%s) started in %v", p.opts.Name, o.Name, short(c.id), time.Since(began).Round(time.Millisecond))
	return c
}

// ID returns the container id (64 hex digits).
func (c *Container) ID() string { return c.id }

// Name returns the container's name in its pod.
func (c *Container) Name() string { return c.opts.Name }

// Pod returns the container's pod.
func (c *Container) Pod() *Pod { return c.pod }

// Status returns the CRI status of the container (verbose: with
// containerd's info map, whose "info" key holds JSON with the pid and the
// OCI runtime spec).
func (c *Container) Status() *cri.ContainerStatusResponse {
	c.t.Helper()
	st, err := c.status()
	if err != nil {
		c.t.Fatal(err)
	}
	return st
}

func (c *Container) status() (*cri.ContainerStatusResponse, error) {
	ctx, cancel := rpc()
	defer cancel()
	st, err := c.pod.d.rt.ContainerStatus(ctx, &cri.ContainerStatusRequest{ContainerId: c.id, Verbose: true})
	if err != nil {
		return nil, fmt.Errorf("ContainerStatus %s: %w", short(c.id), err)
	}
	return st, nil
}

// info is the part of containerd's verbose container info the harness
// reads.
type info struct {
	Pid         int `json:"pid"`
	RuntimeSpec struct {
		Linux struct {
			CgroupsPath string `json:"cgroupsPath"`
		} `json:"linux"`
	} `json:"runtimeSpec"`
}

func (c *Container) info() info {
	c.t.Helper()
	st := c.Status()
	var i info
	if err := json.Unmarshal([]byte(st.Info["info"]), &i); err != nil {
		c.t.Fatalf("container %s: verbose info: %v", short(c.id), err)
	}
	return i
}

// Pid returns the host pid of the container's init (0 once it exited).
func (c *Container) Pid() int {
	c.t.Helper()
	return c.info().Pid
}

// CgroupsPath returns the OCI cgroupsPath containerd gave runc:
// CgroupParent/<id> (cgroupfs).
func (c *Container) CgroupsPath() string {
	c.t.Helper()
	return c.info().RuntimeSpec.Linux.CgroupsPath
}

// ExitError is the error of an Exec whose command exited non-zero.
type ExitError struct {
	Code   int
	Stderr string
}

func (e *ExitError) Error() string {
	return fmt.Sprintf("exit status %d: %s", e.Code, strings.TrimSpace(e.Stderr))
}

// Exec runs args in the container (ExecSync, bounded by Timeout) and
// returns its stdout; its stderr is in the error, an *ExitError when the
// command exited non-zero.
func (c *Container) Exec(t testing.TB, args ...string) (string, error) {
	t.Helper()
	if len(args) == 0 {
		return "", fmt.Errorf("exec: no args")
	}
	ctx, cancel := context.WithTimeout(context.Background(), Timeout+5*time.Second)
	defer cancel()
	resp, err := c.pod.d.rt.ExecSync(ctx, &cri.ExecSyncRequest{ContainerId: c.id, Cmd: args, Timeout: int64(Timeout / time.Second)})
	if err != nil {
		return "", fmt.Errorf("ExecSync %q in %s: %w", args, short(c.id), err)
	}
	if resp.ExitCode != 0 {
		return string(resp.Stdout), &ExitError{Code: int(resp.ExitCode), Stderr: string(resp.Stderr)}
	}
	return string(resp.Stdout), nil
}

// Stop stops the container (StopContainer: the stop signal, then SIGKILL
// after timeout; busybox sleep as pid 1 ignores SIGTERM, so a zero
// timeout is quickest) and waits for it to exit.
func (c *Container) Stop(t testing.TB, timeout time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), Timeout+timeout)
	defer cancel()
	if _, err := c.pod.d.rt.StopContainer(ctx, &cri.StopContainerRequest{ContainerId: c.id, Timeout: int64(timeout / time.Second)}); err != nil {
		t.Fatalf("StopContainer %s: %v", short(c.id), err)
	}
}

// Remove removes the (stopped or running) container.
func (c *Container) Remove(t testing.TB) {
	t.Helper()
	ctx, cancel := rpc()
	defer cancel()
	if _, err := c.pod.d.rt.RemoveContainer(ctx, &cri.RemoveContainerRequest{ContainerId: c.id}); err != nil {
		t.Fatalf("RemoveContainer %s: %v", short(c.id), err)
	}
}

// Logs returns the container's CRI log so far (lines of
// "<time> stdout|stderr F|P <text>").
func (c *Container) Logs() string {
	b, _ := os.ReadFile(c.log)
	return string(b)
}

// LogPath returns the container's CRI log file.
func (c *Container) LogPath() string { return c.log }

func short(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return hex.EncodeToString(b)
}

// newUUID returns a random (version 4) UUID.
func newUUID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b)
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}
