package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vigil-sec/vigil/internal/config"
)

func TestConfigCheckCommand(t *testing.T) {
	run := func(args ...string) (int, string, string) {
		var stdout, stderr bytes.Buffer
		code := execute(context.Background(), args, &stdout, &stderr)
		return code, stdout.String(), stderr.String()
	}
	if code, out, errOut := run("config", "check", "../../deploy/vigil.yaml"); code != 0 || !strings.Contains(out, "../../deploy/vigil.yaml: valid") {
		t.Errorf("deploy/vigil.yaml: exit %d\n%s%s", code, out, errOut)
	}
	code, out, _ := run("config", "check", "../../internal/config/testdata/errors.yaml")
	if code != 1 || !strings.Contains(out, "errors.yaml:49:16: error: outputs[3].http.retries: -2: must be between 0 and 100") {
		t.Errorf("errors.yaml: exit %d\n%s", code, out)
	}
	dir := t.TempDir()
	bad := filepath.Join(dir, "broken.yaml")
	if err := os.WriteFile(bad, []byte("- rule: x\n  condition: evt.type = nope and\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "vigil.yaml")
	if err := os.WriteFile(cfg, []byte("rules: {files: [builtin, broken.yaml]}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, out, _ := run("config", "check", cfg); code != 1 || !strings.Contains(out, "broken.yaml:") {
		t.Errorf("broken rules named by the configuration: exit %d\n%s", code, out)
	}
	code, out, errOut := run("config", "check", "--print", "../../deploy/vigil.yaml")
	if code != 0 {
		t.Fatalf("--print: exit %d\n%s", code, errOut)
	}
	if _, err := config.Parse("printed", []byte(out)); err != nil {
		t.Fatalf("--print output does not parse: %v\n%s", err, out)
	}
	if want, _ := config.Default().Marshal(); out != string(want) {
		t.Errorf("--print of the default file is not the defaults:\n%s", out)
	}
	if code, _, errOut := run("run", "--config", filepath.Join(dir, "none.yaml")); code == 0 || !strings.Contains(errOut, "none.yaml does not exist") {
		t.Errorf("run --config missing: exit %d: %s", code, errOut)
	}
}
