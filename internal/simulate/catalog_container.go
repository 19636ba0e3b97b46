package simulate

import (
	"context"
	"debug/elf"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"

	"github.com/vigil-sec/vigil/internal/sandbox"
)

// containerSimulations are the techniques that only mean something inside a
// container, performed in a throwaway runc container (internal/sandbox)
// whose root file system is a static busybox tree built in the scratch
// directory. The container, its cgroup and runc's state are removed when the
// simulation ends, whatever happened. The same safety rules apply: the
// container writes only into its own root (below env.Scratch) or onto
// tmpfs; host paths it is given are mounted read-only; devices it opens are
// refused by the device cgroup of an unprivileged container; the only
// privileged containers sleep, or nsenter into the simulator's own
// namespaces to run `true`. Containers whose start is the technique live a
// second: the runtime's state, which the agent reads for the container's
// metadata, is gone as soon as the container has exited.
func containerSimulations() []Simulation {
	needs := []string{"root", "runc", "busybox"}
	withNeeds := func(s Simulation) Simulation { s.Needs = append(s.Needs, needs...); return s }
	sims := []Simulation{
		{
			Name:        "container-terminal-shell",
			Description: "starts a container and runs `sh -c id` in it through `runc exec -t` with a terminal, as docker exec -it does",
			Technique:   "T1059.004", Tactic: "execution",
			Rule: "Terminal shell opened in a container",
			Run: func(ctx context.Context, env *Env) error {
				return inStartedContainer(ctx, env, sandbox.Options{}, func(c *sandbox.Container) error {
					_, err := c.ExecTTY("", "/bin/sh", "-c", "id >/dev/null")
					return err
				})
			},
		},
		{
			Name:        "container-terminal-shell-benign",
			Description: "runs the same `sh -c id` in a container with `runc exec`, without a terminal, as entrypoints and probes do",
			Benign:      true,
			Run: func(ctx context.Context, env *Env) error {
				return inStartedContainer(ctx, env, sandbox.Options{}, func(c *sandbox.Container) error {
					_, err := c.Exec("/bin/sh", "-c", "id >/dev/null")
					return err
				})
			},
		},
		{
			Name:        "container-discovery",
			Description: "runs ifconfig, netstat and route in a container (its own network namespace, with only lo)",
			Technique:   "T1016", Tactic: "discovery",
			Rule: "System or network discovery tool run in a container",
			Run: func(ctx context.Context, env *Env) error {
				return execInContainer(ctx, env, []string{"ifconfig", "-a"}, []string{"netstat", "-an"}, []string{"route", "-n"})
			},
		},
		{
			Name:        "container-discovery-benign",
			Description: "runs hostname and id in a container, as entrypoint scripts do",
			Benign:      true,
			Run: func(ctx context.Context, env *Env) error {
				return execInContainer(ctx, env, []string{"hostname"}, []string{"id", "-u"})
			},
		},
		{
			Name:        "container-escape-scanner",
			Description: "runs a script named amicontained in a container that reads its own capabilities and lists /run, as the scanner does",
			Technique:   "T1613", Tactic: "discovery",
			Rule: "Container escape or privilege escalation scanner executed",
			Run: func(ctx context.Context, env *Env) error {
				return runScriptInContainer(ctx, env, "amicontained", "grep Cap /proc/self/status >/dev/null; ls /run >/dev/null")
			},
		},
		{
			Name:        "container-escape-scanner-benign",
			Description: "runs a script named healthcheck in a container that reads its own capabilities",
			Benign:      true,
			Run: func(ctx context.Context, env *Env) error {
				return runScriptInContainer(ctx, env, "healthcheck", "grep Cap /proc/self/status >/dev/null")
			},
		},
		{
			Name:        "container-package-install",
			Description: "runs `dpkg -i` (busybox's dpkg) in a running container on a package that does not exist: the install fails, the attempt is real",
			Technique:   "T1105", Tactic: "command-and-control",
			Rule: "Package manager run in a container",
			Run: func(ctx context.Context, env *Env) error {
				return execInContainer(ctx, env, []string{"dpkg", "-i", "/tmp/vigil-sim.deb"})
			},
		},
		{
			Name:        "container-package-install-benign",
			Description: "runs `dpkg --print-architecture` in a container, the query entrypoint scripts make",
			Benign:      true,
			Run: func(ctx context.Context, env *Env) error {
				return execInContainer(ctx, env, []string{"dpkg", "--print-architecture"})
			},
		},
		{
			Name:        "container-compiler",
			Description: "runs a stand-in named gcc (a script that writes nothing) in a container of an application image",
			Technique:   "T1027.004", Tactic: "defense-evasion",
			Rule: "Compiler run in a container",
			Run: func(ctx context.Context, env *Env) error {
				return runScriptInImage(ctx, env, "docker.io/library/nginx:1.27", "gcc", "true", "gcc -o /tmp/x /tmp/x.c")
			},
		},
		{
			Name:        "container-compiler-benign",
			Description: "runs the same stand-in gcc in a container of the golang build image, where compiling is its purpose",
			Benign:      true,
			Run: func(ctx context.Context, env *Env) error {
				return runScriptInImage(ctx, env, "docker.io/library/golang:1.23", "gcc", "true", "gcc -o /tmp/x /tmp/x.c")
			},
		},
		{
			Name:        "container-drift-exec",
			Description: "in a container with an overlay root, copies busybox to /usr/local/bin/busybox-vigil-sim (the writable layer) and runs it",
			Technique:   "T1204.003", Tactic: "execution",
			Rule: "Executable not in the container image run",
			Run: func(ctx context.Context, env *Env) error {
				return runInContainer(ctx, env, sandbox.Options{Overlay: true},
					"mkdir -p /usr/local/bin && cp /bin/busybox /usr/local/bin/busybox-vigil-sim && /usr/local/bin/busybox-vigil-sim true")
			},
		},
		{
			Name:        "container-drift-exec-benign",
			Description: "in a container with an overlay root, runs busybox from the image (the lower layer)",
			Benign:      true,
			Run: func(ctx context.Context, env *Env) error {
				return runInContainer(ctx, env, sandbox.Options{Overlay: true}, "/bin/busybox true")
			},
		},
		{
			Name:        "container-chmod-exec",
			Description: "in a container, writes a script to /tmp/vigil-sim-dropped and makes it executable (chmod 755)",
			Technique:   "T1105", Tactic: "command-and-control",
			Rule: "File made executable in a container",
			Run: func(ctx context.Context, env *Env) error {
				return runInContainer(ctx, env, sandbox.Options{}, "echo 'echo hi' > /tmp/vigil-sim-dropped && chmod 755 /tmp/vigil-sim-dropped")
			},
		},
		{
			Name:        "container-chmod-exec-benign",
			Description: "in a container, writes /tmp/vigil-sim-notes and makes it private (chmod 600)",
			Benign:      true,
			Run: func(ctx context.Context, env *Env) error {
				return runInContainer(ctx, env, sandbox.Options{}, "echo notes > /tmp/vigil-sim-notes && chmod 600 /tmp/vigil-sim-notes")
			},
		},
		{
			Name:        "container-host-mount",
			Description: "in an unprivileged container, tries to mount /dev/vda1 (ext4) on /mnt/host: refused without CAP_SYS_ADMIN, the attempt is real",
			Technique:   "T1611", Tactic: "privilege-escalation",
			Rule: "Host file system mount attempted in a container",
			Run: func(ctx context.Context, env *Env) error {
				return runInContainer(ctx, env, sandbox.Options{}, "mkdir -p /mnt/host; mount -t ext4 /dev/vda1 /mnt/host 2>/dev/null; true")
			},
		},
		{
			Name:        "container-host-mount-benign",
			Description: "in an unprivileged container, tries to mount a tmpfs on /mnt/scratch (refused too)",
			Benign:      true,
			Run: func(ctx context.Context, env *Env) error {
				return runInContainer(ctx, env, sandbox.Options{}, "mkdir -p /mnt/scratch; mount -t tmpfs tmpfs /mnt/scratch 2>/dev/null; true")
			},
		},
		{
			Name:        "container-release-agent",
			Description: "in a container, writes a file named release_agent in /tmp/cgrp of its own root (no cgroup is mounted or changed)",
			Technique:   "T1611", Tactic: "privilege-escalation",
			Rule: "Cgroup release_agent written in a container",
			Run: func(ctx context.Context, env *Env) error {
				return runInContainer(ctx, env, sandbox.Options{}, "mkdir -p /tmp/cgrp && echo /tmp/x > /tmp/cgrp/release_agent")
			},
		},
		{
			Name:        "container-release-agent-benign",
			Description: "in a container, writes /tmp/cgrp/release_notes",
			Benign:      true,
			Run: func(ctx context.Context, env *Env) error {
				return runInContainer(ctx, env, sandbox.Options{}, "mkdir -p /tmp/cgrp && echo notes > /tmp/cgrp/release_notes")
			},
		},
		{
			Name:        "container-runtime-socket",
			Description: "mounts a listening socket of the simulator's as /run/docker.sock in a container and connects to it from there (no container runtime is involved)",
			Technique:   "T1609", Tactic: "execution",
			Rule: "Container runtime socket connected from a container",
			Run: func(ctx context.Context, env *Env) error {
				return connectFromContainer(ctx, env, "/run/docker.sock")
			},
		},
		{
			Name:        "container-runtime-socket-benign",
			Description: "the same with the socket mounted as /run/app.sock, an application's own socket",
			Benign:      true,
			Run: func(ctx context.Context, env *Env) error {
				return connectFromContainer(ctx, env, "/run/app.sock")
			},
		},
		{
			Name:        "container-raw-disk",
			Description: "in an unprivileged container, creates /dev/sdz (block 7:0) and opens it read-only: the device cgroup refuses the open, the attempt is real",
			Technique:   "T1006", Tactic: "defense-evasion",
			Rule: "Raw disk or kernel memory opened in a container",
			Run: func(ctx context.Context, env *Env) error {
				return runInContainer(ctx, env, sandbox.Options{}, "mknod /dev/sdz b 7 0 && dd if=/dev/sdz of=/dev/null count=0 2>/dev/null; true")
			},
		},
		{
			Name:        "container-raw-disk-benign",
			Description: "in a container, copies a block of /dev/zero to /dev/null",
			Benign:      true,
			Run: func(ctx context.Context, env *Env) error {
				return runInContainer(ctx, env, sandbox.Options{}, "dd if=/dev/zero of=/dev/null count=1 2>/dev/null")
			},
		},
		{
			Name:        "container-sensitive-mount",
			Description: "starts a container whose entrypoint sleeps a second with the host's /etc mounted read-only at /host/etc",
			Technique:   "T1611", Tactic: "privilege-escalation",
			Rule: "Container started with a sensitive host path mounted",
			Run: func(ctx context.Context, env *Env) error {
				return runArgsInContainer(ctx, env, sandbox.Options{Mounts: []sandbox.Mount{{Source: "/etc", Destination: "/host/etc", ReadOnly: true}}}, "sleep", "1")
			},
		},
		{
			Name:        "container-sensitive-mount-benign",
			Description: "starts a container whose entrypoint sleeps a second with a scratch directory mounted read-only at /data",
			Benign:      true,
			Run: func(ctx context.Context, env *Env) error {
				dir, err := workDir(env, "data")
				if err != nil {
					return err
				}
				return runArgsInContainer(ctx, env, sandbox.Options{Mounts: []sandbox.Mount{{Source: dir, Destination: "/data", ReadOnly: true}}}, "sleep", "1")
			},
		},
		{
			Name:        "container-privileged",
			Description: "starts a privileged container whose entrypoint sleeps a second",
			Technique:   "T1610", Tactic: "execution",
			Rule: "Privileged container started",
			Run: func(ctx context.Context, env *Env) error {
				return runArgsInContainer(ctx, env, sandbox.Options{Privileged: true}, "sleep", "1")
			},
		},
		{
			Name:        "container-privileged-benign",
			Description: "starts an unprivileged container whose entrypoint sleeps a second",
			Benign:      true,
			Run: func(ctx context.Context, env *Env) error {
				return runArgsInContainer(ctx, env, sandbox.Options{}, "sleep", "1")
			},
		},
		{
			Name:        "container-nsenter-host",
			Description: "from a privileged container sharing the host's pid namespace, nsenters the simulator's own (the host's) mount, uts, ipc and network namespaces to run `true`",
			Technique:   "T1611", Tactic: "privilege-escalation",
			Rule: "Namespace joined by an unexpected program",
			Run: func(ctx context.Context, env *Env) error {
				return runInContainer(ctx, env, sandbox.Options{Privileged: true, HostPID: true},
					"nsenter -t "+strconv.Itoa(os.Getpid())+" -m -u -i -n true")
			},
		},
		{
			Name:        "container-nsenter-host-benign",
			Description: "`runc exec` into a running container: the runtime joins the container's namespaces",
			Benign:      true,
			Run: func(ctx context.Context, env *Env) error {
				return inStartedContainer(ctx, env, sandbox.Options{}, func(c *sandbox.Container) error {
					_, err := c.Exec("true")
					return err
				})
			},
		},
		{
			Name:        "bpf-program-load",
			Description: "a copy of the simulator named vigil-sim-bpf loads a two-instruction socket filter BPF program (return 0) and closes it; it is attached to nothing",
			Technique:   "T1014", Tactic: "defense-evasion",
			Rule: "BPF program loaded by an unexpected program",
			Run: func(ctx context.Context, env *Env) error {
				return runStepAs(ctx, env, "vigil-sim-bpf", "bpf-prog-load")
			},
		},
		{
			Name:        "bpf-program-load-benign",
			Description: "the same copy creates a one-entry BPF array map (no program) and closes it",
			Benign:      true,
			Run: func(ctx context.Context, env *Env) error {
				return runStepAs(ctx, env, "vigil-sim-bpf", "bpf-map-create")
			},
		},
	}
	for i := range sims {
		if sims[i].Name == "bpf-program-load" || sims[i].Name == "bpf-program-load-benign" {
			sims[i].Needs = []string{"root"}
			continue
		}
		sims[i] = withNeeds(sims[i])
	}
	return sims
}

