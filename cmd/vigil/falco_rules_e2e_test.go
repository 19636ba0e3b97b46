package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// buildTrigger builds internal/testutil/trigger once per test run.
var buildTrigger = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "vigil-trigger")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "trigger")
	out, err := exec.Command("go", "build", "-o", bin, "../../internal/testutil/trigger").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go build trigger: %v\n%s", err, out)
	}
	return bin, nil
})

// triggerAs copies the trigger into dir under name (rules look at process
// names) and returns its path.
func triggerAs(t *testing.T, dir, name string) string {
	t.Helper()
	bin, err := buildTrigger()
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, b, 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestFalcoStableRulesFire runs the agent with Falco's stable ruleset,
// unchanged, and performs for real the action each rule describes that can
// happen on a host (the container rules: container_rules_e2e_test.go): each
// rule must fire, on that action.
func TestFalcoStableRulesFire(t *testing.T) {
	abs, err := filepath.Abs(falcoRules)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(abs); err != nil {
		t.Skipf("../shared/testdata is absent: %v", err)
	}
	a := startAgent(t, "-r", abs, "--json")
	token := fmt.Sprintf("%d", time.Now().UnixNano())
	dir := t.TempDir()
	symlink := filepath.Join(dir, "shadow-link-"+token)
	hardlink := "/etc/vigil-hardlink-" + token // same file system as /etc/shadow
	t.Cleanup(func() { os.Remove(hardlink) })
	trigger := triggerAs(t, dir, "trigger")
	nginx := triggerAs(t, dir, "nginx")
	sshd := triggerAs(t, dir, "sshd")
	ssh := triggerAs(t, dir, "ssh")
	shm := "/dev/shm/vigil-true-" + token
	if b, err := os.ReadFile("/bin/true"); err != nil {
		t.Fatal(err)
	} else if err := os.WriteFile(shm, b, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Remove(shm) })
	logFile := "/var/log/vigil-e2e-" + token + ".log"
	if err := os.WriteFile(logFile, []byte("old log\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Remove(logFile) })
	shredMe := filepath.Join(dir, "data-"+token)
	if err := os.WriteFile(shredMe, []byte("bulk data"), 0o644); err != nil {
		t.Fatal(err)
	}

	// A web server that reads /etc/shadow once it has run for more than
	// 5 s (the rule ignores a server's start-up); it runs while the other
	// actions happen.
	late := exec.Command(nginx, "sleep-open", "5.5", "/etc/shadow")
	if out, err := os.CreateTemp(dir, "late"); err == nil {
		late.Stdout, late.Stderr = out, out
	}
	if err := late.Start(); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		rule     string
		priority string
		cmd      []string
		marker   string // a string that identifies this action's alert
	}{
		{"Create Symlink Over Sensitive Files", "Warning", []string{"ln", "-s", "/etc/shadow", symlink}, `"evt.arg.linkpath":"` + symlink + `"`},
		{"Create Hardlink Over Sensitive Files", "Warning", []string{"ln", "/etc/shadow", hardlink}, `"evt.arg.newpath":"` + hardlink + `"`},
		{"Directory traversal monitored file read", "Warning", []string{"cat", "/etc/../etc/../etc/shadow"}, `"fd.nameraw":"/etc/../etc/../etc/shadow"`},
		{"Search Private Keys or Passwords", "Warning", []string{"find", dir, "-name", "id_rsa-" + token}, token},
		{"Find AWS Credentials", "Warning", []string{"find", dir, "-path", dir + "/" + token + "/.aws/credentials"}, token},
		{"Remove Bulk Data from Disk", "Warning", []string{"shred", "-u", shredMe}, token},
		{"Fileless execution via memfd_create", "Critical", []string{trigger, "memfd-exec", "/bin/true", token}, token},
		{"PTRACE attached to process", "Warning", []string{trigger, "ptrace-attach"}, dir},
		{"PTRACE anti-debug attempt", "Notice", []string{trigger, "ptrace-traceme"}, dir},
		{"Run shell untrusted", "Notice", []string{nginx, "spawn", "/bin/sh", "-c", "true " + token}, token},
		{"System user interactive", "Informational", []string{sshd, "spawn", "-uid", "65534", "/bin/true", token}, token},
		{"Read sensitive file untrusted", "Warning", []string{trigger, "sleep-open", "0", "/etc/shadow"}, dir},
		{"Execution from /dev/shm", "Warning", []string{shm}, shm},
		{"Clear Log Activities", "Warning", []string{"sh", "-c", ": > " + logFile}, logFile},
		// An SSH client connecting out to a web port: in a private network
		// namespace where a public-looking address is on lo.
		{"Disallowed SSH Connection Non Standard Port", "Notice", []string{ssh, "netns-connect", "198.51.100.7:443"}, `->198.51.100.7:443"`},
	} {
		t.Run(tc.rule, func(t *testing.T) {
			out, err := exec.Command(tc.cmd[0], tc.cmd[1:]...).CombinedOutput()
			if err != nil && tc.cmd[0] != "find" { // find fails on the absent names: the exec is what counts
				t.Fatalf("%v: %v %s", tc.cmd, err, out)
			}
			line := a.stdout.waitLine(t, tc.rule, func(l string) bool {
				return strings.Contains(l, `"rule":"`+tc.rule+`"`) && strings.Contains(l, tc.marker)
			})
			if !strings.Contains(line, `"priority":"`+tc.priority+`"`) {
				t.Errorf("priority is not %s: %s", tc.priority, line)
			}
		})
	}
	t.Run("Read sensitive file trusted after startup", func(t *testing.T) {
		if err := late.Wait(); err != nil {
			t.Fatalf("nginx sleep-open: %v", err)
		}
		line := a.stdout.waitLine(t, "late read", func(l string) bool {
			return strings.Contains(l, `"rule":"Read sensitive file trusted after startup"`) && strings.Contains(l, dir)
		})
		if !strings.Contains(line, `"fd.name":"/etc/shadow"`) {
			t.Errorf("alert: %s", line)
		}
	})
	a.stop(t)
}
