package rules

import (
	"flag"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		gl, wl := strings.Split(got, "\n"), strings.Split(string(want), "\n")
		for i := 0; i < len(gl) || i < len(wl); i++ {
			var g, w string
			if i < len(gl) {
				g = gl[i]
			}
			if i < len(wl) {
				w = wl[i]
			}
			if g != w {
				t.Fatalf("%s differs at line %d (run go test -update if the change is intended)\n got: %s\nwant: %s", path, i+1, g, w)
			}
		}
	}
}

func loadFalcoForGolden(t *testing.T) *Ruleset {
	rs, diags := Load([]File{{Name: "falco_rules.yaml", Data: falcoRules(t)}})
	noErrors(t, diags)
	return rs
}

// TestFalcoConditionsGolden renders every macro and rule condition of
// Falco's ruleset, in file order.
func TestFalcoConditionsGolden(t *testing.T) {
	rs := loadFalcoForGolden(t)
	macros := make([]*Macro, 0, len(rs.Macros))
	for _, m := range rs.Macros {
		macros = append(macros, m)
	}
	sort.Slice(macros, func(i, j int) bool { return macros[i].Index < macros[j].Index })
	var b strings.Builder
	for _, m := range macros {
		b.WriteString("macro " + m.Name + ": " + Format(m.Cond) + "\n")
	}
	for _, r := range rs.Rules {
		b.WriteString("rule " + r.Name + ": " + Format(r.Cond) + "\n")
	}
	golden(t, "falco_conditions.golden", b.String())
}

// TestFalcoOutputsGolden renders every rule output of Falco's ruleset.
func TestFalcoOutputsGolden(t *testing.T) {
	rs := loadFalcoForGolden(t)
	var b strings.Builder
	for _, r := range rs.Rules {
		parts, err := ParseOutput(r.Output, r.Pos)
		if err != nil {
			t.Fatalf("rule %s: %v", r.Name, err)
		}
		b.WriteString("rule " + r.Name + ": " + formatParts(parts) + "\n")
	}
	golden(t, "falco_outputs.golden", b.String())
}

// TestBrokenGolden: a file with many mistakes; all are reported, in order.
func TestBrokenGolden(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "broken.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	rs, diags := Load([]File{{Name: "broken.yaml", Data: data}})
	var b strings.Builder
	b.WriteString(diagLines(diags))
	b.WriteString("--\n")
	for _, r := range rs.Rules {
		state := "parsed"
		if r.Cond == nil {
			state = "condition failed"
		}
		b.WriteString("rule " + r.Name + ": " + state + "\n")
	}
	golden(t, "broken.golden", b.String())
}
