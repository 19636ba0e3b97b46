package containerd

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/backoff"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	cri "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/vigil-sec/vigil/internal/sandbox"
	"github.com/vigil-sec/vigil/internal/testutil"
)

// Namespace is the containerd namespace of the CRI plugin: its images,
// containers and tasks live there.
const Namespace = "k8s.io"

// ImageRef is the reference of the busybox image Start imports; it is
// also the pod sandbox ("pause") image.
const ImageRef = "docker.io/vigil/busybox:test"

// RuncRoot is the runc state directory of the CRI plugin's containers (the
// runc shim's default root and the namespace): RuncRoot/<id>/state.json.
const RuncRoot = "/run/containerd/runc/" + Namespace

// Timeout bounds every CRI call of the harness (ExecSync: its command plus
// this).
const Timeout = 30 * time.Second

// startTimeout bounds containerd's startup (until its CRI service answers
// and the image is imported).
const startTimeout = 30 * time.Second

// Daemon is a containerd with its CRI plugin, private to one test.
type Daemon struct {
	t       testing.TB
	dir     string // config, root, state, socket, log, image archive
	sock    string
	logPath string
	ctr     string
	runc    string

	cmd    *exec.Cmd
	exited chan struct{} // closed when containerd has exited
	runErr error         // containerd's exit status, once exited

	conn *grpc.ClientConn
	rt   cri.RuntimeServiceClient
	img  cri.ImageServiceClient

	mu         sync.Mutex
	podCgroups []string // pods' cgroup directories (every hierarchy)
	cgroupDirs []string // their ancestors the harness created, parents first
	ids        []string // sandboxes and containers created
	runDirs    []string // directories under /run/containerd absent before Start
}

// Start starts a containerd with its CRI plugin for the test: a config,
// root and state of its own in a temporary directory, its own socket, the
// cgroupfs driver, and the busybox image ImageRef imported into namespace
// k8s.io. It returns once the CRI service answers and sees the image; the
// daemon and every pod it runs are removed by a t.Cleanup. It skips the
// test (or fails it, see testutil.SkipOrFail) when not root or when
// containerd, ctr, runc or a static busybox is missing.
func Start(t testing.TB) *Daemon {
	t.Helper()
	if os.Geteuid() != 0 {
		testutil.SkipOrFail(t, "containerd needs root")
	}
	path := os.Getenv("PATH") + ":/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
	look := func(name, pkg string) string {
		for _, dir := range filepath.SplitList(path) {
			p := filepath.Join(dir, name)
			if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() && st.Mode()&0o111 != 0 {
				return p
			}
		}
		testutil.SkipOrFail(t, name+" is not installed (Debian package "+pkg+")")
		return ""
	}
	d := &Daemon{t: t, exited: make(chan struct{})}
	bin := look("containerd", "containerd")
	look("containerd-shim-runc-v2", "containerd")
	d.ctr = look("ctr", "containerd")
	d.runc = look("runc", "runc")
	bb := look("busybox", "busybox-static")
	if err := sandbox.CheckStatic(bb); err != nil {
		testutil.SkipOrFail(t, err.Error())
	}

	began := time.Now()
	sweepStale(t, d.runc)
	// A short directory of our own: the socket path must stay under the
	// 108 bytes of sun_path (t.TempDir's names grow with the test name).
	dir, err := os.MkdirTemp("", dirPattern)
	if err != nil {
		t.Fatalf("containerd: %v", err)
	}
	d.dir = dir
	if err := writeOwner(dir); err != nil {
		t.Fatalf("containerd: %v", err)
	}
	d.sock = filepath.Join(dir, "c.sock")
	d.logPath = filepath.Join(dir, "containerd.log")
	d.runDirs = absentDirs("/run/containerd/runc/"+Namespace, "/run/containerd/s")
	t.Cleanup(d.cleanup)

	cfg := filepath.Join(dir, "config.toml")
	if err := os.WriteFile(cfg, []byte(d.config()), 0o600); err != nil {
		t.Fatalf("containerd: %v", err)
	}
	for _, sub := range []string{"cni/bin", "cni/net.d", "opt", "pods"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			t.Fatalf("containerd: %v", err)
		}
	}
	// Build the image while containerd starts.
	archive := filepath.Join(dir, "image.tar")
	imageErr := make(chan error, 1)
	go func() { imageErr <- writeImageArchive(archive, bb, ImageRef, []string{"/bin/sleep", "1000000"}) }()

	if err := d.startProcess(bin, cfg, path); err != nil {
		t.Fatalf("containerd: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	if err := d.connect(ctx); err != nil {
		t.Fatalf("containerd: %v\n%s", err, d.logTail())
	}
	if err := <-imageErr; err != nil {
		t.Fatalf("containerd: build image: %v", err)
	}
	if err := d.importImage(ctx, archive); err != nil {
		t.Fatalf("containerd: %v\n%s", err, d.logTail())
	}
	t.Logf("containerd %s ready in %v (socket %s)", d.version(), time.Since(began).Round(time.Millisecond), d.sock)
	return d
}

