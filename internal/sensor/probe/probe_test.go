package probe

import (
	"context"
	"debug/elf"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/link"
)

// requireRoot skips the test when not running as root, unless
// VIGIL_REQUIRE_KERNEL=1 asks for kernel tests to fail instead.
// (internal/testutil will hold the shared version of this helper.)
func requireRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() == 0 {
		return
	}
	const reason = "kernel feature test needs root (euid %d)"
	if os.Getenv("VIGIL_REQUIRE_KERNEL") == "1" {
		t.Fatalf(reason+" and VIGIL_REQUIRE_KERNEL=1", os.Geteuid())
	}
	t.Skipf(reason, os.Geteuid())
}

// expectedHere is what DESIGN.md §5 says works on the project's machines.
func expectedHere() []Feature {
	return []Feature{
		Privileges, BTF, RingBuf, Tracepoint, RawTracepoint, TPBTF, BPFSendSignal,
		CgroupV2, CgroupSockAddr, CgroupSKB, FanotifyOpenPerm, FanotifyExecPerm, Uprobe,
	}
}

func TestRunReportsEveryFeature(t *testing.T) {
	rep := Run(context.Background())
	want := Features()
	if len(rep.Results) != len(want) {
		t.Fatalf("got %d results, want %d", len(rep.Results), len(want))
	}
	seen := map[Feature]bool{}
	for i, res := range rep.Results {
		if res.Feature != want[i] {
			t.Errorf("result %d is %q, want %q", i, res.Feature, want[i])
		}
		if seen[res.Feature] {
			t.Errorf("feature %q reported twice", res.Feature)
		}
		seen[res.Feature] = true
		if res.Detail == "" {
			t.Errorf("%s: empty detail", res.Feature)
		}
		if strings.ContainsAny(res.Detail, "\n\r") {
			t.Errorf("%s: detail is not one line: %q", res.Feature, res.Detail)
		}
	}
	if rep.Kernel == "" || rep.Arch == "" {
		t.Errorf("kernel %q, arch %q: want both", rep.Kernel, rep.Arch)
	}
	for _, res := range rep.Results {
		t.Logf("%-20s %-5v %s", res.Feature, res.Available, res.Detail)
	}
}

func TestRunOnThisMachine(t *testing.T) {
	requireRoot(t)
	rep := Run(context.Background())
	for _, f := range expectedHere() {
		res, ok := rep.Get(f)
		if !ok {
			t.Errorf("%s: not probed", f)
			continue
		}
		if !res.Available {
			t.Errorf("%s: unavailable, but DESIGN.md §5 says it works here: %s", f, res.Detail)
		}
		if !rep.Has(f) {
			t.Errorf("Has(%s) = false, Get says available", f)
		}
	}
	// Function tracing is blocked here; whichever way these go, they must
	// say why.
	for _, f := range []Feature{Kprobe, Fentry, BPFLSM} {
		res, ok := rep.Get(f)
		if !ok || res.Detail == "" {
			t.Errorf("%s: want a result with a detail, got %+v (probed %v)", f, res, ok)
		}
		t.Logf("%s: available=%v: %s", f, res.Available, res.Detail)
	}
}

func TestRunLeavesNothingBehind(t *testing.T) {
	requireRoot(t)
	// A first run lets cilium/ebpf fill its caches (kernel BTF, feature
	// probes) and the Go runtime open what it keeps open.
	Run(context.Background())

	fdsBefore := openFDs(t)
	Run(context.Background())
	fdsAfter := openFDs(t)
	for fd, target := range fdsAfter {
		if _, ok := fdsBefore[fd]; !ok {
			t.Errorf("fd %s left open: %s", fd, target)
		}
	}

	if left := probeCgroups(t); len(left) > 0 {
		t.Errorf("temporary cgroups left behind: %v", left)
	}
	if left, _ := filepath.Glob(filepath.Join(os.TempDir(), "vigil-probe-fanotify-*")); len(left) > 0 {
		t.Errorf("temporary directories left behind: %v", left)
	}
	if left := probeLinks(t); len(left) > 0 {
		t.Errorf("links of probe programs left behind: %v", left)
	}
	for _, f := range []string{"/sys/kernel/tracing/kprobe_events", "/sys/kernel/tracing/uprobe_events"} {
		b, err := os.ReadFile(f)
		if err != nil {
			continue // no such event interface: nothing can be left there
		}
		if strings.Contains(string(b), traceFSPrefix) {
			t.Errorf("%s still lists probe events:\n%s", f, b)
		}
	}
}

func TestRunCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	rep := Run(ctx)
	if len(rep.Results) != len(Features()) {
		t.Fatalf("got %d results, want %d", len(rep.Results), len(Features()))
	}
	for _, res := range rep.Results {
		if res.Available || !strings.Contains(res.Detail, "not probed") {
			t.Errorf("%s after cancel: %+v", res.Feature, res)
		}
	}
}

func TestReportGetHas(t *testing.T) {
	rep := Report{Results: []Result{
		{Feature: BTF, Available: true, Detail: "x"},
		{Feature: Kprobe, Available: false, Detail: "y"},
	}}
	if !rep.Has(BTF) || rep.Has(Kprobe) || rep.Has(Fentry) {
		t.Errorf("Has: btf %v kprobe %v fentry %v", rep.Has(BTF), rep.Has(Kprobe), rep.Has(Fentry))
	}
	if r, ok := rep.Get(Kprobe); !ok || r.Detail != "y" {
		t.Errorf("Get(kprobe) = %+v, %v", r, ok)
	}
	if _, ok := rep.Get(Fentry); ok {
		t.Error("Get(fentry) found a result that is not there")
	}
}

