package fields

import (
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// falcoRules is Falco's stable ruleset, read from the shared test data
// (never copied into the repository).
const falcoRules = "../../../shared/testdata/falco/falco_rules.yaml"

func readFalcoRules(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile(falcoRules)
	if os.IsNotExist(err) {
		t.Skipf("%s is absent (a fresh clone has no ../shared): skipping the Falco ruleset check", falcoRules)
	}
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// fieldRef matches a field reference: a known field class, dotted
// components, and an optional bracketed argument.
var fieldRef = regexp.MustCompile(`(?:^|[^A-Za-z0-9_.\-/])%?((?:evt|proc|thread|user|group|fd|fs|fdlist|container|k8s|syscall)\.[A-Za-z0-9_.]*[A-Za-z0-9_](?:\[[^\]\s]*\])?)`)

var conditionKey = regexp.MustCompile(`^(\s*)(?:-\s+)?(condition|output):(.*)$`)
var commentedKey = regexp.MustCompile(`^\s*#\s*(?:-\s+)?(condition|output):(.*)$`)

// conditionsAndOutputs returns the text of every condition and output of
// the file (block and multi-line scalars included), and of the commented
// out examples ("#   condition: ..."), one string per key.
func conditionsAndOutputs(file string) []string {
	var out []string
	lines := strings.Split(file, "\n")
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		if m := commentedKey.FindStringSubmatch(line); m != nil {
			out = append(out, m[2])
			continue
		}
		if strings.HasPrefix(strings.TrimSpace(line), "#") {
			continue
		}
		m := conditionKey.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		indent := len(m[1])
		text := m[3]
		for i+1 < len(lines) {
			next := lines[i+1]
			trimmed := strings.TrimSpace(next)
			if trimmed != "" && len(next)-len(strings.TrimLeft(next, " \t")) <= indent {
				break
			}
			text += "\n" + next
			i++
		}
		out = append(out, text)
	}
	return out
}

func fieldNames(texts []string) []string {
	seen := map[string]bool{}
	for _, text := range texts {
		for _, m := range fieldRef.FindAllStringSubmatch(text, -1) {
			seen[strings.TrimRight(m[1], ".")] = true
		}
	}
	var names []string
	for n := range seen {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func TestFalcoRulesFieldsKnown(t *testing.T) {
	file := readFalcoRules(t)
	c := newTestCatalog()
	texts := conditionsAndOutputs(file)
	if len(texts) < 100 {
		t.Fatalf("found only %d conditions and outputs", len(texts))
	}
	names := fieldNames(texts)
	if len(names) < 60 {
		t.Fatalf("found only %d field names: %v", len(names), names)
	}
	var available, refused []string
	for _, name := range names {
		base, arg := splitBracket(name)
		f, dotted, ok := c.Lookup(base)
		if !ok {
			t.Errorf("%s: unknown field", name)
			continue
		}
		if dotted != "" {
			arg = dotted
		}
		if !f.Available {
			refused = append(refused, name+" ("+f.Unavailable+")")
			continue
		}
		if _, err := f.Bind(arg); err != nil {
			if !isUnavailable(err) {
				t.Errorf("%s: %v", name, err)
				continue
			}
			refused = append(refused, name+" ("+err.Error()+")")
			continue
		}
		available = append(available, name)
	}
	t.Logf("%d field references: %d available, %d refused", len(names), len(available), len(refused))
	t.Logf("available: %s", strings.Join(available, " "))
	for _, r := range refused {
		t.Logf("refused: %s", r)
	}

	// The fields the ruleset's process and file rules depend on are all
	// available.
	for _, name := range []string{
		"proc.name", "proc.pname", "proc.cmdline", "proc.pcmdline", "proc.exepath", "proc.aname",
		"proc.aname[2]", "proc.args", "proc.tty", "user.name", "user.uid", "user.loginuid",
		"evt.type", "evt.arg.flags", "proc.sname", "proc.is_exe_upper_layer", "proc.is_exe_from_memfd",
		"evt.num", "evt.res", "evt.rawres", "proc.duration", "group.gid",
		// and the file rules' (open events)
		"fd.name", "fd.directory", "fd.filename", "fd.nameraw", "fd.typechar", "fd.num", "fd.type",
		"evt.is_open_read", "evt.is_open_write",
		// and those of "Create Symlink Over Sensitive Files" and "Create
		// Hardlink Over Sensitive Files" (symlink, link events)
		"evt.arg.target", "evt.arg.linkpath", "evt.arg.oldpath", "evt.arg.newpath",
		// and the container rules' (container plugin fields)
		"container.id", "container.image.repository", "container.privileged", "container.start_ts",
		"k8s.ns.name",
	} {
		found := false
		for _, a := range available {
			found = found || a == name
		}
		if !found {
			t.Errorf("%s is not available", name)
		}
	}
}

// The whole file, comments and lists included: every name that looks like
// a field (trailing dots removed) is one, except a few list items that are
// file names.
func TestFalcoRulesAllMentionsKnown(t *testing.T) {
	file := readFalcoRules(t)
	c := newTestCatalog()
	notFields := map[string]bool{"user.log": true} // a log file name in a list
	for _, name := range fieldNames([]string{file}) {
		base, _ := splitBracket(name)
		if notFields[base] {
			continue
		}
		if _, _, ok := c.Lookup(base); !ok {
			t.Errorf("%s: unknown field", name)
		}
	}
}

func TestConditionsAndOutputs(t *testing.T) {
	yaml := `- macro: m
  condition: proc.name = a
- rule: r
  condition: >
    evt.type = execve and
    proc.aname[2] = x
  output: "x %proc.cmdline"
  priority: WARNING
#   condition: (syscall.type=write and fd.type in (file))
# some evt.nothing comment
- list: l
  items: [user.log]
`
	texts := conditionsAndOutputs(yaml)
	got := strings.Join(fieldNames(texts), " ")
	want := "evt.type fd.type proc.aname[2] proc.cmdline proc.name syscall.type"
	if got != want {
		t.Errorf("fields = %q, want %q (texts %q)", got, want, texts)
	}
}