// Socket returns the absolute path of containerd's (and its CRI
// service's) gRPC socket.
func (d *Daemon) Socket() string { return d.sock }

// Endpoint returns the socket as a CRI endpoint URL ("unix:///...").
func (d *Daemon) Endpoint() string { return "unix://" + d.sock }

// Image returns the reference of the image to run containers from.
func (d *Daemon) Image() string { return ImageRef }

// Dir returns the daemon's directory: config.toml, root/, state/, the
// socket, containerd.log and pods/ (the containers' CRI logs).
func (d *Daemon) Dir() string { return d.dir }

// Runtime returns a client of the CRI runtime service.
func (d *Daemon) Runtime() cri.RuntimeServiceClient { return d.rt }

// Images returns a client of the CRI image service.
func (d *Daemon) Images() cri.ImageServiceClient { return d.img }

// Log returns what containerd has logged so far.
func (d *Daemon) Log() string {
	b, _ := os.ReadFile(d.logPath)
	return string(b)
}

// logTail returns the end of containerd's log, for error messages.
func (d *Daemon) logTail() string {
	const max = 4000
	l := d.Log()
	if len(l) > max {
		l = "..." + l[len(l)-max:]
	}
	return "containerd log (" + d.logPath + "):\n" + l
}

func (d *Daemon) config() string {
	q := func(s string) string { return fmt.Sprintf("%q", s) }
	cri := `plugins."io.containerd.grpc.v1.cri"`
	return `version = 2
root = ` + q(filepath.Join(d.dir, "root")) + `
state = ` + q(filepath.Join(d.dir, "state")) + `
oom_score = 0
disabled_plugins = [
  "io.containerd.internal.v1.tracing",
  "io.containerd.tracing.processor.v1.otlp",
  "io.containerd.snapshotter.v1.aufs",
  "io.containerd.snapshotter.v1.btrfs",
  "io.containerd.snapshotter.v1.devmapper",
  "io.containerd.snapshotter.v1.zfs",
]

[grpc]
  address = ` + q(d.sock) + `

[ttrpc]
  address = ` + q(d.sock+".ttrpc") + `

[debug]
  address = ""
  level = "info"

[metrics]
  address = ""

[plugins."io.containerd.internal.v1.opt"]
  path = ` + q(filepath.Join(d.dir, "opt")) + `

[` + cri + `]
  sandbox_image = ` + q(ImageRef) + `
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  disable_apparmor = true
  enable_selinux = false
  disable_cgroup = false
  restrict_oom_score_adj = ` + fmt.Sprint(!hasCapability(capSysResource)) + `
  enable_tls_streaming = false

[` + cri + `.containerd]
  snapshotter = "overlayfs"
  default_runtime_name = "runc"
  disable_snapshot_annotations = true

[` + cri + `.containerd.runtimes.runc]
  runtime_type = "io.containerd.runc.v2"

[` + cri + `.containerd.runtimes.runc.options]
  BinaryName = ` + q(d.runc) + `
  SystemdCgroup = false

[` + cri + `.cni]
  bin_dir = ` + q(filepath.Join(d.dir, "cni/bin")) + `
  conf_dir = ` + q(filepath.Join(d.dir, "cni/net.d")) + `
`
}

