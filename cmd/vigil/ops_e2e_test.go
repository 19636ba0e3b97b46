package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// markerRule is a rules file whose rule fires on each exec of a program
// named vigilmark (a copy of /bin/true); with uniqueOutput the output names
// the pid, else every alert's output is the same (a flood).
func markerRule(name string, uniqueOutput bool) string {
	out := "marker run"
	if uniqueOutput {
		out = "marker run pid=%proc.pid"
	}
	return fmt.Sprintf("- rule: %s\n  desc: the marker ran\n  condition: evt.type in (execve) and proc.name = vigilmark\n"+
		"  output: %s\n  priority: WARNING\n  tags: [test]\n", name, out)
}

// newMarker copies /bin/true to dir/vigilmark.
func newMarker(t *testing.T, dir string) string {
	t.Helper()
	src, err := exec.LookPath("true")
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "vigilmark")
	if err := os.WriteFile(p, b, 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

// runMarker runs the marker n times, every gap, and returns the pids.
func runMarker(t *testing.T, marker string, n int, gap time.Duration) []uint32 {
	t.Helper()
	pids := make([]uint32, 0, n)
	for range n {
		cmd := exec.Command(marker)
		if err := cmd.Run(); err != nil {
			t.Fatalf("marker: %v", err)
		}
		pids = append(pids, uint32(cmd.Process.Pid))
		if gap > 0 {
			time.Sleep(gap)
		}
	}
	return pids
}

type alertLine struct {
	Rule         string         `json:"rule"`
	Time         time.Time      `json:"time"`
	Output       string         `json:"output"`
	OutputFields map[string]any `json:"output_fields"`
	Vigil        struct {
		PID uint32 `json:"pid"`
	} `json:"vigil"`
}

func parseAlerts(lines []string) []alertLine {
	var out []alertLine
	for _, l := range lines {
		var a alertLine
		if json.Unmarshal([]byte(l), &a) == nil && a.Rule != "" {
			out = append(out, a)
		}
	}
	return out
}

// waitAlerts waits (bounded, for liveness only) until count(lines) >= n.
func waitAlerts(t *testing.T, what string, n int, count func() int) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for count() < n {
		if time.Now().After(deadline) {
			t.Fatalf("%s: %d alerts, want %d", what, count(), n)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestRuleReloadLosesNothing reloads the rules many times, by SIGHUP and by
// the file watcher, while a marker program runs in a loop: every run is
// alerted exactly once, by the rule in force at the time (the old or the
// new one), and a broken ruleset is refused while the old one keeps
// alerting.
func TestRuleReloadLosesNothing(t *testing.T) {
	dir := t.TempDir()
	marker := newMarker(t, dir)
	rulesPath := filepath.Join(dir, "rules.yaml")
	write := func(body string) {
		t.Helper()
		// Write and rename: the watcher never sees half a file.
		tmp := rulesPath + ".new"
		if err := os.WriteFile(tmp, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, rulesPath); err != nil {
			t.Fatal(err)
		}
	}
	write(markerRule("marker A", true))
	a := startAgent(t, "--json", "-r", rulesPath)

	const n = 400
	pidsCh := make(chan []uint32, 1)
	go func() { pidsCh <- runMarker(t, marker, n, 2*time.Millisecond) }()
	reloads := 0
	for i := range 6 {
		time.Sleep(150 * time.Millisecond)
		if i%2 == 0 {
			write(markerRule("marker B", true))
		} else {
			write(markerRule("marker A", true))
		}
		if err := a.cmd.Process.Signal(syscall.SIGHUP); err != nil {
			t.Fatal(err)
		}
		reloads++
	}
	// A broken ruleset: refused, the rule in force keeps alerting.
	write("- rule: broken\n  condition: evt.type = nonsense and\n")
	_ = a.cmd.Process.Signal(syscall.SIGHUP)
	pids := <-pidsCh
	a.stderr.waitLine(t, "refused reload", func(l string) bool { return strings.Contains(l, "rule reload refused") })
	// The file watcher alone (no signal) picks up a good file again.
	write(markerRule("marker C", true))
	a.stderr.waitLine(t, "watched reload", func(l string) bool {
		return strings.Contains(l, "reloading") && strings.Contains(l, "changed: "+rulesPath)
	})
	time.Sleep(300 * time.Millisecond)
	after := runMarker(t, marker, 5, 0)

	ours := func() map[uint32][]string {
		m := map[uint32][]string{}
		for _, al := range parseAlerts(a.stdout.snapshot()) {
			if strings.HasPrefix(al.Rule, "marker ") {
				m[al.Vigil.PID] = append(m[al.Vigil.PID], al.Rule)
			}
		}
		return m
	}
	waitAlerts(t, "markers", n+5, func() int { return len(ours()) })
	a.stop(t)
	got := ours()
	byRule := map[string]int{}
	for _, pid := range pids {
		rs := got[pid]
		if len(rs) != 1 {
			t.Errorf("marker pid %d: alerts %v, want exactly one", pid, rs)
			continue
		}
		byRule[rs[0]]++
	}
	for _, pid := range after {
		if rs := got[pid]; len(rs) != 1 || rs[0] != "marker C" {
			t.Errorf("after the watched reload, pid %d: alerts %v, want [marker C]", pid, rs)
		}
	}
	if byRule["marker A"] == 0 || byRule["marker B"] == 0 {
		t.Errorf("alerts by rule %v: want both the old and the new rule", byRule)
	}
	ok := 0
	for _, l := range a.stderr.snapshot() {
		if strings.Contains(l, "rules reloaded") {
			ok++
		}
	}
	if ok < reloads {
		t.Errorf("%d successful reloads logged, want at least %d", ok, reloads)
	}
	t.Logf("%d marker runs through %d reloads (and one refused): every one alerted once, by rule %v", n, ok, byRule)
}

// TestAlertFloodAggregated runs the marker 300 times with a rule whose
// output is identical each time: the first alert is written, the repeats
// are folded into summaries carrying their count and first and last times,
// and the counts add up to every run.
func TestAlertFloodAggregated(t *testing.T) {
	dir := t.TempDir()
	marker := newMarker(t, dir)
	rulesPath := filepath.Join(dir, "rules.yaml")
	if err := os.WriteFile(rulesPath, []byte(markerRule("flood", false)), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "vigil.yaml")
	if err := os.WriteFile(cfg, []byte("aggregation:\n  enabled: true\n  window: 1s\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	a := startAgent(t, "--config", cfg, "--json", "-r", rulesPath)
	const n = 300
	runMarker(t, marker, n, 0)
	time.Sleep(2500 * time.Millisecond) // a window closes
	a.stop(t)                           // pending summaries are written at stop

	total, lines, summaries := 0, 0, 0
	for _, al := range parseAlerts(a.stdout.snapshot()) {
		if al.Rule != "flood" {
			continue
		}
		lines++
		c, ok := al.OutputFields["vigil.repeat.count"].(float64)
		if !ok {
			total++
			continue
		}
		summaries++
		total += int(c)
		first, _ := al.OutputFields["vigil.repeat.first"].(float64)
		last, _ := al.OutputFields["vigil.repeat.last"].(float64)
		if first == 0 || last < first || !strings.Contains(al.Output, "repeated") {
			t.Errorf("summary without its span: %+v", al)
		}
	}
	if total != n {
		t.Errorf("alerts and summary counts add up to %d, want %d (nothing dropped)", total, n)
	}
	if summaries == 0 || lines > 10 {
		t.Errorf("%d lines, %d summaries: the flood was not aggregated", lines, summaries)
	}
	t.Logf("%d identical alerts written as %d lines (%d summaries)", n, lines, summaries)
}

// TestOutputsAllOn runs the agent with a webhook, a program, a file and a
// syslog output at once, plus metrics: the webhook's receiver is down at
// first and comes back (the alerts are retried, not lost), every output
// gets every alert, the metrics count them, and the test reports the
// detection latency (the event's time to the alert's arrival at the
// webhook) with every output on.
func TestOutputsAllOn(t *testing.T) {
	dir := t.TempDir()
	marker := newMarker(t, dir)
	rulesPath := filepath.Join(dir, "rules.yaml")
	if err := os.WriteFile(rulesPath, []byte(markerRule("marker", true)), 0o644); err != nil {
		t.Fatal(err)
	}
	// The webhook's port, reserved and released: nothing listens yet.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hookAddr := ln.Addr().String()
	ln.Close()
	mln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	metricsAddr := mln.Addr().String()
	mln.Close()
	// A syslog receiver on a unix datagram socket.
	sock := filepath.Join(dir, "log.sock")
	sl, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: sock, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	defer sl.Close()
	var syslogMu sync.Mutex
	var syslogMsgs []string
	go func() {
		buf := make([]byte, 64<<10)
		for {
			n, err := sl.Read(buf)
			if err != nil {
				return
			}
			syslogMu.Lock()
			syslogMsgs = append(syslogMsgs, string(buf[:n]))
			syslogMu.Unlock()
		}
	}()
	alertsFile := filepath.Join(dir, "alerts.json")
	programFile := filepath.Join(dir, "program.json")
	cfg := fmt.Sprintf(`outputs:
  - name: webhook
    type: http
    http: {url: "http://%s/", retries: 20, backoff: 50ms, timeout: 2s}
  - name: pipe
    type: program
    format: json
    program: {command: "cat >> %s", keep_alive: true}
  - name: file
    type: file
    format: json
    file: {path: %s}
  - name: syslog
    type: syslog
    syslog: {network: unixgram, address: %s}
  - name: ocsf
    type: stderr
    format: ocsf
    min_priority: error
metrics:
  enabled: true
  listen: %s
`, hookAddr, programFile, alertsFile, sock, metricsAddr)
	cfgPath := filepath.Join(dir, "vigil.yaml")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	a := startAgent(t, "--config", cfgPath, "-r", rulesPath)

	// While the webhook is down.
	const down, up = 10, 200
	pids := runMarker(t, marker, down, 5*time.Millisecond)
	time.Sleep(300 * time.Millisecond)

	type received struct {
		at    time.Time
		alert alertLine
	}
	var mu sync.Mutex
	var got []received
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		var al alertLine
		if json.Unmarshal(b, &al) == nil && al.Rule != "" {
			mu.Lock()
			got = append(got, received{at: time.Now(), alert: al})
			mu.Unlock()
		}
	})}
	hl, err := net.Listen("tcp", hookAddr)
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(hl)
	defer srv.Close()
	pids = append(pids, runMarker(t, marker, up, 5*time.Millisecond)...)
	n := len(pids)
	waitAlerts(t, "webhook", n, func() int { mu.Lock(); defer mu.Unlock(); return len(got) })

	countLines := func(p, substr string) int {
		f, err := os.Open(p)
		if err != nil {
			return 0
		}
		defer f.Close()
		c := 0
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			if strings.Contains(sc.Text(), substr) {
				c++
			}
		}
		return c
	}
	waitAlerts(t, "file", n, func() int { return countLines(alertsFile, `"rule":"marker"`) })
	waitAlerts(t, "program", n, func() int { return countLines(programFile, `"rule":"marker"`) })
	waitAlerts(t, "syslog", n, func() int {
		syslogMu.Lock()
		defer syslogMu.Unlock()
		c := 0
		for _, m := range syslogMsgs {
			if strings.Contains(m, "marker run pid=") {
				c++
			}
		}
		return c
	})

	// Metrics: alerts by rule, each output's deliveries, health.
	scrape := func(path string) (int, string) {
		resp, err := http.Get("http://" + metricsAddr + path)
		if err != nil {
			t.Fatalf("scrape %s: %v", path, err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := scrape("/healthz"); code != 200 {
		t.Errorf("/healthz: %d %s", code, body)
	}
	_, body := scrape("/metrics")
	metric := func(prefix string) float64 {
		for _, l := range strings.Split(body, "\n") {
			if strings.HasPrefix(l, prefix+" ") {
				v, _ := strconv.ParseFloat(strings.TrimSpace(strings.TrimPrefix(l, prefix)), 64)
				return v
			}
		}
		t.Errorf("metric %s missing", prefix)
		return -1
	}
	if v := metric(`vigil_alerts_total{priority="Warning",rule="marker"}`); int(v) != n {
		t.Errorf("vigil_alerts_total for marker = %v, want %d", v, n)
	}
	for _, o := range []string{"webhook", "pipe", "file", "syslog"} {
		if v := metric(`vigil_output_sent_total{output="` + o + `"}`); int(v) != n {
			t.Errorf("output %s: sent %v, want %d", o, v, n)
		}
	}
	if v := metric(`vigil_output_retried_total{output="webhook"}`); v < 1 {
		t.Errorf("webhook retried %v times while its receiver was down, want at least once", v)
	}
	if v := metric(`vigil_output_dropped_total{output="webhook"}`); v != 0 {
		t.Errorf("webhook dropped %v alerts", v)
	}
	a.stop(t)

	// Every pid reached the webhook once; latency of the runs made while
	// it was up.
	mu.Lock()
	defer mu.Unlock()
	seen := map[uint32]int{}
	var lat []time.Duration
	upSet := map[uint32]bool{}
	for _, p := range pids[down:] {
		upSet[p] = true
	}
	for _, r := range got {
		seen[r.alert.Vigil.PID]++
		if upSet[r.alert.Vigil.PID] {
			lat = append(lat, r.at.Sub(r.alert.Time))
		}
	}
	for _, p := range pids {
		if seen[p] != 1 {
			t.Errorf("pid %d reached the webhook %d times, want once", p, seen[p])
		}
	}
	slices.Sort(lat)
	if len(lat) > 0 {
		t.Logf("detection latency, event to alert at the webhook, every output on (%d alerts): p50 %v, p99 %v",
			len(lat), lat[len(lat)/2].Round(time.Microsecond), lat[len(lat)*99/100].Round(time.Microsecond))
	}
}
