package main

// `bench all`: every benchmark of `vigil bench` in one run of fixed
// workloads and counts, one combined table, and docs/performance.md.

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"golang.org/x/sys/unix"
)

// The sections of `bench all`, in their order.
const (
	secOverhead   = "overhead"
	secThroughput = "throughput"
	// secThroughputPrctl is the throughput with the prctl storm.
	secThroughputPrctl = "throughput-prctl"
	secRules           = "rules"
	secMemory          = "memory"
	secLatency         = "latency"
)

func allSections() []string {
	return []string{secOverhead, secThroughput, secThroughputPrctl, secRules, secMemory, secLatency}
}

// allOverheadConfigs are the overhead configurations `bench all` asks for;
// runOverhead leaves out a name it does not know (auditd, when this build
// has no such configuration).
func allOverheadConfigs() []string {
	return []string{cfgFloor, cfgVigilFalco, cfgVigilDefault, "auditd"}
}

const (
	allOverheadReps = 3
	// harnessTarget is the bound on the whole run.
	harnessTarget = 10 * time.Minute
	defaultDoc    = "docs/performance.md"
)

type allFlags struct {
	quick      bool
	json       bool
	write      string
	sections   []string
	reps       int
	falcoRules string
	install    bool
}

// machineInfo describes the host the figures come from.
type machineInfo struct {
	CPU       string  `json:"cpu"`
	Cores     int     `json:"cores"`
	MemoryGiB float64 `json:"memory_gib"`
	Kernel    string  `json:"kernel"`
	OS        string  `json:"os"`
	Go        string  `json:"go"`
	Vigil     string  `json:"vigil"`
	Date      string  `json:"date"`
}

// allReport is the result of `bench all`; a section that did not run is
// nil, a section that failed has its error in Errors.
type allReport struct {
	Machine    machineInfo       `json:"machine"`
	Command    string            `json:"command"`
	Quick      bool              `json:"quick"`
	Overhead   *overheadReport   `json:"overhead,omitempty"`
	Throughput *throughputReport `json:"throughput,omitempty"`
	// ThroughputPrctl is the throughput with the prctl storm.
	ThroughputPrctl *throughputReport `json:"throughput_prctl,omitempty"`
	Rules           *rulesReport      `json:"rules,omitempty"`
	Memory          *memoryReport     `json:"memory,omitempty"`
	Latency         *latencyReport    `json:"latency,omitempty"`
	Errors          map[string]string `json:"errors,omitempty"`
	Elapsed         float64           `json:"elapsed_seconds"`
	// Written is the file the markdown went to ("" when none).
	Written string `json:"written,omitempty"`
}

func newBenchAllCmd(g *globalFlags, stdout, stderr io.Writer) *cobra.Command {
	f := &allFlags{}
	cmd := &cobra.Command{
		Use:   "all",
		Short: "Every benchmark, one table, and docs/performance.md (root; under 10 minutes)",
		Long: "all runs, with their fixed workloads and counts: overhead (" + strconv.Itoa(allOverheadReps) + " repetitions; no agent,\n" +
			"the floor, vigil with Falco's rules, vigil with its own, and auditd where this build has\n" +
			"that configuration), throughput, rules, memory and latency (see each command's help). It\n" +
			"prints one combined report and writes it as markdown, with a description of the machine,\n" +
			"to --write (default " + defaultDoc + " under the repository root found above the working\n" +
			"directory; nothing is written when there is none or the file cannot be written). A section\n" +
			"that fails is reported and the others still run; the command then exits non-zero.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			log, exe, err := benchSetup(g, stderr, "all")
			if err != nil {
				return err
			}
			for _, s := range f.sections {
				if !slices.Contains(allSections(), s) {
					return fmt.Errorf("--sections: %q: want some of %s", s, strings.Join(allSections(), ", "))
				}
			}
			if f.reps < 1 {
				return fmt.Errorf("--reps %d: must be at least 1", f.reps)
			}
			if f.quick && !cmd.Flags().Changed("reps") {
				f.reps = 1
			}
			rep := runAll(cmd.Context(), f, exe, reproduceCommand(cmd), log)
			rep.Written = writeDoc(f.write, rep, stderr)
			if err := benchOutput(stdout, f.json, rep); err != nil {
				return err
			}
			if len(rep.Errors) > 0 {
				return fmt.Errorf("%d section(s) failed: %s", len(rep.Errors), strings.Join(sortedKeys(rep.Errors), ", "))
			}
			return nil
		},
	}
	fl := cmd.Flags()
	fl.BoolVar(&f.quick, "quick", false, "every section with tiny counts (for tests; the figures mean nothing)")
	fl.BoolVar(&f.json, "json", false, "print the report as JSON")
	fl.StringVar(&f.write, "write", defaultDoc, "markdown report, relative to the repository root; \"\" writes none")
	fl.StringSliceVar(&f.sections, "sections", nil, "run only these sections ("+strings.Join(allSections(), ", ")+")")
	fl.IntVar(&f.reps, "reps", allOverheadReps, "overhead's interleaved repetitions (1 with --quick)")
	fl.StringVar(&f.falcoRules, "falco-rules", defaultFalcoRules, "Falco's rules file (overhead and rules)")
	fl.BoolVar(&f.install, "install", true, "install redis-server, redis-tools and auditd with apt-get when missing (overhead)")
	return cmd
}

