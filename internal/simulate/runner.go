package simulate

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Select returns the simulations named, or tagged, by one of args; all of
// them when args is empty. An arg that selects nothing is an error.
func Select(all []Simulation, args []string) ([]Simulation, error) {
	if len(args) == 0 {
		return all, nil
	}
	var out []Simulation
	for _, a := range args {
		n := 0
		for _, s := range all {
			if s.Name == a || s.Technique == a || s.Tactic == a || slices.Contains(s.Tags, a) {
				n++
				if !slices.ContainsFunc(out, func(o Simulation) bool { return o.Name == s.Name }) {
					out = append(out, s)
				}
			}
		}
		if n == 0 {
			return nil, fmt.Errorf("%q names no simulation, technique, tactic or tag (see vigil simulate list)", a)
		}
	}
	return out, nil
}

// NeedModules is the Need of a kernel with module support (its module
// system calls and their tracepoints exist only then).
const NeedModules = "kernel-modules"

// Missing says why s cannot run here ("needs nc"), "" when it can.
func Missing(s Simulation) string {
	var miss []string
	for _, n := range s.Needs {
		switch n {
		case "root":
			if os.Geteuid() != 0 {
				miss = append(miss, "root")
			}
			continue
		case NeedModules:
			if _, err := os.Stat("/proc/modules"); err != nil {
				miss = append(miss, "a kernel with module support")
			}
			continue
		}
		if _, err := exec.LookPath(n); err != nil {
			miss = append(miss, n)
		}
	}
	if len(miss) == 0 {
		return ""
	}
	return "needs " + strings.Join(miss, ", ")
}

// Launched is one simulation run in its own process.
type Launched struct {
	Pid        int
	Start, End time.Time
	Output     string
	Err        error
}

// Launch runs s in a child process (exe simulate exec --sim NAME
// --scratch DIR) with a fresh scratch directory, and removes the directory
// when the child has ended.
func Launch(ctx context.Context, exe string, s Simulation) Launched {
	var l Launched
	scratch, err := os.MkdirTemp("/tmp", "vigil-sim-")
	if err != nil {
		l.Err = fmt.Errorf("scratch directory: %w", err)
		return l
	}
	defer os.RemoveAll(scratch)
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, exe, "simulate", "exec", "--sim", s.Name, "--scratch", scratch)
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	l.Start = time.Now()
	if err := cmd.Start(); err != nil {
		l.Err = err
		return l
	}
	l.Pid = cmd.Process.Pid
	l.Err = cmd.Wait()
	l.End = time.Now()
	l.Output = out.String()
	return l
}

// RunInProcess runs the simulation named name in this process (the
// `simulate exec` side of Launch).
func RunInProcess(ctx context.Context, all []Simulation, name, scratch, exe string, out io.Writer) error {
	i := slices.IndexFunc(all, func(s Simulation) bool { return s.Name == name })
	if i < 0 {
		return fmt.Errorf("no simulation %q", name)
	}
	if !strings.HasPrefix(scratch, "/tmp/") {
		return fmt.Errorf("scratch %q: not under /tmp", scratch)
	}
	return all[i].Run(ctx, &Env{Scratch: scratch, Exe: exe, Out: out})
}

// Alert is the part of a Falco alert JSON line Verify reads.
type Alert struct {
	Rule    string
	Time    time.Time
	PID     uint32
	Exe     string // the process's executable
	Event   string // the event type ("execve")
	Lineage []uint32
}

// ParseAlert reads one alert line; false when it is not one.
func ParseAlert(line []byte) (Alert, bool) {
	var w struct {
		Rule  string    `json:"rule"`
		Time  time.Time `json:"time"`
		Vigil *struct {
			PID       uint32 `json:"pid"`
			Exe       string `json:"exe"`
			EventType string `json:"event_type"`
			Lineage   []struct {
				PID uint32 `json:"pid"`
			} `json:"lineage"`
		} `json:"vigil"`
	}
	if json.Unmarshal(line, &w) != nil || w.Rule == "" || w.Vigil == nil {
		return Alert{}, false
	}
	a := Alert{Rule: w.Rule, Time: w.Time, PID: w.Vigil.PID, Exe: w.Vigil.Exe, Event: w.Vigil.EventType}
	for _, l := range w.Vigil.Lineage {
		a.Lineage = append(a.Lineage, l.PID)
	}
	return a, true
}