// startProcess starts containerd with its output in the log file. The
// process gets SIGKILL if the test binary dies before the cleanup ran
// (Pdeathsig, from a thread that lives as long as containerd).
func (d *Daemon) startProcess(bin, cfg, path string) error {
	logf, err := os.OpenFile(d.logPath, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	d.cmd = exec.Command(bin, "--config", cfg)
	d.cmd.Stdout, d.cmd.Stderr = logf, logf
	d.cmd.Env = append(os.Environ(), "PATH="+path)
	d.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	started := make(chan error, 1)
	go func() {
		// Pdeathsig fires when the thread that forked the child exits: keep
		// this goroutine on its thread until containerd has exited.
		runtime.LockOSThread()
		err := d.cmd.Start()
		logf.Close()
		started <- err
		if err != nil {
			close(d.exited)
			return
		}
		d.runErr = d.cmd.Wait()
		close(d.exited)
		// Returning while locked ends the thread: harmless now.
	}()
	if err := <-started; err != nil {
		return fmt.Errorf("start %s: %w", bin, err)
	}
	return nil
}

// connect dials the socket and waits until the CRI runtime reports
// ready.
func (d *Daemon) connect(ctx context.Context) error {
	conn, err := grpc.NewClient("unix://"+d.sock,
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithConnectParams(grpc.ConnectParams{
			Backoff:           backoff.Config{BaseDelay: 20 * time.Millisecond, Multiplier: 1.5, MaxDelay: 200 * time.Millisecond},
			MinConnectTimeout: time.Second,
		}),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(16<<20)),
	)
	if err != nil {
		return fmt.Errorf("dial %s: %w", d.sock, err)
	}
	d.conn = conn
	d.rt = cri.NewRuntimeServiceClient(conn)
	d.img = cri.NewImageServiceClient(conn)
	var last error
	for {
		select {
		case <-d.exited:
			return fmt.Errorf("containerd exited during startup: %v", d.runErr)
		case <-ctx.Done():
			return fmt.Errorf("CRI service not ready after %v: %v", startTimeout, last)
		case <-time.After(20 * time.Millisecond):
		}
		if _, err := os.Stat(d.sock); err != nil {
			last = err
			continue
		}
		c, cancel := context.WithTimeout(ctx, 2*time.Second)
		st, err := d.rt.Status(c, &cri.StatusRequest{})
		cancel()
		if err != nil {
			last = err
			continue
		}
		if cond := condition(st.GetStatus(), cri.RuntimeReady); cond == nil || !cond.Status {
			last = fmt.Errorf("runtime not ready: %v", cond)
			continue
		}
		return nil
	}
}

func condition(st *cri.RuntimeStatus, typ string) *cri.RuntimeCondition {
	for _, c := range st.GetConditions() {
		if c.Type == typ {
			return c
		}
	}
	return nil
}

// version returns containerd's runtime name and version, as CRI reports.
func (d *Daemon) version() string {
	ctx, cancel := context.WithTimeout(context.Background(), Timeout)
	defer cancel()
	v, err := d.rt.Version(ctx, &cri.VersionRequest{})
	if err != nil {
		return "(version: " + err.Error() + ")"
	}
	return v.RuntimeVersion + " (CRI " + v.RuntimeApiVersion + ")"
}

