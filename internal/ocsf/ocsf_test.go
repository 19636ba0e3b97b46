package ocsf

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/vigil-sec/vigil/internal/engine"
	"github.com/vigil-sec/vigil/internal/event"
	"github.com/vigil-sec/vigil/internal/rules"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

var testFormatter = Formatter{ProductVersion: "0.9.0-test"}

// golden compares got (one JSON line) with testdata/name.golden, which
// holds it indented for reading.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	var ind bytes.Buffer
	if err := json.Indent(&ind, got, "", "  "); err != nil {
		t.Fatalf("%s: invalid JSON: %v\n%s", name, err, got)
	}
	ind.WriteByte('\n')
	file := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(file, ind.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(ind.Bytes(), want) {
		t.Errorf("%s differs from %s (run go test -update after checking the change):\n%s", name, file, ind.Bytes())
	}
}

func TestEventGolden(t *testing.T) {
	for _, f := range eventFixtures() {
		t.Run(f.name, func(t *testing.T) {
			got, ok := testFormatter.AppendEvent(nil, f.ev)
			if !ok {
				t.Fatal("no mapping")
			}
			golden(t, "event_"+f.name, got)
		})
	}
}

func TestAlertGolden(t *testing.T) {
	for _, f := range alertFixtures() {
		t.Run(f.name, func(t *testing.T) {
			golden(t, f.name, testFormatter.AppendAlert(nil, f.alert))
		})
	}
}

// TestEventClasses checks the class and activity of every fixture, and
// that type_uid is class_uid*100+activity_id.
func TestEventClasses(t *testing.T) {
	for _, f := range eventFixtures() {
		got, _ := AppendEvent(nil, f.ev)
		var rec map[string]any
		if err := json.Unmarshal(got, &rec); err != nil {
			t.Fatalf("%s: %v", f.name, err)
		}
		class, activity := num64(rec["class_uid"]), num64(rec["activity_id"])
		if class != f.class || activity != f.activity {
			t.Errorf("%s: class %d activity %d (%v), want %d %d", f.name, class, activity, rec["activity_name"], f.class, f.activity)
		}
		if tu := num64(rec["type_uid"]); tu != class*100+activity {
			t.Errorf("%s: type_uid %d", f.name, tu)
		}
	}
}

// TestRequiredAttributes checks every record, event and finding, against
// the attributes OCSF 1.3.0 requires of its class and of the objects in it.
func TestRequiredAttributes(t *testing.T) {
	check := func(name string, b []byte) {
		t.Helper()
		var rec map[string]any
		if err := json.Unmarshal(b, &rec); err != nil {
			t.Fatalf("%s: invalid JSON: %v\n%s", name, err, b)
		}
		for _, p := range validate(rec) {
			t.Errorf("%s: %s", name, p)
		}
	}
	for _, f := range eventFixtures() {
		b, _ := AppendEvent(nil, f.ev)
		check("event "+f.name, b)
	}
	for _, f := range alertFixtures() {
		check("alert "+f.name, AppendDetectionFinding(nil, f.alert))
		check("alert (versioned) "+f.name, testFormatter.AppendAlert(nil, f.alert))
	}
	// Every event type, with the least an event of that type can carry.
	for _, ty := range event.Types() {
		ev := &event.Event{Time: testTime(), Type: ty, Process: event.Process{PID: 1}}
		if ty.IsSyscall() {
			ev.Syscall = &event.Syscall{}
		}
		b, ok := AppendEvent(nil, ev)
		if !ok {
			t.Errorf("%s: no mapping", ty)
			continue
		}
		check("minimal "+ty.String(), b)
		check("minimal alert on "+ty.String(), AppendDetectionFinding(nil, &engine.Alert{Time: testTime(), Rule: "r", Event: ev}))
	}
}

func TestUnknownEventType(t *testing.T) {
	b, ok := AppendEvent([]byte("x"), &event.Event{Type: event.TypeUnknown})
	if ok || string(b) != "x" {
		t.Errorf("AppendEvent(unknown) = %q, %v", b, ok)
	}
}

// TestAppendKeepsPrefix checks that records are appended after what the
// buffer holds, without a separator of their own.
func TestAppendKeepsPrefix(t *testing.T) {
	f := alertFixtures()[0]
	b := AppendDetectionFinding([]byte(`{"previous":1}`), f.alert)
	if !bytes.HasPrefix(b, []byte(`{"previous":1}{"class_uid":2004,`)) {
		t.Errorf("got %.60s", b)
	}
	e := eventFixtures()[0]
	b, _ = AppendEvent([]byte("[1]"), e.ev)
	if !bytes.HasPrefix(b, []byte(`[1]{"class_uid":1007,`)) {
		t.Errorf("got %.60s", b)
	}
}

