package floor

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vigil-sec/vigil/internal/testutil"
)

var updateSum = flag.Bool("update-bpf-sum", false, "rewrite bpf_sources.sum after regenerating the BPF object")

const sumFile = "bpf_sources.sum"

// bpfSources lists the inputs of the generated object: floor.bpf.c
// includes nothing.
var bpfSources = []string{"../../../bpf/floor.bpf.c", "gen.go"}

func sourcesSum(t *testing.T) string {
	t.Helper()
	h := sha256.New()
	for _, f := range bpfSources {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		h.Write([]byte(f + "\x00"))
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// TestGeneratedObjectsFresh fails when the committed BPF object may not
// match its C source: (1) the sources' checksum recorded at the last
// generation differs (any machine), (2) rebuilding with clang gives other
// bytes (when clang is installed; required in CI).
func TestGeneratedObjectsFresh(t *testing.T) {
	sum := sourcesSum(t)
	if *updateSum {
		if err := os.WriteFile(sumFile, []byte(sum+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	recorded, err := os.ReadFile(sumFile)
	if err != nil {
		t.Fatalf("read %s: %v (run `go generate` here, then this test with -args -update-bpf-sum)", sumFile, err)
	}
	if strings.TrimSpace(string(recorded)) != sum {
		t.Fatal("bpf/floor.bpf.c or gen.go changed since the object was generated: regenerate and commit the result")
	}

	if _, err := exec.LookPath("clang"); err != nil {
		testutil.SkipOrFail(t, "clang not installed: cannot rebuild the BPF object to compare")
	}
	args := generateArgs(t)
	out := t.TempDir()
	// Flags must precede bpf2go's positional arguments.
	cmdArgs := append([]string{"tool", args[0], "-output-dir", out}, args[1:]...)
	cmd := exec.Command("go", cmdArgs...)
	cmd.Env = append(os.Environ(), "GOPACKAGE=floor")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("rebuild: %v\n%s", err, b)
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
			t.Errorf("%s differs from a fresh build of its source: regenerate and commit", filepath.Base(f))
		}
	}
}

// generateArgs returns the bpf2go arguments of gen.go's go:generate line.
func generateArgs(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile("gen.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(l, "//go:generate go tool "); ok {
			return splitQuoted(rest)
		}
	}
	t.Fatal("no go:generate line in gen.go")
	return nil
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
