package output

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/vigil-sec/vigil/internal/engine"
)

// readLines returns the lines of path ("" lines kept out).
func readLines(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return strings.FieldsFunc(string(b), func(r rune) bool { return r == '\n' })
}

// numbered renders an alert as its number alone, to follow lines around.
var numbered = FormatterFunc(func(b []byte, a *engine.Alert) []byte { return append(b, a.Rule...) })

func numberedAlert(i int) *engine.Alert {
	a := testAlert(i)
	a.Rule = strconv.Itoa(i)
	return a
}

func TestFileWritesJSONLines0600(t *testing.T) {
	path := filepath.Join(t.TempDir(), "alerts.json")
	f, err := NewFile(FileOptions{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if err := f.WriteAlert(testAlert(i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.WriteAlert(testAlert(9)); err == nil {
		t.Error("WriteAlert after Close succeeded")
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", st.Mode().Perm())
	}
	lines := readLines(t, path)
	if len(lines) != 3 {
		t.Fatalf("%d lines", len(lines))
	}
	for i, l := range lines {
		var v map[string]any
		if err := json.Unmarshal([]byte(l), &v); err != nil {
			t.Fatalf("line %d: %v", i, err)
		}
		if !strings.Contains(v["output"].(string), "n="+strconv.Itoa(i)+")") {
			t.Errorf("line %d: %s", i, l)
		}
	}
}

// TestFileRotation: by size, keeping MaxFiles rotated files, newest .1;
// nothing is lost but what falls off the end.
func TestFileRotation(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "vigil.log")
	// Lines are "NN\n" (3 bytes): 4 lines fill 12 bytes.
	f, err := NewFile(FileOptions{Path: path, Format: numbered, MaxSize: 12, MaxFiles: 3})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for i := 10; i < 30; i++ {
		if err := f.WriteAlert(numberedAlert(i)); err != nil {
			t.Fatal(err)
		}
	}
	for name, want := range map[string]string{
		"vigil.log":   "26 27 28 29",
		"vigil.log.1": "22 23 24 25",
		"vigil.log.2": "18 19 20 21",
		"vigil.log.3": "14 15 16 17",
	} {
		if got := strings.Join(readLines(t, filepath.Join(dir, name)), " "); got != want {
			t.Errorf("%s: %q, want %q", name, got, want)
		}
	}
	if _, err := os.Stat(path + ".4"); !os.IsNotExist(err) {
		t.Errorf("a fourth rotated file: %v", err)
	}
	for _, p := range []string{path, path + ".1"} {
		if st, _ := os.Stat(p); st.Mode().Perm() != 0o600 {
			t.Errorf("%s mode %v", p, st.Mode().Perm())
		}
	}
}

// TestFileLineLargerThanMaxSize: a line bigger than the limit still goes
// out, alone in its file.
func TestFileLineLargerThanMaxSize(t *testing.T) {
	path := filepath.Join(t.TempDir(), "vigil.log")
	f, err := NewFile(FileOptions{Path: path, Format: numbered, MaxSize: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for i := 10; i < 13; i++ {
		f.WriteAlert(numberedAlert(i))
	}
	if got := strings.Join(readLines(t, path), " "); got != "12" {
		t.Errorf("current file %q", got)
	}
	if got := strings.Join(readLines(t, path+".1"), " "); got != "11" {
		t.Errorf("rotated file %q", got)
	}
}

// TestFileReopen: logrotate's "create" (rename, then SIGUSR1) and
// "copytruncate" (copy, truncate in place) workflows.
func TestFileReopen(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "vigil.log")
	f, err := NewFile(FileOptions{Path: path, Format: numbered, MaxSize: 1000})
	if err != nil {
		t.Fatal(err)
	}
	a := newAsync(t, f, AsyncOptions{})
	write := func(from, to int) {
		for i := from; i < to; i++ {
			if err := f.WriteAlert(numberedAlert(i)); err != nil {
				t.Fatal(err)
			}
		}
	}
	write(10, 13)
	// create: the file is renamed; until Reopen lines follow it.
	if err := os.Rename(path, path+".old"); err != nil {
		t.Fatal(err)
	}
	write(13, 14)
	if err := a.Reopen(); err != nil { // as SIGUSR1 does, through Async
		t.Fatal(err)
	}
	write(14, 16)
	if got := strings.Join(readLines(t, path+".old"), " "); got != "10 11 12 13" {
		t.Errorf("renamed file %q", got)
	}
	if got := strings.Join(readLines(t, path), " "); got != "14 15" {
		t.Errorf("new file %q", got)
	}
	// copytruncate: O_APPEND writes land at the new end, and the size
	// count follows the file, so no rotation is due.
	if err := os.Truncate(path, 0); err != nil {
		t.Fatal(err)
	}
	write(16, 18)
	if got := strings.Join(readLines(t, path), " "); got != "16 17" {
		t.Errorf("after truncation %q", got)
	}
	if _, err := os.Stat(path + ".1"); !os.IsNotExist(err) {
		t.Errorf("rotated although the file was truncated: %v", err)
	}
}

// TestFileRotationAfterTruncation: the size count is checked against the
// file before rotating.
func TestFileRotationAfterTruncation(t *testing.T) {
	path := filepath.Join(t.TempDir(), "vigil.log")
	f, err := NewFile(FileOptions{Path: path, Format: numbered, MaxSize: 9})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	f.WriteAlert(numberedAlert(10))
	f.WriteAlert(numberedAlert(11))
	os.Truncate(path, 0)
	f.WriteAlert(numberedAlert(12))
	f.WriteAlert(numberedAlert(13))
	if got := strings.Join(readLines(t, path), " "); got != "12 13" {
		t.Errorf("file %q", got)
	}
	if _, err := os.Stat(path + ".1"); !os.IsNotExist(err) {
		t.Errorf("rotated: %v", err)
	}
}

func TestNewFileErrors(t *testing.T) {
	dir := t.TempDir()
	for _, opts := range []FileOptions{
		{},
		{Path: filepath.Join(dir, "missing", "dir", "f")},
		{Path: filepath.Join(dir, "f"), MaxSize: -1},
	} {
		if _, err := NewFile(opts); err == nil {
			t.Errorf("NewFile(%+v) accepted", opts)
		}
	}
}

// TestFileAppendsToExisting: the size count starts from the file's.
func TestFileAppendsToExisting(t *testing.T) {
	path := filepath.Join(t.TempDir(), "vigil.log")
	os.WriteFile(path, []byte("00\n01\n"), 0o600)
	f, err := NewFile(FileOptions{Path: path, Format: numbered, MaxSize: 9})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	f.WriteAlert(numberedAlert(10))
	f.WriteAlert(numberedAlert(11))
	old := strings.Join(readLines(t, path+".1"), " ")
	if cur := strings.Join(readLines(t, path), " "); old != "00 01 10" || cur != "11" {
		t.Errorf("rotated %q, current %q", old, cur)
	}
}
