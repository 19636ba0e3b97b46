// Package testutil holds helpers shared by Vigil's tests: gates for tests
// that need root or a kernel feature, which skip with the reason on a
// developer's machine but fail when VIGIL_REQUIRE_KERNEL=1 (as CI sets), so
// a missing feature can never pass CI silently.
package testutil
