package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/sys/unix"

	"github.com/vigil-sec/vigil/internal/sensor/floor"
)

// defaultFalcoRules is Falco's stable ruleset, relative to the repository
// root (the shared test data sits next to the clone).
const defaultFalcoRules = "../shared/testdata/falco/falco_rules.yaml"

// The configurations `bench overhead` compares, in their base order.
const (
	cfgNone         = "none"
	cfgFloor        = "floor"
	cfgVigilFalco   = "vigil-falco"
	cfgVigilDefault = "vigil-default"
	// cfgVigilPolicy is vigil-default plus benchPolicy: deny policies on
	// named files (inode marks) and a connect policy (the cgroup sock_addr
	// programs run for every connect): what policies cost the calls they
	// do not name.
	cfgVigilPolicy = "vigil-policy"
	// cfgVigilPolicyFS adds exec and open policies with patterns, which
	// mark the whole filesystem: every exec of the exec workload and every
	// open of the open workload waits for a fanotify decision (the worst
	// case of the fanotify path).
	cfgVigilPolicyFS = "vigil-policy-fs"
	// cfgAuditd is Debian's audit daemon with a rule on the system calls
	// vigil-default captures (bench_auditd.go): the most widely deployed
	// peer.
	cfgAuditd = "auditd"
)

// benchPolicy is the vigil-policy configuration's policy file.
const benchPolicy = `
- policy: bench-deny-exec
  match: {exec: /usr/local/sbin/vigil-bench-denied}
- policy: bench-deny-open
  match: {open: /tmp/vigil-bench-denied}
- policy: bench-deny-connect
  match: {connect: {cidr: 192.0.2.1, port: 9}}
`

// benchPolicyFS is the vigil-policy-fs configuration's extra policy.
const benchPolicyFS = `
- policy: bench-deny-exec-pattern
  match: {exec: /usr/local/sbin/vigil-bench-denied-*}
- policy: bench-deny-open-pattern
  match: {open: /tmp/vigil-bench-denied-*}
`

type overheadFlags struct {
	reps       int
	quick      bool
	json       bool
	falcoRules string
	install    bool
	workloads  []string // only these (all when empty)
	configs    []string // only these agent configurations (all when empty)
}

func newBenchCmd(g *globalFlags, stdout, stderr io.Writer) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Measure Vigil's cost on this host",
		Args:  cobra.NoArgs,
	}
	f := &overheadFlags{}
	overhead := &cobra.Command{
		Use:   "overhead",
		Short: "Throughput of fixed workloads with and without an agent (root)",
		Long: "overhead runs fixed workloads (open/close loop, exec storm, TCP connect/accept over\n" +
			"loopback, redis-benchmark GET) under these configurations: no agent; the floor (a BPF\n" +
			"program that does nothing on every system call entry and exit, the least any\n" +
			"tracepoint-based agent costs); auditd from Debian with rules on the system calls the\n" +
			"built-in rules capture (the most widely deployed peer); `vigil run` with Falco's stable\n" +
			"rules; `vigil run` with the built-in rules; and with prevention policies (--configs\n" +
			"picks). Repetitions are interleaved (every configuration in each, in\n" +
			"rotating order) and each configuration's throughput is divided by the no-agent\n" +
			"throughput of the same repetition. The table shows the median ratio and its spread\n" +
			"(min-max) over repetitions, and the events the agents lost. The agent runs as a child\n" +
			"(this binary's `run`), and so does each workload. redis-server, redis-tools and auditd\n" +
			"are installed with apt-get when missing (--install=false to skip; they are then\n" +
			"reported unavailable).",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			log, err := g.logger(stderr)
			if err != nil {
				return err
			}
			if f.reps < 1 {
				return fmt.Errorf("--reps %d: must be at least 1", f.reps)
			}
			exe, err := os.Executable()
			if err != nil {
				return fmt.Errorf("find this binary: %w", err)
			}
			rep, err := runOverhead(cmd.Context(), f, exe, log)
			if err != nil {
				return err
			}
			if f.json {
				enc := json.NewEncoder(stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(rep)
			}
			return rep.writeTable(stdout)
		},
	}
	fl := overhead.Flags()
	fl.IntVar(&f.reps, "reps", 5, "interleaved repetitions")
	fl.BoolVar(&f.quick, "quick", false, "small counts (for tests; the figures mean little)")
	fl.BoolVar(&f.json, "json", false, "print the report as JSON")
	fl.StringVar(&f.falcoRules, "falco-rules", defaultFalcoRules, "Falco rules file for the vigil-falco configuration")
	fl.BoolVar(&f.install, "install", true, "install redis-server, redis-tools and auditd with apt-get when missing")
	fl.StringSliceVar(&f.workloads, "workloads", nil, "run only these workloads (open, exec, connect, redis)")
	fl.StringSliceVar(&f.configs, "configs", nil, "measure only these configurations besides none (floor, auditd, vigil-falco, vigil-default, vigil-policy, vigil-policy-fs)")
	cmd.AddCommand(overhead)
	cmd.AddCommand(pipelineBenchCmds(g, stdout, stderr)...)
	return cmd
}

