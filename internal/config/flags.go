package config

import (
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/pflag"
)

// Flags are `vigil run`'s command-line flags. Each one sets a
// configuration key (its help says which) and, when given, wins over the
// file; a flag not given leaves the file's value alone.
type Flags struct {
	fs   *pflag.FlagSet
	path string

	events, noFileCache, json, allowBroken, failClosed bool
	rules, policies, criSockets                        []string
	matching, alertsFile, dockerSocket                 string
	ancestors, maxProcesses                            int
	exitGrace, pollInterval, statsInterval, enfTimeout time.Duration
	ringBytes, wakeupBytes                             Size
}

// AddFlags registers the flags on fs (`vigil run`'s flag set), with the
// built-in defaults for their help.
func AddFlags(fs *pflag.FlagSet) *Flags {
	d := Default()
	f := &Flags{fs: fs, ringBytes: d.Sensor.RingBufferBytes, wakeupBytes: d.Sensor.WakeupBytes}
	fs.StringVar(&f.path, "config", "", "configuration file (docs/configuration.md); default "+DefaultPath+" when it exists")
	fs.BoolVar(&f.events, "events", d.Events.Stdout, "print every event as a JSON line on stdout (events.stdout)")
	fs.BoolVar(&f.noFileCache, "no-file-cache", d.Sensor.NoFileCache, "report every open to the rules, even of files no rule can match (sensor.no_file_cache)")
	fs.BoolVar(&f.json, "json", false, "print alerts as Falco's alert JSON, one per line (format json on the stdout outputs)")
	fs.BoolVar(&f.allowBroken, "allow-broken-rules", d.Rules.AllowBroken, "start even when some rules have errors, leaving them out (rules.allow_broken)")
	fs.StringArrayVarP(&f.rules, "rules", "r", nil, "rules file or directory (repeatable, loaded in order); \"builtin\" names the built-in ruleset (-r builtin -r mine.yaml extends it) (rules.files; default: builtin)")
	fs.StringVar(&f.matching, "rule-matching", d.Rules.Matching, "all: every matching rule fires; first: only the first in rule order (rules.matching)")
	fs.IntVar(&f.ancestors, "ancestors", d.ProcessTable.Ancestors, "most ancestors listed per event, parent first (process_table.ancestors)")
	fs.IntVar(&f.maxProcesses, "max-processes", d.ProcessTable.MaxProcesses, "bound on the process table, live and recently exited (process_table.max_processes)")
	fs.DurationVar(&f.exitGrace, "exit-grace", d.ProcessTable.ExitGrace, "how long an exited process stays resolvable for late events (process_table.exit_grace)")
	fs.Var(&f.ringBytes, "ring-buffer-bytes", "kernel ring buffer size, a power of two: bytes or 8MiB (sensor.ring_buffer_bytes)")
	fs.Var(&f.wakeupBytes, "wakeup-bytes", "queued bytes that wake the reader at once: bytes or 256KiB; -1: every event (sensor.wakeup_bytes)")
	fs.DurationVar(&f.pollInterval, "poll-interval", d.Sensor.PollInterval, "longest an event waits in the ring buffer when the host is quiet (sensor.poll_interval)")
	fs.DurationVar(&f.statsInterval, "stats-interval", d.Log.StatsInterval, "how often to log counters; 0: never (log.stats_interval)")
	fs.StringArrayVar(&f.criSockets, "cri-socket", nil, "a CRI runtime socket to read container metadata from (repeatable; replaces containers.cri_sockets)")
	fs.StringVar(&f.alertsFile, "alerts-file", "", "also append every alert, as Falco's alert JSON, to this file (adds a file output named alerts-file)")
	fs.StringArrayVar(&f.policies, "policy", nil, "a prevention policy file or directory (repeatable; replaces policies.files; docs/policies.md)")
	fs.DurationVar(&f.enfTimeout, "enforce-timeout", d.Policies.DecisionTimeout, "longest an open or exec waits for a policy decision (policies.decision_timeout)")
	fs.BoolVar(&f.failClosed, "enforce-fail-closed", d.Policies.FailClosed, "deny opens and execs a policy decision did not answer in time (policies.fail_closed)")
	fs.StringVar(&f.dockerSocket, "docker-socket", d.Containers.DockerSocket, "Docker's API socket, used for container metadata when its daemon answers (containers.docker_socket)")
	return f
}

// Path is the --config value ("" when not given).
func (f *Flags) Path() string { return f.path }