// importImage imports the archive into namespace k8s.io (unpacked for the
// overlayfs snapshotter) and waits until the CRI image service lists it.
func (d *Daemon) importImage(ctx context.Context, archive string) error {
	cmd := exec.CommandContext(ctx, d.ctr, "--address", d.sock, "--namespace", Namespace,
		"images", "import", "--snapshotter", "overlayfs", archive)
	cmd.WaitDelay = time.Second
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("ctr images import: %w: %s", err, strings.TrimSpace(string(out)))
	}
	var last error
	for {
		c, cancel := context.WithTimeout(ctx, Timeout)
		st, err := d.img.ImageStatus(c, &cri.ImageStatusRequest{Image: &cri.ImageSpec{Image: ImageRef}})
		cancel()
		if err == nil && st.GetImage() != nil {
			return nil
		}
		last = err
		select {
		case <-ctx.Done():
			return fmt.Errorf("image %s imported but not seen by CRI (last error: %v)", ImageRef, last)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// rpc returns a context bounded by Timeout.
func rpc() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), Timeout)
}

// track records a sandbox or container id created through the daemon.
func (d *Daemon) track(id string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.ids = append(d.ids, id)
}

// cleanup removes every pod, stops containerd and removes what it left:
// shims, containers, mounts, cgroups and the directory. Registered by
// Start.
func (d *Daemon) cleanup() {
	var errs []error
	if d.rt != nil && d.running() {
		errs = append(errs, d.removeAllPods())
	}
	if d.conn != nil {
		_ = d.conn.Close()
	}
	errs = append(errs, d.stopProcess())
	errs = append(errs, d.killShims())
	d.mu.Lock()
	ids, podCgroups, cgroupDirs := d.ids, d.podCgroups, d.cgroupDirs
	d.mu.Unlock()
	// Containers whose shim died (or never cleaned up): runc knows them.
	for _, id := range ids {
		if _, err := os.Stat(filepath.Join(RuncRoot, id)); err == nil {
			out, err := exec.Command(d.runc, "--root", RuncRoot, "delete", "--force", id).CombinedOutput()
			if err != nil {
				errs = append(errs, fmt.Errorf("runc delete %s: %w: %s", id, err, bytes.TrimSpace(out)))
			}
		}
	}
	if err := unmountUnder(d.dir); err != nil {
		errs = append(errs, err)
	}
	for _, dir := range podCgroups {
		if err := removeCgroupTree(dir); err != nil {
			errs = append(errs, err)
		}
	}
	for i := len(cgroupDirs) - 1; i >= 0; i-- {
		_ = syscall.Rmdir(cgroupDirs[i]) // only when empty: pods of another test may share it
	}
	for i := len(d.runDirs) - 1; i >= 0; i-- {
		_ = syscall.Rmdir(d.runDirs[i]) // only when empty: another containerd may use it
	}
	if err := errors.Join(errs...); err != nil {
		d.t.Errorf("containerd cleanup: %v\n%s", err, d.logTail())
	}
	if mounted, _ := mountsUnder(d.dir); len(mounted) > 0 {
		// Never RemoveAll through a mount.
		d.t.Errorf("containerd cleanup: %s left in place: still mounted: %v", d.dir, mounted)
		return
	}
	if d.t.Failed() && os.Getenv("VIGIL_KEEP_CONTAINERD") != "" {
		d.t.Logf("containerd directory kept: %s", d.dir)
		return
	}
	if err := os.RemoveAll(d.dir); err != nil {
		d.t.Errorf("containerd cleanup: %v", err)
	}
}

func (d *Daemon) running() bool {
	select {
	case <-d.exited:
		return false
	default:
		return d.cmd != nil
	}
}

// removeAllPods stops and removes every pod sandbox (and so every
// container) the CRI plugin knows.
func (d *Daemon) removeAllPods() error {
	ctx, cancel := rpc()
	list, err := d.rt.ListPodSandbox(ctx, &cri.ListPodSandboxRequest{})
	cancel()
	if err != nil {
		return fmt.Errorf("list pods: %w", err)
	}
	var errs []error
	for _, p := range list.Items {
		errs = append(errs, removePod(d.rt, p.Id))
	}
	return errors.Join(errs...)
}

