package testutil

import (
	"os"
	"testing"
)

// RequireKernelEnv is the environment variable that turns skips of kernel
// tests into failures.
const RequireKernelEnv = "VIGIL_REQUIRE_KERNEL"

// KernelRequired reports whether kernel tests must run (CI).
func KernelRequired() bool { return os.Getenv(RequireKernelEnv) == "1" }

// SkipOrFail skips the test with reason, or fails it when kernel tests are
// required.
func SkipOrFail(t testing.TB, reason string) {
	t.Helper()
	if KernelRequired() {
		t.Fatalf("%s (and %s=1 forbids skipping)", reason, RequireKernelEnv)
	}
	t.Skip(reason)
}

// RequireRoot skips (or fails, see SkipOrFail) unless running as root.
func RequireRoot(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		SkipOrFail(t, "needs root to load BPF programs")
	}
}