// workload is one fixed amount of work, measured in operations per second.
type workload struct {
	name   string
	desc   string
	n      int // operations at default
	quickN int // operations with --quick
}

// benchWorkloads returns the fixed workloads, in their base order. The
// counts keep a default run (5 repetitions) within about six minutes on two
// cores.
func benchWorkloads() []workload {
	return []workload{
		{"open", "open+close of a file under /tmp, O_RDONLY", 300_000, 5_000},
		{"exec", "fork+exec of /bin/true, waited for", 1_000, 50},
		{"connect", "TCP connect+accept+close over loopback", 20_000, 500},
		{"redis", "redis-benchmark -t get (50 clients) against a local redis-server", 100_000, 5_000},
	}
}

// overheadReport is the result of `bench overhead`.
type overheadReport struct {
	Reps      int              `json:"reps"`
	Quick     bool             `json:"quick"`
	Configs   []string         `json:"configs"`
	Workloads []workloadReport `json:"workloads"`
	Agents    []agentReport    `json:"agents"`
	// UnavailableConfigs says why a configuration asked for was not
	// measured (it is then absent from Configs).
	UnavailableConfigs map[string]string `json:"unavailable_configs,omitempty"`
	Elapsed            float64           `json:"elapsed_seconds"`
}

type workloadReport struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	Ops         int    `json:"ops"`
	// Unavailable says why the workload did not run (then Results is empty).
	Unavailable string         `json:"unavailable,omitempty"`
	Results     []configResult `json:"results,omitempty"`
}

// configResult is one configuration's figures for one workload.
type configResult struct {
	Config string `json:"config"`
	// OpsPerSec is the throughput of each repetition, in repetition order.
	OpsPerSec    []float64 `json:"ops_per_sec"`
	MedianOps    float64   `json:"median_ops_per_sec"`
	Ratios       []float64 `json:"ratios"` // OpsPerSec / none's of the same repetition
	RatioMedian  float64   `json:"ratio_median"`
	RatioMin     float64   `json:"ratio_min"`
	RatioMax     float64   `json:"ratio_max"`
	OverheadPerc float64   `json:"overhead_percent"` // (1 - RatioMedian) * 100
}

// agentReport sums a vigil configuration's final counters over every
// repetition.
type agentReport struct {
	Config        string `json:"config"`
	Args          string `json:"args"`
	Runs          int    `json:"runs"`
	Events        uint64 `json:"events"`
	KernelRecords uint64 `json:"kernel_records"`
	KernelLost    uint64 `json:"kernel_lost"`
	DecodeErrors  uint64 `json:"decode_errors"`
	OutputErrors  uint64 `json:"output_errors"`
}

