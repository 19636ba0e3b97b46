package doctor

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vigil-sec/vigil/internal/sensor/probe"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// report builds a report in which exactly the features in avail are
// available; details come from details, or are made up.
func report(avail []probe.Feature, details map[probe.Feature]string) probe.Report {
	r := probe.Report{Kernel: "6.1.0-test", Arch: "x86_64"}
	for _, f := range probe.Features() {
		res := probe.Result{Feature: f, Available: contains(avail, f)}
		switch d, ok := details[f]; {
		case ok:
			res.Detail = d
		case res.Available:
			res.Detail = "works"
		default:
			res.Detail = "test: " + string(f) + " missing"
		}
		r.Results = append(r.Results, res)
	}
	return r
}

func contains(fs []probe.Feature, f probe.Feature) bool {
	for _, x := range fs {
		if x == f {
			return true
		}
	}
	return false
}

func all() []probe.Feature { return probe.Features() }

func without(drop ...probe.Feature) []probe.Feature {
	var out []probe.Feature
	for _, f := range probe.Features() {
		if !contains(drop, f) {
			out = append(out, f)
		}
	}
	return out
}

// thisMachine is the shape of the project's machines (DESIGN.md §5), with
// the details the probes gave there.
func thisMachine() probe.Report {
	r := report(without(probe.Kprobe, probe.Fentry, probe.BPFLSM), map[probe.Feature]string{
		probe.Privileges:       "euid 0; CapEff 000001fffeffffff has CAP_SYS_ADMIN, CAP_BPF, CAP_PERFMON (RLIMIT_MEMLOCK cannot be raised; fine on Linux >= 5.11)",
		probe.BTF:              "loaded kernel BTF (/sys/kernel/btf/vmlinux), task_struct found",
		probe.RingBuf:          "created a 4096-byte ring buffer map",
		probe.Tracepoint:       "attached and detached a program on tracepoint sched/sched_process_exec",
		probe.RawTracepoint:    "attached and detached a program on raw_tracepoint sched_process_exec",
		probe.TPBTF:            "attached and detached a BTF-typed program on tp_btf/sched_process_exec",
		probe.BPFSendSignal:    "helper bpf_send_signal: raw_tracepoint yes, tracepoint yes (verifier probe)",
		probe.BPFLoop:          "helper bpf_loop: raw_tracepoint yes, tracepoint yes (verifier probe)",
		probe.CgroupV2:         "cgroup2 mounted at /sys/fs/cgroup/unified (hybrid layout: /sys/fs/cgroup is tmpfs (cgroup v1 layout))",
		probe.CgroupSockAddr:   "attached and detached a cgroup sock_addr connect4 program on a temporary cgroup under /sys/fs/cgroup/unified",
		probe.CgroupSKB:        "attached and detached a cgroup skb egress program on a temporary cgroup under /sys/fs/cgroup/unified",
		probe.FanotifyOpenPerm: "marked a temporary directory for FAN_OPEN_PERM in a FAN_CLASS_CONTENT group",
		probe.FanotifyExecPerm: "marked a temporary directory for FAN_OPEN_EXEC_PERM in a FAN_CLASS_CONTENT group",
		probe.Uprobe:           "attached and detached a uprobe on /proc/self/exe symbol main.main",
		probe.Kprobe:           "kprobe security_file_open: no kprobe PMU (/sys/bus/event_source/devices/kprobe) and no kprobe_events in tracefs although uprobe_events exists: kernel built without CONFIG_KPROBE_EVENTS, or kprobes blocked",
		probe.Fentry:           "load fentry program for security_file_open: load program: operation not permitted (refused although privileged) (ftrace function hooks blocked?)",
		probe.BPFLSM:           "load LSM program for file_open: load program: operation not permitted (refused although privileged) (ftrace function hooks blocked?); active LSM list unknown (open /sys/kernel/security/lsm: no such file or directory; securityfs not mounted?)",
	})
	r.Kernel = "6.18.44-fc-v657"
	return r
}

func fullFeatured() probe.Report {
	r := report(all(), map[probe.Feature]string{
		probe.CgroupV2: "cgroup2 mounted at /sys/fs/cgroup (unified layout)",
		probe.BPFLSM:   `bpf in active LSM list "lockdown,capability,landlock,yama,apparmor,bpf"; attached and detached an LSM program on file_open`,
	})
	r.Kernel = "6.8.0-45-generic"
	return r
}

