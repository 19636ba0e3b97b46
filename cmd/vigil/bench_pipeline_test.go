package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vigil-sec/vigil/internal/testutil"
)

func TestPercentile(t *testing.T) {
	for _, tc := range []struct {
		in   []float64
		p    float64
		want float64
	}{
		{nil, 50, 0},
		{[]float64{7}, 50, 7},
		{[]float64{7}, 99, 7},
		{[]float64{3, 1, 2}, 50, 2},
		{[]float64{4, 1, 3, 2}, 50, 2},
		{[]float64{4, 1, 3, 2}, 75, 3},
		{[]float64{4, 1, 3, 2}, 100, 4},
		{[]float64{4, 1, 3, 2}, 1, 1},
	} {
		if got := percentile(tc.in, tc.p); got != tc.want {
			t.Errorf("percentile(%v, %v) = %v, want %v", tc.in, tc.p, got, tc.want)
		}
	}
	// 100 values 1..100: p50 is 50, p99 is 99 (nearest rank).
	var xs []float64
	for i := 100; i >= 1; i-- {
		xs = append(xs, float64(i))
	}
	if p50, p99 := percentile(xs, 50), percentile(xs, 99); p50 != 50 || p99 != 99 {
		t.Errorf("1..100: p50 %v p99 %v, want 50 99", p50, p99)
	}
}

func sample(records, opens uint64, lost map[string]uint64) statsSample {
	return statsSample{KernelRecords: records, ByType: map[string]uint64{"openat": opens}, KernelLost: lost}
}

