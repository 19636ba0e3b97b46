package main

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestSimulateVerify runs every simulation that can run here against an
// agent with the built-in ruleset, through `vigil simulate verify`: every
// one must be detected (the command exits 0 and says 100%).
func TestSimulateVerify(t *testing.T) {
	alerts := filepath.Join(t.TempDir(), "alerts.json")
	a := startAgent(t, "--alerts-file", alerts)
	bin, err := buildVigil()
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "simulate", "verify", "--alerts", alerts).CombinedOutput()
	t.Logf("vigil simulate verify:\n%s", out)
	if err != nil || !strings.Contains(string(out), "(100%)") {
		t.Errorf("verify: %v", err)
	}
	a.stop(t)
}
