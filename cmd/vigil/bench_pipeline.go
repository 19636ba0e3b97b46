package main

// The pipeline benchmarks: `bench throughput` (the highest open rate the
// whole pipeline takes without loss), `bench memory` (the agent's resident
// memory idle, with many live processes and after a storm) and `bench
// latency` (a system call to its alert on the agent's stdout). Each starts
// `vigil run` as a child (pipeAgent) and drives it with children of its own.

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/sys/unix"
)

// pipelineBenchCmds returns the `bench` subcommands of this file and of
// bench_rules.go and bench_all.go, the hidden ones included.
func pipelineBenchCmds(g *globalFlags, stdout, stderr io.Writer) []*cobra.Command {
	return []*cobra.Command{
		newBenchThroughputCmd(g, stdout, stderr),
		newBenchMemoryCmd(g, stdout, stderr),
		newBenchLatencyCmd(g, stdout, stderr),
		newBenchRulesCmd(g, stdout, stderr),
		newBenchAllCmd(g, stdout, stderr),
		newBenchStormCmd(stdout),
	}
}

// benchOutput prints a report as indented JSON or with its table.
func benchOutput(w io.Writer, asJSON bool, rep interface{ writeTable(io.Writer) error }) error {
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	return rep.writeTable(w)
}

// benchSetup is what every agent benchmark command needs: a logger, this
// binary, and root.
func benchSetup(g *globalFlags, stderr io.Writer, what string) (*slog.Logger, string, error) {
	log, err := g.logger(stderr)
	if err != nil {
		return nil, "", err
	}
	if os.Geteuid() != 0 {
		return nil, "", fmt.Errorf("bench %s needs root (it runs the agent)", what)
	}
	exe, err := os.Executable()
	if err != nil {
		return nil, "", fmt.Errorf("find this binary: %w", err)
	}
	return log, exe, nil
}

// ---------------------------------------------------------------------------
// The agent child.

// statsSample is one of the agent's "vigil stats" log lines (--stats-interval),
// stamped with the time it was read.
type statsSample struct {
	At            time.Time         `json:"-"`
	Events        uint64            `json:"events"`
	ByType        map[string]uint64 `json:"by_type"`
	KernelRecords uint64            `json:"kernel_records"`
	KernelLost    map[string]uint64 `json:"kernel_lost"`
	Processes     int               `json:"processes"`
	Table         string            `json:"table"`
}

// lost is the sum of the kernel's losses over every record kind.
func (s statsSample) lost() uint64 {
	var n uint64
	for _, v := range s.KernelLost {
		n += v
	}
	return n
}

var tableLive = regexp.MustCompile(`Live:(\d+)`)

// live is the number of live processes in the agent's table (-1 when the
// line does not say).
func (s statsSample) live() int {
	m := tableLive.FindStringSubmatch(s.Table)
	if m == nil {
		return -1
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// timedLine is a line of the agent's stdout and when the harness read it.
type timedLine struct {
	at   time.Time
	text string
}

// pipeAgent is a running `vigil run` child with JSON logs on stderr, its
// stats lines parsed as they come and, when asked, its stdout lines
// delivered with the time of reading.
type pipeAgent struct {
	agentLog
	cmd     *exec.Cmd
	args    []string
	last    *statsSample  // under mu
	changed chan struct{} // closed (and replaced) at each stats line
	done    chan struct{} // closed once the child has exited
	err     error         // its exit status, set before done closes
	lines   chan timedLine
}

// startPipeAgent starts `exe run --log-format json args...` and waits
// for its ready line. With wantStdout its stdout lines arrive on
// a.lines (which is closed at the end of its stdout); otherwise stdout is
// /dev/null.
func startPipeAgent(ctx context.Context, exe string, args []string, wantStdout bool) (*pipeAgent, error) {
	cmd := exec.Command(exe, append([]string{"run", "--log-format", "json"}, args...)...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, fmt.Errorf("agent stderr: %w", err)
	}
	var stdout io.ReadCloser
	if wantStdout {
		if stdout, err = cmd.StdoutPipe(); err != nil {
			return nil, fmt.Errorf("agent stdout: %w", err)
		}
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start agent: %w", err)
	}
	a := &pipeAgent{agentLog: newAgentLog(), cmd: cmd, args: args, changed: make(chan struct{}), done: make(chan struct{})}
	var readers sync.WaitGroup
	readers.Go(func() { a.consume(stderr, a.onLine) })
	if wantStdout {
		a.lines = make(chan timedLine, 1<<14)
		readers.Go(func() {
			defer close(a.lines)
			sc := bufio.NewScanner(stdout)
			sc.Buffer(make([]byte, 64<<10), 16<<20)
			for sc.Scan() {
				a.lines <- timedLine{at: time.Now(), text: sc.Text()}
			}
			_, _ = io.Copy(io.Discard, stdout)
		})
	}
	go func() {
		readers.Wait()
		a.err = cmd.Wait()
		close(a.done)
	}()
	select {
	case <-a.ready:
		return a, nil
	case <-a.done:
		return nil, fmt.Errorf("agent exited before ready (%v): %s", a.err, a.tailText())
	case <-ctx.Done():
		a.kill()
		return nil, ctx.Err()
	case <-time.After(2 * time.Minute):
		a.kill()
		return nil, fmt.Errorf("agent not ready after 2 minutes: %s", a.tailText())
	}
}

func (a *pipeAgent) pid() int { return a.cmd.Process.Pid }

// onLine keeps the agent's last stats line (mu held).
func (a *pipeAgent) onLine(msg, line string, at time.Time) {
	if msg != "vigil stats" {
		return
	}
	var s statsSample
	if err := json.Unmarshal([]byte(line), &s); err == nil {
		s.At = at
		a.last = &s
		close(a.changed)
		a.changed = make(chan struct{})
	}
}

// statsAfter waits for a stats line read after t (the agent must run
// with --stats-interval).
func (a *pipeAgent) statsAfter(ctx context.Context, t time.Time, timeout time.Duration) (statsSample, error) {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		a.mu.Lock()
		last, ch := a.last, a.changed
		a.mu.Unlock()
		if last != nil && last.At.After(t) {
			return *last, nil
		}
		select {
		case <-ch:
		case <-a.done:
			return statsSample{}, fmt.Errorf("agent exited (%v): %s", a.err, a.tailText())
		case <-ctx.Done():
			return statsSample{}, ctx.Err()
		case <-deadline.C:
			return statsSample{}, fmt.Errorf("no stats line from the agent within %v", timeout)
		}
	}
}

// stop sends SIGINT and waits (a minute at most) for a clean exit.
func (a *pipeAgent) stop() error {
	select {
	case <-a.done:
		return fmt.Errorf("agent already exited (%v): %s", a.err, a.tailText())
	default:
	}
	if err := a.cmd.Process.Signal(syscall.SIGINT); err != nil {
		return fmt.Errorf("signal agent: %w", err)
	}
	select {
	case <-a.done:
	case <-time.After(time.Minute):
		a.kill()
		return fmt.Errorf("agent did not stop within a minute of SIGINT: %s", a.tailText())
	}
	if a.err != nil {
		return fmt.Errorf("agent exited with %v: %s", a.err, a.tailText())
	}
	return nil
}

// kill ends the agent at once (when still running) and waits for it.
func (a *pipeAgent) kill() {
	select {
	case <-a.done:
		return
	default:
	}
	_ = a.cmd.Process.Kill()
	<-a.done
}

// ---------------------------------------------------------------------------
// /proc readings.

// procMemory is a process's resident memory, from /proc/PID/status.
type procMemory struct {
	RSSKiB uint64 // VmRSS
	HWMKiB uint64 // VmHWM, the peak of VmRSS
}

func readProcMemory(pid int) (procMemory, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return procMemory{}, fmt.Errorf("read memory of pid %d: %w", pid, err)
	}
	return parseProcStatus(data)
}

