// Package containerd runs real Kubernetes-style pods and containers
// through containerd's CRI plugin, for tests of an agent that reads
// container metadata over the CRI API (k8s.io/cri-api runtime/v1) and
// attributes kernel events to containers by their cgroup. Everything is
// offline: the only image is one the harness builds from the host's static
// busybox and imports; no registry, no CNI, no kubelet.
//
// # Contract
//
// Start(t) starts a containerd private to the test: a config.toml
// (version 2) written in a directory of its own under os.TempDir
// ("vigil-ctrd-*", short, so that its socket path stays well under the
// 108 bytes of sun_path), with root/ and state/ there, its gRPC socket
// c.sock (Socket, Endpoint) serving both containerd's API and CRI, the
// cgroupfs driver (runc options SystemdCgroup = false), the overlayfs
// snapshotter, no debug or metrics listener, and the CRI plugin's
// sandbox_image set to the harness image ImageRef
// ("docker.io/vigil/busybox:test"). containerd's output goes to
// containerd.log in that directory (Log); startup and pod errors quote its
// tail. The image is a `docker save` archive built in Go (one uncompressed
// layer: /bin/busybox, a symlink per applet at the paths `busybox
// --list-full` gives, /tmp and a minimal /etc, as the runc harness's
// tree; config Cmd ["/bin/sleep", "1000000"]), imported with `ctr -n k8s.io
// images import`. Start returns once CRI Status reports RuntimeReady and
// CRI ImageStatus sees the image (about half a second): nothing is ever
// pulled, since the sandbox image and the container image are both
// present.
//
// RunPod(t, PodOptions) runs a pod sandbox (RunPodSandbox) in the host's
// network namespace (NamespaceOption network NODE, so that containerd
// needs no CNI configuration; no hostname, which runc cannot set in the
// host's UTS namespace), its own IPC namespace, a pid namespace per
// container (the kubelet's defaults), the pod's Name, Namespace, UID,
// Labels and Annotations as given (defaults: random name, "default", a
// random UUID), and the cgroup parent PodOptions.CgroupParent (default
// /kubepods/besteffort/pod<uid>, the kubelet's cgroupfs layout). The
// sandbox's ("pause") container runs the image's sleep.
//
// Pod.Start(t, ContainerOptions) creates and starts a container in the
// pod (CreateContainer, StartContainer) from ImageRef, with Args as its
// command (default the image's), Env, Labels, Annotations and, optionally,
// Privileged; its namespaces follow the pod's. Its id is containerd's (64
// hex digits), its cgroup is CgroupParent/<id> in every hierarchy (on
// this hybrid layout: every v1 controller, name=systemd and the unified
// hierarchy) and runc's state is RuncRoot/<id>/state.json
// (/run/containerd/runc/k8s.io, the runc shim's default root). Pid gives
// its init's host pid and CgroupsPath the OCI cgroupsPath, both from the
// verbose ContainerStatus (Status); Exec runs ExecSync and returns stdout,
// with stderr in the error (*ExitError on a non-zero exit); Stop, Remove
// and Logs (the CRI log file) are the rest. Runtime and Images give raw
// CRI clients for anything else.
//
// Every CRI call is bounded by Timeout (30 s; ExecSync: its command's
// timeout plus 5 s).
//
// Cleanup, registered with t.Cleanup (so it runs also when the test fails
// or calls t.FailNow): each pod, at the end of the test given to RunPod, is
// stopped and removed (StopPodSandbox kills its containers) and the pod's
// cgroup directory removed; at the end of the test given to Start, every
// remaining pod is removed, containerd gets SIGTERM (SIGKILL after 5 s),
// shims that outlive it are killed, containers runc still knows are
// deleted, everything mounted under the directory is unmounted, the cgroup
// directories the harness created (the pods' and their absent ancestors,
// when empty) removed, empty /run/containerd directories that did not
// exist before removed, and the directory deleted (kept when the test
// failed and VIGIL_KEEP_CONTAINERD is set). Cleanup failures are reported
// with t.Errorf.
//
// If the test binary dies without running its cleanups (a go test
// -timeout panic, SIGKILL), containerd dies with it (Pdeathsig) and the
// next Start, in any test process, removes what remains of daemons whose
// owner process is gone: their shims and containers, mounts, cgroups and
// directories.
//
// Without CAP_SYS_RESOURCE (some sandboxes' root lacks it) runc cannot
// lower the pause container's oom_score_adj to containerd's -998; the
// harness then sets the CRI plugin's restrict_oom_score_adj.
//
// The harness needs root, containerd (with its ctr and
// containerd-shim-runc-v2, Debian package containerd, 1.6 or later), runc
// and a static busybox (busybox-static): when one is missing Start skips
// the test, or fails it when VIGIL_REQUIRE_KERNEL=1
// (testutil.SkipOrFail).
//
// It keeps no package-level mutable state; a Daemon may be used from
// parallel subtests (each RunPod with its own t); a Container is for one
// goroutine at a time.
package containerd