// From reports whether process pid, or a descendant of it, raised a.
func (a Alert) From(pid int) bool {
	return a.PID == uint32(pid) || slices.Contains(a.Lineage, uint32(pid))
}

// Tail reads the lines appended to a file after it was opened.
type Tail struct {
	f       *os.File
	r       *bufio.Reader
	partial []byte
}

// OpenTail opens path at its end.
func OpenTail(path string) (*Tail, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("alerts file: %w", err)
	}
	if _, err := f.Seek(0, io.SeekEnd); err != nil {
		f.Close()
		return nil, fmt.Errorf("alerts file %s: %w", path, err)
	}
	return &Tail{f: f, r: bufio.NewReaderSize(f, 64<<10)}, nil
}

// Alerts returns the alerts of the complete lines appended since the last
// call.
func (t *Tail) Alerts() []Alert {
	var out []Alert
	for {
		line, err := t.r.ReadBytes('\n')
		if len(line) > 0 && line[len(line)-1] == '\n' {
			full := append(t.partial, line...)
			t.partial = nil
			if a, ok := ParseAlert(full); ok {
				out = append(out, a)
			}
			continue
		}
		t.partial = append(t.partial, line...)
		if err != nil {
			return out
		}
	}
}

// Close closes the file.
func (t *Tail) Close() error { return t.f.Close() }

// Verdict is what Verify found for one simulation.
type Verdict struct {
	Sim      Simulation
	Skipped  string // why it did not run
	Err      error  // it failed to run
	Detected bool
	Latency  time.Duration // from its start to the alerting event
}

// OK reports whether the verdict is what the simulation expects: its rule
// fired, or, for a near miss, did not.
func (v Verdict) OK() bool { return v.Skipped != "" || v.Err == nil && v.Detected != v.Sim.Benign }

// Verify runs sims one after the other and, after each, waits up to wait
// for its rule's alert from its process in t.
//
// The simulator's own processes (the child Launch starts, and the steps
// it re-executes) run exe: an alert on the exec of one of them is about
// where exe lives (under /tmp, say), not about the technique, and is not
// counted.
func Verify(ctx context.Context, exe string, sims []Simulation, t *Tail, wait time.Duration, progress io.Writer) []Verdict {
	if real, err := filepath.EvalSymlinks(exe); err == nil {
		exe = real
	}
	own := func(a Alert) bool { return (a.Event == "execve" || a.Event == "execveat") && a.Exe == exe }
	var seen []Alert
	var out []Verdict
	for _, s := range sims {
		v := Verdict{Sim: s}
		if v.Skipped = Missing(s); v.Skipped != "" {
			out = append(out, v)
			continue
		}
		l := Launch(ctx, exe, s)
		if l.Err != nil {
			v.Err = fmt.Errorf("%w: %s", l.Err, strings.TrimSpace(l.Output))
		}
		deadline := time.Now().Add(wait)
		if s.Benign {
			// A near miss waits (up to a second: alerts come within tens of
			// milliseconds) for an alert that must not come.
			deadline = time.Now().Add(min(wait, time.Second))
		}
		for {
			seen = append(seen, t.Alerts()...)
			if i := slices.IndexFunc(seen, func(a Alert) bool { return a.Rule == s.Rule && a.From(l.Pid) && !own(a) }); i >= 0 {
				v.Detected = true
				v.Latency = max(seen[i].Time.Sub(l.Start), 0)
				break
			}
			if time.Now().After(deadline) || ctx.Err() != nil {
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
		if progress != nil {
			fmt.Fprintf(progress, "%s: detected %v\n", s.Name, v.Detected)
		}
		out = append(out, v)
	}
	return out
}

// ErrNotDetected is returned when a simulation that ran was not detected,
// or a near miss raised its rule.
var ErrNotDetected = errors.New("not every simulation was detected, or a near miss raised an alert")