// parseProcStatus reads VmRSS and VmHWM (in kB) from /proc/PID/status.
func parseProcStatus(data []byte) (procMemory, error) {
	var m procMemory
	var haveRSS, haveHWM bool
	for _, l := range strings.Split(string(data), "\n") {
		key, val, ok := strings.Cut(l, ":")
		if !ok || (key != "VmRSS" && key != "VmHWM") {
			continue
		}
		n, err := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(val), " kB"), 10, 64)
		if err != nil {
			return procMemory{}, fmt.Errorf("%s %q: %w", key, strings.TrimSpace(val), err)
		}
		if key == "VmRSS" {
			m.RSSKiB, haveRSS = n, true
		} else {
			m.HWMKiB, haveHWM = n, true
		}
	}
	if !haveRSS || !haveHWM {
		return procMemory{}, errors.New("no VmRSS or VmHWM line (a kernel thread, or an exited process)")
	}
	return m, nil
}

// clockTicks is USER_HZ, the unit of /proc/PID/stat's times (100 on
// every Linux architecture Vigil runs on).
const clockTicks = 100

// readCPUTime returns the CPU time (user + system) a process has used.
func readCPUTime(pid int) (time.Duration, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, fmt.Errorf("read CPU time of pid %d: %w", pid, err)
	}
	return parseProcStatCPU(data)
}

// parseProcStatCPU reads utime + stime (fields 14 and 15) from
// /proc/PID/stat; the fields are counted after the command name's ')'.
func parseProcStatCPU(data []byte) (time.Duration, error) {
	s := string(data)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, errors.New("stat: no ')' after the command name")
	}
	f := strings.Fields(s[i+1:])
	// f[0] is field 3 (state): utime is field 14, stime field 15.
	if len(f) < 13 {
		return 0, fmt.Errorf("stat: %d fields after the name, want at least 13", len(f))
	}
	var ticks uint64
	for _, v := range f[11:13] {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("stat: CPU time %q: %w", v, err)
		}
		ticks += n
	}
	return time.Duration(ticks) * time.Second / clockTicks, nil
}

// ---------------------------------------------------------------------------
// The storm generator: `bench storm`, hidden.

// stormResult is what `bench storm` prints.
type stormResult struct {
	Ops     int     `json:"ops"`
	Seconds float64 `json:"seconds"`
}

func newBenchStormCmd(stdout io.Writer) *cobra.Command {
	var rate float64
	var count int
	var file string
	var threads int
	var syscall string
	cmd := &cobra.Command{
		Use:    "storm",
		Short:  "Open and close a file (or call prctl) N times at a paced rate (internal, for bench throughput and memory)",
		Hidden: true,
		Args:   cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if count < 1 {
				return fmt.Errorf("--count %d: must be at least 1", count)
			}
			if rate < 0 || math.IsNaN(rate) || math.IsInf(rate, 0) {
				return fmt.Errorf("--rate %v: want 0 (as fast as possible) or a positive rate", rate)
			}
			if _, ok := stormEventType(syscall); !ok {
				return fmt.Errorf("--syscall %q: want open or prctl", syscall)
			}
			if file == "" {
				f, err := os.CreateTemp("", "vigil-bench-storm-")
				if err != nil {
					return fmt.Errorf("create scratch file: %w", err)
				}
				file = f.Name()
				defer os.Remove(file)
				if err := f.Close(); err != nil {
					return fmt.Errorf("create scratch file: %w", err)
				}
			}
			d, err := storm(syscall, file, rate, count, threads)
			if err != nil {
				return err
			}
			return json.NewEncoder(stdout).Encode(stormResult{Ops: count, Seconds: d.Seconds()})
		},
	}
	cmd.Flags().Float64Var(&rate, "rate", 0, "opens per second; 0: as fast as possible")
	cmd.Flags().IntVar(&count, "count", 0, "opens to make")
	cmd.Flags().StringVar(&file, "file", "", "file to open (default: a new scratch file)")
	cmd.Flags().IntVar(&threads, "threads", 1, "threads sharing the opens and the rate")
	cmd.Flags().StringVar(&syscall, "syscall", "open", "open: open and close the file; prctl: prctl(PR_GET_DUMPABLE), the cheapest call the sensor reports")
	return cmd
}