// runOverhead runs the benchmark; exe is the vigil binary whose `run` and
// `bench-workload` commands are used.
func runOverhead(ctx context.Context, f *overheadFlags, exe string, log *slog.Logger) (*overheadReport, error) {
	start := time.Now()
	if os.Geteuid() != 0 {
		return nil, errors.New("bench overhead needs root (it loads BPF programs)")
	}
	falcoRules, err := filepath.Abs(f.falcoRules)
	if err != nil {
		return nil, fmt.Errorf("--falco-rules: %w", err)
	}
	if _, err := os.Stat(falcoRules); err != nil {
		return nil, fmt.Errorf("--falco-rules: %w", err)
	}
	polDir, err := os.MkdirTemp("", "vigil-bench-policy")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(polDir)
	polFile := filepath.Join(polDir, "policy.yaml")
	if err := os.WriteFile(polFile, []byte(benchPolicy), 0o644); err != nil {
		return nil, err
	}
	polFSFile := filepath.Join(polDir, "policy-fs.yaml")
	if err := os.WriteFile(polFSFile, []byte(benchPolicyFS), 0o644); err != nil {
		return nil, err
	}
	agentArgs := map[string][]string{
		cfgVigilFalco:    {"-r", falcoRules},
		cfgVigilDefault:  nil,
		cfgVigilPolicy:   {"--policy", polFile},
		cfgVigilPolicyFS: {"--policy", polFile, "--policy", polFSFile},
	}
	configs := []string{cfgNone}
	for _, c := range []string{cfgFloor, cfgAuditd, cfgVigilFalco, cfgVigilDefault, cfgVigilPolicy, cfgVigilPolicyFS} {
		if len(f.configs) == 0 || slices.Contains(f.configs, c) {
			configs = append(configs, c)
		}
	}
	var workloads []workload
	for _, w := range benchWorkloads() {
		if len(f.workloads) == 0 || slices.Contains(f.workloads, w.name) {
			workloads = append(workloads, w)
		}
	}
	if len(workloads) == 0 {
		return nil, fmt.Errorf("--workloads %v: none of open, exec, connect, redis", f.workloads)
	}
	var aud *auditdBench
	unavailableConfigs := map[string]string{}
	if slices.Contains(configs, cfgAuditd) {
		var why string
		if aud, why = prepareAuditd(ctx, f.install, log); aud == nil {
			log.Warn("bench overhead: auditd unavailable", "reason", why)
			unavailableConfigs[cfgAuditd] = why
			configs = slices.DeleteFunc(configs, func(c string) bool { return c == cfgAuditd })
		}
	}
	rep := &overheadReport{Reps: f.reps, Quick: f.quick, Configs: configs}
	if len(unavailableConfigs) > 0 {
		rep.UnavailableConfigs = unavailableConfigs
	}
	redis, unavailable := startRedis(ctx, f.install, log)
	if redis != nil {
		defer redis.stop(log)
	}
	// ops[workload][config][rep]
	ops := make([]map[string][]float64, len(workloads))
	for i, w := range workloads {
		wr := workloadReport{Name: w.name, Description: w.desc, Ops: w.n}
		if f.quick {
			wr.Ops = w.quickN
		}
		if w.name == "redis" && redis == nil {
			wr.Unavailable = unavailable
		}
		rep.Workloads = append(rep.Workloads, wr)
		ops[i] = map[string][]float64{}
		for _, c := range configs {
			ops[i][c] = make([]float64, f.reps)
		}
	}
	agents := map[string]*agentReport{}
	for _, c := range configs {
		if args, ok := agentArgs[c]; ok {
			agents[c] = &agentReport{Config: c, Args: strings.Join(append([]string{"run"}, args...), " ")}
		}
	}
	if aud != nil {
		agents[cfgAuditd] = &agentReport{Config: cfgAuditd, Args: aud.command()}
	}

	runWorkload := func(i, n int) (float64, error) {
		w := workloads[i]
		if w.name == "redis" {
			return redis.benchmark(ctx, n)
		}
		return runWorkloadChild(ctx, exe, w.name, n)
	}

	// Warm-up, not recorded: page cache, redis, the CPU's frequency.
	log.Info("bench overhead: warm-up")
	for i, w := range workloads {
		if rep.Workloads[i].Unavailable != "" {
			continue
		}
		if _, err := runWorkload(i, w.quickN); err != nil {
			return nil, fmt.Errorf("warm-up %s: %w", w.name, err)
		}
	}

	for r := range f.reps {
		for k := range configs {
			c := configs[(k+r)%len(configs)] // rotating order
			log.Info("bench overhead", "rep", r+1, "of", f.reps, "config", c)
			stop, err := startConfig(ctx, c, exe, agentArgs[c], aud, log)
			if err != nil {
				return nil, err
			}
			for j := range workloads {
				i := (j + r) % len(workloads)
				if rep.Workloads[i].Unavailable != "" {
					continue
				}
				v, err := runWorkload(i, rep.Workloads[i].Ops)
				if err != nil {
					_, _ = stop()
					return nil, fmt.Errorf("rep %d, config %s, workload %s: %w", r+1, c, workloads[i].name, err)
				}
				ops[i][c][r] = v
			}
			st, err := stop()
			if err != nil {
				return nil, fmt.Errorf("rep %d, config %s: %w", r+1, c, err)
			}
			if a := agents[c]; a != nil && st != nil {
				a.Runs++
				a.Events += st.Events
				a.KernelRecords += st.KernelRecords
				a.DecodeErrors += st.DecodeErrors
				a.OutputErrors += st.OutputErrors
				for _, v := range st.KernelLost {
					a.KernelLost += v
				}
			}
		}
	}

	for i := range rep.Workloads {
		wr := &rep.Workloads[i]
		if wr.Unavailable != "" {
			continue
		}
		base := ops[i][cfgNone]
		for _, c := range configs {
			res := configResult{Config: c, OpsPerSec: ops[i][c], MedianOps: median(ops[i][c])}
			for r, v := range ops[i][c] {
				res.Ratios = append(res.Ratios, v/base[r])
			}
			res.RatioMedian = median(res.Ratios)
			res.RatioMin = slices.Min(res.Ratios)
			res.RatioMax = slices.Max(res.Ratios)
			res.OverheadPerc = (1 - res.RatioMedian) * 100
			wr.Results = append(wr.Results, res)
		}
	}
	for _, c := range configs {
		if a := agents[c]; a != nil {
			rep.Agents = append(rep.Agents, *a)
		}
	}
	rep.Elapsed = time.Since(start).Seconds()
	return rep, nil
}

