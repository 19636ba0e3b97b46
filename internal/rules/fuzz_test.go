package rules

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func conditionSeeds(f *testing.F) {
	for _, s := range []string{
		`proc.name = bash`, `a and not (b or c)`, `proc.name in (a, "b c", 'd')`, `proc.name in lst`,
		`tolower(basename(fd.name)) = val(proc.aname[2])`, `fd.num >= -0x1F`, `x.y exists`,
		`proc.cmdline = "a\"b\\c\ d"`, `not not a`, `(a)or(b)`, `evt.arg["k"] glob '*.sh'`,
		`proc.name in ()`, `len(proc.args) > 1.5e+3`, "a and\n\t(b\r\n or c)",
	} {
		f.Add(s)
	}
	if data, err := os.ReadFile(falcoRulesPath); err == nil {
		rs, _ := Load([]File{{Name: "f", Data: data}})
		for _, m := range rs.Macros {
			f.Add(m.Condition)
		}
		for _, r := range rs.Rules {
			f.Add(r.Condition)
		}
	}
}

// FuzzParseCondition: no panic; errors are positioned SyntaxErrors; what
// parses renders (FormatCondition) to text that parses to the same tree.
func FuzzParseCondition(f *testing.F) {
	conditionSeeds(f)
	f.Fuzz(func(t *testing.T, src string) {
		e, err := ParseCondition(src, Pos{File: "f", Line: 1, Col: 1})
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("%q: error %v is not a *SyntaxError", src, err)
			}
			if se.Pos.Line < 1 || se.Pos.Col < 1 || se.Pos.File != "f" {
				t.Fatalf("%q: error at %v", src, se.Pos)
			}
			return
		}
		want := Format(e)
		back := FormatCondition(e)
		e2, err := ParseCondition(back, Pos{})
		if err != nil {
			t.Fatalf("%q parses to %s, rendered as %q, which does not parse: %v", src, want, back, err)
		}
		if got := Format(e2); got != want {
			t.Fatalf("%q parses to %s, rendered as %q, which parses to %s", src, want, back, got)
		}
	})
}

// FuzzParseOutput: no panic; what parses renders back to the same parts.
func FuzzParseOutput(f *testing.F) {
	for _, s := range []string{"a %proc.name b", "%(proc.name)x", "%20proc.aname[2]|%tolower(fd.name)", "*%evt.arg.flags", "100%", "%(x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		parts, err := ParseOutput(src, Pos{File: "o", Line: 1, Col: 1})
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) || se.Pos.Line < 1 || se.Pos.Col < 1 {
				t.Fatalf("%q: bad error %v", src, err)
			}
			return
		}
		if len(parts) == 0 {
			return // "*" alone: nothing to render
		}
		want := formatParts(parts)
		back := FormatOutput(parts)
		parts2, err := ParseOutput(back, Pos{})
		if err != nil {
			t.Fatalf("%q rendered as %q, which does not parse: %v", src, back, err)
		}
		if got := formatParts(parts2); got != want {
			t.Fatalf("%q: %s, rendered as %q: %s", src, want, back, got)
		}
	})
}

// FuzzLoad: any bytes as a rules file load without panic, and every
// diagnostic points into the file.
func FuzzLoad(f *testing.F) {
	for _, s := range []string{
		"- macro: m\n  condition: >\n    a and\n    (b\n",
		"- rule: r\n  desc: d\n  condition: \"x = \\\"y\"\n  output: '%a.b'\n  priority: INFO\n  exceptions:\n    - name: e\n      fields: [a.b]\n      values: [[x]]\n",
		"- list: l\n  items: [a, \"b\"]\n- list: l\n  items: [c]\n  override: {items: append}\n",
		"- rule: r\n  enabled: false\n",
		"- required_plugin_versions: [{name: x, version: 1.2.3}]\n- required_engine_version: 9\n",
		"- macro: m\n  condition: |2-\n     x.y = 1\n",
		"--- \n- {macro: a, condition: &c b}\n- {macro: d, condition: *c}\n",
	} {
		f.Add([]byte(s))
	}
	// Items of Falco's ruleset and of broken.yaml, a few at a time: small
	// seeds keep the fuzzer's minimisation fast.
	for _, p := range []string{falcoRulesPath, filepath.Join("testdata", "broken.yaml")} {
		data, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		items := bytes.Split(data, []byte("\n- "))
		for i := 1; i < len(items); i += 3 {
			chunk := []byte("- ")
			for _, it := range items[i:min(i+3, len(items))] {
				chunk = append(append(chunk, it...), "\n- "...)
			}
			f.Add(chunk[:len(chunk)-3])
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		rs, diags := Load([]File{{Name: "fuzz.yaml", Data: data}})
		if rs == nil || len(rs.Files) != 1 {
			t.Fatalf("ruleset %+v", rs)
		}
		for _, d := range diags {
			if d.Pos.File != "fuzz.yaml" || d.Pos.Line < 1 || d.Pos.Col < 1 {
				t.Fatalf("diagnostic without a position: %s", d)
			}
		}
		for _, r := range rs.Rules {
			if r.Cond == nil && !diags.HasErrors() {
				t.Fatalf("rule %s has no condition and no error", r.Name)
			}
		}
	})
}
