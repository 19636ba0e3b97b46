// Package sandbox runs real OCI containers with the runc command: the
// throwaway containers of `vigil simulate` (techniques that only mean
// something inside a container) and, through internal/testutil/runc, of
// kernel and end-to-end tests. What an agent sees of such a container (its
// cgroup, its namespaces, its overlay root, the runtime's state directory)
// is what a container engine produces, not an imitation.
//
// # Contract
//
// New(opts) builds a bundle in opts.Dir: a root file system of the host's
// static busybox (/bin/busybox with a symlink for every applet, at the
// paths `busybox --list-full` gives, plus /tmp, /etc/passwd and
// /etc/group), optionally mounted as an overlay (the busybox tree is the
// lower layer; files the container creates land in UpperDir), and a
// config.json generated in Go (no runtime-spec dependency). Nothing runs
// until Run or Start. New's error wraps ErrUnavailable when the machine
// cannot run containers (not root, no runc, no static busybox).
//
//   - Run(args...) is `runc run` in the foreground: it returns the combined
//     output and the exit error; runc deletes the container when it exits, so
//     Run may be called again with the same Container.
//   - Start(args...) is `runc create` then `runc start`: the init (typically
//     "sleep", "3600") runs detached with its stdio in a file (InitOutput);
//     Pid gives its host pid, Exec runs `runc exec` in it, ExecTTY the
//     same with a terminal (`runc exec -t` and a console socket), Delete
//     ends it.
//   - Close deletes the container, unmounts the overlay and removes the
//     cgroup directories runc created under a cgroupfs path; the caller
//     removes Dir afterwards. Close must be called whatever happened.
//
// Each call writes config.json afresh with its args, so the container id,
// cgroup, annotations, namespaces, mounts and capabilities are those of
// Options and only the process changes.
//
// The container id is Options.ID or "vigil-" followed by random hex; runc's
// state is under Options.Root (default DefaultRoot, /run/runc, where an agent
// looks for it: Root()/ID()/state.json). The cgroup is Options.CgroupsPath or
// "/vigil-test/<id>" (cgroupfs; on a hybrid layout runc puts the init in
// that path in every v1 controller and in the unified hierarchy); a systemd
// form "slice:prefix:name" makes it pass --systemd-cgroup, and is refused
// unless systemd is PID 1.
//
// Namespaces: ipc, uts, mount, pid unless Options.HostPID and, unless
// Options.HostNetwork, network. In a private network namespace a
// createRuntime hook (the host's busybox nsenter) brings lo up, so the
// container can use 127.0.0.1 but cannot reach the host; with HostNetwork
// it shares the host's network namespace. Options.Mounts are bind mounts
// of host paths (read-only when asked).
//
// Capabilities are Docker's default set (which includes CAP_NET_RAW and
// CAP_MKNOD), no_new_privileges is set, and there is no seccomp profile.
// Options.Privileged grants every capability, drops no_new_privileges and
// the masked and read-only paths, and allows all devices.
//
// It keeps no package-level mutable state; Containers are safe for use by
// one goroutine at a time.
package sandbox
