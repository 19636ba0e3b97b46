package main

import (
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/spf13/cobra"

	"github.com/vigil-sec/vigil/internal/engine"
	"github.com/vigil-sec/vigil/internal/host"
	"github.com/vigil-sec/vigil/internal/output"
	"github.com/vigil-sec/vigil/internal/pipeline"
	"github.com/vigil-sec/vigil/internal/sensor/replay"
	"github.com/vigil-sec/vigil/internal/state"
)

func newReplayCmd(g *globalFlags, stdout, stderr io.Writer) *cobra.Command {
	var events, asJSON bool
	var ancestors int
	rf := &ruleFlags{}
	cmd := &cobra.Command{
		Use:   "replay FILE...",
		Short: "Feed recorded events (vigil run --events) through the pipeline, without root",
		Long: "replay reads JSON lines recorded by `vigil run --events` and runs them through the\n" +
			"same pipeline as the agent (process table, then outputs). A malformed line is\n" +
			"reported with its file and line number and skipped; the rest is still processed,\n" +
			"and the exit status is 1 if any line was malformed. \"-\" reads standard input.\n" +
			"Alerts from the rules (-r, or the built-in ruleset) go to stdout (stderr with --events).",
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			log, err := g.logger(stderr)
			if err != nil {
				return err
			}
			detector, _, _, err := buildDetector(rf, []engine.AlertSink{stdoutAlerts(asJSON, events, stdout, stderr)}, false, log)
			if err != nil {
				return err
			}
			return runReplay(cmd, args, events, ancestors, detector, log, stdout)
		},
	}
	cmd.Flags().BoolVar(&events, "events", false, "print every replayed event as a JSON line on stdout")
	cmd.Flags().IntVar(&ancestors, "ancestors", 32, "most ancestors listed per event (parent first)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print alerts as Falco's alert JSON, one per line")
	cmd.Flags().BoolVar(&rf.allowBroken, "allow-broken-rules", false, "run even when some rules have errors, leaving them out")
	addRuleFlags(cmd.Flags(), rf)
	return cmd
}

func runReplay(cmd *cobra.Command, files []string, events bool, ancestors int, detector pipeline.Sink, log *slog.Logger, stdout io.Writer) error {
	if ancestors < 1 {
		return fmt.Errorf("--ancestors %d: must be at least 1", ancestors)
	}
	clock, err := host.NewClock()
	if err != nil {
		return err
	}
	table := state.New(state.Config{Clock: clock, MaxAncestors: ancestors, Logger: log})
	var sinks []pipeline.Sink
	if events {
		sinks = append(sinks, output.NewJSONEvents(stdout))
	}
	sinks = append(sinks, detector)
	p := pipeline.New(log, []pipeline.Enricher{table}, sinks)

	var bad, total uint64
	for _, name := range files {
		r, closeFn, err := openInput(name)
		if err != nil {
			return err
		}
		src := replay.New(r, replay.Options{
			Name:    name,
			OnError: func(err error) { log.Error("skipping malformed line", "err", err) },
		})
		err = p.Run(cmd.Context(), src)
		closeFn()
		st := src.Stats()
		bad += st.Bad
		total += st.Events
		if err != nil {
			return fmt.Errorf("replay %s: %w", name, err)
		}
	}
	log.Info("replay done", "events", total, "malformed_lines", bad)
	if bad > 0 {
		return &exitError{code: 1, err: fmt.Errorf("%d malformed line(s) skipped", bad)}
	}
	return nil
}

func openInput(name string) (io.Reader, func(), error) {
	if name == "-" {
		return os.Stdin, func() {}, nil
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, nil, fmt.Errorf("open recording: %w", err)
	}
	return f, func() { f.Close() }, nil
}
