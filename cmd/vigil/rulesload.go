package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"

	"github.com/spf13/pflag"

	"github.com/vigil-sec/vigil/internal/engine"
	"github.com/vigil-sec/vigil/internal/fields"
	"github.com/vigil-sec/vigil/internal/rules"
	"github.com/vigil-sec/vigil/internal/state/users"
	defaultrules "github.com/vigil-sec/vigil/rules"
)

// ruleFlags are the rule options shared by run, replay and rules.
type ruleFlags struct {
	paths       []string
	matching    string
	allowBroken bool
}

// builtinRules is the path that names the built-in ruleset among -r paths,
// so a file of one's own can extend its lists and macros:
// -r builtin -r mine.yaml.
const builtinRules = "builtin"

// readRuleFiles reads the files named by paths (files, or directories whose
// *.yaml and *.yml files load in name order, or builtinRules); none means
// the built-in default ruleset.
func readRuleFiles(paths []string) ([]rules.File, error) {
	if len(paths) == 0 {
		paths = []string{builtinRules}
	}
	var out []rules.File
	for _, p := range paths {
		if p == builtinRules {
			def, err := defaultrules.Files()
			if err != nil {
				return nil, fmt.Errorf("built-in rules: %w", err)
			}
			for _, f := range def {
				out = append(out, rules.File{Name: "builtin:" + f.Name, Data: f.Data})
			}
			continue
		}
		st, err := os.Stat(p)
		if err != nil {
			return nil, fmt.Errorf("rules %s: %w", p, err)
		}
		names := []string{p}
		if st.IsDir() {
			names = nil
			for _, pat := range []string{"*.yaml", "*.yml"} {
				m, err := filepath.Glob(filepath.Join(p, pat))
				if err != nil {
					return nil, fmt.Errorf("rules %s: %w", p, err)
				}
				names = append(names, m...)
			}
			sort.Strings(names)
			if len(names) == 0 {
				return nil, fmt.Errorf("rules %s: directory holds no .yaml or .yml file", p)
			}
		}
		for _, n := range names {
			b, err := os.ReadFile(n)
			if err != nil {
				return nil, fmt.Errorf("rules %s: %w", n, err)
			}
			out = append(out, rules.File{Name: n, Data: b})
		}
	}
	return out, nil
}

// loadedRules is a compiled ruleset and what loading it said.
type loadedRules struct {
	set    *rules.Ruleset
	engine *engine.Engine
	diags  rules.Diagnostics
}

// loadRules reads, loads and compiles rule files.
func loadRules(f *ruleFlags) (*loadedRules, error) {
	matching, err := engine.ParseMatching(f.matching)
	if err != nil {
		return nil, fmt.Errorf("--rule-matching: %w", err)
	}
	files, err := readRuleFiles(f.paths)
	if err != nil {
		return nil, err
	}
	set, diags := rules.Load(files)
	cat := fields.New(fields.Options{Names: users.New("/etc/passwd", "/etc/group")})
	eng, cdiags := engine.Compile(set, cat, engine.Options{Matching: matching})
	return &loadedRules{set: set, engine: eng, diags: append(diags, cdiags...)}, nil
}

// report writes every diagnostic, errors first.
func (l *loadedRules) report(w io.Writer) {
	ds := append(rules.Diagnostics(nil), l.diags...)
	sort.SliceStable(ds, func(i, j int) bool { return ds[i].Severity < ds[j].Severity })
	for _, d := range ds {
		fmt.Fprintln(w, d.String())
	}
}

func (l *loadedRules) errorCount() int {
	n := 0
	for _, d := range l.diags {
		if d.Severity == rules.SevError {
			n++
		}
	}
	return n
}

func (l *loadedRules) summary() string {
	var skipped []string
	for _, r := range l.engine.Rules() {
		if !r.Loaded {
			skipped = append(skipped, r.Spec.Name)
		}
	}
	return fmt.Sprintf("%d rules active, %d not loaded", l.engine.Loaded(), len(skipped))
}

// addRuleFlags registers the rule options on a command.
func addRuleFlags(fs *pflag.FlagSet, f *ruleFlags) {
	fs.StringArrayVarP(&f.paths, "rules", "r", nil, "rules file or directory (repeatable, loaded in order); \"builtin\" names the built-in ruleset (-r builtin -r mine.yaml extends it); default: the built-in ruleset")
	fs.StringVar(&f.matching, "rule-matching", "all", "all: every matching rule fires; first: only the first in rule order")
}