func TestPrioritySeverity(t *testing.T) {
	want := map[rules.Priority]Severity{
		rules.Emergency: 5, rules.Alert: 5, rules.Critical: 5, rules.Error: 4,
		rules.Warning: 3, rules.Notice: 2, rules.Informational: 1, rules.Debug: 1, rules.Priority(42): 0,
	}
	for p, s := range want {
		if got := PrioritySeverity(p); got != s {
			t.Errorf("%v: %v, want %v", p, got, s)
		}
	}
}

func TestAttacks(t *testing.T) {
	tests := []struct {
		tags []string
		want string
	}{
		{nil, ``},
		{[]string{"container", "T1059.004", "mitre_execution"},
			`[{"technique":"T1059","sub_technique":"T1059.004","tactic":"TA0002"}]`},
		{[]string{"T1095", "T1571", "mitre_command_and_control"},
			`[{"technique":"T1095","tactic":"TA0011"},{"technique":"T1571","tactic":"TA0011"}]`},
		{[]string{"mitre_privilege_escalation", "mitre_defense_evasion", "T1548"},
			`[{"technique":"T1548"},{"tactic":"TA0004"},{"tactic":"TA0005"}]`},
		{[]string{"mitre_discovery"}, `[{"tactic":"TA0007"}]`},
		{[]string{"mitre_stealth", "t1070"}, `[{"technique":"T1070","tactic":"stealth"}]`},
		{[]string{"T105", "T10599", "T1059-001", "mitre_"}, ``},
	}
	for _, tt := range tests {
		e := enc{b: []byte("{")}
		attacks(&e, tt.tags)
		e.close()
		var rec struct {
			Attacks []struct {
				Technique    *struct{ UID, Name string } `json:"technique"`
				SubTechnique *struct{ UID, Name string } `json:"sub_technique"`
				Tactic       *struct{ UID, Name string } `json:"tactic"`
			} `json:"attacks"`
		}
		if err := json.Unmarshal(e.b, &rec); err != nil {
			t.Fatalf("%v: %v\n%s", tt.tags, err, e.b)
		}
		var got []string
		for _, a := range rec.Attacks {
			var parts []string
			if a.Technique != nil {
				parts = append(parts, fmt.Sprintf(`"technique":%q`, a.Technique.UID))
			}
			if a.SubTechnique != nil {
				parts = append(parts, fmt.Sprintf(`"sub_technique":%q`, a.SubTechnique.UID))
			}
			if a.Tactic != nil {
				id := a.Tactic.UID
				if id == "" {
					id = a.Tactic.Name
				}
				parts = append(parts, fmt.Sprintf(`"tactic":%q`, id))
			}
			got = append(got, "{"+strings.Join(parts, ",")+"}")
		}
		s := ""
		if got != nil {
			s = "[" + strings.Join(got, ",") + "]"
		}
		if s != tt.want {
			t.Errorf("%v:\n got %s\nwant %s", tt.tags, s, tt.want)
		}
	}
}

func TestFindingUIDStable(t *testing.T) {
	fs := alertFixtures()
	seen := map[string]string{}
	for _, f := range fs {
		u := fmt.Sprint(findingUID(f.alert))
		if u != fmt.Sprint(findingUID(f.alert)) {
			t.Errorf("%s: uid not stable", f.name)
		}
		if prev, ok := seen[u]; ok {
			t.Errorf("%s and %s share uid %s", f.name, prev, u)
		}
		seen[u] = f.name
	}
}

