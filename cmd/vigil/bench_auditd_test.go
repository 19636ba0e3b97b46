package main

import (
	"context"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/vigil-sec/vigil/internal/event"
	"github.com/vigil-sec/vigil/internal/testutil"
)

func TestAuditSyscallName(t *testing.T) {
	for _, tc := range []struct {
		typ  event.Type
		want string // "" for none
	}{
		{event.TypeExecve, "execve"},
		{event.TypeExecveat, "execveat"},
		{event.TypeClone3, "clone3"},
		{event.TypeProcExit, "exit_group"},
		{event.TypeOpenat, "openat"},
		{event.TypeOpenat2, "openat2"},
		{event.TypeConnect, "connect"},
		{event.TypeAccept4, "accept4"},
		{event.TypeInitModule, "init_module"},
		{event.TypeMemfdCreate, "memfd_create"},
		{event.TypeUmount2, "umount2"},
		{event.TypePivotRoot, "pivot_root"},
		{event.TypeUnknown, ""},
		{event.TypeDrop, ""},
		{event.TypeEnforce, ""},
	} {
		got, ok := auditSyscallName(tc.typ)
		if ok != (tc.want != "") || got != tc.want {
			t.Errorf("auditSyscallName(%v) = %q, %v; want %q", tc.typ, got, ok, tc.want)
		}
	}
}

func TestAuditSyscallNames(t *testing.T) {
	for _, tc := range []struct {
		name  string
		types []event.Type
		want  string
	}{
		{"lifecycle only", nil, "clone,clone3,execve,execveat,exit_group,fork,vfork"},
		{"duplicates and pseudo-events", []event.Type{event.TypeOpenat, event.TypeDrop, event.TypeConnect, event.TypeOpenat, event.TypeExecve},
			"clone,clone3,connect,execve,execveat,exit_group,fork,openat,vfork"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := strings.Join(auditSyscallNames(tc.types), ","); got != tc.want {
				t.Errorf("got %s, want %s", got, tc.want)
			}
		})
	}
}

// TestBuiltinAuditSyscalls checks the auditd rule against what vigil-default
// captures: every captured system call and the lifecycle, nothing else.
func TestBuiltinAuditSyscalls(t *testing.T) {
	names, err := builtinAuditSyscalls()
	if err != nil {
		t.Fatal(err)
	}
	l, err := loadRules(&ruleFlags{matching: "all"})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{}
	for _, typ := range slices.Concat(auditLifecycle, capturedSyscalls(l.engine)) {
		n, ok := auditSyscallName(typ)
		if !ok {
			t.Fatalf("captured type %v has no system call name", typ)
		}
		want[n] = true
	}
	if len(names) != len(want) {
		t.Errorf("%d names %v, want %d", len(names), names, len(want))
	}
	for _, n := range names {
		if !want[n] {
			t.Errorf("%s is not captured by vigil-default", n)
		}
	}
	// The workloads' calls must be among them, or auditd would cost them
	// nothing.
	for _, n := range []string{"execve", "openat", "connect"} {
		if !slices.Contains(names, n) {
			t.Errorf("%s missing from %v", n, names)
		}
	}
}

func TestParseAusyscallDump(t *testing.T) {
	known := parseAusyscallDump("Using x86_64 syscall table:\n0\tread\n2\topen\n257\topenat\nbogus line here\n")
	in, out := splitKnown([]string{"openat", "open", "frobnicate", "read"}, known)
	if strings.Join(in, ",") != "openat,open,read" || strings.Join(out, ",") != "frobnicate" {
		t.Errorf("known %v, unknown %v", in, out)
	}
}

func TestParseAuditStatus(t *testing.T) {
	const out = `enabled 1
failure 1
pid 19631
rate_limit 0
backlog_limit 8192
lost 17
backlog 3
backlog_wait_time 15000
backlog_wait_time_actual 0
loginuid_immutable 0 unlocked
`
	st, err := parseAuditStatus(out)
	if err != nil {
		t.Fatal(err)
	}
	want := auditStatus{enabled: 1, failure: 1, pid: 19631, backlogLimit: 8192, backlog: 3, backlogWaitTime: 15000, lost: 17}
	if st != want {
		t.Errorf("got %+v, want %+v", st, want)
	}
	for _, bad := range []string{"", "enabled 1\npid 0\n", "enabled x\npid 0\nlost 0\n"} {
		if _, err := parseAuditStatus(bad); err == nil {
			t.Errorf("parseAuditStatus(%q): no error", bad)
		}
	}
}