// stormEventType is the event type each call of a storm's system call is
// reported as.
func stormEventType(syscall string) (string, bool) {
	switch syscall {
	case "open":
		return "openat", true
	case "prctl":
		return "prctl", true
	}
	return "", false
}

// storm makes n calls of syscall (open: open path read-only and close
// it; prctl: prctl(PR_GET_DUMPABLE)) on threads threads (each its share
// of n and of the rate), paced at rate calls per second in all (0: as fast
// as possible), and returns the time until the last thread finished.
func storm(syscall, path string, rate float64, n, threads int) (time.Duration, error) {
	threads = max(1, min(threads, n))
	start := time.Now()
	errs := make([]error, threads)
	var wg sync.WaitGroup
	for i := range threads {
		share := n / threads
		if i < n%threads {
			share++
		}
		wg.Go(func() { errs[i] = stormThread(syscall, path, rate/float64(threads), share, start) })
	}
	wg.Wait()
	return time.Since(start), errors.Join(errs...)
}

// stormThread makes n calls on one locked thread, paced at rate calls per
// second from start (0: as fast as possible). The schedule is absolute
// (open i is due at start + i/rate); opens go in batches of a
// millisecond's worth (rate/1000, at least one) and the loop sleeps while
// it is ahead, so a late wake-up is caught up by the next batches and the
// mean rate holds whenever the thread can reach it.
func stormThread(syscall, path string, rate float64, n int, start time.Time) error {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	batch := n
	if rate > 0 {
		batch = max(1, int(rate/1000))
	}
	for done := 0; done < n; {
		if rate > 0 {
			due := start.Add(time.Duration(float64(done) / rate * float64(time.Second)))
			if d := time.Until(due); d > 0 {
				time.Sleep(d)
			}
		}
		k := min(batch, n-done)
		if syscall == "prctl" {
			for range k {
				if _, _, e := unix.RawSyscall(unix.SYS_PRCTL, unix.PR_GET_DUMPABLE, 0, 0); e != 0 {
					return fmt.Errorf("prctl: %w", e)
				}
			}
			done += k
			continue
		}
		for range k {
			fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
			if err != nil {
				return fmt.Errorf("open %s: %w", path, err)
			}
			if err := unix.Close(fd); err != nil {
				return fmt.Errorf("close: %w", err)
			}
		}
		done += k
	}
	return nil
}

// runStorm runs `exe bench storm` and returns what it did.
func runStorm(ctx context.Context, exe, syscall, file string, rate float64, n, threads int) (stormResult, error) {
	cmd := exec.CommandContext(ctx, exe, "bench", "storm", "--rate", strconv.FormatFloat(rate, 'f', -1, 64),
		"--count", strconv.Itoa(n), "--file", file, "--threads", strconv.Itoa(threads), "--syscall", syscall)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return stormResult{}, fmt.Errorf("bench storm: %w: %s", err, strings.TrimSpace(stderr.String()))
	}
	var res stormResult
	if err := json.Unmarshal(out, &res); err != nil {
		return stormResult{}, fmt.Errorf("bench storm output %q: %w", out, err)
	}
	if res.Seconds <= 0 || res.Ops != n {
		return stormResult{}, fmt.Errorf("bench storm: %+v, want %d ops in a positive time", res, n)
	}
	return res, nil
}

// scratchFile creates an empty file for the storms and returns its path
// and how to remove it.
func scratchFile() (string, func(), error) {
	f, err := os.CreateTemp("", "vigil-bench-storm-")
	if err != nil {
		return "", nil, fmt.Errorf("create scratch file: %w", err)
	}
	name := f.Name()
	if err := f.Close(); err != nil {
		os.Remove(name)
		return "", nil, fmt.Errorf("create scratch file: %w", err)
	}
	return name, func() { os.Remove(name) }, nil
}

// waitDrained waits, after a storm that ended at end, until the agent has
// read what the ring buffer held: two stats lines in a row between which
// fewer records than quietRate per second arrived (what the rest of the
// host makes). It returns the last of them. Bounded by timeout.
func waitDrained(ctx context.Context, a *pipeAgent, end time.Time, timeout time.Duration) (statsSample, error) {
	const quietRate = 50_000 // records/s: well below what the agent reads when it drains
	deadline := time.Now().Add(timeout)
	prev, err := a.statsAfter(ctx, end, timeout)
	if err != nil {
		return statsSample{}, err
	}
	for {
		cur, err := a.statsAfter(ctx, prev.At, timeout)
		if err != nil {
			return statsSample{}, err
		}
		dt := cur.At.Sub(prev.At).Seconds()
		if dt > 0 && float64(cur.KernelRecords-prev.KernelRecords)/dt < quietRate {
			return cur, nil
		}
		if time.Now().After(deadline) {
			return cur, nil // still busy: the host's own load, most likely
		}
		prev = cur
	}
}

// ---------------------------------------------------------------------------
// bench throughput

type throughputFlags struct {
	syscall string // "open" (default) or "prctl"
	quick   bool
	json    bool
	rates   []int
	seconds float64
	threads int
}

// defaultThroughputRates are the target rates, opens (events) per second;
// prctlThroughputRates those of the prctl storm.
var (
	defaultThroughputRates = []int{100_000, 250_000, 500_000, 750_000, 1_000_000, 1_500_000, 2_000_000}
	prctlThroughputRates   = []int{250_000, 500_000, 750_000, 1_000_000, 1_500_000, 2_000_000}
)

// zeroLossTarget is the target: no loss at this many events/s.
const zeroLossTarget = 500_000

// quickThroughputRates and quickStepSeconds make a --quick run.
var quickThroughputRates = []int{20_000, 50_000}

const (
	defaultStepSeconds = 2.0
	quickStepSeconds   = 0.5
	// generatorShortfall: a step whose generator made less than this share
	// of its target rate is the generator's limit, and the last step.
	generatorShortfall = 0.95
	// statsEvery is the agent's --stats-interval in the throughput and
	// memory runs.
	statsEvery = 100 * time.Millisecond
)

