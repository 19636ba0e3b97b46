package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/vigil-sec/vigil/internal/testutil"
)

// TestBenchOverheadQuick runs `vigil bench overhead --quick --reps 1` and
// checks that the report covers every configuration and workload with
// positive figures. It says nothing about speed.
func TestBenchOverheadQuick(t *testing.T) {
	testutil.RequireRoot(t)
	rulesPath, err := filepath.Abs(falcoRules)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(rulesPath); err != nil {
		t.Skipf("../shared/testdata is absent: %v", err)
	}
	bin, err := buildVigil()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "bench", "overhead", "--quick", "--reps", "1", "--json", "--falco-rules", rulesPath)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("bench overhead: %v\n%s", err, stderr.String())
	}
	var rep overheadReport
	if err := json.Unmarshal(out, &rep); err != nil {
		t.Fatalf("report: %v\n%s", err, out)
	}
	wantConfigs := []string{cfgNone, cfgFloor, cfgAuditd, cfgVigilFalco, cfgVigilDefault, cfgVigilPolicy, cfgVigilPolicyFS}
	if why, ok := rep.UnavailableConfigs[cfgAuditd]; ok {
		if testutil.KernelRequired() {
			t.Errorf("auditd unavailable: %s", why)
		}
		t.Logf("auditd unavailable here: %s", why)
		wantConfigs = slices.DeleteFunc(wantConfigs, func(c string) bool { return c == cfgAuditd })
	}
	if strings.Join(rep.Configs, ",") != strings.Join(wantConfigs, ",") {
		t.Errorf("configs %v, want %v", rep.Configs, wantConfigs)
	}
	var names []string
	for _, w := range rep.Workloads {
		names = append(names, w.Name)
		if w.Unavailable != "" {
			// Only redis depends on what this machine can install.
			if w.Name != "redis" {
				t.Errorf("workload %s unavailable: %s", w.Name, w.Unavailable)
			} else {
				t.Logf("redis unavailable here: %s", w.Unavailable)
			}
			continue
		}
		if len(w.Results) != len(wantConfigs) {
			t.Errorf("workload %s: %d results, want %d", w.Name, len(w.Results), len(wantConfigs))
		}
		for i, res := range w.Results {
			if i < len(wantConfigs) && res.Config != wantConfigs[i] {
				t.Errorf("workload %s result %d: config %s, want %s", w.Name, i, res.Config, wantConfigs[i])
			}
			if len(res.OpsPerSec) != 1 || res.MedianOps <= 0 || res.RatioMedian <= 0 || res.RatioMin <= 0 || res.RatioMax < res.RatioMin {
				t.Errorf("workload %s config %s: figures %+v", w.Name, res.Config, res)
			}
		}
	}
	if got, want := strings.Join(names, ","), "open,exec,connect,redis"; got != want {
		t.Errorf("workloads %s, want %s", got, want)
	}
	if len(rep.Agents) != len(wantConfigs)-2 { // one per agent configuration (every config but none and floor)
		t.Fatalf("agents %+v, want one per vigil configuration", rep.Agents)
	}
	for _, a := range rep.Agents {
		// auditd's event count is an estimate from its log's rule records
		// (0 when the daemon did not write them in time): only its run
		// is required.
		if a.Runs != 1 || (a.Events == 0 && a.Config != cfgAuditd) {
			t.Errorf("agent %s: %+v (want one run that saw events)", a.Config, a)
		}
	}

}

// TestBenchTable checks the text table's rows and columns from a report.
func TestBenchTable(t *testing.T) {
	rep := &overheadReport{Reps: 2, Configs: []string{cfgNone, cfgFloor}, Workloads: []workloadReport{
		{Name: "open", Ops: 10, Results: []configResult{
			{Config: cfgNone, MedianOps: 1000, RatioMedian: 1, RatioMin: 1, RatioMax: 1},
			{Config: cfgFloor, MedianOps: 800, RatioMedian: 0.8, RatioMin: 0.75, RatioMax: 0.85},
		}},
		{Name: "redis", Ops: 10, Unavailable: "no apt-get"},
	}, Agents: []agentReport{{Config: cfgVigilDefault, Runs: 2, Events: 5, KernelLost: 3, Args: "run"}}}
	var b strings.Builder
	if err := rep.writeTable(&b); err != nil {
		t.Fatal(err)
	}
	s := b.String()
	for _, want := range []string{"workload", "floor", "0.800 (0.750-0.850)", "1000", "redis", "unavailable: no apt-get", "vigil-default"} {
		if !strings.Contains(s, want) {
			t.Errorf("table lacks %q:\n%s", want, s)
		}
	}
}

func TestMedian(t *testing.T) {
	for _, tc := range []struct {
		in   []float64
		want float64
	}{{nil, 0}, {[]float64{3}, 3}, {[]float64{3, 1, 2}, 2}, {[]float64{4, 1, 3, 2}, 2.5}} {
		if got := median(tc.in); got != tc.want {
			t.Errorf("median(%v) = %v, want %v", tc.in, got, tc.want)
		}
	}
}
