package main

// `bench rules`: the rule stage's rate on one core, with the built-in
// ruleset and Falco's, on a recorded mix of real events; and, when it
// misses the target, where the time goes (a CPU profile's top functions).

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/vigil-sec/vigil/internal/engine"
	"github.com/vigil-sec/vigil/internal/event"
	"github.com/vigil-sec/vigil/internal/host"
	"github.com/vigil-sec/vigil/internal/sensor/replay"
	"github.com/vigil-sec/vigil/internal/state"
)

// defaultMix is the recorded event mix, relative to the repository root.
const defaultMix = "internal/engine/testdata/mix.jsonl.gz"

const (
	defaultRuleEvals = 2_000_000
	quickRuleEvals   = 20_000
	// ruleTrials: the evaluations are timed this many times (one when
	// quick) and the median reported, with the range: a shared host's
	// neighbours make single timings vary by half.
	ruleTrials = 5
	// rulesTarget is the target: events per second per core.
	rulesTarget = 2_000_000
	profileTop  = 10
)

type rulesFlags struct {
	quick      bool
	json       bool
	count      int
	mix        string
	falcoRules string
	cpuprofile string
}

// profileEntry is one function of a CPU profile.
type profileEntry struct {
	Function string  `json:"function"`
	FlatPerc float64 `json:"flat_percent"`
	CumPerc  float64 `json:"cum_percent"`
}

// rulesResult is one ruleset's figures.
type rulesResult struct {
	Ruleset      string  `json:"ruleset"`
	Source       string  `json:"source"`
	Rules        int     `json:"rules_loaded"`
	Evaluations  int     `json:"evaluations"`
	Trials       int     `json:"trials"`
	Seconds      float64 `json:"seconds"` // the median trial's
	EventsPerSec float64 `json:"events_per_sec"`
	// MinPerSec and MaxPerSec are the slowest and fastest trials'.
	MinPerSec  float64 `json:"min_events_per_sec"`
	MaxPerSec  float64 `json:"max_events_per_sec"`
	NsPerEvent float64 `json:"ns_per_event"`
	Alerts     uint64  `json:"alerts"`
	Pass       bool    `json:"pass"`
	// Profile is the top functions by flat time of a profiled pass (at
	// least 3 s unless quick), when the target was missed or a profile was asked for.
	Profile     []profileEntry `json:"profile,omitempty"`
	ProfileFile string         `json:"profile_file,omitempty"`
}

type rulesReport struct {
	Quick     bool          `json:"quick"`
	Mix       string        `json:"mix"`
	MixEvents int           `json:"mix_events"`
	Target    float64       `json:"target_events_per_sec"`
	Results   []rulesResult `json:"results"`
	Elapsed   float64       `json:"elapsed_seconds"`
}

func newBenchRulesCmd(g *globalFlags, stdout, stderr io.Writer) *cobra.Command {
	f := &rulesFlags{}
	cmd := &cobra.Command{
		Use:   "rules",
		Short: "The rule stage's events per second on one core, built-in and Falco rules",
		Long: "rules replays a recorded mix of real events (" + defaultMix + ": builds, git, ps,\n" +
			"find, python, pipelines) through a process table, as the agent would, then has the\n" +
			"detection stage (the compiled rules and their alerts, written to a sink that discards\n" +
			"them) evaluate the mix in a loop, 2,000,000 evaluations, on one goroutine locked to its\n" +
			"thread: events per second on one core. Once with the built-in ruleset, once with Falco's\n" +
			"stable ruleset. The target is above 2,000,000 events/s; a ruleset that misses it is\n" +
			"evaluated again under the CPU profiler and its top functions by own (flat) time are\n" +
			"reported. No root needed.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			log, err := g.logger(stderr)
			if err != nil {
				return err
			}
			rep, err := runRules(cmd.Context(), f, log)
			if err != nil {
				return err
			}
			return benchOutput(stdout, f.json, rep)
		},
	}
	fl := cmd.Flags()
	fl.BoolVar(&f.quick, "quick", false, "20,000 evaluations (for tests; the figures mean little)")
	fl.BoolVar(&f.json, "json", false, "print the report as JSON")
	fl.IntVar(&f.count, "count", 0, "evaluations per ruleset (default 2000000)")
	fl.StringVar(&f.mix, "mix", defaultMix, "recorded events (JSON lines, gzip when the name ends in .gz)")
	fl.StringVar(&f.falcoRules, "falco-rules", defaultFalcoRules, "Falco's rules file")
	fl.StringVar(&f.cpuprofile, "cpuprofile", "", "profile every ruleset and write its CPU profile to FILE.<ruleset>")
	return cmd
}