// throughputStep is one rate's outcome.
type throughputStep struct {
	TargetRate int     `json:"target_rate"`
	Generated  int     `json:"generated"`
	Seconds    float64 `json:"seconds"`
	Achieved   float64 `json:"achieved_rate"`
	// Records and Events (of the storm's event type) are what the agent
	// read during the step (the whole host's, not only the generator's);
	// Lost is what the kernel could not queue.
	Records  uint64  `json:"kernel_records"`
	Events   uint64  `json:"events"`
	Lost     uint64  `json:"kernel_lost"`
	LossPerc float64 `json:"loss_percent"`
	AgentCPU float64 `json:"agent_cpu_percent"` // of one core, over the step and its drain
	// AgentUsPerEvent is the agent's CPU time per record read during the
	// step: 1e6 / AgentUsPerEvent is what one core of it would take.
	AgentUsPerEvent float64 `json:"agent_us_per_event"`
	ZeroLoss        bool    `json:"zero_loss"`
	// GeneratorLimited: the generator fell short of the target rate (this
	// is the last step).
	GeneratorLimited bool `json:"generator_limited"`
}

type throughputReport struct {
	Agent string `json:"agent"`
	// Syscall is the storm's system call (open, prctl) and EventType the
	// events it makes.
	Syscall   string           `json:"syscall"`
	EventType string           `json:"event_type"`
	Quick     bool             `json:"quick"`
	Steps     []throughputStep `json:"steps"`
	MaxRate   float64          `json:"max_zero_loss_rate"`
	// Bound says what bounds MaxRate: "agent" (a higher step lost events),
	// "generator" (the generator could not go faster, with no loss), or
	// "none" (no step was without loss).
	Bound   string  `json:"bound"`
	Elapsed float64 `json:"elapsed_seconds"`
}

// measureStep turns the agent's counters before and after a step into
// its figures.
func measureStep(target int, evType string, gen stormResult, before, after statsSample, cpu, wall time.Duration) throughputStep {
	st := throughputStep{
		TargetRate: target,
		Generated:  gen.Ops,
		Seconds:    gen.Seconds,
		Records:    after.KernelRecords - before.KernelRecords,
		Events:     after.ByType[evType] - before.ByType[evType],
		Lost:       after.lost() - before.lost(),
	}
	if gen.Seconds > 0 {
		st.Achieved = float64(gen.Ops) / gen.Seconds
	}
	if total := st.Records + st.Lost; total > 0 {
		st.LossPerc = float64(st.Lost) / float64(total) * 100
	}
	if wall > 0 {
		st.AgentCPU = cpu.Seconds() / wall.Seconds() * 100
	}
	if st.Records > 0 {
		st.AgentUsPerEvent = cpu.Seconds() * 1e6 / float64(st.Records)
	}
	st.ZeroLoss = st.Lost == 0 && st.Events >= uint64(gen.Ops)
	st.GeneratorLimited = st.Achieved < generatorShortfall*float64(target)
	return st
}

// summarizeSteps returns the highest achieved rate of a step without loss
// and what bounds it.
func summarizeSteps(steps []throughputStep) (float64, string) {
	best, bound := 0.0, "none"
	lossAbove := false
	for _, s := range steps {
		if s.ZeroLoss {
			if s.Achieved > best {
				best = s.Achieved
			}
		} else if best > 0 {
			lossAbove = true
		}
	}
	switch {
	case best == 0:
		bound = "none"
	case lossAbove:
		bound = "agent"
	default:
		bound = "generator"
	}
	return best, bound
}

func newBenchThroughputCmd(g *globalFlags, stdout, stderr io.Writer) *cobra.Command {
	f := &throughputFlags{}
	cmd := &cobra.Command{
		Use:   "throughput",
		Short: "Highest open rate the whole pipeline takes without loss (root)",
		Long: "throughput starts `vigil run` (built-in rules, --no-file-cache so that every open reaches\n" +
			"user space and the rules, alerts to /dev/null) and a generator child that opens and closes\n" +
			"a scratch file at fixed paced rates (each open is one event), 2 s per step, from 100,000 to\n" +
			"2,000,000 opens/s. Per step it reads the agent's counters (its stats lines every 100 ms)\n" +
			"before and after, once the agent has drained: a step is without loss when the kernel lost\n" +
			"no record and the agent saw at least as many openat events as were made. It stops after\n" +
			"the first step whose generator fell short of its rate (the generator's own limit). On a\n" +
			"small host the generator and the agent share the cores: the generator is one thread by\n" +
			"default (--threads), as more compete with the agent for them.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			log, exe, err := benchSetup(g, stderr, "throughput")
			if err != nil {
				return err
			}
			rep, err := runThroughput(cmd.Context(), f, exe, log)
			if err != nil {
				return err
			}
			return benchOutput(stdout, f.json, rep)
		},
	}
	fl := cmd.Flags()
	fl.BoolVar(&f.quick, "quick", false, "two small steps (for tests; the figures mean little)")
	fl.BoolVar(&f.json, "json", false, "print the report as JSON")
	fl.IntSliceVar(&f.rates, "rates", nil, "target rates in opens/s (default 100000,250000,500000,750000,1000000,1500000,2000000)")
	fl.Float64Var(&f.seconds, "step-seconds", 0, "seconds per step at its target rate (default 2)")
	fl.IntVar(&f.threads, "threads", 1, "generator threads")
	fl.StringVar(&f.syscall, "syscall", "open", "the storm's system call: open (a file event: path resolution, the open rules) or prctl (the cheapest call the sensor reports: the pipeline's own limit); prctl's default rates are 250,000 to 2,000,000/s")
	return cmd
}

// throughputAgentArgs are the agent's arguments in bench throughput.
func throughputAgentArgs() []string {
	return []string{"--no-file-cache", "--stats-interval", statsEvery.String()}
}

