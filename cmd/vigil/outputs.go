package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/vigil-sec/vigil/internal/aggregate"
	"github.com/vigil-sec/vigil/internal/config"
	"github.com/vigil-sec/vigil/internal/engine"
	"github.com/vigil-sec/vigil/internal/ocsf"
	"github.com/vigil-sec/vigil/internal/output"
	"github.com/vigil-sec/vigil/internal/rules"
)

// alertOutputs are the configured outputs, each behind its own queue
// (output.Async), and the flood aggregator in front of them all.
type alertOutputs struct {
	set *output.Set
	agg *aggregate.Aggregator // nil when aggregation is off
	// sink is what the detector and the enforcement reporter write to:
	// the aggregator, or the outputs directly.
	sink engine.AlertSink
}

// formatter returns the alert formatter a configured format names.
func formatter(f config.Format) (output.Formatter, error) {
	switch f {
	case config.FormatOCSF:
		return ocsf.Formatter{ProductVersion: versionString()}, nil
	case config.FormatJSON:
		return output.JSONFormat{}, nil
	case config.FormatText, "":
		return output.TextFormat{}, nil
	}
	return nil, fmt.Errorf("unknown format %q", f)
}

// openOutputs builds every enabled output of cfg: stdout and stderr
// (stdout outputs write to stderr when events go to stdout), files with
// rotation, syslog, HTTP webhooks and programs. Each runs on a goroutine
// of its own behind a bounded queue, so a slow or dead output never blocks
// detection or the others; what it drops is counted.
func openOutputs(cfg *config.Config, stdout, stderr io.Writer, log *slog.Logger) (*alertOutputs, error) {
	outs := &output.Set{}
	fail := func(err error) (*alertOutputs, error) {
		_ = outs.Close()
		return nil, err
	}
	for _, o := range cfg.EnabledOutputs() {
		f, err := formatter(o.Format)
		if err != nil {
			return fail(fmt.Errorf("output %s: %w", o.Name, err))
		}
		var sink engine.AlertSink
		switch o.Type {
		case config.TypeStdout:
			w := stdout
			if cfg.Events.Stdout {
				w = stderr // stdout is the events' recording
			}
			sink = output.NewLines(w, f)
		case config.TypeStderr:
			sink = output.NewLines(stderr, f)
		case config.TypeFile:
			sink, err = output.NewFile(output.FileOptions{Path: o.File.Path, Format: f,
				MaxSize: int64(o.File.MaxSize), MaxFiles: o.File.MaxFiles, Logger: log})
		case config.TypeSyslog:
			sink, err = output.NewSyslog(output.SyslogOptions{Network: o.Syslog.Network, Address: o.Syslog.Address,
				Facility: o.Syslog.Facility, AppName: o.Syslog.AppName, Format: f, TLS: tlsOptions(o.Syslog.TLS)})
		case config.TypeHTTP:
			sink, err = output.NewHTTP(output.HTTPOptions{URL: o.HTTP.URL, Format: f, Headers: o.HTTP.Headers,
				Timeout: o.HTTP.Timeout, TLS: tlsOptions(o.HTTP.TLS), MaxAttempts: o.HTTP.Retries + 1,
				InitialBackoff: o.HTTP.Backoff})
		case config.TypeProgram:
			sink, err = output.NewProgram(output.ProgramOptions{Command: o.Program.Command,
				KeepAlive: o.Program.KeepAlive, Format: f, Logger: log})
		default:
			err = fmt.Errorf("unknown type %q", o.Type)
		}
		if err != nil {
			return fail(fmt.Errorf("output %s: %w", o.Name, err))
		}
		a, err := output.NewAsync(sink, output.AsyncOptions{Name: o.Name, QueueSize: o.QueueSize,
			MinPriority: minPriorityName(o.MinPriority), Logger: log})
		if err != nil {
			return fail(fmt.Errorf("output %s: %w", o.Name, err))
		}
		outs.Add(a)
	}
	ao := &alertOutputs{set: outs, sink: aggregate.Fanout(outs.Sinks())}
	if cfg.Aggregation.Enabled {
		ao.agg = aggregate.New(ao.sink, aggregate.Options{Window: cfg.Aggregation.Window, Now: time.Now})
		ao.sink = ao.agg
	}
	return ao, nil
}

// minPriorityName is the Async filter for p ("" takes everything).
func minPriorityName(p rules.Priority) string {
	if p >= rules.Debug {
		return ""
	}
	return strings.ToLower(p.String())
}

func tlsOptions(t config.TLS) output.TLSOptions {
	return output.TLSOptions{CAFile: t.CAFile, CertFile: t.CertFile, KeyFile: t.KeyFile, InsecureSkipVerify: t.InsecureSkipVerify}
}

// run ticks the aggregator (closing windows while alerts keep coming) and
// reopens the files on SIGUSR1, until ctx ends.
func (a *alertOutputs) run(ctx context.Context, log *slog.Logger) {
	usr1 := make(chan os.Signal, 1)
	signal.Notify(usr1, syscall.SIGUSR1)
	defer signal.Stop(usr1)
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-tick.C:
			if a.agg != nil {
				if err := a.agg.Tick(now); err != nil {
					log.Warn("alert aggregation", "err", err)
				}
			}
		case <-usr1:
			if err := a.set.Reopen(); err != nil {
				log.Warn("reopening alert files", "err", err)
			} else {
				log.Info("alert files reopened (SIGUSR1)")
			}
		}
	}
}

// Close writes the aggregator's pending summaries, then drains and closes
// every output.
func (a *alertOutputs) Close() error {
	var errs []error
	if a.agg != nil {
		errs = append(errs, a.agg.Close())
	}
	errs = append(errs, a.set.Close())
	return errors.Join(errs...)
}

// logStats logs each output's and the aggregator's counters.
func (a *alertOutputs) logStats(log *slog.Logger) {
	for _, s := range a.set.Stats() {
		log.Info("alert output", "name", s.Name, "sent", s.Sent, "failed", s.Failed, "dropped", s.Dropped,
			"filtered", s.Filtered, "retried", s.Retried, "queue", s.QueueDepth, "queue_cap", s.QueueCap)
	}
	if a.agg != nil {
		st := a.agg.Stats()
		log.Info("alert aggregation", "passed", st.Passed, "aggregated", st.Aggregated, "summaries", st.Summaries,
			"evicted", st.Evicted, "windows", st.Keys)
	}
}
