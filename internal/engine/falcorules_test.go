package engine

import (
	"sort"
	"strings"
	"testing"

	"github.com/vigil-sec/vigil/internal/rules"
)

// TestFalcoRulesActive compiles Falco's stable ruleset and checks that
// every rule loads, the container and Kubernetes ones included, and that
// no output field is always rendered <NA>.
func TestFalcoRulesActive(t *testing.T) {
	rs, diags := rules.Load(falcoRules(t))
	e, cd := Compile(rs, catalog(), Options{})
	all := append(diags, cd...)
	if all.HasErrors() {
		t.Fatalf("rules: %s", diagText(all))
	}
	if txt := diagText(all); strings.Contains(txt, "rendered as <NA>") {
		t.Errorf("an output field is always <NA>:\n%s", txt)
	}
	var active []string
	for _, r := range e.Rules() {
		if r.Loaded {
			active = append(active, r.Spec.Name)
			continue
		}
		t.Errorf("rule %s skipped: %s", r.Spec.Name, r.Skipped)
	}
	sort.Strings(active)
	want := []string{
		"Clear Log Activities",
		"Contact K8S API Server From Container",
		"Create Hardlink Over Sensitive Files",
		"Create Symlink Over Sensitive Files",
		"Debugfs Launched in Privileged Container",
		"Detect release_agent File Container Escapes",
		"Directory traversal monitored file read",
		"Disallowed SSH Connection Non Standard Port",
		"Drop and execute new binary in container",
		"Execution from /dev/shm",
		"Fileless execution via memfd_create",
		"Find AWS Credentials",
		"Linux Kernel Module Injection Detected",
		"Netcat Remote Code Execution in Container",
		"PTRACE anti-debug attempt",
		"PTRACE attached to process",
		"Packet socket created in container",
		"Read sensitive file trusted after startup",
		"Read sensitive file untrusted",
		"Redirect STDOUT/STDIN to Network Connection in Container",
		"Remove Bulk Data from Disk",
		"Run shell untrusted",
		"Search Private Keys or Passwords",
		"System user interactive",
		"Terminal shell in container",
	}
	sort.Strings(want)
	if strings.Join(active, "\n") != strings.Join(want, "\n") {
		t.Errorf("active rules:\n%s\nwant:\n%s", strings.Join(active, "\n"), strings.Join(want, "\n"))
	}
}