// repoRoot is the directory of Vigil's go.mod at or above the working
// directory ("" when there is none).
func repoRoot() string {
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		data, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil && strings.HasPrefix(string(data), "module github.com/vigil-sec/vigil\n") {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

// benchPath resolves a data file's path: as given when it exists, else
// relative to the repository root.
func benchPath(p string) (string, error) {
	if _, err := os.Stat(p); err == nil || filepath.IsAbs(p) {
		return filepath.Abs(p)
	}
	if root := repoRoot(); root != "" {
		q := filepath.Join(root, p)
		if _, err := os.Stat(q); err == nil {
			return q, nil
		}
	}
	return "", fmt.Errorf("%s: not found here nor under the repository root", p)
}

// loadMix replays a recording through a process table and returns its
// events, enriched as the agent enriches them.
func loadMix(ctx context.Context, path string) ([]*event.Event, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("mix: %w", err)
	}
	defer f.Close()
	var r io.Reader = f
	if strings.HasSuffix(path, ".gz") {
		zr, err := gzip.NewReader(f)
		if err != nil {
			return nil, fmt.Errorf("mix %s: %w", path, err)
		}
		r = zr
	}
	table := state.New(state.Config{Clock: host.Clock{}})
	var evs []*event.Event
	var bad error
	src := replay.New(r, replay.Options{Name: path, OnError: func(err error) { bad = errors.Join(bad, err) }})
	if err := src.Run(ctx, func(ev *event.Event) {
		table.Apply(ev)
		evs = append(evs, ev)
	}); err != nil {
		return nil, err
	}
	if bad != nil {
		return nil, fmt.Errorf("mix %s: %w", path, bad)
	}
	if len(evs) == 0 {
		return nil, fmt.Errorf("mix %s: no events", path)
	}
	return evs, nil
}

// discardAlerts is an alert sink that counts and drops.
type discardAlerts struct{ n uint64 }

func (d *discardAlerts) WriteAlert(*engine.Alert) error { d.n++; return nil }
func (d *discardAlerts) Flush() error                   { return nil }

func runRules(ctx context.Context, f *rulesFlags, log *slog.Logger) (*rulesReport, error) {
	start := time.Now()
	count := defaultRuleEvals
	if f.quick {
		count = quickRuleEvals
	}
	if f.count > 0 {
		count = f.count
	}
	mixPath, err := benchPath(f.mix)
	if err != nil {
		return nil, fmt.Errorf("--mix: %w", err)
	}
	falcoPath, err := benchPath(f.falcoRules)
	if err != nil {
		return nil, fmt.Errorf("--falco-rules: %w", err)
	}
	evs, err := loadMix(ctx, mixPath)
	if err != nil {
		return nil, err
	}
	rep := &rulesReport{Quick: f.quick, Mix: f.mix, MixEvents: len(evs), Target: rulesTarget}
	for _, rs := range []struct{ name, path, source string }{
		{"built-in", builtinRules, "vigil's built-in ruleset"},
		{"falco", falcoPath, "Falco's stable ruleset (" + filepath.Base(falcoPath) + ")"},
	} {
		l, err := loadRules(&ruleFlags{paths: []string{rs.path}, matching: "all"})
		if err != nil {
			return nil, fmt.Errorf("rules %s: %w", rs.name, err)
		}
		if n := l.errorCount(); n > 0 {
			return nil, fmt.Errorf("rules %s: %d error(s)", rs.name, n)
		}
		res := rulesResult{Ruleset: rs.name, Source: rs.source, Rules: l.engine.Loaded(), Evaluations: count}
		log.Info("bench rules", "ruleset", rs.name, "rules", res.Rules, "evaluations", count)
		sink := &discardAlerts{}
		det := engine.NewDetector(l.engine, log, sink)
		evalLoop(det, evs, len(evs)) // warm-up: caches, branch predictors
		trials := ruleTrials
		if f.quick {
			trials = 1
		}
		ds := make([]time.Duration, trials)
		for i := range ds {
			sink.n = 0
			ds[i] = evalLoop(det, evs, count)
		}
		slices.Sort(ds)
		d := ds[len(ds)/2]
		res.Trials = trials
		res.MinPerSec = float64(count) / ds[len(ds)-1].Seconds()
		res.MaxPerSec = float64(count) / ds[0].Seconds()
		res.Seconds = d.Seconds()
		res.EventsPerSec = float64(count) / d.Seconds()
		res.NsPerEvent = float64(d.Nanoseconds()) / float64(count)
		res.Alerts = sink.n
		res.Pass = res.EventsPerSec > rulesTarget
		if !res.Pass || f.cpuprofile != "" {
			// At least 3 s under the profiler (100 samples a second),
			// unless quick.
			n := count
			if !f.quick {
				n = max(count, int(3e9/res.NsPerEvent))
			}
			prof, err := profileEval(det, evs, n)
			if err != nil {
				return nil, fmt.Errorf("rules %s: %w", rs.name, err)
			}
			if res.Profile, err = topFunctions(prof, profileTop); err != nil {
				return nil, fmt.Errorf("rules %s: %w", rs.name, err)
			}
			if f.cpuprofile != "" {
				res.ProfileFile = f.cpuprofile + "." + rs.name
				if err := os.WriteFile(res.ProfileFile, prof, 0o644); err != nil {
					return nil, fmt.Errorf("--cpuprofile: %w", err)
				}
			}
		}
		rep.Results = append(rep.Results, res)
	}
	rep.Elapsed = time.Since(start).Seconds()
	return rep, nil
}

// evalLoop has the detector evaluate n events of the mix, in a loop, on
// this goroutine locked to its thread, and returns the time taken.
func evalLoop(det *engine.Detector, evs []*event.Event, n int) time.Duration {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	start := time.Now()
	for i := range n {
		j := i % len(evs)
		if j == 0 {
			// Each pass as new as the recording: files seen in an earlier
			// pass are not remembered.
			det.ForgetFiles()
		}
		_ = det.Write(evs[j])
	}
	return time.Since(start)
}

// profileEval evaluates n events under the CPU profiler and returns the
// profile (gzipped protocol buffer, runtime/pprof's format).
func profileEval(det *engine.Detector, evs []*event.Event, n int) ([]byte, error) {
	var buf bytes.Buffer
	if err := pprof.StartCPUProfile(&buf); err != nil {
		return nil, fmt.Errorf("CPU profile: %w", err)
	}
	evalLoop(det, evs, n)
	pprof.StopCPUProfile()
	return buf.Bytes(), nil
}

// topFunctions reads a CPU profile (runtime/pprof's gzipped profile.proto)
// and returns its n functions with the most flat time: the samples whose
// innermost frame is theirs; cum counts the samples with the function
// anywhere on the stack.
func topFunctions(prof []byte, n int) ([]profileEntry, error) {
	p, err := parseProfile(prof)
	if err != nil {
		return nil, err
	}
	flat := map[string]int64{}
	cum := map[string]int64{}
	var total int64
	for _, s := range p.samples {
		v := s.value
		total += v
		seen := map[string]bool{}
		for i, loc := range s.locations {
			fns := p.locFuncs[loc]
			for j, fn := range fns {
				name := p.funcName(fn)
				if i == 0 && j == 0 {
					flat[name] += v
				}
				if !seen[name] {
					seen[name] = true
					cum[name] += v
				}
			}
		}
	}
	if total == 0 {
		return nil, nil
	}
	names := make([]string, 0, len(flat))
	for k := range flat {
		names = append(names, k)
	}
	slices.SortFunc(names, func(a, b string) int {
		if flat[a] != flat[b] {
			if flat[a] > flat[b] {
				return -1
			}
			return 1
		}
		return strings.Compare(a, b)
	})
	var out []profileEntry
	for _, name := range names[:min(n, len(names))] {
		out = append(out, profileEntry{Function: name,
			FlatPerc: float64(flat[name]) / float64(total) * 100,
			CumPerc:  float64(cum[name]) / float64(total) * 100})
	}
	return out, nil
}

// profileData is what topFunctions needs of a profile.
type profileData struct {
	samples  []profileSample
	locFuncs map[uint64][]uint64 // location id -> function ids, innermost first
	funcs    map[uint64]int64    // function id -> name's index in strs
	strs     []string
}

type profileSample struct {
	locations []uint64 // innermost first
	value     int64    // the last value: CPU nanoseconds in a CPU profile
}

func (p *profileData) funcName(id uint64) string {
	i, ok := p.funcs[id]
	if !ok || i < 0 || i >= int64(len(p.strs)) {
		return fmt.Sprintf("function#%d", id)
	}
	return p.strs[i]
}

// The profile.proto field numbers used.
const (
	profSample       = 2
	profLocation     = 4
	profFunction     = 5
	profStringTable  = 6
	sampleLocationID = 1
	sampleValue      = 2
	locID            = 1
	locLine          = 4
	lineFunctionID   = 1
	funcID           = 1
	funcName         = 2
)

// parseProfile decodes the parts of a profile.proto (gzipped or not) that
// topFunctions uses.
func parseProfile(data []byte) (*profileData, error) {
	if len(data) >= 2 && data[0] == 0x1f && data[1] == 0x8b {
		zr, err := gzip.NewReader(bytes.NewReader(data))
		if err != nil {
			return nil, fmt.Errorf("profile: %w", err)
		}
		if data, err = io.ReadAll(io.LimitReader(zr, 256<<20)); err != nil {
			return nil, fmt.Errorf("profile: %w", err)
		}
	}
	p := &profileData{locFuncs: map[uint64][]uint64{}, funcs: map[uint64]int64{}}
	err := protoFields(data, func(num protowire.Number, typ protowire.Type, v uint64, b []byte) error {
		if typ != protowire.BytesType {
			return nil
		}
		switch num {
		case profSample:
			var s profileSample
			var vals []uint64
			err := protoFields(b, func(num protowire.Number, typ protowire.Type, v uint64, b []byte) error {
				var err error
				switch num {
				case sampleLocationID:
					s.locations, err = protoUints(s.locations, typ, v, b)
				case sampleValue:
					vals, err = protoUints(vals, typ, v, b)
				}
				return err
			})
			if err != nil {
				return fmt.Errorf("sample: %w", err)
			}
			if len(vals) > 0 {
				s.value = int64(vals[len(vals)-1])
			}
			p.samples = append(p.samples, s)
		case profLocation:
			var id uint64
			var fns []uint64
			err := protoFields(b, func(num protowire.Number, typ protowire.Type, v uint64, b []byte) error {
				switch {
				case num == locID && typ == protowire.VarintType:
					id = v
				case num == locLine && typ == protowire.BytesType:
					return protoFields(b, func(num protowire.Number, typ protowire.Type, v uint64, _ []byte) error {
						if num == lineFunctionID && typ == protowire.VarintType {
							fns = append(fns, v)
						}
						return nil
					})
				}
				return nil
			})
			if err != nil {
				return fmt.Errorf("location: %w", err)
			}
			p.locFuncs[id] = fns
		case profFunction:
			var id uint64
			var name int64
			err := protoFields(b, func(num protowire.Number, typ protowire.Type, v uint64, _ []byte) error {
				if typ == protowire.VarintType {
					switch num {
					case funcID:
						id = v
					case funcName:
						name = int64(v)
					}
				}
				return nil
			})
			if err != nil {
				return fmt.Errorf("function: %w", err)
			}
			p.funcs[id] = name
		case profStringTable:
			p.strs = append(p.strs, string(b))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("profile: %w", err)
	}
	return p, nil
}

// protoFields calls fn for each field of a protocol buffer message: v for
// varint and fixed fields, b for length-delimited ones.
func protoFields(data []byte, fn func(num protowire.Number, typ protowire.Type, v uint64, b []byte) error) error {
	for len(data) > 0 {
		num, typ, n := protowire.ConsumeTag(data)
		if n < 0 {
			return protowire.ParseError(n)
		}
		data = data[n:]
		var v uint64
		var b []byte
		switch typ {
		case protowire.VarintType:
			v, n = protowire.ConsumeVarint(data)
		case protowire.Fixed32Type:
			var x uint32
			x, n = protowire.ConsumeFixed32(data)
			v = uint64(x)
		case protowire.Fixed64Type:
			v, n = protowire.ConsumeFixed64(data)
		case protowire.BytesType:
			b, n = protowire.ConsumeBytes(data)
		default:
			n = protowire.ConsumeFieldValue(num, typ, data)
		}
		if n < 0 {
			return protowire.ParseError(n)
		}
		data = data[n:]
		if err := fn(num, typ, v, b); err != nil {
			return err
		}
	}
	return nil
}

// protoUints appends a repeated integer field's values, packed or not.
func protoUints(dst []uint64, typ protowire.Type, v uint64, b []byte) ([]uint64, error) {
	switch typ {
	case protowire.VarintType:
		return append(dst, v), nil
	case protowire.BytesType:
		for len(b) > 0 {
			x, n := protowire.ConsumeVarint(b)
			if n < 0 {
				return dst, protowire.ParseError(n)
			}
			dst = append(dst, x)
			b = b[n:]
		}
		return dst, nil
	}
	return dst, fmt.Errorf("repeated integer field of wire type %d", typ)
}

func (rep *rulesReport) writeTable(w io.Writer) error {
	mode := ""
	if rep.Quick {
		mode = ", --quick (the figures mean little)"
	}
	fmt.Fprintf(w, "vigil bench rules: %s (%d events) in a loop, one goroutine locked to its thread, %.0fs%s\n\n",
		rep.Mix, rep.MixEvents, rep.Elapsed, mode)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ruleset\trules\tevaluations\tevents/s (one core), median (min-max)\tns/event\talerts\ttarget\t")
	for _, r := range rep.Results {
		fmt.Fprintf(tw, "%s\t%d\t%d x %d\t%.0f (%.0f-%.0f)\t%.0f\t%d\t> %.0f: %s\t\n", r.Ruleset, r.Rules, r.Trials, r.Evaluations,
			r.EventsPerSec, r.MinPerSec, r.MaxPerSec, r.NsPerEvent, r.Alerts, rep.Target, metMissed(r.Pass))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, r := range rep.Results {
		if len(r.Profile) == 0 {
			continue
		}
		fmt.Fprintf(w, "\n%s: top %d functions by flat CPU time", r.Ruleset, len(r.Profile))
		if r.ProfileFile != "" {
			fmt.Fprintf(w, " (profile: %s)", r.ProfileFile)
		}
		fmt.Fprintln(w)
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "  flat%\tcum%\tfunction")
		for _, e := range r.Profile {
			fmt.Fprintf(tw, "  %.1f\t%.1f\t%s\n", e.FlatPerc, e.CumPerc, e.Function)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	return nil
}

func metMissed(ok bool) string {
	if ok {
		return "met"
	}
	return "missed"
}
