package kernel

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/vigil-sec/vigil/internal/testutil"
)

var updateSum = flag.Bool("update-bpf-sum", false, "rewrite bpf_sources.sum after regenerating the BPF objects")

const sumFile = "bpf_sources.sum"

// bpfSources lists the inputs of the generated objects.
func bpfSources(t *testing.T) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir("../../../bpf", func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		// floor.bpf.c belongs to internal/sensor/floor, which checks it
		if !d.IsDir() && (strings.HasSuffix(p, ".c") || strings.HasSuffix(p, ".h")) && filepath.Base(p) != "floor.bpf.c" {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(files)
	return append(files, "gen.go")
}

func sourcesSum(t *testing.T) string {
	t.Helper()
	h := sha256.New()
	for _, f := range bpfSources(t) {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		h.Write([]byte(f + "\x00"))
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// TestGeneratedObjectsFresh fails when the committed BPF objects may not
// match their C sources: (1) the sources' checksum recorded at the last
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
		t.Fatalf("read %s: %v (run `make generate`)", sumFile, err)
	}
	if strings.TrimSpace(string(recorded)) != sum {
		t.Fatalf("bpf/ sources changed since the objects were generated: run `make generate` and commit the result")
	}

	if _, err := exec.LookPath("clang"); err != nil {
		testutil.SkipOrFail(t, "clang not installed: cannot rebuild the BPF objects to compare")
	}
	out := t.TempDir()
	for _, args := range generateArgs(t) {
		// Flags must precede bpf2go's positional arguments.
		cmdArgs := append([]string{"tool", args[0], "-output-dir", out}, args[1:]...)
		cmd := exec.Command("go", cmdArgs...)
		cmd.Env = append(os.Environ(), "GOPACKAGE=kernel")
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