func runThroughput(ctx context.Context, f *throughputFlags, exe string, log *slog.Logger) (*throughputReport, error) {
	start := time.Now()
	syscall := f.syscall
	if syscall == "" {
		syscall = "open"
	}
	evType, ok := stormEventType(syscall)
	if !ok {
		return nil, fmt.Errorf("--syscall %q: want open or prctl", syscall)
	}
	rates, secs := defaultThroughputRates, defaultStepSeconds
	if syscall == "prctl" {
		rates = prctlThroughputRates
	}
	if f.quick {
		rates, secs = quickThroughputRates, quickStepSeconds
	}
	if len(f.rates) > 0 {
		rates = f.rates
	}
	if f.seconds > 0 {
		secs = f.seconds
	}
	for _, r := range rates {
		if r < 1 {
			return nil, fmt.Errorf("rate %d: must be positive", r)
		}
	}
	file, cleanup, err := scratchFile()
	if err != nil {
		return nil, err
	}
	defer cleanup()
	args := throughputAgentArgs()
	rep := &throughputReport{Agent: "vigil run " + strings.Join(args, " "), Syscall: syscall, EventType: evType, Quick: f.quick}
	log.Info("bench throughput: starting the agent", "args", rep.Agent)
	a, err := startPipeAgent(ctx, exe, args, false)
	if err != nil {
		return nil, err
	}
	defer a.kill()
	for _, rate := range rates {
		n := max(1, int(float64(rate)*secs))
		before, err := a.statsAfter(ctx, time.Now(), 10*time.Second)
		if err != nil {
			return nil, err
		}
		cpu0, err := readCPUTime(a.pid())
		if err != nil {
			return nil, err
		}
		gen, err := runStorm(ctx, exe, syscall, file, float64(rate), n, f.threads)
		if err != nil {
			return nil, fmt.Errorf("rate %d: %w", rate, err)
		}
		after, err := waitDrained(ctx, a, time.Now(), 10*time.Second)
		if err != nil {
			return nil, fmt.Errorf("rate %d: %w", rate, err)
		}
		cpu1, err := readCPUTime(a.pid())
		if err != nil {
			return nil, err
		}
		st := measureStep(rate, evType, gen, before, after, cpu1-cpu0, after.At.Sub(before.At))
		log.Info("bench throughput", "syscall", syscall, "target", rate, "achieved", int(st.Achieved), "lost", st.Lost,
			"events", st.Events, "agent_cpu_percent", int(st.AgentCPU))
		rep.Steps = append(rep.Steps, st)
		if st.GeneratorLimited {
			break
		}
	}
	if err := a.stop(); err != nil {
		return nil, err
	}
	rep.MaxRate, rep.Bound = summarizeSteps(rep.Steps)
	rep.Elapsed = time.Since(start).Seconds()
	return rep, nil
}

func (rep *throughputReport) writeTable(w io.Writer) error {
	mode := ""
	if rep.Quick {
		mode = ", --quick (the figures mean little)"
	}
	fmt.Fprintf(w, "vigil bench throughput --syscall %s: %s, %.0fs%s\n", rep.Syscall, rep.Agent, rep.Elapsed, mode)
	fmt.Fprintf(w, "(--no-file-cache: every event reaches user space and the rules; alerts to /dev/null)\n\n")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "target %s/s\tachieved\tgenerated\t%s events\tkernel lost\tloss\tagent CPU\tagent µs/event\t\n", rep.callsName(), rep.EventType)
	for _, s := range rep.Steps {
		note := ""
		if s.GeneratorLimited {
			note = "generator limit"
		}
		fmt.Fprintf(tw, "%d\t%.0f\t%d\t%d\t%d\t%.2f%%\t%.0f%%\t%.2f\t%s\n", s.TargetRate, s.Achieved, s.Generated,
			s.Events, s.Lost, s.LossPerc, s.AgentCPU, s.AgentUsPerEvent, note)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "\n%s\n", rep.summary())
	return err
}

// callsName names the storm's calls in column titles.
func (rep *throughputReport) callsName() string {
	if rep.Syscall == "prctl" {
		return "prctl calls"
	}
	return "opens"
}

// zeroLossAt reports whether a step at a target of at least rate events/s
// reached 95% of its target without loss.
func (rep *throughputReport) zeroLossAt(rate int) bool {
	for _, s := range rep.Steps {
		if s.TargetRate >= rate && s.ZeroLoss && s.Achieved >= generatorShortfall*float64(s.TargetRate) {
			return true
		}
	}
	return false
}

// summary is the headline sentence.
func (rep *throughputReport) summary() string {
	switch rep.Bound {
	case "agent":
		return fmt.Sprintf("highest rate without loss: %s events/s (the next step lost events)", thousands(rep.MaxRate))
	case "generator":
		s := fmt.Sprintf("highest rate without loss: at least %s events/s (the generator's limit; the agent lost nothing)", thousands(rep.MaxRate))
		if us := rep.Steps[len(rep.Steps)-1].AgentUsPerEvent; us > 0 {
			s += fmt.Sprintf("; at %.2f µs of agent CPU per event, one core of it would take about %s events/s", us, thousands(1e6/us))
		}
		return s
	}
	return "no step was without loss"
}

// ---------------------------------------------------------------------------
// bench memory

type memoryFlags struct {
	quick     bool
	json      bool
	processes int
	storm     int
}

const (
	defaultMemProcesses = 10_000
	quickMemProcesses   = 200
	defaultMemStorm     = 1_000_000
	quickMemStorm       = 20_000
	// memoryTargetMiB is the target: resident memory with 10,000
	// live processes.
	memoryTargetMiB = 100
	// memorySettle is how long the agent settles before a reading.
	memorySettle = 3 * time.Second
)

// memoryPhase is one reading of the agent's memory.
type memoryPhase struct {
	Phase string `json:"phase"`
	// TableLive and TableEntries are the agent's process table: live
	// processes, and every entry (with the recently exited).
	TableLive    int    `json:"table_live"`
	TableEntries int    `json:"table_entries"`
	RSSKiB       uint64 `json:"vm_rss_kib"`
	HWMKiB       uint64 `json:"vm_hwm_kib"`
}

