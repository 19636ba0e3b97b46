package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// fixedAllReport is a complete `bench all` report with made-up figures.
func fixedAllReport() *allReport {
	return &allReport{
		Machine: machineInfo{CPU: "Example CPU 3000", Cores: 2, MemoryGiB: 23.5, Kernel: "6.18.0-test", OS: "Debian GNU/Linux 12 (bookworm)",
			Go: "go1.26.8", Vigil: "dev-0123456789ab", Date: "2026-11-24 05:00 UTC"},
		Command: "vigil bench all",
		Overhead: &overheadReport{Reps: 3, Configs: []string{cfgNone, cfgFloor, "auditd", cfgVigilFalco, cfgVigilDefault},
			Workloads: []workloadReport{
				{Name: "open", Description: "open+close of a file under /tmp, O_RDONLY", Ops: 300000, Results: []configResult{
					{Config: cfgNone, MedianOps: 812345.6, RatioMedian: 1, RatioMin: 1, RatioMax: 1},
					{Config: cfgFloor, RatioMedian: 0.862, RatioMin: 0.83, RatioMax: 0.925},
					{Config: "auditd", RatioMedian: 0.045, RatioMin: 0.041, RatioMax: 0.048},
					{Config: cfgVigilFalco, RatioMedian: 0.853, RatioMin: 0.771, RatioMax: 0.879},
					{Config: cfgVigilDefault, RatioMedian: 0.838, RatioMin: 0.789, RatioMax: 0.935},
				}},
				{Name: "connect", Description: "TCP connect+accept+close over loopback", Ops: 20000, Results: []configResult{
					{Config: cfgNone, MedianOps: 18000, RatioMedian: 1, RatioMin: 1, RatioMax: 1},
					{Config: cfgFloor, RatioMedian: 0.9, RatioMin: 0.88, RatioMax: 0.92},
					{Config: "auditd", RatioMedian: 0.41, RatioMin: 0.38, RatioMax: 0.45},
					{Config: cfgVigilFalco, RatioMedian: 0.85, RatioMin: 0.8, RatioMax: 0.9},
					{Config: cfgVigilDefault, RatioMedian: 0.8, RatioMin: 0.75, RatioMax: 0.82},
				}},
				{Name: "exec", Description: "fork+exec of /bin/true, waited for", Ops: 1000, Results: []configResult{
					{Config: cfgNone, MedianOps: 1100, RatioMedian: 1, RatioMin: 1, RatioMax: 1},
					{Config: cfgFloor, RatioMedian: 0.98, RatioMin: 0.7, RatioMax: 1.05},
					{Config: cfgVigilDefault, RatioMedian: 0.9, RatioMin: 0.6, RatioMax: 1.0},
				}},
				{Name: "redis", Description: "redis-benchmark -t get", Ops: 100000, Unavailable: "no apt-get"},
			},
			Agents: []agentReport{
				{Config: "auditd", Args: "auditd -n; auditctl -a always,exit -S openat -k vigil-bench", Runs: 3, Events: 99999, KernelLost: 1},
				{Config: cfgVigilFalco, Args: "run -r /x/falco_rules.yaml", Runs: 3, Events: 12345, KernelLost: 0},
				{Config: cfgVigilDefault, Args: "run", Runs: 3, Events: 2345, KernelLost: 7},
			},
			Elapsed: 200},
		Throughput: &throughputReport{Agent: "vigil run --no-file-cache --stats-interval 100ms", Syscall: "open", EventType: "openat",
			Steps: []throughputStep{
				{TargetRate: 100000, Generated: 200000, Seconds: 2, Achieved: 100000, Records: 210000, Events: 200500, AgentCPU: 45, AgentUsPerEvent: 4.29, ZeroLoss: true},
				{TargetRate: 250000, Generated: 500000, Seconds: 2.01, Achieved: 248756.2, Records: 510000, Events: 500300, AgentCPU: 88, AgentUsPerEvent: 3.52, ZeroLoss: true},
				{TargetRate: 500000, Generated: 1000000, Seconds: 2.5, Achieved: 400000, Records: 700000, Events: 690000, Lost: 310000,
					LossPerc: 30.69, AgentCPU: 99, AgentUsPerEvent: 3.5, GeneratorLimited: true},
			},
			MaxRate: 248756.2, Bound: "agent", Elapsed: 20},
		ThroughputPrctl: &throughputReport{Agent: "vigil run --no-file-cache --stats-interval 100ms", Syscall: "prctl", EventType: "prctl",
			Steps: []throughputStep{
				{TargetRate: 250000, Generated: 500000, Seconds: 2, Achieved: 250000, Records: 501000, Events: 500100, AgentCPU: 30, AgentUsPerEvent: 1.2, ZeroLoss: true},
				{TargetRate: 500000, Generated: 1000000, Seconds: 2.01, Achieved: 497512.4, Records: 1001000, Events: 1000100, AgentCPU: 60, AgentUsPerEvent: 1.2, ZeroLoss: true},
				{TargetRate: 750000, Generated: 1500000, Seconds: 2.2, Achieved: 681818.2, Records: 1501000, Events: 1500100, AgentCPU: 85, AgentUsPerEvent: 1.2, ZeroLoss: true, GeneratorLimited: true},
			},
			MaxRate: 681818.2, Bound: "generator", Elapsed: 12},
		Rules: &rulesReport{Mix: defaultMix, MixEvents: 8468, Target: rulesTarget, Elapsed: 9,
			Results: []rulesResult{
				{Ruleset: "built-in", Source: "vigil's built-in ruleset", Rules: 75, Evaluations: 2000000, Seconds: 1.1,
					Trials: 5, EventsPerSec: 1818181.8, MinPerSec: 1500000, MaxPerSec: 2100000, NsPerEvent: 550, Alerts: 0, Profile: []profileEntry{
						{Function: "github.com/vigil-sec/vigil/internal/engine.build.func3", FlatPerc: 11.8, CumPerc: 75.3},
						{Function: "indexbody", FlatPerc: 7.1, CumPerc: 7.1},
					}},
				{Ruleset: "falco", Source: "Falco's stable ruleset (falco_rules.yaml)", Rules: 25, Evaluations: 2000000, Seconds: 0.9,
					Trials: 5, EventsPerSec: 2222222.2, MinPerSec: 2000000, MaxPerSec: 2500000, NsPerEvent: 450, Alerts: 3, Pass: true},
			}},
		Memory: &memoryReport{Agent: "vigil run --no-file-cache --stats-interval 100ms", ExtraProcesses: 10000, StormOpens: 1000000,
			TargetMiB: 100, Pass: true, Elapsed: 40, Phases: []memoryPhase{
				{Phase: phaseIdle, TableLive: 90, TableEntries: 110, RSSKiB: 51200, HWMKiB: 52000},
				{Phase: phaseProcs, TableLive: 10090, TableEntries: 10110, RSSKiB: 71680, HWMKiB: 72000},
				{Phase: phaseStorm, TableLive: 90, TableEntries: 10110, RSSKiB: 60000, HWMKiB: 80000},
			}},
		Latency: &latencyReport{Runs: 500, SpacingMs: 8, Rule: latencyRule, Elapsed: 30, Variants: []latencyVariant{
			{Name: "default (poll 50ms)", Runs: 500, Received: 500, P50Ms: 26.2, P99Ms: 51.3, MaxMs: 60.1},
			{Name: "--poll-interval 5ms", Args: "--poll-interval 5ms", Runs: 500, Received: 500, P50Ms: 3.4, P99Ms: 12.3, MaxMs: 20},
			{Name: "--wakeup-bytes -1", Args: "--wakeup-bytes -1", Runs: 500, Received: 499, P50Ms: 1.7, P99Ms: 6, MaxMs: 9.5},
		}},
		Elapsed: 330,
	}
}