// containerTimeout bounds each runc command of a container simulation.
const containerTimeout = 20 * time.Second

// withContainer builds a throwaway container in the scratch directory (a
// 64-hex-digit id and the cgroup /vigil-sim/<id>, as engines name them),
// runs fn with it, and removes the container, its cgroup and its state.
func withContainer(env *Env, opts sandbox.Options, fn func(c *sandbox.Container) error) error {
	dir, err := workDir(env, "container")
	if err != nil {
		return err
	}
	opts.Dir = dir
	opts.ID = sandbox.NewID()
	opts.CgroupsPath = "/vigil-sim/" + opts.ID
	opts.Timeout = containerTimeout
	if opts.Annotations == nil {
		opts.Annotations = map[string]string{"org.opencontainers.image.ref.name": "vigil-sim"}
	}
	c, err := sandbox.New(opts)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Out, "  container %s (privileged %v, host pid %v)\n", opts.ID[:12], opts.Privileged, opts.HostPID)
	err = fn(c)
	if cerr := c.Close(); cerr != nil {
		err = errors.Join(err, fmt.Errorf("remove container: %w", cerr))
	}
	return err
}

// runArgsInContainer runs args as a container's init, in the foreground.
func runArgsInContainer(ctx context.Context, env *Env, opts sandbox.Options, args ...string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return withContainer(env, opts, func(c *sandbox.Container) error {
		fmt.Fprintf(env.Out, "  # %q\n", args)
		out, err := c.Run(args...)
		if err != nil {
			return fmt.Errorf("%w\n%s", err, out)
		}
		return nil
	})
}

