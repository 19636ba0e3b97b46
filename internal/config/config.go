package config

import (
	"io"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/vigil-sec/vigil/internal/rules"
)

// DefaultPath is where the agent looks for its configuration when
// --config is not given. Its absence is not an error.
const DefaultPath = "/etc/vigil/vigil.yaml"

// BuiltinRules, in rules.files, names the ruleset built into the binary,
// so that a file of one's own can extend it: [builtin, /etc/vigil/mine.yaml].
const BuiltinRules = "builtin"

// Config is the whole configuration of `vigil run`. The yaml tags are the
// file's keys; docs/configuration.md documents each.
type Config struct {
	Rules        Rules        `yaml:"rules"`
	Policies     Policies     `yaml:"policies"`
	Sensor       Sensor       `yaml:"sensor"`
	ProcessTable ProcessTable `yaml:"process_table"`
	Containers   Containers   `yaml:"containers"`
	Log          Log          `yaml:"log"`
	Outputs      []Output     `yaml:"outputs"`
	Events       Events       `yaml:"events"`
	Aggregation  Aggregation  `yaml:"aggregation"`
	Metrics      Metrics      `yaml:"metrics"`
	Reload       Reload       `yaml:"reload"`

	// src says where each key's value came from, for messages.
	src *source
}

// Rules says which detection rules to load.
type Rules struct {
	// Files are rule files or directories (their *.yaml and *.yml files
	// in name order), loaded in order; BuiltinRules names the built-in
	// set.
	Files []string `yaml:"files"`
	// Matching is "all" (every matching rule fires) or "first" (only the
	// first in rule order).
	Matching string `yaml:"matching"`
	// AllowBroken starts the agent even when some rules have errors,
	// leaving those rules out.
	AllowBroken bool `yaml:"allow_broken"`
}

// Policies says which prevention policies to enforce.
type Policies struct {
	// Files are policy files or directories; none enforces nothing.
	Files []string `yaml:"files"`
	// DecisionTimeout is the longest an open or exec waits for a policy
	// decision; then it is allowed, or denied when FailClosed.
	DecisionTimeout time.Duration `yaml:"decision_timeout"`
	// FailClosed denies what a decision did not answer in time.
	FailClosed bool `yaml:"fail_closed"`
}

// Sensor tunes the kernel sensor.
type Sensor struct {
	// RingBufferBytes is the kernel ring buffer's size, a power of two.
	RingBufferBytes Size `yaml:"ring_buffer_bytes"`
	// WakeupBytes is how much queued data wakes the reader at once; -1
	// wakes it at every record.
	WakeupBytes Size `yaml:"wakeup_bytes"`
	// PollInterval is the longest a record waits in the ring buffer when
	// the host is quiet.
	PollInterval time.Duration `yaml:"poll_interval"`
	// NoFileCache reports every open to the rules, even of files no rule
	// can match (the kernel's file verdict cache off).
	NoFileCache bool `yaml:"no_file_cache"`
}

// ProcessTable bounds the process table.
type ProcessTable struct {
	// MaxProcesses bounds the table (live and recently exited processes).
	MaxProcesses int `yaml:"max_processes"`
	// Ancestors is the most ancestors listed per event, parent first.
	Ancestors int `yaml:"ancestors"`
	// ExitGrace is how long an exited process stays resolvable for late
	// events.
	ExitGrace time.Duration `yaml:"exit_grace"`
}

// Containers says where container metadata comes from.
type Containers struct {
	// CRISockets are the CRI runtime sockets asked for container metadata,
	// in order; empty asks none.
	CRISockets []string `yaml:"cri_sockets"`
	// DockerSocket is Docker's API socket, used when its daemon answers.
	DockerSocket string `yaml:"docker_socket"`
}

// Log configures the agent's own log, on stderr.
type Log struct {
	// Level is debug, info, warn or error.
	Level string `yaml:"level"`
	// Format is text or json.
	Format string `yaml:"format"`
	// StatsInterval is how often counters are logged; 0 never.
	StatsInterval time.Duration `yaml:"stats_interval"`
}

// SlogLevel is Level as a slog.Level (info when Level is not valid).
func (l Log) SlogLevel() slog.Level {
	switch strings.ToLower(l.Level) {
	case "debug":
		return slog.LevelDebug
	case "warn":
		return slog.LevelWarn
	case "error":
		return slog.LevelError
	}
	return slog.LevelInfo
}