func unprivilegedNoBTF() probe.Report {
	eperm := "load program: operation not permitted (not privileged?)"
	d := map[probe.Feature]string{
		probe.Privileges:       "euid 1000; CapEff 0000000000000000 has none of CAP_SYS_ADMIN, CAP_BPF, CAP_PERFMON, CAP_SYS_RESOURCE: need CAP_SYS_ADMIN, or CAP_BPF and CAP_PERFMON",
		probe.BTF:              "load kernel BTF: no such file or directory (/sys/kernel/btf/vmlinux missing: kernel built without CONFIG_DEBUG_INFO_BTF?)",
		probe.CgroupV2:         "cgroup2 mounted at /sys/fs/cgroup (unified layout)",
		probe.FanotifyOpenPerm: "fanotify_init(FAN_CLASS_CONTENT): operation not permitted (needs CAP_SYS_ADMIN)",
		probe.FanotifyExecPerm: "fanotify_init(FAN_CLASS_CONTENT): operation not permitted (needs CAP_SYS_ADMIN)",
		probe.RingBuf:          "create ring buffer map: map create: operation not permitted (not privileged?)",
	}
	for _, f := range probe.Features() {
		if _, ok := d[f]; !ok {
			d[f] = eperm
		}
	}
	r := report([]probe.Feature{probe.CgroupV2}, d)
	r.Kernel = "5.15.0-1-generic"
	r.Arch = "aarch64"
	return r
}

func TestGolden(t *testing.T) {
	for _, tc := range []struct {
		name    string
		report  probe.Report
		canRun  bool
		sources []ContainerSource
	}{
		{"this_machine", thisMachine(), true, []ContainerSource{
			{Kind: "cri", Address: "/run/containerd/containerd.sock", Available: true, Runtime: "containerd", Version: "1.6.20"},
			{Kind: "cri", Address: "/run/crio/crio.sock"},
			{Kind: "docker", Address: "/var/run/docker.sock", Runtime: "docker", Error: "docker /var/run/docker.sock: permission denied"},
			{Kind: "oci-state", Address: "/run/runc", Available: true},
		}},
		{"full_featured", fullFeatured(), true, nil},
		{"unprivileged_no_btf", unprivilegedNoBTF(), false, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := Diagnose(tc.report)
			d.ContainerSources = tc.sources
			ok, msg := d.CanRun()
			if ok != tc.canRun {
				t.Errorf("CanRun = %v (%s), want %v", ok, msg, tc.canRun)
			}
			if ok != (msg == "") {
				t.Errorf("CanRun = %v with message %q", ok, msg)
			}

			var text, js bytes.Buffer
			if err := d.WriteText(&text); err != nil {
				t.Fatalf("WriteText: %v", err)
			}
			if err := d.WriteJSON(&js); err != nil {
				t.Fatalf("WriteJSON: %v", err)
			}
			golden(t, tc.name+".txt.golden", text.Bytes())
			golden(t, tc.name+".json.golden", js.Bytes())

			var back jsonReport
			if err := json.Unmarshal(js.Bytes(), &back); err != nil {
				t.Fatalf("WriteJSON wrote invalid JSON: %v", err)
			}
			if back.CanRun != ok || back.Problem != msg || len(back.Features) != len(tc.report.Results) || len(back.Capabilities) != len(d.Capabilities) ||
				len(back.ContainerSources) != len(tc.sources) {
				t.Errorf("JSON does not round-trip: %+v", back)
			}
		})
	}
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatalf("update %s: %v", path, err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden file (run with -update to create it): %v", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the output (run with -update to accept):\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

func TestMechanismChoice(t *testing.T) {
	for _, tc := range []struct {
		name      string
		avail     []probe.Feature
		cap       string
		mechanism string // "" = unavailable
		whyHas    string
	}{
		{"process events everywhere", all(), ProcessEvents, MechProcessRawTP, ""},
		{"process events without ringbuf", without(probe.RingBuf), ProcessEvents, "", FixRingBuf},
		{"process events without BTF", without(probe.BTF), ProcessEvents, "", FixBTF},
		{"process events without privileges", without(probe.Privileges), ProcessEvents, "", FixPrivileges},
		{"process events without raw tracepoints", without(probe.RawTracepoint), ProcessEvents, "", "raw_tracepoint: test: raw_tracepoint missing"},
		{"syscall events", all(), SyscallEvents, MechSyscallTP, ""},
		{"syscall events without BTF", without(probe.BTF), SyscallEvents, "", FixBTF},
		{"process events without bpf_loop", without(probe.BPFLoop), ProcessEvents, "", "bpf_loop: test: bpf_loop missing"},
		{"syscall events without bpf_loop", without(probe.BPFLoop), SyscallEvents, "", "bpf_loop: test: bpf_loop missing"},
		{"kill with bpf_send_signal", all(), KillAction, MechSendSignal, ""},
		{"kill without bpf_send_signal", without(probe.BPFSendSignal), KillAction, "", "bpf_send_signal: test: bpf_send_signal missing"},
		// BPF-LSM is probed and reported, but no back-end uses it yet.
		{"deny exec uses fanotify", all(), DenyExec, MechFanotifyExec, ""},
		{"deny exec without BPF-LSM", without(probe.BPFLSM), DenyExec, MechFanotifyExec, ""},
		{"deny exec with LSM only", without(probe.FanotifyExecPerm), DenyExec, "", "fanotify_exec_perm: test: fanotify_exec_perm missing"},
		{"deny exec ignores open perm", without(probe.FanotifyExecPerm), DenyFileOpen, MechFanotifyOpen, ""},
		{"deny open uses fanotify", all(), DenyFileOpen, MechFanotifyOpen, ""},
		{"deny open without fanotify", without(probe.FanotifyOpenPerm), DenyFileOpen, "", "fanotify_open_perm"},
		{"deny network", all(), DenyNetwork, MechCgroupSockAddr, ""},
		{"deny network needs cgroup v2", without(probe.CgroupV2), DenyNetwork, "", "cgroup_v2"},
		{"deny network needs sock_addr", without(probe.CgroupSockAddr), DenyNetwork, "", "cgroup_sock_addr"},
		{"network telemetry", all(), NetworkTelemetry, MechCgroupSKB, ""},
		{"network telemetry needs skb", without(probe.CgroupSKB), NetworkTelemetry, "", "cgroup_skb"},
		{"container identity v2", all(), ContainerIdentity, MechCgroupV2IDs, ""},
		{"container identity v1", without(probe.CgroupV2), ContainerIdentity, MechCgroupV1Paths, whyCgroupV1},
		{"container identity unprivileged", []probe.Feature{probe.CgroupV2}, ContainerIdentity, MechCgroupV2IDs, ""},
		{"uprobes", all(), Uprobes, MechUprobe, ""},
		{"uprobes missing", without(probe.Uprobe), Uprobes, "", "uprobe"},
		{"unprivileged blames privileges, not the kernel", []probe.Feature{probe.BTF, probe.CgroupV2}, DenyExec, "", FixPrivileges},
		{"kprobe and fentry are not needed", without(probe.Kprobe, probe.Fentry), ProcessEvents, MechProcessRawTP, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := Diagnose(report(tc.avail, nil))
			c, ok := d.Get(tc.cap)
			if !ok {
				t.Fatalf("no capability %q", tc.cap)
			}
			if c.Mechanism != tc.mechanism || c.OK != (tc.mechanism != "") {
				t.Errorf("mechanism %q ok %v, want %q", c.Mechanism, c.OK, tc.mechanism)
			}
			if !strings.Contains(c.Why, tc.whyHas) {
				t.Errorf("why %q does not mention %q", c.Why, tc.whyHas)
			}
			if !c.OK && c.Why == "" {
				t.Error("unavailable without a reason")
			}
			if tc.whyHas == "" && c.Why != "" {
				t.Errorf("why %q, want none", c.Why)
			}
		})
	}
}

