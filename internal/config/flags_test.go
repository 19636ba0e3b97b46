package config

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"
)

// runFlags is `vigil run`'s flag set as cobra merges it: the command's
// flags and the root's persistent --log-level and --log-format.
func runFlags(t *testing.T, args ...string) *Flags {
	t.Helper()
	fs := pflag.NewFlagSet("run", pflag.ContinueOnError)
	fs.String("log-level", "info", "")
	fs.String("log-format", "text", "")
	f := AddFlags(fs)
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	return f
}

func writeConfig(t *testing.T, src string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "vigil.yaml")
	if err := os.WriteFile(p, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestFlagsOverrideFile(t *testing.T) {
	p := writeConfig(t, `
process_table: {ancestors: 8, max_processes: 100}
sensor: {ring_buffer_bytes: 4MiB}
log: {level: warn}
rules: {files: [/etc/vigil/a.yaml]}
`)
	f := runFlags(t, "--config", p, "--ancestors", "4", "-r", "builtin", "-r", "/b.yaml", "--ring-buffer-bytes", "16MiB",
		"--log-format", "json", "--enforce-timeout", "1s", "--cri-socket", "/run/x.sock", "--events")
	c, err := f.Load()
	if err != nil {
		t.Fatal(err)
	}
	switch {
	case c.ProcessTable.Ancestors != 4:
		t.Errorf("flag given: ancestors = %d, want 4", c.ProcessTable.Ancestors)
	case c.ProcessTable.MaxProcesses != 100:
		t.Errorf("flag not given: max_processes = %d, want the file's 100", c.ProcessTable.MaxProcesses)
	case c.Sensor.RingBufferBytes != 16*MiB:
		t.Errorf("ring_buffer_bytes = %v", c.Sensor.RingBufferBytes)
	case c.Log.Level != "warn" || c.Log.Format != "json":
		t.Errorf("log = %+v (the file's level, the flag's format)", c.Log)
	case !slices.Equal(c.Rules.Files, []string{"builtin", "/b.yaml"}):
		t.Errorf("rules.files = %v: the flag replaces the list", c.Rules.Files)
	case c.Policies.DecisionTimeout != time.Second || !c.Events.Stdout:
		t.Errorf("policies/events: %+v %+v", c.Policies, c.Events)
	case !slices.Equal(c.Containers.CRISockets, []string{"/run/x.sock"}):
		t.Errorf("cri_sockets = %v", c.Containers.CRISockets)
	}
}

func TestFlagsWithoutFile(t *testing.T) {
	f := runFlags(t)
	c := Default()
	if err := f.Apply(c); err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	want := Default()
	want.src = c.src
	if c.Sensor != want.Sensor || c.ProcessTable != want.ProcessTable || c.Log != want.Log || !slices.Equal(c.Rules.Files, want.Rules.Files) {
		t.Errorf("no flag given, yet the defaults changed: %+v", c)
	}
}

// Every flag's default is the key's default, so that help tells the truth.
func TestFlagDefaults(t *testing.T) {
	f := runFlags(t)
	c := Default()
	for _, b := range f.bindings() {
		fl := f.fs.Lookup(b.flag)
		if fl == nil {
			t.Errorf("flag --%s not registered", b.flag)
			continue
		}
		if b.flag == "log-level" || b.flag == "log-format" {
			continue // the root command's
		}
		fl.Changed = true
		before := *c
		b.set(c)
		if !strings.Contains(fl.Usage, b.key) && b.key != "containers.cri_sockets" && b.key != "policies.files" {
			t.Errorf("--%s: usage does not name %s: %q", b.flag, b.key, fl.Usage)
		}
		after, _ := c.Marshal()
		beforeB, _ := before.Marshal()
		if b.flag != "rules" && b.flag != "cri-socket" && b.flag != "policy" && string(after) != string(beforeB) {
			t.Errorf("--%s's default differs from %s's", b.flag, b.key)
		}
		fl.Changed = false
	}
}

func TestFlagProblemsNameTheFlag(t *testing.T) {
	p := writeConfig(t, "process_table:\n  ancestors: 8\nsensor:\n  poll_interval: 1s\n")
	f := runFlags(t, "--config", p, "--ancestors", "0", "--wakeup-bytes", "0", "--log-level", "loud", "--rule-matching", "some")
	_, err := f.Load()
	if err == nil {
		t.Fatal("bad flags accepted")
	}
	want := []string{
		"flag --rule-matching: error: rules.matching: \"some\": want all (every matching rule fires) or first (only the first in rule order)",
		"flag --wakeup-bytes: error: sensor.wakeup_bytes: 0: must be -1 (wake at every record) or positive",
		"flag --ancestors: error: process_table.ancestors: 0: must be at least 1",
		"flag --log-level: error: log.level: \"loud\": want debug, info, warn or error",
	}
	if got := err.Error(); got != strings.Join(want, "\n") {
		t.Errorf("got:\n%s\nwant:\n%s", got, strings.Join(want, "\n"))
	}
}

func TestFlagSizes(t *testing.T) {
	fs := pflag.NewFlagSet("run", pflag.ContinueOnError)
	AddFlags(fs)
	if err := fs.Parse([]string{"--ring-buffer-bytes", "8 parsecs"}); err == nil || !strings.Contains(err.Error(), "unknown unit") {
		t.Errorf("bad size flag: %v", err)
	}
	f := runFlags(t, "--ring-buffer-bytes", "1048576", "--wakeup-bytes", "-1")
	c := Default()
	if err := f.Apply(c); err != nil {
		t.Fatal(err)
	}
	if c.Sensor.RingBufferBytes != MiB || c.Sensor.WakeupBytes != -1 {
		t.Errorf("sensor = %+v", c.Sensor)
	}
	if got := fs.Lookup("ring-buffer-bytes").DefValue; got != "8MiB" {
		t.Errorf("--ring-buffer-bytes default shown as %q", got)
	}
}

func TestFlagJSONAndAlertsFile(t *testing.T) {
	p := writeConfig(t, `
outputs:
  - type: stdout
  - type: file
    file: {path: /var/log/vigil.log}
`)
	f := runFlags(t, "--config", p, "--json", "--alerts-file", "rel/alerts.json")
	c, err := f.Load()
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Outputs) != 3 || c.Outputs[0].Format != FormatJSON || c.Outputs[1].Format != FormatText {
		t.Fatalf("--json applies to stdout outputs only: %+v", c.Outputs)
	}
	o := c.Outputs[2]
	abs, _ := filepath.Abs("rel/alerts.json")
	if o.Name != "alerts-file" || o.Type != TypeFile || o.Format != FormatJSON || o.File.Path != abs || o.File.MaxSize != 0 || !o.Enabled {
		t.Errorf("--alerts-file output: %+v %+v", o, o.File)
	}

	p = writeConfig(t, "outputs:\n  - type: file\n    file: {path: /x}\n")
	if _, err := runFlags(t, "--config", p, "--json").Load(); err == nil || !strings.Contains(err.Error(), "--json: the configuration ("+p+") has no stdout output") {
		t.Errorf("--json without stdout output: %v", err)
	}
	p = writeConfig(t, "outputs:\n  - type: file\n    name: alerts-file\n    file: {path: /x}\n")
	if _, err := runFlags(t, "--config", p, "--alerts-file", "/y").Load(); err == nil ||
		err.Error() != `flag --alerts-file: error: outputs[1].name: "alerts-file" is already the name of outputs[0]; output names are unique` {
		t.Errorf("--alerts-file name clash: %v", err)
	}
}

// Without --config the default path is read when it exists; here it is
// only checked that an absent file is no error.
func TestFlagsDefaultPath(t *testing.T) {
	if _, err := os.Stat(DefaultPath); err == nil {
		t.Skipf("%s exists on this machine", DefaultPath)
	}
	c, err := runFlags(t).Load()
	if err != nil {
		t.Fatal(err)
	}
	if c.Source() != "" {
		t.Errorf("Source() = %q", c.Source())
	}
}