// reproduceCommand is the command line that repeats this run (the flags
// that change what is measured).
func reproduceCommand(cmd *cobra.Command) string {
	parts := []string{"vigil bench all"}
	cmd.Flags().Visit(func(fl *pflag.Flag) {
		switch fl.Name {
		case "json", "write", "log-level", "log-format":
			return
		}
		switch v := fl.Value.(type) {
		case pflag.SliceValue:
			parts = append(parts, "--"+fl.Name+" "+strings.Join(v.GetSlice(), ","))
		default:
			if v.Type() == "bool" {
				parts = append(parts, "--"+fl.Name+"="+v.String())
			} else {
				parts = append(parts, "--"+fl.Name+" "+v.String())
			}
		}
	})
	return strings.Join(parts, " ")
}

func runAll(ctx context.Context, f *allFlags, exe, command string, log *slog.Logger) *allReport {
	start := time.Now()
	rep := &allReport{Machine: describeMachine(), Command: command, Quick: f.quick, Errors: map[string]string{}}
	want := func(s string) bool { return len(f.sections) == 0 || slices.Contains(f.sections, s) }
	fail := func(s string, err error) {
		log.Error("bench all: section failed", "section", s, "err", err)
		rep.Errors[s] = err.Error()
	}
	falco := f.falcoRules
	if p, err := benchPath(falco); err == nil {
		falco = p
	}
	for _, s := range allSections() {
		if !want(s) || ctx.Err() != nil {
			continue
		}
		log.Info("bench all", "section", s, "elapsed", time.Since(start).Round(time.Second).String())
		var err error
		switch s {
		case secOverhead:
			rep.Overhead, err = runOverhead(ctx, &overheadFlags{reps: f.reps, quick: f.quick, falcoRules: falco,
				install: f.install, configs: allOverheadConfigs()}, exe, log)
		case secThroughput:
			rep.Throughput, err = runThroughput(ctx, &throughputFlags{quick: f.quick}, exe, log)
		case secThroughputPrctl:
			rep.ThroughputPrctl, err = runThroughput(ctx, &throughputFlags{syscall: "prctl", quick: f.quick}, exe, log)
		case secRules:
			rep.Rules, err = runRules(ctx, &rulesFlags{quick: f.quick, mix: defaultMix, falcoRules: falco}, log)
		case secMemory:
			rep.Memory, err = runMemory(ctx, &memoryFlags{quick: f.quick}, exe, log)
		case secLatency:
			rep.Latency, err = runLatency(ctx, &latencyFlags{quick: f.quick}, exe, log)
		}
		if err != nil {
			fail(s, err)
		}
	}
	if err := ctx.Err(); err != nil {
		rep.Errors["interrupted"] = err.Error()
	}
	if len(rep.Errors) == 0 {
		rep.Errors = nil
	}
	rep.Elapsed = time.Since(start).Seconds()
	return rep
}