// runInContainer runs script with the container's sh as its init.
func runInContainer(ctx context.Context, env *Env, opts sandbox.Options, script string) error {
	return runArgsInContainer(ctx, env, opts, "/bin/sh", "-c", script)
}

// inStartedContainer starts a container whose init sleeps, and runs fn
// with it (fn typically runs `runc exec`).
func inStartedContainer(ctx context.Context, env *Env, opts sandbox.Options, fn func(c *sandbox.Container) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return withContainer(env, opts, func(c *sandbox.Container) error {
		if err := c.Start("sleep", "30"); err != nil {
			return err
		}
		return fn(c)
	})
}

// runScriptInContainer installs a shell script named name that runs body at
// /usr/local/bin/name in a container's image, and runs it.
func runScriptInContainer(ctx context.Context, env *Env, name, body string) error {
	return runScriptInImage(ctx, env, "", name, body, name)
}

// runScriptInImage is runScriptInContainer for a container that claims the
// image ref (through the CRI annotations containerd writes), running
// command with `runc exec` in the running container.
func runScriptInImage(ctx context.Context, env *Env, image, name, body, command string) error {
	dir, err := workDir(env, "script")
	if err != nil {
		return err
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte("#!/bin/sh\n"+body+"\n"), 0o755); err != nil {
		return err
	}
	opts := sandbox.Options{Files: map[string]string{"/usr/local/bin/" + name: p}}
	if image != "" {
		opts.Annotations = map[string]string{
			"io.kubernetes.cri.container-type": "container",
			"io.kubernetes.cri.image-name":     image,
		}
	}
	return inStartedContainer(ctx, env, opts, func(c *sandbox.Container) error {
		_, err := c.Exec("/bin/sh", "-c", command)
		return err
	})
}