func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs (run with -update to accept):\n%s", path, got)
	}
}

func TestBenchAllMarkdown(t *testing.T) {
	var b bytes.Buffer
	if err := fixedAllReport().writeMarkdown(&b); err != nil {
		t.Fatal(err)
	}
	checkGolden(t, "bench_all.md.golden", b.Bytes())
}

// TestBenchAllTable checks the combined text report; overhead's own
// table (overheadReport.writeTable) is left to bench overhead's tests.
func TestBenchAllTable(t *testing.T) {
	rep := fixedAllReport()
	rep.Overhead = nil
	var b bytes.Buffer
	if err := rep.writeTable(&b); err != nil {
		t.Fatal(err)
	}
	checkGolden(t, "bench_all.txt.golden", b.Bytes())
}

// TestBenchAllFailedSection: a failed section is said in both forms, and
// the other sections still show.
func TestBenchAllFailedSection(t *testing.T) {
	rep := fixedAllReport()
	rep.Memory = nil
	rep.Errors = map[string]string{secMemory: "agent exited before ready"}
	for name, write := range map[string]func(*bytes.Buffer) error{
		"markdown": func(b *bytes.Buffer) error { return rep.writeMarkdown(b) },
		"table":    func(b *bytes.Buffer) error { return rep.writeTable(b) },
	} {
		var b bytes.Buffer
		if err := write(&b); err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"agent exited before ready", "Example CPU 3000", "--wakeup-bytes -1"} {
			if !bytes.Contains(b.Bytes(), []byte(want)) {
				t.Errorf("%s lacks %q:\n%s", name, want, b.String())
			}
		}
	}
}