// startConfig puts configuration c in place and returns how to stop it;
// stopping a vigil configuration returns the agent's final counters, and
// stopping auditd (aud) its event and lost counts.
func startConfig(ctx context.Context, c, exe string, agentArgs []string, aud *auditdBench, log *slog.Logger) (func() (*agentStats, error), error) {
	switch c {
	case cfgNone:
		return func() (*agentStats, error) { return nil, nil }, nil
	case cfgFloor:
		fl, err := floor.Start()
		if err != nil {
			return nil, fmt.Errorf("config floor: %w", err)
		}
		return func() (*agentStats, error) { return nil, fl.Close() }, nil
	case cfgAuditd:
		r, err := aud.start(ctx)
		if err != nil {
			return nil, fmt.Errorf("config auditd: %w", err)
		}
		return r.stop, nil
	default:
		a, err := startBenchAgent(ctx, exe, agentArgs)
		if err != nil {
			return nil, fmt.Errorf("config %s: %w", c, err)
		}
		return a.stop, nil
	}
}

// agentStats are the counters `vigil run` logs when it stops.
type agentStats struct {
	Events        uint64            `json:"events"`
	KernelRecords uint64            `json:"kernel_records"`
	KernelLost    map[string]uint64 `json:"kernel_lost"`
	DecodeErrors  uint64            `json:"decode_errors"`
	OutputErrors  uint64            `json:"output_errors"`
}

