package engine

import (
	"compress/gzip"
	"context"
	"os"
	"testing"

	"github.com/vigil-sec/vigil/internal/event"
	"github.com/vigil-sec/vigil/internal/host"
	"github.com/vigil-sec/vigil/internal/rules"
	"github.com/vigil-sec/vigil/internal/sensor/replay"
	"github.com/vigil-sec/vigil/internal/state"
	defaultrules "github.com/vigil-sec/vigil/rules"
)

const falcoRulesPath = "../../../shared/testdata/falco/falco_rules.yaml"

// loadMix replays testdata/mix.jsonl.gz (5,324 events recorded with
// `vigil run --events` while a shell workload ran: builds, git, ps, find,
// python, pipelines) through the process table, as the agent would.
func loadMix(tb testing.TB) []*event.Event {
	tb.Helper()
	f, err := os.Open("testdata/mix.jsonl.gz")
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		tb.Fatal(err)
	}
	table := state.New(state.Config{Clock: host.Clock{}})
	var evs []*event.Event
	src := replay.New(zr, replay.Options{Name: "mix", OnError: func(err error) { tb.Fatal(err) }})
	if err := src.Run(context.Background(), func(ev *event.Event) {
		table.Apply(ev)
		evs = append(evs, ev)
	}); err != nil {
		tb.Fatal(err)
	}
	return evs
}

func falcoRules(tb testing.TB) []rules.File {
	tb.Helper()
	data, err := os.ReadFile(falcoRulesPath)
	if err != nil {
		tb.Skipf("Falco's ruleset is not available (%v): ../shared/testdata is absent", err)
	}
	return []rules.File{{Name: "falco_rules.yaml", Data: data}}
}

func builtinRules(tb testing.TB) []rules.File {
	tb.Helper()
	def, err := defaultrules.Files()
	if err != nil {
		tb.Fatal(err)
	}
	var out []rules.File
	for _, f := range def {
		out = append(out, rules.File{Name: f.Name, Data: f.Data})
	}
	return out
}

func compileFiles(tb testing.TB, files []rules.File) *Engine {
	tb.Helper()
	rs, diags := rules.Load(files)
	e, cd := Compile(rs, catalog(), Options{})
	if all := append(diags, cd...); all.HasErrors() {
		tb.Fatalf("rules: %s", diagText(all))
	}
	return e
}

// benchEval evaluates the recorded mix; b.N counts events, so ns/op is
// the rule stage's cost per event on one core.
func benchEval(b *testing.B, files []rules.File) {
	evs := loadMix(b)
	e := compileFiles(b, files)
	alerts := 0
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		e.Eval(evs[i%len(evs)], func(*Alert) { alerts++ })
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(e.Loaded()), "rules")
}

func BenchmarkEvalFalcoRules(b *testing.B)   { benchEval(b, falcoRules(b)) }
func BenchmarkEvalDefaultRules(b *testing.B) { benchEval(b, builtinRules(b)) }

// BenchmarkCompileFalcoRules measures loading and compiling Falco's
// stable ruleset.
func BenchmarkCompileFalcoRules(b *testing.B) {
	files := falcoRules(b)
	b.ReportAllocs()
	for b.Loop() {
		rs, _ := rules.Load(files)
		Compile(rs, catalog(), Options{})
	}
}
