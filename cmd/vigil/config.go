package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/vigil-sec/vigil/internal/config"
)

func newConfigCmd(stdout, stderr io.Writer) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "config",
		Short: "Check Vigil's configuration file (docs/configuration.md)",
	}
	var print bool
	check := &cobra.Command{
		Use:   "check [FILE]",
		Short: "Check a configuration file and the rule and policy files it names, without starting the agent",
		Long: "check reads the configuration file (default " + config.DefaultPath + ", whose absence means\n" +
			"the built-in defaults) as `vigil run --config FILE` would, then loads the rule and policy\n" +
			"files it names. It prints every problem as file:line:col: error: key: message and exits 1\n" +
			"when there is any that would stop `vigil run` from starting. With --print it also prints\n" +
			"the effective configuration, every key, on stdout (the messages then go to stderr).",
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			out := stdout
			if print {
				out = stderr
			}
			path := ""
			if len(args) == 1 {
				path = args[0]
			}
			cfg, err := config.Load(path)
			var ce *config.Error
			if errors.As(err, &ce) {
				for _, l := range ce.Lines() {
					fmt.Fprintln(out, l)
				}
				return &exitError{code: 1, err: fmt.Errorf("%d problem(s) in the configuration", len(ce.Diags))}
			}
			if err != nil {
				return err
			}
			if cfg.Source() == "" {
				fmt.Fprintf(out, "%s does not exist: the built-in defaults apply\n", config.DefaultPath)
			} else {
				fmt.Fprintf(out, "%s: valid\n", cfg.Source())
			}
			problems := checkConfiguredFiles(cfg, out)
			if print {
				b, err := cfg.Marshal()
				if err != nil {
					return err
				}
				if _, err := stdout.Write(b); err != nil {
					return err
				}
			}
			if problems > 0 {
				return &exitError{code: 1, err: fmt.Errorf("%d problem(s) in the files the configuration names", problems)}
			}
			return nil
		},
	}
	check.Flags().BoolVar(&print, "print", false, "also print the effective configuration, every key, on stdout")
	cmd.AddCommand(check)
	return cmd
}

// checkConfiguredFiles loads the rule and policy files cfg names, as
// `vigil run` would, reports what it finds to out and returns the number
// of problems that would stop the agent from starting.
func checkConfiguredFiles(cfg *config.Config, out io.Writer) int {
	problems := 0
	l, err := loadRules(&ruleFlags{paths: cfg.Rules.Files, matching: cfg.Rules.Matching, allowBroken: cfg.Rules.AllowBroken})
	if err != nil {
		fmt.Fprintln(out, err)
		problems++
	} else {
		l.report(out)
		fmt.Fprintln(out, "rules:", l.summary())
		if n := l.errorCount(); n > 0 && !cfg.Rules.AllowBroken {
			problems += n
		}
	}
	if len(cfg.Policies.Files) == 0 {
		return problems
	}
	set, diags, err := loadPolicyFiles(cfg.Policies.Files)
	switch {
	case err != nil:
		fmt.Fprintln(out, err)
		problems++
	case len(diags) > 0:
		for _, d := range diags {
			fmt.Fprintln(out, d.String())
		}
		problems += len(diags)
	case set == nil:
		fmt.Fprintf(out, "policies %v: no policy defined\n", cfg.Policies.Files)
		problems++
	default:
		fmt.Fprintf(out, "policies: %d valid\n", len(set.Policies))
	}
	return problems
}
