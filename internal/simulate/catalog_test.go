package simulate

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
	"gopkg.in/yaml.v3"

	defaultrules "github.com/vigil-sec/vigil/rules"
)

// TestMain lets this test binary stand in for `vigil simulate exec`: run
// with VIGIL_SIM_STEP set (stepCommand sets it), it performs the step and
// exits.
func TestMain(m *testing.M) {
	if ran, err := StepFromEnv(); ran {
		if err != nil {
			fmt.Fprintln(os.Stderr, "step:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	// Orphans of the simulations are reparented to this process, so that
	// TestSimulationsRun sees any process they leave behind.
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		fmt.Fprintln(os.Stderr, "PR_SET_CHILD_SUBREAPER:", err)
		os.Exit(1)
	}
	os.Exit(m.Run())
}

// notSimulated are the built-in rules that only fire on a change to the
// host, which no simulation may make.
var notSimulated = map[string]string{}

func builtinRules(t *testing.T) map[string]bool {
	t.Helper()
	files, err := defaultrules.Files()
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, f := range files {
		var items []map[string]any
		if err := yaml.Unmarshal(f.Data, &items); err != nil {
			t.Fatalf("%s: %v", f.Name, err)
		}
		for _, it := range items {
			if n, ok := it["rule"].(string); ok {
				names[n] = true
			}
		}
	}
	if len(names) == 0 {
		t.Fatal("no built-in rules found")
	}
	return names
}

var (
	kebab     = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	technique = regexp.MustCompile(`^T[0-9]{4}(\.[0-9]{3})?$`)
	tactics   = map[string]bool{
		"reconnaissance": true, "resource-development": true, "initial-access": true, "execution": true,
		"persistence": true, "privilege-escalation": true, "defense-evasion": true, "credential-access": true,
		"discovery": true, "lateral-movement": true, "collection": true, "command-and-control": true,
		"exfiltration": true, "impact": true,
	}
)

func TestCatalogFields(t *testing.T) {
	rules := builtinRules(t)
	seen := map[string]bool{}
	sims := Catalog()
	if len(sims) == 0 {
		t.Fatal("empty catalog")
	}
	for _, s := range sims {
		if !kebab.MatchString(s.Name) {
			t.Errorf("name %q is not kebab-case", s.Name)
		}
		if seen[s.Name] {
			t.Errorf("name %q is not unique", s.Name)
		}
		seen[s.Name] = true
		if s.Description == "" || s.Run == nil {
			t.Errorf("%s: description or Run missing", s.Name)
		}
		if !technique.MatchString(s.Technique) {
			t.Errorf("%s: technique %q is not an ATT&CK technique id", s.Name, s.Technique)
		}
		if !tactics[s.Tactic] {
			t.Errorf("%s: tactic %q is not an ATT&CK tactic", s.Name, s.Tactic)
		}
		if !rules[s.Rule] {
			t.Errorf("%s: rule %q is not a built-in rule", s.Name, s.Rule)
		}
		if notSimulated[s.Rule] != "" {
			t.Errorf("%s: rule %q is listed as not simulated", s.Name, s.Rule)
		}
		tags := map[string]bool{}
		for _, tag := range s.Tags {
			if tag == "" || tags[tag] {
				t.Errorf("%s: empty or repeated tag %q", s.Name, tag)
			}
			tags[tag] = true
		}
		if !tags[s.Tactic] || !tags[s.Technique] {
			t.Errorf("%s: tags %v lack the tactic or the technique", s.Name, s.Tags)
		}
		for _, n := range s.Needs {
			if n == "" || strings.ContainsAny(n, "/ ") {
				t.Errorf("%s: need %q is not a program name or root", s.Name, n)
			}
		}
	}
}

// TestCatalogCoversRules: every built-in rule has a simulation or is
// listed in notSimulated, with the reason.
func TestCatalogCoversRules(t *testing.T) {
	covered := map[string]bool{}
	for _, s := range Catalog() {
		covered[s.Rule] = true
	}
	var missing []string
	for r := range builtinRules(t) {
		if !covered[r] && notSimulated[r] == "" {
			missing = append(missing, r)
		}
	}
	sort.Strings(missing)
	for _, r := range missing {
		t.Errorf("built-in rule %q has no simulation", r)
	}
	for r := range notSimulated {
		if !builtinRules(t)[r] {
			t.Errorf("notSimulated names %q, which is not a built-in rule", r)
		}
	}
}

func TestStepUnknown(t *testing.T) {
	if err := Step(context.Background(), "no-such-step", nil); err == nil {
		t.Error("unknown step: no error")
	}
}

func TestStepFromEnvUnset(t *testing.T) {
	t.Setenv(StepEnv, "")
	if ran, err := StepFromEnv(); ran || err != nil {
		t.Errorf("StepFromEnv() = %v, %v with no step", ran, err)
	}
}

func testEnv(t *testing.T, scratch string) *Env {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return &Env{Scratch: scratch, Exe: exe, Out: tWriter{t}}
}

type tWriter struct{ t *testing.T }

func (w tWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// TestStepCommand runs a step through the re-executed test binary, with
// an argument that has spaces and a newline.
func TestStepCommand(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "a file\nwith a newline")
	if err := os.WriteFile(f, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	env := testEnv(t, dir)
	cmd := stepCommand(env, "chmod", "2750", f)
	if want := []string{env.Exe, "simulate", "exec", "--step", "chmod", "2750", f}; fmt.Sprint(cmd.Args) != fmt.Sprint(want) {
		t.Errorf("args %q, want %q", cmd.Args, want)
	}
	if err := runCmd(context.Background(), env, cmd); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(f)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode()&os.ModeSetgid == 0 || fi.Mode().Perm() != 0o750 {
		t.Errorf("mode %v after the chmod step", fi.Mode())
	}
	// A failing step fails the command.
	if err := runCmd(context.Background(), env, stepCommand(env, "chmod", "bad")); err == nil {
		t.Error("failing step: no error")
	}
}

// children lists the processes whose parent is this one (orphans of the
// simulations included: this process is a subreaper).
func children(t *testing.T) []string {
	t.Helper()
	ents, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatal(err)
	}
	self := os.Getpid()
	var out []string
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...
		i := bytes.LastIndexByte(b, ')')
		if i < 0 {
			continue
		}
		fields := strings.Fields(string(b[i+1:]))
		if len(fields) < 2 {
			continue
		}
		if ppid, _ := strconv.Atoi(fields[1]); ppid == self {
			out = append(out, fmt.Sprintf("%d %s state=%s", pid, b[:i+1], fields[0]))
		}
	}
	return out
}

// concurrentTmp are the /tmp entries other test packages, running at the
// same time as this one under go test ./..., create and remove: the go
// command's build directories, t.TempDir's, and the other harnesses'.
// None of them is a name a simulation writes.
func concurrentTmp(name string) bool {
	for _, p := range []string{"go-build", "Test", "Benchmark", "Fuzz", "vigil-ctrd-", "vigil-trigger", "vigil-enforce-trigger",
		"vigil-bench", "vigil-e2e", "cri", "vigil-policy", "vigil-sim-", "vigil-enforce-test", "vigil-openloop", "vigil-probe"} {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

func listTmp(t *testing.T, skip string) map[string]bool {
	t.Helper()
	ents, err := os.ReadDir("/tmp")
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, e := range ents {
		if e.Name() != skip && !concurrentTmp(e.Name()) {
			names[e.Name()] = true
		}
	}
	return names
}

func needsMet(s Simulation) string {
	for _, n := range s.Needs {
		if n == "root" {
			if os.Geteuid() != 0 {
				return "needs root"
			}
			continue
		}
		if _, err := exec.LookPath(n); err != nil {
			return "needs " + n
		}
	}
	return ""
}

// TestSimulationsRun runs every simulation whose needs are met, each in a
// scratch directory of its own under /tmp: it must succeed, leave no
// process behind and create nothing in /tmp outside its scratch directory.
func TestSimulationsRun(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Log("not root: simulations that need root are skipped")
	}
	for _, s := range Catalog() {
		t.Run(s.Name, func(t *testing.T) {
			if why := needsMet(s); why != "" {
				t.Skip(why)
			}
			scratch, err := os.MkdirTemp("/tmp", "vigil-sim-test-")
			if err != nil {
				t.Fatal(err)
			}
			defer os.RemoveAll(scratch)
			before := listTmp(t, filepath.Base(scratch))
			if left := children(t); len(left) > 0 {
				t.Fatalf("processes before the run: %v", left)
			}

			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			start := time.Now()
			if err := s.Run(ctx, testEnv(t, scratch)); err != nil {
				t.Errorf("Run: %v", err)
			}
			if d := time.Since(start); d > 15*time.Second {
				t.Errorf("Run took %v", d)
			}

			if left := children(t); len(left) > 0 {
				t.Errorf("processes left behind: %v", left)
				for _, l := range left {
					pid, _ := strconv.Atoi(strings.Fields(l)[0])
					_ = unix.Kill(pid, unix.SIGKILL)
				}
			}
			// Reap whatever was reparented to this process.
			for {
				var ws unix.WaitStatus
				if pid, err := unix.Wait4(-1, &ws, unix.WNOHANG|unix.WALL, nil); pid <= 0 || err != nil {
					break
				}
			}
			after := listTmp(t, filepath.Base(scratch))
			for n := range after {
				if !before[n] {
					t.Errorf("created /tmp/%s outside the scratch directory", n)
				}
			}
			for n := range before {
				if !after[n] {
					t.Errorf("removed /tmp/%s", n)
				}
			}
			if _, err := os.Stat(scratch); err != nil {
				t.Errorf("scratch directory: %v", err)
			}
		})
	}
}
