package engine

import (
	"fmt"
	"slices"
	"testing"

	"github.com/vigil-sec/vigil/internal/rules"
)

// TestNameIndexSameAlerts: on the recorded mix, with the built-in rules
// and Falco's, the process-name index raises exactly the alerts, in the
// same order, that evaluating every rule of the event's type raises, in
// both matching modes. The built-in and Falco's rules raise next to
// nothing on this ordinary mix (the built-in ones: a program the
// recording ran from /tmp); rules written for it (named and unnamed,
// overlapping) raise thousands, so the comparison is not empty.
func TestNameIndexSameAlerts(t *testing.T) {
	evs := loadMix(t)
	for name, files := range map[string]func(testing.TB) []rules.File{"builtin": builtinRules, "falco": falcoRules, "synthetic": synthetic} {
		for _, m := range []Matching{MatchAll, MatchFirst} {
			t.Run(fmt.Sprintf("%s/%v", name, m), func(t *testing.T) {
				rs, _ := rules.Load(files(t))
				e, _ := Compile(rs, catalog(), Options{Matching: m})
				if e.byName == nil {
					t.Fatal("no name index built")
				}
				run := func() []string {
					var out []string
					for i, ev := range evs {
						e.Eval(ev, func(a *Alert) { out = append(out, fmt.Sprintf("%d %s", i, a.Rule)) })
					}
					return out
				}
				indexed := run()
				e.byName = nil
				all := run()
				if !slices.Equal(indexed, all) {
					t.Errorf("with the index %d alerts, without %d", len(indexed), len(all))
				}
				if name == "synthetic" && len(all) == 0 {
					t.Error("no alert on the mix: the comparison proves nothing")
				}
			})
		}
	}
}

// synthetic fires often on the mix, with rules that name processes (=,
// in, or), one that names none, and overlapping ones.
func synthetic(testing.TB) []rules.File {
	r := func(name, cond string) string {
		return "- rule: " + name + "\n  desc: x\n  condition: " + cond + "\n  output: x %proc.name\n  priority: NOTICE\n"
	}
	return []rules.File{{Name: "synthetic.yaml", Data: []byte(
		r("shells", "evt.type = execve and proc.name in (bash, sh)") +
			r("git or tr", "evt.type = execve and (proc.name = git or proc.name = tr)") +
			r("readlink under a shell", "evt.type = execve and proc.name = readlink and proc.pname in (bash, sh)") +
			r("any exec of a child of bash", "evt.type = execve and proc.pname = bash") +
			r("exits", "evt.type = procexit and proc.name != bash") +
			r("bash clones", "evt.type = clone and proc.name = bash"))}}
}

func TestRequiredNames(t *testing.T) {
	name := func(op string, vals ...string) node { return &checkNode{field: "proc.name", op: op, values: vals} }
	other := &checkNode{field: "proc.pname", op: "=", values: []string{"x"}}
	for _, tc := range []struct {
		n    node
		want []string
		ok   bool
	}{
		{name("=", "sh"), []string{"sh"}, true},
		{name("in", "a", "b"), []string{"a", "b"}, true},
		{name("startswith", "a"), nil, false},
		{&checkNode{field: "tolower(proc.name)", op: "=", values: []string{"sh"}}, nil, false},
		{other, nil, false},
		{&andNode{kids: []node{other, name("in", "a", "b", "c"), name("=", "b")}}, []string{"b"}, true},
		{&orNode{kids: []node{name("=", "b"), name("in", "a", "b")}}, []string{"a", "b"}, true},
		{&orNode{kids: []node{name("=", "b"), other}}, nil, false},
		{&notNode{kid: name("=", "sh")}, nil, false},
	} {
		got, ok := requiredNames(tc.n)
		if ok != tc.ok || !slices.Equal(got, tc.want) {
			t.Errorf("requiredNames(%v) = %v, %v; want %v, %v", tc.n, got, ok, tc.want, tc.ok)
		}
	}
}

// BenchmarkEvalDefaultRulesNoNameIndex is BenchmarkEvalDefaultRules
// without the process-name index: what the index saves.
func BenchmarkEvalDefaultRulesNoNameIndex(b *testing.B) {
	evs := loadMix(b)
	e := compileFiles(b, builtinRules(b))
	e.byName = nil
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		e.Eval(evs[i%len(evs)], func(*Alert) {})
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}
