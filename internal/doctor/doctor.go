package doctor

import (
	"fmt"
	"slices"
	"strings"

	"github.com/vigil-sec/vigil/internal/sensor/probe"
)

// Capability names.
const (
	ProcessEvents     = "process events"
	SyscallEvents     = "syscall events"
	KillAction        = "kill action"
	DenyExec          = "deny exec"
	DenyFileOpen      = "deny file open"
	DenyNetwork       = "deny network"
	NetworkTelemetry  = "network telemetry per cgroup"
	ContainerIdentity = "container identity"
	Uprobes           = "TLS/shell uprobes"
)

// Mechanisms, as reported in Capability.Mechanism.
const (
	MechProcessRawTP   = "raw_tracepoint sched_process_exec/fork/exit, ring buffer, CO-RE"
	MechSyscallTP      = "tracepoint syscalls/sys_exit_<call>, only the calls the rules name; ring buffer, CO-RE, kfunc bpf_rdonly_cast (Linux 6.2+)"
	MechSendSignal     = "bpf_send_signal"
	MechLSMExec        = "BPF-LSM bprm_check_security"
	MechFanotifyExec   = "fanotify FAN_OPEN_EXEC_PERM"
	MechLSMFileOpen    = "BPF-LSM file_open"
	MechFanotifyOpen   = "fanotify FAN_OPEN_PERM"
	MechCgroupSockAddr = "cgroup sock_addr connect4/connect6"
	MechCgroupSKB      = "cgroup skb ingress/egress"
	MechCgroupV2IDs    = "cgroup v2 ids (bpf_get_current_cgroup_id)"
	MechCgroupV1Paths  = "cgroup paths from /proc"
	MechUprobe         = "uprobes"
)

// Fix messages for the features every Vigil install needs.
const (
	FixPrivileges = "run as root (or with CAP_BPF, CAP_PERFMON and CAP_SYS_RESOURCE)"
	FixBTF        = "kernel lacks BTF (/sys/kernel/btf/vmlinux): use a kernel built with CONFIG_DEBUG_INFO_BTF=y"
	FixRingBuf    = "kernel older than 5.8: ring buffers are required"
)

// whyCgroupV1 explains the container identity fallback.
const whyCgroupV1 = "cgroup v1: container ids from cgroup paths only"

// Capability is what Vigil can do for one of its jobs on this host.
type Capability struct {
	Name string `json:"name"`
	// Mechanism is the chosen mechanism, "" if none is available.
	Mechanism string `json:"mechanism"`
	// Required capabilities must be OK for the agent to run.
	Required bool `json:"required"`
	OK       bool `json:"ok"`
	// Why says why the capability is unavailable and what to fix, or, when
	// a weaker mechanism was chosen, why the stronger ones were not.
	Why string `json:"why"`
}

// Diagnosis is the report and what it means for Vigil.
type Diagnosis struct {
	Report       probe.Report
	Capabilities []Capability
	// ContainerSources are the container metadata sources looked for; the
	// caller fills them in (Diagnose reads only the kernel report).
	ContainerSources []ContainerSource
}

// ContainerSource is one container metadata source (a runtime's API
// socket or a state directory) and whether the agent can use it.
type ContainerSource struct {
	Kind      string `json:"kind"`    // cri, docker, oci-state
	Address   string `json:"address"` // socket or directory
	Available bool   `json:"available"`
	Runtime   string `json:"runtime,omitempty"`
	Version   string `json:"version,omitempty"`
	// Error says why a source that exists cannot be used.
	Error string `json:"error,omitempty"`
}

// option is one mechanism for a capability and the features it needs.
type option struct {
	mechanism string
	needs     []probe.Feature
}

// capSpec describes a capability: its options, strongest first, and an
// optional fallback that needs no kernel feature.
type capSpec struct {
	name        string
	required    bool
	options     []option
	fallback    string // mechanism used when no option is available
	fallbackWhy string
}

