package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime/pprof"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/vigil-sec/vigil/internal/config"
	"github.com/vigil-sec/vigil/internal/container"
	"github.com/vigil-sec/vigil/internal/engine"
	"github.com/vigil-sec/vigil/internal/event"
	"github.com/vigil-sec/vigil/internal/host"
	"github.com/vigil-sec/vigil/internal/metrics"
	"github.com/vigil-sec/vigil/internal/output"
	"github.com/vigil-sec/vigil/internal/pipeline"
	"github.com/vigil-sec/vigil/internal/respond"
	"github.com/vigil-sec/vigil/internal/rules"
	"github.com/vigil-sec/vigil/internal/sensor/kernel"
	"github.com/vigil-sec/vigil/internal/state"
)

func newRunCmd(stdout, stderr io.Writer) *cobra.Command {
	var flags *config.Flags
	var cpuprofile string
	cmd := &cobra.Command{
		Use:   "run",
		Short: "Run the agent: watch every process on this host",
		Long: "run loads Vigil's BPF programs (root required), seeds the process table from /proc and\n" +
			"follows every exec, clone and exit with full ancestry. It logs a line containing\n" +
			"\"ready\" on stderr once every sensor is attached; SIGINT or SIGTERM stop it after\n" +
			"detaching and draining. With --events it prints each event as one JSON object per\n" +
			"line on stdout (docs/events.md).\n\n" +
			"Settings come from the configuration file (" + config.DefaultPath + " when it exists, or\n" +
			"--config FILE; docs/configuration.md); each flag given wins over the file's key.\n\n" +
			"Alerts from the rules (-r, or the built-in ruleset) go to the configured outputs; by\n" +
			"default to stdout, as Falco's output lines or, with --json, as Falco's alert JSON; with\n" +
			"--events they go to stderr so that stdout stays a clean recording. A ruleset with errors\n" +
			"stops the agent from starting unless --allow-broken-rules is given (the broken rules are\n" +
			"then left out).",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := flags.Load()
			if err != nil {
				return err
			}
			if cpuprofile != "" {
				stop, err := startCPUProfile(cpuprofile)
				if err != nil {
					return err
				}
				defer stop()
			}
			return runAgent(cmd.Context(), cfg, flags.Load, cfg.Log.NewLogger(stderr), stdout, stderr)
		},
	}
	flags = config.AddFlags(cmd.Flags())
	cmd.Flags().StringVar(&cpuprofile, "cpuprofile", "", "write a Go CPU profile of the agent to this file (go tool pprof), for performance work")
	return cmd
}

// startCPUProfile profiles this process into path until stop is called.
func startCPUProfile(path string) (stop func(), err error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("--cpuprofile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("--cpuprofile: %w", err)
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}, nil
}

// runAgent runs the agent with cfg until ctx ends; reload reads the
// configuration again (the file and the flags) for a reload.
func runAgent(ctx context.Context, cfg *config.Config, reload func() (*config.Config, error), log *slog.Logger, stdout, stderr io.Writer) error {
	if src := cfg.Source(); src != "" {
		log.Info("configuration", "file", src)
	}
	outs, err := openOutputs(cfg, stdout, stderr, log)
	if err != nil {
		return err
	}
	defer func() {
		if err := outs.Close(); err != nil {
			log.Warn("closing alert outputs", "err", err)
		}
	}()
	rf := &ruleFlags{paths: cfg.Rules.Files, matching: cfg.Rules.Matching, allowBroken: cfg.Rules.AllowBroken}
	detector, eng, alertSinks, err := buildDetector(rf, []engine.AlertSink{outs.sink}, true, log)
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
		GracePeriod:  cfg.ProcessTable.ExitGrace,
		MaxProcesses: cfg.ProcessTable.MaxProcesses,
		MaxAncestors: cfg.ProcessTable.Ancestors,
		Logger:       log,
	})
	// A non-nil empty list asks no CRI socket (nil would mean the defaults).
	criSockets := append([]string{}, cfg.Containers.CRISockets...)
	containers, err := startContainers(ctx, log, container.DetectOptions{CRISockets: criSockets, DockerSocket: cfg.Containers.DockerSocket})
	if err != nil {
		return err
	}
	defer containers.Close()

	enforceOpts := &enforceFlags{policies: cfg.Policies.Files, timeout: cfg.Policies.DecisionTimeout, failClosed: cfg.Policies.FailClosed}
	enf, err := startEnforcement(ctx, enforceOpts, log, hostname, containers.cache, alertSinks)
	if err != nil {
		return err
	}
	if enf != nil {
		defer enf.Close()
	}

	var stages []pipeline.Sink
	if cfg.Events.Stdout {
		stages = append(stages, output.NewJSONEvents(stdout))
	}
	stages = append(stages, detector)
	if enf != nil {
		stages = append(stages, enf)
	}
	p := pipeline.New(log, []pipeline.Enricher{table, containers.enricher}, stages)
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

	wd := metrics.NewWatchdog(watchdogAge(cfg.Sensor.PollInterval))
	sensor, err := kernel.New(kernel.Options{
		Host:            hostname,
		BootID:          &bootID,
		Clock:           &clock,
		RingBufferBytes: uint32(cfg.Sensor.RingBufferBytes),
		WakeupBytes:     int64(cfg.Sensor.WakeupBytes),
		PollInterval:    cfg.Sensor.PollInterval,
		Syscalls:        syscalls,
		FileFilter:      fileFilter(detector, cfg.Events.Stdout || cfg.Sensor.NoFileCache),
		ConnectFamilies: connectFamilies(detector.Engine(), cfg.Events.Stdout),
		SocketFamilies:  socketFamilies(detector.Engine(), cfg.Events.Stdout),
		// The pipeline keeps no event past Handle: the detector's alerts
		// carry copies, the other stages copy what they keep.
		ReuseEvents: true,
		OnIdle:      func() { wd.Beat(); run.Flush() },
		Logger:      log,
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
	msrv, err := startMetrics(cfg.Metrics, log, wd, p, sensor, table, containers, detector, enf, outs)
	if err != nil {
		return err
	}
	if msrv != nil {
		defer msrv.Close()
	}
	log.Info("vigil ready", "version", versionString(), "host", hostname,
		"seeded_processes", seeded, "syscalls", typeNames(sensor.Captured()), "events_to_stdout", cfg.Events.Stdout, "outputs", outputNames(cfg), "pid", os.Getpid())

	statsDone := make(chan struct{})
	statsCtx, stopStats := context.WithCancel(ctx)
	go func() {
		defer close(statsDone)
		logStats(statsCtx, cfg.Log.StatsInterval, log, p, sensor, table, outs)
	}()
	feedCtx, stopFeed := context.WithCancel(ctx)
	var bg sync.WaitGroup
	if enf != nil {
		enf.feed(feedCtx, 2*cfg.Sensor.PollInterval+50*time.Millisecond, run.Handle)
	}
	rl := &reloader{log: log, load: reload, detector: detector, sensor: sensor, enf: enf, cfg: cfg, allEvents: cfg.Events.Stdout}
	bg.Go(func() { rl.run(feedCtx, cfg.Reload.WatchFiles) })
	bg.Go(func() { outs.run(feedCtx, log) })
	err = run.Run(ctx, sensor)
	stopFeed()
	if enf != nil {
		// The decisions still queued are reported, not lost at stop.
		enf.waitFed()
		run.Flush()
	}
	bg.Wait()
	stopStats()
	<-statsDone
	logCounters(log, "vigil stopped", p, sensor, table, outs)
	return err
}

func logStats(ctx context.Context, every time.Duration, log *slog.Logger, p *pipeline.Pipeline, s *kernel.Sensor, t *state.Table, outs *alertOutputs) {
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
			logCounters(log, "vigil stats", p, s, t, outs)
		}
	}
}