// benchAgent is a running `vigil run` child.
type benchAgent struct {
	agentLog
	cmd   *exec.Cmd
	final string // its "vigil stopped" line (under mu)
	done  chan error
}

const agentTailLines = 50

// agentLog reads a `vigil run --log-format json` child's stderr: it keeps
// the last lines for error messages and closes ready at the ready line.
// Both the overhead and the pipeline benchmarks' agents use it.
type agentLog struct {
	mu    sync.Mutex
	tail  []string // last lines of its stderr
	ready chan struct{}
}

func newAgentLog() agentLog { return agentLog{ready: make(chan struct{})} }

// consume reads r to its end; onLine, when set, sees each line (its msg
// and text, and when it was read) with mu held.
func (l *agentLog) consume(r io.Reader, onLine func(msg, line string, at time.Time)) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	readySeen := false
	for sc.Scan() {
		line := sc.Text()
		at := time.Now()
		var m struct {
			Msg string `json:"msg"`
		}
		_ = json.Unmarshal([]byte(line), &m)
		l.mu.Lock()
		l.tail = append(l.tail, line)
		if len(l.tail) > agentTailLines {
			l.tail = l.tail[len(l.tail)-agentTailLines:]
		}
		if onLine != nil {
			onLine(m.Msg, line, at)
		}
		l.mu.Unlock()
		if !readySeen && strings.Contains(m.Msg, "ready") {
			readySeen = true
			close(l.ready)
		}
	}
	_, _ = io.Copy(io.Discard, r)
}

func (l *agentLog) tailText() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.tail, "\n")
}

// startBenchAgent starts `exe run` with JSON logs, alerts to /dev/null,
// and waits for its ready line.
func startBenchAgent(ctx context.Context, exe string, args []string) (*benchAgent, error) {
	cmd := exec.Command(exe, append([]string{"run", "--log-format", "json", "--stats-interval", "0"}, args...)...)
	cmd.Stdout = nil // /dev/null
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, fmt.Errorf("agent stderr: %w", err)
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start agent: %w", err)
	}
	a := &benchAgent{agentLog: newAgentLog(), cmd: cmd, done: make(chan error, 1)}
	go func() {
		a.consume(stderr, func(msg, line string, _ time.Time) {
			if msg == "vigil stopped" {
				a.final = line
			}
		})
		a.done <- cmd.Wait()
	}()
	select {
	case <-a.ready:
		return a, nil
	case err := <-a.done:
		return nil, fmt.Errorf("agent exited before ready (%v): %s", err, a.tailText())
	case <-ctx.Done():
		_ = cmd.Process.Kill()
		<-a.done
		return nil, ctx.Err()
	case <-time.After(2 * time.Minute):
		_ = cmd.Process.Kill()
		<-a.done
		return nil, fmt.Errorf("agent not ready after 2 minutes: %s", a.tailText())
	}
}

// stop sends SIGINT, waits for the agent to drain and exit, and returns
// the counters of its last log line.
func (a *benchAgent) stop() (*agentStats, error) {
	if err := a.cmd.Process.Signal(syscall.SIGINT); err != nil {
		return nil, fmt.Errorf("signal agent: %w", err)
	}
	select {
	case err := <-a.done:
		if err != nil {
			return nil, fmt.Errorf("agent exited with %v: %s", err, a.tailText())
		}
	case <-time.After(time.Minute):
		_ = a.cmd.Process.Kill()
		<-a.done
		return nil, fmt.Errorf("agent did not stop within a minute of SIGINT: %s", a.tailText())
	}
	a.mu.Lock()
	final := a.final
	a.mu.Unlock()
	if final == "" {
		return nil, fmt.Errorf("agent logged no \"vigil stopped\" line: %s", a.tailText())
	}
	var st agentStats
	if err := json.Unmarshal([]byte(final), &st); err != nil {
		return nil, fmt.Errorf("agent's final counters %q: %w", final, err)
	}
	return &st, nil
}

