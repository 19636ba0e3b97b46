package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestFalcoStableRulesFire runs the agent with Falco's stable ruleset,
// unchanged, and performs the actions some of its rules describe: each
// rule must fire on the real action.
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

	for _, tc := range []struct {
		rule   string
		cmd    []string
		marker string // an output field value that identifies this action
	}{
		{"Create Symlink Over Sensitive Files", []string{"ln", "-s", "/etc/shadow", symlink}, `"evt.arg.linkpath":"` + symlink + `"`},
		{"Create Hardlink Over Sensitive Files", []string{"ln", "/etc/shadow", hardlink}, `"evt.arg.newpath":"` + hardlink + `"`},
	} {
		t.Run(tc.rule, func(t *testing.T) {
			if out, err := exec.Command(tc.cmd[0], tc.cmd[1:]...).CombinedOutput(); err != nil {
				t.Fatalf("%v: %v %s", tc.cmd, err, out)
			}
			line := a.stdout.waitLine(t, tc.rule, func(l string) bool {
				return strings.Contains(l, `"rule":"`+tc.rule+`"`) && strings.Contains(l, tc.marker)
			})
			if !strings.Contains(line, `"priority":"Warning"`) || !strings.Contains(line, `"proc.name":"ln"`) {
				t.Errorf("alert: %s", line)
			}
		})
	}
	a.stop(t)
}
