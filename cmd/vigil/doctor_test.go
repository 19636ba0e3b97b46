package main

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"

	"github.com/vigil-sec/vigil/internal/testutil"
)

// TestDoctorCommand runs `vigil doctor --json` on this host: as root on a
// kernel with BTF and ring buffers the agent can run, and process events
// use the raw tracepoint mechanism.
func TestDoctorCommand(t *testing.T) {
	testutil.RequireRoot(t)
	var stdout, stderr bytes.Buffer
	if code := execute(context.Background(), []string{"doctor", "--json"}, &stdout, &stderr); code != 0 {
		t.Fatalf("doctor exit %d: %s\n%s", code, stderr.String(), stdout.String())
	}
	var rep struct {
		CanRun       bool `json:"can_run"`
		Capabilities []struct {
			Name      string `json:"name"`
			Mechanism string `json:"mechanism"`
			OK        bool   `json:"ok"`
		} `json:"capabilities"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
		t.Fatalf("%v: %s", err, stdout.String())
	}
	if !rep.CanRun {
		t.Error("can_run false on a host the kernel tests run on")
	}
	found := false
	for _, c := range rep.Capabilities {
		if c.Name == "process events" {
			found = true
			if !c.OK || c.Mechanism == "" {
				t.Errorf("process events: %+v", c)
			}
		}
	}
	if !found {
		t.Error("no 'process events' capability in the report")
	}
}

func TestUnknownFlagsAndValues(t *testing.T) {
	for _, args := range [][]string{
		{"run", "--no-such-flag"},
		{"run", "--ancestors", "0"},
		{"run", "--log-level", "loud"},
		{"replay"},
	} {
		var stdout, stderr bytes.Buffer
		if code := execute(context.Background(), args, &stdout, &stderr); code == 0 {
			t.Errorf("%v: exit 0", args)
		} else if stderr.Len() == 0 {
			t.Errorf("%v: no error message", args)
		}
	}
}
