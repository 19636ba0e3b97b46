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

// TestBuiltinSyscallRulesFire runs the agent with its built-in rules and
// performs, for real, the actions of the rules on ptrace, memory, sockets
// and namespaces: each rule must fire on its action. (The kernel module
// rule cannot fire on these machines: their kernel is built without module
// support, so init_module and finit_module do not exist.)
func TestBuiltinSyscallRulesFire(t *testing.T) {
	a := startAgent(t, "--json")
	dir := t.TempDir()
	// a name of this run's own, which the alerts' command lines show
	token := fmt.Sprint(time.Now().UnixNano())
	name := "vt" + token[len(token)-8:]
	trigger := triggerAs(t, dir, name)
	for _, tc := range []struct {
		rule     string
		priority string
		cmd      []string
		marker   string // a string that identifies this action's alert
	}{
		{"Process memory or registers tampered with ptrace", "Warning", []string{trigger, "ptrace-attach"}, "PTRACE_ATTACH"},
		{"Writable memory made executable", "Notice", []string{trigger, "mprotect-rwx"}, "PROT_EXEC"},
		{"Packet socket opened by an unexpected program", "Notice", []string{trigger, "packet-socket"}, "AF_PACKET"},
		{"Standard input or output redirected to a network connection", "Critical", []string{trigger, "dup-socket"}, "127.0.0.1:"},
		{"User namespace created by an unprivileged program", "Notice", []string{trigger, "spawn", "-uid", "65534", "unshare", "-U", "/bin/true", token}, "CLONE_NEWUSER"},
	} {
		t.Run(tc.rule, func(t *testing.T) {
			if out, err := exec.Command(tc.cmd[0], tc.cmd[1:]...).CombinedOutput(); err != nil {
				t.Fatalf("%v: %v %s", tc.cmd, err, out)
			}
			line := a.stdout.waitLine(t, tc.rule, func(l string) bool {
				return strings.Contains(l, `"rule":"`+tc.rule+`"`) && strings.Contains(l, tc.marker) &&
					(strings.Contains(l, name) || strings.Contains(l, token))
			})
			if !strings.Contains(line, `"priority":"`+tc.priority+`"`) {
				t.Errorf("priority is not %s: %s", tc.priority, line)
			}
		})
	}
	a.stop(t)
}

// TestBuiltinListsExtendable: -r builtin -r mine.yaml loads the built-in
// ruleset and a file of one's own that appends to its lists: a program
// named in the appended item fires the built-in rule.
func TestBuiltinListsExtendable(t *testing.T) {
	dir := t.TempDir()
	extra := filepath.Join(dir, "mine.yaml")
	os.WriteFile(extra, []byte("- list: vigil_miner_binaries\n  items: [vtest-miner]\n  override:\n    items: append\n"), 0o644)
	a := startAgent(t, "--json", "-r", "builtin", "-r", extra)
	miner := filepath.Join(dir, "vtest-miner")
	data, err := os.ReadFile("/bin/true")
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(miner, data, 0o755)
	if err := exec.Command(miner).Run(); err != nil {
		t.Fatal(err)
	}
	a.stdout.waitLine(t, "miner alert for the appended name", func(l string) bool {
		return strings.Contains(l, `"rule":"Crypto miner executed"`) && strings.Contains(l, "vtest-miner")
	})
	a.stop(t)
}