func logCounters(log *slog.Logger, msg string, p *pipeline.Pipeline, s *kernel.Sensor, t *state.Table, outs *alertOutputs) {
	pc, sc, tc := p.Counts(), s.Stats(), t.Stats()
	log.Info(msg, "events", pc.Events, "by_type", pc.ByType, "kernel_records", sc.Records,
		"kernel_lost", sc.Lost, "files_cached", sc.FilesCached, "decode_errors", sc.DecodeErrors, "output_errors", pc.SinkErrors,
		"processes", t.Len(), "table", fmt.Sprintf("%+v", tc))
	outs.logStats(log)
}

// buildDetector loads and compiles the rules and returns the detection
// stage writing alerts to sinks. Rules with errors refuse to start unless
// f.allowBroken.
func buildDetector(f *ruleFlags, sinks []engine.AlertSink, act bool, log *slog.Logger) (*engine.Detector, *engine.Engine, []engine.AlertSink, error) {
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
	// Rules' response actions (actions: [kill]) run before the alert is
	// written, which records what was done.
	// A replay (act false) never acts on the live host.
	if !act {
		return engine.NewDetector(l.engine, log, sinks...), l.engine, sinks, nil
	}
	actor := respond.NewActor(respond.ActorOptions{Sinks: sinks})
	return engine.NewDetector(l.engine, log, actor), l.engine, sinks, nil
}

// stdoutAlerts is where alerts go without a configuration (replay): stdout,
// or stderr when events take stdout; Falco's JSON or its output lines.
func stdoutAlerts(asJSON, events bool, stdout, stderr io.Writer) engine.AlertSink {
	w := stdout
	if events {
		w = stderr
	}
	if asJSON {
		return output.NewFalcoJSON(w)
	}
	return output.NewTextAlerts(w)
}

func outputNames(cfg *config.Config) []string {
	var names []string
	for _, o := range cfg.EnabledOutputs() {
		names = append(names, o.Name)
	}
	return names
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
func fileFilter(d *engine.Detector, allEvents bool) func(*event.Event) bool {
	if allEvents {
		return nil
	}
	// The detector's engine at the time of asking: a reload replaces it
	// (and resets the kernel's cached verdicts).
	return func(ev *event.Event) bool { return d.Engine().FileVerdict(ev) }
}

// connectFamilies is the kernel sensor's connect filter: the socket
// families some rule can match (engine.ConnectFamilies); every family
// (0) when every event is printed.
func connectFamilies(e *engine.Engine, allEvents bool) uint64 {
	if allEvents {
		return 0
	}
	return e.ConnectFamilies()
}

// socketFamilies is the kernel sensor's socket(2) filter
// (engine.SocketFamilies); every family (0) when every event is printed.
func socketFamilies(e *engine.Engine, allEvents bool) uint64 {
	if allEvents {
		return 0
	}
	return e.SocketFamilies()
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