func specs() []capSpec {
	// Paths are assembled by a dentry walk under bpf_loop.
	bpfTelemetry := []probe.Feature{probe.Privileges, probe.BTF, probe.RingBuf, probe.RawTracepoint, probe.BPFLoop}
	return []capSpec{
		{name: ProcessEvents, required: true, options: []option{{MechProcessRawTP, bpfTelemetry}}},
		{name: SyscallEvents, options: []option{{MechSyscallTP, []probe.Feature{probe.Privileges, probe.BTF, probe.RingBuf, probe.Tracepoint, probe.BPFLoop}}}},
		{name: KillAction, options: []option{{MechSendSignal, []probe.Feature{probe.BPFSendSignal}}}},
		// BPF-LSM back-ends (MechLSMExec, MechLSMFileOpen) are not
		// implemented yet: fanotify is what vigil run uses.
		{name: DenyExec, options: []option{
			{MechFanotifyExec, []probe.Feature{probe.FanotifyExecPerm}},
		}},
		{name: DenyFileOpen, options: []option{
			{MechFanotifyOpen, []probe.Feature{probe.FanotifyOpenPerm}},
		}},
		{name: DenyNetwork, options: []option{{MechCgroupSockAddr, []probe.Feature{probe.CgroupV2, probe.CgroupSockAddr}}}},
		{name: NetworkTelemetry, options: []option{{MechCgroupSKB, []probe.Feature{probe.CgroupV2, probe.CgroupSKB}}}},
		{name: ContainerIdentity,
			options:  []option{{MechCgroupV2IDs, []probe.Feature{probe.CgroupV2}}},
			fallback: MechCgroupV1Paths, fallbackWhy: whyCgroupV1},
		{name: Uprobes, options: []option{{MechUprobe, []probe.Feature{probe.Uprobe}}}},
	}
}

// needsPrivileges reports whether probing f needs privileges, so that its
// failure says nothing about the kernel when the process lacks them.
func needsPrivileges(f probe.Feature) bool {
	switch f {
	case probe.Privileges, probe.BTF, probe.CgroupV2:
		return false
	}
	return true
}

// Diagnose decides, for each capability, which mechanism Vigil will use.
func Diagnose(r probe.Report) Diagnosis {
	d := Diagnosis{Report: r}
	for _, s := range specs() {
		d.Capabilities = append(d.Capabilities, diagnoseOne(r, s))
	}
	return d
}

func diagnoseOne(r probe.Report, s capSpec) Capability {
	c := Capability{Name: s.name, Required: s.required}
	var skipped []string    // one reason per option not chosen
	var fixLists [][]string // the fixes behind each reason
	for _, o := range s.options {
		fixes := missing(r, o.needs)
		if len(fixes) == 0 {
			c.Mechanism, c.OK = o.mechanism, true
			break
		}
		fixLists = append(fixLists, fixes)
		reason := strings.Join(fixes, "; ")
		if len(s.options) > 1 || s.fallback != "" {
			reason = fmt.Sprintf("%s unavailable: %s", o.mechanism, reason)
		}
		skipped = append(skipped, reason)
	}
	if len(fixLists) > 1 && allEqual(fixLists) {
		// Every option fails for the same reason (typically missing
		// privileges): say it once.
		skipped = []string{strings.Join(fixLists[0], "; ")}
	}
	if !c.OK && s.fallback != "" {
		c.Mechanism, c.OK = s.fallback, true
		skipped = append(skipped, s.fallbackWhy)
	}
	c.Why = strings.Join(skipped, "; ")
	return c
}

func allEqual(lists [][]string) bool {
	for _, l := range lists[1:] {
		if !slices.Equal(l, lists[0]) {
			return false
		}
	}
	return true
}

// missing returns the fixes for the features in needs that r lacks, without
// repeats. Without privileges, a feature that needs them to be probed is
// blamed on the missing privileges, not on the kernel.
func missing(r probe.Report, needs []probe.Feature) []string {
	privileged := r.Has(probe.Privileges)
	var fixes []string
	for _, f := range needs {
		if r.Has(f) {
			continue
		}
		fix := fixFor(r, f)
		if !privileged && needsPrivileges(f) {
			fix = FixPrivileges
		}
		if !slices.Contains(fixes, fix) {
			fixes = append(fixes, fix)
		}
	}
	return fixes
}

func fixFor(r probe.Report, f probe.Feature) string {
	switch f {
	case probe.Privileges:
		return FixPrivileges
	case probe.BTF:
		return FixBTF
	case probe.RingBuf:
		return FixRingBuf
	}
	res, ok := r.Get(f)
	if !ok {
		return fmt.Sprintf("%s: not probed", f)
	}
	if res.Detail == "" {
		return fmt.Sprintf("%s: unavailable", f)
	}
	return fmt.Sprintf("%s: %s", f, res.Detail)
}

// Get returns the capability with the given name.
func (d Diagnosis) Get(name string) (Capability, bool) {
	for _, c := range d.Capabilities {
		if c.Name == name {
			return c, true
		}
	}
	return Capability{}, false
}

// CanRun reports whether every required capability is available. When not,
// the message says what to fix.
func (d Diagnosis) CanRun() (bool, string) {
	var problems []string
	for _, c := range d.Capabilities {
		if c.Required && !c.OK {
			problems = append(problems, fmt.Sprintf("%s: %s", c.Name, c.Why))
		}
	}
	if len(problems) == 0 {
		return true, ""
	}
	return false, "Vigil cannot run on this host: " + strings.Join(problems, "; ")
}
