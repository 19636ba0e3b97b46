package sandbox

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"golang.org/x/sys/unix"
)

// The subset of the OCI runtime specification (v1.0.2) the harness writes.
// It is declared here rather than imported from
// github.com/opencontainers/runtime-spec to keep the module's dependencies
// as they are.
type spec struct {
	OCIVersion  string            `json:"ociVersion"`
	Process     specProcess       `json:"process"`
	Root        specRoot          `json:"root"`
	Hostname    string            `json:"hostname,omitempty"`
	Mounts      []specMount       `json:"mounts"`
	Hooks       *specHooks        `json:"hooks,omitempty"`
	Annotations map[string]string `json:"annotations,omitempty"`
	Linux       specLinux         `json:"linux"`
}

type specProcess struct {
	Terminal        bool             `json:"terminal"`
	User            specUser         `json:"user"`
	Args            []string         `json:"args"`
	Env             []string         `json:"env"`
	Cwd             string           `json:"cwd"`
	Capabilities    specCapabilities `json:"capabilities"`
	Rlimits         []specRlimit     `json:"rlimits,omitempty"`
	NoNewPrivileges bool             `json:"noNewPrivileges"`
}

type specUser struct {
	UID uint32 `json:"uid"`
	GID uint32 `json:"gid"`
}

type specCapabilities struct {
	Bounding    []string `json:"bounding"`
	Effective   []string `json:"effective"`
	Inheritable []string `json:"inheritable"`
	Permitted   []string `json:"permitted"`
	Ambient     []string `json:"ambient"`
}

type specRlimit struct {
	Type string `json:"type"`
	Hard uint64 `json:"hard"`
	Soft uint64 `json:"soft"`
}

type specRoot struct {
	Path     string `json:"path"`
	Readonly bool   `json:"readonly"`
}

type specMount struct {
	Destination string   `json:"destination"`
	Type        string   `json:"type"`
	Source      string   `json:"source"`
	Options     []string `json:"options,omitempty"`
}

type specHooks struct {
	CreateRuntime []specHook `json:"createRuntime,omitempty"`
}

type specHook struct {
	Path    string   `json:"path"`
	Args    []string `json:"args"`
	Timeout *int     `json:"timeout,omitempty"`
}

type specLinux struct {
	Resources     specResources   `json:"resources"`
	CgroupsPath   string          `json:"cgroupsPath,omitempty"`
	Namespaces    []specNamespace `json:"namespaces"`
	MaskedPaths   []string        `json:"maskedPaths,omitempty"`
	ReadonlyPaths []string        `json:"readonlyPaths,omitempty"`
}

type specResources struct {
	Devices []specDeviceRule `json:"devices"`
}

type specDeviceRule struct {
	Allow  bool   `json:"allow"`
	Access string `json:"access"`
}

type specNamespace struct {
	Type string `json:"type"`
}

// defaultCaps is Docker's default capability set.
var defaultCaps = []string{
	"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD",
	"CAP_NET_RAW", "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP",
	"CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE",
}

// allCaps is every capability runc 1.1 knows, indexed by number (through
// CAP_CHECKPOINT_RESTORE, 40).
var allCaps = []string{
	"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER",
	"CAP_FSETID", "CAP_KILL", "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP",
	"CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST",
	"CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER",
	"CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE",
	"CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE",
	"CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD",
	"CAP_LEASE", "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP",
	"CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM",
	"CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF",
	"CAP_CHECKPOINT_RESTORE",
}

// boundedCaps returns the capabilities of caps that are in this process's
// bounding set: runc cannot grant the others (a sandbox may have dropped
// some, such as CAP_SYS_RESOURCE, from the host's processes).
func boundedCaps(caps []string) []string {
	var out []string
	for _, name := range caps {
		n := slices.Index(allCaps, name)
		if r, err := unix.PrctlRetInt(unix.PR_CAPBSET_READ, uintptr(n), 0, 0, 0); err == nil && r != 1 {
			continue
		}
		out = append(out, name)
	}
	return out
}

// loUpScript returns the script the createRuntime hook runs, with the
// container's state on stdin: it brings lo up in the container's network
// namespace with the host's busybox bb (hooks run with an empty
// environment, hence no PATH lookups).
func loUpScript(bb string) string {
	q := "'" + strings.ReplaceAll(bb, "'", `'\''`) + "'"
	return `pid=$(` + q + ` sed -n 's/.*"pid": *\([0-9][0-9]*\).*/\1/p'); ` +
		`[ -n "$pid" ] || { echo "lo hook: no pid in state" >&2; exit 1; }; ` +
		`exec ` + q + ` nsenter -t "$pid" -n ` + q + ` ip link set lo up`
}

