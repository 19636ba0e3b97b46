package testutil

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// BPFSumFile is where a package records the checksum of its BPF sources
// at the last generation.
const BPFSumFile = "bpf_sources.sum"

// CheckGeneratedBPF fails when the committed bpf2go output in the current
// directory (a Go package with a gen.go of `//go:generate go tool bpf2go`
// lines) may not match its sources: (1) the checksum of sources differs
// from the one recorded in BPFSumFile at the last generation (any
// machine); (2) rebuilding each object with clang gives other bytes (when
// clang is installed; required with VIGIL_REQUIRE_KERNEL, as in CI). With
// update it first records the sources' checksum (after regenerating).
// pkg is the Go package name bpf2go writes.
func CheckGeneratedBPF(t *testing.T, pkg string, sources []string, update bool) {
	t.Helper()
	sum := sourcesSum(t, sources)
	if update {
		if err := os.WriteFile(BPFSumFile, []byte(sum+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	recorded, err := os.ReadFile(BPFSumFile)
	if err != nil {
		t.Fatalf("read %s: %v (run `make generate`)", BPFSumFile, err)
	}
	if strings.TrimSpace(string(recorded)) != sum {
		t.Fatalf("BPF sources (%s) changed since the objects were generated: run `make generate` and commit the result",
			strings.Join(sources, ", "))
	}

	if _, err := exec.LookPath("clang"); err != nil {
		SkipOrFail(t, "clang not installed: cannot rebuild the BPF objects to compare")
	}
	out := t.TempDir()
	for _, args := range generateArgs(t) {
		// Flags must precede bpf2go's positional arguments.
		cmdArgs := append([]string{"tool", args[0], "-output-dir", out}, args[1:]...)
		cmd := exec.Command("go", cmdArgs...)
		cmd.Env = append(os.Environ(), "GOPACKAGE="+pkg)
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("rebuild: %v\n%s", err, b)
		}
	}
	gen, _ := filepath.Glob(filepath.Join(out, "*"))
	if len(gen) == 0 {
		t.Fatal("rebuild produced no files")
	}
	for _, f := range gen {
		fresh, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		committed, err := os.ReadFile(filepath.Base(f))
		if err != nil {
			t.Fatalf("%s is generated but not committed: %v", filepath.Base(f), err)
		}
		if !bytes.Equal(fresh, committed) {
			t.Errorf("%s differs from a fresh build of its sources: run `make generate` and commit", filepath.Base(f))
		}
	}
}

func sourcesSum(t *testing.T, sources []string) string {
	t.Helper()
	h := sha256.New()
	for _, f := range sources {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		h.Write([]byte(f + "\x00"))
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// generateArgs returns the bpf2go arguments of each of gen.go's
// go:generate lines (one per BPF object).
func generateArgs(t *testing.T) [][]string {
	t.Helper()
	f, err := os.Open("gen.go")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out [][]string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line, ok := strings.CutPrefix(sc.Text(), "//go:generate go tool ")
		if !ok {
			continue
		}
		out = append(out, splitQuoted(line))
	}
	if len(out) == 0 {
		t.Fatal("no go:generate line in gen.go")
	}
	return out
}

// splitQuoted splits on spaces, keeping double-quoted runs together.
func splitQuoted(s string) []string {
	var out []string
	var cur strings.Builder
	quoted := false
	for _, r := range s {
		switch {
		case r == '"':
			quoted = !quoted
		case r == ' ' && !quoted:
			if cur.Len() > 0 {
				out = append(out, cur.String())
				cur.Reset()
			}
		default:
			cur.WriteRune(r)
		}
	}
	if cur.Len() > 0 {
		out = append(out, cur.String())
	}
	return out
}
