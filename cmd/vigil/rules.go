package main

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"
)

func newRulesCmd(stdout, stderr io.Writer) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "rules",
		Short: "Check, list and explain rule files (Falco's rule language)",
	}
	cmd.AddCommand(newRulesCheckCmd(stdout), newRulesListCmd(stdout, stderr), newRulesExplainCmd(stdout, stderr))
	return cmd
}

func newRulesCheckCmd(stdout io.Writer) *cobra.Command {
	f := &ruleFlags{matching: "all"}
	return &cobra.Command{
		Use:   "check [PATH...]",
		Short: "Load and compile rule files; print counts and every problem as file:line:col",
		Long: "check loads the rule files (or directories) in order, as `vigil run -r` would, compiles\n" +
			"them, and prints per-file counts of rules, macros and lists and every problem as\n" +
			"file:line:col: message. Warnings (for example a rule that uses a field Vigil cannot\n" +
			"produce yet, which is then skipped) do not fail the check; errors do. With no PATH\n" +
			"it checks the built-in ruleset.",
		RunE: func(cmd *cobra.Command, args []string) error {
			f.paths = args
			l, err := loadRules(f)
			if err != nil {
				return err
			}
			for _, fs := range l.set.Files {
				fmt.Fprintf(stdout, "%s: %d rules, %d macros, %d lists\n", fs.Name, fs.Rules, fs.Macros, fs.Lists)
			}
			l.report(stdout)
			fmt.Fprintln(stdout, l.summary())
			if n := l.errorCount(); n > 0 {
				return &exitError{code: 1, err: fmt.Errorf("%d error(s) in the rules", n)}
			}
			return nil
		},
	}
}

func newRulesListCmd(stdout, stderr io.Writer) *cobra.Command {
	f := &ruleFlags{matching: "all"}
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List rules: name, priority, enabled, loaded, event types, tags",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			l, err := loadRules(f)
			if err != nil {
				return err
			}
			if l.errorCount() > 0 {
				l.report(stderr)
			}
			tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "RULE\tPRIORITY\tENABLED\tLOADED\tEVENT TYPES\tTAGS")
			for _, r := range l.engine.Rules() {
				loaded := "yes"
				if !r.Loaded {
					loaded = "no"
				}
				fmt.Fprintf(tw, "%s\t%s\t%v\t%s\t%s\t%s\n", r.Spec.Name, r.Spec.Priority, r.Spec.Enabled, loaded,
					strings.Join(r.TypeNames(), ","), strings.Join(r.Spec.Tags, ","))
			}
			if err := tw.Flush(); err != nil {
				return err
			}
			_, err = fmt.Fprintf(stdout, "\nsystem calls captured for these rules: %s\n", orNone(typeNames(capturedSyscalls(l.engine))))
			return err
		},
	}
	cmd.Flags().StringArrayVarP(&f.paths, "rules", "r", nil, "rules file or directory (repeatable); default: the built-in ruleset")
	return cmd
}

func newRulesExplainCmd(stdout, stderr io.Writer) *cobra.Command {
	f := &ruleFlags{matching: "all"}
	cmd := &cobra.Command{
		Use:   "explain RULE",
		Short: "Print a rule's compiled form (macros, lists and exceptions expanded) and its event types",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			l, err := loadRules(f)
			if err != nil {
				return err
			}
			r, ok := l.engine.Rule(args[0])
			if !ok {
				return errors.New("no rule named " + fmt.Sprintf("%q", args[0]))
			}
			_, err = io.WriteString(stdout, r.Explain())
			return err
		},
	}
	cmd.Flags().StringArrayVarP(&f.paths, "rules", "r", nil, "rules file or directory (repeatable); default: the built-in ruleset")
	return cmd
}

func orNone(names []string) string {
	if len(names) == 0 {
		return "none (process lifecycle only)"
	}
	return strings.Join(names, ", ")
}
