package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/vigil-sec/vigil/internal/container"
	"github.com/vigil-sec/vigil/internal/engine"
	"github.com/vigil-sec/vigil/internal/event"
	"github.com/vigil-sec/vigil/internal/host"
	"github.com/vigil-sec/vigil/internal/output"
	"github.com/vigil-sec/vigil/internal/pipeline"
	"github.com/vigil-sec/vigil/internal/respond"
	"github.com/vigil-sec/vigil/internal/rules"
	"github.com/vigil-sec/vigil/internal/sensor/kernel"
	"github.com/vigil-sec/vigil/internal/state"
)

type runFlags struct {
	rules           ruleFlags
	json            bool
	events          bool
	ancestors       int
	maxProcesses    int
	exitGrace       time.Duration
	ringBufferBytes uint32
	wakeupBytes     int64
	pollInterval    time.Duration
	statsInterval   time.Duration
	noFileCache     bool
	criSockets      []string
	dockerSocket    string
	enforce         enforceFlags
	alertsFile      string
}

func newRunCmd(g *globalFlags, stdout, stderr io.Writer) *cobra.Command {
	f := &runFlags{}
	cmd := &cobra.Command{
		Use:   "run",
		Short: "Run the agent: watch every process on this host",
		Long: "run loads Vigil's BPF programs (root required), seeds the process table from /proc and\n" +
			"follows every exec, clone and exit with full ancestry. It logs a line containing\n" +
			"\"ready\" on stderr once every sensor is attached; SIGINT or SIGTERM stop it after\n" +
			"detaching and draining. With --events it prints each event as one JSON object per\n" +
			"line on stdout (docs/events.md).\n\n" +
			"Alerts from the rules (-r, or the built-in ruleset) go to stdout, as Falco's output\n" +
			"lines or, with --json, as Falco's alert JSON; with --events they go to stderr so that\n" +
			"stdout stays a clean recording. A ruleset with errors stops the agent from starting\n" +
			"unless --allow-broken-rules is given (the broken rules are then left out).",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			log, err := g.logger(stderr)
			if err != nil {
				return err
			}
			return runAgent(cmd.Context(), f, log, stdout, stderr)
		},
	}
	fl := cmd.Flags()
	fl.BoolVar(&f.events, "events", false, "print every event as a JSON line on stdout")
	fl.BoolVar(&f.noFileCache, "no-file-cache", false, "report every open to the rules, even of files no rule can match (the kernel's file verdict cache off)")
	fl.BoolVar(&f.json, "json", false, "print alerts as Falco's alert JSON, one per line")
	fl.BoolVar(&f.rules.allowBroken, "allow-broken-rules", false, "start even when some rules have errors, leaving them out")
	addRuleFlags(fl, &f.rules)
	fl.IntVar(&f.ancestors, "ancestors", 32, "most ancestors listed per event (parent first)")
	fl.IntVar(&f.maxProcesses, "max-processes", 65536, "bound on the process table (live and recently exited)")
	fl.DurationVar(&f.exitGrace, "exit-grace", 30*time.Second, "how long an exited process stays resolvable for late events")
	fl.Uint32Var(&f.ringBufferBytes, "ring-buffer-bytes", 8<<20, "kernel ring buffer size (a power of two)")
	fl.Int64Var(&f.wakeupBytes, "wakeup-bytes", 256<<10, "queued bytes that wake the reader at once (-1: every event)")
	fl.DurationVar(&f.pollInterval, "poll-interval", 50*time.Millisecond, "longest an event waits in the ring buffer when the host is quiet")
	fl.DurationVar(&f.statsInterval, "stats-interval", time.Minute, "how often to log counters (0: never)")
	fl.StringArrayVar(&f.criSockets, "cri-socket", nil, "a CRI runtime socket to read container metadata from (repeatable; default: containerd's, k3s's and CRI-O's usual sockets)")
	fl.StringVar(&f.alertsFile, "alerts-file", "", "also append every alert, as Falco's alert JSON, to this file (vigil simulate verify reads it)")
	fl.StringArrayVar(&f.enforce.policies, "policy", nil, "a prevention policy file or directory (repeatable; docs/policies.md)")
	fl.DurationVar(&f.enforce.timeout, "enforce-timeout", 500*time.Millisecond, "longest an open or exec waits for a policy decision; then it is allowed (or denied with --enforce-fail-closed)")
	fl.BoolVar(&f.enforce.failClosed, "enforce-fail-closed", false, "deny opens and execs a policy decision did not answer in time (default: allow, so a stuck agent cannot freeze the host)")
	fl.StringVar(&f.dockerSocket, "docker-socket", container.DefaultDockerSocket, "Docker's API socket, used for container metadata when its daemon answers")
	return cmd
}

func (f *runFlags) validate() error {
	switch {
	case f.ancestors < 1:
		return fmt.Errorf("--ancestors %d: must be at least 1", f.ancestors)
	case f.maxProcesses < 1:
		return fmt.Errorf("--max-processes %d: must be at least 1", f.maxProcesses)
	case f.exitGrace < 0:
		return fmt.Errorf("--exit-grace %v: must not be negative", f.exitGrace)
	case f.pollInterval <= 0:
		return fmt.Errorf("--poll-interval %v: must be positive", f.pollInterval)
	case f.enforce.timeout <= 0:
		return fmt.Errorf("--enforce-timeout %v: must be positive", f.enforce.timeout)
	}
	return nil
}