type memoryReport struct {
	Agent          string        `json:"agent"`
	Quick          bool          `json:"quick"`
	ExtraProcesses int           `json:"extra_processes"`
	StormOpens     int           `json:"storm_opens"`
	Phases         []memoryPhase `json:"phases"`
	// TargetMiB applies to the phase with the extra processes.
	TargetMiB float64 `json:"target_mib"`
	Pass      bool    `json:"pass"`
	Elapsed   float64 `json:"elapsed_seconds"`
}

const (
	phaseIdle  = "idle"
	phaseProcs = "extra processes"
	phaseStorm = "after storm"
)

func newBenchMemoryCmd(g *globalFlags, stdout, stderr io.Writer) *cobra.Command {
	f := &memoryFlags{}
	cmd := &cobra.Command{
		Use:   "memory",
		Short: "The agent's resident memory idle, with 10,000 extra processes and after a storm (root)",
		Long: "memory starts `vigil run` (built-in rules, --no-file-cache) and reads its VmRSS and VmHWM\n" +
			"(/proc/PID/status) three times, each 3 s after the step before it: idle after ready; with\n" +
			"10,000 extra live processes (`sleep` children of this command, in one process group,\n" +
			"killed afterwards); after a storm of 1,000,000 opens as fast as one thread makes them.\n" +
			"The target is under 100 MiB resident with the 10,000 processes.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			log, exe, err := benchSetup(g, stderr, "memory")
			if err != nil {
				return err
			}
			rep, err := runMemory(cmd.Context(), f, exe, log)
			if err != nil {
				return err
			}
			return benchOutput(stdout, f.json, rep)
		},
	}
	fl := cmd.Flags()
	fl.BoolVar(&f.quick, "quick", false, "200 processes and 20,000 opens (for tests)")
	fl.BoolVar(&f.json, "json", false, "print the report as JSON")
	fl.IntVar(&f.processes, "processes", 0, "extra live processes (default 10000)")
	fl.IntVar(&f.storm, "storm", 0, "opens in the storm (default 1000000)")
	return cmd
}

// sleeperLifetime bounds the sleepers' lives should the harness die
// before it kills them (an unusual figure, which tests look for).
const sleeperLifetime = 599 * time.Second

// sleepers is a process group of `sleep` children.
type sleepers struct {
	pgid int
	pids []int
}

// spawnSleepers starts n `sleep` processes (each to end by itself after
// lifetime should this process die first) in a new process group.
func spawnSleepers(ctx context.Context, n int, lifetime time.Duration) (*sleepers, error) {
	path, err := exec.LookPath("sleep")
	if err != nil {
		return nil, fmt.Errorf("find sleep: %w", err)
	}
	devnull, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
	if err != nil {
		return nil, err
	}
	defer devnull.Close()
	fd := devnull.Fd()
	argv := []string{"sleep", strconv.Itoa(int(lifetime.Seconds()))}
	s := &sleepers{}
	for i := range n {
		if i%256 == 0 && ctx.Err() != nil {
			s.kill()
			return nil, ctx.Err()
		}
		attr := &syscall.ProcAttr{Files: []uintptr{fd, fd, fd},
			Sys: &syscall.SysProcAttr{Setpgid: true, Pgid: s.pgid}}
		pid, err := syscall.ForkExec(path, argv, attr)
		if err != nil {
			s.kill()
			return nil, fmt.Errorf("start sleeper %d of %d: %w", i+1, n, err)
		}
		if s.pgid == 0 {
			s.pgid = pid
		}
		s.pids = append(s.pids, pid)
	}
	return s, nil
}

// kill ends every sleeper and reaps them.
func (s *sleepers) kill() {
	if s == nil || s.pgid == 0 {
		return
	}
	_ = syscall.Kill(-s.pgid, syscall.SIGKILL)
	for _, pid := range s.pids {
		var ws syscall.WaitStatus
		for {
			_, err := syscall.Wait4(pid, &ws, 0, nil)
			if err != syscall.EINTR {
				break
			}
		}
	}
	s.pgid, s.pids = 0, nil
}

func memoryAgentArgs() []string {
	return []string{"--no-file-cache", "--stats-interval", statsEvery.String()}
}

func runMemory(ctx context.Context, f *memoryFlags, exe string, log *slog.Logger) (*memoryReport, error) {
	start := time.Now()
	procs, storm := defaultMemProcesses, defaultMemStorm
	if f.quick {
		procs, storm = quickMemProcesses, quickMemStorm
	}
	if f.processes > 0 {
		procs = f.processes
	}
	if f.storm > 0 {
		storm = f.storm
	}
	args := memoryAgentArgs()
	rep := &memoryReport{Agent: "vigil run " + strings.Join(args, " "), Quick: f.quick,
		ExtraProcesses: procs, StormOpens: storm, TargetMiB: memoryTargetMiB}
	file, cleanup, err := scratchFile()
	if err != nil {
		return nil, err
	}
	defer cleanup()
	log.Info("bench memory: starting the agent", "args", rep.Agent)
	a, err := startPipeAgent(ctx, exe, args, false)
	if err != nil {
		return nil, err
	}
	defer a.kill()

	reading := func(phase string) error {
		if err := sleepCtx(ctx, memorySettle); err != nil {
			return err
		}
		st, err := a.statsAfter(ctx, time.Now(), 10*time.Second)
		if err != nil {
			return err
		}
		m, err := readProcMemory(a.pid())
		if err != nil {
			return err
		}
		p := memoryPhase{Phase: phase, TableLive: st.live(), TableEntries: st.Processes, RSSKiB: m.RSSKiB, HWMKiB: m.HWMKiB}
		log.Info("bench memory", "phase", phase, "rss_kib", p.RSSKiB, "hwm_kib", p.HWMKiB, "table_live", p.TableLive)
		rep.Phases = append(rep.Phases, p)
		return nil
	}
	if err := reading(phaseIdle); err != nil {
		return nil, err
	}
	idleLive := rep.Phases[0].TableLive

	log.Info("bench memory: starting extra processes", "n", procs)
	sl, err := spawnSleepers(ctx, procs, sleeperLifetime)
	if err != nil {
		return nil, err
	}
	// However this ends, the sleepers go.
	defer sl.kill()
	// Wait (bounded) for the agent's table to hold them, then settle.
	for deadline := time.Now().Add(time.Minute); ; {
		st, err := a.statsAfter(ctx, time.Now(), 10*time.Second)
		if err != nil {
			return nil, err
		}
		if st.live() >= idleLive+procs*99/100 || time.Now().After(deadline) {
			break
		}
	}
	if err := reading(phaseProcs); err != nil {
		return nil, err
	}
	sl.kill()

	log.Info("bench memory: storm", "opens", storm)
	if _, err := runStorm(ctx, exe, "open", file, 0, storm, 1); err != nil {
		return nil, err
	}
	if _, err := waitDrained(ctx, a, time.Now(), 30*time.Second); err != nil {
		return nil, err
	}
	if err := reading(phaseStorm); err != nil {
		return nil, err
	}
	if err := a.stop(); err != nil {
		return nil, err
	}
	rep.Pass = float64(rep.Phases[1].RSSKiB)/1024 < rep.TargetMiB
	rep.Elapsed = time.Since(start).Seconds()
	return rep, nil
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (rep *memoryReport) writeTable(w io.Writer) error {
	mode := ""
	if rep.Quick {
		mode = ", --quick"
	}
	fmt.Fprintf(w, "vigil bench memory: %s, %.0fs%s\n\n", rep.Agent, rep.Elapsed, mode)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "phase\ttable live\ttable entries\tVmRSS MiB\tVmHWM MiB")
	for _, p := range rep.Phases {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%.1f\t%.1f\n", rep.phaseLabel(p.Phase), p.TableLive, p.TableEntries,
			float64(p.RSSKiB)/1024, float64(p.HWMKiB)/1024)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "\n%s\n", rep.summary())
	return err
}