func TestRuleChangeSerial(t *testing.T) {
	const log = `type=DAEMON_START msg=audit(1795494321.878:711): op=start ver=3.0.9 res=success
type=CONFIG_CHANGE msg=audit(1795494322.885:3): op=set audit_backlog_limit=8192 old=64 res=1
type=CONFIG_CHANGE msg=audit(1795494322.889:4): auid=4294967295 ses=4294967295 op=add_rule key="vigil-bench" list=4 res=1AUID="unset"
type=SYSCALL msg=audit(1795494322.890:5): arch=c000003e syscall=257 key="vigil-bench"
type=CONFIG_CHANGE msg=audit(1795494322.895:9): auid=4294967295 ses=4294967295 op=add_rule key="other" list=4 res=1
type=CONFIG_CHANGE msg=audit(1795494322.901:54): auid=4294967295 ses=4294967295 op=remove_rule key="vigil-bench" list=4 res=1AUID="unset"
type=DAEMON_END msg=audit(1795494323.428:712): op=terminate res=success
`
	for _, tc := range []struct {
		op   string
		want uint64
		ok   bool
	}{{"add_rule", 4, true}, {"remove_rule", 54, true}, {"set", 0, false}} {
		got, ok := ruleChangeSerial(log, tc.op)
		if got != tc.want || ok != tc.ok {
			t.Errorf("ruleChangeSerial(%s) = %d, %v; want %d, %v", tc.op, got, ok, tc.want, tc.ok)
		}
	}
}

func TestAuditdTable(t *testing.T) {
	b := &auditdBench{syscalls: []string{"execve", "openat", "connect"}}
	rep := &overheadReport{Reps: 1, Configs: []string{cfgNone, cfgFloor}, Workloads: []workloadReport{
		{Name: "open", Ops: 10, Results: []configResult{
			{Config: cfgNone, MedianOps: 1000, RatioMedian: 1, RatioMin: 1, RatioMax: 1},
			{Config: cfgFloor, MedianOps: 800, RatioMedian: 0.8, RatioMin: 0.8, RatioMax: 0.8},
		}},
	}, Agents: []agentReport{
		{Config: cfgAuditd, Runs: 1, Events: 12, KernelLost: 7, Args: b.command()},
		{Config: cfgVigilDefault, Runs: 1, Events: 5, Args: "run"},
	}, UnavailableConfigs: map[string]string{cfgAuditd: "kernel audit unavailable"}}
	var sb strings.Builder
	if err := rep.writeTable(&sb); err != nil {
		t.Fatal(err)
	}
	s := sb.String()
	for _, want := range []string{
		"auditd: unavailable: kernel audit unavailable",
		"auditd -n; auditctl -a always,exit -F arch=b64 -S (3 system calls) -k vigil-bench",
		"vigil run",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("table lacks %q:\n%s", want, s)
		}
	}
	if !strings.Contains(b.command(), "-S execve,openat,connect -k vigil-bench") {
		t.Errorf("command %q", b.command())
	}
}

// TestAuditdConfig starts and stops the auditd configuration: the rule is
// loaded while it runs, and nothing is left after.
func TestAuditdConfig(t *testing.T) {
	testutil.RequireRoot(t)
	for _, p := range []string{"auditd", "auditctl"} {
		if _, err := exec.LookPath(p); err != nil {
			testutil.SkipOrFail(t, p+" not installed (Debian package auditd)")
		}
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	ctx := context.Background()
	b, why := prepareAuditd(ctx, false, log)
	if b == nil {
		testutil.SkipOrFail(t, "auditd configuration unavailable: "+why)
	}
	before, err := b.status()
	if err != nil {
		t.Fatal(err)
	}
	r, err := b.start(ctx)
	if err != nil {
		t.Fatal(err)
	}
	stopped := false
	defer func() {
		if !stopped {
			_, _ = r.stop()
		}
	}()
	rules, err := auditctl(b.auditctl, "-l")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(rules, "key="+auditdKey) || !strings.Contains(rules, "execve") {
		t.Errorf("auditctl -l while running:\n%s", rules)
	}
	st, err := b.status()
	if err != nil {
		t.Fatal(err)
	}
	if st.pid != uint64(r.cmd.Process.Pid) || st.enabled != 1 {
		t.Errorf("status while running %+v, want pid %d enabled", st, r.cmd.Process.Pid)
	}
	for range 3 { // events to count
		if err := exec.Command("/bin/true").Run(); err != nil {
			t.Fatal(err)
		}
	}
	stopped = true
	stats, err := r.stop()
	if err != nil {
		t.Fatal(err)
	}
	if stats.Events == 0 {
		t.Errorf("no events counted: %+v", stats)
	}
	rules, err = auditctl(b.auditctl, "-l")
	if err != nil {
		t.Fatal(err)
	}
	if strings.TrimSpace(rules) != "No rules" {
		t.Errorf("auditctl -l after stop:\n%s", rules)
	}
	after, err := b.status()
	if err != nil {
		t.Fatal(err)
	}
	if after.pid != 0 || after.enabled != before.enabled || after.backlogLimit != before.backlogLimit ||
		after.failure != before.failure || after.backlogWaitTime != before.backlogWaitTime {
		t.Errorf("status after stop %+v, before %+v", after, before)
	}
	if _, err := os.Stat(r.dir); !os.IsNotExist(err) {
		t.Errorf("%s left behind (%v)", r.dir, err)
	}
}