func runAgent(ctx context.Context, f *runFlags, log *slog.Logger, stdout, stderr io.Writer) error {
	if err := f.validate(); err != nil {
		return err
	}
	var extra []engine.AlertSink
	if f.alertsFile != "" {
		af, err := os.OpenFile(f.alertsFile, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
		if err != nil {
			return fmt.Errorf("--alerts-file: %w", err)
		}
		defer af.Close()
		extra = append(extra, output.NewFalcoJSON(af))
	}
	detector, eng, alertSinks, err := buildDetector(&f.rules, f.json, f.events, true, log, stdout, stderr, extra...)
	if err != nil {
		return err
	}
	syscalls := capturedSyscalls(eng)
	hostname := host.Hostname()
	bootID, err := host.BootID("/proc")
	if err != nil {
		return err
	}
	clock, err := host.NewClock()
	if err != nil {
		return err
	}
	table := state.New(state.Config{
		ProcRoot:     "/proc",
		BootID:       bootID,
		Clock:        clock,
		GracePeriod:  f.exitGrace,
		MaxProcesses: f.maxProcesses,
		MaxAncestors: f.ancestors,
		Logger:       log,
	})
	containers, err := startContainers(ctx, log, container.DetectOptions{CRISockets: f.criSockets, DockerSocket: f.dockerSocket})
	if err != nil {
		return err
	}
	defer containers.Close()

	enf, err := startEnforcement(ctx, &f.enforce, log, hostname, containers.cache, alertSinks)
	if err != nil {
		return err
	}
	if enf != nil {
		defer enf.Close()
	}

	var sinks []pipeline.Sink
	if f.events {
		sinks = append(sinks, output.NewJSONEvents(stdout))
	}
	sinks = append(sinks, detector)
	if enf != nil {
		sinks = append(sinks, enf)
	}
	p := pipeline.New(log, []pipeline.Enricher{table, containers.enricher}, sinks)
	// Enforcement decisions join the sensor's events: the pipeline is then
	// shared between them (a lock per event); without policies the sensor
	// drives it alone.
	var run interface {
		Run(context.Context, event.Source) error
		Flush()
		Handle(*event.Event)
	} = p
	if enf != nil {
		run = pipeline.NewShared(p)
	}

	sensor, err := kernel.New(kernel.Options{
		Host:            hostname,
		BootID:          &bootID,
		Clock:           &clock,
		RingBufferBytes: f.ringBufferBytes,
		WakeupBytes:     f.wakeupBytes,
		PollInterval:    f.pollInterval,
		Syscalls:        syscalls,
		FileFilter:      fileFilter(eng, f.events || f.noFileCache),
		OnIdle:          run.Flush,
		Logger:          log,
	})
	if err != nil {
		return fmt.Errorf("%w (run `vigil doctor` to see what this host lacks)", err)
	}
	defer sensor.Close()
	// Attach first, then seed: whatever starts while /proc is read is
	// already queued in the ring buffer, so nothing falls in between.
	if err := sensor.Start(); err != nil {
		return fmt.Errorf("%w (run `vigil doctor` to see what this host lacks)", err)
	}
	seeded, err := table.Seed()
	if err != nil {
		log.Warn("process table seeding incomplete", "err", err)
	}
	log.Info("vigil ready", "version", versionString(), "host", hostname,
		"seeded_processes", seeded, "syscalls", typeNames(sensor.Captured()), "events_to_stdout", f.events, "pid", os.Getpid())

	statsDone := make(chan struct{})
	statsCtx, stopStats := context.WithCancel(ctx)
	go func() {
		defer close(statsDone)
		logStats(statsCtx, f.statsInterval, log, p, sensor, table)
	}()
	feedCtx, stopFeed := context.WithCancel(ctx)
	if enf != nil {
		enf.feed(feedCtx, 2*f.pollInterval+50*time.Millisecond, run.Handle)
		enf.watchReload(feedCtx)
	}
	err = run.Run(ctx, sensor)
	stopFeed()
	stopStats()
	<-statsDone
	logCounters(log, "vigil stopped", p, sensor, table)
	return err
}

func logStats(ctx context.Context, every time.Duration, log *slog.Logger, p *pipeline.Pipeline, s *kernel.Sensor, t *state.Table) {
	if every <= 0 {
		<-ctx.Done()
		return
	}
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			logCounters(log, "vigil stats", p, s, t)
		}
	}
}

func logCounters(log *slog.Logger, msg string, p *pipeline.Pipeline, s *kernel.Sensor, t *state.Table) {
	pc, sc, tc := p.Counts(), s.Stats(), t.Stats()
	log.Info(msg, "events", pc.Events, "by_type", pc.ByType, "kernel_records", sc.Records,
		"kernel_lost", sc.Lost, "files_cached", sc.FilesCached, "decode_errors", sc.DecodeErrors, "output_errors", pc.SinkErrors,
		"processes", t.Len(), "table", fmt.Sprintf("%+v", tc))
}

