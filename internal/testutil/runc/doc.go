// Package runc runs real OCI containers with the runc command for kernel and
// end-to-end tests: a thin wrapper of internal/sandbox (see its contract)
// that builds each container in a test temporary directory, removes it with
// a t.Cleanup (also when the test fails or calls t.FailNow; cleanup
// failures are reported with t.Errorf), and skips the test when this
// machine cannot run containers, or fails it when VIGIL_REQUIRE_KERNEL=1
// (testutil.SkipOrFail).
package runc