// workloadResult is what a `bench-workload` child prints.
type workloadResult struct {
	Ops     int     `json:"ops"`
	Seconds float64 `json:"seconds"`
}

// runWorkloadChild runs `exe bench-workload name n` and returns its
// operations per second.
func runWorkloadChild(ctx context.Context, exe, name string, n int) (float64, error) {
	cmd := exec.CommandContext(ctx, exe, "bench-workload", name, strconv.Itoa(n))
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return 0, fmt.Errorf("bench-workload %s: %w: %s", name, err, strings.TrimSpace(stderr.String()))
	}
	var res workloadResult
	if err := json.Unmarshal(out, &res); err != nil {
		return 0, fmt.Errorf("bench-workload %s output %q: %w", name, out, err)
	}
	if res.Seconds <= 0 {
		return 0, fmt.Errorf("bench-workload %s: no time measured", name)
	}
	return float64(res.Ops) / res.Seconds, nil
}

// newBenchWorkloadCmd is the hidden `bench-workload NAME N`: it performs
// N operations of a workload in this process and prints a workloadResult
// as JSON. `bench overhead` runs it as a child so that an agent sees it as
// any other process.
func newBenchWorkloadCmd(stdout io.Writer) *cobra.Command {
	return &cobra.Command{
		Use:    "bench-workload NAME N",
		Short:  "Run one workload of `bench overhead` (internal)",
		Hidden: true,
		Args:   cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			n, err := strconv.Atoi(args[1])
			if err != nil || n < 1 {
				return fmt.Errorf("N %q: want a positive integer", args[1])
			}
			var run func(int) (time.Duration, error)
			switch args[0] {
			case "open":
				run = workloadOpen
			case "exec":
				run = workloadExec
			case "connect":
				run = workloadConnect
			default:
				return fmt.Errorf("workload %q: want open, exec or connect", args[0])
			}
			d, err := run(n)
			if err != nil {
				return fmt.Errorf("workload %s: %w", args[0], err)
			}
			return json.NewEncoder(stdout).Encode(workloadResult{Ops: n, Seconds: d.Seconds()})
		},
	}
}

// workloadOpen opens a file under /tmp read-only and closes it, n times.
func workloadOpen(n int) (time.Duration, error) {
	f, err := os.CreateTemp("/tmp", "vigil-bench-open-")
	if err != nil {
		return 0, fmt.Errorf("create file: %w", err)
	}
	path := f.Name()
	defer os.Remove(path)
	if err := f.Close(); err != nil {
		return 0, fmt.Errorf("create file: %w", err)
	}
	start := time.Now()
	for range n {
		fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			return 0, fmt.Errorf("open %s: %w", path, err)
		}
		if err := unix.Close(fd); err != nil {
			return 0, fmt.Errorf("close: %w", err)
		}
	}
	return time.Since(start), nil
}

// workloadExec starts /bin/true and waits for it, n times.
func workloadExec(n int) (time.Duration, error) {
	devnull, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
	if err != nil {
		return 0, fmt.Errorf("open %s: %w", os.DevNull, err)
	}
	defer devnull.Close()
	fd := devnull.Fd()
	attr := &syscall.ProcAttr{Files: []uintptr{fd, fd, fd}}
	argv := []string{"true"}
	start := time.Now()
	for range n {
		pid, err := syscall.ForkExec("/bin/true", argv, attr)
		if err != nil {
			return 0, fmt.Errorf("fork+exec /bin/true: %w", err)
		}
		var ws syscall.WaitStatus
		if _, err := syscall.Wait4(pid, &ws, 0, nil); err != nil {
			return 0, fmt.Errorf("wait for /bin/true: %w", err)
		}
		if !ws.Exited() || ws.ExitStatus() != 0 {
			return 0, fmt.Errorf("/bin/true: wait status %v", ws)
		}
	}
	return time.Since(start), nil
}