// Load reads the configuration file (--config, or DefaultPath when it
// exists), lays the given flags over it and checks the result.
func (f *Flags) Load() (*Config, error) {
	c, err := Load(f.path)
	if err != nil {
		return nil, err
	}
	if err := f.Apply(c); err != nil {
		return nil, err
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return c, nil
}

// binding is one flag and the key it sets.
type binding struct {
	flag, key string
	set       func(c *Config)
}

func (f *Flags) bindings() []binding {
	return []binding{
		{"events", "events.stdout", func(c *Config) { c.Events.Stdout = f.events }},
		{"no-file-cache", "sensor.no_file_cache", func(c *Config) { c.Sensor.NoFileCache = f.noFileCache }},
		{"allow-broken-rules", "rules.allow_broken", func(c *Config) { c.Rules.AllowBroken = f.allowBroken }},
		{"rules", "rules.files", func(c *Config) { c.Rules.Files = append([]string{}, f.rules...) }},
		{"rule-matching", "rules.matching", func(c *Config) { c.Rules.Matching = f.matching }},
		{"ancestors", "process_table.ancestors", func(c *Config) { c.ProcessTable.Ancestors = f.ancestors }},
		{"max-processes", "process_table.max_processes", func(c *Config) { c.ProcessTable.MaxProcesses = f.maxProcesses }},
		{"exit-grace", "process_table.exit_grace", func(c *Config) { c.ProcessTable.ExitGrace = f.exitGrace }},
		{"ring-buffer-bytes", "sensor.ring_buffer_bytes", func(c *Config) { c.Sensor.RingBufferBytes = f.ringBytes }},
		{"wakeup-bytes", "sensor.wakeup_bytes", func(c *Config) { c.Sensor.WakeupBytes = f.wakeupBytes }},
		{"poll-interval", "sensor.poll_interval", func(c *Config) { c.Sensor.PollInterval = f.pollInterval }},
		{"stats-interval", "log.stats_interval", func(c *Config) { c.Log.StatsInterval = f.statsInterval }},
		{"cri-socket", "containers.cri_sockets", func(c *Config) { c.Containers.CRISockets = append([]string{}, f.criSockets...) }},
		{"policy", "policies.files", func(c *Config) { c.Policies.Files = append([]string{}, f.policies...) }},
		{"enforce-timeout", "policies.decision_timeout", func(c *Config) { c.Policies.DecisionTimeout = f.enfTimeout }},
		{"enforce-fail-closed", "policies.fail_closed", func(c *Config) { c.Policies.FailClosed = f.failClosed }},
		{"docker-socket", "containers.docker_socket", func(c *Config) { c.Containers.DockerSocket = f.dockerSocket }},
		// The root command's persistent flags, merged into fs by cobra
		// when the command runs.
		{"log-level", "log.level", func(c *Config) { c.Log.Level = f.fs.Lookup("log-level").Value.String() }},
		{"log-format", "log.format", func(c *Config) { c.Log.Format = f.fs.Lookup("log-format").Value.String() }},
	}
}

// Apply lays the flags given on the command line over c. --json sets
// format json on every stdout and stderr output; --alerts-file adds a
// file output named alerts-file (JSON, never rotated). It fails only when
// a flag has nothing to apply to; Validate checks the values.
func (f *Flags) Apply(c *Config) error {
	if c.src == nil {
		c.src = newSource("")
	}
	for _, b := range f.bindings() {
		if fl := f.fs.Lookup(b.flag); fl == nil || !fl.Changed {
			continue
		}
		b.set(c)
		c.src.setByFlag(b.key, "--"+b.flag)
	}
	if f.fs.Changed("json") && f.json {
		n := 0
		for i := range c.Outputs {
			if o := &c.Outputs[i]; o.Type == TypeStdout || o.Type == TypeStderr {
				o.Format = FormatJSON
				c.src.setByFlag(fmt.Sprintf("outputs[%d].format", i), "--json")
				n++
			}
		}
		if n == 0 {
			return fmt.Errorf("--json: the configuration (%s) has no stdout output to print JSON to", orDefaults(c.Source()))
		}
	}
	if f.fs.Changed("alerts-file") {
		p := f.alertsFile
		if p != "" {
			abs, err := filepath.Abs(p)
			if err != nil {
				return fmt.Errorf("--alerts-file: %w", err)
			}
			p = abs
		}
		o := DefaultOutput(TypeFile)
		o.Name, o.Format = "alerts-file", FormatJSON
		o.File.Path, o.File.MaxSize = p, 0
		c.Outputs = append(c.Outputs, o)
		c.src.setByFlag(fmt.Sprintf("outputs[%d]", len(c.Outputs)-1), "--alerts-file")
	}
	return nil
}

func orDefaults(src string) string {
	if src == "" {
		return "built-in defaults"
	}
	return src
}

// setByFlag records that flag set key: the file's positions of key and
// of what was below it no longer apply.
func (s *source) setByFlag(key, flag string) {
	for p := range s.pos {
		if p == key || strings.HasPrefix(p, key+".") || strings.HasPrefix(p, key+"[") {
			delete(s.pos, p)
		}
	}
	s.flags[key] = flag
}