// buildDetector loads and compiles the rules and returns the detection
// stage writing alerts where the flags say. Rules with errors refuse to
// start unless allowBroken.
func buildDetector(f *ruleFlags, asJSON, events, act bool, log *slog.Logger, stdout, stderr io.Writer, extra ...engine.AlertSink) (*engine.Detector, *engine.Engine, []engine.AlertSink, error) {
	l, err := loadRules(f)
	if err != nil {
		return nil, nil, nil, err
	}
	for _, d := range l.diags {
		if d.Severity == rules.SevError {
			log.Error("rules", "problem", d.String())
		} else {
			log.Warn("rules", "problem", d.String())
		}
	}
	if n := l.errorCount(); n > 0 && !f.allowBroken {
		return nil, nil, nil, fmt.Errorf("%d error(s) in the rules (see above): fix them, or pass --allow-broken-rules to run without the broken rules", n)
	}
	log.Info("rules loaded", "summary", l.summary())
	alertsTo := stdout
	if events {
		alertsTo = stderr
	}
	var sink engine.AlertSink
	if asJSON {
		sink = output.NewFalcoJSON(alertsTo)
	} else {
		sink = output.NewTextAlerts(alertsTo)
	}
	// Rules' response actions (actions: [kill]) run before the alert is
	// written, which records what was done.
	sinks := append([]engine.AlertSink{sink}, extra...)
	// A replay (act false) never acts on the live host.
	if !act {
		return engine.NewDetector(l.engine, log, sinks...), l.engine, sinks, nil
	}
	actor := respond.NewActor(respond.ActorOptions{Sinks: sinks})
	return engine.NewDetector(l.engine, log, actor), l.engine, sinks, nil
}

// capturedSyscalls is the set of system call events the kernel must
// capture for the rules: the ones they name that the sensor supports.
// Everything else is never attached, so it costs nothing.
func capturedSyscalls(e *engine.Engine) []event.Type {
	supported := map[event.Type]bool{}
	for _, t := range kernel.SupportedSyscalls() {
		supported[t] = true
	}
	var out []event.Type
	for _, t := range e.NeededTypes() {
		if supported[t] {
			out = append(out, t)
		}
	}
	return out
}

func typeNames(ts []event.Type) []string {
	out := make([]string, 0, len(ts))
	for _, t := range ts {
		out = append(out, t.String())
	}
	return out
}

// fileFilter is the kernel sensor's file verdict filter: the engine's
// FileVerdict, so that opens of files no rule can care about stop in the
// kernel. None when every event is printed (--events) or the cache is
// turned off (--no-file-cache).
func fileFilter(eng *engine.Engine, allEvents bool) func(*event.Event) bool {
	if allEvents {
		return nil
	}
	return eng.FileVerdict
}

// containerStage is container attribution: the metadata cache and the
// pipeline stage that uses it.
type containerStage struct {
	sources  *container.Sources
	cache    *container.Cache
	enricher *container.Enricher
}

// Close stops the cache, then closes the sources' connections.
func (c *containerStage) Close() error {
	return errors.Join(c.cache.Close(), c.sources.Close())
}

// startContainers starts the container metadata cache on the OCI runtime
// state directories, discovers the containers that already run, and builds
// the enricher, which tells containers from the host by cgroup path and,
// for runtimes it does not know, by namespaces other than init's.
func startContainers(ctx context.Context, log *slog.Logger, dopts container.DetectOptions) (*containerStage, error) {
	// Sources: each CRI socket (containerd, CRI-O) and Docker's API when
	// their daemons answer, then the OCI state runc and crun keep, always.
	// The runtime APIs win where several speak; the state files fill in.
	dopts.Logger = log
	det := container.DetectSources(ctx, dopts)
	var sources []string
	for _, ep := range det.Endpoints {
		switch {
		case ep.Available:
			sources = append(sources, ep.Kind+":"+ep.Address)
		case ep.Err != nil:
			log.Warn("container metadata source unavailable", "kind", ep.Kind, "address", ep.Address, "err", ep.Err)
		}
	}
	src := det.Source
	cache := container.NewCache(container.CacheOptions{
		Source: src,
		Logger: log,
	})
	if err := cache.Start(ctx); err != nil {
		det.Close()
		return nil, fmt.Errorf("start container metadata cache: %w", err)
	}
	n, err := cache.Discover(ctx)
	if err != nil {
		log.Warn("container discovery incomplete", "err", err)
	}
	hostMnt, hostPid := host.HostNamespaces("/proc")
	log.Info("containers", "discovered", n, "metadata_sources", sources,
		"host_mnt_ns", hostMnt, "host_pid_ns", hostPid)
	return &containerStage{
		sources: det,
		cache:   cache,
		enricher: container.NewEnricher(container.EnricherOptions{
			Cache: cache, HostMntNS: hostMnt, HostPidNS: hostPid,
		}),
	}, nil
}