func TestWriteDoc(t *testing.T) {
	dir := t.TempDir()
	var msgs bytes.Buffer
	path := filepath.Join(dir, "perf.md")
	if got := writeDoc(path, fixedAllReport(), &msgs); got != path {
		t.Fatalf("written %q, want %q: %s", got, path, msgs.String())
	}
	if data, err := os.ReadFile(path); err != nil || !bytes.HasPrefix(data, []byte("# Performance\n")) {
		t.Errorf("%s: %v %q", path, err, data)
	}
	// A directory that does not exist: said, not fatal.
	msgs.Reset()
	if got := writeDoc(filepath.Join(dir, "no", "perf.md"), fixedAllReport(), &msgs); got != "" || msgs.Len() == 0 {
		t.Errorf("written %q, message %q", got, msgs.String())
	}
	if got := writeDoc("", fixedAllReport(), &msgs); got != "" {
		t.Errorf("empty path: written %q", got)
	}
}

func TestMachineParsers(t *testing.T) {
	if got := cpuModel([]byte("processor\t: 0\nvendor_id\t: AuthenticAMD\nmodel name\t: AMD EPYC 7B13\n\nprocessor\t: 1\nmodel name\t: AMD EPYC 7B13\n")); got != "AMD EPYC 7B13" {
		t.Errorf("x86 cpuModel %q", got)
	}
	if got := cpuModel([]byte("processor\t: 0\nBogoMIPS\t: 50.00\n\nModel\t: Raspberry Pi 4 Model B\n")); got != "Raspberry Pi 4 Model B" {
		t.Errorf("arm cpuModel %q", got)
	}
	if got := memTotalGiB([]byte("MemTotal:       24684092 kB\nMemFree: 1 kB\n")); got < 23.5 || got > 23.6 {
		t.Errorf("memTotalGiB %v", got)
	}
	if got := osPrettyName([]byte("NAME=\"Debian GNU/Linux\"\nPRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\n")); got != "Debian GNU/Linux 12 (bookworm)" {
		t.Errorf("osPrettyName %q", got)
	}
	m := describeMachine()
	if m.Cores < 1 || m.Go == "" || m.Date == "" {
		t.Errorf("describeMachine %+v", m)
	}
}

func TestThousands(t *testing.T) {
	for in, want := range map[float64]string{0: "0", 999: "999", 1000: "1,000", 248756.2: "248,756", 2000000: "2,000,000", -1234: "-1,234"} {
		if got := thousands(in); got != want {
			t.Errorf("thousands(%v) = %q, want %q", in, got, want)
		}
	}
}