// phaseLabel describes a phase with its counts.
func (rep *memoryReport) phaseLabel(phase string) string {
	switch phase {
	case phaseIdle:
		return "idle (3 s after ready)"
	case phaseProcs:
		return fmt.Sprintf("with %s extra live processes", thousands(float64(rep.ExtraProcesses)))
	case phaseStorm:
		return fmt.Sprintf("after a storm of %s opens", thousands(float64(rep.StormOpens)))
	}
	return phase
}

func (rep *memoryReport) summary() string {
	verdict := "missed"
	if rep.Pass {
		verdict = "met"
	}
	rss := 0.0
	for _, p := range rep.Phases {
		if p.Phase == phaseProcs {
			rss = float64(p.RSSKiB) / 1024
		}
	}
	return fmt.Sprintf("target: under %.0f MiB resident with %s extra processes: %.1f MiB, %s", rep.TargetMiB,
		thousands(float64(rep.ExtraProcesses)), rss, verdict)
}

// ---------------------------------------------------------------------------
// bench latency

type latencyFlags struct {
	quick bool
	json  bool
	runs  int
}

const (
	defaultLatencyRuns = 500
	quickLatencyRuns   = 20
	// latencySpacing separates two marker runs.
	latencySpacing = 8 * time.Millisecond
	// markerName is the marker program's name, short enough to be its
	// whole comm (15 bytes), which proc.cmdline starts with.
	markerName = "vigil-marker"
)

// latencyVariants are the agent settings compared: the default (wake-up
// at 256 KiB queued, else every 50 ms), a 5 ms poll, and a wake-up at every
// event.
func latencyVariants() []struct{ name, args string } {
	return []struct{ name, args string }{
		{"default (poll 50ms)", ""},
		{"--poll-interval 5ms", "--poll-interval 5ms"},
		{"--wakeup-bytes -1", "--wakeup-bytes -1"},
	}
}

type latencyVariant struct {
	Name     string  `json:"name"`
	Args     string  `json:"args"`
	Runs     int     `json:"runs"`
	Received int     `json:"alerts_received"`
	P50Ms    float64 `json:"p50_ms"`
	P99Ms    float64 `json:"p99_ms"`
	MaxMs    float64 `json:"max_ms"`
}

type latencyReport struct {
	Quick     bool             `json:"quick"`
	Runs      int              `json:"runs"`
	SpacingMs float64          `json:"spacing_ms"`
	Rule      string           `json:"rule"`
	Variants  []latencyVariant `json:"variants"`
	Elapsed   float64          `json:"elapsed_seconds"`
}

// latencyRule is the built-in rule the marker fires.
const latencyRule = "Execution from a temporary directory"

func newBenchLatencyCmd(g *globalFlags, stdout, stderr io.Writer) *cobra.Command {
	f := &latencyFlags{}
	cmd := &cobra.Command{
		Use:   "latency",
		Short: "Time from a system call to its alert on the agent's stdout, p50/p99 (root)",
		Long: "latency starts `vigil run --json` (built-in rules) and runs a marker program (a copy of\n" +
			"true under a new directory in /tmp, so that the built-in rule \"" + latencyRule + "\"\n" +
			"fires) 500 times, 8 ms apart, each with its sequence number as argument. The latency of a\n" +
			"run is the time the harness reads its alert on the agent's stdout minus the time just\n" +
			"before it forked the marker (one clock, one process). The default agent settles most of\n" +
			"it: the reader wakes when 256 KiB are queued, else every 50 ms (--poll-interval). Two\n" +
			"variants are measured too: --poll-interval 5ms, and --wakeup-bytes -1 (a wake-up for\n" +
			"every event).",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			log, exe, err := benchSetup(g, stderr, "latency")
			if err != nil {
				return err
			}
			rep, err := runLatency(cmd.Context(), f, exe, log)
			if err != nil {
				return err
			}
			return benchOutput(stdout, f.json, rep)
		},
	}
	fl := cmd.Flags()
	fl.BoolVar(&f.quick, "quick", false, "20 runs per variant (for tests)")
	fl.BoolVar(&f.json, "json", false, "print the report as JSON")
	fl.IntVar(&f.runs, "runs", 0, "marker runs per variant (default 500)")
	return cmd
}