// removePod stops and removes a pod sandbox and its containers; absent is
// fine.
func removePod(rt cri.RuntimeServiceClient, id string) error {
	ctx, cancel := rpc()
	defer cancel()
	if _, err := rt.StopPodSandbox(ctx, &cri.StopPodSandboxRequest{PodSandboxId: id}); err != nil && !isNotFound(err) {
		return fmt.Errorf("stop pod %s: %w", id, err)
	}
	if _, err := rt.RemovePodSandbox(ctx, &cri.RemovePodSandboxRequest{PodSandboxId: id}); err != nil && !isNotFound(err) {
		return fmt.Errorf("remove pod %s: %w", id, err)
	}
	return nil
}

func isNotFound(err error) bool {
	return status.Code(err) == codes.NotFound || (err != nil && strings.Contains(err.Error(), "not found"))
}

// stopProcess ends containerd: SIGTERM, then SIGKILL after 5 s.
func (d *Daemon) stopProcess() error {
	if d.cmd == nil || d.cmd.Process == nil {
		return nil
	}
	select {
	case <-d.exited:
		return nil
	default:
	}
	_ = d.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-d.exited:
		return nil
	case <-time.After(5 * time.Second):
	}
	_ = d.cmd.Process.Kill()
	select {
	case <-d.exited:
		return fmt.Errorf("containerd did not exit on SIGTERM within 5s (killed)")
	case <-time.After(5 * time.Second):
		return fmt.Errorf("containerd (pid %d) survived SIGKILL", d.cmd.Process.Pid)
	}
}

// killShims kills the runc shims started by this containerd (found by the
// -address argument) that outlived it.
func (d *Daemon) killShims() error {
	pids := shimPids(d.sock)
	for _, pid := range pids {
		_ = syscall.Kill(pid, syscall.SIGKILL)
	}
	if len(pids) > 0 {
		return fmt.Errorf("shims %v outlived containerd (killed)", pids)
	}
	return nil
}

// shimPids returns the pids of containerd-shim-runc-v2 processes whose
// arguments include -address sock.
func shimPids(sock string) []int {
	entries, _ := os.ReadDir("/proc")
	var pids []int
	for _, e := range entries {
		var pid int
		if _, err := fmt.Sscanf(e.Name(), "%d", &pid); err != nil || pid <= 0 {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil {
			continue
		}
		args := strings.Split(strings.TrimRight(string(b), "\x00"), "\x00")
		if !strings.HasPrefix(filepath.Base(args[0]), "containerd-shim") {
			continue
		}
		for i, a := range args {
			if (a == "-address" || a == "--address") && i+1 < len(args) && args[i+1] == sock {
				pids = append(pids, pid)
				break
			}
		}
	}
	return pids
}

// capSysResource is CAP_SYS_RESOURCE's number.
const capSysResource = 24

// hasCapability reports whether this process has capability cap in its
// effective set. Without CAP_SYS_RESOURCE runc cannot give the pause
// container the -998 oom_score_adj containerd asks for ("nsexec: failed
// to update /proc/self/oom_score_adj: Permission denied"): the harness
// then sets the CRI plugin's restrict_oom_score_adj, which keeps scores
// at or above containerd's own.
func hasCapability(cap uint) bool {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return false
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "CapEff:"); ok {
			var mask uint64
			if _, err := fmt.Sscanf(strings.TrimSpace(v), "%x", &mask); err != nil {
				return false
			}
			return mask&(1<<cap) != 0
		}
	}
	return false
}

// absentDirs returns, for each path, it and its ancestors that do not
// exist, parents first.
func absentDirs(paths ...string) []string {
	var out []string
	seen := map[string]bool{}
	for _, p := range paths {
		var chain []string
		for ; p != "/"; p = filepath.Dir(p) {
			if _, err := os.Stat(p); err == nil {
				break
			}
			chain = append([]string{p}, chain...)
		}
		for _, c := range chain {
			if !seen[c] {
				seen[c] = true
				out = append(out, c)
			}
		}
	}
	return out
}