// describeMachine reads what the report says of this host.
func describeMachine() machineInfo {
	m := machineInfo{Cores: runtime.NumCPU(), Go: runtime.Version(), Vigil: versionString(),
		Date: time.Now().UTC().Format("2006-01-02 15:04 UTC"), CPU: "unknown", Kernel: "unknown", OS: "unknown"}
	if data, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		if v := cpuModel(data); v != "" {
			m.CPU = v
		}
	}
	if data, err := os.ReadFile("/proc/meminfo"); err == nil {
		m.MemoryGiB = memTotalGiB(data)
	}
	var u unix.Utsname
	if err := unix.Uname(&u); err == nil {
		m.Kernel = unix.ByteSliceToString(u.Release[:])
	}
	if data, err := os.ReadFile("/etc/os-release"); err == nil {
		if v := osPrettyName(data); v != "" {
			m.OS = v
		}
	}
	return m
}

// cpuModel is /proc/cpuinfo's first "model name" (x86) or "Model" (arm).
func cpuModel(cpuinfo []byte) string {
	var model string
	for _, l := range strings.Split(string(cpuinfo), "\n") {
		k, v, ok := strings.Cut(l, ":")
		if !ok {
			continue
		}
		switch strings.TrimSpace(k) {
		case "model name":
			return strings.TrimSpace(v)
		case "Model":
			if model == "" {
				model = strings.TrimSpace(v)
			}
		}
	}
	return model
}

// memTotalGiB is /proc/meminfo's MemTotal in GiB (0 when absent).
func memTotalGiB(meminfo []byte) float64 {
	for _, l := range strings.Split(string(meminfo), "\n") {
		if v, ok := strings.CutPrefix(l, "MemTotal:"); ok {
			kb, err := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			if err != nil {
				return 0
			}
			return float64(kb) / (1 << 20)
		}
	}
	return 0
}

// osPrettyName is os-release's PRETTY_NAME.
func osPrettyName(osRelease []byte) string {
	for _, l := range strings.Split(string(osRelease), "\n") {
		if v, ok := strings.CutPrefix(l, "PRETTY_NAME="); ok {
			if s, err := strconv.Unquote(v); err == nil {
				return s
			}
			return strings.Trim(v, `"'`)
		}
	}
	return ""
}

// writeDoc writes the markdown report to path (relative to the
// repository root) and returns where it went; "" when path is empty, no
// repository root is found, or writing fails (said on w).
func writeDoc(path string, rep *allReport, w io.Writer) string {
	if path == "" {
		return ""
	}
	if !filepath.IsAbs(path) {
		root := repoRoot()
		if root == "" {
			fmt.Fprintf(w, "vigil: no repository root at or above the working directory: %s not written\n", path)
			return ""
		}
		path = filepath.Join(root, path)
	}
	var b bytes.Buffer
	if err := rep.writeMarkdown(&b); err != nil {
		fmt.Fprintf(w, "vigil: render %s: %v\n", path, err)
		return ""
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		fmt.Fprintf(w, "vigil: %v: report not written\n", err)
		return ""
	}
	return path
}

// ---------------------------------------------------------------------------
// Targets.

// target is one of the targets and how this run did.
type target struct {
	What   string
	Figure string
	Met    bool
	// Noise: the run cannot tell (the difference is within the run's
	// spread); neither met nor missed.
	Noise bool
}

// state is "met", "missed" or "noise".
func (t target) state() string {
	if t.Noise {
		return "noise"
	}
	return metMissed(t.Met)
}