func TestPrivilegesFrom(t *testing.T) {
	const (
		sysAdmin = uint64(1) << capSysAdmin
		bpf      = uint64(1) << capBPF
		perfmon  = uint64(1) << capPerfmon
	)
	for _, tc := range []struct {
		name   string
		euid   int
		capEff uint64
		want   bool
	}{
		{"root with all caps", 0, 0x1ffffffffff, true},
		{"root without caps", 0, 0, false},
		{"user with CAP_SYS_ADMIN", 1000, sysAdmin, true},
		{"user with CAP_BPF and CAP_PERFMON", 1000, bpf | perfmon, true},
		{"user with CAP_BPF only", 1000, bpf, false},
		{"plain user", 1000, 0, false},
	} {
		got, detail := privilegesFrom(tc.euid, tc.capEff)
		if got != tc.want || detail == "" {
			t.Errorf("%s: got %v (%s), want %v", tc.name, got, detail, tc.want)
		}
	}
}

func TestReadCapEff(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "status")
	if err := os.WriteFile(p, []byte("Name:\tx\nCapPrm:\t0000000000000001\nCapEff:\t000001fffeffffff\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := readCapEff(p)
	if err != nil || got != 0x1fffeffffff {
		t.Errorf("readCapEff = %#x, %v", got, err)
	}
	if err := os.WriteFile(p, []byte("Name:\tx\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := readCapEff(p); err == nil {
		t.Error("readCapEff without a CapEff line: no error")
	}
	if _, err := readCapEff(filepath.Join(dir, "missing")); err == nil {
		t.Error("readCapEff of a missing file: no error")
	}
}

func TestCgroup2MountPoints(t *testing.T) {
	p := filepath.Join(t.TempDir(), "mountinfo")
	info := "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n" +
		"32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n" +
		"41 31 0:38 / /sys/fs/cgroup/unified rw,relatime shared:9 - cgroup2 cgroup2 rw\n" +
		"42 31 0:39 / /mnt/my\\040cg rw - cgroup2 none rw\n"
	if err := os.WriteFile(p, []byte(info), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := cgroup2MountPoints(p)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"/sys/fs/cgroup/unified", "/mnt/my cg"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestLSMListHasBPF(t *testing.T) {
	for list, want := range map[string]bool{
		"lockdown,capability,landlock,yama,apparmor,bpf": true,
		"capability,bpf,selinux":                         true,
		"capability,yama,apparmor":                       false,
		"":                                               false,
		"bpfx,xbpf":                                      false,
	} {
		if got := lsmListHasBPF(list); got != want {
			t.Errorf("lsmListHasBPF(%q) = %v", list, got)
		}
	}
}

func openFDs(t *testing.T) map[string]string {
	t.Helper()
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatalf("list open fds: %v", err)
	}
	fds := map[string]string{}
	for _, e := range entries {
		target, _ := os.Readlink(filepath.Join("/proc/self/fd", e.Name()))
		fds[e.Name()] = target
	}
	return fds
}

func probeCgroups(t *testing.T) []string {
	t.Helper()
	m, err := findCgroup2()
	if err != nil {
		return nil
	}
	left, err := filepath.Glob(filepath.Join(m.path, cgroupTempPrefix+"*"))
	if err != nil {
		t.Fatalf("glob cgroups: %v", err)
	}
	return left
}

// probeLinks lists the links in the kernel whose program was loaded by a
// probe (recognised by name).
func probeLinks(t *testing.T) []string {
	t.Helper()
	var left []string
	var it link.Iterator
	defer it.Close()
	for it.Next() {
		info, err := it.Link.Info()
		if err != nil {
			continue // the link went away meanwhile
		}
		prog, err := ebpf.NewProgramFromID(info.Program)
		if err != nil {
			continue
		}
		pinfo, err := prog.Info()
		prog.Close()
		if err != nil {
			continue
		}
		if strings.HasPrefix(pinfo.Name, progNamePrefix) {
			left = append(left, pinfo.Name)
		}
	}
	if err := it.Err(); err != nil {
		t.Fatalf("iterate links: %v", err)
	}
	return left
}

// TestFileOffsetMatchesSymbol checks the stripped-binary fallback of the
// uprobe probe against the symbol table, when the test binary has one
// (`go test` strips it; `go test -c` does not).
func TestFileOffsetMatchesSymbol(t *testing.T) {
	pc := reflect.ValueOf(uprobeTarget).Pointer()
	got, err := fileOffset(pc)
	if err != nil {
		t.Fatalf("fileOffset: %v", err)
	}
	f, err := elf.Open("/proc/self/exe")
	if err != nil {
		t.Skipf("open own executable: %v", err)
	}
	defer f.Close()
	syms, err := f.Symbols()
	if err != nil {
		t.Skipf("no symbol table (stripped test binary): %v", err)
	}
	name := runtime.FuncForPC(pc).Name()
	for _, s := range syms {
		if s.Name != name {
			continue
		}
		for _, p := range f.Progs {
			if p.Type == elf.PT_LOAD && p.Flags&elf.PF_X != 0 && p.Vaddr <= s.Value && s.Value < p.Vaddr+p.Memsz {
				if want := s.Value - p.Vaddr + p.Off; got != want {
					t.Errorf("fileOffset = %#x, symbol table says %#x", got, want)
				}
				return
			}
		}
	}
	t.Skipf("symbol %s not in the symbol table", name)
}
