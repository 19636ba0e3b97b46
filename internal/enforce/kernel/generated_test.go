package kernel

import (
	"flag"
	"testing"

	"github.com/vigil-sec/vigil/internal/testutil"
)

var updateSum = flag.Bool("update-bpf-sum", false, "rewrite bpf_sources.sum after regenerating the BPF object")

// TestGeneratedObjectsFresh fails when the committed BPF object may not
// match its sources (testutil.CheckGeneratedBPF). enforce.bpf.c includes
// enforce.h and, from bpf/include, only vmlinux.h.
func TestGeneratedObjectsFresh(t *testing.T) {
	sources := []string{
		"../../../bpf/enforce.bpf.c",
		"../../../bpf/enforce.h",
		"../../../bpf/include/vmlinux.h",
		"gen.go",
	}
	testutil.CheckGeneratedBPF(t, "kernel", sources, *updateSum)
}
