package simulate

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	internalrules "github.com/vigil-sec/vigil/internal/rules"
	defaultrules "github.com/vigil-sec/vigil/rules"
)

var updateDoc = flag.Bool("update", false, "rewrite docs/ruleset.md")

var techniqueTag = regexp.MustCompile(`^T\d{4}(\.\d{3})?$`)

// rulesetDoc renders docs/ruleset.md: every built-in rule with its
// priority, tactics, techniques and the simulations that exercise it.
func rulesetDoc(t *testing.T) string {
	files, err := defaultrules.Files()
	if err != nil {
		t.Fatal(err)
	}
	var in []internalrules.File
	for _, f := range files {
		in = append(in, internalrules.File{Name: f.Name, Data: f.Data})
	}
	set, diags := internalrules.Load(in)
	if diags.HasErrors() {
		t.Fatalf("built-in rules: %v", diags)
	}
	sims := map[string][]string{}
	for _, s := range Catalog() {
		name := s.Name
		if s.Benign {
			name += " (near miss)"
		}
		sims[s.Rule] = append(sims[s.Rule], "`"+name+"`")
	}
	techniques := map[string]bool{}
	var b strings.Builder
	b.WriteString("# Vigil's built-in ruleset\n\n")
	b.WriteString("Generated from `rules/*.yaml` and the simulator's catalog by\n")
	b.WriteString("`go test ./internal/simulate -run TestRulesetDoc -update`; do not edit.\n\n")
	b.WriteString("Every rule names its MITRE ATT&CK tactics and techniques in its tags. `vigil simulate run RULE-SIMULATION`\n")
	b.WriteString("reproduces the technique safely; `vigil simulate verify` checks a running agent detects it, and that\n")
	b.WriteString("its near miss (the ordinary action closest to it) raises nothing. Extend the rules' lists from a\n")
	b.WriteString("rules file of your own (`vigil run -r builtin -r mine.yaml`), with `override: {items: append}`, without\n")
	b.WriteString("editing these files.\n\n")
	b.WriteString("| rule | file | priority | tactics | techniques | simulations |\n|---|---|---|---|---|---|\n")
	for _, r := range set.Rules {
		var tactics, techs []string
		for _, tag := range r.Tags {
			switch {
			case strings.HasPrefix(tag, "mitre_"):
				tactics = append(tactics, strings.ReplaceAll(strings.TrimPrefix(tag, "mitre_"), "_", "-"))
			case techniqueTag.MatchString(tag):
				techs = append(techs, tag)
				techniques[strings.SplitN(tag, ".", 2)[0]] = true
			}
		}
		sim := strings.Join(sims[r.Name], ", ")
		if sim == "" {
			sim = "none yet (needs a container)"
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s |\n", r.Name, filepath.Base(r.Pos.File), r.Priority,
			strings.Join(tactics, ", "), strings.Join(techs, ", "), sim)
	}
	keys := make([]string, 0, len(techniques))
	for k := range techniques {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	fmt.Fprintf(&b, "\n%d rules; %d ATT&CK techniques: %s.\n", len(set.Rules), len(keys), strings.Join(keys, ", "))
	return b.String()
}

// TestRulesetDoc fails when docs/ruleset.md is stale.
func TestRulesetDoc(t *testing.T) {
	got := rulesetDoc(t)
	path := filepath.Join("..", "..", "docs", "ruleset.md")
	if *updateDoc {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil || string(want) != got {
		t.Errorf("%s is stale: run go test ./internal/simulate -run TestRulesetDoc -update", path)
	}
}