func TestMeasureStep(t *testing.T) {
	before := sample(1000, 500, map[string]uint64{"syscall": 5, "exit": 1})
	for _, tc := range []struct {
		name  string
		gen   stormResult
		after statsSample
		want  throughputStep
	}{
		{"no loss", stormResult{Ops: 200_000, Seconds: 2}, sample(211_000, 200_700, map[string]uint64{"syscall": 5, "exit": 1}),
			throughputStep{TargetRate: 100_000, Generated: 200_000, Seconds: 2, Achieved: 100_000, Records: 210_000,
				Events: 200_200, AgentCPU: 50, AgentUsPerEvent: 1e6 / 210_000.0, ZeroLoss: true}},
		{"loss", stormResult{Ops: 200_000, Seconds: 2}, sample(151_000, 150_500, map[string]uint64{"syscall": 50_005, "exit": 1}),
			throughputStep{TargetRate: 100_000, Generated: 200_000, Seconds: 2, Achieved: 100_000, Records: 150_000,
				Events: 150_000, Lost: 50_000, LossPerc: 25, AgentCPU: 50, AgentUsPerEvent: 1e6 / 150_000.0}},
		{"events missing without kernel loss", stormResult{Ops: 200_000, Seconds: 2}, sample(101_000, 100_500, map[string]uint64{"syscall": 5, "exit": 1}),
			throughputStep{TargetRate: 100_000, Generated: 200_000, Seconds: 2, Achieved: 100_000, Records: 100_000,
				Events: 100_000, AgentCPU: 50, AgentUsPerEvent: 10}},
		{"generator short", stormResult{Ops: 200_000, Seconds: 2.5}, sample(201_000, 200_500, map[string]uint64{"syscall": 5, "exit": 1}),
			throughputStep{TargetRate: 100_000, Generated: 200_000, Seconds: 2.5, Achieved: 80_000, Records: 200_000,
				Events: 200_000, AgentCPU: 50, AgentUsPerEvent: 5, ZeroLoss: true, GeneratorLimited: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := measureStep(100_000, "openat", tc.gen, before, tc.after, time.Second, 2*time.Second)
			if got != tc.want {
				t.Errorf("got  %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

func TestSummarizeSteps(t *testing.T) {
	ok := func(rate float64) throughputStep { return throughputStep{Achieved: rate, ZeroLoss: true} }
	lossy := func(rate float64) throughputStep { return throughputStep{Achieved: rate} }
	for _, tc := range []struct {
		name  string
		steps []throughputStep
		rate  float64
		bound string
	}{
		{"none", nil, 0, "none"},
		{"all lossy", []throughputStep{lossy(100), lossy(200)}, 0, "none"},
		{"agent bound", []throughputStep{ok(100), ok(250), lossy(500), lossy(700)}, 250, "agent"},
		{"generator bound", []throughputStep{ok(100), ok(250), ok(400)}, 400, "generator"},
		// A noisy step: the highest step without loss still counts.
		{"noisy", []throughputStep{ok(100), lossy(250), ok(500), lossy(700)}, 500, "agent"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rate, bound := summarizeSteps(tc.steps)
			if rate != tc.rate || bound != tc.bound {
				t.Errorf("got %v %s, want %v %s", rate, bound, tc.rate, tc.bound)
			}
		})
	}
}

func TestParseProcStatus(t *testing.T) {
	data := []byte("Name:\tvigil\nVmPeak:\t 2000 kB\nVmHWM:\t   61234 kB\nVmRSS:\t   51200 kB\nThreads:\t8\n")
	m, err := parseProcStatus(data)
	if err != nil || m != (procMemory{RSSKiB: 51200, HWMKiB: 61234}) {
		t.Errorf("got %+v, %v", m, err)
	}
	if _, err := parseProcStatus([]byte("Name:\tkthreadd\n")); err == nil {
		t.Error("no VmRSS: want an error")
	}
	if _, err := parseProcStatus([]byte("VmRSS:\tmany kB\nVmHWM:\t1 kB\n")); err == nil {
		t.Error("bad VmRSS: want an error")
	}
}

func TestParseProcStatCPU(t *testing.T) {
	// A command name with spaces and a parenthesis; utime 250, stime 50.
	data := []byte("1234 (a (b) c) S 1 1234 1234 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 8 0 100 0 0\n")
	d, err := parseProcStatCPU(data)
	if err != nil || d != 3*time.Second {
		t.Errorf("got %v, %v; want 3s", d, err)
	}
	if _, err := parseProcStatCPU([]byte("1234 (x) S 1 2")); err == nil {
		t.Error("short stat: want an error")
	}
}

func TestMarkerSeq(t *testing.T) {
	const marker = "/tmp/vigil-bench-latency-1/vigil-marker"
	line := func(rule, exe, cmdline string) string {
		b, _ := json.Marshal(map[string]any{"rule": rule, "output_fields": map[string]any{"proc.exepath": exe, "proc.cmdline": cmdline}})
		return string(b)
	}
	for _, tc := range []struct {
		name string
		line string
		seq  int
		ok   bool
	}{
		{"marker", line(latencyRule, marker, "vigil-marker 17"), 17, true},
		{"other rule", line("Other", marker, "vigil-marker 17"), 0, false},
		{"other program", line(latencyRule, "/tmp/x/vigil-marker", "vigil-marker 17"), 0, false},
		{"no number", line(latencyRule, marker, "vigil-marker x"), 0, false},
		{"extra args", line(latencyRule, marker, "vigil-marker 1 2"), 0, false},
		{"not JSON", "12:00:00 Warning something", 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			seq, ok := markerSeq(tc.line, marker)
			if seq != tc.seq || ok != tc.ok {
				t.Errorf("got %d %v, want %d %v", seq, ok, tc.seq, tc.ok)
			}
		})
	}
}

func TestStatsSampleLive(t *testing.T) {
	s := statsSample{Table: "{Live:91 Exited:20 Seeded:89}", KernelLost: map[string]uint64{"a": 2, "b": 3}}
	if s.live() != 91 || s.lost() != 5 {
		t.Errorf("live %d lost %d, want 91 5", s.live(), s.lost())
	}
	if (statsSample{}).live() != -1 {
		t.Error("no table: want -1")
	}
}

// TestStormOpens checks the generator's count and pacing bound: a paced
// storm never runs ahead of its schedule (it may fall behind on a busy
// host, so only the lower bound on its duration is checked).
func TestStormOpens(t *testing.T) {
	f := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(f, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, sc := range []string{"open", "prctl"} {
		d, err := storm(sc, f, 2000, 200, 2) // 200 calls at 2,000/s: at least 99.5 ms
		if err != nil {
			t.Fatal(err)
		}
		if d < 99*time.Millisecond {
			t.Errorf("%s: paced storm took %v, want at least 99ms", sc, d)
		}
	}
	if _, err := storm("open", filepath.Join(t.TempDir(), "absent"), 0, 1, 1); err == nil {
		t.Error("absent file: want an error")
	}
}

// TestBenchAllQuick runs `vigil bench all --quick` on every section but
// overhead (TestBenchOverheadQuick covers it) and checks each section's
// shape and the markdown it writes. It says nothing about speed.
func TestBenchAllQuick(t *testing.T) {
	testutil.RequireRoot(t)
	rulesPath, err := filepath.Abs(falcoRules)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(rulesPath); err != nil {
		t.Skipf("../shared/testdata is absent: %v", err)
	}
	bin, err := buildVigil()
	if err != nil {
		t.Fatal(err)
	}
	doc := filepath.Join(t.TempDir(), "performance.md")
	cmd := exec.Command(bin, "bench", "all", "--quick", "--json", "--sections", "throughput,throughput-prctl,rules,memory,latency",
		"--falco-rules", rulesPath, "--write", doc)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("bench all: %v\n%s", err, stderr.String())
	}
	var rep allReport
	if err := json.Unmarshal(out, &rep); err != nil {
		t.Fatalf("report: %v\n%s", err, out)
	}
	if rep.Overhead != nil || len(rep.Errors) != 0 || rep.Written != doc {
		t.Errorf("overhead %v, errors %v, written %q", rep.Overhead != nil, rep.Errors, rep.Written)
	}
	if m := rep.Machine; m.Cores < 1 || m.Kernel == "" || m.Go == "" || m.Date == "" || m.MemoryGiB <= 0 {
		t.Errorf("machine %+v", m)
	}

	for name, tp := range map[string]*throughputReport{"open": rep.Throughput, "prctl": rep.ThroughputPrctl} {
		if tp == nil || len(tp.Steps) == 0 || tp.Syscall != name {
			t.Errorf("throughput %s: %+v", name, tp)
			continue
		}
		for _, s := range tp.Steps {
			// The storm's own calls are events of its type: the agent saw
			// at least some of them.
			if s.Generated <= 0 || s.Achieved <= 0 || s.Records == 0 || s.Events == 0 {
				t.Errorf("throughput %s step %+v", name, s)
			}
		}
	}

	if r := rep.Rules; r == nil || len(r.Results) != 2 || r.MixEvents == 0 {
		t.Errorf("rules: %+v", r)
	} else {
		for _, res := range r.Results {
			if res.Rules == 0 || res.Evaluations != quickRuleEvals || res.EventsPerSec <= 0 {
				t.Errorf("rules %+v", res)
			}
		}
	}

	if m := rep.Memory; m == nil || len(m.Phases) != 3 {
		t.Errorf("memory: %+v", m)
	} else {
		for _, p := range m.Phases {
			if p.RSSKiB == 0 || p.HWMKiB < p.RSSKiB || p.TableEntries == 0 {
				t.Errorf("memory phase %+v", p)
			}
		}
		// The sleepers are in the agent's table (give or take the host's
		// other processes).
		if idle, procs := m.Phases[0].TableLive, m.Phases[1].TableLive; procs < idle+quickMemProcesses/2 {
			t.Errorf("table live: idle %d, with %d extra processes %d", idle, quickMemProcesses, procs)
		}
	}

	if l := rep.Latency; l == nil || len(l.Variants) != len(latencyVariants()) {
		t.Errorf("latency: %+v", l)
	} else {
		for _, v := range l.Variants {
			// An alert can be lost only to a full queue: none here.
			if v.Runs != quickLatencyRuns || v.Received != v.Runs || v.P50Ms <= 0 || v.P99Ms < v.P50Ms || v.MaxMs < v.P99Ms {
				t.Errorf("latency %+v", v)
			}
		}
	}

	md, err := os.ReadFile(doc)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"# Performance", "## Machine", "## Targets", "## Pipeline throughput", "## Rule evaluation",
		"## Memory", "## Detection latency", rep.Machine.Kernel} {
		if !strings.Contains(string(md), want) {
			t.Errorf("markdown lacks %q", want)
		}
	}
	// Every sleeper was killed.
	if n := countSleepers(t); n > 0 {
		t.Errorf("%d sleepers left behind", n)
	}
}

// countSleepers counts the processes whose command line is that of
// bench memory's sleepers.
func countSleepers(t *testing.T) int {
	t.Helper()
	want := "sleep\x00" + strconv.Itoa(int(sleeperLifetime.Seconds())) + "\x00"
	dirs, err := filepath.Glob("/proc/[0-9]*/cmdline")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, d := range dirs {
		if b, err := os.ReadFile(d); err == nil && string(b) == want {
			n++
		}
	}
	return n
}

func TestThroughputSummary(t *testing.T) {
	for _, tc := range []struct {
		rep  throughputReport
		want string
	}{
		{throughputReport{Bound: "agent", MaxRate: 250000}, "highest rate without loss: 250,000 events/s (the next step lost events)"},
		{throughputReport{Bound: "generator", MaxRate: 140000, Steps: []throughputStep{{AgentUsPerEvent: 5}}},
			"highest rate without loss: at least 140,000 events/s (the generator's limit; the agent lost nothing); " +
				"at 5.00 µs of agent CPU per event, one core of it would take about 200,000 events/s"},
		{throughputReport{Bound: "none"}, "no step was without loss"},
	} {
		if got := tc.rep.summary(); got != tc.want {
			t.Errorf("got  %q\nwant %q", got, tc.want)
		}
	}
}

func TestReproduceCommand(t *testing.T) {
	var stdout, stderr strings.Builder
	cmd := newBenchAllCmd(&globalFlags{}, &stdout, &stderr)
	if err := cmd.ParseFlags([]string{"--quick", "--sections", "rules,memory", "--reps", "2", "--json", "--write", ""}); err != nil {
		t.Fatal(err)
	}
	if got, want := reproduceCommand(cmd), "vigil bench all --quick=true --reps 2 --sections rules,memory"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