func (rep *allReport) targets() []target {
	var ts []target
	if rep.Rules != nil {
		for _, r := range rep.Rules.Results {
			ts = append(ts, target{
				What:   fmt.Sprintf("rule stage above %s events/s per core, %s", thousands(rep.Rules.Target), r.Ruleset),
				Figure: thousands(r.EventsPerSec) + " events/s",
				Met:    r.Pass,
			})
		}
	}
	if rep.Overhead != nil {
		ts = append(ts, rep.Overhead.floorTargets()...)
	}
	if r := rep.ThroughputPrctl; r != nil {
		ts = append(ts, target{
			What:   fmt.Sprintf("no loss at %s events/s (prctl storm)", thousands(zeroLossTarget)),
			Figure: "highest rate without loss " + thousands(r.MaxRate) + " events/s",
			Met:    r.zeroLossAt(zeroLossTarget),
		})
	}
	if rep.Memory != nil {
		ts = append(ts, target{
			What:   fmt.Sprintf("resident memory under %.0f MiB with %s extra live processes", rep.Memory.TargetMiB, thousands(float64(rep.Memory.ExtraProcesses))),
			Figure: fmt.Sprintf("%.1f MiB", rep.Memory.procsRSSMiB()),
			Met:    rep.Memory.Pass,
		})
	}
	ts = append(ts, target{
		What:   fmt.Sprintf("the whole harness under %.0f minutes", harnessTarget.Minutes()),
		Figure: fmt.Sprintf("%.1f min", rep.Elapsed/60),
		Met:    rep.Elapsed < harnessTarget.Seconds(),
	})
	return ts
}

// overheadFloorFactor is the target: Vigil's overhead (1 - ratio)
// at most this many times the do-nothing floor's, on every workload.
const overheadFloorFactor = 1.5

// floorTargets checks, per workload, the built-in rules' overhead against
// the floor's: met when it is at most overheadFloorFactor times the
// floor's, or when Vigil kept at least the floor's throughput; noise when
// missed but the floor's overhead is smaller than half the spread of its
// own ratios (the run cannot measure it, let alone 1.5 times it).
func (rep *overheadReport) floorTargets() []target {
	var ts []target
	for _, w := range rep.Workloads {
		var floor, vigil *configResult
		for i := range w.Results {
			switch w.Results[i].Config {
			case cfgFloor:
				floor = &w.Results[i]
			case cfgVigilDefault:
				vigil = &w.Results[i]
			}
		}
		if floor == nil || vigil == nil {
			continue
		}
		fo, vo := 1-floor.RatioMedian, 1-vigil.RatioMedian
		fig := fmt.Sprintf("overhead %.3f, the floor's %.3f", vo, fo)
		if fo > 0 {
			fig += fmt.Sprintf(" (%.2fx)", vo/fo)
		}
		t := target{
			What:   fmt.Sprintf("%s: overhead with the built-in rules at most %.1fx the floor's", w.Name, overheadFloorFactor),
			Figure: fig,
			Met:    vigil.RatioMedian >= floor.RatioMedian || vo <= overheadFloorFactor*fo,
		}
		if halfSpread := (floor.RatioMax - floor.RatioMin) / 2; !t.Met && fo < halfSpread {
			t.Noise = true
			t.Figure += fmt.Sprintf("; the floor's overhead is within its spread (+-%.3f)", halfSpread)
		}
		ts = append(ts, t)
	}
	return ts
}

func (rep *memoryReport) procsRSSMiB() float64 {
	for _, p := range rep.Phases {
		if p.Phase == phaseProcs {
			return float64(p.RSSKiB) / 1024
		}
	}
	return 0
}

