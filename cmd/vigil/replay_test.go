package main

import (
	"bytes"
	"context"
	"flag"
	"os"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files")

// TestReplayGolden replays a real recording (with two lines broken by
// hand) and compares the output with the golden file: every good line is
// processed, and each bad one is reported with its line number.
func TestReplayGolden(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := execute(context.Background(), []string{"replay", "--events", "--log-format", "json", "testdata/recording.jsonl"}, &stdout, &stderr)
	if code != 1 {
		t.Errorf("exit code %d, want 1 (malformed lines were skipped)", code)
	}
	for _, want := range []string{
		`testdata/recording.jsonl:5: invalid JSON`,
		`testdata/recording.jsonl:12: type: unknown event type \"teleport\"`,
		`2 malformed line(s) skipped`,
	} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr.String())
		}
	}
	const golden = "testdata/replay.golden"
	if *update {
		if err := os.WriteFile(golden, stdout.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(stdout.Bytes(), want) {
		t.Errorf("replay output differs from %s (rerun with -update after checking the change)", golden)
	}
	if n := strings.Count(stdout.String(), "\n"); n != 23 {
		t.Errorf("%d events replayed, want the 23 good lines", n)
	}
}

func TestReplayMissingFile(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := execute(context.Background(), []string{"replay", "testdata/no-such-file.jsonl"}, &stdout, &stderr); code == 0 {
		t.Fatal("replay of a missing file succeeded")
	}
	if !strings.Contains(stderr.String(), "no-such-file.jsonl") {
		t.Errorf("error does not name the file: %s", stderr.String())
	}
}