func TestUnprivilegedFixes(t *testing.T) {
	d := Diagnose(unprivilegedNoBTF())
	c, _ := d.Get(ProcessEvents)
	if want := FixPrivileges + "; " + FixBTF; c.Why != want {
		t.Errorf("process events why %q, want %q", c.Why, want)
	}
	for _, name := range []string{DenyExec, DenyFileOpen, KillAction, Uprobes} {
		if c, _ := d.Get(name); c.Why != FixPrivileges {
			t.Errorf("%s why %q, want just %q", name, c.Why, FixPrivileges)
		}
	}
	ok, msg := d.CanRun()
	if ok || !strings.Contains(msg, FixPrivileges) || !strings.Contains(msg, FixBTF) {
		t.Errorf("CanRun = %v, %q", ok, msg)
	}
	if strings.Contains(msg, FixRingBuf) {
		t.Errorf("blames the kernel's ring buffers for missing privileges: %q", msg)
	}
}

func TestCapabilitiesListed(t *testing.T) {
	d := Diagnose(fullFeatured())
	want := []string{ProcessEvents, SyscallEvents, KillAction, DenyExec, DenyFileOpen, DenyNetwork, NetworkTelemetry, ContainerIdentity, Uprobes}
	if len(d.Capabilities) != len(want) {
		t.Fatalf("got %d capabilities, want %d", len(d.Capabilities), len(want))
	}
	for i, c := range d.Capabilities {
		if c.Name != want[i] {
			t.Errorf("capability %d is %q, want %q", i, c.Name, want[i])
		}
		if c.Required != (c.Name == ProcessEvents) {
			t.Errorf("%s: required = %v", c.Name, c.Required)
		}
	}
}

func TestEmptyReport(t *testing.T) {
	d := Diagnose(probe.Report{})
	ok, msg := d.CanRun()
	if ok || msg == "" {
		t.Errorf("CanRun on an empty report = %v, %q", ok, msg)
	}
	c, _ := d.Get(ContainerIdentity)
	if c.Mechanism != MechCgroupV1Paths {
		t.Errorf("container identity on an empty report: %+v", c)
	}
	if err := d.WriteText(&bytes.Buffer{}); err != nil {
		t.Error(err)
	}
	var js bytes.Buffer
	if err := d.WriteJSON(&js); err != nil {
		t.Error(err)
	}
	if !strings.Contains(js.String(), `"features": []`) {
		t.Errorf("empty report JSON lacks an empty feature list:\n%s", js.String())
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestWriteErrors(t *testing.T) {
	d := Diagnose(thisMachine())
	if err := d.WriteText(failWriter{}); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Errorf("WriteText to a failing writer: %v", err)
	}
	if err := d.WriteJSON(failWriter{}); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Errorf("WriteJSON to a failing writer: %v", err)
	}
}