// thousands formats a rate rounded to a whole number with comma
// separators.
func thousands(v float64) string {
	s := strconv.FormatInt(int64(math.Round(v)), 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// ---------------------------------------------------------------------------
// Text.

func (rep *allReport) writeTable(w io.Writer) error {
	m := rep.Machine
	fmt.Fprintf(w, "vigil bench all: %s, %.1f min\n", rep.Command, rep.Elapsed/60)
	fmt.Fprintf(w, "machine: %s, %d cores, %.1f GiB, Linux %s, %s, %s, vigil %s, %s\n",
		m.CPU, m.Cores, m.MemoryGiB, m.Kernel, m.OS, m.Go, m.Vigil, m.Date)
	sections := []struct {
		name string
		rep  interface{ writeTable(io.Writer) error }
		ran  bool
	}{
		{secOverhead, rep.Overhead, rep.Overhead != nil},
		{secThroughput, rep.Throughput, rep.Throughput != nil},
		{secThroughputPrctl, rep.ThroughputPrctl, rep.ThroughputPrctl != nil},
		{secRules, rep.Rules, rep.Rules != nil},
		{secMemory, rep.Memory, rep.Memory != nil},
		{secLatency, rep.Latency, rep.Latency != nil},
	}
	for _, s := range sections {
		if msg, ok := rep.Errors[s.name]; ok {
			fmt.Fprintf(w, "\n== %s: FAILED: %s\n", s.name, msg)
			continue
		}
		if !s.ran {
			continue
		}
		fmt.Fprintf(w, "\n== %s\n", s.name)
		if err := s.rep.writeTable(w); err != nil {
			return err
		}
	}
	fmt.Fprintf(w, "\n== targets\n")
	for _, t := range rep.targets() {
		fmt.Fprintf(w, "  %-7s %s: %s\n", t.state(), t.What, t.Figure)
	}
	if rep.Written != "" {
		fmt.Fprintf(w, "\nwritten: %s\n", rep.Written)
	}
	return nil
}

// ---------------------------------------------------------------------------
// Markdown.

// mdTable writes a markdown table.
func mdTable(w io.Writer, header []string, rows [][]string) {
	fmt.Fprintf(w, "| %s |\n", strings.Join(header, " | "))
	seps := make([]string, len(header))
	for i := range seps {
		seps[i] = "---"
	}
	fmt.Fprintf(w, "|%s|\n", strings.Join(seps, "|"))
	for _, r := range rows {
		cells := make([]string, len(r))
		for i, c := range r {
			cells[i] = strings.ReplaceAll(c, "|", `\|`)
		}
		fmt.Fprintf(w, "| %s |\n", strings.Join(cells, " | "))
	}
}

func (rep *allReport) writeMarkdown(w io.Writer) error {
	var b bytes.Buffer
	m := rep.Machine
	fmt.Fprintf(&b, "# Performance\n\n")
	fmt.Fprintf(&b, "Generated by `%s` (vigil %s) on %s, in %.1f minutes.\n", rep.Command, m.Vigil, m.Date, rep.Elapsed/60)
	fmt.Fprintf(&b, "To reproduce, as root from the repository root: `make bench` (the Go benchmarks, then\n")
	fmt.Fprintf(&b, "this command) or `bin/vigil bench all` alone. Each section is also a command of its own\n")
	fmt.Fprintf(&b, "(`vigil bench overhead`, `throughput`, `rules`, `memory`, `latency`; `--json` for JSON).\n\n")
	if rep.Quick {
		fmt.Fprintf(&b, "**--quick run: the counts are tiny and the figures mean nothing.**\n\n")
	}
	fmt.Fprintf(&b, "The figures are from one run on the machine below, whose %d cores the agent, the workloads\n", m.Cores)
	fmt.Fprintf(&b, "and the harness share with whatever else runs there; on a shared virtual machine (as the\n")
	fmt.Fprintf(&b, "project's 2-core development VM, with other work running at the same time) they are\n")
	fmt.Fprintf(&b, "noisy. Compare figures within a run, and rerun on your own machine.\n\n")

	fmt.Fprintf(&b, "## Machine\n\n")
	mdTable(&b, []string{"", ""}, [][]string{
		{"CPU", m.CPU},
		{"cores", strconv.Itoa(m.Cores)},
		{"memory", fmt.Sprintf("%.1f GiB", m.MemoryGiB)},
		{"kernel", "Linux " + m.Kernel},
		{"OS", m.OS},
		{"Go", m.Go},
		{"vigil", m.Vigil},
		{"date", m.Date},
	})

	fmt.Fprintf(&b, "\n## Targets\n\n")
	var rows [][]string
	for _, t := range rep.targets() {
		rows = append(rows, []string{t.What, t.Figure, t.state()})
	}
	mdTable(&b, []string{"target", "this run", ""}, rows)
	if rep.Overhead != nil {
		fmt.Fprintf(&b, "\nOverhead is 1 minus the median throughput ratio below. A workload's comparison with the\n")
		fmt.Fprintf(&b, "floor is \"noise\" when it is not met but the floor's own overhead is smaller than half the\n")
		fmt.Fprintf(&b, "spread of the floor's ratios: this run could not measure the floor, let alone 1.5 times it.\n")
	}

	for _, s := range allSections() {
		title := map[string]string{
			secOverhead: "Overhead", secThroughput: "Pipeline throughput", secThroughputPrctl: "Pipeline throughput, prctl storm", secRules: "Rule evaluation",
			secMemory: "Memory", secLatency: "Detection latency",
		}[s]
		if msg, ok := rep.Errors[s]; ok {
			fmt.Fprintf(&b, "\n## %s\n\nFailed in this run: %s\n", title, msg)
			continue
		}
		switch s {
		case secOverhead:
			if rep.Overhead != nil {
				fmt.Fprintf(&b, "\n## %s\n\n", title)
				rep.Overhead.markdown(&b)
			}
		case secThroughput:
			if rep.Throughput != nil {
				fmt.Fprintf(&b, "\n## %s\n\n", title)
				rep.Throughput.markdown(&b)
			}
		case secThroughputPrctl:
			if rep.ThroughputPrctl != nil {
				fmt.Fprintf(&b, "\n## %s\n\n", title)
				rep.ThroughputPrctl.markdown(&b)
			}
		case secRules:
			if rep.Rules != nil {
				fmt.Fprintf(&b, "\n## %s\n\n", title)
				rep.Rules.markdown(&b)
			}
		case secMemory:
			if rep.Memory != nil {
				fmt.Fprintf(&b, "\n## %s\n\n", title)
				rep.Memory.markdown(&b)
			}
		case secLatency:
			if rep.Latency != nil {
				fmt.Fprintf(&b, "\n## %s\n\n", title)
				rep.Latency.markdown(&b)
			}
		}
	}
	if msg, ok := rep.Errors["interrupted"]; ok {
		fmt.Fprintf(&b, "\nThe run was interrupted: %s\n", msg)
	}
	_, err := w.Write(b.Bytes())
	return err
}

func (rep *overheadReport) markdown(w io.Writer) {
	fmt.Fprintf(w, "`vigil bench overhead`: fixed workloads with no agent and under each configuration, %d\n", rep.Reps)
	fmt.Fprintf(w, "interleaved repetitions. Each cell is the throughput with the configuration divided by\n")
	fmt.Fprintf(w, "the throughput with no agent in the same repetition: median (min-max); 1.000 is no cost.\n")
	fmt.Fprintf(w, "The floor is a BPF program that does nothing on every system call entry and exit (the\n")
	fmt.Fprintf(w, "least any tracepoint-based agent costs).")
	if slices.Contains(rep.Configs, "auditd") {
		fmt.Fprintf(w, " auditd is Debian's audit daemon with a rule on the system calls\n")
		fmt.Fprintf(w, "vigil-default captures.")
	}
	fmt.Fprintf(w, "\n\n")
	header := []string{"workload", "ops", "no agent, ops/s"}
	for _, c := range rep.Configs {
		if c != cfgNone {
			header = append(header, c)
		}
	}
	var rows [][]string
	for _, wr := range rep.Workloads {
		if wr.Unavailable != "" {
			rows = append(rows, []string{wr.Name, strconv.Itoa(wr.Ops), "unavailable: " + wr.Unavailable})
			continue
		}
		cells := []string{wr.Name, strconv.Itoa(wr.Ops)}
		for _, res := range wr.Results {
			if res.Config == cfgNone {
				cells = append(cells, thousands(res.MedianOps))
				continue
			}
			cells = append(cells, fmt.Sprintf("%.3f (%.3f-%.3f)", res.RatioMedian, res.RatioMin, res.RatioMax))
		}
		rows = append(rows, cells)
	}
	mdTable(w, header, rows)
	fmt.Fprintln(w)
	for _, wr := range rep.Workloads {
		fmt.Fprintf(w, "- %s: %s\n", wr.Name, wr.Description)
	}
	if len(rep.Agents) > 0 {
		fmt.Fprintf(w, "\nThe agents' counters, summed over their runs:\n\n")
		rows = nil
		for _, a := range rep.Agents {
			command := a.Args
			if command == "run" || strings.HasPrefix(command, "run ") {
				command = "vigil " + command // a vigil configuration
			}
			rows = append(rows, []string{a.Config, "`" + command + "`", strconv.Itoa(a.Runs),
				strconv.FormatUint(a.Events, 10), strconv.FormatUint(a.KernelLost, 10)})
		}
		mdTable(w, []string{"configuration", "command", "runs", "events", "kernel lost"}, rows)
	}
}

func (rep *throughputReport) markdown(w io.Writer) {
	if rep.Syscall == "prctl" {
		fmt.Fprintf(w, "`vigil bench throughput --syscall prctl`: the same agent and method, with a generator\n")
		fmt.Fprintf(w, "calling prctl(PR_GET_DUMPABLE), the cheapest system call the sensor reports, one event\n")
		fmt.Fprintf(w, "per call: the pipeline's own limit (BPF record, ring buffer, decode, process table,\n")
		fmt.Fprintf(w, "rules), where the open storm is bounded by the kernel's open path.\n\n")
		rep.markdownTable(w)
		return
	}
	fmt.Fprintf(w, "`vigil bench throughput`: the agent, `%s`, runs the built-in\n", rep.Agent)
	fmt.Fprintf(w, "rules; with `--no-file-cache` every open reaches user space (decode, process table,\n")
	fmt.Fprintf(w, "rules, outputs; alerts to /dev/null). A generator opens and closes a scratch file at\n")
	fmt.Fprintf(w, "fixed paced rates, one event per open, 2 s per step, on one thread (more threads would\n")
	fmt.Fprintf(w, "compete with the agent for the cores). The agent's counters are read before and after\n")
	fmt.Fprintf(w, "each step, once it has drained; openat events and loss count the whole host's, not only\n")
	fmt.Fprintf(w, "the generator's. Agent CPU is percent of one core; per event, it is the agent's CPU time\n")
	fmt.Fprintf(w, "over the records it read (one core of it takes a million over that figure per second).\n\n")
	rep.markdownTable(w)
}

func (rep *throughputReport) markdownTable(w io.Writer) {
	var rows [][]string
	for _, s := range rep.Steps {
		note := ""
		if s.GeneratorLimited {
			note = "generator limit"
		}
		rows = append(rows, []string{thousands(float64(s.TargetRate)), thousands(s.Achieved), thousands(float64(s.Generated)),
			thousands(float64(s.Events)), thousands(float64(s.Lost)), fmt.Sprintf("%.2f%%", s.LossPerc),
			fmt.Sprintf("%.0f%%", s.AgentCPU), fmt.Sprintf("%.2f", s.AgentUsPerEvent), note})
	}
	mdTable(w, []string{"target " + rep.callsName() + "/s", "achieved", "generated", rep.EventType + " events", "kernel lost", "loss", "agent CPU",
		"agent µs/event", ""}, rows)
	fmt.Fprintf(w, "\n%s.\n", capitalize(rep.summary()))
}

func (rep *rulesReport) markdown(w io.Writer) {
	fmt.Fprintf(w, "`vigil bench rules`: the detection stage (compiled rules, alerts to a sink that\n")
	fmt.Fprintf(w, "discards them) evaluating a recorded mix of real events in a loop, on one goroutine\n")
	fmt.Fprintf(w, "locked to its thread: events per second on one core. The mix, `%s`\n", rep.Mix)
	fmt.Fprintf(w, "(%s events; `scripts/record-mix` records it from an ordinary workload: a C build, git,\n", thousands(float64(rep.MixEvents)))
	fmt.Fprintf(w, "find, tar, dpkg, curl over loopback), is enriched by a process table first, as in the agent.\n")
	fmt.Fprintf(w, "The detector's per-file rule cache is emptied at each pass over the mix, so that every\n")
	fmt.Fprintf(w, "pass costs what the recording's first did. The evaluations are timed %d times; the\n", ruleTrials)
	fmt.Fprintf(w, "median is reported, with the slowest and fastest.\n\n")
	var rows [][]string
	for _, r := range rep.Results {
		rows = append(rows, []string{r.Source, strconv.Itoa(r.Rules), fmt.Sprintf("%d x %s", r.Trials, thousands(float64(r.Evaluations))),
			fmt.Sprintf("%s (%s-%s)", thousands(r.EventsPerSec), thousands(r.MinPerSec), thousands(r.MaxPerSec)),
			fmt.Sprintf("%.0f", r.NsPerEvent), strconv.FormatUint(r.Alerts, 10), metMissed(r.Pass)})
	}
	mdTable(w, []string{"ruleset", "rules", "evaluations", "events/s (one core), median of the trials (min-max)", "ns/event", "alerts",
		"> " + thousands(rep.Target) + "/s"}, rows)
	for _, r := range rep.Results {
		if len(r.Profile) == 0 {
			continue
		}
		fmt.Fprintf(w, "\n%s: top functions by own (flat) CPU time, from a profiled pass:\n\n", r.Source)
		rows = nil
		for _, e := range r.Profile {
			rows = append(rows, []string{fmt.Sprintf("%.1f", e.FlatPerc), fmt.Sprintf("%.1f", e.CumPerc), "`" + e.Function + "`"})
		}
		mdTable(w, []string{"flat %", "cum %", "function"}, rows)
	}
}

func (rep *memoryReport) markdown(w io.Writer) {
	fmt.Fprintf(w, "`vigil bench memory`: the agent, `%s`; its VmRSS\n", rep.Agent)
	fmt.Fprintf(w, "and VmHWM (peak) from /proc/PID/status, each 3 s after the step before it. The extra processes are `sleep`\n")
	fmt.Fprintf(w, "children of the harness, killed before the storm (the table keeps exited entries for\n")
	fmt.Fprintf(w, "30 s); the storm is one thread opening a file as fast as it can.\n\n")
	var rows [][]string
	for _, p := range rep.Phases {
		rows = append(rows, []string{rep.phaseLabel(p.Phase), thousands(float64(p.TableLive)), thousands(float64(p.TableEntries)),
			fmt.Sprintf("%.1f", float64(p.RSSKiB)/1024), fmt.Sprintf("%.1f", float64(p.HWMKiB)/1024)})
	}
	mdTable(w, []string{"phase", "process table: live", "entries", "VmRSS MiB", "VmHWM MiB"}, rows)
	fmt.Fprintf(w, "\n%s.\n", capitalize(rep.summary()))
}

func (rep *latencyReport) markdown(w io.Writer) {
	fmt.Fprintf(w, "`vigil bench latency`: `vigil run --json` (built-in rules); a marker program under /tmp\n")
	fmt.Fprintf(w, "(the rule \"%s\") run %d times, %.0f ms apart. Latency is the\n", rep.Rule, rep.Runs, rep.SpacingMs)
	fmt.Fprintf(w, "time the harness reads the alert on the agent's stdout minus the time just before it\n")
	fmt.Fprintf(w, "forked the marker. By default the reader wakes when 256 KiB are queued, else every\n")
	fmt.Fprintf(w, "50 ms: on a quiet host the poll interval dominates.\n\n")
	var rows [][]string
	for _, v := range rep.Variants {
		name := "`vigil run --json`"
		if v.Args != "" {
			name = "`vigil run --json " + v.Args + "`"
		}
		rows = append(rows, []string{name, fmt.Sprintf("%d/%d", v.Received, v.Runs),
			fmt.Sprintf("%.1f", v.P50Ms), fmt.Sprintf("%.1f", v.P99Ms), fmt.Sprintf("%.1f", v.MaxMs)})
	}
	mdTable(w, []string{"agent", "alerts", "p50 ms", "p99 ms", "max ms"}, rows)
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// sortedKeys returns a map's keys in order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