func TestStringEscaping(t *testing.T) {
	for _, s := range []string{"", "plain", `q"b\`, "\x00\x01\x1f\t\n\r\b\f", "<a&b>", "\u2028\u2029", "é✓", "bad\xffutf8\xc3", "\xed\xa0\x80"} {
		b := appendString(nil, s)
		var got string
		if err := json.Unmarshal(b, &got); err != nil {
			t.Errorf("%q: %s: %v", s, b, err)
			continue
		}
		want := strings.ToValidUTF8(s, "\ufffd")
		// encoding/json replaces each invalid byte, ToValidUTF8 each run.
		ref, _ := json.Marshal(s)
		var refs string
		_ = json.Unmarshal(ref, &refs)
		if got != refs {
			t.Errorf("%q: decoded %q, encoding/json gives %q (%q)", s, got, refs, want)
		}
		if strings.Contains(string(b), `\u003c`) {
			t.Errorf("%q: HTML-escaped: %s", s, b)
		}
	}
}

func FuzzAppendString(f *testing.F) {
	for _, s := range []string{"", "a\"b", "\xff", "\u2028", "\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		b := appendString(nil, s)
		var got string
		if err := json.Unmarshal(b, &got); err != nil {
			t.Fatalf("%q: %s: %v", s, b, err)
		}
		ref, _ := json.Marshal(s)
		var want string
		_ = json.Unmarshal(ref, &want)
		if got != want {
			t.Fatalf("%q: got %q want %q", s, got, want)
		}
	})
}

// FuzzAppendEvent feeds arbitrary strings through every field an event
// takes from outside (argv, paths, names) and checks the record is valid
// JSON with its required attributes.
func FuzzAppendEvent(f *testing.F) {
	f.Add(uint16(event.TypeExecve), "sh", "/bin/sh", "a\x00b", int64(0))
	f.Add(uint16(event.TypeOpenat), "cat", "/etc/\xffshadow", "", int64(-2))
	f.Add(uint16(event.TypeConnect), "curl", "", "\u2028", int64(-111))
	f.Fuzz(func(t *testing.T, ty uint16, name, p, arg string, res int64) {
		typ := event.Type(ty % uint16(len(event.Types())+1))
		ev := &event.Event{Time: testTime(), Type: typ, Host: name, Process: event.Process{PID: 2, Name: name, Exe: p, Args: []string{p, arg}},
			Ancestors: []event.Ancestor{{PID: 1, Name: arg, Exe: p}}, Exec: &event.Exec{Filename: arg}}
		if typ.IsSyscall() {
			ev.Syscall = &event.Syscall{Res: res, Args: []event.Arg{pathArg("name", p), pathArg("path", arg), {Name: arg, Kind: event.ArgString, Str: name}},
				FD: &event.FD{Name: p, Type: event.FDUnix, Sock: &event.Socket{Family: 1, Path: arg}}}
		}
		ev.Container = &event.Container{ID: arg, Name: name, Image: p}
		b, ok := AppendEvent(nil, ev)
		if !ok {
			return
		}
		var rec map[string]any
		if err := json.Unmarshal(b, &rec); err != nil {
			t.Fatalf("invalid JSON: %v\n%s", err, b)
		}
		if ps := validate(rec); len(ps) > 0 {
			t.Fatalf("%v\n%s", ps, b)
		}
		a := &engine.Alert{Time: testTime(), Rule: name, Message: arg, Tags: []string{arg, "T1059", "mitre_" + name}, Event: ev,
			Fields: []engine.FieldValue{{Name: arg, Value: p}}}
		b = AppendDetectionFinding(nil, a)
		if err := json.Unmarshal(b, &rec); err != nil {
			t.Fatalf("invalid JSON: %v\n%s", err, b)
		}
		if ps := validate(rec); len(ps) > 0 {
			t.Fatalf("%v\n%s", ps, b)
		}
	})
}

func num64(v any) int64 {
	f, _ := v.(float64)
	return int64(f)
}

// ---- The required-attribute table (OCSF 1.3.0) ----

// classRequired are the attributes each class requires beyond those every
// class requires (baseRequired), as the 1.3.0 schema lists them with the
// profiles Vigil applies (host, container, linux/linux_users; not
// security_control, cloud or osint).
var classRequired = map[int64][]string{
	0:    {},
	1001: {"actor", "device", "file"},
	1002: {"actor", "device", "driver"},
	1004: {"actor", "device", "process"},
	1007: {"actor", "device", "process"},
	2004: {"finding_info"},
	4001: {"dst_endpoint"},
}

var classCategory = map[int64]int64{0: 0, 1001: 1, 1002: 1, 1004: 1, 1007: 1, 2004: 2, 4001: 4}

var baseRequired = []string{"activity_id", "category_uid", "class_uid", "metadata", "severity_id", "time", "type_uid"}

// objectRule is what OCSF requires of an object: attributes, and
// constraints naming attributes of which at least one must be present.
type objectRule struct {
	required   []string
	atLeastOne []string
}

// objectRules, by the attribute names under which the objects appear in
// Vigil's records.
var objectRules = map[string]objectRule{
	"metadata":        {required: []string{"product", "version"}},
	"product":         {required: []string{"vendor_name"}, atLeastOne: []string{"name", "uid"}},
	"finding_info":    {required: []string{"title", "uid"}},
	"analytic":        {required: []string{"type_id"}, atLeastOne: []string{"name", "uid"}},
	"attacks":         {atLeastOne: []string{"sub_technique", "tactic", "technique"}},
	"tactic":          {atLeastOne: []string{"name", "uid"}},
	"technique":       {atLeastOne: []string{"name", "uid"}},
	"sub_technique":   {atLeastOne: []string{"name", "uid"}},
	"device":          {required: []string{"type_id"}, atLeastOne: []string{"hostname", "instance_uid", "interface_name", "interface_uid", "ip", "name", "uid"}},
	"os":              {required: []string{"name", "type_id"}},
	"actor":           {atLeastOne: []string{"app_name", "app_uid", "invoked_by", "process", "session", "user"}},
	"process":         {atLeastOne: []string{"pid", "uid"}},
	"parent_process":  {atLeastOne: []string{"pid", "uid"}},
	"file":            {required: []string{"name", "type_id"}},
	"file_result":     {required: []string{"name", "type_id"}},
	"driver":          {required: []string{"file"}},
	"container":       {atLeastOne: []string{"name", "uid"}},
	"image":           {required: []string{"uid"}},
	"src_endpoint":    {atLeastOne: []string{"hostname", "instance_uid", "interface_name", "interface_uid", "ip", "name", "uid"}},
	"dst_endpoint":    {atLeastOne: []string{"hostname", "instance_uid", "interface_name", "interface_uid", "ip", "name", "uid"}},
	"connection_info": {required: []string{"direction_id"}},
	"observables":     {required: []string{"name", "type_id"}},
	"evidences":       {atLeastOne: []string{"actor", "connection_info", "container", "data", "device", "dst_endpoint", "file", "process", "src_endpoint", "user"}},
	"resources":       {atLeastOne: []string{"name", "uid"}},
}

// validate returns what rec lacks.
func validate(rec map[string]any) []string {
	var problems []string
	for _, k := range baseRequired {
		if _, ok := rec[k]; !ok {
			problems = append(problems, "missing "+k)
		}
	}
	class := num64(rec["class_uid"])
	req, ok := classRequired[class]
	if !ok {
		return append(problems, fmt.Sprintf("unexpected class_uid %d", class))
	}
	for _, k := range req {
		if _, ok := rec[k]; !ok {
			problems = append(problems, fmt.Sprintf("class %d: missing %s", class, k))
		}
	}
	if num64(rec["category_uid"]) != classCategory[class] {
		problems = append(problems, fmt.Sprintf("class %d: category_uid %v", class, rec["category_uid"]))
	}
	if num64(rec["type_uid"]) != class*100+num64(rec["activity_id"]) {
		problems = append(problems, "type_uid is not class_uid*100+activity_id")
	}
	if v, _ := rec["metadata"].(map[string]any); v["version"] != SchemaVersion {
		problems = append(problems, "metadata.version is not "+SchemaVersion)
	}
	walk("", rec, &problems)
	sort.Strings(problems)
	return problems
}

func walk(at string, v any, problems *[]string) {
	switch v := v.(type) {
	case map[string]any:
		for k, c := range v {
			p := at + "." + k
			if k == "unmapped" || k == "xattributes" || k == "data" {
				continue // free-form
			}
			if rule, ok := objectRules[k]; ok {
				switch c := c.(type) {
				case map[string]any:
					checkObject(p, c, rule, problems)
				case []any:
					for i, e := range c {
						if m, ok := e.(map[string]any); ok {
							checkObject(fmt.Sprintf("%s[%d]", p, i), m, rule, problems)
						}
					}
				default:
					*problems = append(*problems, p+": not an object")
				}
			}
			walk(p, c, problems)
		}
	case []any:
		for i, c := range v {
			walk(fmt.Sprintf("%s[%d]", at, i), c, problems)
		}
	case string:
		if v == "" {
			*problems = append(*problems, at+": empty string")
		}
	}
}

func checkObject(at string, obj map[string]any, rule objectRule, problems *[]string) {
	for _, k := range rule.required {
		if _, ok := obj[k]; !ok {
			*problems = append(*problems, at+": missing "+k)
		}
	}
	if len(rule.atLeastOne) > 0 {
		found := false
		for _, k := range rule.atLeastOne {
			if _, ok := obj[k]; ok {
				found = true
			}
		}
		if !found {
			*problems = append(*problems, fmt.Sprintf("%s: needs one of %v", at, rule.atLeastOne))
		}
	}
}

func TestEventWriter(t *testing.T) {
	var out bytes.Buffer
	w := NewEventWriter(&out, testFormatter)
	fs := eventFixtures()
	for _, f := range fs[:3] {
		if err := w.Write(f.ev); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Write(&event.Event{Type: event.TypeUnknown}); err != nil {
		t.Fatal(err)
	}
	if out.Len() != 0 {
		t.Error("wrote before Flush")
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(lines) != 3 {
		t.Fatalf("%d lines", len(lines))
	}
	for i, l := range lines {
		want, _ := testFormatter.AppendEvent(nil, fs[i].ev)
		if l != string(want) {
			t.Errorf("line %d differs", i)
		}
	}
}