// buildSpec returns the configuration of a container running args.
func (c *Container) buildSpec(args []string) spec {
	caps := boundedCaps(defaultCaps)
	if c.opts.Privileged {
		caps = boundedCaps(allCaps)
	}
	env := append([]string{
		"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
		"HOME=/root",
	}, c.opts.Env...)
	s := spec{
		OCIVersion: "1.0.2-dev",
		Process: specProcess{
			Args: args,
			Env:  env,
			Cwd:  "/",
			Capabilities: specCapabilities{
				Bounding: caps, Effective: caps, Permitted: caps,
				// Not inheritable nor ambient, as Docker: execs of
				// non-root users lose them.
				Inheritable: []string{}, Ambient: []string{},
			},
			Rlimits:         []specRlimit{{Type: "RLIMIT_NOFILE", Hard: 1024, Soft: 1024}},
			NoNewPrivileges: !c.opts.Privileged,
		},
		Root:        specRoot{Path: c.rootfs},
		Hostname:    c.id,
		Annotations: c.opts.Annotations,
		Mounts: []specMount{
			{Destination: "/proc", Type: "proc", Source: "proc"},
			{Destination: "/dev", Type: "tmpfs", Source: "tmpfs", Options: []string{"nosuid", "strictatime", "mode=755", "size=65536k"}},
			{Destination: "/dev/pts", Type: "devpts", Source: "devpts", Options: []string{"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"}},
			{Destination: "/dev/shm", Type: "tmpfs", Source: "shm", Options: []string{"nosuid", "noexec", "nodev", "mode=1777", "size=65536k"}},
			{Destination: "/dev/mqueue", Type: "mqueue", Source: "mqueue", Options: []string{"nosuid", "noexec", "nodev"}},
			{Destination: "/sys", Type: "sysfs", Source: "sysfs", Options: []string{"nosuid", "noexec", "nodev", "ro"}},
		},
		Linux: specLinux{
			CgroupsPath: c.cgroupsPath,
			Namespaces:  []specNamespace{{Type: "ipc"}, {Type: "uts"}, {Type: "mount"}},
			Resources:   specResources{Devices: []specDeviceRule{{Allow: false, Access: "rwm"}}},
			MaskedPaths: []string{
				"/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys",
				"/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats",
				"/proc/sched_debug", "/sys/firmware", "/proc/scsi",
			},
			ReadonlyPaths: []string{"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"},
		},
	}
	if !c.opts.HostPID {
		s.Linux.Namespaces = append(s.Linux.Namespaces, specNamespace{Type: "pid"})
	}
	for _, m := range c.opts.Mounts {
		opt := []string{"rbind", "rprivate"}
		if m.ReadOnly {
			opt = append(opt, "ro")
		}
		s.Mounts = append(s.Mounts, specMount{Destination: m.Destination, Type: "bind", Source: m.Source, Options: opt})
	}
	if c.opts.Privileged {
		s.Linux.Resources.Devices = []specDeviceRule{{Allow: true, Access: "rwm"}}
		s.Linux.MaskedPaths, s.Linux.ReadonlyPaths = nil, nil
	}
	if !c.opts.HostNetwork {
		s.Linux.Namespaces = append(s.Linux.Namespaces, specNamespace{Type: "network"})
		timeout := 10
		s.Hooks = &specHooks{CreateRuntime: []specHook{{
			Path:    c.busybox,
			Args:    []string{c.busybox, "sh", "-c", loUpScript(c.busybox)},
			Timeout: &timeout,
		}}}
	}
	return s
}

// writeSpec writes the bundle's config.json for a container running args.
func (c *Container) writeSpec(args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("container %s: no process args", c.id)
	}
	b, err := json.MarshalIndent(c.buildSpec(args), "", "\t")
	if err != nil {
		return fmt.Errorf("encode config.json: %w", err)
	}
	p := filepath.Join(c.bundle, "config.json")
	if err := os.WriteFile(p, b, 0o644); err != nil {
		return fmt.Errorf("write %s: %w", p, err)
	}
	return nil
}
