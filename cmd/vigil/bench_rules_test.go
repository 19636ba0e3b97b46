package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"runtime/pprof"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/encoding/protowire"
)

// protoMsg builds a protocol buffer message from appenders.
func protoMsg(fields ...func([]byte) []byte) []byte {
	var b []byte
	for _, f := range fields {
		b = f(b)
	}
	return b
}

func pVarint(num protowire.Number, v uint64) func([]byte) []byte {
	return func(b []byte) []byte {
		b = protowire.AppendTag(b, num, protowire.VarintType)
		return protowire.AppendVarint(b, v)
	}
}

func pBytes(num protowire.Number, v []byte) func([]byte) []byte {
	return func(b []byte) []byte {
		b = protowire.AppendTag(b, num, protowire.BytesType)
		return protowire.AppendBytes(b, v)
	}
}

func pPacked(num protowire.Number, vs ...uint64) func([]byte) []byte {
	var p []byte
	for _, v := range vs {
		p = protowire.AppendVarint(p, v)
	}
	return pBytes(num, p)
}

// testProfile is a hand-made profile: functions a, b, c; location 3 holds
// c inlined into b. Samples (innermost first): a<-b 10 ns, b 20 ns,
// c(b)<-a 30 ns; the last with unpacked repeated fields.
func testProfile() []byte {
	var fields []func([]byte) []byte
	for _, s := range []string{"", "main.a", "main.b", "main.c"} {
		fields = append(fields, pBytes(profStringTable, []byte(s)))
	}
	for id := uint64(1); id <= 3; id++ {
		fields = append(fields, pBytes(profFunction, protoMsg(pVarint(funcID, id), pVarint(funcName, id))))
	}
	line := func(fn uint64) func([]byte) []byte { return pBytes(locLine, protoMsg(pVarint(lineFunctionID, fn))) }
	fields = append(fields,
		pBytes(profLocation, protoMsg(pVarint(locID, 1), line(1))),
		pBytes(profLocation, protoMsg(pVarint(locID, 2), line(2))),
		pBytes(profLocation, protoMsg(pVarint(locID, 3), line(3), line(2))),
		pBytes(profSample, protoMsg(pPacked(sampleLocationID, 1, 2), pPacked(sampleValue, 1, 10))),
		pBytes(profSample, protoMsg(pPacked(sampleLocationID, 2), pPacked(sampleValue, 2, 20))),
		pBytes(profSample, protoMsg(pVarint(sampleLocationID, 3), pVarint(sampleLocationID, 1),
			pVarint(sampleValue, 3), pVarint(sampleValue, 30))),
	)
	return protoMsg(fields...)
}

func TestTopFunctions(t *testing.T) {
	raw := testProfile()
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(raw)
	zw.Close()
	want := []profileEntry{
		{Function: "main.c", FlatPerc: 50, CumPerc: 50},
		{Function: "main.b", FlatPerc: 100.0 / 3, CumPerc: 100},
		{Function: "main.a", FlatPerc: 100.0 / 6, CumPerc: 100.0 * 40 / 60},
	}
	for name, data := range map[string][]byte{"plain": raw, "gzip": gz.Bytes()} {
		t.Run(name, func(t *testing.T) {
			got, err := topFunctions(data, 10)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(want) {
				t.Fatalf("got %+v, want %+v", got, want)
			}
			for i := range want {
				if got[i].Function != want[i].Function || math.Abs(got[i].FlatPerc-want[i].FlatPerc) > 1e-9 ||
					math.Abs(got[i].CumPerc-want[i].CumPerc) > 1e-9 {
					t.Errorf("%d: got %+v, want %+v", i, got[i], want[i])
				}
			}
			if top, _ := topFunctions(data, 1); len(top) != 1 || top[0].Function != "main.c" {
				t.Errorf("top 1: %+v", top)
			}
		})
	}
	if _, err := topFunctions([]byte{0x12, 0x05, 0x01}, 10); err == nil {
		t.Error("truncated profile: want an error")
	}
	if got, err := topFunctions(nil, 10); err != nil || got != nil {
		t.Errorf("empty profile: %+v, %v", got, err)
	}
}

// TestTopFunctionsRuntimeProfile reads a profile runtime/pprof wrote (how
// many samples it holds depends on the host; the parse must succeed).
func TestTopFunctionsRuntimeProfile(t *testing.T) {
	var buf bytes.Buffer
	if err := pprof.StartCPUProfile(&buf); err != nil {
		t.Skipf("CPU profiler busy: %v", err)
	}
	x := 0
	for start := time.Now(); time.Since(start) < 200*time.Millisecond; {
		x++
	}
	pprof.StopCPUProfile()
	top, err := topFunctions(buf.Bytes(), 5)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range top {
		if e.Function == "" || e.FlatPerc <= 0 || e.CumPerc < e.FlatPerc-1e-9 {
			t.Errorf("entry %+v", e)
		}
	}
	t.Logf("%d iterations, top %+v", x, top)
}

func FuzzParseProfile(f *testing.F) {
	f.Add(testProfile())
	f.Add([]byte{})
	f.Add([]byte{0x1f, 0x8b})
	f.Fuzz(func(t *testing.T, data []byte) {
		top, err := topFunctions(data, 10)
		if err == nil && len(top) > 10 {
			t.Fatalf("%d entries, want at most 10", len(top))
		}
	})
}

// TestBenchRulesCommand runs `vigil bench rules --quick --json` in this
// process and checks the report's shape. It says nothing about speed.
func TestBenchRulesCommand(t *testing.T) {
	rulesPath, err := filepath.Abs(falcoRules)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(rulesPath); err != nil {
		t.Skipf("../shared/testdata is absent: %v", err)
	}
	prof := filepath.Join(t.TempDir(), "cpu")
	var stdout, stderr bytes.Buffer
	code := execute(context.Background(), []string{"bench", "rules", "--quick", "--json", "--falco-rules", rulesPath,
		"--cpuprofile", prof, "--log-level", "warn"}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	var rep rulesReport
	if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
		t.Fatalf("report: %v\n%s", err, stdout.String())
	}
	if rep.MixEvents == 0 || len(rep.Results) != 2 || rep.Target != rulesTarget {
		t.Fatalf("report %+v", rep)
	}
	for i, name := range []string{"built-in", "falco"} {
		r := rep.Results[i]
		if r.Ruleset != name || r.Rules == 0 || r.Evaluations != quickRuleEvals || r.EventsPerSec <= 0 ||
			r.ProfileFile != prof+"."+name || r.Pass != (r.EventsPerSec > rulesTarget) {
			t.Errorf("result %+v", r)
		}
		if _, err := os.Stat(r.ProfileFile); err != nil {
			t.Error(err)
		}
	}
	// The table names both rulesets.
	stdout.Reset()
	if code := execute(context.Background(), []string{"bench", "rules", "--quick", "--falco-rules", rulesPath,
		"--log-level", "warn"}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	for _, want := range []string{"built-in", "falco", "events/s (one core)"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, stdout.String())
		}
	}
}
