package main

import (
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// BenchmarkAgentRSS5000 measures the resident memory of `vigil run` with
// 5,000 extra live processes on the host (seeded into its process table),
// after it has settled.
//
//	go test ./cmd/vigil -run '^$' -bench AgentRSS -benchtime 1x
func BenchmarkAgentRSS5000(b *testing.B) {
	const n = 5000
	// 5,000 sleepers in their own process group, killed together.
	spawner := exec.Command("/bin/sh", "-c", fmt.Sprintf(
		"i=0; while [ $i -lt %d ]; do sleep 600 & i=$((i+1)); done; echo started; wait", n))
	spawner.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	out, err := spawner.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := spawner.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() {
		_ = syscall.Kill(-spawner.Process.Pid, syscall.SIGKILL)
		_ = spawner.Wait()
	}()
	buf := make([]byte, 16)
	if _, err := out.Read(buf); err != nil {
		b.Fatal(err)
	}
	for i := 0; i < b.N; i++ {
		a := startAgent(b, "--stats-interval", "0")
		seeded := regexp.MustCompile(`seeded_processes=(\d+)`).FindStringSubmatch(strings.Join(a.stderr.snapshot(), "\n"))
		if len(seeded) < 2 {
			b.Fatal("no seeded_processes in the ready line")
		}
		if k, _ := strconv.Atoi(seeded[1]); k < n {
			b.Fatalf("seeded %d processes, want at least %d", k, n)
		}
		time.Sleep(2 * time.Second) // let it settle (GC)
		rss := vmRSS(b, a.cmd.Process.Pid)
		a.stop(b)
		b.ReportMetric(float64(rss)/1024, "rss_MiB")
		b.ReportMetric(float64(n), "extra_processes")
	}
}

// vmRSS returns a process's resident set in KiB.
func vmRSS(b *testing.B, pid int) int {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		b.Fatal(err)
	}
	for _, l := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(l, "VmRSS:"); ok {
			kb, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB"))
			return kb
		}
	}
	b.Fatal("no VmRSS")
	return 0
}
