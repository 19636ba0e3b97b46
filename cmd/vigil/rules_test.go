package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const falcoRules = "../../../shared/testdata/falco/falco_rules.yaml"

// TestRulesCheckFalcoStable loads Falco's stable ruleset unchanged.
func TestRulesCheckFalcoStable(t *testing.T) {
	if _, err := os.Stat(falcoRules); err != nil {
		t.Skipf("../shared/testdata is absent: %v", err)
	}
	var stdout, stderr bytes.Buffer
	code := execute(context.Background(), []string{"rules", "check", falcoRules}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("rules check exit %d:\n%s\n%s", code, stdout.String(), stderr.String())
	}
	if !strings.Contains(stdout.String(), "falco_rules.yaml: 25 rules, 87 macros, 49 lists") {
		t.Errorf("counts missing:\n%s", stdout.String())
	}
	if strings.Contains(stdout.String(), ": error:") {
		t.Errorf("errors reported:\n%s", stdout.String())
	}
}

func TestRulesCheckBuiltin(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := execute(context.Background(), []string{"rules", "check"}, &stdout, &stderr); code != 0 {
		t.Fatalf("built-in rules: exit %d:\n%s%s", code, stdout.String(), stderr.String())
	}
	if strings.Contains(stdout.String(), "warning") || strings.Contains(stdout.String(), " 0 rules active") {
		t.Errorf("built-in rules should load cleanly and fully:\n%s", stdout.String())
	}
}