// workloadConnect connects to a loopback listener, accepts, and closes
// both ends, n times, on one thread with blocking sockets. The client
// closes with SO_LINGER 0 (a reset) and the server after reading it, so no
// connection lingers in TIME_WAIT to exhaust the ephemeral ports.
func workloadConnect(n int) (time.Duration, error) {
	ln, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return 0, fmt.Errorf("socket: %w", err)
	}
	defer unix.Close(ln)
	if err := unix.Bind(ln, &unix.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		return 0, fmt.Errorf("bind: %w", err)
	}
	if err := unix.Listen(ln, 128); err != nil {
		return 0, fmt.Errorf("listen: %w", err)
	}
	sa, err := unix.Getsockname(ln)
	if err != nil {
		return 0, fmt.Errorf("getsockname: %w", err)
	}
	linger := &unix.Linger{Onoff: 1, Linger: 0}
	buf := make([]byte, 16)
	start := time.Now()
	for range n {
		c, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
		if err != nil {
			return 0, fmt.Errorf("socket: %w", err)
		}
		if err := unix.Connect(c, sa); err != nil {
			unix.Close(c)
			return 0, fmt.Errorf("connect: %w", err)
		}
		s, _, err := unix.Accept4(ln, unix.SOCK_CLOEXEC)
		if err != nil {
			unix.Close(c)
			return 0, fmt.Errorf("accept: %w", err)
		}
		if err := unix.SetsockoptLinger(c, unix.SOL_SOCKET, unix.SO_LINGER, linger); err != nil {
			return 0, fmt.Errorf("SO_LINGER: %w", err)
		}
		if err := unix.Close(c); err != nil {
			return 0, fmt.Errorf("close client: %w", err)
		}
		_, _ = unix.Read(s, buf) // the reset: ECONNRESET
		if err := unix.Close(s); err != nil {
			return 0, fmt.Errorf("close server side: %w", err)
		}
	}
	return time.Since(start), nil
}

// redisServer is a redis-server child on a free loopback port.
type redisServer struct {
	cmd       *exec.Cmd
	port      int
	benchPath string
	done      chan error
}

// startRedis installs redis when missing (if allowed) and starts a
// server. On failure it returns nil and the reason.
func startRedis(ctx context.Context, install bool, log *slog.Logger) (*redisServer, string) {
	server, errS := exec.LookPath("redis-server")
	bench, errB := exec.LookPath("redis-benchmark")
	if errS != nil || errB != nil {
		if !install {
			return nil, "redis-server or redis-benchmark not installed (and --install=false)"
		}
		if why := aptInstall(ctx, log, "redis-server", "redis-tools"); why != "" {
			return nil, why
		}
		if server, errS = exec.LookPath("redis-server"); errS != nil {
			return nil, fmt.Sprintf("redis-server after installing: %v", errS)
		}
		if bench, errB = exec.LookPath("redis-benchmark"); errB != nil {
			return nil, fmt.Sprintf("redis-benchmark after installing: %v", errB)
		}
	}
	port, err := freePort()
	if err != nil {
		return nil, err.Error()
	}
	cmd := exec.Command(server, "--port", strconv.Itoa(port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--daemonize", "no", "--loglevel", "warning")
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		return nil, fmt.Sprintf("start redis-server: %v", err)
	}
	r := &redisServer{cmd: cmd, port: port, benchPath: bench, done: make(chan error, 1)}
	go func() { r.done <- cmd.Wait() }()
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	for deadline := time.Now().Add(10 * time.Second); ; {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			break
		}
		select {
		case err := <-r.done:
			return nil, fmt.Sprintf("redis-server exited (%v): %s", err, strings.TrimSpace(out.String()))
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			r.stop(log)
			return nil, fmt.Sprintf("redis-server not listening on %s after 10s", addr)
		}
	}
	log.Info("bench overhead: redis-server started", "port", port, "pid", cmd.Process.Pid)
	return r, ""
}

var redisRPS = regexp.MustCompile(`GET: ([0-9.]+) requests per second`)

