package simulate

import (
	"strings"
	"testing"
)

// TestBenignSimulations: every near miss of Catalog's own simulations is
// Benign, bound to a built-in rule, and named NAME-benign after a firing
// simulation of the same rule; Catalog includes them all.
func TestBenignSimulations(t *testing.T) {
	rules := builtinRules(t)
	fires := map[string]string{} // firing simulation name -> rule
	inCatalog := map[string]bool{}
	for _, s := range Catalog() {
		inCatalog[s.Name] = true
		if !s.Benign {
			fires[s.Name] = s.Rule
		}
	}
	benign := fromCatalog(benignSimulations())
	if len(benign) < 12 {
		t.Fatalf("%d near misses, want at least 12", len(benign))
	}
	seen := map[string]bool{}
	for _, s := range benign {
		if !s.Benign {
			t.Errorf("%s: not marked Benign", s.Name)
		}
		if seen[s.Name] {
			t.Errorf("%s: repeated", s.Name)
		}
		seen[s.Name] = true
		if !inCatalog[s.Name] {
			t.Errorf("%s: not in Catalog()", s.Name)
		}
		if !rules[s.Rule] {
			t.Errorf("%s: rule %q is not a built-in rule", s.Name, s.Rule)
		}
		base, ok := strings.CutSuffix(s.Name, "-benign")
		if !ok {
			t.Errorf("%s: a near miss's name must end in -benign", s.Name)
			continue
		}
		rule, ok := fires[base]
		if !ok {
			t.Errorf("%s: no firing simulation %q", s.Name, base)
		} else if rule != s.Rule {
			t.Errorf("%s: rule %q, but %s fires %q", s.Name, s.Rule, base, rule)
		}
	}
}

// fromCatalog returns Catalog's entries (completed, tagged) of the
// simulations sims names, in order.
func fromCatalog(sims []Simulation) []Simulation {
	byName := map[string]Simulation{}
	for _, s := range Catalog() {
		byName[s.Name] = s
	}
	out := make([]Simulation, 0, len(sims))
	for _, s := range sims {
		out = append(out, byName[s.Name])
	}
	return out
}