// NewLogger returns the logger Log describes, writing to w.
func (l Log) NewLogger(w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: l.SlogLevel()}
	if strings.EqualFold(l.Format, "json") {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// OutputType is the kind of an output.
type OutputType string

// The output types.
const (
	TypeStdout  OutputType = "stdout"
	TypeStderr  OutputType = "stderr"
	TypeFile    OutputType = "file"
	TypeSyslog  OutputType = "syslog"
	TypeHTTP    OutputType = "http"
	TypeProgram OutputType = "program"
)

// OutputTypes lists the output types, in documentation order.
func OutputTypes() []OutputType {
	return []OutputType{TypeStdout, TypeStderr, TypeFile, TypeSyslog, TypeHTTP, TypeProgram}
}

// Format is how an output writes an alert.
type Format string

// The formats.
const (
	// FormatText is Falco's output line: time, priority, the rule's output.
	FormatText Format = "text"
	// FormatJSON is Falco's alert JSON, one object per line.
	FormatJSON Format = "json"
	// FormatOCSF is an OCSF Detection Finding, one object per line.
	FormatOCSF Format = "ocsf"
)

// Formats lists the formats.
func Formats() []Format { return []Format{FormatText, FormatJSON, FormatOCSF} }

// Output is one place alerts go. Exactly the block of its type (File,
// Syslog, HTTP, Program) is set; stdout and stderr have none.
type Output struct {
	// Name identifies the output in logs and metrics; unique. Derived from
	// the type when not given (stdout; file, file-2, ... when several).
	Name string     `yaml:"name"`
	Type OutputType `yaml:"type"`
	// Format defaults to json for http, text otherwise.
	Format Format `yaml:"format"`
	// MinPriority: alerts less severe than this are not written here.
	MinPriority rules.Priority `yaml:"min_priority"`
	// Enabled false keeps the output configured but unused.
	Enabled bool `yaml:"enabled"`
	// QueueSize bounds the alerts waiting for this output; beyond it they
	// are dropped and counted, so a slow output never stalls detection.
	QueueSize int `yaml:"queue_size"`

	File    *FileOutput    `yaml:"file"`
	Syslog  *SyslogOutput  `yaml:"syslog"`
	HTTP    *HTTPOutput    `yaml:"http"`
	Program *ProgramOutput `yaml:"program"`
}

// FileOutput appends alerts to a file, rotating it by size.
type FileOutput struct {
	Path string `yaml:"path"`
	// MaxSize rotates the file once it would grow beyond this; 0 never
	// rotates.
	MaxSize Size `yaml:"max_size"`
	// MaxFiles is how many rotated files are kept (path.1 newest).
	MaxFiles int `yaml:"max_files"`
}

// SyslogOutput sends alerts to a syslog server.
type SyslogOutput struct {
	// Network is unix, unixgram, udp, tcp or tls.
	Network string `yaml:"network"`
	// Address is a socket path (unix, unixgram) or host:port.
	Address  string `yaml:"address"`
	Facility string `yaml:"facility"`
	AppName  string `yaml:"app_name"`
	// TLS applies to network tls only.
	TLS TLS `yaml:"tls"`
}

// HTTPOutput posts each alert to a URL.
type HTTPOutput struct {
	URL     string            `yaml:"url"`
	Headers map[string]string `yaml:"headers"`
	// Timeout bounds one request.
	Timeout time.Duration `yaml:"timeout"`
	// Retries is how many times a failed request is tried again.
	Retries int `yaml:"retries"`
	// Backoff is the wait before the first retry, doubled at each next.
	Backoff time.Duration `yaml:"backoff"`
	// TLS applies to https URLs only.
	TLS TLS `yaml:"tls"`
}

// TLS is a TLS client's settings. The zero value verifies the server
// against the system's roots.
type TLS struct {
	CAFile             string `yaml:"ca_file"`
	CertFile           string `yaml:"cert_file"`
	KeyFile            string `yaml:"key_file"`
	InsecureSkipVerify bool   `yaml:"insecure_skip_verify"`
}

// ProgramOutput writes alerts to a program's standard input.
type ProgramOutput struct {
	// Command is run by /bin/sh -c.
	Command string `yaml:"command"`
	// KeepAlive runs the program once and feeds it every alert; otherwise
	// it runs once per alert.
	KeepAlive bool `yaml:"keep_alive"`
}

// Events says where raw events go.
type Events struct {
	// Stdout prints every event as a JSON line on stdout (docs/events.md);
	// stdout outputs then write to stderr instead, so that stdout stays a
	// clean recording.
	Stdout bool `yaml:"stdout"`
}

// Aggregation folds repeated alerts.
type Aggregation struct {
	Enabled bool `yaml:"enabled"`
	// Window: within it, an alert of the same rule, process and output
	// fields as an earlier one is counted, not written again.
	Window time.Duration `yaml:"window"`
}

// Metrics configures the HTTP listener of the metrics and health
// endpoints.
type Metrics struct {
	Enabled bool `yaml:"enabled"`
	// Listen is host:port; a non-loopback host needs AllowRemote.
	Listen string `yaml:"listen"`
	// Path serves Prometheus metrics; HealthPath answers liveness probes.
	Path       string `yaml:"path"`
	HealthPath string `yaml:"health_path"`
	// AllowRemote permits listening on a non-loopback address: the
	// endpoints have no authentication.
	AllowRemote bool `yaml:"allow_remote"`
}

// Reload says when the agent re-reads its files (SIGHUP always does).
type Reload struct {
	// WatchFiles reloads when the configuration, rule or policy files
	// change.
	WatchFiles bool `yaml:"watch_files"`
}

// Default returns the built-in configuration.
func Default() *Config {
	return &Config{
		Rules: Rules{
			Files:    []string{BuiltinRules},
			Matching: "all",
		},
		Policies: Policies{
			Files:           []string{},
			DecisionTimeout: 500 * time.Millisecond,
		},
		Sensor: Sensor{
			RingBufferBytes: 8 * MiB,
			WakeupBytes:     256 * KiB,
			PollInterval:    50 * time.Millisecond,
		},
		ProcessTable: ProcessTable{
			MaxProcesses: 65536,
			Ancestors:    32,
			ExitGrace:    30 * time.Second,
		},
		Containers: Containers{
			CRISockets: []string{
				"/run/containerd/containerd.sock",
				"/run/k3s/containerd/containerd.sock",
				"/run/crio/crio.sock",
			},
			DockerSocket: "/var/run/docker.sock",
		},
		Log: Log{
			Level:         "info",
			Format:        "text",
			StatsInterval: time.Minute,
		},
		Outputs: []Output{DefaultOutput(TypeStdout)},
		Aggregation: Aggregation{
			Enabled: true,
			Window:  10 * time.Second,
		},
		Metrics: Metrics{
			Listen:     "127.0.0.1:9464",
			Path:       "/metrics",
			HealthPath: "/healthz",
		},
		Reload: Reload{WatchFiles: true},
	}
}

// DefaultOutput returns an output of type t with every default set,
// including its type's block; Name is derived as for a lone output of
// its type.
func DefaultOutput(t OutputType) Output {
	o := Output{
		Name:        string(t),
		Type:        t,
		Format:      FormatText,
		MinPriority: rules.Debug,
		Enabled:     true,
		QueueSize:   4096,
	}
	switch t {
	case TypeFile:
		o.File = &FileOutput{MaxSize: 100 * MiB, MaxFiles: 5}
	case TypeSyslog:
		o.Syslog = &SyslogOutput{Network: "unixgram", Address: "/dev/log", Facility: "daemon", AppName: "vigil"}
	case TypeHTTP:
		o.Format = FormatJSON
		o.HTTP = &HTTPOutput{Headers: map[string]string{}, Timeout: 10 * time.Second, Retries: 3, Backoff: time.Second}
	case TypeProgram:
		o.Program = &ProgramOutput{}
	}
	return o
}

// Source is the file the configuration was read from, "" when none.
func (c *Config) Source() string {
	if c.src == nil {
		return ""
	}
	return c.src.file
}

// EnabledOutputs returns the outputs whose Enabled is true.
func (c *Config) EnabledOutputs() []Output {
	var out []Output
	for _, o := range c.Outputs {
		if o.Enabled {
			out = append(out, o)
		}
	}
	return out
}

// Clone returns a deep copy of c.
func (c *Config) Clone() *Config {
	n := *c
	n.Rules.Files = slices.Clone(c.Rules.Files)
	n.Policies.Files = slices.Clone(c.Policies.Files)
	n.Containers.CRISockets = slices.Clone(c.Containers.CRISockets)
	n.Outputs = make([]Output, len(c.Outputs))
	for i, o := range c.Outputs {
		if o.File != nil {
			f := *o.File
			o.File = &f
		}
		if o.Syslog != nil {
			s := *o.Syslog
			o.Syslog = &s
		}
		if o.HTTP != nil {
			h := *o.HTTP
			h.Headers = maps.Clone(h.Headers)
			o.HTTP = &h
		}
		if o.Program != nil {
			p := *o.Program
			o.Program = &p
		}
		n.Outputs[i] = o
	}
	if c.src != nil {
		n.src = c.src.clone()
	}
	return &n
}

// RestartNeeded lists the sections whose settings differ between c and
// next and take effect only when the agent starts: a reload applies
// rules, policies, outputs, events and aggregation, and must warn about
// these.
func (c *Config) RestartNeeded(next *Config) []string {
	var out []string
	if c.Sensor != next.Sensor {
		out = append(out, "sensor")
	}
	if c.ProcessTable != next.ProcessTable {
		out = append(out, "process_table")
	}
	if !slices.Equal(c.Containers.CRISockets, next.Containers.CRISockets) || c.Containers.DockerSocket != next.Containers.DockerSocket {
		out = append(out, "containers")
	}
	if c.Log != next.Log {
		out = append(out, "log")
	}
	if c.Metrics != next.Metrics {
		out = append(out, "metrics")
	}
	if c.Reload != next.Reload {
		out = append(out, "reload")
	}
	return out
}
