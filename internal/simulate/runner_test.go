package simulate

import (
	"os"
	"path/filepath"
	"testing"
)

func TestSelect(t *testing.T) {
	all := []Simulation{
		{Name: "a", Technique: "T1", Tactic: "execution", Tags: []string{"x"}},
		{Name: "b", Technique: "T2", Tactic: "execution"},
		{Name: "c", Technique: "T3", Tactic: "persistence", Tags: []string{"x"}},
	}
	names := func(ss []Simulation) (out []string) {
		for _, s := range ss {
			out = append(out, s.Name)
		}
		return out
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, "[a b c]"},
		{[]string{"b"}, "[b]"},
		{[]string{"execution"}, "[a b]"},
		{[]string{"x", "a"}, "[a c]"},
		{[]string{"T3"}, "[c]"},
	} {
		got, err := Select(all, tc.args)
		if err != nil || fmtNames(names(got)) != tc.want {
			t.Errorf("Select(%v) = %v, %v; want %s", tc.args, names(got), err, tc.want)
		}
	}
	if _, err := Select(all, []string{"nope"}); err == nil {
		t.Error("Select(unknown): no error")
	}
}

func fmtNames(n []string) string {
	s := "["
	for i, x := range n {
		if i > 0 {
			s += " "
		}
		s += x
	}
	return s + "]"
}

func TestAlertsTail(t *testing.T) {
	path := filepath.Join(t.TempDir(), "alerts.json")
	os.WriteFile(path, []byte(`{"rule":"old","time":"2026-11-24T02:00:00Z","vigil":{"pid":1,"lineage":[]}}`+"\n"), 0o600)
	tail, err := OpenTail(path)
	if err != nil {
		t.Fatal(err)
	}
	defer tail.Close()
	if a := tail.Alerts(); len(a) != 0 {
		t.Fatalf("alerts before the tail started: %v", a)
	}
	f, _ := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	defer f.Close()
	f.WriteString(`{"rule":"R","time":"2026-11-24T02:00:01Z","vigil":{"pid":42,"lineage":[{"pid":40},{"pid":1}]}}` + "\n")
	f.WriteString("not json\n")
	f.WriteString(`{"rule":"S","time":"2026-11-24T02:00:02Z","vig`) // partial line
	got := tail.Alerts()
	if len(got) != 1 || got[0].Rule != "R" || !got[0].From(42) || !got[0].From(40) || got[0].From(41) {
		t.Fatalf("alerts %+v", got)
	}
	f.WriteString(`il":{"pid":7,"lineage":[]}}` + "\n")
	got = tail.Alerts()
	if len(got) != 1 || got[0].Rule != "S" || got[0].PID != 7 {
		t.Fatalf("completed partial line: %+v", got)
	}
	if _, ok := ParseAlert([]byte(`{"rule":"R"}`)); ok {
		t.Error("an alert without the vigil section parsed")
	}
}
