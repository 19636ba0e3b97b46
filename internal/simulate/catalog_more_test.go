package simulate

import (
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	defaultrules "github.com/vigil-sec/vigil/rules"
)

// TestMoreSimulationsPairs: every rule of vigil_rules_more.yaml has one
// simulation that fires it and one near miss, named NAME-benign.
func TestMoreSimulationsPairs(t *testing.T) {
	files, err := defaultrules.Files()
	if err != nil {
		t.Fatal(err)
	}
	rules := map[string]bool{}
	for _, f := range files {
		if f.Name != "vigil_rules_more.yaml" {
			continue
		}
		var items []map[string]any
		if err := yaml.Unmarshal(f.Data, &items); err != nil {
			t.Fatal(err)
		}
		for _, it := range items {
			if n, ok := it["rule"].(string); ok {
				rules[n] = true
			}
		}
	}
	if len(rules) < 12 {
		t.Fatalf("vigil_rules_more.yaml has %d rules, want at least 12", len(rules))
	}
	fires, benign := map[string]string{}, map[string]string{}
	for _, s := range fromCatalog(moreSimulations()) {
		if !rules[s.Rule] {
			t.Errorf("%s: rule %q is not in vigil_rules_more.yaml", s.Name, s.Rule)
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
