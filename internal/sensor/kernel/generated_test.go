package kernel

import (
	"flag"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/vigil-sec/vigil/internal/testutil"
)

var updateSum = flag.Bool("update-bpf-sum", false, "rewrite bpf_sources.sum after regenerating the BPF objects")

// bpfSources lists the inputs of the generated objects.
func bpfSources(t *testing.T) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir("../../../bpf", func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		// floor.bpf.c belongs to internal/sensor/floor, enforce.bpf.c and
		// enforce.h to internal/enforce/kernel, which check them
		base := filepath.Base(p)
		if !d.IsDir() && (strings.HasSuffix(p, ".c") || strings.HasSuffix(p, ".h")) &&
			base != "floor.bpf.c" && base != "enforce.bpf.c" && base != "enforce.h" {
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

// TestGeneratedObjectsFresh fails when the committed BPF objects may not
// match their C sources (testutil.CheckGeneratedBPF).
func TestGeneratedObjectsFresh(t *testing.T) {
	testutil.CheckGeneratedBPF(t, "kernel", bpfSources(t), *updateSum)
}
