// Package testutil holds helpers shared by Vigil's tests: gates for tests
// that need root or a kernel feature, which skip with the reason on a
// developer's machine but fail when VIGIL_REQUIRE_KERNEL=1 (as CI sets), so
// a missing feature can never pass CI silently; and the check that a
// package's committed bpf2go output matches its BPF sources.
//
// Its subdirectory trigger is a command the end-to-end tests build to
// perform, for real, the actions detection rules describe.
package testutil
