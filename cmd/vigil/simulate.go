package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/vigil-sec/vigil/internal/simulate"
)

func newSimulateCmd(stdout, stderr io.Writer) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "simulate",
		Short: "Run safe simulations of attack techniques, and verify a running agent detects them",
		Long: "simulate reproduces attack techniques for real (the same system calls), safely: files only\n" +
			"in a scratch directory under /tmp that it removes, network only to loopback listeners it\n" +
			"opens, every process it starts ended before it returns. Each simulation names the MITRE\n" +
			"ATT&CK technique and the built-in rule it must fire.",
	}
	cmd.AddCommand(newSimulateListCmd(stdout), newSimulateRunCmd(stdout), newSimulateVerifyCmd(stdout, stderr), newSimulateExecCmd(stdout))
	return cmd
}

func newSimulateListCmd(stdout io.Writer) *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List the simulations: name, technique, tactic, expected rule, and what is missing to run it here",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "SIMULATION\tTECHNIQUE\tTACTIC\tRULE\tRUNS HERE")
			for _, s := range simulate.Catalog() {
				here := "yes"
				if m := simulate.Missing(s); m != "" {
					here = "no: " + m
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", s.Name, s.Technique, s.Tactic, s.Rule, here)
			}
			return tw.Flush()
		},
	}
}

func newSimulateRunCmd(stdout io.Writer) *cobra.Command {
	return &cobra.Command{
		Use:   "run [NAME|TECHNIQUE|TACTIC|TAG...]",
		Short: "Run simulations (all, or those named or tagged)",
		RunE: func(cmd *cobra.Command, args []string) error {
			exe, err := os.Executable()
			if err != nil {
				return err
			}
			sims, err := simulate.Select(simulate.Catalog(), args)
			if err != nil {
				return err
			}
			failed := 0
			for _, s := range sims {
				if m := simulate.Missing(s); m != "" {
					fmt.Fprintf(stdout, "%-32s skipped (%s)\n", s.Name, m)
					continue
				}
				l := simulate.Launch(cmd.Context(), exe, s)
				if l.Err != nil {
					failed++
					fmt.Fprintf(stdout, "%-32s failed: %v: %s\n", s.Name, l.Err, strings.TrimSpace(l.Output))
					continue
				}
				fmt.Fprintf(stdout, "%-32s done (pid %d, %s; expect %q)\n", s.Name, l.Pid, l.End.Sub(l.Start).Round(time.Millisecond), s.Rule)
			}
			if failed > 0 {
				return &exitError{code: 1, err: fmt.Errorf("%d simulation(s) failed to run", failed)}
			}
			return nil
		},
	}
}

func newSimulateVerifyCmd(stdout, stderr io.Writer) *cobra.Command {
	var alerts string
	var wait time.Duration
	cmd := &cobra.Command{
		Use:   "verify [NAME|TECHNIQUE|TACTIC|TAG...]",
		Short: "Run simulations against a running agent and report which it detected, from its alert file",
		Long: "verify needs an agent running with --alerts-file FILE (for example\n" +
			"`vigil run --alerts-file /var/run/vigil-alerts.json`). It runs the simulations one after\n" +
			"the other and, for each, waits up to --wait for the expected rule's alert raised by the\n" +
			"simulation's processes, then prints technique, rule, detected and latency (from the\n" +
			"simulation's start to the alerting event). It exits 1 when a simulation that ran was not\n" +
			"detected.",
		RunE: func(cmd *cobra.Command, args []string) error {
			if alerts == "" {
				return errors.New("--alerts FILE is required: the file a running `vigil run --alerts-file FILE` appends alerts to")
			}
			exe, err := os.Executable()
			if err != nil {
				return err
			}
			sims, err := simulate.Select(simulate.Catalog(), args)
			if err != nil {
				return err
			}
			t, err := simulate.OpenTail(alerts)
			if err != nil {
				return err
			}
			defer t.Close()
			vs := simulate.Verify(cmd.Context(), exe, sims, t, wait, stderr)
			tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "SIMULATION\tTECHNIQUE\tTACTIC\tRULE\tEXPECTED\tDETECTED\tLATENCY")
			ran, detected, benign, silent, skipped := 0, 0, 0, 0, 0
			for _, v := range vs {
				expect, det, lat := "fires", "no", "-"
				if v.Sim.Benign {
					expect = "silent (near miss)"
				}
				switch {
				case v.Skipped != "":
					det = "skipped: " + v.Skipped
					skipped++
				case v.Detected:
					det = "yes"
					lat = v.Latency.Round(time.Millisecond).String()
				}
				if v.Skipped == "" {
					if v.Sim.Benign {
						benign++
						if !v.Detected {
							silent++
						}
					} else {
						ran++
						if v.Detected {
							detected++
						}
					}
				}
				if v.Err != nil {
					det += " (simulation failed: " + v.Err.Error() + ")"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", v.Sim.Name, v.Sim.Technique, v.Sim.Tactic, v.Sim.Rule, expect, det, lat)
			}
			if err := tw.Flush(); err != nil {
				return err
			}
			rate := 0.0
			if ran > 0 {
				rate = 100 * float64(detected) / float64(ran)
			}
			fmt.Fprintf(stdout, "\n%d of %d simulations detected (%.0f%%); %d of %d near misses raised no alert; %d skipped\n",
				detected, ran, rate, silent, benign, skipped)
			for _, v := range vs {
				if !v.OK() {
					return &exitError{code: 1, err: simulate.ErrNotDetected}
				}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&alerts, "alerts", "", "the running agent's alert file (vigil run --alerts-file)")
	cmd.Flags().DurationVar(&wait, "wait", 5*time.Second, "how long to wait for each simulation's alert")
	return cmd
}

// newSimulateExecCmd is the child side of Launch and of the simulations'
// own steps; hidden.
func newSimulateExecCmd(stdout io.Writer) *cobra.Command {
	var name, scratch, step string
	cmd := &cobra.Command{
		Use:    "exec",
		Hidden: true,
		Args:   cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if ran, err := simulate.StepFromEnv(); ran {
				return err
			}
			exe, err := os.Executable()
			if err != nil {
				return err
			}
			return simulate.RunInProcess(cmd.Context(), simulate.Catalog(), name, scratch, exe, stdout)
		},
	}
	cmd.FParseErrWhitelist.UnknownFlags = true
	cmd.Flags().StringVar(&name, "sim", "", "simulation to run")
	cmd.Flags().StringVar(&scratch, "scratch", "", "its scratch directory")
	cmd.Flags().StringVar(&step, "step", "", "a simulation step (run from the environment)")
	return cmd
}
