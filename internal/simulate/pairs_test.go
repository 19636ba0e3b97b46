package simulate

import (
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	defaultrules "github.com/vigil-sec/vigil/rules"
)

// TestSimulationPairs: every rule of each built-in rules file has one
// simulation that fires it and one near miss, named NAME-benign, in the
// simulations written for that file; a simulation there that names a rule
// of another file (a container variant) must name a built-in rule.
func TestSimulationPairs(t *testing.T) {
	for _, tc := range []struct {
		file string
		min  int
		sims []Simulation
	}{
		{"vigil_rules_more.yaml", 12, moreSimulations()},
		{"vigil_rules_extra.yaml", 19, extraSimulations()},
		{"vigil_rules_container.yaml", 14, containerSimulations()},
	} {
		t.Run(tc.file, func(t *testing.T) { checkPairs(t, tc.file, tc.min, fromCatalog(tc.sims)) })
	}
}

func checkPairs(t *testing.T, file string, min int, sims []Simulation) {
	files, err := defaultrules.Files()
	if err != nil {
		t.Fatal(err)
	}
	rules, all := map[string]bool{}, map[string]bool{}
	for _, f := range files {
		var items []map[string]any
		if err := yaml.Unmarshal(f.Data, &items); err != nil {
			t.Fatal(err)
		}
		for _, it := range items {
			if n, ok := it["rule"].(string); ok {
				all[n] = true
				if f.Name == file {
					rules[n] = true
				}
			}
		}
	}
	if len(rules) < min {
		t.Fatalf("%s has %d rules, want at least %d", file, len(rules), min)
	}
	fires, benign := map[string]string{}, map[string]string{}
	for _, s := range sims {
		if !all[s.Rule] {
			t.Errorf("%s: rule %q is not a built-in rule", s.Name, s.Rule)
		}
		if !rules[s.Rule] {
			continue
		}
		m := fires
		if s.Benign {
			m = benign
			if !strings.HasSuffix(s.Name, "-benign") {
				t.Errorf("%s: a near miss's name must end in -benign", s.Name)
			}
		}
		if m[s.Rule] != "" {
			t.Errorf("%s and %s: two simulations of the same kind for %q", m[s.Rule], s.Name, s.Rule)
		}
		m[s.Rule] = s.Name
	}
	for r := range rules {
		if fires[r] == "" || benign[r] == "" {
			t.Errorf("rule %q: simulation %q, near miss %q", r, fires[r], benign[r])
		} else if benign[r] != fires[r]+"-benign" {
			t.Errorf("rule %q: near miss %q is not named after %q", r, benign[r], fires[r])
		}
	}
}