// execInContainer starts a container and runs each command in it with
// `runc exec` (so each is an execve of its own, as a person's commands
// are; a command's exit status is not an error: the attempt is what
// counts).
func execInContainer(ctx context.Context, env *Env, cmds ...[]string) error {
	return inStartedContainer(ctx, env, sandbox.Options{}, func(c *sandbox.Container) error {
		for _, args := range cmds {
			fmt.Fprintf(env.Out, "  # runc exec %q\n", args)
			if out, err := c.Exec(args...); err != nil {
				var ee *exec.ExitError
				if !errors.As(err, &ee) {
					return fmt.Errorf("%w\n%s", err, out)
				}
			}
		}
		return nil
	})
}

// connectFromContainer listens on a unix socket in the scratch directory,
// mounts it at sockPath in a container and connects to it from there with a
// copy of this program (the connect-unix step), then closes everything.
func connectFromContainer(ctx context.Context, env *Env, sockPath string) error {
	dir, err := workDir(env, "sock")
	if err != nil {
		return err
	}
	hostSock := filepath.Join(dir, filepath.Base(sockPath))
	ln, err := net.Listen("unix", hostSock)
	if err != nil {
		return err
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	mounts, err := programMounts(env.Exe)
	if err != nil {
		return err
	}
	mounts = append(mounts,
		sandbox.Mount{Source: env.Exe, Destination: "/vigil-sim/vigil", ReadOnly: true},
		sandbox.Mount{Source: hostSock, Destination: sockPath})
	args, _ := json.Marshal([]string{sockPath}) // []string always marshals
	opts := sandbox.Options{Mounts: mounts, Env: []string{StepEnv + "=connect-unix", StepArgsEnv + "=" + string(args)}}
	return runArgsInContainer(ctx, env, opts, "/vigil-sim/vigil", "simulate", "exec", "--step", "connect-unix")
}

// programMounts returns the read-only mounts that let the dynamically
// linked program exe run in a busybox container: the directories of its
// ELF interpreter, under the name it is linked with and where its symbolic
// links lead (on Debian /lib64 and /lib/x86_64-linux-gnu, which also hold
// libc). None for a static program.
func programMounts(exe string) ([]sandbox.Mount, error) {
	f, err := elf.Open(exe)
	if err != nil {
		return nil, fmt.Errorf("program %s: %w", exe, err)
	}
	defer f.Close()
	var interp string
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			b := make([]byte, p.Filesz)
			if _, err := p.ReadAt(b, 0); err != nil {
				return nil, fmt.Errorf("program %s: interpreter: %w", exe, err)
			}
			interp = string(b[:len(b)-1]) // NUL-terminated
		}
	}
	if interp == "" {
		return nil, nil
	}
	dests := []string{filepath.Dir(interp)}
	if target, err := os.Readlink(interp); err == nil && filepath.IsAbs(target) {
		dests = append(dests, filepath.Dir(target))
	}
	if real, err := filepath.EvalSymlinks(interp); err == nil {
		dests = append(dests, filepath.Dir(real))
	}
	var out []sandbox.Mount
	seen := map[string]bool{}
	for _, d := range dests {
		if seen[d] {
			continue
		}
		seen[d] = true
		src, err := filepath.EvalSymlinks(d)
		if err != nil {
			return nil, fmt.Errorf("program %s: %w", exe, err)
		}
		out = append(out, sandbox.Mount{Source: src, Destination: d, ReadOnly: true})
	}
	return out, nil
}

// runStepAs runs the step in a copy of this program named name (so that
// the process is not "vigil", which rules may trust).
func runStepAs(ctx context.Context, env *Env, name, step string, args ...string) error {
	bin, err := standInOf(env, env.Exe, name)
	if err != nil {
		return err
	}
	cmd := stepCommand(env, step, args...)
	cmd.Path, cmd.Args[0] = bin, bin
	return runCmd(ctx, env, cmd)
}