// benchmark runs redis-benchmark's GET test with n requests and returns
// its requests per second.
func (r *redisServer) benchmark(ctx context.Context, n int) (float64, error) {
	out, err := exec.CommandContext(ctx, r.benchPath, "-h", "127.0.0.1", "-p", strconv.Itoa(r.port),
		"-t", "get", "-n", strconv.Itoa(n), "-q").CombinedOutput()
	if err != nil {
		return 0, fmt.Errorf("redis-benchmark: %w: %s", err, lastLine(out))
	}
	m := redisRPS.FindAllSubmatch(out, -1)
	if len(m) == 0 {
		return 0, fmt.Errorf("redis-benchmark: no GET figure in %q", lastLine(out))
	}
	v, err := strconv.ParseFloat(string(m[len(m)-1][1]), 64)
	if err != nil || v <= 0 {
		return 0, fmt.Errorf("redis-benchmark: GET figure %q", m[len(m)-1][1])
	}
	return v, nil
}

func (r *redisServer) stop(log *slog.Logger) {
	_ = r.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-r.done:
	case <-time.After(10 * time.Second):
		log.Warn("redis-server did not stop on SIGTERM; killing it", "pid", r.cmd.Process.Pid)
		_ = r.cmd.Process.Kill()
		<-r.done
	}
}

// freePort returns a loopback TCP port that was free a moment ago.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func lastLine(b []byte) string {
	s := strings.TrimSpace(strings.ReplaceAll(string(b), "\r", "\n"))
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		s = s[i+1:]
	}
	return s
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// writeTable prints the report as a table: per workload, no-agent
// throughput and each configuration's median ratio with its spread.
func (rep *overheadReport) writeTable(w io.Writer) error {
	mode := ""
	if rep.Quick {
		mode = ", --quick (counts too small for meaningful figures)"
	}
	fmt.Fprintf(w, "vigil bench overhead: %d interleaved repetition(s)%s, %.0fs\n", rep.Reps, mode, rep.Elapsed)
	fmt.Fprintf(w, "ratio = throughput with the config / without any agent, same repetition: median (min-max)\n\n")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	header := []string{"workload", "ops", "none ops/s"}
	for _, c := range rep.Configs {
		if c != cfgNone {
			header = append(header, c)
		}
	}
	fmt.Fprintln(tw, strings.Join(header, "\t"))
	for _, wr := range rep.Workloads {
		if wr.Unavailable != "" {
			fmt.Fprintf(tw, "%s\t%d\tunavailable: %s\n", wr.Name, wr.Ops, wr.Unavailable)
			continue
		}
		cells := []string{wr.Name, strconv.Itoa(wr.Ops)}
		for _, res := range wr.Results {
			if res.Config == cfgNone {
				cells = append(cells, fmt.Sprintf("%.0f", res.MedianOps))
				continue
			}
			cells = append(cells, fmt.Sprintf("%.3f (%.3f-%.3f)", res.RatioMedian, res.RatioMin, res.RatioMax))
		}
		fmt.Fprintln(tw, strings.Join(cells, "\t"))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, c := range slices.Sorted(maps.Keys(rep.UnavailableConfigs)) {
		fmt.Fprintf(w, "%s: unavailable: %s\n", c, rep.UnavailableConfigs[c])
	}
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "agent\truns\tevents\tkernel records\tkernel lost\tdecode errors\toutput errors\tcommand")
	for _, a := range rep.Agents {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%d\t%s\n", a.Config, a.Runs, a.Events, a.KernelRecords,
			a.KernelLost, a.DecodeErrors, a.OutputErrors, agentCommand(a))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w, "\n(agent counters are summed over its runs; the floor records nothing; auditd's events are the audit\n"+
		"serial numbers used while its rule was loaded, its kernel lost the growth of `auditctl -s`'s lost)")
	for _, wr := range rep.Workloads {
		fmt.Fprintf(w, "  %s: %s\n", wr.Name, wr.Description)
	}
	return nil
}