func TestRulesCheckReportsErrorsWithPositions(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte(`
- macro: m
  condition: proc.name = x
- rule: type mismatch
  desc: d
  condition: evt.type = execve and proc.pid = abc
  output: o
  priority: WARNING
- rule: unknown macro
  desc: d
  condition: evt.type = execve and nosuch
  output: o
  priority: WARNING
- rule: unbalanced
  desc: d
  condition: (evt.type = execve and m
  output: o
  priority: WARNING
`), 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	if code := execute(context.Background(), []string{"rules", "check", bad}, &stdout, &stderr); code != 1 {
		t.Fatalf("exit %d, want 1:\n%s", code, stdout.String())
	}
	out := stdout.String()
	for _, want := range []string{
		bad + ":6:", `"abc" is not a number`,
		bad + ":11:", `undefined macro "nosuch"`,
		bad + ":16:",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestRulesListAndExplain(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := execute(context.Background(), []string{"rules", "list"}, &stdout, &stderr); code != 0 {
		t.Fatalf("list: %d %s", code, stderr.String())
	}
	if !strings.Contains(stdout.String(), "Fileless execution via memfd") || !strings.Contains(stdout.String(), "execve,execveat") {
		t.Errorf("list:\n%s", stdout.String())
	}
	stdout.Reset()
	if code := execute(context.Background(), []string{"rules", "explain", "Fileless execution via memfd"}, &stdout, &stderr); code != 0 {
		t.Fatalf("explain: %d %s", code, stderr.String())
	}
	if !strings.Contains(stdout.String(), `compiled:  (and (in evt.type ["execve" "execveat"]) (>= evt.rawres "0") (= proc.is_exe_from_memfd "true"))`) {
		t.Errorf("explain:\n%s", stdout.String())
	}
}

// TestRunRuleFires runs the agent with a rule on a token and checks the
// Falco JSON alert it prints when a process runs with that token.
func TestRunRuleFires(t *testing.T) {
	token := fmt.Sprintf("VIGIL_RULE_%d", time.Now().UnixNano())
	ruleFile := filepath.Join(t.TempDir(), "token.yaml")
	if err := os.WriteFile(ruleFile, []byte(`
- rule: Token seen
  desc: a process ran with the test token
  condition: evt.type = execve and proc.cmdline contains `+token+`
  output: "token run (cmd=%proc.cmdline parent=%proc.pname user=%user.name pid=%proc.pid exe=%proc.exepath container=%container.id)"
  priority: NOTICE
  tags: [test, T0000]
`), 0o644); err != nil {
		t.Fatal(err)
	}
	a := startAgent(t, "-r", ruleFile, "--json")
	sh := exec.Command("sh", "-c", "/bin/echo "+token+" >/dev/null")
	if err := sh.Run(); err != nil {
		t.Fatal(err)
	}
	// The rule fires for sh (its command line holds the token too) and for
	// echo; check echo's alert.
	line := a.stdout.waitLine(t, "alert", func(l string) bool {
		return strings.Contains(l, `"rule":"Token seen"`) && strings.Contains(l, `"proc.cmdline":"echo `+token+`"`)
	})
	var alert struct {
		Time         string         `json:"time"`
		Rule         string         `json:"rule"`
		Priority     string         `json:"priority"`
		Source       string         `json:"source"`
		Hostname     string         `json:"hostname"`
		Tags         []string       `json:"tags"`
		Output       string         `json:"output"`
		OutputFields map[string]any `json:"output_fields"`
	}
	if err := json.Unmarshal([]byte(line), &alert); err != nil {
		t.Fatalf("%v: %s", err, line)
	}
	if alert.Priority != "Notice" || alert.Source != "syscall" || alert.Hostname == "" || strings.Join(alert.Tags, ",") != "T0000,test" {
		t.Errorf("alert = %+v", alert)
	}
	if _, err := time.Parse(time.RFC3339Nano, alert.Time); err != nil {
		t.Errorf("time %q: %v", alert.Time, err)
	}
	f := alert.OutputFields
	if f["proc.cmdline"] != "echo "+token || f["proc.pname"] != "sh" || f["user.name"] != "root" ||
		f["proc.exepath"] == nil || f["container.id"] != "host" || f["evt.time"] == nil {
		t.Errorf("output_fields = %v", f)
	}
	if pid, ok := f["proc.pid"].(float64); !ok || pid <= 0 {
		t.Errorf("proc.pid = %v", f["proc.pid"])
	}
	if !strings.Contains(alert.Output, ": Notice token run (cmd=echo "+token+" parent=sh user=root") {
		t.Errorf("output %q", alert.Output)
	}
	a.stop(t)
}

// TestBuiltinFileRuleFires runs the agent with its built-in rules and reads
// /etc/shadow with cat: the credential-access rule fires with the file in
// its output fields, and the open-family system calls are captured because
// the rules name them.
func TestBuiltinFileRuleFires(t *testing.T) {
	a := startAgent(t, "--json")
	if !strings.Contains(strings.Join(a.stderr.snapshot(), "\n"), `syscalls="[open openat openat2 creat unlink unlinkat chmod fchmod fchmodat socket connect dup dup2 dup3 ptrace setns unshare mount bpf mprotect prctl execve execveat]"`) {
		t.Errorf("ready line does not list the captured system calls:\n%s", strings.Join(a.stderr.snapshot(), "\n"))
	}
	if err := exec.Command("sh", "-c", "cat /etc/shadow >/dev/null").Run(); err != nil {
		t.Fatal(err)
	}
	line := a.stdout.waitLine(t, "shadow alert", func(l string) bool {
		return strings.Contains(l, `"rule":"Shadow password file read by an unexpected program"`) && strings.Contains(l, `"proc.cmdline":"cat /etc/shadow"`)
	})
	var alert struct {
		Priority     string         `json:"priority"`
		OutputFields map[string]any `json:"output_fields"`
	}
	if err := json.Unmarshal([]byte(line), &alert); err != nil {
		t.Fatal(err)
	}
	if alert.Priority != "Warning" || alert.OutputFields["fd.name"] != "/etc/shadow" || alert.OutputFields["proc.pname"] != "sh" {
		t.Errorf("alert: %s", line)
	}
	if !strings.Contains(line, `"vigil":{"event_type":"openat"`) {
		t.Errorf("alert not from an openat event: %s", line)
	}

	// Deleting a log file with rm (unlinkat) raises the log-deletion rule.
	logFile := fmt.Sprintf("/var/log/vigil-e2e-%d.log", time.Now().UnixNano())
	if err := os.WriteFile(logFile, []byte("x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("rm", logFile).CombinedOutput(); err != nil {
		t.Fatalf("rm: %v %s", err, out)
	}
	line = a.stdout.waitLine(t, "log deletion alert", func(l string) bool {
		return strings.Contains(l, `"rule":"Log file deleted"`) && strings.Contains(l, `"fs.path.name":"`+logFile+`"`)
	})
	if !strings.Contains(line, `"vigil":{"event_type":"unlinkat"`) {
		t.Errorf("alert not from an unlinkat event: %s", line)
	}

	// Setting the setuid bit with chmod (fchmodat) raises the setuid rule.
	suid := filepath.Join(t.TempDir(), "suid-"+fmt.Sprint(time.Now().UnixNano()))
	if err := os.WriteFile(suid, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("chmod", "u+s", suid).CombinedOutput(); err != nil {
		t.Fatalf("chmod: %v %s", err, out)
	}
	line = a.stdout.waitLine(t, "setuid alert", func(l string) bool {
		return strings.Contains(l, `"rule":"Setuid or setgid bit set on a file"`) && strings.Contains(l, `"fs.path.name":"`+suid+`"`)
	})
	if !strings.Contains(line, "S_ISUID") {
		t.Errorf("mode lacks S_ISUID: %s", line)
	}
	a.stop(t)
}
