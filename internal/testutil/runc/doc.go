// Package runc runs real OCI containers with the runc command for kernel and
// end-to-end tests, so that what an agent sees of a container (its cgroup,
// its namespaces, its overlay root, the runtime's state directory) is what a
// container engine produces, not a simulation.
//
// # Contract
//
// New(t, opts) builds a bundle in a test temporary directory: a root file
// system of the host's static busybox (/bin/busybox with a symlink for every
// applet, at the paths `busybox --list-full` gives, plus /tmp, /etc/passwd and
// /etc/group), optionally mounted as an overlay (the busybox tree is the
// lower layer; files the container creates land in UpperDir), and a
// config.json generated in Go (no runtime-spec dependency). Nothing runs
// until Run or Start.
//
//   - Run(args...) is `runc run` in the foreground: it returns the combined
//     output and the exit error; runc deletes the container when it exits, so
//     Run may be called again with the same Container.
//   - Start(args...) is `runc create` then `runc start`: the init (typically
//     "sleep", "3600") runs detached with its stdio in a file (InitOutput);
//     Pid gives its host pid, Exec runs `runc exec` in it, Delete ends it.
//
// Each call writes config.json afresh with its args, so the container id,
// cgroup, annotations, namespaces and capabilities are those of Options and
// only the process changes.
//
// Every container is deleted (`runc delete --force`), the overlay unmounted
// and the cgroup directories runc created under a cgroupfs path removed by a
// t.Cleanup the harness registers in New, also when the test fails or
// calls t.FailNow. Cleanup failures are reported with t.Errorf.
//
// The container id is Options.ID or "vigil-" followed by random hex; runc's
// state is under Options.Root (default DefaultRoot, /run/runc, where an agent
// looks for it: Root()/ID()/state.json). The cgroup is Options.CgroupsPath or
// "/vigil-test/<id>" (cgroupfs; on this hybrid layout runc puts the init in
// that path in every v1 controller and in the unified hierarchy); a systemd
// form "slice:prefix:name" makes the harness pass --systemd-cgroup, and is
// refused (SkipOrFail) unless systemd is PID 1.
//
// Namespaces: pid, mount, ipc, uts and, unless Options.HostNetwork, network.
// In a private network namespace the harness brings lo up with a
// createRuntime hook (the host's busybox nsenter), so the container can use
// 127.0.0.1 but cannot reach the host; with HostNetwork it shares the host's
// network namespace and can connect to a listener the test opens on the host.
//
// Capabilities are Docker's default set (which includes CAP_NET_RAW, so an
// AF_PACKET socket can be opened), no_new_privileges is set, and there is no
// seccomp profile. Options.Privileged grants every capability, drops
// no_new_privileges and the masked and read-only paths, and allows all
// devices.
//
// The harness needs root, runc and a static busybox (Debian's runc and
// busybox-static): when one is missing New skips the test, or fails it when
// VIGIL_REQUIRE_KERNEL=1 (testutil.SkipOrFail).
//
// It keeps no package-level mutable state; Containers are safe for use by
// one goroutine at a time.
package runc
