package engine

import (
	"sort"
	"strings"
	"testing"
)

// TestFalcoRulesActive compiles Falco's stable ruleset and checks which
// rules load: every rule not loaded is skipped only for container and
// Kubernetes metadata (issue 5), and the only output field rendered <NA>
// is a container one.
func TestFalcoRulesActive(t *testing.T) {
	e := compileFiles(t, falcoRules(t))
	var active []string
	for _, r := range e.Rules() {
		if r.Loaded {
			active = append(active, r.Spec.Name)
			continue
		}
		for _, why := range strings.Split(strings.TrimPrefix(r.Skipped, "uses fields Vigil cannot produce yet: "), "; ") {
			if !strings.HasPrefix(why, "container.") && !strings.HasPrefix(why, "k8s.") {
				t.Errorf("rule %s skipped: %s", r.Spec.Name, why)
			}
		}
	}
	sort.Strings(active)
	want := []string{
		"Create Hardlink Over Sensitive Files",
		"Create Symlink Over Sensitive Files",
		"Remove Bulk Data from Disk",
		"Directory traversal monitored file read",
		"Disallowed SSH Connection Non Standard Port",
		"Find AWS Credentials",
		"Fileless execution via memfd_create",
		"PTRACE anti-debug attempt",
		"PTRACE attached to process",
		"Read sensitive file trusted after startup",
		"Run shell untrusted",
		"Search Private Keys or Passwords",
		"System user interactive",
	}
	sort.Strings(want)
	if strings.Join(active, "\n") != strings.Join(want, "\n") {
		t.Errorf("active rules:\n%s\nwant:\n%s", strings.Join(active, "\n"), strings.Join(want, "\n"))
	}
}