func runLatency(ctx context.Context, f *latencyFlags, exe string, log *slog.Logger) (*latencyReport, error) {
	start := time.Now()
	runs := defaultLatencyRuns
	if f.quick {
		runs = quickLatencyRuns
	}
	if f.runs > 0 {
		runs = f.runs
	}
	dir, err := os.MkdirTemp("/tmp", "vigil-bench-latency-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	marker := filepath.Join(dir, markerName)
	if err := copyExecutable("/bin/true", marker); err != nil {
		return nil, err
	}
	rep := &latencyReport{Quick: f.quick, Runs: runs, SpacingMs: float64(latencySpacing) / float64(time.Millisecond), Rule: latencyRule}
	for _, v := range latencyVariants() {
		args := append([]string{"--json", "--stats-interval", "0"}, strings.Fields(v.args)...)
		log.Info("bench latency", "variant", v.name)
		lv, err := latencyRuns(ctx, exe, args, marker, runs)
		if err != nil {
			return nil, fmt.Errorf("variant %s: %w", v.name, err)
		}
		lv.Name, lv.Args = v.name, v.args
		rep.Variants = append(rep.Variants, lv)
	}
	rep.Elapsed = time.Since(start).Seconds()
	return rep, nil
}

func copyExecutable(src, dst string) error {
	data, err := os.ReadFile(src)
	if err != nil {
		return fmt.Errorf("copy %s: %w", src, err)
	}
	if err := os.WriteFile(dst, data, 0o755); err != nil {
		return fmt.Errorf("copy %s: %w", src, err)
	}
	return nil
}

// markerAlert is what the harness reads of an alert line.
type markerAlert struct {
	Rule         string         `json:"rule"`
	OutputFields map[string]any `json:"output_fields"`
}

// markerSeq returns the sequence number of the marker run an alert line
// reports (false for any other alert).
func markerSeq(line, marker string) (int, bool) {
	var a markerAlert
	if err := json.Unmarshal([]byte(line), &a); err != nil || a.Rule != latencyRule {
		return 0, false
	}
	if exe, _ := a.OutputFields["proc.exepath"].(string); exe != marker {
		return 0, false
	}
	cmdline, _ := a.OutputFields["proc.cmdline"].(string)
	f := strings.Fields(cmdline)
	if len(f) != 2 || f[0] != markerName {
		return 0, false
	}
	n, err := strconv.Atoi(f[1])
	if err != nil || n < 0 {
		return 0, false
	}
	return n, true
}

// latencyRuns starts an agent with args, runs the marker runs times and
// measures each run's alert.
func latencyRuns(ctx context.Context, exe string, args []string, marker string, runs int) (latencyVariant, error) {
	a, err := startPipeAgent(ctx, exe, args, true)
	if err != nil {
		return latencyVariant{}, err
	}
	defer a.kill()
	started := make([]time.Time, runs)
	arrived := make([]time.Time, runs)
	var mu sync.Mutex
	received := 0
	all := make(chan struct{})
	readerDone := make(chan struct{})
	go func() {
		defer close(readerDone)
		for l := range a.lines {
			seq, ok := markerSeq(l.text, marker)
			if !ok || seq >= runs {
				continue
			}
			mu.Lock()
			if arrived[seq].IsZero() {
				arrived[seq] = l.at
				received++
				if received == runs {
					close(all)
				}
			}
			mu.Unlock()
		}
	}()
	devnull, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
	if err != nil {
		return latencyVariant{}, err
	}
	defer devnull.Close()
	fd := devnull.Fd()
	attr := &syscall.ProcAttr{Files: []uintptr{fd, fd, fd}}
	for i := range runs {
		argv := []string{markerName, strconv.Itoa(i)}
		mu.Lock()
		started[i] = time.Now()
		mu.Unlock()
		pid, err := syscall.ForkExec(marker, argv, attr)
		if err != nil {
			return latencyVariant{}, fmt.Errorf("run the marker: %w", err)
		}
		var ws syscall.WaitStatus
		for {
			_, err := syscall.Wait4(pid, &ws, 0, nil)
			if err != syscall.EINTR {
				break
			}
		}
		if err := sleepCtx(ctx, latencySpacing); err != nil {
			return latencyVariant{}, err
		}
	}
	// The last alerts: a few poll intervals at most.
	select {
	case <-all:
	case <-time.After(5 * time.Second):
	case <-ctx.Done():
		return latencyVariant{}, ctx.Err()
	}
	if err := a.stop(); err != nil {
		return latencyVariant{}, err
	}
	<-readerDone
	var lat []float64
	for i := range runs {
		if !arrived[i].IsZero() {
			lat = append(lat, float64(arrived[i].Sub(started[i]))/float64(time.Millisecond))
		}
	}
	lv := latencyVariant{Runs: runs, Received: len(lat)}
	if len(lat) == 0 {
		return lv, fmt.Errorf("no alert for any of %d marker runs: %s", runs, a.tailText())
	}
	lv.P50Ms, lv.P99Ms, lv.MaxMs = percentile(lat, 50), percentile(lat, 99), slices.Max(lat)
	return lv, nil
}

// percentile is the nearest-rank p-th percentile (0 < p <= 100) of xs;
// 0 for none.
func percentile(xs []float64, p float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	k := int(math.Ceil(p / 100 * float64(len(s))))
	return s[min(max(k, 1), len(s))-1]
}

func (rep *latencyReport) writeTable(w io.Writer) error {
	mode := ""
	if rep.Quick {
		mode = ", --quick"
	}
	fmt.Fprintf(w, "vigil bench latency: %d marker runs %.0f ms apart per variant, rule %q, %.0fs%s\n",
		rep.Runs, rep.SpacingMs, rep.Rule, rep.Elapsed, mode)
	fmt.Fprintf(w, "(fork of the marker to its alert read from the agent's stdout; built-in rules, --json)\n\n")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "agent\talerts\tp50 ms\tp99 ms\tmax ms")
	for _, v := range rep.Variants {
		fmt.Fprintf(tw, "%s\t%d/%d\t%.1f\t%.1f\t%.1f\n", v.Name, v.Received, v.Runs, v.P50Ms, v.P99Ms, v.MaxMs)
	}
	return tw.Flush()
}
