package floor

import (
	"flag"
	"testing"

	"github.com/vigil-sec/vigil/internal/testutil"
)

var updateSum = flag.Bool("update-bpf-sum", false, "rewrite bpf_sources.sum after regenerating the BPF object")

// TestGeneratedObjectsFresh fails when the committed BPF object may not
// match its C source (testutil.CheckGeneratedBPF). floor.bpf.c includes
// nothing.
func TestGeneratedObjectsFresh(t *testing.T) {
	testutil.CheckGeneratedBPF(t, "floor", []string{"../../../bpf/floor.bpf.c", "gen.go"}, *updateSum)
}
