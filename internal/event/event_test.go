package event

import "testing"

func TestTypeNamesRoundTrip(t *testing.T) {
	seen := map[string]bool{}
	for _, typ := range Types() {
		name := typ.String()
		if seen[name] {
			t.Errorf("duplicate name %q", name)
		}
		seen[name] = true
		got, err := ParseType(name)
		if err != nil || got != typ {
			t.Errorf("ParseType(%q) = %v, %v; want %v", name, got, err, typ)
		}
	}
	for _, bad := range []string{"", "unknown", "EXECVE", "sendfile"} {
		if _, err := ParseType(bad); err == nil {
			t.Errorf("ParseType(%q) succeeded", bad)
		}
	}
	if !TypeExecveat.IsExec() || TypeClone.IsExec() || !TypeVfork.IsClone() || TypeProcExit.IsClone() {
		t.Error("IsExec/IsClone misclassify")
	}
}

func TestNewExecID(t *testing.T) {
	boot := [16]byte{1, 2, 3, 4, 5}
	base := NewExecID(boot, 100, 5e9)
	if len(base) != 22 {
		t.Fatalf("len(%q) = %d, want 22", base, len(base))
	}
	if NewExecID(boot, 100, 5e9) != base {
		t.Error("not deterministic")
	}
	for name, other := range map[string]string{
		"pid reuse (same pid, later)": NewExecID(boot, 100, 6e9),
		"another pid":                 NewExecID(boot, 101, 5e9),
		"another boot":                NewExecID([16]byte{9}, 100, 5e9),
	} {
		if other == base {
			t.Errorf("%s: same exec id %q", name, base)
		}
	}
}

func TestDropTotal(t *testing.T) {
	d := &Drop{Lost: map[string]uint64{"exec": 2, "clone": 3}}
	if d.Total() != 5 {
		t.Errorf("Total = %d", d.Total())
	}
}
